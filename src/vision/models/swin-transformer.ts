// Swin Transformer V1 (Liu et al. 2021) and V2 (Liu et al. 2022), as torchvision's swin_transformer.py: a
// 4x4 patchify stem, stages of (shifted) window attention blocks with relative position bias, patch merging
// between stages, channels-last throughout. V2: post-norm blocks, scaled cosine attention with a learned
// logit scale and a continuous position bias from a small MLP over log-spaced relative coordinates.
import { Module, callChain, releaseOutput } from '../../nn/module.js';
import { Sequential } from '../../nn/modules/container.js';
import { Parameter } from '../../nn/parameter.js';
import * as nn from '../../nn/index.js';
import { arange, cat, meshgrid, ones, stack, zeros } from '../../creation.js';
import { linear } from '../../nn/functional/linear.js';
import { pad } from '../../nn/functional/padding.js';
import { softmax } from '../../nn/functional/activation.js';
import { dropout } from '../../nn/functional/dropout.js';
import { normalize } from '../../nn/functional/normalization.js';
import { Tensor } from '../../tensor.js';
import { disposeTemporary, tidy, untrack } from '../../memory.js';
import { inferenceMode, noGrad } from '../../autograd/grad-mode.js';
import type { NormLayerFactory } from '../ops/misc.js';
import { MLP } from '../ops/mlp.js';
import { Permute } from '../ops/permute.js';
import { StochasticDepth } from '../ops/stochastic-depth.js';
import { pipe } from './pipe.js';
import { registerModel } from './registry.js';
import { buildModel, rejectFixedOptions, weightsEnum, type BuilderOptions, type WeightsEnum } from './weights.js';
import { modelBuilder } from './builder-args.js';
import { bindOwn, classArgs, registerSignature, type PyRest } from '../../args.js';

// PyTorch's argument binding (src/args.ts) for this module's functions: an extra positional argument or an
// unknown keyword is a TypeError naming it.
registerSignature(getRelativePositionBias, 'getRelativePositionBias', 'tstorch.vision.models.getRelativePositionBias', 'table, index, windowSize');
registerSignature(patchMergingPad, 'patchMergingPad', 'tstorch.vision.models.patchMergingPad', 'x');
registerSignature(shiftedWindowAttention, 'shiftedWindowAttention', 'torchvision.models.shifted_window_attention', 'input, qkvWeight, projWeight, relativePositionBias, windowSize, numHeads, shiftSize; attentionDropout, dropout, qkvBias, projBias, logitScale');

/** Pads H and W to even sizes and stacks the four 2x2-interleaved sub-grids on the channels: (..., H/2, W/2, 4C). */
export function patchMergingPad(x: Tensor): Tensor {
  [x] = bindOwn(patchMergingPad, arguments) as Parameters<typeof patchMergingPad>;
  const [H, W] = x.shape.slice(-3, -1);
  const p = pad(x, [0, 0, 0, W % 2, 0, H % 2]);
  const h = p.ndim - 3, w = p.ndim - 2;
  const sub = (i: number, j: number): Tensor => pipe(p, (t) => t.slice(h, i, null, 2), (t) => t.slice(w, j, null, 2));
  const parts = [sub(0, 0), sub(1, 0), sub(0, 1), sub(1, 1)];
  const out = cat(parts, -1);
  for (const t of [...parts, p]) disposeTemporary(t);
  return out;
}

/** The bias of every head for every pair of positions in a window: (1, heads, N, N). */
export function getRelativePositionBias(table: Tensor, index: Tensor, windowSize: readonly number[]): Tensor {
  [table, index, windowSize] = bindOwn(getRelativePositionBias, arguments) as Parameters<typeof getRelativePositionBias>;
  const N = windowSize[0]! * windowSize[1]!;
  return pipe(table, (t) => t.index(index), (t) => t.view(N, N, -1), (t) => t.permute(2, 0, 1), (t) => t.contiguous(), (t) => t.unsqueeze(0));
}

/** Halves the resolution: 2x2 neighbourhoods concatenated (4C), normalised, projected to 2C. */
export class PatchMerging extends Module {
  declare reduction: nn.Linear;
  declare norm: Module;
  readonly dim: number;

  constructor(dim: number, normLayer: NormLayerFactory = (c) => new nn.LayerNorm(c)) {
    [dim, normLayer = (c) => new nn.LayerNorm(c)] = bindOwn(PatchMerging, arguments) as ConstructorParameters<typeof PatchMerging>;
    super();
    this.dim = dim;
    this.reduction = new nn.Linear(4 * dim, 2 * dim, { bias: false });
    this.norm = normLayer(4 * dim);
  }

