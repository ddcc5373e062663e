// Video ResNets (Tran et al. 2018, "A Closer Look at Spatiotemporal Convolutions for Action Recognition"), as
// torchvision's models/video/resnet.py: R3D (full 3x3x3 convolutions), MC3 (3-D in the first layer, 2-D
// "no temporal" after) and R(2+1)D (each 3-D convolution split into a spatial 1x3x3 and a temporal 3x1x1 one,
// with as many parameters as the 3-D one). Input [N, 3, T, H, W]; Kinetics-400 weights take 16 frames of 112x112.
import { Module, callChain, releaseOutput } from '../../../nn/module.js';
import { Sequential } from '../../../nn/modules/container.js';
import * as nn from '../../../nn/index.js';
import { Tensor } from '../../../tensor.js';
import { registerModel } from '../registry.js';
import { buildModel, tableWeightsEnum, type BuilderOptions, type WeightsEnum } from '../weights.js';
import { VIDEO_WEIGHTS_DATA } from './weights-data.js';
import { videoPreset, type VideoClassification } from './preset.js';
import { modelBuilder } from '../builder-args.js';
import { bindOwn, classArgs, type PyRest } from '../../../args.js';

type Triple = [number, number, number];

/** A convolution builder of a layer: its blocks' 3-D convolution, and the stride of their shortcut. */
export interface ConvBuilder {
  (inPlanes: number, outPlanes: number, midplanes: number, stride?: number, padding?: number): Module;
  getDownsampleStride(stride: number): Triple;
}

/** A 3x3x3 convolution, no bias. */
export class Conv3DSimple extends nn.Conv3d {
  constructor(inPlanes: number, outPlanes: number, _midplanes: number | null = null, stride = 1, padding = 1) {
    [inPlanes, outPlanes, _midplanes = null, stride = 1, padding = 1] = bindOwn(Conv3DSimple, arguments) as ConstructorParameters<typeof Conv3DSimple>;
    super(inPlanes, outPlanes, [3, 3, 3], { stride, padding, bias: false });
  }
  static getDownsampleStride(stride: number): Triple { return [stride, stride, stride]; }
}
classArgs(Conv3DSimple, 'torchvision.models.video.Conv3DSimple', 'inPlanes, outPlanes, midplanes?, stride?, padding?');

/** A spatial 1x3x3 convolution, norm and ReLU, then a temporal 3x1x1 convolution (R(2+1)D). */
export class Conv2Plus1D extends Sequential {
  constructor(inPlanes: number, outPlanes: number, midplanes: number, stride = 1, padding = 1) {
    [inPlanes, outPlanes, midplanes, stride = 1, padding = 1] = bindOwn(Conv2Plus1D, arguments) as ConstructorParameters<typeof Conv2Plus1D>;
    super(
      new nn.Conv3d(inPlanes, midplanes, [1, 3, 3], { stride: [1, stride, stride], padding: [0, padding, padding], bias: false }),
      new nn.BatchNorm3d(midplanes),
      new nn.ReLU({ inplace: true }),
      new nn.Conv3d(midplanes, outPlanes, [3, 1, 1], { stride: [stride, 1, 1], padding: [padding, 0, 0], bias: false }),
    );
  }
  static getDownsampleStride(stride: number): Triple { return [stride, stride, stride]; }
}
classArgs(Conv2Plus1D, 'torchvision.models.video.Conv2Plus1D', 'inPlanes, outPlanes, midplanes, stride?, padding?');

/** A 1x3x3 convolution: spatial only (MC3's upper layers). */
export class Conv3DNoTemporal extends nn.Conv3d {
  constructor(inPlanes: number, outPlanes: number, _midplanes: number | null = null, stride = 1, padding = 1) {
    [inPlanes, outPlanes, _midplanes = null, stride = 1, padding = 1] = bindOwn(Conv3DNoTemporal, arguments) as ConstructorParameters<typeof Conv3DNoTemporal>;
    super(inPlanes, outPlanes, [1, 3, 3], { stride: [1, stride, stride], padding: [0, padding, padding], bias: false });
  }
  static getDownsampleStride(stride: number): Triple { return [1, stride, stride]; }
}
classArgs(Conv3DNoTemporal, 'torchvision.models.video.Conv3DNoTemporal', 'inPlanes, outPlanes, midplanes?, stride?, padding?');

