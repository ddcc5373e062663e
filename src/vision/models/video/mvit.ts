// MViT (Fan et al. 2021, "Multiscale Vision Transformers") and MViTv2 (Li et al. 2022), as torchvision's
// models/video/mvit.py: a transformer over space-time patches whose attention pools its queries, keys and
// values (depthwise 3-D convolutions) so that resolution falls and channels rise from stage to stage. v2 adds
// relative positional embeddings, a pooled residual on the attention and the projection after attention.
// Input [N, 3, T, H, W] with T, H, W the model's temporalSize and spatialSize (16 x 224 x 224 for the builders).
import { Module } from '../../../nn/module.js';
import { ModuleList, Sequential } from '../../../nn/modules/container.js';
import { Parameter } from '../../../nn/parameter.js';
import * as nn from '../../../nn/index.js';
import { interpolate } from '../../../nn/functional/upsampling.js';
import { Tensor } from '../../../tensor.js';
import { arange, cat, einsum, zeros } from '../../../creation.js';
import { StochasticDepth } from '../../ops/stochastic-depth.js';
import type { NormLayerFactory } from '../../ops/misc.js';
import { registerModel } from '../registry.js';
import { buildModel, tableWeightsEnum, type BuilderOptions } from '../weights.js';
import { VIDEO_WEIGHTS_DATA } from './weights-data.js';
import { videoPreset } from './preset.js';
import { modelBuilder } from '../builder-args.js';
import { bindOwn, classArgs, registerSignature, type PyRest } from '../../../args.js';

// PyTorch's argument binding (src/args.ts) for this module's functions: an extra positional argument or an
// unknown keyword is a TypeError naming it.
registerSignature(mvitV1BBlocks, 'mvitV1BBlocks', 'tstorch.vision.models.video.mvitV1BBlocks', '');
registerSignature(mvitV2SBlocks, 'mvitV2SBlocks', 'tstorch.vision.models.video.mvitV2SBlocks', '');

type THW = [number, number, number];

/** One block of the network (torchvision's MSBlockConfig; empty kernel/stride lists mean no pooling). */
export interface MSBlockConfig {
  numHeads: number;
  inputChannels: number;
  outputChannels: number;
  kernelQ: number[];
  kernelKv: number[];
  strideQ: number[];
  strideKv: number[];
}

const prod = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

/** A [B, N, C] tensor as [B, 1, N, C] (torchvision's _unsqueeze(x, 4, 1)); also returns whether it did. */
function unsqueezeTo4(x: Tensor): [Tensor, boolean] {
  if (x.ndim === 3) return [x.unsqueeze(1), true];
  if (x.ndim !== 4) throw new RangeError(`MViT: unsupported input dimension [${x.shape}]`);
  return [x, false];
}

/** Pools the tokens (all but the class token) of [B, heads, 1 + T*H*W, C] on their (T, H, W) grid. */
export class Pool extends Module {
  declare pool: Module;
  declare norm_act: Sequential | null;
  declare normBeforePool: boolean;

  constructor(pool: Module, norm: Module | null, activation: Module | null = null, normBeforePool = false) {
    [pool, norm, activation = null, normBeforePool = false] = bindOwn(Pool, arguments) as ConstructorParameters<typeof Pool>;
    super();
    this.pool = pool;
    const layers = [norm, activation].filter((l): l is Module => l !== null);
    this.norm_act = layers.length ? new Sequential(...layers) : null;
    Object.defineProperty(this, 'normBeforePool', { value: normBeforePool, enumerable: false, writable: true });
  }