  override forward(x: Tensor): Tensor {
    const merged = patchMergingPad(x);
    const y: Tensor = callChain(merged, [this.norm, this.reduction]);
    disposeTemporary(merged);
    return y;
  }
}
classArgs(PatchMerging, 'torchvision.models.PatchMerging', 'dim, normLayer?');

/** V2's patch merging: the norm after the projection (on 2C channels). */
export class PatchMergingV2 extends Module {
  declare reduction: nn.Linear;
  declare norm: Module;
  readonly dim: number;

  constructor(dim: number, normLayer: NormLayerFactory = (c) => new nn.LayerNorm(c)) {
    [dim, normLayer = (c) => new nn.LayerNorm(c)] = bindOwn(PatchMergingV2, arguments) as ConstructorParameters<typeof PatchMergingV2>;
    super();
    this.dim = dim;
    this.reduction = new nn.Linear(4 * dim, 2 * dim, { bias: false });
    this.norm = normLayer(2 * dim);
  }

  override forward(x: Tensor): Tensor {
    const merged = patchMergingPad(x);
    const y: Tensor = callChain(merged, [this.reduction, this.norm]);
    disposeTemporary(merged);
    return y;
  }
}
classArgs(PatchMergingV2, 'torchvision.models.PatchMergingV2', 'dim, normLayer?');

export interface ShiftedWindowAttentionOptions {
  qkvBias?: Tensor | null;
  projBias?: Tensor | null;
  attentionDropout?: number;
  dropout?: number;
  /** V2's learned temperature of the cosine attention (per head); V1 when absent. */
  logitScale?: Tensor | null;
}

/**
 * The additive attention mask of shifted windows, (1, windows, 1, N, N): -100 between positions the cyclic roll
 * brought together from different regions, 0 elsewhere. It depends only on the padded size, the window and the
 * shift, so it is made once per shape (torchvision makes it in every block of every forward pass: about 35
 * small operators, 1.3 ms of Swin-T's batch-1 pass at one thread) and kept, outside any tidy scope and autograd.
 */
function shiftedWindowMask(padH: number, padW: number, ws0: number, ws1: number, s0: number, s1: number, like: Tensor): Tensor {
  const key = `${padH},${padW},${ws0},${ws1},${s0},${s1},${like.dtype.name},${like.device.toString()}`;
  const hit = maskCache.get(key);
  if (hit !== undefined) return hit;
  const numWindows = (padH / ws0) * (padW / ws1);
  // made outside inference mode and autograd, so that the kept tensor serves passes in either
  const m = inferenceMode(() => noGrad(() => tidy(() => {
    const attnMask = zeros([padH, padW], { dtype: like.dtype, device: like.device });
    const hSlices: [number, number | null][] = [[0, -ws0], [-ws0, -s0], [-s0, null]];
    const wSlices: [number, number | null][] = [[0, -ws1], [-ws1, -s1], [-s1, null]];
    let count = 0;
    for (const [h0, h1] of hSlices) {
      for (const [w0, w1] of wSlices) {
        attnMask.slice(0, h0, h1).slice(1, w0, w1).fill_(count);
        count += 1;
      }
    }
    let mm = attnMask.view(padH / ws0, ws0, padW / ws1, ws1).permute(0, 2, 1, 3).reshape(numWindows, ws0 * ws1);
    mm = mm.unsqueeze(1).sub(mm.unsqueeze(2));
    return mm.maskedFill(mm.ne(0), -100.0).maskedFill(mm.eq(0), 0.0).unsqueeze(1).unsqueeze(0);
  })), false);
  untrack(m);
  if (maskCache.size >= MASK_CACHE_ENTRIES) {
    const [oldest, t] = maskCache.entries().next().value as [string, Tensor];
    maskCache.delete(oldest);
    t.dispose();
  }
  maskCache.set(key, m);
  return m;
}
/** Masks by shape; a Swin model has one per stage with a shift, so a few models' worth fit. */
const maskCache = new Map<string, Tensor>();
const MASK_CACHE_ENTRIES = 32;

/**
 * torchvision's shifted_window_attention on a channels-last input (B, H, W, C): pad to whole windows, roll by
 * the shift, attend within each window (plus the relative position bias, and -100 between positions that the
 * roll brought together from different regions), roll back, unpad. As in torchvision, the two dropouts are
 * applied whenever their probability is non-zero, in eval mode too.
 */
