// MaxViT (Tu et al. 2022, "Multi-Axis Vision Transformer"), as torchvision's maxvit.py: a convolutional stem,
// then blocks of layers that each run an MBConv, attention within non-overlapping windows ("block" attention)
// and attention across a dilated grid ("grid" attention), with relative position biases; a LayerNorm, Linear,
// Tanh, Linear head. The input size is fixed at construction (the partitions must divide every stage's map).
import { Module, callChain, releaseOutput } from '../../nn/module.js';
import { ModuleList, Sequential } from '../../nn/modules/container.js';
import { Parameter } from '../../nn/parameter.js';
import * as nn from '../../nn/index.js';
import { arange, einsum, empty, meshgrid, stack } from '../../creation.js';
import { softmax } from '../../nn/functional/activation.js';
import { Tensor } from '../../tensor.js';
import { disposeTemporary } from '../../memory.js';
import { pipe } from './pipe.js';
import { Conv2dNormActivation, SqueezeExcitation, type ActivationLayerFactory, type NormLayerFactory } from '../ops/misc.js';
import { StochasticDepth } from '../ops/stochastic-depth.js';
import { registerModel } from './registry.js';
import { buildModel, rejectFixedOptions, weightsEnum, type BuilderOptions } from './weights.js';
import { checkBuilderArity, registerBuilder } from './builder-args.js';
import { bindOwn, classArgs, type PyRest } from '../../args.js';

type Size = [number, number];

function convOutputShape(inputSize: Size, kernelSize: number, stride: number, padding: number): Size {
  return [
    Math.floor((inputSize[0] - kernelSize + 2 * padding) / stride) + 1,
    Math.floor((inputSize[1] - kernelSize + 2 * padding) / stride) + 1,
  ];
}

/** The map size entering each block: the stem halves the input, each block's first layer halves it again. */
function makeBlockInputShapes(inputSize: Size, nBlocks: number): Size[] {
  const shapes: Size[] = [];
  let s = convOutputShape(inputSize, 3, 2, 1);
  for (let i = 0; i < nBlocks; i++) {
    s = convOutputShape(s, 3, 2, 1);
    shapes.push(s);
  }
  return shapes;
}

/** For each pair of positions of a height x width window, the row of the bias table for their offset: (N, N). */
function relativePositionIndex(height: number, width: number): Tensor {
  const coords = stack(meshgrid([arange(height, { dtype: 'int64' }), arange(width, { dtype: 'int64' })], 'ij'));
  const flat = coords.flatten(1);
  const rel = flat.index(':', ':', null).sub(flat.index(':', null, ':')).permute(1, 2, 0).contiguous();
  rel.select(2, 0).add_(height - 1);
  rel.select(2, 1).add_(width - 1);
  rel.select(2, 0).mul_(2 * width - 1);
  return rel.sum(-1);
}

/** numpy.linspace(start, stop, num).tolist(): start + i * step, the last value exactly stop. */
function linspace(start: number, stop: number, num: number): number[] {
  if (num === 1) return [start];
  const step = (stop - start) / (num - 1);
  return Array.from({ length: num }, (_, i) => (i === num - 1 ? stop : i * step + start));
}

/**
 * MaxViT's MBConv (torchvision's maxvit.MBConv; renamed here since EfficientNet's MBConv is exported too): pre-norm,
 * 1x1 expand, 3x3 depthwise (strided), squeeze-excitation, 1x1 project, plus a shortcut.
 */
export class MaxVitMBConv extends Module {
  declare proj: Module;
  declare stochastic_depth: Module;
  declare layers: Sequential;

