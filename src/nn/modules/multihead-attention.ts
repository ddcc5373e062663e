// nn.MultiheadAttention as PyTorch 1.13's (torch/nn/modules/activation.py): packed in_proj_weight/in_proj_bias
// (or q/k/v_proj_weight when kdim/vdim differ), out_proj, optional bias_k/bias_v and zero attention,
// batch_first. In eval mode without autograd, self-attention takes libtorch's fused kernel exactly when
// PyTorch's "fast path" would, so results (and speed) are PyTorch's on either path.
import { Tensor } from '../../tensor.js';
import { empty } from '../../creation.js';
import { op } from '../../native/ops.js';
import { isGradEnabled } from '../../autograd/grad-mode.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';
import { Linear } from './linear.js';
import { bindCtor, classArgs, installMethodArgs, type PyRest } from '../../args.js';
import * as init from '../init.js';
import { checkKeyPaddingMaskDtype, multiHeadAttentionForward } from '../functional/attention.js';

const nativeMha = op('aten::_native_multi_head_attention');

/** A Linear that PyTorch's quantization leaves alone; it is MultiheadAttention's out_proj (and prints as such). */
export class NonDynamicallyQuantizableLinear extends Linear {}

export interface MultiheadAttentionOptions {
  /** Dropout probability on the attention weights (training only). */
  dropout?: number;
  bias?: boolean;
  addBiasKv?: boolean;
  addZeroAttn?: boolean;
  /** Features of the keys (default embedDim). */
  kdim?: number | null;
  /** Features of the values (default embedDim). */
  vdim?: number | null;
  /** Inputs and outputs as (batch, seq, feature) instead of (seq, batch, feature). */
  batchFirst?: boolean;
}

export interface MultiheadAttentionForwardOptions {
  /** (N, S) or (S): true (or a float added to the score) for keys to ignore. */
  keyPaddingMask?: Tensor | null;
  /** Return the attention weights too (default true). */
  needWeights?: boolean;
  /** (L, S) or (N * heads, L, S): true (bool), non-zero (uint8) or an additive float mask. */
  attnMask?: Tensor | null;
  /** Average the returned weights over the heads (default true). */
  averageAttnWeights?: boolean;
}

export class MultiheadAttention extends Module {
  declare in_proj_weight: Parameter | null;
  declare q_proj_weight: Parameter | null;
  declare k_proj_weight: Parameter | null;
  declare v_proj_weight: Parameter | null;
  declare in_proj_bias: Parameter | null;
  declare out_proj: NonDynamicallyQuantizableLinear;
  declare bias_k: Parameter | null;
  declare bias_v: Parameter | null;
  readonly embedDim: number;
  readonly kdim: number;
  readonly vdim: number;
  readonly qkvSameEmbedDim: boolean;
  readonly numHeads: number;
  dropout: number;
  readonly batchFirst: boolean;
  readonly headDim: number;
  addZeroAttn: boolean;