export function shiftedWindowAttention(input: Tensor, qkvWeight: Tensor, projWeight: Tensor, relativePositionBias: Tensor,
  windowSize: readonly number[], numHeads: number, shiftSize: readonly number[],
  ...rest: PyRest<ShiftedWindowAttentionOptions, ['attentionDropout', 'dropout', 'qkvBias', 'projBias', 'logitScale']>): Tensor;
export function shiftedWindowAttention(...args: unknown[]): Tensor {
  const [input, qkvWeight, projWeight, relativePositionBias, windowSize, numHeads, shiftSizeIn, o = {}] = bindOwn(shiftedWindowAttention, args) as
    [Tensor, Tensor, Tensor, Tensor, readonly number[], number, readonly number[], ShiftedWindowAttentionOptions?];
  if (input.ndim !== 4) throw new RangeError(`shiftedWindowAttention: expected a channels-last input (B, H, W, C), got shape [${input.shape}]`);
  const [B, H, W, C] = input.shape;
  const [ws0, ws1] = windowSize as [number, number];
  // Each step's result replaces the previous one, which is freed at once inside a tidy scope (as Python's
  // reference counting frees it), so that a forward pass reuses memory instead of holding every intermediate.
  let x = input;
  const step = (y: Tensor): Tensor => {
    if (x !== input && y !== x) disposeTemporary(x);
    x = y;
    return y;
  };
  // pad feature maps to multiples of the window size
  const padR = (ws1 - (W % ws1)) % ws1;
  const padB = (ws0 - (H % ws0)) % ws0;
  step(pad(x, [0, 0, 0, padR, 0, padB]));
  const [, padH, padW] = x.shape;
  const shift = [...shiftSizeIn];
  // a window as large as the feature map needs no shift
  if (ws0 >= padH) shift[0] = 0;
  if (ws1 >= padW) shift[1] = 0;
  const shifted = shift[0]! + shift[1]! > 0;
  if (shifted) step(x.roll([-shift[0]!, -shift[1]!], [1, 2]));

  // partition windows
  const numWindows = (padH / ws0) * (padW / ws1);
  step(x.view(B, padH / ws0, ws0, padW / ws1, ws1, C));
  step(x.permute(0, 1, 3, 2, 4, 5));
  step(x.reshape(B * numWindows, ws0 * ws1, C)); // B*nW, Ws*Ws, C

  // multi-head attention
  let qkvBias = o.qkvBias ?? null;
  const logitScale = o.logitScale ?? null;
  if (logitScale !== null && qkvBias !== null) {
    // V2 has no key bias
    qkvBias = qkvBias.clone();
    const length = Math.floor(qkvBias.numel() / 3);
    qkvBias.narrow(0, length, length).zero_();
  }
  const n0 = x.shape[0]!, n1 = x.shape[1]!;
  const qkv = pipe(x, (t) => linear(t, qkvWeight, qkvBias), (t) => t.reshape(n0, n1, 3, numHeads, Math.floor(C / numHeads)), (t) => t.permute(2, 0, 3, 1, 4));
  const q = qkv.select(0, 0), k = qkv.select(0, 1), v = qkv.select(0, 2);
  let attn = x;
  const attnStep = (y: Tensor): Tensor => {
    if (attn !== x && y !== attn) disposeTemporary(attn);
    attn = y;
    return y;
  };
  if (logitScale !== null) {
    // cosine attention
    const qn = normalize(q, { dim: -1 }), kn = normalize(k, { dim: -1 });
    const knT = kn.transpose(-2, -1);
    attnStep(qn.matmul(knT));
    for (const t of [qn, kn, knT, q, k]) disposeTemporary(t);
    const scale = pipe(logitScale, (t) => t.clamp(null, Math.log(100.0)), (t) => t.exp());
    attnStep(attn.mul(scale));
    disposeTemporary(scale);
  } else {
    const qs = q.mul(Math.pow(Math.floor(C / numHeads), -0.5));
    const kT = k.transpose(-2, -1);
    attnStep(qs.matmul(kT));
    for (const t of [qs, kT, q, k]) disposeTemporary(t);
  }
  // add relative position bias
  attnStep(attn.add(relativePositionBias));

  if (shifted) {
    // regions that the roll brought together must not attend to each other
    const m = shiftedWindowMask(padH, padW, ws0, ws1, shift[0]!, shift[1]!, x);
    attnStep(attn.view(Math.floor(n0 / numWindows), numWindows, numHeads, n1, n1));
    attnStep(attn.add(m));
    attnStep(attn.view(-1, numHeads, n1, n1));
  }

  attnStep(softmax(attn, -1));
  attnStep(dropout(attn, { p: o.attentionDropout ?? 0.0 }));
  const av = attn.matmul(v);
  attnStep(av);
  disposeTemporary(v);
  disposeTemporary(qkv);
  step(av.transpose(1, 2));
  disposeTemporary(av);
  step(x.reshape(n0, n1, C));
  step(linear(x, projWeight, o.projBias ?? null));
  step(dropout(x, { p: o.dropout ?? 0.0 }));

  // reverse windows
  step(x.view(B, padH / ws0, padW / ws1, ws0, ws1, C));
  step(x.permute(0, 1, 3, 2, 4, 5));
  step(x.reshape(B, padH, padW, C));
  // reverse cyclic shift
  if (shifted) step(x.roll([shift[0]!, shift[1]!], [1, 2]));
  // unpad features
  step(x.slice(1, 0, H));
  step(x.slice(2, 0, W));
  return step(x.contiguous());
}