  constructor(inChannels: number, outChannels: number, expansionRatio: number, squeezeRatio: number, stride: number,
    activationLayer: ActivationLayerFactory, normLayer: NormLayerFactory, pStochasticDropout = 0.0) {
    [inChannels, outChannels, expansionRatio, squeezeRatio, stride, activationLayer, normLayer, pStochasticDropout = 0.0] = bindOwn(MaxVitMBConv, arguments) as ConstructorParameters<typeof MaxVitMBConv>;
    super();
    if (stride !== 1 || inChannels !== outChannels) {
      const proj: Module[] = [new nn.Conv2d(inChannels, outChannels, 1, { stride: 1, bias: true })];
      if (stride === 2) proj.unshift(new nn.AvgPool2d(3, { stride, padding: 1 }));
      this.proj = new Sequential(...proj);
    } else {
      this.proj = new nn.Identity();
    }
    const midChannels = Math.trunc(outChannels * expansionRatio);
    const sqzChannels = Math.trunc(outChannels * squeezeRatio);
    this.stochastic_depth = pStochasticDropout ? new StochasticDepth(pStochasticDropout, 'row') : new nn.Identity();
    this.layers = new Sequential(new Map<string, Module>([
      ['pre_norm', normLayer(inChannels)],
      ['conv_a', new Conv2dNormActivation(inChannels, midChannels, { kernelSize: 1, stride: 1, padding: 0, activationLayer, normLayer, inplace: null })],
      ['conv_b', new Conv2dNormActivation(midChannels, midChannels, {
        kernelSize: 3, stride, padding: 1, activationLayer, normLayer, groups: midChannels, inplace: null,
      })],
      ['squeeze_excitation', new SqueezeExcitation(midChannels, sqzChannels, { activation: () => new nn.SiLU() })],
      ['conv_c', new nn.Conv2d(midChannels, outChannels, 1, { bias: true })],
    ]));
  }

  override _getName(): string { return 'MBConv'; }

  override forward(x: Tensor): Tensor {
    const res: Tensor = this.proj.call(x);
    const y: Tensor = callChain(x, [this.layers, this.stochastic_depth]);
    const out = res.add(y);
    if (res !== x) releaseOutput(this.proj, res);
    releaseOutput(this.stochastic_depth, y);
    return out;
  }
}
classArgs(MaxVitMBConv, 'tstorch.vision.models.MaxVitMBConv', 'inChannels, outChannels, expansionRatio, squeezeRatio, stride, activationLayer, normLayer, pStochasticDropout?');

/** Multi-head self-attention over the positions of each partition, with a learned relative position bias. */
export class RelativePositionalMultiHeadAttention extends Module {
  declare to_qkv: nn.Linear;
  declare merge: nn.Linear;
  declare relative_position_bias_table: Parameter;
  declare relative_position_index: Tensor;
  readonly nHeads: number;
  readonly headDim: number;
  readonly size: number;
  readonly maxSeqLen: number;
  readonly scaleFactor: number;

  constructor(featDim: number, headDim: number, maxSeqLen: number) {
    [featDim, headDim, maxSeqLen] = bindOwn(RelativePositionalMultiHeadAttention, arguments) as ConstructorParameters<typeof RelativePositionalMultiHeadAttention>;
    super();
    if (featDim % headDim !== 0) throw new RangeError(`feat_dim: ${featDim} must be divisible by head_dim: ${headDim}`);
    this.nHeads = Math.floor(featDim / headDim);
    this.headDim = headDim;
    this.size = Math.trunc(Math.sqrt(maxSeqLen));
    this.maxSeqLen = maxSeqLen;
    this.to_qkv = new nn.Linear(featDim, this.nHeads * this.headDim * 3);
    // torchvision scales by the feature width, not the head width
    this.scaleFactor = featDim ** -0.5;
    this.merge = new nn.Linear(this.headDim * this.nHeads, featDim);
    this.relative_position_bias_table = new Parameter(empty([(2 * this.size - 1) * (2 * this.size - 1), this.nHeads]));
    this.registerBuffer('relative_position_index', relativePositionIndex(this.size, this.size));
    nn.init.truncNormal_(this.relative_position_bias_table, { std: 0.02 });
  }

  getRelativePositionalBias(): Tensor {
    const biasIndex = this.relative_position_index.view(-1);
    const bias = pipe(this.relative_position_bias_table, (t) => t.index(biasIndex), (t) => t.view(this.maxSeqLen, this.maxSeqLen, -1),
      (t) => t.permute(2, 0, 1), (t) => t.contiguous(), (t) => t.unsqueeze(0));
    disposeTemporary(biasIndex);
    return bias;
  }

