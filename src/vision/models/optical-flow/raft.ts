// RAFT (Teed & Deng 2020, "Recurrent All-Pairs Field Transforms for Optical Flow"), as torchvision's
// models/optical_flow/raft.py: features of both images at 1/8 resolution, the correlation of every pair of
// positions pooled into a 4-level pyramid, and a convolutional GRU that refines the flow `numFlowUpdates` times
// from correlations looked up around the current estimate. forward(image1, image2) returns every update's flow
// at full resolution, [N, 2, H, W] each (H and W multiples of 8; images in [-1, 1], the OpticalFlow preset).
//
// Every temporary is freed as soon as it is used (callChain, releaseOutput, disposeTemporary; inside a tidy scope
// only), as Python's reference counting frees it: otherwise the 12 updates' activations (~100 MB each at 520x960)
// all live to the end of the pass, every allocation is memory the system must page in afresh, and the pass is
// slower than PyTorch's, which reuses the same few blocks update after update.
import { Module, callChain, releaseOutput, hookMaySeeOutput } from '../../../nn/module.js';
import { disposeTemporary } from '../../../memory.js';
import { Sequential } from '../../../nn/modules/container.js';
import * as nn from '../../../nn/index.js';
import { avgPool2d } from '../../../nn/functional/pooling.js';
import { relu } from '../../../nn/functional/activation.js';
import { Tensor } from '../../../tensor.js';
import { pipe } from '../pipe.js';
import { cat, linspace, meshgrid, stack, scalarTensor } from '../../../creation.js';
import { Conv2dNormActivation, type NormLayerFactory } from '../../ops/misc.js';
import { registerModel } from '../registry.js';
import { buildModel, tableWeightsEnum, type BuilderOptions, type WeightsTable } from '../weights.js';
import { OPTICAL_FLOW_WEIGHTS_DATA } from './weights-data.js';
import { opticalFlowPreset } from './preset.js';
import { gridSampleAbsolute, makeCoordsGrid, upsampleFlow } from './utils.js';
import { modelBuilder } from '../builder-args.js';
import { bindOwn, classArgs } from '../../../args.js';

type BlockOptions = { normLayer: NormLayerFactory | null; stride?: number };

/** Two 3x3 conv-norm-ReLUs and a (projected) shortcut; biases kept, as the original weights have them. */
export class ResidualBlock extends Module {
  declare convnormrelu1: Module;
  declare convnormrelu2: Module;
  declare downsample: Module;
  declare relu: Module;

  constructor(inChannels: number, outChannels: number, o: BlockOptions & { alwaysProject?: boolean }) {
    [inChannels, outChannels, o] = bindOwn(ResidualBlock, arguments) as ConstructorParameters<typeof ResidualBlock>;
    super();
    const stride = o.stride ?? 1;
    this.convnormrelu1 = new Conv2dNormActivation(inChannels, outChannels, { normLayer: o.normLayer, kernelSize: 3, stride, bias: true });
    this.convnormrelu2 = new Conv2dNormActivation(outChannels, outChannels, { normLayer: o.normLayer, kernelSize: 3, bias: true });
    this.downsample = stride === 1 && !o.alwaysProject
      ? new nn.Identity()
      : new Conv2dNormActivation(inChannels, outChannels, { normLayer: o.normLayer, kernelSize: 1, stride, bias: true, activationLayer: null });
    this.relu = new nn.ReLU({ inplace: true });
  }

  override forward(x: Tensor): Tensor {
    const y = callChain(x, [this.convnormrelu1, this.convnormrelu2]) as Tensor;
    return shortcutSum(this.downsample, x, y, this.convnormrelu2, this.relu);
  }
}
classArgs(ResidualBlock, 'torchvision.models.optical_flow.ResidualBlock', 'inChannels, outChannels; *, normLayer, stride, alwaysProject');

/** 1x1, 3x3 (strided), 1x1 conv-norm-ReLUs at a quarter of the width, and a shortcut (RAFT-small's block). */
export class BottleneckBlock extends Module {
  declare convnormrelu1: Module;
  declare convnormrelu2: Module;
  declare convnormrelu3: Module;
  declare relu: Module;
  declare downsample: Module;