  override forward(input: Tensor, thw: THW): [Tensor, THW] {
    const [x4, squeezed] = unsqueezeTo4(input);
    const classToken = x4.slice(2, 0, 1);
    let x = x4.slice(2, 1).transpose(2, 3);
    const [b, n, c] = x.shape as number[] as [number, number, number];
    x = x.reshape([b * n, c, ...thw]).contiguous();
    if (this.normBeforePool && this.norm_act !== null) x = this.norm_act.call(x);
    x = this.pool.call(x);
    const [t, h, w] = x.shape.slice(2) as THW;
    x = x.reshape(b, n, c, -1).transpose(2, 3);
    x = cat([classToken, x], 2);
    if (!this.normBeforePool && this.norm_act !== null) x = this.norm_act.call(x);
    return [squeezed ? x.squeeze(1) : x, [t, h, w]];
  }
}
classArgs(Pool, 'torchvision.models.video.Pool', 'pool, norm, activation?, normBeforePool?');

/** A relative-position table resampled to length d (linear interpolation), as torchvision's _interpolate. */
function interpolateTable(embedding: Tensor, d: number): Tensor {
  if (embedding.shape[0] === d) return embedding;
  return interpolate(embedding.permute(1, 0).unsqueeze(0), { size: d, mode: 'linear' }).squeeze(0).permute(1, 0);
}

/** Distances between query and key positions along one axis, in the table's index space (torchvision's dist_*). */
function relativeIndex(q: number, k: number): Tensor {
  const qRatio = Math.max(k / q, 1.0);
  const kRatio = Math.max(q / k, 1.0);
  const qi = arange(q, { dtype: 'float32' }).unsqueeze(1).mul(qRatio);
  const ki = arange(k, { dtype: 'float32' }).unsqueeze(0).add(1.0 - k).mul(kRatio);
  return qi.sub(ki).long();
}

/** MViTv2's decomposed relative positional embeddings, added to the attention logits in place (_add_rel_pos). */
function addRelPos(attn: Tensor, q: Tensor, qThw: THW, kThw: THW, relPosH: Tensor, relPosW: Tensor, relPosT: Tensor): Tensor {
  const [qT, qH, qW] = qThw;
  const [kT, kH, kW] = kThw;
  const dh = 2 * Math.max(qH, kH) - 1;
  const dw = 2 * Math.max(qW, kW) - 1;
  const dt = 2 * Math.max(qT, kT) - 1;
  const rh = interpolateTable(relPosH, dh).index(relativeIndex(qH, kH));
  const rw = interpolateTable(relPosW, dw).index(relativeIndex(qW, kW));
  const rt = interpolateTable(relPosT, dt).index(relativeIndex(qT, kT));
  const [b, nHead, , dim] = q.shape as number[] as [number, number, number, number];
  let rQ = q.slice(2, 1).reshape(b, nHead, qT, qH, qW, dim);
  const relHQ = einsum('bythwc,hkc->bythwk', rQ, rh);
  const relWQ = einsum('bythwc,wkc->bythwk', rQ, rw);
  rQ = rQ.permute(2, 0, 1, 3, 4, 5).reshape(qT, b * nHead * qH * qW, dim);
  let relQT = rQ.matmul(rt.transpose(1, 2)).transpose(0, 1);
  relQT = relQT.view(b, nHead, qH, qW, qT, kT).permute(0, 1, 4, 2, 3, 5);
  const relPos = relHQ.index(':', ':', ':', ':', ':', null, ':', null)
    .add(relWQ.index(':', ':', ':', ':', ':', null, null, ':'))
    .add(relQT.index(':', ':', ':', ':', ':', ':', null, null))
    .reshape(b, nHead, qT * qH * qW, kT * kH * kW);
  attn.slice(2, 1).slice(3, 1).add_(relPos);
  return attn;
}

export interface MultiscaleAttentionOptions {
  kernelQ: number[];
  kernelKv: number[];
  strideQ: number[];
  strideKv: number[];
  residualPool: boolean;
  residualWithClsEmbed: boolean;
  relPosEmbed: boolean;
  dropout?: number;
  normLayer?: NormLayerFactory;
}

