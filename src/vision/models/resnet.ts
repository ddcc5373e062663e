// ResNet (He et al. 2015), ResNeXt (Xie et al. 2016) and Wide ResNet (Zagoruyko & Komodakis 2016), as
// torchvision's resnet.py: the stride of a Bottleneck sits on its 3x3 convolution ("ResNet V1.5").
import { Module, callChain, releaseOutput } from '../../nn/module.js';
import { Sequential } from '../../nn/modules/container.js';
import * as nn from '../../nn/index.js';
import { flatten } from '../../functions.js';
import { Tensor } from '../../tensor.js';
import { registerModel } from './registry.js';
import { buildModel, overwriteNamedParam, weightsEnum, type BuilderOptions, type WeightsEnum } from './weights.js';
import type { NormLayerFactory } from '../ops/misc.js';
import { modelBuilder } from './builder-args.js';
import { bindOwn, classArgs, registerSignature, type PyRest } from '../../args.js';

// PyTorch's argument binding (src/args.ts) for this module's functions: an extra positional argument or an
// unknown keyword is a TypeError naming it.
registerSignature(conv1x1, 'conv1x1', 'torchvision.models.conv1x1', 'inPlanes, outPlanes, stride?');
registerSignature(conv3x3, 'conv3x3', 'torchvision.models.conv3x3', 'inPlanes, outPlanes, stride?, groups?, dilation?');

const defaultNorm: NormLayerFactory = (c) => new nn.BatchNorm2d(c);

/** 3x3 convolution with padding (= dilation), no bias. */
export function conv3x3(inPlanes: number, outPlanes: number, stride = 1, groups = 1, dilation = 1): nn.Conv2d {
  [inPlanes, outPlanes, stride = 1, groups = 1, dilation = 1] = bindOwn(conv3x3, arguments) as Parameters<typeof conv3x3>;
  return new nn.Conv2d(inPlanes, outPlanes, 3, { stride, padding: dilation, groups, bias: false, dilation });
}

/** 1x1 convolution, no bias. */
export function conv1x1(inPlanes: number, outPlanes: number, stride = 1): nn.Conv2d {
  [inPlanes, outPlanes, stride = 1] = bindOwn(conv1x1, arguments) as Parameters<typeof conv1x1>;
  return new nn.Conv2d(inPlanes, outPlanes, 1, { stride, bias: false });
}

export interface BlockOptions {
  stride?: number;
  downsample?: Module | null;
  groups?: number;
  baseWidth?: number;
  dilation?: number;
  normLayer?: NormLayerFactory | null;
}

/** Two 3x3 convolutions and an identity (or downsampling) shortcut; ResNet-18/34's block. */
export class BasicBlock extends Module {
  static readonly expansion = 1;
  declare conv1: Module;
  declare bn1: Module;
  declare relu: Module;
  declare conv2: Module;
  declare bn2: Module;
  declare downsample: Module | null;
  declare stride: number;

  constructor(inplanes: number, planes: number, ...rest: PyRest<BlockOptions, ['stride', 'downsample', 'groups', 'baseWidth', 'dilation', 'normLayer']>);
  constructor(...args: unknown[]) {
    const [inplanes, planes, opts = {}] = bindOwn(BasicBlock, args) as [number, number, BlockOptions?];
    super();
    const normLayer = opts.normLayer ?? defaultNorm;
    if ((opts.groups ?? 1) !== 1 || (opts.baseWidth ?? 64) !== 64) throw new Error('BasicBlock only supports groups=1 and base_width=64');
    if ((opts.dilation ?? 1) > 1) throw new Error('Dilation > 1 not supported in BasicBlock');
    const stride = opts.stride ?? 1;
    this.conv1 = conv3x3(inplanes, planes, stride);
    this.bn1 = normLayer(planes);
    this.relu = new nn.ReLU({ inplace: true });
    this.conv2 = conv3x3(planes, planes);
    this.bn2 = normLayer(planes);
    this.downsample = opts.downsample ?? null;
    this.stride = stride;
  }

  override forward(x: Tensor): Tensor {
    // callChain frees each intermediate once consumed, as Python's `out = self.bn1(out)` rebinding does.
    const out: Tensor = callChain(x, [this.conv1, this.bn1, this.relu, this.conv2, this.bn2]);
    return addShortcut(out, x, this.downsample, this.relu);
  }
}
classArgs(BasicBlock, 'torchvision.models.BasicBlock', 'inplanes, planes; stride, downsample, groups, baseWidth, dilation, normLayer');