  constructor(inChannels: number, outChannels: number, o: BlockOptions) {
    [inChannels, outChannels, o] = bindOwn(BottleneckBlock, arguments) as ConstructorParameters<typeof BottleneckBlock>;
    super();
    const stride = o.stride ?? 1;
    const mid = Math.floor(outChannels / 4);
    this.convnormrelu1 = new Conv2dNormActivation(inChannels, mid, { normLayer: o.normLayer, kernelSize: 1, bias: true });
    this.convnormrelu2 = new Conv2dNormActivation(mid, mid, { normLayer: o.normLayer, kernelSize: 3, stride, bias: true });
    this.convnormrelu3 = new Conv2dNormActivation(mid, outChannels, { normLayer: o.normLayer, kernelSize: 1, bias: true });
    this.relu = new nn.ReLU({ inplace: true });
    this.downsample = stride === 1
      ? new nn.Identity()
      : new Conv2dNormActivation(inChannels, outChannels, { normLayer: o.normLayer, kernelSize: 1, stride, bias: true, activationLayer: null });
  }

  override forward(x: Tensor): Tensor {
    const y = callChain(x, [this.convnormrelu1, this.convnormrelu2, this.convnormrelu3]) as Tensor;
    return shortcutSum(this.downsample, x, y, this.convnormrelu3, this.relu);
  }
}
classArgs(BottleneckBlock, 'torchvision.models.optical_flow.BottleneckBlock', 'inChannels, outChannels; *, normLayer, stride');

/** relu(downsample(x) + y), freeing the two summands (unless a hook saw them). */
function shortcutSum(downsample: Module, x: Tensor, y: Tensor, yProducer: Module, relu: Module): Tensor {
  const shortcut = downsample.call(x) as Tensor;
  const sum = shortcut.add(y);
  if (shortcut !== x) releaseOutput(downsample, shortcut);
  if (y !== x) releaseOutput(yProducer, y);
  return relu.call(sum);
}

export type RaftBlockClass = typeof ResidualBlock | typeof BottleneckBlock;

export interface FeatureEncoderOptions {
  block?: RaftBlockClass;
  /** Five widths: the stem's, then two per layer... (default [64, 64, 96, 128, 256]). */
  layers?: readonly number[];
  /** Four strides (default [2, 1, 2, 2]: the input is downsampled by 8). */
  strides?: readonly number[];
  /** Default BatchNorm2d; null for none. */
  normLayer?: NormLayerFactory | null;
}

/** The feature (and context) encoder: a 7x7 stem and three layers of two blocks, downsampling by 8. */
export class FeatureEncoder extends Module {
  declare convnormrelu: Module;
  declare layer1: Sequential;
  declare layer2: Sequential;
  declare layer3: Sequential;
  declare conv: nn.Conv2d;
  declare outputDim: number;
  declare downsampleFactor: number;

  constructor(o: FeatureEncoderOptions = {}) {
    [o = {}] = bindOwn(FeatureEncoder, arguments) as ConstructorParameters<typeof FeatureEncoder>;
    super();
    const block = o.block ?? ResidualBlock;
    const layers = o.layers ?? [64, 64, 96, 128, 256];
    const strides = o.strides ?? [2, 1, 2, 2];
    const normLayer = o.normLayer === undefined ? (c: number) => new nn.BatchNorm2d(c) : o.normLayer;
    if (layers.length !== 5) throw new RangeError(`The expected number of layers is 5, instead got ${layers.length}`);
    this.convnormrelu = new Conv2dNormActivation(3, layers[0]!, { normLayer, kernelSize: 7, stride: strides[0]!, bias: true });
    const twoBlocks = (i: number, o2: number, s: number): Sequential =>
      new Sequential(new block(i, o2, { normLayer, stride: s }), new block(o2, o2, { normLayer, stride: 1 }));
    this.layer1 = twoBlocks(layers[0]!, layers[1]!, strides[1]!);
    this.layer2 = twoBlocks(layers[1]!, layers[2]!, strides[2]!);
    this.layer3 = twoBlocks(layers[2]!, layers[3]!, strides[3]!);
    this.conv = new nn.Conv2d(layers[3]!, layers[4]!, 1);
    for (const m of this.modules()) {
      if (m instanceof nn.Conv2d) {
        nn.init.kaimingNormal_(m.weight, { mode: 'fan_out', nonlinearity: 'relu' });
      } else if (m instanceof nn.BatchNorm2d || m instanceof nn.InstanceNorm2d) {
        if (m.weight) nn.init.constant_(m.weight, 1);
        if (m.bias) nn.init.constant_(m.bias, 0);
      }
    }
    Object.defineProperty(this, 'outputDim', { value: layers[4], enumerable: false, writable: true });
    Object.defineProperty(this, 'downsampleFactor', { value: 2 ** strides.filter((s) => s === 2).length, enumerable: false, writable: true });
  }

