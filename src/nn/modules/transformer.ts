// nn.TransformerEncoderLayer, TransformerEncoder, TransformerDecoderLayer, TransformerDecoder and Transformer,
// as PyTorch 1.13's torch/nn/modules/transformer.py: post-norm or pre-norm (normFirst) blocks of
// self-attention, (cross-attention,) feed-forward, each with dropout and a residual connection. Where PyTorch
// takes its fused inference kernel (eval, no autograd, batch-first, even heads, relu/gelu) this calls the same
// kernel, and the encoder's nested-tensor path for padded batches is reproduced by its result: padded positions
// come out as zeros.
import { Tensor } from '../../tensor.js';
import { full } from '../../creation.js';
import { op } from '../../native/ops.js';
import { isGradEnabled } from '../../autograd/grad-mode.js';
import { Module } from '../module.js';
import { ModuleList } from './container.js';
import { Linear } from './linear.js';
import { Dropout } from './dropout.js';
import { LayerNorm } from './normalization.js';
import { ReLU, GELU } from './activation.js';
import { MultiheadAttention } from './multihead-attention.js';
import * as F from '../functional/activation.js';
import { checkKeyPaddingMaskDtype } from '../functional/attention.js';
import * as init from '../init.js';
import { deepcopy } from '../deepcopy.js';
import { bindCtor, classArgs, installMethodArgs, type PyRest } from '../../args.js';

const O = {
  encoderLayerFwd: op('aten::_transformer_encoder_layer_fwd'),
  leftAligned: op('aten::_nested_tensor_from_mask_left_aligned'),
};

/** 'relu', 'gelu', a function of a tensor (nn.functional.relu) or an activation module (new nn.GELU()). */
export type TransformerActivation = 'relu' | 'gelu' | ((x: Tensor) => Tensor) | Module;

function activationFn(a: TransformerActivation): ((x: Tensor) => Tensor) | Module {
  if (a === 'relu') return F.relu;
  if (a === 'gelu') return F.gelu;
  if (typeof a === 'string') throw new TypeError(`activation should be relu/gelu, not ${a as string}`);
  return a;
}

function applyActivation(a: ((x: Tensor) => Tensor) | Module, x: Tensor): Tensor {
  return a instanceof Module ? a.call(x) : a(x);
}

export interface TransformerLayerOptions {
  /** Width of the feed-forward network (default 2048). */
  dimFeedforward?: number;
  /** Dropout probability (default 0.1). */
  dropout?: number;
  /** Default 'relu'. */
  activation?: TransformerActivation;
  layerNormEps?: number;
  /** (batch, seq, feature) inputs and outputs (default false: (seq, batch, feature)). */
  batchFirst?: boolean;
  /** LayerNorm before attention and feed-forward (pre-norm) instead of after (default false). */
  normFirst?: boolean;
}

export interface EncoderLayerForwardOptions {
  srcMask?: Tensor | null;
  srcKeyPaddingMask?: Tensor | null;
}

/** Self-attention and feed-forward, each with dropout, residual connection and LayerNorm ("Attention Is All You Need"). */
export class TransformerEncoderLayer extends Module {
  declare self_attn: MultiheadAttention;
  declare linear1: Linear;
  declare dropout: Dropout;
  declare linear2: Linear;
  declare norm1: LayerNorm;
  declare norm2: LayerNorm;
  declare dropout1: Dropout;
  declare dropout2: Dropout;
  declare activation: ((x: Tensor) => Tensor) | Module;
  normFirst: boolean;
  /** 1 for ReLU, 2 for GELU, 0 otherwise: whether the fused kernel can run this layer. */
  activationReluOrGelu: 0 | 1 | 2;

