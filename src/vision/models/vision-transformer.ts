// Vision Transformer (Dosovitskiy et al. 2020, "An Image is Worth 16x16 Words"), as torchvision's
// vision_transformer.py: a patchify convolution (or a convolutional stem), a class token, learned position
// embeddings, pre-norm encoder blocks of multi-head self-attention and a GELU MLP, and a linear head on the
// class token. `interpolateEmbeddings` resamples the position embeddings of a checkpoint to another image size.
import { Module, releaseOutput } from '../../nn/module.js';
import { Sequential } from '../../nn/modules/container.js';
import { Parameter } from '../../nn/parameter.js';
import * as nn from '../../nn/index.js';
import type { StateDict } from '../../nn/module.js';
import { cat, empty, zeros } from '../../creation.js';
import { interpolate } from '../../nn/functional/upsampling.js';
import { Tensor } from '../../tensor.js';
import { disposeTemporary } from '../../memory.js';
import { Conv2dNormActivation, type ActivationLayerFactory, type NormLayerFactory } from '../ops/misc.js';
import { MLP } from '../ops/mlp.js';
import { registerModel } from './registry.js';
import { buildModel, overwriteNamedParam, rejectFixedOptions, weightsEnum, type BuilderOptions, type WeightsEnum } from './weights.js';
import { modelBuilder } from './builder-args.js';
import { bindOwn, classArgs, registerSignature, type PyRest } from '../../args.js';

// PyTorch's argument binding (src/args.ts) for this module's functions: an extra positional argument or an
// unknown keyword is a TypeError naming it.
registerSignature(interpolateEmbeddings, 'interpolateEmbeddings', 'torchvision.models.interpolate_embeddings', 'imageSize, patchSize, modelState:dict; interpolationMode, resetHeads');

const defaultNorm: NormLayerFactory = (c) => new nn.LayerNorm(c, { eps: 1e-6 });

/** One convolution of a convolutional stem ("Early Convolutions Help Transformers See Better"). */
export interface ConvStemConfig {
  outChannels: number;
  kernelSize: number;
  stride: number;
  /** Default BatchNorm2d. */
  normLayer?: NormLayerFactory;
  /** Default ReLU. */
  activationLayer?: ActivationLayerFactory;
}

/** The transformer's feed-forward block: Linear -> GELU -> Dropout -> Linear -> Dropout, Xavier-initialised. */
export class MLPBlock extends MLP {
  /** torchvision's MLPBlock._version: 2 since its layers are numbered as MLP's ("0", "3") rather than linear_1/2. */
  static readonly _version = 2;

  constructor(inDim: number, mlpDim: number, dropout: number) {
    [inDim, mlpDim, dropout] = bindOwn(MLPBlock, arguments) as ConstructorParameters<typeof MLPBlock>;
    super(inDim, [mlpDim, inDim], { activationLayer: () => new nn.GELU(), inplace: null, dropout });
    for (const m of this.modules()) {
      if (m instanceof nn.Linear) {
        nn.init.xavierUniform_(m.weight);
        if (m.bias !== null) nn.init.normal_(m.bias, { std: 1e-6 });
      }
    }
  }

  /** Checkpoints from before torchvision 0.13's MLP (the published ImageNet files) name the layers linear_1/linear_2. */
  protected override loadFromStateDict(sd: StateDict, prefix: string, missing: string[], used: Set<string>, errors: string[]): void {
    for (let i = 0; i < 2; i++) {
      for (const type of ['weight', 'bias']) {
        const oldKey = `${prefix}linear_${i + 1}.${type}`;
        const newKey = `${prefix}${3 * i}.${type}`;
        if (oldKey in sd && !(newKey in sd)) {
          sd[newKey] = sd[oldKey]!;
          delete sd[oldKey];
        }
      }
    }
    super.loadFromStateDict(sd, prefix, missing, used, errors);
  }
}
classArgs(MLPBlock, 'torchvision.models.MLPBlock', 'inDim, mlpDim, dropout');

/** Pre-norm transformer block: x + attention(LN(x)), then + MLP(LN(.)). */
export class EncoderBlock extends Module {
  declare ln_1: Module;
  declare self_attention: nn.MultiheadAttention;
  declare dropout: nn.Dropout;
  declare ln_2: Module;
  declare mlp: MLPBlock;
  readonly numHeads: number;