/** A convolution class as a ConvBuilder (torchvision passes the classes themselves). */
function builderOf(cls: (typeof Conv3DSimple) | (typeof Conv2Plus1D) | (typeof Conv3DNoTemporal)): ConvBuilder {
  return Object.assign((i: number, o: number, m: number, s?: number, p?: number): Module => new cls(i, o, m, s, p),
    { getDownsampleStride: cls.getDownsampleStride });
}

/** The R(2+1)D midplanes that keep a factorised convolution's parameter count equal to the 3-D one's. */
const midplanesOf = (inplanes: number, planes: number): number =>
  Math.floor((inplanes * planes * 3 * 3 * 3) / (inplanes * 3 * 3 + 3 * planes));

/** out += shortcut; ReLU; a downsampled shortcut is freed once added. */
function addResidual(out: Tensor, x: Tensor, downsample: Module | null, relu: Module): Tensor {
  const residual: Tensor = downsample ? downsample.call(x) : x;
  out.add_(residual);
  if (downsample) releaseOutput(downsample, residual);
  return relu.call(out);
}

export class BasicBlock extends Module {
  static readonly expansion = 1;
  declare conv1: Sequential;
  declare conv2: Sequential;
  declare relu: Module;
  declare downsample: Module | null;
  declare stride: number;

  constructor(inplanes: number, planes: number, convBuilder: ConvBuilder, stride = 1, downsample: Module | null = null) {
    [inplanes, planes, convBuilder, stride = 1, downsample = null] = bindOwn(BasicBlock, arguments) as ConstructorParameters<typeof BasicBlock>;
    super();
    const midplanes = midplanesOf(inplanes, planes);
    this.conv1 = new Sequential(convBuilder(inplanes, planes, midplanes, stride), new nn.BatchNorm3d(planes), new nn.ReLU({ inplace: true }));
    this.conv2 = new Sequential(convBuilder(planes, planes, midplanes), new nn.BatchNorm3d(planes));
    this.relu = new nn.ReLU({ inplace: true });
    this.downsample = downsample;
    this.stride = stride;
  }

  override forward(x: Tensor): Tensor {
    const out: Tensor = callChain(x, [this.conv1, this.conv2]);
    return addResidual(out, x, this.downsample, this.relu);
  }
}
classArgs(BasicBlock, 'torchvision.models.video.BasicBlock', 'inplanes, planes, convBuilder, stride?, downsample?');

export class Bottleneck extends Module {
  static readonly expansion = 4;
  declare conv1: Sequential;
  declare conv2: Sequential;
  declare conv3: Sequential;
  declare relu: Module;
  declare downsample: Module | null;
  declare stride: number;

  constructor(inplanes: number, planes: number, convBuilder: ConvBuilder, stride = 1, downsample: Module | null = null) {
    [inplanes, planes, convBuilder, stride = 1, downsample = null] = bindOwn(Bottleneck, arguments) as ConstructorParameters<typeof Bottleneck>;
    super();
    const midplanes = midplanesOf(inplanes, planes);
    this.conv1 = new Sequential(new nn.Conv3d(inplanes, planes, 1, { bias: false }), new nn.BatchNorm3d(planes), new nn.ReLU({ inplace: true }));
    this.conv2 = new Sequential(convBuilder(planes, planes, midplanes, stride), new nn.BatchNorm3d(planes), new nn.ReLU({ inplace: true }));
    this.conv3 = new Sequential(new nn.Conv3d(planes, planes * Bottleneck.expansion, 1, { bias: false }), new nn.BatchNorm3d(planes * Bottleneck.expansion));
    this.relu = new nn.ReLU({ inplace: true });
    this.downsample = downsample;
    this.stride = stride;
  }

  override forward(x: Tensor): Tensor {
    const out: Tensor = callChain(x, [this.conv1, this.conv2, this.conv3]);
    return addResidual(out, x, this.downsample, this.relu);
  }
}
classArgs(Bottleneck, 'torchvision.models.video.Bottleneck', 'inplanes, planes, convBuilder, stride?, downsample?');