  /** PyTorch's order (dModel, nhead, dimFeedforward, dropout, activation, layerNormEps, batchFirst, normFirst), or options. */
  constructor(dModel: number, nhead: number, ...rest: PyRest<TransformerLayerOptions, ['dimFeedforward', 'dropout', 'activation', 'layerNormEps', 'batchFirst', 'normFirst']>);
  constructor(...args: unknown[]) {
    super();
    const [dModel, nhead, o = {}] = bindCtor(TransformerEncoderLayer, args) as [number, number, TransformerLayerOptions];
    const dropout = o.dropout ?? 0.1;
    const dimFeedforward = o.dimFeedforward ?? 2048;
    const eps = o.layerNormEps ?? 1e-5;
    this.self_attn = new MultiheadAttention(dModel, nhead, { dropout, batchFirst: o.batchFirst ?? false });
    this.linear1 = new Linear(dModel, dimFeedforward);
    this.dropout = new Dropout(dropout);
    this.linear2 = new Linear(dimFeedforward, dModel);
    this.normFirst = o.normFirst ?? false;
    this.norm1 = new LayerNorm(dModel, { eps });
    this.norm2 = new LayerNorm(dModel, { eps });
    this.dropout1 = new Dropout(dropout);
    this.dropout2 = new Dropout(dropout);
    const act = activationFn(o.activation ?? 'relu');
    this.activationReluOrGelu = act === F.relu || act instanceof ReLU ? 1 : act === F.gelu || act instanceof GELU ? 2 : 0;
    this.activation = act;
  }

  /** Why PyTorch would not take the fused kernel for this call (empty when it would). */
  whyNotFastPath(src: Tensor, srcMask: Tensor | null): string {
    if (src.ndim !== 3) return `input not batched; expected src.dim() of 3 but got ${src.ndim}`;
    if (this.training) return 'training is enabled';
    if (!this.self_attn.batchFirst) return 'self_attn.batch_first was not True';
    if (!this.self_attn.qkvSameEmbedDim) return 'self_attn._qkv_same_embed_dim was not True';
    if (!this.activationReluOrGelu) return 'activation_relu_or_gelu was not True';
    if (this.norm1.eps !== this.norm2.eps) return 'norm1.eps is not equal to norm2.eps';
    if (srcMask !== null) return 'src_mask is not supported for fastpath';
    if (this.self_attn.numHeads % 2 === 1) return 'num_head is odd';
    const args = [src, this.self_attn.in_proj_weight, this.self_attn.in_proj_bias, this.self_attn.out_proj.weight,
      this.self_attn.out_proj.bias, this.norm1.weight, this.norm1.bias, this.norm2.weight, this.norm2.bias,
      this.linear1.weight, this.linear1.bias, this.linear2.weight, this.linear2.bias];
    if (args.some((t) => t === null)) return 'a projection, norm or linear layer has no weight or bias';
    if (isGradEnabled() && args.some((t) => t!.requiresGrad)) {
      return 'grad is enabled and at least one of query or the input/output projection weights or biases requires_grad';
    }
    return '';
  }

  /** PyTorch's positional order after the inputs ('srcMask', 'srcKeyPaddingMask'), any prefix of it, or an options object. */
  override forward(src: Tensor, ...rest: PyRest<EncoderLayerForwardOptions, ['srcMask', 'srcKeyPaddingMask']>): Tensor;
  override forward(src: Tensor, ...rest: unknown[]): Tensor {
    // installMethodArgs (below) hands the implementation the options object
    const o = (rest[0] ?? {}) as EncoderLayerForwardOptions;
    const srcMask = o.srcMask ?? null;
    const srcKeyPaddingMask = o.srcKeyPaddingMask ?? null;
    checkKeyPaddingMaskDtype(srcKeyPaddingMask, 'srcKeyPaddingMask');
    if (this.whyNotFastPath(src, srcMask) === '') {
      const a = this.self_attn;
      return new Tensor(O.encoderLayerFwd(src._h, a.embedDim, a.numHeads, a.in_proj_weight!._h, a.in_proj_bias!._h,
        a.out_proj.weight._h, a.out_proj.bias!._h, this.activationReluOrGelu === 2, this.normFirst, this.norm1.eps,
        this.norm1.weight!._h, this.norm1.bias!._h, this.norm2.weight!._h, this.norm2.bias!._h,
        this.linear1.weight._h, this.linear1.bias!._h, this.linear2.weight._h, this.linear2.bias!._h,
        srcMask !== null ? srcMask._h : srcKeyPaddingMask !== null ? srcKeyPaddingMask._h : null,
        srcKeyPaddingMask !== null ? 1 : srcMask !== null ? 0 : null));
    }
    let x = src;
    if (this.normFirst) {
      x = x.add(this.saBlock(this.norm1.call(x), srcMask, srcKeyPaddingMask));
      x = x.add(this.ffBlock(this.norm2.call(x)));
    } else {
      x = this.norm1.call(x.add(this.saBlock(x, srcMask, srcKeyPaddingMask)));
      x = this.norm2.call(x.add(this.ffBlock(x)));
    }
    return x;
  }