  constructor(numHeads: number, hiddenDim: number, mlpDim: number, dropout: number, attentionDropout: number, normLayer: NormLayerFactory = defaultNorm) {
    [numHeads, hiddenDim, mlpDim, dropout, attentionDropout, normLayer = defaultNorm] = bindOwn(EncoderBlock, arguments) as ConstructorParameters<typeof EncoderBlock>;
    super();
    this.numHeads = numHeads;
    this.ln_1 = normLayer(hiddenDim);
    this.self_attention = new nn.MultiheadAttention(hiddenDim, numHeads, { dropout: attentionDropout, batchFirst: true });
    this.dropout = new nn.Dropout(dropout);
    this.ln_2 = normLayer(hiddenDim);
    this.mlp = new MLPBlock(hiddenDim, mlpDim, dropout);
  }

  override forward(input: Tensor): Tensor {
    if (input.ndim !== 3) throw new RangeError(`Expected (batch_size, seq_length, hidden_dim) got [${input.shape}]`);
    const h: Tensor = this.ln_1.call(input);
    let [x] = this.self_attention.call(h, h, h, { needWeights: false }) as [Tensor, null];
    releaseOutput(this.ln_1, h);
    const d: Tensor = this.dropout.call(x);
    if (d !== x) releaseOutput(this.self_attention, x);
    x = d.add(input);
    releaseOutput(this.dropout, d);
    const h2: Tensor = this.ln_2.call(x);
    const y: Tensor = this.mlp.call(h2);
    releaseOutput(this.ln_2, h2);
    y.add_(x);
    disposeTemporary(x);
    return y;
  }
}
classArgs(EncoderBlock, 'torchvision.models.EncoderBlock', 'numHeads, hiddenDim, mlpDim, dropout, attentionDropout, normLayer?');

/** Position embeddings, dropout, the blocks (encoder_layer_0, ...) and a final norm. */
export class Encoder extends Module {
  declare pos_embedding: Parameter;
  declare dropout: nn.Dropout;
  declare layers: Sequential;
  declare ln: Module;

  constructor(seqLength: number, numLayers: number, numHeads: number, hiddenDim: number, mlpDim: number, dropout: number,
    attentionDropout: number, normLayer: NormLayerFactory = defaultNorm) {
    [seqLength, numLayers, numHeads, hiddenDim, mlpDim, dropout, attentionDropout, normLayer = defaultNorm] = bindOwn(Encoder, arguments) as ConstructorParameters<typeof Encoder>;
    super();
    this.pos_embedding = new Parameter(empty([1, seqLength, hiddenDim]).normal_(0, 0.02)); // from BERT
    this.dropout = new nn.Dropout(dropout);
    const layers = new Map<string, Module>();
    for (let i = 0; i < numLayers; i++) {
      layers.set(`encoder_layer_${i}`, new EncoderBlock(numHeads, hiddenDim, mlpDim, dropout, attentionDropout, normLayer));
    }
    this.layers = new Sequential(layers);
    this.ln = normLayer(hiddenDim);
  }

  override forward(input: Tensor): Tensor {
    if (input.ndim !== 3) throw new RangeError(`Expected (batch_size, seq_length, hidden_dim) got [${input.shape}]`);
    const x = input.add(this.pos_embedding);
    const d: Tensor = this.dropout.call(x);
    if (d !== x) disposeTemporary(x);
    const y: Tensor = this.layers.call(d);
    releaseOutput(this.dropout, d);
    const out: Tensor = this.ln.call(y);
    releaseOutput(this.layers, y);
    return out;
  }
}
classArgs(Encoder, 'torchvision.models.Encoder', 'seqLength, numLayers, numHeads, hiddenDim, mlpDim, dropout, attentionDropout, normLayer?');

export interface VisionTransformerOptions {
  imageSize: number;
  patchSize: number;
  numLayers: number;
  numHeads: number;
  hiddenDim: number;
  mlpDim: number;
  dropout?: number;
  attentionDropout?: number;
  numClasses?: number;
  /** A Linear + Tanh "pre-logits" layer of this width before the head (default none). */
  representationSize?: number | null;
  /** Default LayerNorm with eps 1e-6. */
  normLayer?: NormLayerFactory;
  /** A convolutional stem instead of the patchify convolution. */
  convStemConfigs?: ConvStemConfig[] | null;
}