  override forward(x: Tensor): Tensor {
    const [B, G, P, D] = x.shape;
    const H = this.nHeads, DH = this.headDim;
    // every temporary is freed once used (pipe, disposeTemporary), as Python's reference counting frees it
    const qkv: Tensor = this.to_qkv.call(x);
    const parts = qkv.chunk(3, -1) as [Tensor, Tensor, Tensor];
    const heads = (t: Tensor): Tensor => pipe(t, (u) => u.reshape(B, G, P, H, DH), (u) => u.permute(0, 1, 3, 2, 4));
    const q = heads(parts[0]);
    const k = pipe(parts[1], heads, (u) => u.mul(this.scaleFactor));
    const v = heads(parts[2]);
    for (const t of [...parts, qkv]) disposeTemporary(t);
    const scores = einsum('B G H I D, B G H J D -> B G H I J', q, k);
    const bias = this.getRelativePositionalBias();
    const dot = pipe(scores, (t) => t.add(bias), (t) => softmax(t, -1));
    for (const t of [q, k, scores, bias]) disposeTemporary(t);
    const out = pipe(dot, (t) => einsum('B G H I J, B G H J D -> B G H I D', t, v), (t) => t.permute(0, 1, 3, 2, 4), (t) => t.reshape(B, G, P, D));
    disposeTemporary(dot);
    disposeTemporary(v);
    const y: Tensor = this.merge.call(out);
    disposeTemporary(out);
    return y;
  }
}
classArgs(RelativePositionalMultiHeadAttention, 'torchvision.models.RelativePositionalMultiHeadAttention', 'featDim, headDim, maxSeqLen');

/** torch.swapaxes(x, a, b) as a module. */
export class SwapAxes extends Module {
  readonly a: number;
  readonly b: number;
  constructor(a: number, b: number) { [a, b] = bindOwn(SwapAxes, arguments) as ConstructorParameters<typeof SwapAxes>;
                                                        super();
                                                        this.a = a;
                                                        this.b = b; }
  override forward(x: Tensor): Tensor { return x.transpose(this.a, this.b); }
}
classArgs(SwapAxes, 'torchvision.models.SwapAxes', 'a, b');

/** (B, C, H, W) -> (B, H/P * W/P, P*P, C): non-overlapping P x P windows. */
export class WindowPartition extends Module {
  override forward(x: Tensor, p: number): Tensor {
    const [B, C, H, W] = x.shape;
    return pipe(x, (t) => t.reshape(B, C, Math.floor(H / p), p, Math.floor(W / p), p), (t) => t.permute(0, 2, 4, 3, 5, 1),
      (t) => t.reshape(B, Math.floor(H / p) * Math.floor(W / p), p * p, C));
  }
}
classArgs(WindowPartition, 'torchvision.models.WindowPartition', ''); // Module's constructor refuses arguments

/** The inverse of WindowPartition: (B, HP * WP, P*P, C) -> (B, C, HP*P, WP*P). */
export class WindowDepartition extends Module {
  override forward(x: Tensor, p: number, hPartitions: number, wPartitions: number): Tensor {
    const [B, , , C] = x.shape;
    return pipe(x, (t) => t.reshape(B, hPartitions, wPartitions, p, p, C), (t) => t.permute(0, 5, 1, 3, 2, 4),
      (t) => t.reshape(B, C, hPartitions * p, wPartitions * p));
  }
}
classArgs(WindowDepartition, 'torchvision.models.WindowDepartition', ''); // Module's constructor refuses arguments

export interface PartitionAttentionOptions {
  inChannels: number;
  headDim: number;
  partitionSize: number;
  partitionType: 'grid' | 'window';
  gridSize: Size;
  mlpRatio: number;
  activationLayer: ActivationLayerFactory;
  normLayer: NormLayerFactory;
  attentionDropout: number;
  mlpDropout: number;
  pStochasticDropout: number;
}