  private saBlock(x: Tensor, attnMask: Tensor | null, keyPaddingMask: Tensor | null): Tensor {
    const [y] = this.self_attn.call(x, x, x, { attnMask, keyPaddingMask, needWeights: false }) as [Tensor, null];
    return this.dropout1.call(y);
  }

  private ffBlock(x: Tensor): Tensor {
    const y = this.linear2.call(this.dropout.call(applyActivation(this.activation, this.linear1.call(x))));
    return this.dropout2.call(y);
  }
}

export interface TransformerEncoderOptions {
  /** A final normalisation layer (nn.Transformer passes a LayerNorm). */
  norm?: Module | null;
  /** PyTorch converts padded batches to nested tensors in eval; here padded positions come out as zeros alike. */
  enableNestedTensor?: boolean;
  /** Check that the padding mask is left-aligned before taking that path (default true). */
  maskCheck?: boolean;
}

export interface EncoderForwardOptions {
  mask?: Tensor | null;
  srcKeyPaddingMask?: Tensor | null;
}

/** A stack of N copies of an encoder layer (deep copies: the layers start out equal), optionally normalised. */
export class TransformerEncoder extends Module {
  declare layers: ModuleList;
  declare norm: Module | null;
  readonly numLayers: number;
  enableNestedTensor: boolean;
  maskCheck: boolean;

  /** PyTorch's order (encoderLayer, numLayers, norm, enableNestedTensor, maskCheck), or options. */
  constructor(encoderLayer: Module, numLayers: number, ...rest: PyRest<TransformerEncoderOptions, ['norm', 'enableNestedTensor', 'maskCheck']>);
  constructor(...args: unknown[]) {
    super();
    const [encoderLayer, numLayers, o = {}] = bindCtor(TransformerEncoder, args) as [Module, number, TransformerEncoderOptions];
    if (!Number.isInteger(numLayers) || numLayers < 1) throw new RangeError(`TransformerEncoder: numLayers must be a positive integer, got ${numLayers}`);
    this.layers = new ModuleList(Array.from({ length: numLayers }, () => deepcopy(encoderLayer)));
    this.numLayers = numLayers;
    this.norm = o.norm ?? null;
    this.enableNestedTensor = o.enableNestedTensor ?? true;
    this.maskCheck = o.maskCheck ?? true;
  }

  /** Whether PyTorch would run this batch as nested tensors (eval, fused-kernel layers, a left-aligned padding mask). */
  private nestedPath(src: Tensor, mask: Tensor | null, kpm: Tensor | null): boolean {
    const first = this.layers.at(0);
    if (!(first instanceof TransformerEncoderLayer)) return false;
    if (first.normFirst || first.training || !first.self_attn.batchFirst || !first.self_attn.qkvSameEmbedDim) return false;
    if (!first.activationReluOrGelu || first.norm1.eps !== first.norm2.eps) return false;
    if (src.ndim !== 3 || !this.enableNestedTensor || kpm === null || mask !== null) return false;
    if (this.maskCheck && !(O.leftAligned(src._h, kpm.logicalNot()._h) as boolean)) return false;
    if (first.self_attn.numHeads % 2 === 1) return false;
    const a = first.self_attn;
    const args = [src, a.in_proj_weight, a.in_proj_bias, a.out_proj.weight, a.out_proj.bias, first.norm1.weight,
      first.norm1.bias, first.norm2.weight, first.norm2.bias, first.linear1.weight, first.linear1.bias,
      first.linear2.weight, first.linear2.bias];
    if (args.some((t) => t === null)) return false;
    return !(isGradEnabled() && args.some((t) => t!.requiresGrad));
  }