/** The default stem: a 3x7x7 convolution (stride 1, 2, 2), norm, ReLU. */
export class BasicStem extends Sequential {
  constructor() {
    bindOwn(BasicStem, arguments);
    super(
      new nn.Conv3d(3, 64, [3, 7, 7], { stride: [1, 2, 2], padding: [1, 3, 3], bias: false }),
      new nn.BatchNorm3d(64),
      new nn.ReLU({ inplace: true }),
    );
  }
}
classArgs(BasicStem, 'torchvision.models.video.BasicStem', '');

/** R(2+1)D's stem: the 3x7x7 convolution factorised into 1x7x7 (45 channels) and 3x1x1. */
export class R2Plus1dStem extends Sequential {
  constructor() {
    bindOwn(R2Plus1dStem, arguments);
    super(
      new nn.Conv3d(3, 45, [1, 7, 7], { stride: [1, 2, 2], padding: [0, 3, 3], bias: false }),
      new nn.BatchNorm3d(45),
      new nn.ReLU({ inplace: true }),
      new nn.Conv3d(45, 64, [3, 1, 1], { stride: [1, 1, 1], padding: [1, 0, 0], bias: false }),
      new nn.BatchNorm3d(64),
      new nn.ReLU({ inplace: true }),
    );
  }
}
classArgs(R2Plus1dStem, 'torchvision.models.video.R2Plus1dStem', '');

export type VideoBlockClass = (typeof BasicBlock) | (typeof Bottleneck);

export interface VideoResNetOptions {
  numClasses?: number;
  /** Start each Bottleneck's last norm at zero (torchvision's option; its BasicBlock is left as is). */
  zeroInitResidual?: boolean;
}

export class VideoResNet extends Module {
  declare inplanes: number;
  declare stem: Module;
  declare layer1: Sequential;
  declare layer2: Sequential;
  declare layer3: Sequential;
  declare layer4: Sequential;
  declare avgpool: Module;
  declare fc: nn.Linear;

  constructor(block: VideoBlockClass, convMakers: readonly ConvBuilder[], layers: readonly number[], stem: () => Module, ...rest: PyRest<VideoResNetOptions, ['numClasses', 'zeroInitResidual']>);
  constructor(...args: unknown[]) {
    const [block, convMakers, layers, stem, opts = {}] = bindOwn(VideoResNet, args) as [VideoBlockClass, readonly ConvBuilder[], readonly number[], () => Module, VideoResNetOptions?];
    super();
    if (convMakers.length !== 4 || layers.length !== 4) throw new RangeError('VideoResNet: convMakers and layers need one entry per layer (4)');
    this.inplanes = 64;
    this.stem = stem();
    this.layer1 = this.makeLayer(block, convMakers[0]!, 64, layers[0]!, 1);
    this.layer2 = this.makeLayer(block, convMakers[1]!, 128, layers[1]!, 2);
    this.layer3 = this.makeLayer(block, convMakers[2]!, 256, layers[2]!, 2);
    this.layer4 = this.makeLayer(block, convMakers[3]!, 512, layers[3]!, 2);
    this.avgpool = new nn.AdaptiveAvgPool3d([1, 1, 1]);
    this.fc = new nn.Linear(512 * block.expansion, opts.numClasses ?? 400);

    for (const m of this.modules()) {
      if (m instanceof nn.Conv3d) {
        nn.init.kaimingNormal_(m.weight, { mode: 'fan_out', nonlinearity: 'relu' });
        if (m.bias) nn.init.constant_(m.bias, 0);
      } else if (m instanceof nn.BatchNorm3d) {
        nn.init.constant_(m.weight!, 1);
        nn.init.constant_(m.bias!, 0);
      } else if (m instanceof nn.Linear) {
        nn.init.normal_(m.weight, 0, 0.01);
        nn.init.constant_(m.bias!, 0);
      }
    }
    if (opts.zeroInitResidual) {
      for (const m of this.modules()) {
        if (m instanceof Bottleneck) {
          // torchvision 0.14 names a `bn3` that its video Bottleneck does not have, so its option fails there
          throw new Error("VideoResNet: zeroInitResidual fails in torchvision 0.14 ('Bottleneck' object has no attribute 'bn3')");
        }
      }
    }
  }