export interface ShiftedWindowAttentionModuleOptions {
  qkvBias?: boolean;
  projBias?: boolean;
  attentionDropout?: number;
  dropout?: number;
}

/** Window attention with a learned relative position bias table (V1). */
export class ShiftedWindowAttention extends Module {
  declare qkv: nn.Linear;
  declare proj: nn.Linear;
  declare relative_position_bias_table: Parameter;
  declare relative_position_index: Tensor;
  readonly windowSize: number[];
  readonly shiftSize: number[];
  readonly numHeads: number;
  attentionDropout: number;
  dropout: number;

  constructor(dim: number, windowSize: readonly number[], shiftSize: readonly number[], numHeads: number, o?: ShiftedWindowAttentionModuleOptions);
  constructor(dim: number, windowSize: readonly number[], shiftSize: readonly number[], numHeads: number, ...rest: PyRest<ShiftedWindowAttentionModuleOptions, ['qkvBias', 'projBias', 'attentionDropout', 'dropout']>);
  constructor(...args: unknown[]) {
    const [dim, windowSize, shiftSize, numHeads, o = {}] = bindOwn(ShiftedWindowAttention, args) as [number, readonly number[], readonly number[], number, ShiftedWindowAttentionModuleOptions?];
    super();
    if (windowSize.length !== 2 || shiftSize.length !== 2) throw new RangeError('window_size and shift_size must be of length 2');
    this.windowSize = [...windowSize];
    this.shiftSize = [...shiftSize];
    this.numHeads = numHeads;
    this.attentionDropout = o.attentionDropout ?? 0.0;
    this.dropout = o.dropout ?? 0.0;
    this.qkv = new nn.Linear(dim, dim * 3, { bias: o.qkvBias ?? true });
    this.proj = new nn.Linear(dim, dim, { bias: o.projBias ?? true });
    this.defineRelativePositionBiasTable();
    this.defineRelativePositionIndex();
  }

  protected defineRelativePositionBiasTable(): void {
    const [w0, w1] = this.windowSize as [number, number];
    this.relative_position_bias_table = new Parameter(zeros([(2 * w0 - 1) * (2 * w1 - 1), this.numHeads])); // 2*Wh-1 * 2*Ww-1, nH
    nn.init.truncNormal_(this.relative_position_bias_table, { std: 0.02 });
  }

  /** For each pair of positions in a window, the row of the bias table for their offset. */
  protected defineRelativePositionIndex(): void {
    const [w0, w1] = this.windowSize as [number, number];
    const coords = stack(meshgrid([arange(w0, { dtype: 'int64' }), arange(w1, { dtype: 'int64' })], 'ij')); // 2, Wh, Ww
    const flat = coords.flatten(1); // 2, Wh*Ww
    const rel = flat.index(':', ':', null).sub(flat.index(':', null, ':')).permute(1, 2, 0).contiguous(); // Wh*Ww, Wh*Ww, 2
    rel.select(2, 0).add_(w0 - 1); // shift to start from 0
    rel.select(2, 1).add_(w1 - 1);
    rel.select(2, 0).mul_(2 * w1 - 1);
    this.registerBuffer('relative_position_index', rel.sum(-1).flatten()); // Wh*Ww*Wh*Ww
  }

  getRelativePositionBias(): Tensor {
    return getRelativePositionBias(this.relative_position_bias_table, this.relative_position_index, this.windowSize);
  }