/** Self-attention whose queries, keys and values are pooled by depthwise 3-D convolutions. */
export class MultiscaleAttention extends Module {
  declare embedDim: number;
  declare outputDim: number;
  declare numHeads: number;
  declare headDim: number;
  declare scaler: number;
  declare residualPool: boolean;
  declare residualWithClsEmbed: boolean;
  declare qkv: nn.Linear;
  declare project: Sequential;
  declare pool_q: Pool | null;
  declare pool_k: Pool | null;
  declare pool_v: Pool | null;
  declare rel_pos_h: Parameter | null;
  declare rel_pos_w: Parameter | null;
  declare rel_pos_t: Parameter | null;

  constructor(inputSize: number[], embedDim: number, outputDim: number, numHeads: number, ...rest: PyRest<MultiscaleAttentionOptions, ['kernelQ', 'kernelKv', 'strideQ', 'strideKv', 'residualPool', 'residualWithClsEmbed', 'relPosEmbed', 'dropout', 'normLayer']>);
  constructor(...args: unknown[]) {
    const [inputSize, embedDim, outputDim, numHeads, o] = bindOwn(MultiscaleAttention, args) as [number[], number, number, number, MultiscaleAttentionOptions];
    super();
    const hidden = (k: string, v: unknown): void => { Object.defineProperty(this, k, { value: v, enumerable: false, writable: true }); };
    const headDim = Math.floor(outputDim / numHeads);
    hidden('embedDim', embedDim);
    hidden('outputDim', outputDim);
    hidden('numHeads', numHeads);
    hidden('headDim', headDim);
    hidden('scaler', 1.0 / Math.sqrt(headDim));
    hidden('residualPool', o.residualPool);
    hidden('residualWithClsEmbed', o.residualWithClsEmbed);
    const normLayer = o.normLayer ?? ((c: number) => new nn.LayerNorm(c));
    const dropout = o.dropout ?? 0.0;

    this.qkv = new nn.Linear(embedDim, 3 * outputDim);
    const layers: Module[] = [new nn.Linear(outputDim, outputDim)];
    if (dropout > 0.0) layers.push(new nn.Dropout({ p: dropout, inplace: true }));
    this.project = new Sequential(...layers);

    const depthwise = (kernel: number[], stride: number[]): Pool => new Pool(
      new nn.Conv3d(headDim, headDim, kernel as [number, number, number], {
        stride: stride as [number, number, number], padding: kernel.map((k) => Math.floor(k / 2)) as [number, number, number], groups: headDim, bias: false,
      }),
      normLayer(headDim),
    );
    this.pool_q = null;
    if (prod(o.kernelQ) > 1 || prod(o.strideQ) > 1) this.pool_q = depthwise(o.kernelQ, o.strideQ);
    this.pool_k = null;
    this.pool_v = null;
    if (prod(o.kernelKv) > 1 || prod(o.strideKv) > 1) {
      this.pool_k = depthwise(o.kernelKv, o.strideKv);
      this.pool_v = depthwise(o.kernelKv, o.strideKv);
    }
    this.rel_pos_h = null;
    this.rel_pos_w = null;
    this.rel_pos_t = null;
    if (o.relPosEmbed) {
      const size = Math.max(...inputSize.slice(1));
      const qSize = o.strideQ.length > 0 ? Math.floor(size / o.strideQ[1]!) : size;
      const kvSize = o.strideKv.length > 0 ? Math.floor(size / o.strideKv[1]!) : size;
      const spatialDim = 2 * Math.max(qSize, kvSize) - 1;
      const temporalDim = 2 * inputSize[0]! - 1;
      this.rel_pos_h = new Parameter(zeros([spatialDim, headDim]));
      this.rel_pos_w = new Parameter(zeros([spatialDim, headDim]));
      this.rel_pos_t = new Parameter(zeros([temporalDim, headDim]));
      nn.init.truncNormal_(this.rel_pos_h, { std: 0.02 });
      nn.init.truncNormal_(this.rel_pos_w, { std: 0.02 });
      nn.init.truncNormal_(this.rel_pos_t, { std: 0.02 });
    }
  }