  /** PyTorch's positional order after the inputs ('mask', 'srcKeyPaddingMask'), any prefix of it, or an options object. */
  override forward(src: Tensor, ...rest: PyRest<EncoderForwardOptions, ['mask', 'srcKeyPaddingMask']>): Tensor;
  override forward(src: Tensor, ...rest: unknown[]): Tensor {
    // installMethodArgs (below) hands the implementation the options object
    const o = (rest[0] ?? {}) as EncoderForwardOptions;
    const mask = o.mask ?? null;
    const kpm = o.srcKeyPaddingMask ?? null;
    checkKeyPaddingMaskDtype(kpm, 'srcKeyPaddingMask');
    let output = src;
    const nested = this.nestedPath(src, mask, kpm);
    for (const mod of this.layers) output = mod.call(output, { srcMask: mask, srcKeyPaddingMask: kpm });
    if (nested) {
      // PyTorch's nested tensors hold no padded positions; converted back (to_padded_tensor(0)) those are zeros,
      // and the sequence is only as long as the longest unpadded one.
      const padded = kpm!.to('bool');
      const longest = padded.logicalNot().sum(1).max().item();
      output = output.maskedFill(padded.unsqueeze(-1), 0).narrow(1, 0, longest);
    }
    if (this.norm !== null) output = this.norm.call(output);
    return output;
  }
}

export interface DecoderLayerForwardOptions {
  tgtMask?: Tensor | null;
  memoryMask?: Tensor | null;
  tgtKeyPaddingMask?: Tensor | null;
  memoryKeyPaddingMask?: Tensor | null;
}

/** Self-attention, attention over the encoder's output (memory) and feed-forward, each with residual and LayerNorm. */
export class TransformerDecoderLayer extends Module {
  declare self_attn: MultiheadAttention;
  declare multihead_attn: MultiheadAttention;
  declare linear1: Linear;
  declare dropout: Dropout;
  declare linear2: Linear;
  declare norm1: LayerNorm;
  declare norm2: LayerNorm;
  declare norm3: LayerNorm;
  declare dropout1: Dropout;
  declare dropout2: Dropout;
  declare dropout3: Dropout;
  declare activation: ((x: Tensor) => Tensor) | Module;
  normFirst: boolean;

  /** PyTorch's order (dModel, nhead, dimFeedforward, dropout, activation, layerNormEps, batchFirst, normFirst), or options. */
  constructor(dModel: number, nhead: number, ...rest: PyRest<TransformerLayerOptions, ['dimFeedforward', 'dropout', 'activation', 'layerNormEps', 'batchFirst', 'normFirst']>);
  constructor(...args: unknown[]) {
    super();
    const [dModel, nhead, o = {}] = bindCtor(TransformerDecoderLayer, args) as [number, number, TransformerLayerOptions];
    const dropout = o.dropout ?? 0.1;
    const dimFeedforward = o.dimFeedforward ?? 2048;
    const eps = o.layerNormEps ?? 1e-5;
    const batchFirst = o.batchFirst ?? false;
    this.self_attn = new MultiheadAttention(dModel, nhead, { dropout, batchFirst });
    this.multihead_attn = new MultiheadAttention(dModel, nhead, { dropout, batchFirst });
    this.linear1 = new Linear(dModel, dimFeedforward);
    this.dropout = new Dropout(dropout);
    this.linear2 = new Linear(dimFeedforward, dModel);
    this.normFirst = o.normFirst ?? false;
    this.norm1 = new LayerNorm(dModel, { eps });
    this.norm2 = new LayerNorm(dModel, { eps });
    this.norm3 = new LayerNorm(dModel, { eps });
    this.dropout1 = new Dropout(dropout);
    this.dropout2 = new Dropout(dropout);
    this.dropout3 = new Dropout(dropout);
    this.activation = activationFn(o.activation ?? 'relu');
  }