  override forward(x: Tensor): Tensor {
    const bias = this.getRelativePositionBias();
    const y = shiftedWindowAttention(x, this.qkv.weight, this.proj.weight, bias, this.windowSize, this.numHeads,
      this.shiftSize, { attentionDropout: this.attentionDropout, dropout: this.dropout, qkvBias: this.qkv.bias, projBias: this.proj.bias });
    disposeTemporary(bias);
    return y;
  }
}
classArgs(ShiftedWindowAttention, 'torchvision.models.ShiftedWindowAttention', 'dim, windowSize, shiftSize, numHeads; qkvBias, projBias, attentionDropout, dropout');

/** V2's window attention: cosine similarity with a learned logit scale, position bias from an MLP (cpb_mlp). */
export class ShiftedWindowAttentionV2 extends ShiftedWindowAttention {
  declare logit_scale: Parameter;
  declare cpb_mlp: Sequential;
  declare relative_coords_table: Tensor;

  constructor(dim: number, windowSize: readonly number[], shiftSize: readonly number[], numHeads: number, o?: ShiftedWindowAttentionModuleOptions);
  constructor(dim: number, windowSize: readonly number[], shiftSize: readonly number[], numHeads: number, ...rest: PyRest<ShiftedWindowAttentionModuleOptions, ['qkvBias', 'projBias', 'attentionDropout', 'dropout']>);
  constructor(...args: unknown[]) {
    const [dim, windowSize, shiftSize, numHeads, o = {}] = bindOwn(ShiftedWindowAttentionV2, args) as [number, readonly number[], readonly number[], number, ShiftedWindowAttentionModuleOptions?];
    super(dim, windowSize, shiftSize, numHeads, o);
    this.logit_scale = new Parameter(ones([numHeads, 1, 1]).mul(10).log());
    // mlp to generate continuous relative position bias
    this.cpb_mlp = new Sequential(new nn.Linear(2, 512, { bias: true }), new nn.ReLU({ inplace: true }), new nn.Linear(512, numHeads, { bias: false }));
    if (o.qkvBias ?? true) {
      const length = Math.floor(this.qkv.bias!.numel() / 3);
      nn.init.zeros_(this.qkv.bias!.narrow(0, length, length));
    }
  }

  /** Relative coordinates scaled to [-8, 8] and log-spaced: sign(x) log2(|x| + 1) / 3. */
  protected override defineRelativePositionBiasTable(): void {
    const [w0, w1] = this.windowSize as [number, number];
    const h = arange(-(w0 - 1), w0, { dtype: 'float32' });
    const w = arange(-(w1 - 1), w1, { dtype: 'float32' });
    let table = stack(meshgrid([h, w], 'ij')).permute(1, 2, 0).contiguous().unsqueeze(0); // 1, 2*Wh-1, 2*Ww-1, 2
    table.select(3, 0).div_(w0 - 1);
    table.select(3, 1).div_(w1 - 1);
    table = table.mul(8); // normalize to -8, 8
    table = table.sign().mul(table.abs().add(1.0).log2()).div(3.0);
    this.registerBuffer('relative_coords_table', table);
  }

  override getRelativePositionBias(): Tensor {
    const table = pipe(this.relative_coords_table, (t) => this.cpb_mlp.call(t) as Tensor, (t) => t.view(-1, this.numHeads));
    const bias = getRelativePositionBias(table, this.relative_position_index, this.windowSize);
    disposeTemporary(table);
    const out = pipe(bias, (t) => t.sigmoid(), (t) => t.mul(16));
    disposeTemporary(bias);
    return out;
  }

  override forward(x: Tensor): Tensor {
    const bias = this.getRelativePositionBias();
    const y = shiftedWindowAttention(x, this.qkv.weight, this.proj.weight, bias, this.windowSize, this.numHeads,
      this.shiftSize, {
        attentionDropout: this.attentionDropout, dropout: this.dropout, qkvBias: this.qkv.bias, projBias: this.proj.bias,
        logitScale: this.logit_scale,
      });
    disposeTemporary(bias);
    return y;
  }
}
classArgs(ShiftedWindowAttentionV2, 'torchvision.models.ShiftedWindowAttentionV2', 'dim, windowSize, shiftSize, numHeads; qkvBias, projBias, attentionDropout, dropout');

export type AttnLayerClass = new (dim: number, windowSize: readonly number[], shiftSize: readonly number[], numHeads: number,
  o?: ShiftedWindowAttentionModuleOptions) => Module;