  override forward(x: Tensor, thw: THW): [Tensor, THW] {
    const [b, n] = x.shape as number[] as [number, number, number];
    let [q, k, v] = this.qkv.call(x).reshape(b, n, 3, this.numHeads, this.headDim).transpose(1, 3).unbind(2) as [Tensor, Tensor, Tensor];
    let kThw = thw;
    if (this.pool_k !== null) [k, kThw] = this.pool_k.call(k, thw) as [Tensor, THW];
    if (this.pool_v !== null) v = (this.pool_v.call(v, thw) as [Tensor, THW])[0];
    if (this.pool_q !== null) [q, thw] = this.pool_q.call(q, thw) as [Tensor, THW];

    let attn = q.mul(this.scaler).matmul(k.transpose(2, 3));
    if (this.rel_pos_h !== null && this.rel_pos_w !== null && this.rel_pos_t !== null) {
      attn = addRelPos(attn, q, thw, kThw, this.rel_pos_h, this.rel_pos_w, this.rel_pos_t);
    }
    attn = attn.softmax(-1);
    let out = attn.matmul(v);
    if (this.residualPool) {
      if (this.residualWithClsEmbed) out.add_(q);
      else out.slice(2, 1).add_(q.slice(2, 1));
    }
    out = out.transpose(1, 2).reshape(b, -1, this.outputDim);
    return [this.project.call(out), thw];
  }
}
classArgs(MultiscaleAttention, 'torchvision.models.video.MultiscaleAttention', 'inputSize, embedDim, outputDim, numHeads; kernelQ, kernelKv, strideQ, strideKv, residualPool, residualWithClsEmbed, relPosEmbed, dropout, normLayer');

/** torchvision.ops.MLP as MViT builds it: Linear, GELU, Dropout, Linear, Dropout. */
function mlp(inChannels: number, hidden: number, out: number, dropout: number): Sequential {
  return new Sequential(new nn.Linear(inChannels, hidden), new nn.GELU(), new nn.Dropout({ p: dropout }), new nn.Linear(hidden, out), new nn.Dropout({ p: dropout }));
}

export interface MultiscaleBlockOptions {
  residualPool: boolean;
  residualWithClsEmbed: boolean;
  relPosEmbed: boolean;
  projAfterAttn: boolean;
  dropout?: number;
  stochasticDepthProb?: number;
  normLayer?: NormLayerFactory;
}

/** Attention (with a pooled skip connection) and an MLP, each behind a norm and stochastic depth. */
export class MultiscaleBlock extends Module {
  declare projAfterAttn: boolean;
  declare pool_skip: Pool | null;
  declare norm1: Module;
  declare norm2: Module;
  declare needsTransposal: boolean;
  declare attn: MultiscaleAttention;
  declare mlp: Sequential;
  declare stochastic_depth: StochasticDepth;
  declare project: nn.Linear | null;