/** The end of a residual block: out += downsample(x) or x, then ReLU; a downsampled shortcut is freed once added. */
function addShortcut(out: Tensor, x: Tensor, downsample: Module | null, relu: Module): Tensor {
  const identity: Tensor = downsample ? downsample.call(x) : x;
  out.add_(identity);
  if (downsample) releaseOutput(downsample, identity);
  return relu.call(out);
}

/** 1x1 (reduce) -> 3x3 (grouped, strided) -> 1x1 (expand x4) and a shortcut; ResNet-50 and deeper. */
export class Bottleneck extends Module {
  static readonly expansion = 4;
  declare conv1: Module;
  declare bn1: Module;
  declare conv2: Module;
  declare bn2: Module;
  declare conv3: Module;
  declare bn3: Module;
  declare relu: Module;
  declare downsample: Module | null;
  declare stride: number;

  constructor(inplanes: number, planes: number, ...rest: PyRest<BlockOptions, ['stride', 'downsample', 'groups', 'baseWidth', 'dilation', 'normLayer']>);
  constructor(...args: unknown[]) {
    const [inplanes, planes, opts = {}] = bindOwn(Bottleneck, args) as [number, number, BlockOptions?];
    super();
    const normLayer = opts.normLayer ?? defaultNorm;
    const groups = opts.groups ?? 1;
    const width = Math.trunc(planes * ((opts.baseWidth ?? 64) / 64)) * groups;
    const stride = opts.stride ?? 1;
    this.conv1 = conv1x1(inplanes, width);
    this.bn1 = normLayer(width);
    this.conv2 = conv3x3(width, width, stride, groups, opts.dilation ?? 1);
    this.bn2 = normLayer(width);
    this.conv3 = conv1x1(width, planes * Bottleneck.expansion);
    this.bn3 = normLayer(planes * Bottleneck.expansion);
    this.relu = new nn.ReLU({ inplace: true });
    this.downsample = opts.downsample ?? null;
    this.stride = stride;
  }

  override forward(x: Tensor): Tensor {
    const out: Tensor = callChain(x, [this.conv1, this.bn1, this.relu, this.conv2, this.bn2, this.relu, this.conv3, this.bn3]);
    return addShortcut(out, x, this.downsample, this.relu);
  }
}
classArgs(Bottleneck, 'torchvision.models.Bottleneck', 'inplanes, planes; stride, downsample, groups, baseWidth, dilation, normLayer');

export type ResidualBlockClass = (typeof BasicBlock) | (typeof Bottleneck);

export interface ResNetOptions {
  numClasses?: number;
  /** Start each residual branch's last BN at zero, so that every block begins as the identity. */
  zeroInitResidual?: boolean;
  groups?: number;
  widthPerGroup?: number;
  /** For layer2..layer4: dilate instead of striding (segmentation backbones). */
  replaceStrideWithDilation?: [boolean, boolean, boolean] | null;
  normLayer?: NormLayerFactory | null;
}

export class ResNet extends Module {
  declare conv1: nn.Conv2d;
  declare bn1: Module;
  declare relu: Module;
  declare maxpool: Module;
  declare layer1: Sequential;
  declare layer2: Sequential;
  declare layer3: Sequential;
  declare layer4: Sequential;
  declare avgpool: Module;
  declare fc: nn.Linear;
  private declare normLayer: NormLayerFactory;
  declare inplanes: number;
  declare dilation: number;
  declare groups: number;
  declare baseWidth: number;