export interface SwinBlockOptions {
  mlpRatio?: number;
  dropout?: number;
  attentionDropout?: number;
  stochasticDepthProb?: number;
  /** Default LayerNorm. */
  normLayer?: NormLayerFactory;
  attnLayer?: AttnLayerClass;
}

/** V1 block (pre-norm): x + SD(attn(norm1(x))), then x + SD(mlp(norm2(x))). */
export class SwinTransformerBlock extends Module {
  declare norm1: Module;
  declare attn: Module;
  declare stochastic_depth: StochasticDepth;
  declare norm2: Module;
  declare mlp: MLP;

  constructor(dim: number, numHeads: number, windowSize: readonly number[], shiftSize: readonly number[], o?: SwinBlockOptions);
  constructor(dim: number, numHeads: number, windowSize: readonly number[], shiftSize: readonly number[], ...rest: PyRest<SwinBlockOptions, ['mlpRatio', 'dropout', 'attentionDropout', 'stochasticDepthProb', 'normLayer', 'attnLayer']>);
  constructor(...args: unknown[]) {
    const [dim, numHeads, windowSize, shiftSize, o = {}] = bindOwn(SwinTransformerBlock, args) as [number, number, readonly number[], readonly number[], SwinBlockOptions?];
    super();
    const normLayer = o.normLayer ?? ((c: number) => new nn.LayerNorm(c));
    const Attn = o.attnLayer ?? ShiftedWindowAttention;
    const dropout = o.dropout ?? 0.0;
    this.norm1 = normLayer(dim);
    this.attn = new Attn(dim, windowSize, shiftSize, numHeads, { attentionDropout: o.attentionDropout ?? 0.0, dropout });
    this.stochastic_depth = new StochasticDepth(o.stochasticDepthProb ?? 0.0, 'row');
    this.norm2 = normLayer(dim);
    this.mlp = new MLP(dim, [Math.trunc(dim * (o.mlpRatio ?? 4.0)), dim], { activationLayer: () => new nn.GELU(), inplace: null, dropout });
    for (const m of this.mlp.modules()) {
      if (m instanceof nn.Linear) {
        nn.init.xavierUniform_(m.weight);
        if (m.bias !== null) nn.init.normal_(m.bias, { std: 1e-6 });
      }
    }
  }

  override forward(x: Tensor): Tensor {
    const y = residual(x, [this.norm1, this.attn, this.stochastic_depth]);
    const z = residual(y, [this.norm2, this.mlp, this.stochastic_depth]);
    disposeTemporary(y);
    return z;
  }
}
classArgs(SwinTransformerBlock, 'torchvision.models.SwinTransformerBlock', 'dim, numHeads, windowSize, shiftSize; mlpRatio, dropout, attentionDropout, stochasticDepthProb, normLayer, attnLayer');

/** x + branch(x), with the branch's intermediate outputs freed as they are consumed (see callChain). */
function residual(x: Tensor, branch: Module[]): Tensor {
  const b: Tensor = callChain(x, branch);
  const out = x.add(b);
  if (b !== x) releaseOutput(branch[branch.length - 1]!, b);
  return out;
}

/** V2 block (post-norm): x + SD(norm1(attn(x))), then x + SD(norm2(mlp(x))). */
export class SwinTransformerBlockV2 extends SwinTransformerBlock {
  constructor(dim: number, numHeads: number, windowSize: readonly number[], shiftSize: readonly number[], o?: SwinBlockOptions);
  constructor(dim: number, numHeads: number, windowSize: readonly number[], shiftSize: readonly number[], ...rest: PyRest<SwinBlockOptions, ['mlpRatio', 'dropout', 'attentionDropout', 'stochasticDepthProb', 'normLayer', 'attnLayer']>);
  constructor(...args: unknown[]) {
    const [dim, numHeads, windowSize, shiftSize, o = {}] = bindOwn(SwinTransformerBlockV2, args) as [number, number, readonly number[], readonly number[], SwinBlockOptions?];
    super(dim, numHeads, windowSize, shiftSize, { ...o, attnLayer: o.attnLayer ?? ShiftedWindowAttentionV2 });
  }

  override forward(x: Tensor): Tensor {
    const y = residual(x, [this.attn, this.norm1, this.stochastic_depth]);
    const z = residual(y, [this.mlp, this.norm2, this.stochastic_depth]);
    disposeTemporary(y);
    return z;
  }
}
classArgs(SwinTransformerBlockV2, 'torchvision.models.SwinTransformerBlockV2', 'dim, numHeads, windowSize, shiftSize; mlpRatio, dropout, attentionDropout, stochasticDepthProb, normLayer, attnLayer');