/** Window ("block") or grid attention, then an MLP, each pre-normalised with a residual connection. */
export class PartitionAttentionLayer extends Module {
  declare partition_op: WindowPartition;
  declare departition_op: WindowDepartition;
  declare partition_swap: Module;
  declare departition_swap: Module;
  declare attn_layer: Sequential;
  declare mlp_layer: Sequential;
  declare stochastic_dropout: StochasticDepth;
  readonly nHeads: number;
  readonly headDim: number;
  readonly nPartitions: number;
  readonly partitionType: 'grid' | 'window';
  readonly gridSize: Size;
  readonly p: number;
  readonly g: number;

  constructor(...rest: PyRest<PartitionAttentionOptions, ['inChannels', 'headDim', 'partitionSize', 'partitionType', 'gridSize', 'mlpRatio', 'activationLayer', 'normLayer', 'attentionDropout', 'mlpDropout', 'pStochasticDropout']>);
  constructor(...args: unknown[]) {
    const [o] = bindOwn(PartitionAttentionLayer, args) as [PartitionAttentionOptions];
    super();
    this.nHeads = Math.floor(o.inChannels / o.headDim);
    this.headDim = o.headDim;
    this.nPartitions = Math.floor(o.gridSize[0] / o.partitionSize);
    this.partitionType = o.partitionType;
    this.gridSize = o.gridSize;
    if (o.partitionType !== 'grid' && o.partitionType !== 'window') throw new TypeError("partition_type must be either 'grid' or 'window'");
    [this.p, this.g] = o.partitionType === 'window' ? [o.partitionSize, this.nPartitions] : [this.nPartitions, o.partitionSize];
    this.partition_op = new WindowPartition();
    this.departition_op = new WindowDepartition();
    this.partition_swap = o.partitionType === 'grid' ? new SwapAxes(-2, -3) : new nn.Identity();
    this.departition_swap = o.partitionType === 'grid' ? new SwapAxes(-2, -3) : new nn.Identity();
    this.attn_layer = new Sequential(
      o.normLayer(o.inChannels),
      // always partition_size ** 2 positions, because of the axis swap for grid partitioning
      new RelativePositionalMultiHeadAttention(o.inChannels, o.headDim, o.partitionSize ** 2),
      new nn.Dropout(o.attentionDropout),
    );
    this.mlp_layer = new Sequential(
      new nn.LayerNorm(o.inChannels),
      new nn.Linear(o.inChannels, o.inChannels * o.mlpRatio),
      o.activationLayer({}),
      new nn.Linear(o.inChannels * o.mlpRatio, o.inChannels),
      new nn.Dropout(o.mlpDropout),
    );
    this.stochastic_dropout = new StochasticDepth(o.pStochasticDropout, 'row');
  }

  override forward(x: Tensor): Tensor {
    const gh = Math.floor(this.gridSize[0] / this.p), gw = Math.floor(this.gridSize[1] / this.p);
    if (this.gridSize[0] % this.p !== 0 || this.gridSize[1] % this.p !== 0) {
      throw new RangeError(`Grid size must be divisible by partition size. Got grid size of [${this.gridSize}] and partition size of ${this.p}`);
    }
    const residual = (t: Tensor, branch: Module): Tensor => {
      const b: Tensor = callChain(t, [branch, this.stochastic_dropout]);
      const out = t.add(b);
      releaseOutput(this.stochastic_dropout, b);
      return out;
    };
    return pipe(x,
      (t) => this.partition_op.call(t, this.p) as Tensor,
      (t) => this.partition_swap.call(t) as Tensor,
      (t) => residual(t, this.attn_layer),
      (t) => residual(t, this.mlp_layer),
      (t) => this.departition_swap.call(t) as Tensor,
      (t) => this.departition_op.call(t, this.p, gh, gw) as Tensor);
  }
}
classArgs(PartitionAttentionLayer, 'torchvision.models.PartitionAttentionLayer', '; inChannels, headDim, partitionSize, partitionType, gridSize, mlpRatio, activationLayer, normLayer, attentionDropout, mlpDropout, pStochasticDropout');