  /** PyTorch's order (embedDim, numHeads, dropout, bias, addBiasKv, addZeroAttn, kdim, vdim, batchFirst), or options. */
  constructor(embedDim: number, numHeads: number,
    ...rest: PyRest<MultiheadAttentionOptions, ['dropout', 'bias', 'addBiasKv', 'addZeroAttn', 'kdim', 'vdim', 'batchFirst']>);
  constructor(...args: unknown[]) {
    super();
    const [embedDim, numHeads, o = {}] = bindCtor(MultiheadAttention, args) as [number, number, MultiheadAttentionOptions];
    for (const [k, v] of [['embedDim', embedDim], ['numHeads', numHeads]] as const) {
      if (!Number.isInteger(v) || v <= 0) throw new RangeError(`MultiheadAttention: ${k} must be a positive integer, got ${v}`);
    }
    this.embedDim = embedDim;
    this.kdim = o.kdim ?? embedDim;
    this.vdim = o.vdim ?? embedDim;
    this.qkvSameEmbedDim = this.kdim === embedDim && this.vdim === embedDim;
    this.numHeads = numHeads;
    this.dropout = o.dropout ?? 0.0;
    if (!(this.dropout >= 0 && this.dropout <= 1)) throw new RangeError(`MultiheadAttention: dropout must be between 0 and 1, got ${this.dropout}`);
    this.batchFirst = o.batchFirst ?? false;
    this.headDim = Math.trunc(embedDim / numHeads);
    if (this.headDim * numHeads !== embedDim) throw new RangeError(`MultiheadAttention: embed_dim must be divisible by num_heads (${embedDim} and ${numHeads})`);

    // Registration order is PyTorch's, so state-dict keys come out in its order.
    if (!this.qkvSameEmbedDim) {
      this.q_proj_weight = new Parameter(empty([embedDim, embedDim]));
      this.k_proj_weight = new Parameter(empty([embedDim, this.kdim]));
      this.v_proj_weight = new Parameter(empty([embedDim, this.vdim]));
      this.in_proj_weight = null;
    } else {
      this.in_proj_weight = new Parameter(empty([3 * embedDim, embedDim]));
      this.q_proj_weight = null;
      this.k_proj_weight = null;
      this.v_proj_weight = null;
    }
    const bias = o.bias ?? true;
    this.in_proj_bias = bias ? new Parameter(empty([3 * embedDim])) : null;
    this.out_proj = new NonDynamicallyQuantizableLinear(embedDim, embedDim, { bias });
    if (o.addBiasKv) {
      this.bias_k = new Parameter(empty([1, 1, embedDim]));
      this.bias_v = new Parameter(empty([1, 1, embedDim]));
    } else {
      this.bias_k = null;
      this.bias_v = null;
    }
    this.addZeroAttn = o.addZeroAttn ?? false;
    this.resetParameters();
  }

  /** PyTorch's _reset_parameters: Xavier-uniform projections, zero biases, Xavier-normal bias_k/bias_v. */
  resetParameters(): void {
    if (this.qkvSameEmbedDim) {
      init.xavierUniform_(this.in_proj_weight!);
    } else {
      init.xavierUniform_(this.q_proj_weight!);
      init.xavierUniform_(this.k_proj_weight!);
      init.xavierUniform_(this.v_proj_weight!);
    }
    if (this.in_proj_bias !== null) {
      init.constant_(this.in_proj_bias, 0);
      init.constant_(this.out_proj.bias!, 0);
    }
    if (this.bias_k !== null) init.xavierNormal_(this.bias_k);
    if (this.bias_v !== null) init.xavierNormal_(this.bias_v);
  }

  /** Why PyTorch would not take the fused kernel for this call (empty when it would). */
  whyNotFastPath(query: Tensor, key: Tensor, value: Tensor, attnMask: Tensor | null): string {
    if (query.ndim !== 3) return `input not batched; expected query.dim() of 3 but got ${query.ndim}`;
    if (query !== key || key !== value) return 'non-self attention was used (query, key, and value are not the same Tensor)';
    if (this.in_proj_bias !== null && query.dtype !== this.in_proj_bias.dtype) return 'dtypes of query and in_proj_bias differ';
    if (this.in_proj_weight !== null && query.dtype !== this.in_proj_weight.dtype) return 'dtypes of query and in_proj_weight differ';
    if (this.training) return 'training is enabled';
    if (!this.batchFirst) return 'batch_first was not True';
    if (this.bias_k !== null) return 'self.bias_k was not None';
    if (this.bias_v !== null) return 'self.bias_v was not None';
    if (this.dropout) return `dropout was ${this.dropout}, required zero`;
    if (this.addZeroAttn) return 'add_zero_attn was enabled';
    if (!this.qkvSameEmbedDim) return '_qkv_same_embed_dim was not True';
    if (attnMask !== null) return 'attn_mask was not None';
    if (this.numHeads % 2 === 1) return 'num_heads is odd';
    if (this.in_proj_bias === null || this.out_proj.bias === null) return 'the projections have no bias';
    const args = [query, this.in_proj_weight, this.in_proj_bias, this.out_proj.weight, this.out_proj.bias];
    if (isGradEnabled() && args.some((t) => t !== null && t.requiresGrad)) {
      return 'grad is enabled and at least one of query or the input/output projection weights or biases requires_grad';
    }
    return '';
  }