export type SwinBlockClass = new (dim: number, numHeads: number, windowSize: readonly number[], shiftSize: readonly number[], o?: SwinBlockOptions) => Module;
export type DownsampleLayerClass = new (dim: number, normLayer: NormLayerFactory) => Module;

export interface SwinTransformerOptions {
  patchSize: number[];
  embedDim: number;
  depths: number[];
  numHeads: number[];
  windowSize: number[];
  mlpRatio?: number;
  dropout?: number;
  attentionDropout?: number;
  /** Drop probability of the last block's branch, growing linearly from 0 (default 0.1). */
  stochasticDepthProb?: number;
  numClasses?: number;
  /** Default LayerNorm (eps 1e-5). */
  normLayer?: NormLayerFactory | null;
  /** Default SwinTransformerBlock (V1). */
  block?: SwinBlockClass | null;
  /** Default PatchMerging (V1). */
  downsampleLayer?: DownsampleLayerClass;
}

export class SwinTransformer extends Module {
  declare features: Sequential;
  declare norm: Module;
  declare permute: Permute;
  declare avgpool: Module;
  declare flatten: Module;
  declare head: nn.Linear;
  readonly numClasses: number;

  constructor(o: SwinTransformerOptions);
  constructor(...rest: PyRest<SwinTransformerOptions, ['patchSize', 'embedDim', 'depths', 'numHeads', 'windowSize', 'mlpRatio', 'dropout', 'attentionDropout', 'stochasticDepthProb', 'numClasses', 'normLayer', 'block', 'downsampleLayer']>);
  constructor(...args: unknown[]) {
    const [o] = bindOwn(SwinTransformer, args) as [SwinTransformerOptions];
    super();
    this.numClasses = o.numClasses ?? 1000;
    const Block = o.block ?? SwinTransformerBlock;
    const Downsample = o.downsampleLayer ?? PatchMerging;
    const normLayer = o.normLayer ?? ((c: number) => new nn.LayerNorm(c, { eps: 1e-5 }));
    const sdp = o.stochasticDepthProb ?? 0.1;
    const layers: Module[] = [];
    // split image into non-overlapping patches
    layers.push(new Sequential(
      new nn.Conv2d(3, o.embedDim, [o.patchSize[0]!, o.patchSize[1]!], { stride: [o.patchSize[0]!, o.patchSize[1]!] }),
      new Permute([0, 2, 3, 1]),
      normLayer(o.embedDim),
    ));
    const totalStageBlocks = o.depths.reduce((a, b) => a + b, 0);
    let stageBlockId = 0;
    for (let iStage = 0; iStage < o.depths.length; iStage++) {
      const stage: Module[] = [];
      const dim = o.embedDim * 2 ** iStage;
      for (let iLayer = 0; iLayer < o.depths[iStage]!; iLayer++) {
        // the stochastic depth probability grows with the block's depth
        const sdProb = (sdp * stageBlockId) / (totalStageBlocks - 1);
        stage.push(new Block(dim, o.numHeads[iStage]!, o.windowSize, o.windowSize.map((w) => (iLayer % 2 === 0 ? 0 : Math.floor(w / 2))), {
          mlpRatio: o.mlpRatio ?? 4.0, dropout: o.dropout ?? 0.0, attentionDropout: o.attentionDropout ?? 0.0,
          stochasticDepthProb: sdProb, normLayer,
        }));
        stageBlockId++;
      }
      layers.push(new Sequential(...stage));
      // patch merging between stages
      if (iStage < o.depths.length - 1) layers.push(new Downsample(dim, normLayer));
    }
    this.features = new Sequential(...layers);
    const numFeatures = o.embedDim * 2 ** (o.depths.length - 1);
    this.norm = normLayer(numFeatures);
    this.permute = new Permute([0, 3, 1, 2]);
    this.avgpool = new nn.AdaptiveAvgPool2d(1);
    this.flatten = new nn.Flatten(1);
    this.head = new nn.Linear(numFeatures, this.numClasses);

    for (const m of this.modules()) {
      if (m instanceof nn.Linear) {
        nn.init.truncNormal_(m.weight, { std: 0.02 });
        if (m.bias !== null) nn.init.zeros_(m.bias);
      }
    }
  }