export interface MaxVitLayerOptions {
  inChannels: number;
  outChannels: number;
  squeezeRatio: number;
  expansionRatio: number;
  stride: number;
  normLayer: NormLayerFactory;
  activationLayer: ActivationLayerFactory;
  headDim: number;
  mlpRatio: number;
  mlpDropout: number;
  attentionDropout: number;
  pStochasticDropout: number;
  partitionSize: number;
  gridSize: Size;
}

/** MBConv, then window attention, then grid attention. */
export class MaxVitLayer extends Module {
  declare layers: Sequential;

  constructor(...rest: PyRest<MaxVitLayerOptions, ['inChannels', 'outChannels', 'squeezeRatio', 'expansionRatio', 'stride', 'normLayer', 'activationLayer', 'headDim', 'mlpRatio', 'mlpDropout', 'attentionDropout', 'pStochasticDropout', 'partitionSize', 'gridSize']>);
  constructor(...args: unknown[]) {
    const [o] = bindOwn(MaxVitLayer, args) as [MaxVitLayerOptions];
    super();
    const attention = (partitionType: 'grid' | 'window'): PartitionAttentionLayer => new PartitionAttentionLayer({
      inChannels: o.outChannels, headDim: o.headDim, partitionSize: o.partitionSize, partitionType, gridSize: o.gridSize,
      mlpRatio: o.mlpRatio, activationLayer: o.activationLayer, normLayer: (c) => new nn.LayerNorm(c),
      attentionDropout: o.attentionDropout, mlpDropout: o.mlpDropout, pStochasticDropout: o.pStochasticDropout,
    });
    const layers = new Map<string, Module>();
    layers.set('MBconv', new MaxVitMBConv(o.inChannels, o.outChannels, o.expansionRatio, o.squeezeRatio, o.stride, o.activationLayer, o.normLayer, o.pStochasticDropout));
    layers.set('window_attention', attention('window'));
    layers.set('grid_attention', attention('grid'));
    this.layers = new Sequential(layers);
  }

  override forward(x: Tensor): Tensor {
    return this.layers.call(x);
  }
}
classArgs(MaxVitLayer, 'torchvision.models.MaxVitLayer', '; inChannels, outChannels, squeezeRatio, expansionRatio, stride, normLayer, activationLayer, headDim, mlpRatio, mlpDropout, attentionDropout, pStochasticDropout, partitionSize, gridSize');

export type MaxVitBlockOptions = Omit<MaxVitLayerOptions, 'stride' | 'gridSize' | 'pStochasticDropout'> & {
  inputGridSize: Size;
  nLayers: number;
  pStochastic: number[];
};

/** A stage: its first layer halves the map (stride 2), the others keep it. */
export class MaxVitBlock extends Module {
  declare layers: ModuleList;
  readonly gridSize: Size;

  constructor(...rest: PyRest<MaxVitBlockOptions, ['inChannels', 'outChannels', 'squeezeRatio', 'expansionRatio', 'normLayer', 'activationLayer', 'headDim', 'mlpRatio', 'mlpDropout', 'attentionDropout', 'partitionSize', 'inputGridSize', 'nLayers', 'pStochastic']>);
  constructor(...args: unknown[]) {
    const [o] = bindOwn(MaxVitBlock, args) as [MaxVitBlockOptions];
    super();
    if (o.pStochastic.length !== o.nLayers) throw new RangeError(`p_stochastic must have length n_layers=${o.nLayers}, got p_stochastic=[${o.pStochastic}].`);
    this.layers = new ModuleList();
    // account for the first stride of the first layer
    this.gridSize = convOutputShape(o.inputGridSize, 3, 2, 1);
    o.pStochastic.forEach((p, idx) => {
      // torchvision's MaxVitLayer(...) call: the block's own keys (inputGridSize, nLayers, pStochastic) are not the layer's
      const { inputGridSize: _g, nLayers: _n, pStochastic: _p, ...layer } = o;
      this.layers.append(new MaxVitLayer({
        ...layer, inChannels: idx === 0 ? o.inChannels : o.outChannels, stride: idx === 0 ? 2 : 1, gridSize: this.gridSize, pStochasticDropout: p,
      }));
    });
  }