  /** PyTorch's positional order after the inputs (tgtMask, memoryMask, tgtKeyPaddingMask, memoryKeyPaddingMask), any prefix of it, or an options object. */
  override forward(tgt: Tensor, memory: Tensor, ...rest: PyRest<DecoderLayerForwardOptions, ['tgtMask', 'memoryMask', 'tgtKeyPaddingMask', 'memoryKeyPaddingMask']>): Tensor;
  override forward(tgt: Tensor, memory: Tensor, ...rest: unknown[]): Tensor {
    // installMethodArgs (below) hands the implementation the options object
    const o = (rest[0] ?? {}) as DecoderLayerForwardOptions;
    let x = tgt;
    const tgtMask = o.tgtMask ?? null, memoryMask = o.memoryMask ?? null;
    const tgtKpm = o.tgtKeyPaddingMask ?? null, memKpm = o.memoryKeyPaddingMask ?? null;
    if (this.normFirst) {
      x = x.add(this.saBlock(this.norm1.call(x), tgtMask, tgtKpm));
      x = x.add(this.mhaBlock(this.norm2.call(x), memory, memoryMask, memKpm));
      x = x.add(this.ffBlock(this.norm3.call(x)));
    } else {
      x = this.norm1.call(x.add(this.saBlock(x, tgtMask, tgtKpm)));
      x = this.norm2.call(x.add(this.mhaBlock(x, memory, memoryMask, memKpm)));
      x = this.norm3.call(x.add(this.ffBlock(x)));
    }
    return x;
  }

  private saBlock(x: Tensor, attnMask: Tensor | null, keyPaddingMask: Tensor | null): Tensor {
    const [y] = this.self_attn.call(x, x, x, { attnMask, keyPaddingMask, needWeights: false }) as [Tensor, null];
    return this.dropout1.call(y);
  }

  private mhaBlock(x: Tensor, mem: Tensor, attnMask: Tensor | null, keyPaddingMask: Tensor | null): Tensor {
    const [y] = this.multihead_attn.call(x, mem, mem, { attnMask, keyPaddingMask, needWeights: false }) as [Tensor, null];
    return this.dropout2.call(y);
  }

  private ffBlock(x: Tensor): Tensor {
    const y = this.linear2.call(this.dropout.call(applyActivation(this.activation, this.linear1.call(x))));
    return this.dropout3.call(y);
  }
}

/** A stack of N copies of a decoder layer, optionally normalised. */
export class TransformerDecoder extends Module {
  declare layers: ModuleList;
  declare norm: Module | null;
  readonly numLayers: number;

  /** PyTorch's order (decoderLayer, numLayers, norm), or options. */
  constructor(decoderLayer: Module, numLayers: number, ...rest: PyRest<{ norm?: Module | null }, ['norm']>);
  constructor(...args: unknown[]) {
    super();
    const [decoderLayer, numLayers, o = {}] = bindCtor(TransformerDecoder, args) as [Module, number, { norm?: Module | null }];
    if (!Number.isInteger(numLayers) || numLayers < 1) throw new RangeError(`TransformerDecoder: numLayers must be a positive integer, got ${numLayers}`);
    this.layers = new ModuleList(Array.from({ length: numLayers }, () => deepcopy(decoderLayer)));
    this.numLayers = numLayers;
    this.norm = o.norm ?? null;
  }