  constructor(inputSize: number[], cnf: MSBlockConfig, ...rest: PyRest<MultiscaleBlockOptions, ['residualPool', 'residualWithClsEmbed', 'relPosEmbed', 'projAfterAttn', 'dropout', 'stochasticDepthProb', 'normLayer']>);
  constructor(...args: unknown[]) {
    const [inputSize, cnf, o] = bindOwn(MultiscaleBlock, args) as [number[], MSBlockConfig, MultiscaleBlockOptions];
    super();
    Object.defineProperty(this, 'projAfterAttn', { value: o.projAfterAttn, enumerable: false, writable: true });
    const normLayer = o.normLayer ?? ((c: number) => new nn.LayerNorm(c));
    this.pool_skip = null;
    if (prod(cnf.strideQ) > 1) {
      const kernelSkip = cnf.strideQ.map((s) => (s > 1 ? s + 1 : s));
      const paddingSkip = kernelSkip.map((k) => Math.floor(k / 2));
      this.pool_skip = new Pool(new nn.MaxPool3d(kernelSkip, { stride: cnf.strideQ, padding: paddingSkip }), null);
    }
    const attnDim = o.projAfterAttn ? cnf.outputChannels : cnf.inputChannels;
    this.norm1 = normLayer(cnf.inputChannels);
    this.norm2 = normLayer(attnDim);
    Object.defineProperty(this, 'needsTransposal', { value: this.norm1 instanceof nn.BatchNorm1d, enumerable: false, writable: true });
    this.attn = new MultiscaleAttention(inputSize, cnf.inputChannels, attnDim, cnf.numHeads, {
      kernelQ: cnf.kernelQ, kernelKv: cnf.kernelKv, strideQ: cnf.strideQ, strideKv: cnf.strideKv,
      relPosEmbed: o.relPosEmbed, residualPool: o.residualPool, residualWithClsEmbed: o.residualWithClsEmbed,
      dropout: o.dropout ?? 0.0, normLayer,
    });
    this.mlp = mlp(attnDim, 4 * attnDim, cnf.outputChannels, o.dropout ?? 0.0);
    this.stochastic_depth = new StochasticDepth(o.stochasticDepthProb ?? 0.0, 'row');
    this.project = cnf.inputChannels !== cnf.outputChannels ? new nn.Linear(cnf.inputChannels, cnf.outputChannels) : null;
  }

  private norm(layer: Module, x: Tensor): Tensor {
    return this.needsTransposal ? (layer.call(x.transpose(1, 2)) as Tensor).transpose(1, 2) : layer.call(x);
  }

  override forward(input: Tensor, thw: THW): [Tensor, THW] {
    const xNorm1 = this.norm(this.norm1, input);
    const [xAttn, thwNew] = this.attn.call(xNorm1, thw) as [Tensor, THW];
    let x = this.project === null || !this.projAfterAttn ? input : this.project.call(xNorm1) as Tensor;
    const xSkip = this.pool_skip === null ? x : (this.pool_skip.call(x, thw) as [Tensor, THW])[0];
    x = xSkip.add(this.stochastic_depth.call(xAttn));
    const xNorm2 = this.norm(this.norm2, x);
    const xProj = this.project === null || this.projAfterAttn ? x : this.project.call(xNorm2) as Tensor;
    return [xProj.add(this.stochastic_depth.call(this.mlp.call(xNorm2))), thwNew];
  }
}
classArgs(MultiscaleBlock, 'torchvision.models.video.MultiscaleBlock', 'inputSize, cnf:dict; residualPool, residualWithClsEmbed, relPosEmbed, projAfterAttn, dropout, stochasticDepthProb, normLayer');

/** The class token and, for v1, learned spatial, temporal and class position embeddings. */
export class PositionalEncoding extends Module {
  declare spatialSize: [number, number];
  declare temporalSize: number;
  declare class_token: Parameter;
  declare spatial_pos: Parameter | null;
  declare temporal_pos: Parameter | null;
  declare class_pos: Parameter | null;

  constructor(embedSize: number, spatialSize: [number, number], temporalSize: number, relPosEmbed: boolean) {
    [embedSize, spatialSize, temporalSize, relPosEmbed] = bindOwn(PositionalEncoding, arguments) as ConstructorParameters<typeof PositionalEncoding>;
    super();
    Object.defineProperty(this, 'spatialSize', { value: spatialSize, enumerable: false, writable: true });
    Object.defineProperty(this, 'temporalSize', { value: temporalSize, enumerable: false, writable: true });
    this.class_token = new Parameter(zeros([embedSize]));
    this.spatial_pos = null;
    this.temporal_pos = null;
    this.class_pos = null;
    if (!relPosEmbed) {
      this.spatial_pos = new Parameter(zeros([spatialSize[0] * spatialSize[1], embedSize]));
      this.temporal_pos = new Parameter(zeros([temporalSize, embedSize]));
      this.class_pos = new Parameter(zeros([embedSize]));
    }
  }