  override forward(x: Tensor): Tensor {
    return callChain(x, [this.convnormrelu, this.layer1, this.layer2, this.layer3, this.conv]) as Tensor;
  }
}
classArgs(FeatureEncoder, 'torchvision.models.optical_flow.FeatureEncoder', '; *, block, layers, strides, normLayer');

/** Encodes the current flow and the correlation features together (part of the update block). */
export class MotionEncoder extends Module {
  declare convcorr1: Module;
  declare convcorr2: Module;
  declare convflow1: Module;
  declare convflow2: Module;
  declare conv: Module;
  declare outChannels: number;

  constructor(o: { inChannelsCorr: number; corrLayers?: readonly number[]; flowLayers?: readonly number[]; outChannels?: number }) {
    [o] = bindOwn(MotionEncoder, arguments) as ConstructorParameters<typeof MotionEncoder>;
    super();
    const corrLayers = o.corrLayers ?? [256, 192];
    const flowLayers = o.flowLayers ?? [128, 64];
    const outChannels = o.outChannels ?? 128;
    if (flowLayers.length !== 2) throw new RangeError(`The expected number of flow_layers is 2, instead got ${flowLayers.length}`);
    if (corrLayers.length !== 1 && corrLayers.length !== 2) throw new RangeError(`The number of corr_layers should be 1 or 2, instead got ${corrLayers.length}`);
    this.convcorr1 = new Conv2dNormActivation(o.inChannelsCorr, corrLayers[0]!, { normLayer: null, kernelSize: 1 });
    this.convcorr2 = corrLayers.length === 2 ? new Conv2dNormActivation(corrLayers[0]!, corrLayers[1]!, { normLayer: null, kernelSize: 3 }) : new nn.Identity();
    this.convflow1 = new Conv2dNormActivation(2, flowLayers[0]!, { normLayer: null, kernelSize: 7 });
    this.convflow2 = new Conv2dNormActivation(flowLayers[0]!, flowLayers[1]!, { normLayer: null, kernelSize: 3 });
    // out_channels - 2: the flow itself is concatenated at the end
    this.conv = new Conv2dNormActivation(corrLayers[corrLayers.length - 1]! + flowLayers[1]!, outChannels - 2, { normLayer: null, kernelSize: 3 });
    Object.defineProperty(this, 'outChannels', { value: outChannels, enumerable: false, writable: true });
  }

  override forward(flow: Tensor, corrFeatures: Tensor): Tensor {
    const corr = callChain(corrFeatures, [this.convcorr1, this.convcorr2]) as Tensor;
    const f = callChain(flow, [this.convflow1, this.convflow2]) as Tensor;
    const both = cat([corr, f], 1);
    // corr is convcorr1's output when convcorr2 is the identity: neither module's hooks may have seen it
    if (corr !== corrFeatures && !hookMaySeeOutput(this.convcorr1)) releaseOutput(this.convcorr2, corr);
    releaseOutput(this.convflow2, f);
    const corrFlow = this.conv.call(both) as Tensor;
    disposeTemporary(both);
    const out = cat([corrFlow, flow], 1);
    releaseOutput(this.conv, corrFlow);
    return out;
  }
}
classArgs(MotionEncoder, 'torchvision.models.optical_flow.MotionEncoder', '; *, inChannelsCorr, corrLayers, flowLayers, outChannels');

/** A convolutional GRU unit. */
export class ConvGRU extends Module {
  declare convz: nn.Conv2d;
  declare convr: nn.Conv2d;
  declare convq: nn.Conv2d;

  constructor(o: { inputSize: number; hiddenSize: number; kernelSize: number | [number, number]; padding: number | [number, number] }) {
    [o] = bindOwn(ConvGRU, arguments) as ConstructorParameters<typeof ConvGRU>;
    super();
    const c = o.hiddenSize + o.inputSize;
    this.convz = new nn.Conv2d(c, o.hiddenSize, o.kernelSize, { padding: o.padding });
    this.convr = new nn.Conv2d(c, o.hiddenSize, o.kernelSize, { padding: o.padding });
    this.convq = new nn.Conv2d(c, o.hiddenSize, o.kernelSize, { padding: o.padding });
  }