export class VisionTransformer extends Module {
  declare conv_proj: Module;
  declare class_token: Parameter;
  declare encoder: Encoder;
  declare heads: Sequential;
  readonly imageSize: number;
  readonly patchSize: number;
  readonly hiddenDim: number;
  readonly mlpDim: number;
  readonly attentionDropout: number;
  readonly dropout: number;
  readonly numClasses: number;
  readonly representationSize: number | null;
  readonly seqLength: number;

  constructor(...rest: PyRest<VisionTransformerOptions, ['imageSize', 'patchSize', 'numLayers', 'numHeads', 'hiddenDim', 'mlpDim', 'dropout', 'attentionDropout', 'numClasses', 'representationSize', 'normLayer', 'convStemConfigs']>);
  constructor(...args: unknown[]) {
    const [o] = bindOwn(VisionTransformer, args) as [VisionTransformerOptions];
    super();
    if (o.imageSize % o.patchSize !== 0) throw new RangeError(`Input shape indivisible by patch size! (image size ${o.imageSize}, patch size ${o.patchSize})`);
    this.imageSize = o.imageSize;
    this.patchSize = o.patchSize;
    this.hiddenDim = o.hiddenDim;
    this.mlpDim = o.mlpDim;
    this.attentionDropout = o.attentionDropout ?? 0.0;
    this.dropout = o.dropout ?? 0.0;
    this.numClasses = o.numClasses ?? 1000;
    this.representationSize = o.representationSize ?? null;
    const normLayer = o.normLayer ?? defaultNorm;

    if (o.convStemConfigs) {
      const stem = new Sequential();
      let prev = 3;
      o.convStemConfigs.forEach((c, i) => {
        stem.addModule(`conv_bn_relu_${i}`, new Conv2dNormActivation(prev, c.outChannels, {
          kernelSize: c.kernelSize, stride: c.stride, normLayer: c.normLayer ?? ((n) => new nn.BatchNorm2d(n)),
          activationLayer: c.activationLayer ?? ((a) => new nn.ReLU(a)),
        }));
        prev = c.outChannels;
      });
      stem.addModule('conv_last', new nn.Conv2d(prev, o.hiddenDim, 1));
      this.conv_proj = stem;
    } else {
      this.conv_proj = new nn.Conv2d(3, o.hiddenDim, o.patchSize, { stride: o.patchSize });
    }
    let seqLength = (Math.floor(o.imageSize / o.patchSize)) ** 2;
    this.class_token = new Parameter(zeros([1, 1, o.hiddenDim]));
    seqLength += 1;
    this.encoder = new Encoder(seqLength, o.numLayers, o.numHeads, o.hiddenDim, o.mlpDim, this.dropout, this.attentionDropout, normLayer);
    this.seqLength = seqLength;

    const heads = new Map<string, Module>();
    if (this.representationSize === null) {
      heads.set('head', new nn.Linear(o.hiddenDim, this.numClasses));
    } else {
      heads.set('pre_logits', new nn.Linear(o.hiddenDim, this.representationSize));
      heads.set('act', new nn.Tanh());
      heads.set('head', new nn.Linear(this.representationSize, this.numClasses));
    }
    this.heads = new Sequential(heads);

    if (this.conv_proj instanceof nn.Conv2d) {
      // the patchify stem
      const [kh, kw] = this.conv_proj.kernelSize;
      const fanIn = this.conv_proj.inChannels * kh! * kw!;
      nn.init.truncNormal_(this.conv_proj.weight, { std: Math.sqrt(1 / fanIn) });
      if (this.conv_proj.bias !== null) nn.init.zeros_(this.conv_proj.bias);
    } else {
      const last = (this.conv_proj as Sequential & { conv_last: nn.Conv2d }).conv_last;
      nn.init.normal_(last.weight, { mean: 0.0, std: Math.sqrt(2.0 / last.outChannels) });
      if (last.bias !== null) nn.init.zeros_(last.bias);
    }
    const preLogits = (this.heads as unknown as { pre_logits?: Module }).pre_logits;
    if (preLogits instanceof nn.Linear) {
      nn.init.truncNormal_(preLogits.weight, { std: Math.sqrt(1 / preLogits.inFeatures) });
      nn.init.zeros_(preLogits.bias!);
    }
    const head = (this.heads as unknown as { head: Module }).head;
    if (head instanceof nn.Linear) {
      nn.init.zeros_(head.weight);
      nn.init.zeros_(head.bias!);
    }
  }