  override forward(x: Tensor): Tensor {
    x = this.features.call(x);
    x = this.norm.call(x);
    x = this.permute.call(x);
    x = this.avgpool.call(x);
    x = this.flatten.call(x);
    return this.head.call(x);
  }
}
classArgs(SwinTransformer, 'torchvision.models.SwinTransformer', '; patchSize, embedDim, depths, numHeads, windowSize, mlpRatio, dropout, attentionDropout, stochasticDepthProb, numClasses, normLayer, block, downsampleLayer');

/** The builders fix the architecture, the stochastic depth included (torchvision's refuse those arguments too). */
export type SwinBuilderOptions = Partial<Omit<SwinTransformerOptions, 'patchSize' | 'embedDim' | 'depths' | 'numHeads' | 'windowSize' | 'stochasticDepthProb'>> & BuilderOptions;

export const Swin_T_Weights = weightsEnum('Swin_T_Weights');
export const Swin_S_Weights = weightsEnum('Swin_S_Weights');
export const Swin_B_Weights = weightsEnum('Swin_B_Weights');
export const Swin_V2_T_Weights = weightsEnum('Swin_V2_T_Weights');
export const Swin_V2_S_Weights = weightsEnum('Swin_V2_S_Weights');
export const Swin_V2_B_Weights = weightsEnum('Swin_V2_B_Weights');

interface Arch {
  embedDim: number;
  depths: number[];
  numHeads: number[];
  windowSize: number[];
  stochasticDepthProb: number;
  v2: boolean;
}

function swinTransformer(a: Arch, e: WeightsEnum, opts: SwinBuilderOptions): SwinTransformer {
  rejectFixedOptions(opts, ['patchSize', 'embedDim', 'depths', 'numHeads', 'windowSize', 'stochasticDepthProb']);
  return buildModel(e, opts, (o) => new SwinTransformer({
    ...(a.v2 ? { block: SwinTransformerBlockV2, downsampleLayer: PatchMergingV2 } : {}),
    ...o,
    patchSize: [4, 4], embedDim: a.embedDim, depths: a.depths, numHeads: a.numHeads, windowSize: a.windowSize,
    stochasticDepthProb: a.stochasticDepthProb,
  }), { options: ['mlpRatio', 'dropout', 'attentionDropout', 'numClasses', 'normLayer', 'block', 'downsampleLayer'] });
}

const T = { embedDim: 96, depths: [2, 2, 6, 2], numHeads: [3, 6, 12, 24] };
const S = { embedDim: 96, depths: [2, 2, 18, 2], numHeads: [3, 6, 12, 24] };
const B_ = { embedDim: 128, depths: [2, 2, 18, 2], numHeads: [4, 8, 16, 32] };
type F = (opts?: SwinBuilderOptions) => SwinTransformer;
export const swin_t: F = modelBuilder<F>('swin_t', (o = {}) => swinTransformer({ ...T, windowSize: [7, 7], stochasticDepthProb: 0.2, v2: false }, Swin_T_Weights, o));
export const swin_s: F = modelBuilder<F>('swin_s', (o = {}) => swinTransformer({ ...S, windowSize: [7, 7], stochasticDepthProb: 0.3, v2: false }, Swin_S_Weights, o));
export const swin_b: F = modelBuilder<F>('swin_b', (o = {}) => swinTransformer({ ...B_, windowSize: [7, 7], stochasticDepthProb: 0.5, v2: false }, Swin_B_Weights, o));
export const swin_v2_t: F = modelBuilder<F>('swin_v2_t', (o = {}) => swinTransformer({ ...T, windowSize: [8, 8], stochasticDepthProb: 0.2, v2: true }, Swin_V2_T_Weights, o));
export const swin_v2_s: F = modelBuilder<F>('swin_v2_s', (o = {}) => swinTransformer({ ...S, windowSize: [8, 8], stochasticDepthProb: 0.3, v2: true }, Swin_V2_S_Weights, o));
export const swin_v2_b: F = modelBuilder<F>('swin_v2_b', (o = {}) => swinTransformer({ ...B_, windowSize: [8, 8], stochasticDepthProb: 0.5, v2: true }, Swin_V2_B_Weights, o));

registerModel('swin_t', swin_t, Swin_T_Weights);
registerModel('swin_s', swin_s, Swin_S_Weights);
registerModel('swin_b', swin_b, Swin_B_Weights);
registerModel('swin_v2_t', swin_v2_t, Swin_V2_T_Weights);
registerModel('swin_v2_s', swin_v2_s, Swin_V2_S_Weights);
registerModel('swin_v2_b', swin_v2_b, Swin_V2_B_Weights);