  constructor(block: ResidualBlockClass, layers: [number, number, number, number], ...rest: PyRest<ResNetOptions, ['numClasses', 'zeroInitResidual', 'groups', 'widthPerGroup', 'replaceStrideWithDilation', 'normLayer']>);
  constructor(...args: unknown[]) {
    const [block, layers, opts = {}] = bindOwn(ResNet, args) as [ResidualBlockClass, [number, number, number, number], ResNetOptions?];
    super();
    this.normLayer = opts.normLayer ?? defaultNorm;
    this.inplanes = 64;
    this.dilation = 1;
    const rswd = opts.replaceStrideWithDilation ?? [false, false, false];
    if (rswd.length !== 3) throw new Error(`replaceStrideWithDilation should be null or a 3-element array, got [${rswd}]`);
    this.groups = opts.groups ?? 1;
    this.baseWidth = opts.widthPerGroup ?? 64;
    this.conv1 = new nn.Conv2d(3, this.inplanes, 7, { stride: 2, padding: 3, bias: false });
    this.bn1 = this.normLayer(this.inplanes);
    this.relu = new nn.ReLU({ inplace: true });
    this.maxpool = new nn.MaxPool2d(3, { stride: 2, padding: 1 });
    this.layer1 = this.makeLayer(block, 64, layers[0]);
    this.layer2 = this.makeLayer(block, 128, layers[1], 2, rswd[0]);
    this.layer3 = this.makeLayer(block, 256, layers[2], 2, rswd[1]);
    this.layer4 = this.makeLayer(block, 512, layers[3], 2, rswd[2]);
    this.avgpool = new nn.AdaptiveAvgPool2d([1, 1]);
    this.fc = new nn.Linear(512 * block.expansion, opts.numClasses ?? 1000);

    for (const m of this.modules()) {
      if (m instanceof nn.Conv2d) {
        nn.init.kaimingNormal_(m.weight, { mode: 'fan_out', nonlinearity: 'relu' });
      } else if (m instanceof nn.BatchNorm2d || m instanceof nn.GroupNorm) {
        if (m.weight) nn.init.constant_(m.weight, 1);
        if (m.bias) nn.init.constant_(m.bias, 0);
      }
    }
    if (opts.zeroInitResidual) {
      for (const m of this.modules()) {
        const bn = m instanceof Bottleneck ? m.bn3 : m instanceof BasicBlock ? m.bn2 : null;
        const w = bn ? (bn as { weight?: unknown }).weight : null;
        if (w instanceof Tensor) nn.init.constant_(w, 0);
      }
    }
  }

  private makeLayer(block: ResidualBlockClass, planes: number, blocks: number, stride = 1, dilate = false): Sequential {
    const normLayer = this.normLayer;
    let downsample: Module | null = null;
    const previousDilation = this.dilation;
    if (dilate) {
      this.dilation *= stride;
      stride = 1;
    }
    if (stride !== 1 || this.inplanes !== planes * block.expansion) {
      downsample = new Sequential(conv1x1(this.inplanes, planes * block.expansion, stride), normLayer(planes * block.expansion));
    }
    const layers: Module[] = [
      new block(this.inplanes, planes, { stride, downsample, groups: this.groups, baseWidth: this.baseWidth, dilation: previousDilation, normLayer }),
    ];
    this.inplanes = planes * block.expansion;
    for (let i = 1; i < blocks; i++) {
      layers.push(new block(this.inplanes, planes, { groups: this.groups, baseWidth: this.baseWidth, dilation: this.dilation, normLayer }));
    }
    return new Sequential(...layers);
  }

  override forward(x: Tensor): Tensor {
    const pooled: Tensor = callChain(x, [this.conv1, this.bn1, this.relu, this.maxpool, this.layer1, this.layer2,
      this.layer3, this.layer4, this.avgpool]);
    const out: Tensor = this.fc.call(flatten(pooled, 1));
    if (pooled !== x) releaseOutput(this.avgpool, pooled);
    return out;
  }
}
classArgs(ResNet, 'torchvision.models.ResNet', 'block, layers; numClasses, zeroInitResidual, groups, widthPerGroup, replaceStrideWithDilation, normLayer');

export type ResNetBuilderOptions = ResNetOptions & BuilderOptions;

function resnet(block: ResidualBlockClass, layers: [number, number, number, number], e: WeightsEnum, opts: ResNetBuilderOptions): ResNet {
  return buildModel(e, opts, (o) => new ResNet(block, layers, o), { options: ['numClasses', 'zeroInitResidual', 'groups', 'widthPerGroup', 'replaceStrideWithDilation', 'normLayer'] });
}