  override forward(h: Tensor, x: Tensor): Tensor {
    const hx = cat([h, x], 1);
    const z = activate(this.convz, hx, 'sigmoid');
    const r = activate(this.convr, hx, 'sigmoid');
    disposeTemporary(hx);
    const rh = r.mul(h);
    disposeTemporary(r);
    const rhx = cat([rh, x], 1);
    disposeTemporary(rh);
    const q = activate(this.convq, rhx, 'tanh');
    disposeTemporary(rhx);
    // (1 - z) * h + z * q
    const keep = z.rsub(1);
    const kept = keep.mul(h);
    disposeTemporary(keep);
    const update = z.mul(q);
    disposeTemporary(z);
    disposeTemporary(q);
    const out = kept.add(update);
    disposeTemporary(kept);
    disposeTemporary(update);
    return out;
  }
}
/** sigmoid(conv(x)) or tanh(conv(x)), freeing the convolution's output. */
function activate(conv: Module, x: Tensor, fn: 'sigmoid' | 'tanh'): Tensor {
  const pre = conv.call(x) as Tensor;
  const out = fn === 'sigmoid' ? pre.sigmoid() : pre.tanh();
  releaseOutput(conv, pre);
  return out;
}
classArgs(ConvGRU, 'torchvision.models.optical_flow.ConvGRU', '; *, inputSize, hiddenSize, kernelSize, padding');

type Kernel = number | [number, number];

/** One or two ConvGRUs (RAFT-large: a 1x5 then a 5x1 one) updating the hidden state. */
export class RecurrentBlock extends Module {
  declare convgru1: ConvGRU;
  declare convgru2: ConvGRU | null;
  declare hiddenSize: number;

  constructor(o: { inputSize: number; hiddenSize: number; kernelSize?: Kernel[]; padding?: Kernel[] }) {
    [o] = bindOwn(RecurrentBlock, arguments) as ConstructorParameters<typeof RecurrentBlock>;
    super();
    const kernelSize = o.kernelSize ?? [[1, 5], [5, 1]];
    const padding = o.padding ?? [[0, 2], [2, 0]];
    if (kernelSize.length !== padding.length) {
      throw new RangeError(`kernel_size should have the same length as padding, instead got len(kernel_size) = ${kernelSize.length} and len(padding) = ${padding.length}`);
    }
    if (kernelSize.length !== 1 && kernelSize.length !== 2) throw new RangeError(`kernel_size should either 1 or 2, instead got ${kernelSize.length}`);
    this.convgru1 = new ConvGRU({ inputSize: o.inputSize, hiddenSize: o.hiddenSize, kernelSize: kernelSize[0]!, padding: padding[0]! });
    // torchvision's second unit is then a pass-through function, not a module: no state-dict entry
    if (kernelSize.length === 2) this.convgru2 = new ConvGRU({ inputSize: o.inputSize, hiddenSize: o.hiddenSize, kernelSize: kernelSize[1]!, padding: padding[1]! });
    else Object.defineProperty(this, 'convgru2', { value: null, enumerable: false, writable: true });
    Object.defineProperty(this, 'hiddenSize', { value: o.hiddenSize, enumerable: false, writable: true });
  }

  override forward(h: Tensor, x: Tensor): Tensor {
    const h1 = this.convgru1.call(h, x) as Tensor;
    if (this.convgru2 === null) return h1;
    const h2 = this.convgru2.call(h1, x) as Tensor;
    releaseOutput(this.convgru1, h1);
    return h2;
  }
}
classArgs(RecurrentBlock, 'torchvision.models.optical_flow.RecurrentBlock', '; *, inputSize, hiddenSize, kernelSize, padding');

/** The "delta flow" from the hidden state. */
export class FlowHead extends Module {
  declare conv1: nn.Conv2d;
  declare conv2: nn.Conv2d;
  declare relu: Module;

  constructor(o: { inChannels: number; hiddenSize: number }) {
    [o] = bindOwn(FlowHead, arguments) as ConstructorParameters<typeof FlowHead>;
    super();
    this.conv1 = new nn.Conv2d(o.inChannels, o.hiddenSize, 3, { padding: 1 });
    this.conv2 = new nn.Conv2d(o.hiddenSize, 2, 3, { padding: 1 });
    this.relu = new nn.ReLU({ inplace: true });
  }

  override forward(x: Tensor): Tensor {
    return callChain(x, [this.conv1, this.relu, this.conv2]) as Tensor;
  }
}
classArgs(FlowHead, 'torchvision.models.optical_flow.FlowHead', '; *, inChannels, hiddenSize');

/** Motion encoder, recurrent block and flow head: one refinement of the flow. */
export class UpdateBlock extends Module {
  declare motion_encoder: MotionEncoder;
  declare recurrent_block: RecurrentBlock;
  declare flow_head: FlowHead;
  declare hiddenStateSize: number;