  override forward(input: Tensor): Tensor {
    const classToken = this.class_token.expand(input.shape[0]!, -1).unsqueeze(1);
    const x = cat([classToken, input], 1);
    if (this.spatial_pos !== null && this.temporal_pos !== null && this.class_pos !== null) {
      const [hwSize, embedSize] = this.spatial_pos.shape as number[] as [number, number];
      const pos = this.temporal_pos.repeatInterleave(hwSize, 0);
      pos.add_(this.spatial_pos.unsqueeze(0).expand(this.temporalSize, -1, -1).reshape(-1, embedSize));
      x.add_(cat([this.class_pos.unsqueeze(0), pos], 0).unsqueeze(0));
    }
    return x;
  }
}
classArgs(PositionalEncoding, 'torchvision.models.video.PositionalEncoding', 'embedSize, spatialSize, temporalSize, relPosEmbed');

export interface MViTOptions {
  /** The input's (H, W). */
  spatialSize: [number, number];
  /** The input's T. */
  temporalSize: number;
  blockSetting: readonly MSBlockConfig[];
  /** MViTv2's pooled residual in the attention. */
  residualPool: boolean;
  residualWithClsEmbed: boolean;
  /** MViTv2's relative positional embeddings (instead of v1's absolute ones). */
  relPosEmbed: boolean;
  projAfterAttn: boolean;
  dropout?: number;
  attentionDropout?: number;
  stochasticDepthProb?: number;
  numClasses?: number;
  /** Default LayerNorm with eps 1e-6. */
  normLayer?: NormLayerFactory;
  patchEmbedKernel?: [number, number, number];
  patchEmbedStride?: [number, number, number];
  patchEmbedPadding?: [number, number, number];
}

export class MViT extends Module {
  declare conv_proj: nn.Conv3d;
  declare pos_encoding: PositionalEncoding;
  declare blocks: ModuleList;
  declare norm: Module;
  declare head: Sequential;

  constructor(...rest: PyRest<MViTOptions, ['spatialSize', 'temporalSize', 'blockSetting', 'residualPool', 'residualWithClsEmbed', 'relPosEmbed', 'projAfterAttn', 'dropout', 'attentionDropout', 'stochasticDepthProb', 'numClasses']>);
  constructor(...args: unknown[]) {
    const [o] = bindOwn(MViT, args) as [MViTOptions];
    super();
    const total = o.blockSetting.length;
    if (total === 0) throw new RangeError("The configuration parameter can't be empty.");
    const normLayer = o.normLayer ?? ((c: number) => new nn.LayerNorm(c, { eps: 1e-6 }));
    const stride = o.patchEmbedStride ?? [2, 4, 4];
    this.conv_proj = new nn.Conv3d(3, o.blockSetting[0]!.inputChannels, o.patchEmbedKernel ?? [3, 7, 7], { stride, padding: o.patchEmbedPadding ?? [1, 3, 3] });
    let inputSize = [o.temporalSize, ...o.spatialSize].map((s, i) => Math.floor(s / stride[i]!));
    this.pos_encoding = new PositionalEncoding(o.blockSetting[0]!.inputChannels, [inputSize[1]!, inputSize[2]!], inputSize[0]!, o.relPosEmbed);
    this.blocks = new ModuleList();
    o.blockSetting.forEach((cnf, id) => {
      const sdProb = (o.stochasticDepthProb ?? 0.0) * id / (total - 1.0);
      this.blocks.append(new MultiscaleBlock(inputSize, cnf, {
        residualPool: o.residualPool, residualWithClsEmbed: o.residualWithClsEmbed, relPosEmbed: o.relPosEmbed,
        projAfterAttn: o.projAfterAttn, dropout: o.attentionDropout ?? 0.0, stochasticDepthProb: sdProb, normLayer,
      }));
      if (cnf.strideQ.length > 0) inputSize = inputSize.map((s, i) => Math.floor(s / cnf.strideQ[i]!));
    });
    this.norm = normLayer(o.blockSetting[total - 1]!.outputChannels);
    this.head = new Sequential(
      new nn.Dropout({ p: o.dropout ?? 0.5, inplace: true }),
      new nn.Linear(o.blockSetting[total - 1]!.outputChannels, o.numClasses ?? 400),
    );

    for (const m of this.modules()) {
      if (m instanceof nn.Linear) {
        nn.init.truncNormal_(m.weight, { std: 0.02 });
        if (m.bias !== null) nn.init.constant_(m.bias, 0.0);
      } else if (m instanceof nn.LayerNorm) {
        if (m.weight !== null) nn.init.constant_(m.weight, 1.0);
        if (m.bias !== null) nn.init.constant_(m.bias, 0.0);
      } else if (m instanceof PositionalEncoding) {
        for (const w of m.parameters()) nn.init.truncNormal_(w, { std: 0.02 });
      }
    }
  }