  override forward(x: Tensor): Tensor {
    return callChain(x, this.layers);
  }
}
classArgs(MaxVitBlock, 'torchvision.models.MaxVitBlock', '; inChannels, outChannels, squeezeRatio, expansionRatio, normLayer, activationLayer, headDim, mlpRatio, mlpDropout, attentionDropout, partitionSize, inputGridSize, nLayers, pStochastic');

export interface MaxVitOptions {
  inputSize: Size;
  stemChannels: number;
  partitionSize: number;
  blockChannels: number[];
  blockLayers: number[];
  headDim: number;
  stochasticDepthProb: number;
  /** For the convolutions only; default BatchNorm2d(eps 1e-3, momentum 0.99). */
  normLayer?: NormLayerFactory | null;
  /** For convolutions and transformer layers alike; default GELU. */
  activationLayer?: ActivationLayerFactory;
  squeezeRatio?: number;
  expansionRatio?: number;
  mlpRatio?: number;
  mlpDropout?: number;
  attentionDropout?: number;
  numClasses?: number;
}

export class MaxVit extends Module {
  declare stem: Sequential;
  declare blocks: ModuleList;
  declare classifier: Sequential;
  readonly partitionSize: number;

  constructor(...rest: PyRest<MaxVitOptions, ['inputSize', 'stemChannels', 'partitionSize', 'blockChannels', 'blockLayers', 'headDim', 'stochasticDepthProb', 'normLayer', 'activationLayer', 'squeezeRatio', 'expansionRatio', 'mlpRatio', 'mlpDropout', 'attentionDropout', 'numClasses']>);
  constructor(...args: unknown[]) {
    const [o] = bindOwn(MaxVit, args) as [MaxVitOptions];
    super();
    const inputChannels = 3;
    // the batch norm parameters of the original implementation
    const normLayer = o.normLayer ?? ((c: number) => new nn.BatchNorm2d(c, { eps: 1e-3, momentum: 0.99 }));
    const activationLayer = o.activationLayer ?? (() => new nn.GELU());
    // the partitions must divide the map of every block
    const blockInputSizes = makeBlockInputShapes(o.inputSize, o.blockChannels.length);
    blockInputSizes.forEach((s, idx) => {
      if (s[0] % o.partitionSize !== 0 || s[1] % o.partitionSize !== 0) {
        const tuple = (b: Size): string => `(${b[0]}, ${b[1]})`;
        throw new RangeError(`Input size ${tuple(s)} of block ${idx} is not divisible by partition size ${o.partitionSize}. ` +
          'Consider changing the partition size or the input size.\n' +
          `Current configuration yields the following block input sizes: [${blockInputSizes.map(tuple).join(', ')}].`);
      }
    });
    this.stem = new Sequential(
      new Conv2dNormActivation(inputChannels, o.stemChannels, { kernelSize: 3, stride: 2, normLayer, activationLayer, bias: false, inplace: null }),
      new Conv2dNormActivation(o.stemChannels, o.stemChannels, { kernelSize: 3, stride: 1, normLayer: null, activationLayer: null, bias: true }),
    );
    // account for the stem's stride
    let inputSize = convOutputShape(o.inputSize, 3, 2, 1);
    this.partitionSize = o.partitionSize;
    this.blocks = new ModuleList();
    const inChannels = [o.stemChannels, ...o.blockChannels.slice(0, -1)];
    // N blocks of L layers: N * L probabilities spread evenly over [0, stochasticDepthProb]
    const pStochastic = linspace(0, o.stochasticDepthProb, o.blockLayers.reduce((a, b) => a + b, 0));
    let pIdx = 0;
    o.blockChannels.forEach((outChannel, i) => {
      const nLayers = o.blockLayers[i]!;
      const block = new MaxVitBlock({
        inChannels: inChannels[i]!, outChannels: outChannel, squeezeRatio: o.squeezeRatio ?? 0.25, expansionRatio: o.expansionRatio ?? 4,
        normLayer, activationLayer, headDim: o.headDim, mlpRatio: o.mlpRatio ?? 4, mlpDropout: o.mlpDropout ?? 0.0,
        attentionDropout: o.attentionDropout ?? 0.0, partitionSize: o.partitionSize, inputGridSize: inputSize, nLayers,
        pStochastic: pStochastic.slice(pIdx, pIdx + nLayers),
      });
      this.blocks.append(block);
      inputSize = block.gridSize;
      pIdx += nLayers;
    });
    const last = o.blockChannels[o.blockChannels.length - 1]!;
    // Linear -> Tanh -> Linear, as the original implementation's head
    this.classifier = new Sequential(
      new nn.AdaptiveAvgPool2d(1),
      new nn.Flatten(),
      new nn.LayerNorm(last),
      new nn.Linear(last, last),
      new nn.Tanh(),
      new nn.Linear(last, o.numClasses ?? 1000, { bias: false }),
    );
    this.initWeights();
  }