  constructor(o: { motionEncoder: MotionEncoder; recurrentBlock: RecurrentBlock; flowHead: FlowHead }) {
    [o] = bindOwn(UpdateBlock, arguments) as ConstructorParameters<typeof UpdateBlock>;
    super();
    this.motion_encoder = o.motionEncoder;
    this.recurrent_block = o.recurrentBlock;
    this.flow_head = o.flowHead;
    Object.defineProperty(this, 'hiddenStateSize', { value: o.recurrentBlock.hiddenSize, enumerable: false, writable: true });
  }

  override forward(hidden: Tensor, context: Tensor, corrFeatures: Tensor, flow: Tensor): [Tensor, Tensor] {
    const motion = this.motion_encoder.call(flow, corrFeatures) as Tensor;
    const x = cat([context, motion], 1);
    releaseOutput(this.motion_encoder, motion);
    const h = this.recurrent_block.call(hidden, x) as Tensor;
    disposeTemporary(x);
    return [h, this.flow_head.call(h)];
  }
}
classArgs(UpdateBlock, 'torchvision.models.optical_flow.UpdateBlock', '; *, motionEncoder, recurrentBlock, flowHead');

/** The convex-upsampling weights (8 x 8 x 9 per position) from the hidden state; RAFT-large only. */
export class MaskPredictor extends Module {
  declare convrelu: Module;
  declare conv: nn.Conv2d;
  declare multiplier: number;

  constructor(o: { inChannels: number; hiddenSize: number; multiplier?: number }) {
    [o] = bindOwn(MaskPredictor, arguments) as ConstructorParameters<typeof MaskPredictor>;
    super();
    this.convrelu = new Conv2dNormActivation(o.inChannels, o.hiddenSize, { normLayer: null, kernelSize: 3 });
    this.conv = new nn.Conv2d(o.hiddenSize, 8 * 8 * 9, 1, { padding: 0 });
    // the original's factor that "downweights the gradients" of this branch
    Object.defineProperty(this, 'multiplier', { value: o.multiplier ?? 0.25, enumerable: false, writable: true });
  }

  override forward(x: Tensor): Tensor {
    const y = callChain(x, [this.convrelu, this.conv]) as Tensor;
    const out = y.mul(this.multiplier);
    releaseOutput(this.conv, y);
    return out;
  }
}
classArgs(MaskPredictor, 'torchvision.models.optical_flow.MaskPredictor', '; *, inChannels, hiddenSize, multiplier');

/** The correlation pyramid of two feature maps, and the lookup of a neighbourhood around given positions. */
export class CorrBlock extends Module {
  declare numLevels: number;
  declare radius: number;
  declare outChannels: number;
  declare corrPyramid: Tensor[];

  constructor(o: { numLevels?: number; radius?: number } = {}) {
    [o = {}] = bindOwn(CorrBlock, arguments) as ConstructorParameters<typeof CorrBlock>;
    super();
    const hidden = (k: string, v: unknown): void => { Object.defineProperty(this, k, { value: v, enumerable: false, writable: true }); };
    hidden('numLevels', o.numLevels ?? 4);
    hidden('radius', o.radius ?? 4);
    hidden('outChannels', this.numLevels * (2 * this.radius + 1) ** 2);
    hidden('corrPyramid', []);
  }

  /** The dot products of every pair of positions, then pooled numLevels - 1 times. */
  buildPyramid(fmap1: Tensor, fmap2: Tensor): void {
    if (fmap1.shape.join() !== fmap2.shape.join()) {
      throw new RangeError(`Input feature maps should have the same shape, instead got [${fmap1.shape}] (fmap1.shape) != [${fmap2.shape}] (fmap2.shape)`);
    }
    const [b, c, h, w] = fmap1.shape as number[] as [number, number, number, number];
    this.releasePyramid();
    const f1t = pipe(fmap1, (t) => t.view(b, c, h * w), (t) => t.transpose(1, 2));
    const f2 = fmap2.view(b, c, h * w);
    const products = f1t.matmul(f2);
    for (const t of [f1t, f2]) disposeTemporary(t);
    const channels = scalarTensor(c, { dtype: 'int64' });
    const scale = channels.sqrt();
    disposeTemporary(channels);
    // torchvision divides into a new tensor; dividing the matmul's own output in place gives the same values
    // without a second (h w)^2 volume (243 MB at 520x960) to allocate and page in. bmm's backward needs its
    // inputs, not its output, so this is also right under autograd.
    products.div_(scale);
    disposeTemporary(scale);
    let corr = pipe(products, (t) => t.view(b, h, w, 1, h, w), (t) => t.reshape(b * h * w, 1, h, w));
    disposeTemporary(products);
    this.corrPyramid = [corr];
    for (let i = 0; i < this.numLevels - 1; i++) {
      corr = avgPool2d(corr, 2, { stride: 2 });
      this.corrPyramid.push(corr);
    }
  }