  override forward(input: Tensor): Tensor {
    // [B, C, H, W] -> [B, C, 1, H, W]
    let x = input.ndim === 4 ? input.unsqueeze(2) : input;
    if (x.ndim !== 5) throw new RangeError(`MViT: unsupported input dimension [${input.shape}]`);
    x = this.conv_proj.call(x);
    x = x.flatten(2).transpose(1, 2);
    x = this.pos_encoding.call(x);
    let thw: THW = [this.pos_encoding.temporalSize, ...this.pos_encoding.spatialSize];
    for (const block of this.blocks) [x, thw] = block.call(x, thw) as [Tensor, THW];
    x = this.norm.call(x);
    x = x.select(1, 0);
    return this.head.call(x);
  }
}
classArgs(MViT, 'torchvision.models.video.MViT', '; spatialSize, temporalSize, blockSetting, residualPool, residualWithClsEmbed, relPosEmbed, projAfterAttn, dropout, attentionDropout, stochasticDepthProb, numClasses, *, normLayer, patchEmbedKernel, patchEmbedStride, patchEmbedPadding');

/** A variant's blocks from torchvision's per-block lists. */
function blockSetting(c: { numHeads: number[]; inputChannels: number[]; outputChannels: number[]; kernelQ: number[][]; kernelKv: number[][]; strideQ: number[][]; strideKv: number[][] }): MSBlockConfig[] {
  return c.numHeads.map((numHeads, i) => ({
    numHeads, inputChannels: c.inputChannels[i]!, outputChannels: c.outputChannels[i]!,
    kernelQ: c.kernelQ[i]!, kernelKv: c.kernelKv[i]!, strideQ: c.strideQ[i]!, strideKv: c.strideKv[i]!,
  }));
}

const k3 = [3, 3, 3];
const repeat = <T>(v: T, n: number): T[] => Array.from({ length: n }, () => v);
const STRIDE_KV = [[1, 8, 8], [1, 4, 4], [1, 4, 4], ...repeat([1, 2, 2], 11), [1, 1, 1], [1, 1, 1]];
const HEADS = [1, 2, 2, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 8, 8];

/** MViT v1-B's 16 blocks. */
export function mvitV1BBlocks(): MSBlockConfig[] {
  bindOwn(mvitV1BBlocks, arguments);
  return blockSetting({
    numHeads: HEADS,
    inputChannels: [96, 192, 192, ...repeat(384, 11), 768, 768],
    outputChannels: [192, 192, ...repeat(384, 11), 768, 768, 768],
    kernelQ: [[], k3, [], k3, ...repeat([], 10), k3, []],
    kernelKv: repeat(k3, 16),
    strideQ: [[], [1, 2, 2], [], [1, 2, 2], ...repeat([], 10), [1, 2, 2], []],
    strideKv: STRIDE_KV,
  });
}