  private initWeights(): void {
    for (const m of this.modules()) {
      if (m instanceof nn.Conv2d) {
        nn.init.normal_(m.weight, { std: 0.02 });
        if (m.bias !== null) nn.init.zeros_(m.bias);
      } else if (m instanceof nn.BatchNorm2d) {
        nn.init.constant_(m.weight!, 1);
        nn.init.constant_(m.bias!, 0);
      } else if (m instanceof nn.Linear) {
        nn.init.normal_(m.weight, { std: 0.02 });
        if (m.bias !== null) nn.init.zeros_(m.bias);
      }
    }
  }

  override forward(x: Tensor): Tensor {
    return callChain(x, [this.stem, ...this.blocks, this.classifier]);
  }
}
classArgs(MaxVit, 'torchvision.models.MaxVit', '; inputSize, stemChannels, partitionSize, blockChannels, blockLayers, headDim, stochasticDepthProb, normLayer, activationLayer, squeezeRatio, expansionRatio, mlpRatio, mlpDropout, attentionDropout, numClasses');

export type MaxVitBuilderOptions = Partial<Omit<MaxVitOptions, 'stemChannels' | 'blockChannels' | 'blockLayers' | 'headDim' | 'stochasticDepthProb' | 'partitionSize'>> & BuilderOptions;

export const MaxVit_T_Weights = weightsEnum('MaxVit_T_Weights');

/** MaxViT-T. Published weights fix numClasses and the input size (224 x 224). */
export function maxvit_t(opts: MaxVitBuilderOptions = {}): MaxVit {
  checkBuilderArity('maxvit_t', arguments.length, opts);
  rejectFixedOptions(opts, ['stemChannels', 'blockChannels', 'blockLayers', 'headDim', 'stochasticDepthProb', 'partitionSize']);
  return buildModel(MaxVit_T_Weights, opts, (o) => new MaxVit({
    ...o, inputSize: o.inputSize ?? [224, 224], stemChannels: 64, blockChannels: [64, 128, 256, 512], blockLayers: [2, 2, 5, 2],
    headDim: 32, stochasticDepthProb: 0.2, partitionSize: 7,
  }), {
    options: ['inputSize', 'normLayer', 'activationLayer', 'squeezeRatio', 'expansionRatio', 'mlpRatio', 'mlpDropout', 'attentionDropout', 'numClasses'],
    fixOptions: (o, w) => {
      if (w.meta.minSize[0] !== w.meta.minSize[1]) throw new Error(`${w}: a square min_size is expected, got [${w.meta.minSize}]`);
      const given = o.inputSize;
      if (given !== undefined && (given[0] !== w.meta.minSize[0] || given[1] !== w.meta.minSize[1])) {
        throw new Error(`The parameter 'inputSize' expected value [${w.meta.minSize}] but got [${given}] instead.`);
      }
      o.inputSize = [w.meta.minSize[0], w.meta.minSize[1]];
    },
  });
}

registerModel('maxvit_t', maxvit_t, MaxVit_T_Weights);
registerBuilder('maxvit_t', maxvit_t);