  /** Frees the pyramid's levels (inside a tidy scope; see disposeTemporary) and forgets them. */
  releasePyramid(): void {
    for (const t of this.corrPyramid) disposeTemporary(t);
    this.corrPyramid = [];
  }

  /** The correlations in a (2 radius + 1)^2 square around each centroid, at every level: [N, outChannels, h, w]. */
  indexPyramid(centroidsCoords: Tensor): Tensor {
    const side = 2 * this.radius + 1;
    const di = linspace(-this.radius, this.radius, side);
    const dj = linspace(-this.radius, this.radius, side);
    const grids = meshgrid([di, dj], 'ij');
    const stacked = stack(grids, -1);
    const delta = stacked.view(1, side, side, 2);
    for (const t of [di, dj, ...grids, stacked]) disposeTemporary(t);
    const [b, , h, w] = centroidsCoords.shape as number[] as [number, number, number, number];
    let centroids = pipe(centroidsCoords, (t) => t.permute(0, 2, 3, 1), (t) => t.reshape(b * h * w, 1, 1, 2));
    const indexed: Tensor[] = [];
    for (const corr of this.corrPyramid) {
      const coords = centroids.add(delta);
      indexed.push(pipe(corr, (t) => gridSampleAbsolute(t, coords, { alignCorners: true, mode: 'bilinear' }), (t) => t.view(b, h, w, -1)));
      disposeTemporary(coords);
      const next = centroids.div(2);
      if (centroids !== centroidsCoords) disposeTemporary(centroids);
      centroids = next;
    }
    disposeTemporary(centroids);
    disposeTemporary(delta);
    const joined = cat(indexed, -1);
    for (const t of indexed) disposeTemporary(t);
    const features = pipe(joined, (t) => t.permute(0, 3, 1, 2), (t) => t.contiguous());
    disposeTemporary(joined);
    const expected = [b, this.outChannels, h, w];
    if (features.shape.join() !== expected.join()) {
      throw new Error(`Output shape of index pyramid is incorrect. Should be [${expected}], got [${features.shape}]`);
    }
    return features;
  }
}
classArgs(CorrBlock, 'torchvision.models.optical_flow.CorrBlock', '; *, numLevels, radius');

export interface RAFTParts {
  featureEncoder: Module;
  contextEncoder: Module;
  corrBlock: CorrBlock;
  updateBlock: UpdateBlock;
  /** Convex upsampling of the flow; null: bilinear. */
  maskPredictor?: MaskPredictor | null;
}

export class RAFT extends Module {
  declare feature_encoder: Module;
  declare context_encoder: Module;
  declare corr_block: CorrBlock;
  declare update_block: UpdateBlock;
  declare mask_predictor: MaskPredictor | null;

  constructor(p: RAFTParts) {
    [p] = bindOwn(RAFT, arguments) as ConstructorParameters<typeof RAFT>;
    super();
    this.feature_encoder = p.featureEncoder;
    this.context_encoder = p.contextEncoder;
    this.corr_block = p.corrBlock;
    this.update_block = p.updateBlock;
    this.mask_predictor = p.maskPredictor ?? null;
    if (typeof (this.update_block as { hiddenStateSize?: unknown }).hiddenStateSize !== 'number') {
      throw new TypeError("The update_block parameter should expose a 'hidden_state_size' attribute.");
    }
  }