  /** (n, c, h, w) -> (n, patches, hidden_dim) */
  processInput(x: Tensor): Tensor {
    if (x.ndim !== 4) throw new RangeError(`VisionTransformer: expected a 4-d input (N, C, H, W), got shape [${x.shape}]`);
    const [n, , h, w] = x.shape;
    const p = this.patchSize;
    if (h !== this.imageSize) throw new RangeError(`Wrong image height! Expected ${this.imageSize} but got ${h}!`);
    if (w !== this.imageSize) throw new RangeError(`Wrong image width! Expected ${this.imageSize} but got ${w}!`);
    const nH = Math.floor(h / p), nW = Math.floor(w / p);
    const y: Tensor = this.conv_proj.call(x);
    const flat = y.reshape(n, this.hiddenDim, nH * nW);
    releaseOutput(this.conv_proj, y);
    const out = flat.permute(0, 2, 1);
    disposeTemporary(flat);
    return out;
  }

  override forward(x: Tensor): Tensor {
    const patches = this.processInput(x);
    const n = patches.shape[0]!;
    const batchClassToken = this.class_token.expand(n, -1, -1);
    const tokens = cat([batchClassToken, patches], 1);
    disposeTemporary(patches);
    const encoded: Tensor = this.encoder.call(tokens);
    disposeTemporary(tokens);
    // the classifier "token", as in BERT
    const cls = encoded.select(1, 0);
    const out: Tensor = this.heads.call(cls);
    releaseOutput(this.encoder, encoded);
    disposeTemporary(cls);
    return out;
  }
}
classArgs(VisionTransformer, 'torchvision.models.VisionTransformer', '; imageSize, patchSize, numLayers, numHeads, hiddenDim, mlpDim, dropout, attentionDropout, numClasses, representationSize, normLayer, convStemConfigs');

export interface InterpolateEmbeddingsOptions {
  /** Default 'bicubic' (align_corners=True). */
  interpolationMode?: 'bicubic' | 'bilinear' | 'nearest';
  /** Drop the head's entries (heads.*) from the result. */
  resetHeads?: boolean;
}

/**
 * torchvision's interpolate_embeddings: a ViT state dict whose position embeddings are resampled (2-d, over the
 * patch grid, the class token's kept) for `imageSize` and `patchSize`, so that a checkpoint trained at one
 * resolution loads into a model built for another. Returns the dict unchanged when the sizes already agree.
 */
export function interpolateEmbeddings(imageSize: number, patchSize: number, modelState: StateDict, ...rest: PyRest<InterpolateEmbeddingsOptions, ['interpolationMode', 'resetHeads']>): StateDict;
export function interpolateEmbeddings(...args: unknown[]): StateDict {
  const [imageSize, patchSize, modelState, o = {}] = bindOwn(interpolateEmbeddings, args) as [number, number, StateDict, InterpolateEmbeddingsOptions?];
  const posEmbedding = modelState['encoder.pos_embedding'];
  if (!(posEmbedding instanceof Tensor)) throw new Error("interpolateEmbeddings: the state dict has no 'encoder.pos_embedding'");
  const [n, seq, hiddenDim] = posEmbedding.shape;
  if (n !== 1) throw new RangeError(`Unexpected position embedding shape: [${posEmbedding.shape}]`);
  let seqLength = seq;
  let newSeqLength = Math.floor(imageSize / patchSize) ** 2 + 1;
  if (newSeqLength === seqLength) return modelState;
  // the class token's embedding is not interpolated
  seqLength -= 1;
  newSeqLength -= 1;
  const token = posEmbedding.slice(1, 0, 1);
  let img = posEmbedding.slice(1, 1, null).permute(0, 2, 1);
  const side = Math.trunc(Math.sqrt(seqLength));
  if (side * side !== seqLength) {
    throw new RangeError(`seq_length is not a perfect square! Instead got seq_length_1d * seq_length_1d = ${side * side} and seq_length = ${seqLength}`);
  }
  img = img.reshape(1, hiddenDim, side, side);
  const newSide = Math.floor(imageSize / patchSize);
  const mode = o.interpolationMode ?? 'bicubic';
  let resized = interpolate(img, { size: newSide, mode, alignCorners: mode === 'nearest' ? null : true });
  resized = resized.reshape(1, hiddenDim, newSeqLength).permute(0, 2, 1);
  const out: StateDict = {};
  for (const [k, v] of Object.entries(modelState)) {
    if (o.resetHeads && k.startsWith('heads')) continue;
    out[k] = k === 'encoder.pos_embedding' ? cat([token, resized], 1) : v;
  }
  return out;
}