/** MViT v2-S's 16 blocks. */
export function mvitV2SBlocks(): MSBlockConfig[] {
  bindOwn(mvitV2SBlocks, arguments);
  const none = [1, 1, 1];
  return blockSetting({
    numHeads: HEADS,
    inputChannels: [96, 96, 192, 192, ...repeat(384, 11), 768],
    outputChannels: [96, 192, 192, ...repeat(384, 11), 768, 768],
    kernelQ: repeat(k3, 16),
    kernelKv: repeat(k3, 16),
    strideQ: [none, [1, 2, 2], none, [1, 2, 2], ...repeat(none, 10), [1, 2, 2], none],
    strideKv: STRIDE_KV,
  });
}

export interface MViTBuilderOptions extends BuilderOptions {
  numClasses?: number;
  dropout?: number;
  attentionDropout?: number;
  /** Default 0.2. */
  stochasticDepthProb?: number;
  normLayer?: NormLayerFactory;
}

export const MViT_V1_B_Weights = tableWeightsEnum(VIDEO_WEIGHTS_DATA, 'MViT_V1_B_Weights', videoPreset);
export const MViT_V2_S_Weights = tableWeightsEnum(VIDEO_WEIGHTS_DATA, 'MViT_V2_S_Weights', videoPreset);

// The builders fix the architecture (sizes, residual and embedding variants): torchvision's fail with "multiple
// values for keyword argument" when given one of these, and so do these (build the MViT class to choose them).
const FIXED = ['spatialSize', 'temporalSize', 'blockSetting', 'residualPool', 'residualWithClsEmbed', 'relPosEmbed', 'projAfterAttn'];

function mvit(blocks: MSBlockConfig[], variant: Pick<MViTOptions, 'residualPool' | 'residualWithClsEmbed' | 'relPosEmbed' | 'projAfterAttn'>,
  e: typeof MViT_V1_B_Weights, opts: MViTBuilderOptions): MViT {
  const fixed = FIXED.filter((k) => (opts as Record<string, unknown>)[k] !== undefined);
  if (fixed.length) throw new TypeError(`${fixed.map((k) => `'${k}'`).join(', ')}: fixed by this builder (use the MViT class to choose ${fixed.length > 1 ? 'them' : 'it'})`);
  return buildModel(e, opts, (o) => new MViT({
    spatialSize: [224, 224], temporalSize: 16, blockSetting: blocks, ...variant,
    dropout: o.dropout, attentionDropout: o.attentionDropout, stochasticDepthProb: o.stochasticDepthProb ?? 0.2,
    numClasses: o.numClasses, normLayer: o.normLayer,
  }), { options: ['numClasses', 'dropout', 'attentionDropout', 'stochasticDepthProb', 'normLayer'] });
}

/** MViT v1-B (Kinetics-400 weights: MViT_V1_B_Weights.KINETICS400_V1). */
export const mvit_v1_b = modelBuilder('mvit_v1_b', (opts: MViTBuilderOptions = {}): MViT => mvit(mvitV1BBlocks(),
  { residualPool: false, residualWithClsEmbed: false, relPosEmbed: false, projAfterAttn: false }, MViT_V1_B_Weights, opts));
/** MViT v2-S (Kinetics-400 weights: MViT_V2_S_Weights.KINETICS400_V1). */
export const mvit_v2_s = modelBuilder('mvit_v2_s', (opts: MViTBuilderOptions = {}): MViT => mvit(mvitV2SBlocks(),
  { residualPool: true, residualWithClsEmbed: false, relPosEmbed: true, projAfterAttn: true }, MViT_V2_S_Weights, opts));

registerModel('mvit_v1_b', mvit_v1_b, MViT_V1_B_Weights);
registerModel('mvit_v2_s', mvit_v2_s, MViT_V2_S_Weights);