export const ResNet18_Weights = weightsEnum('ResNet18_Weights');
export const ResNet34_Weights = weightsEnum('ResNet34_Weights');
export const ResNet50_Weights = weightsEnum('ResNet50_Weights');
export const ResNet101_Weights = weightsEnum('ResNet101_Weights');
export const ResNet152_Weights = weightsEnum('ResNet152_Weights');
export const ResNeXt50_32X4D_Weights = weightsEnum('ResNeXt50_32X4D_Weights');
export const ResNeXt101_32X8D_Weights = weightsEnum('ResNeXt101_32X8D_Weights');
export const ResNeXt101_64X4D_Weights = weightsEnum('ResNeXt101_64X4D_Weights');
export const Wide_ResNet50_2_Weights = weightsEnum('Wide_ResNet50_2_Weights');
export const Wide_ResNet101_2_Weights = weightsEnum('Wide_ResNet101_2_Weights');

export const resnet18 = modelBuilder('resnet18', (opts: ResNetBuilderOptions = {}): ResNet => resnet(BasicBlock, [2, 2, 2, 2], ResNet18_Weights, opts));
export const resnet34 = modelBuilder('resnet34', (opts: ResNetBuilderOptions = {}): ResNet => resnet(BasicBlock, [3, 4, 6, 3], ResNet34_Weights, opts));
export const resnet50 = modelBuilder('resnet50', (opts: ResNetBuilderOptions = {}): ResNet => resnet(Bottleneck, [3, 4, 6, 3], ResNet50_Weights, opts));
export const resnet101 = modelBuilder('resnet101', (opts: ResNetBuilderOptions = {}): ResNet => resnet(Bottleneck, [3, 4, 23, 3], ResNet101_Weights, opts));
export const resnet152 = modelBuilder('resnet152', (opts: ResNetBuilderOptions = {}): ResNet => resnet(Bottleneck, [3, 8, 36, 3], ResNet152_Weights, opts));

function withWidth(opts: ResNetBuilderOptions, groups: number | null, widthPerGroup: number): ResNetBuilderOptions {
  const o = { ...opts };
  if (groups !== null) overwriteNamedParam(o, 'groups', groups);
  overwriteNamedParam(o, 'widthPerGroup', widthPerGroup);
  return o;
}
export const resnext50_32x4d = modelBuilder('resnext50_32x4d', (opts: ResNetBuilderOptions = {}): ResNet =>
  resnet(Bottleneck, [3, 4, 6, 3], ResNeXt50_32X4D_Weights, withWidth(opts, 32, 4)));
export const resnext101_32x8d = modelBuilder('resnext101_32x8d', (opts: ResNetBuilderOptions = {}): ResNet =>
  resnet(Bottleneck, [3, 4, 23, 3], ResNeXt101_32X8D_Weights, withWidth(opts, 32, 8)));
export const resnext101_64x4d = modelBuilder('resnext101_64x4d', (opts: ResNetBuilderOptions = {}): ResNet =>
  resnet(Bottleneck, [3, 4, 23, 3], ResNeXt101_64X4D_Weights, withWidth(opts, 64, 4)));
/** Wide ResNet-50-2: the bottleneck's inner width doubled; the outer 1x1 convolutions keep their channels. */
export const wide_resnet50_2 = modelBuilder('wide_resnet50_2', (opts: ResNetBuilderOptions = {}): ResNet =>
  resnet(Bottleneck, [3, 4, 6, 3], Wide_ResNet50_2_Weights, withWidth(opts, null, 128)));
export const wide_resnet101_2 = modelBuilder('wide_resnet101_2', (opts: ResNetBuilderOptions = {}): ResNet =>
  resnet(Bottleneck, [3, 4, 23, 3], Wide_ResNet101_2_Weights, withWidth(opts, null, 128)));

registerModel('resnet18', resnet18, ResNet18_Weights);
registerModel('resnet34', resnet34, ResNet34_Weights);
registerModel('resnet50', resnet50, ResNet50_Weights);
registerModel('resnet101', resnet101, ResNet101_Weights);
registerModel('resnet152', resnet152, ResNet152_Weights);
registerModel('resnext50_32x4d', resnext50_32x4d, ResNeXt50_32X4D_Weights);
registerModel('resnext101_32x8d', resnext101_32x8d, ResNeXt101_32X8D_Weights);
registerModel('resnext101_64x4d', resnext101_64x4d, ResNeXt101_64X4D_Weights);
registerModel('wide_resnet50_2', wide_resnet50_2, Wide_ResNet50_2_Weights);
registerModel('wide_resnet101_2', wide_resnet101_2, Wide_ResNet101_2_Weights);