export type ViTBuilderOptions = Partial<Omit<VisionTransformerOptions, 'patchSize' | 'numLayers' | 'numHeads' | 'hiddenDim' | 'mlpDim'>> & BuilderOptions;

export const ViT_B_16_Weights = weightsEnum('ViT_B_16_Weights');
export const ViT_B_32_Weights = weightsEnum('ViT_B_32_Weights');
export const ViT_L_16_Weights = weightsEnum('ViT_L_16_Weights');
export const ViT_L_32_Weights = weightsEnum('ViT_L_32_Weights');
export const ViT_H_14_Weights = weightsEnum('ViT_H_14_Weights');

/**
 * torchvision's _vision_transformer. Published weights fix numClasses and imageSize (their min_size); a checkpoint
 * file trained at another image size is loaded with its position embeddings interpolated (interpolateEmbeddings)
 * to this model's imageSize.
 */
function visionTransformer(patchSize: number, numLayers: number, numHeads: number, hiddenDim: number, mlpDim: number, e: WeightsEnum, opts: ViTBuilderOptions): VisionTransformer {
  rejectFixedOptions(opts, ['patchSize', 'numLayers', 'numHeads', 'hiddenDim', 'mlpDim']);
  let imageSize = 224;
  return buildModel(e, opts, (o) => {
    imageSize = o.imageSize ?? 224;
    return new VisionTransformer({ ...o, imageSize, patchSize, numLayers, numHeads, hiddenDim, mlpDim });
  }, {
    options: ['imageSize', 'dropout', 'attentionDropout', 'numClasses', 'representationSize', 'normLayer', 'convStemConfigs'],
    fixOptions: (o, w) => {
      if (w.meta.minSize[0] !== w.meta.minSize[1]) throw new Error(`${w}: a square min_size is expected, got [${w.meta.minSize}]`);
      overwriteNamedParam(o as Record<string, unknown>, 'imageSize', w.meta.minSize[0]);
    },
    fixKeys: (sd) => interpolateEmbeddings(imageSize, patchSize, sd),
  });
}

type B = (opts?: ViTBuilderOptions) => VisionTransformer;
export const vit_b_16: B = modelBuilder<B>('vit_b_16', (o = {}) => visionTransformer(16, 12, 12, 768, 3072, ViT_B_16_Weights, o));
export const vit_b_32: B = modelBuilder<B>('vit_b_32', (o = {}) => visionTransformer(32, 12, 12, 768, 3072, ViT_B_32_Weights, o));
export const vit_l_16: B = modelBuilder<B>('vit_l_16', (o = {}) => visionTransformer(16, 24, 16, 1024, 4096, ViT_L_16_Weights, o));
export const vit_l_32: B = modelBuilder<B>('vit_l_32', (o = {}) => visionTransformer(32, 24, 16, 1024, 4096, ViT_L_32_Weights, o));
export const vit_h_14: B = modelBuilder<B>('vit_h_14', (o = {}) => visionTransformer(14, 32, 16, 1280, 5120, ViT_H_14_Weights, o));

registerModel('vit_b_16', vit_b_16, ViT_B_16_Weights);
registerModel('vit_b_32', vit_b_32, ViT_B_32_Weights);
registerModel('vit_l_16', vit_l_16, ViT_L_16_Weights);
registerModel('vit_l_32', vit_l_32, ViT_L_32_Weights);
registerModel('vit_h_14', vit_h_14, ViT_H_14_Weights);