  /** Every update's flow from image1 to image2, [N, 2, H, W] each. */
  override forward(image1: Tensor, image2: Tensor, numFlowUpdates = 12): Tensor[] {
    if (!Number.isInteger(numFlowUpdates) || numFlowUpdates < 1) throw new RangeError(`RAFT: numFlowUpdates must be a positive integer, got ${numFlowUpdates}`);
    const [b, , h, w] = image1.shape as number[] as [number, number, number, number];
    if (image2.shape.slice(-2).join() !== [h, w].join()) {
      throw new RangeError(`input images should have the same shape, instead got (${h}, ${w}) != (${image2.shape.slice(-2).join(', ')})`);
    }
    // torchvision's check reads `not (h % 8 == 0) and (w % 8 == 0)`; both must be multiples of 8 for the encoders
    if (h % 8 !== 0 || w % 8 !== 0) throw new RangeError(`input image H and W should be divisible by 8, insted got ${h} (h) and ${w} (w)`);

    const pair = cat([image1, image2], 0);
    const fmaps = this.feature_encoder.call(pair) as Tensor;
    disposeTemporary(pair);
    const [fmap1, fmap2] = fmaps.chunk(2, 0) as [Tensor, Tensor];
    if (fmap1.shape.slice(-2).join() !== [h / 8, w / 8].join()) throw new RangeError('The feature encoder should downsample H and W by 8');
    this.corr_block.buildPyramid(fmap1, fmap2);
    for (const t of [fmap1, fmap2]) disposeTemporary(t);
    releaseOutput(this.feature_encoder, fmaps);

    const contextOut = this.context_encoder.call(image1) as Tensor;
    if (contextOut.shape.slice(-2).join() !== [h / 8, w / 8].join()) throw new RangeError('The context encoder should downsample H and W by 8');
    const hiddenSize = this.update_block.hiddenStateSize;
    const outChannelsContext = contextOut.shape[1]! - hiddenSize;
    if (outChannelsContext <= 0) {
      throw new RangeError(`The context encoder outputs ${contextOut.shape[1]} channels, but it should have at strictly more than hidden_state=${hiddenSize} channels`);
    }
    const [hiddenPart, contextPart] = contextOut.split([hiddenSize, outChannelsContext], 1) as [Tensor, Tensor];
    let hidden = hiddenPart.tanh();
    const context = relu(contextPart);
    for (const t of [hiddenPart, contextPart]) disposeTemporary(t);
    releaseOutput(this.context_encoder, contextOut);

    const coords0 = makeCoordsGrid(b, h / 8, w / 8);
    let coords1 = makeCoordsGrid(b, h / 8, w / 8);
    const predictions: Tensor[] = [];
    for (let i = 0; i < numFlowUpdates; i++) {
      const detached = coords1.detach(); // no gradient through this branch, as in the paper
      disposeTemporary(coords1);
      coords1 = detached;
      const corrFeatures = this.corr_block.indexPyramid(coords1);
      const flow = coords1.sub(coords0);
      const [newHidden, delta] = this.update_block.call(hidden, context, corrFeatures, flow) as [Tensor, Tensor];
      disposeTemporary(corrFeatures);
      disposeTemporary(flow);
      // the previous state: tanh's output, then the update block's (which its hooks may have seen)
      if (newHidden !== hidden) {
        if (i === 0) disposeTemporary(hidden);
        else releaseOutput(this.update_block, hidden);
      }
      hidden = newHidden;
      const moved = coords1.add(delta);
      disposeTemporary(coords1);
      coords1 = moved;
      releaseOutput(this.update_block, delta);
      const upMask = this.mask_predictor === null ? null : this.mask_predictor.call(hidden) as Tensor;
      const lowRes = coords1.sub(coords0);
      predictions.push(upsampleFlow(lowRes, upMask));
      disposeTemporary(lowRes);
      if (upMask !== null) releaseOutput(this.mask_predictor!, upMask);
    }
    this.corr_block.releasePyramid();
    return predictions;
  }
}
classArgs(RAFT, 'torchvision.models.optical_flow.RAFT', '; *, featureEncoder, contextEncoder, corrBlock, updateBlock, maskPredictor');

interface RaftConfig {
  featureEncoderLayers: number[];
  featureEncoderBlock: RaftBlockClass;
  featureEncoderNormLayer: NormLayerFactory | null;
  contextEncoderLayers: number[];
  contextEncoderBlock: RaftBlockClass;
  contextEncoderNormLayer: NormLayerFactory | null;
  corrBlockNumLevels: number;
  corrBlockRadius: number;
  motionEncoderCorrLayers: number[];
  motionEncoderFlowLayers: number[];
  motionEncoderOutChannels: number;
  recurrentBlockHiddenStateSize: number;
  recurrentBlockKernelSize: Kernel[];
  recurrentBlockPadding: Kernel[];
  flowHeadHiddenSize: number;
  useMaskPredictor: boolean;
}

/** A builder's options: weights, and any part to use instead of the one the variant builds. */
export interface RAFTBuilderOptions extends BuilderOptions, Partial<RAFTParts> {}