  private makeLayer(block: VideoBlockClass, convBuilder: ConvBuilder, planes: number, blocks: number, stride: number): Sequential {
    let downsample: Module | null = null;
    if (stride !== 1 || this.inplanes !== planes * block.expansion) {
      const dsStride = convBuilder.getDownsampleStride(stride);
      downsample = new Sequential(
        new nn.Conv3d(this.inplanes, planes * block.expansion, 1, { stride: dsStride, bias: false }),
        new nn.BatchNorm3d(planes * block.expansion),
      );
    }
    const layers: Module[] = [new block(this.inplanes, planes, convBuilder, stride, downsample)];
    this.inplanes = planes * block.expansion;
    for (let i = 1; i < blocks; i++) layers.push(new block(this.inplanes, planes, convBuilder));
    return new Sequential(...layers);
  }

  override forward(x: Tensor): Tensor {
    const pooled: Tensor = callChain(x, [this.stem, this.layer1, this.layer2, this.layer3, this.layer4, this.avgpool]);
    const out: Tensor = this.fc.call(pooled.flatten(1));
    if (pooled !== x) releaseOutput(this.avgpool, pooled);
    return out;
  }
}
classArgs(VideoResNet, 'torchvision.models.video.VideoResNet', 'block, convMakers, layers, stem; numClasses, zeroInitResidual');

export type VideoResNetBuilderOptions = VideoResNetOptions & BuilderOptions;

export const R3D_18_Weights = tableWeightsEnum(VIDEO_WEIGHTS_DATA, 'R3D_18_Weights', videoPreset);
export const MC3_18_Weights = tableWeightsEnum(VIDEO_WEIGHTS_DATA, 'MC3_18_Weights', videoPreset);
export const R2Plus1D_18_Weights = tableWeightsEnum(VIDEO_WEIGHTS_DATA, 'R2Plus1D_18_Weights', videoPreset);

function videoResnet(block: VideoBlockClass, convMakers: ConvBuilder[], layers: number[], stem: () => Module,
  e: WeightsEnum<VideoClassification>, opts: VideoResNetBuilderOptions): VideoResNet {
  return buildModel(e, opts, (o) => new VideoResNet(block, convMakers, layers, stem, o), { options: ['numClasses', 'zeroInitResidual'] });
}

const simple = builderOf(Conv3DSimple);
const noTemporal = builderOf(Conv3DNoTemporal);
const twoPlusOne = builderOf(Conv2Plus1D);

/** R3D-18: 3-D convolutions throughout. */
export const r3d_18 = modelBuilder('r3d_18', (opts: VideoResNetBuilderOptions = {}): VideoResNet =>
  videoResnet(BasicBlock, [simple, simple, simple, simple], [2, 2, 2, 2], () => new BasicStem(), R3D_18_Weights, opts));
/** MC3-18: 3-D convolutions in the first layer, spatial ones after. */
export const mc3_18 = modelBuilder('mc3_18', (opts: VideoResNetBuilderOptions = {}): VideoResNet =>
  videoResnet(BasicBlock, [simple, noTemporal, noTemporal, noTemporal], [2, 2, 2, 2], () => new BasicStem(), MC3_18_Weights, opts));
/** R(2+1)D-18: every 3-D convolution factorised into spatial and temporal ones. */
export const r2plus1d_18 = modelBuilder('r2plus1d_18', (opts: VideoResNetBuilderOptions = {}): VideoResNet =>
  videoResnet(BasicBlock, [twoPlusOne, twoPlusOne, twoPlusOne, twoPlusOne], [2, 2, 2, 2], () => new R2Plus1dStem(), R2Plus1D_18_Weights, opts));

registerModel('r3d_18', r3d_18, R3D_18_Weights);
registerModel('mc3_18', mc3_18, MC3_18_Weights);
registerModel('r2plus1d_18', r2plus1d_18, R2Plus1D_18_Weights);