  /**
   * Attention of `query` over `key`/`value`; returns [output, weights] (weights null unless needWeights).
   * Passing the same tensor as query, key and value is self-attention (and may take the fused kernel).
   */
  /** PyTorch's positional order after the inputs ('keyPaddingMask', 'needWeights', 'attnMask', 'averageAttnWeights'), any prefix of it, or an options object. */
  override forward(query: Tensor, key: Tensor, value: Tensor, ...rest: PyRest<MultiheadAttentionForwardOptions, ['keyPaddingMask', 'needWeights', 'attnMask', 'averageAttnWeights']>): [Tensor, Tensor | null];
  override forward(query: Tensor, key: Tensor, value: Tensor, ...rest: unknown[]): [Tensor, Tensor | null] {
    // installMethodArgs (below) hands the implementation the options object
    const o = (rest[0] ?? {}) as MultiheadAttentionForwardOptions;
    const keyPaddingMask = o.keyPaddingMask ?? null;
    const attnMask = o.attnMask ?? null;
    const needWeights = o.needWeights ?? true;
    const averageAttnWeights = o.averageAttnWeights ?? true;
    checkKeyPaddingMaskDtype(keyPaddingMask);
    const isBatched = query.ndim === 3;
    if (this.whyNotFastPath(query, key, value, attnMask) === '') {
      const [out, w] = nativeMha(query._h, key._h, value._h, this.embedDim, this.numHeads, this.in_proj_weight!._h,
        this.in_proj_bias!._h, this.out_proj.weight._h, this.out_proj.bias!._h,
        keyPaddingMask !== null ? keyPaddingMask._h : attnMask !== null ? attnMask._h : null, needWeights, averageAttnWeights,
        keyPaddingMask !== null ? 1 : attnMask !== null ? 0 : null);
      return [new Tensor(out), w === null ? null : new Tensor(w)];
    }
    if (this.batchFirst && isBatched) {
      // transpose to sequence-first, keeping which of query/key/value are the same tensor
      if (key === value) {
        if (query === key) {
          query = key = value = query.transpose(1, 0);
        } else {
          query = query.transpose(1, 0);
          key = value = key.transpose(1, 0);
        }
      } else {
        query = query.transpose(1, 0);
        key = key.transpose(1, 0);
        value = value.transpose(1, 0);
      }
    }
    const [out, weights] = multiHeadAttentionForward(query, key, value, this.embedDim, this.numHeads,
      this.in_proj_weight, this.in_proj_bias, this.bias_k, this.bias_v, this.addZeroAttn, this.dropout,
      this.out_proj.weight, this.out_proj.bias, {
        training: this.training, keyPaddingMask, needWeights, attnMask, averageAttnWeights,
        ...(this.qkvSameEmbedDim ? {} : {
          useSeparateProjWeight: true, qProjWeight: this.q_proj_weight, kProjWeight: this.k_proj_weight, vProjWeight: this.v_proj_weight,
        }),
      });
    return [this.batchFirst && isBatched ? out.transpose(1, 0) : out, weights];
  }
}

classArgs(NonDynamicallyQuantizableLinear, 'torch.nn.modules.linear.NonDynamicallyQuantizableLinear', 'inFeatures, outFeatures; bias');
classArgs(MultiheadAttention, 'torch.nn.MultiheadAttention', 'embedDim, numHeads; dropout, bias, addBiasKv, addZeroAttn, kdim, vdim, batchFirst');
// forward(query, key, value, key_padding_mask, need_weights, attn_mask, average_attn_weights): a mask passed
// positionally is bound to its name, not taken for the options object and dropped
installMethodArgs('MultiheadAttention', MultiheadAttention.prototype, {
  forward: ['torch.nn.MultiheadAttention.forward', 'query, key, value; keyPaddingMask, needWeights, attnMask, averageAttnWeights'],
});