function raft(c: RaftConfig, o: RAFTBuilderOptions): RAFT {
  const featureEncoder = o.featureEncoder ?? new FeatureEncoder({ block: c.featureEncoderBlock, layers: c.featureEncoderLayers, normLayer: c.featureEncoderNormLayer });
  const contextEncoder = o.contextEncoder ?? new FeatureEncoder({ block: c.contextEncoderBlock, layers: c.contextEncoderLayers, normLayer: c.contextEncoderNormLayer });
  const corrBlock = o.corrBlock ?? new CorrBlock({ numLevels: c.corrBlockNumLevels, radius: c.corrBlockRadius });
  let updateBlock = o.updateBlock;
  if (updateBlock === undefined) {
    const motionEncoder = new MotionEncoder({
      inChannelsCorr: corrBlock.outChannels, corrLayers: c.motionEncoderCorrLayers, flowLayers: c.motionEncoderFlowLayers, outChannels: c.motionEncoderOutChannels,
    });
    const outChannelsContext = c.contextEncoderLayers[c.contextEncoderLayers.length - 1]! - c.recurrentBlockHiddenStateSize;
    const recurrentBlock = new RecurrentBlock({
      inputSize: motionEncoder.outChannels + outChannelsContext, hiddenSize: c.recurrentBlockHiddenStateSize,
      kernelSize: c.recurrentBlockKernelSize, padding: c.recurrentBlockPadding,
    });
    const flowHead = new FlowHead({ inChannels: c.recurrentBlockHiddenStateSize, hiddenSize: c.flowHeadHiddenSize });
    updateBlock = new UpdateBlock({ motionEncoder, recurrentBlock, flowHead });
  }
  let maskPredictor = o.maskPredictor ?? null;
  if (maskPredictor === null && c.useMaskPredictor) {
    maskPredictor = new MaskPredictor({ inChannels: c.recurrentBlockHiddenStateSize, hiddenSize: 256, multiplier: 0.25 });
  }
  return new RAFT({ featureEncoder, contextEncoder, corrBlock, updateBlock, maskPredictor });
}

const table = OPTICAL_FLOW_WEIGHTS_DATA as unknown as WeightsTable & typeof OPTICAL_FLOW_WEIGHTS_DATA;
export const Raft_Large_Weights = tableWeightsEnum(table, 'Raft_Large_Weights', opticalFlowPreset);
export const Raft_Small_Weights = tableWeightsEnum(table, 'Raft_Small_Weights', opticalFlowPreset);

const instanceNorm: NormLayerFactory = (c) => new nn.InstanceNorm2d(c);
const batchNorm: NormLayerFactory = (c) => new nn.BatchNorm2d(c);

/** What a RAFT builder takes besides weights and progress: torchvision's _raft overrides of the parts. */
const RAFT_BUILDER_OPTIONS = ['featureEncoder', 'contextEncoder', 'corrBlock', 'updateBlock', 'maskPredictor'];

/** RAFT (large): weights Raft_Large_Weights.C_T_SKHT_V2 (DEFAULT) and others. */
export const raft_large = modelBuilder('raft_large', (opts: RAFTBuilderOptions = {}): RAFT => buildModel(Raft_Large_Weights, opts, (o) => raft({
  featureEncoderLayers: [64, 64, 96, 128, 256], featureEncoderBlock: ResidualBlock, featureEncoderNormLayer: instanceNorm,
  contextEncoderLayers: [64, 64, 96, 128, 256], contextEncoderBlock: ResidualBlock, contextEncoderNormLayer: batchNorm,
  corrBlockNumLevels: 4, corrBlockRadius: 4,
  motionEncoderCorrLayers: [256, 192], motionEncoderFlowLayers: [128, 64], motionEncoderOutChannels: 128,
  recurrentBlockHiddenStateSize: 128, recurrentBlockKernelSize: [[1, 5], [5, 1]], recurrentBlockPadding: [[0, 2], [2, 0]],
  flowHeadHiddenSize: 256, useMaskPredictor: true,
}, o), { options: RAFT_BUILDER_OPTIONS }));

/** RAFT-small: weights Raft_Small_Weights.C_T_V2 (DEFAULT) and C_T_V1. */
export const raft_small = modelBuilder('raft_small', (opts: RAFTBuilderOptions = {}): RAFT => buildModel(Raft_Small_Weights, opts, (o) => raft({
  featureEncoderLayers: [32, 32, 64, 96, 128], featureEncoderBlock: BottleneckBlock, featureEncoderNormLayer: instanceNorm,
  contextEncoderLayers: [32, 32, 64, 96, 160], contextEncoderBlock: BottleneckBlock, contextEncoderNormLayer: null,
  corrBlockNumLevels: 4, corrBlockRadius: 3,
  motionEncoderCorrLayers: [96], motionEncoderFlowLayers: [64, 32], motionEncoderOutChannels: 82,
  recurrentBlockHiddenStateSize: 96, recurrentBlockKernelSize: [3], recurrentBlockPadding: [1],
  flowHeadHiddenSize: 128, useMaskPredictor: false,
}, o), { options: RAFT_BUILDER_OPTIONS }));

registerModel('raft_large', raft_large, Raft_Large_Weights);
registerModel('raft_small', raft_small, Raft_Small_Weights);