  /** PyTorch's positional order after the inputs (tgtMask, memoryMask, tgtKeyPaddingMask, memoryKeyPaddingMask), any prefix of it, or an options object. */
  override forward(tgt: Tensor, memory: Tensor, ...rest: PyRest<DecoderLayerForwardOptions, ['tgtMask', 'memoryMask', 'tgtKeyPaddingMask', 'memoryKeyPaddingMask']>): Tensor;
  override forward(tgt: Tensor, memory: Tensor, ...rest: unknown[]): Tensor {
    // installMethodArgs (below) hands the implementation the options object
    const o = (rest[0] ?? {}) as DecoderLayerForwardOptions;
    let output = tgt;
    for (const mod of this.layers) output = mod.call(output, memory, o);
    if (this.norm !== null) output = this.norm.call(output);
    return output;
  }
}

export interface TransformerOptions extends TransformerLayerOptions {
  numEncoderLayers?: number;
  numDecoderLayers?: number;
  customEncoder?: Module | null;
  customDecoder?: Module | null;
}

export interface TransformerForwardOptions {
  srcMask?: Tensor | null;
  tgtMask?: Tensor | null;
  memoryMask?: Tensor | null;
  srcKeyPaddingMask?: Tensor | null;
  tgtKeyPaddingMask?: Tensor | null;
  memoryKeyPaddingMask?: Tensor | null;
}

/** The encoder-decoder model of "Attention Is All You Need" (PyTorch's defaults: d_model 512, 8 heads, 6 + 6 layers). */
export class Transformer extends Module {
  declare encoder: Module;
  declare decoder: Module;
  readonly dModel: number;
  readonly nhead: number;
  readonly batchFirst: boolean;

  /**
   * PyTorch's order (dModel = 512, nhead = 8, numEncoderLayers, numDecoderLayers, dimFeedforward, dropout, activation,
   * customEncoder, customDecoder, layerNormEps, batchFirst, normFirst), or options.
   */
  constructor(dModel?: number, nhead?: number, ...rest: PyRest<TransformerOptions, ['numEncoderLayers', 'numDecoderLayers',
    'dimFeedforward', 'dropout', 'activation', 'customEncoder', 'customDecoder', 'layerNormEps', 'batchFirst', 'normFirst']>);
  constructor(o: TransformerOptions & { dModel?: number; nhead?: number });
  constructor(...args: unknown[]) {
    super();
    const [dModel0, nhead0, o = {}] = bindCtor(Transformer, args) as [number | undefined, number | undefined, TransformerOptions];
    const dModel = dModel0 ?? 512;
    const nhead = nhead0 ?? 8;
    const layerOpts: TransformerLayerOptions = {
      dimFeedforward: o.dimFeedforward, dropout: o.dropout, activation: o.activation, layerNormEps: o.layerNormEps,
      batchFirst: o.batchFirst, normFirst: o.normFirst,
    };
    const eps = o.layerNormEps ?? 1e-5;
    if (o.customEncoder) {
      this.encoder = o.customEncoder;
    } else {
      const layer = new TransformerEncoderLayer(dModel, nhead, layerOpts);
      this.encoder = new TransformerEncoder(layer, o.numEncoderLayers ?? 6, { norm: new LayerNorm(dModel, { eps }) });
    }
    if (o.customDecoder) {
      this.decoder = o.customDecoder;
    } else {
      const layer = new TransformerDecoderLayer(dModel, nhead, layerOpts);
      this.decoder = new TransformerDecoder(layer, o.numDecoderLayers ?? 6, { norm: new LayerNorm(dModel, { eps }) });
    }
    // PyTorch's _reset_parameters: every matrix Xavier-uniform, in parameters() order
    for (const p of this.parameters()) if (p.ndim > 1) init.xavierUniform_(p);
    this.dModel = dModel;
    this.nhead = nhead;
    this.batchFirst = o.batchFirst ?? false;
  }

  /** PyTorch's positional order after the inputs ('srcMask', 'tgtMask', 'memoryMask', 'srcKeyPaddingMask', 'tgtKeyPaddingMask', 'memoryKeyPaddingMask'), any prefix of it, or an options object. */
  override forward(src: Tensor, tgt: Tensor, ...rest: PyRest<TransformerForwardOptions, ['srcMask', 'tgtMask', 'memoryMask', 'srcKeyPaddingMask', 'tgtKeyPaddingMask', 'memoryKeyPaddingMask']>): Tensor;
  override forward(src: Tensor, tgt: Tensor, ...rest: unknown[]): Tensor {
    // installMethodArgs (below) hands the implementation the options object
    const o = (rest[0] ?? {}) as TransformerForwardOptions;
    const isBatched = src.ndim === 3;
    if (!this.batchFirst && isBatched && src.shape[1] !== tgt.shape[1]) throw new RangeError('the batch number of src and tgt must be equal');
    if (this.batchFirst && isBatched && src.shape[0] !== tgt.shape[0]) throw new RangeError('the batch number of src and tgt must be equal');
    if (src.shape[src.ndim - 1] !== this.dModel || tgt.shape[tgt.ndim - 1] !== this.dModel) {
      throw new RangeError('the feature number of src and tgt must be equal to d_model');
    }
    const memory = this.encoder.call(src, { mask: o.srcMask ?? null, srcKeyPaddingMask: o.srcKeyPaddingMask ?? null });
    return this.decoder.call(tgt, memory, {
      tgtMask: o.tgtMask ?? null, memoryMask: o.memoryMask ?? null, tgtKeyPaddingMask: o.tgtKeyPaddingMask ?? null,
      memoryKeyPaddingMask: o.memoryKeyPaddingMask ?? null,
    });
  }

  /** A (sz, sz) mask with -inf above the diagonal: position i attends to positions <= i only. */
  static generateSquareSubsequentMask(sz: number, device = 'cpu'): Tensor {
    return full([sz, sz], -Infinity, { device }).triu(1);
  }
}

const LAYER = 'dModel, nhead; dimFeedforward, dropout, activation, layerNormEps, batchFirst, normFirst';
classArgs(TransformerEncoderLayer, 'torch.nn.TransformerEncoderLayer', LAYER);
classArgs(TransformerDecoderLayer, 'torch.nn.TransformerDecoderLayer', LAYER);
classArgs(TransformerEncoder, 'torch.nn.TransformerEncoder', 'encoderLayer, numLayers; norm, enableNestedTensor, maskCheck');
classArgs(TransformerDecoder, 'torch.nn.TransformerDecoder', 'decoderLayer, numLayers; norm');
classArgs(Transformer, 'torch.nn.Transformer', 'dModel?, nhead?; numEncoderLayers, numDecoderLayers, dimFeedforward, dropout, '
  + 'activation, customEncoder, customDecoder, layerNormEps, batchFirst, normFirst');

// PyTorch's forward orders: masks passed positionally are bound to their names, never dropped
const DECODER_FORWARD = 'tgt, memory; tgtMask, memoryMask, tgtKeyPaddingMask, memoryKeyPaddingMask';
installMethodArgs('TransformerEncoderLayer', TransformerEncoderLayer.prototype, { forward: ['torch.nn.TransformerEncoderLayer.forward', 'src; srcMask, srcKeyPaddingMask'] });
installMethodArgs('TransformerEncoder', TransformerEncoder.prototype, { forward: ['torch.nn.TransformerEncoder.forward', 'src; mask, srcKeyPaddingMask'] });
installMethodArgs('TransformerDecoderLayer', TransformerDecoderLayer.prototype, { forward: ['torch.nn.TransformerDecoderLayer.forward', DECODER_FORWARD] });
installMethodArgs('TransformerDecoder', TransformerDecoder.prototype, { forward: ['torch.nn.TransformerDecoder.forward', DECODER_FORWARD] });
installMethodArgs('Transformer', Transformer.prototype, {
  forward: ['torch.nn.Transformer.forward', 'src, tgt; srcMask, tgtMask, memoryMask, srcKeyPaddingMask, tgtKeyPaddingMask, memoryKeyPaddingMask'],
});
