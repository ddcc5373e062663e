// RegNet X and Y (Radosavovic et al. 2020, "Designing Network Design Spaces"), as torchvision's regnet.py:
// stage widths and depths come from the quantized linear parameterisation (w_0, w_a, w_m, depth).
import { Module } from '../../nn/module.js';
import { Sequential } from '../../nn/modules/container.js';
import * as nn from '../../nn/index.js';
import { Tensor } from '../../tensor.js';
import { arange } from '../../creation.js';
import { op } from '../../native/ops.js';
import { Conv2dNormActivation, SqueezeExcitation, type NormLayerFactory, type ActivationLayerFactory } from '../ops/misc.js';
import { registerModel } from './registry.js';
import { buildModel, weightsEnum, type BuilderOptions, type WeightsEnum } from './weights.js';
import { makeDivisible } from './make-divisible.js';
import { pyRound } from './py-round.js';
import { modelBuilder } from './builder-args.js';
import { bindOwn, classArgs, type PyRest } from '../../args.js';

const reluFactory: ActivationLayerFactory = (o) => new nn.ReLU(o);
const scalarPow = op('aten::pow.Scalar');

/** The stem: a strided 3x3 Conv2dNormActivation ("simple stem for ImageNet"). */
export class SimpleStemIN extends Conv2dNormActivation {
  constructor(widthIn: number, widthOut: number, normLayer: NormLayerFactory, activationLayer: ActivationLayerFactory) {
    [widthIn, widthOut, normLayer, activationLayer] = bindOwn(SimpleStemIN, arguments) as ConstructorParameters<typeof SimpleStemIN>;
    super(widthIn, widthOut, { kernelSize: 3, stride: 2, normLayer, activationLayer });
  }
}
classArgs(SimpleStemIN, 'torchvision.models.SimpleStemIN', 'widthIn, widthOut, normLayer, activationLayer');

/** 1x1 -> grouped 3x3 -> (squeeze-and-excitation) -> 1x1, as a Sequential named a, b, (se,) c. */
export class BottleneckTransform extends Sequential {
  constructor(widthIn: number, widthOut: number, stride: number, normLayer: NormLayerFactory, activationLayer: ActivationLayerFactory,
    groupWidth: number, bottleneckMultiplier: number, seRatio: number | null) {
    [widthIn, widthOut, stride, normLayer, activationLayer, groupWidth, bottleneckMultiplier, seRatio] = bindOwn(BottleneckTransform, arguments) as ConstructorParameters<typeof BottleneckTransform>;
    const layers = new Map<string, Module>();
    const wB = pyRound(widthOut * bottleneckMultiplier);
    const g = Math.floor(wB / groupWidth);
    layers.set('a', new Conv2dNormActivation(widthIn, wB, { kernelSize: 1, stride: 1, normLayer, activationLayer }));
    layers.set('b', new Conv2dNormActivation(wB, wB, { kernelSize: 3, stride, groups: g, normLayer, activationLayer }));
    if (seRatio) {
      // the SE reduction ratio is relative to the block's input width
      const widthSeOut = pyRound(seRatio * widthIn);
      layers.set('se', new SqueezeExcitation(wB, widthSeOut, { activation: activationLayer }));
    }
    layers.set('c', new Conv2dNormActivation(wB, widthOut, { kernelSize: 1, stride: 1, normLayer, activationLayer: null }));
    super(layers);
  }
}
classArgs(BottleneckTransform, 'torchvision.models.BottleneckTransform', 'widthIn, widthOut, stride, normLayer, activationLayer, groupWidth, bottleneckMultiplier, seRatio');

/** A residual bottleneck block, with a projection shortcut where the shape changes. */
export class ResBottleneckBlock extends Module {
  declare proj: Module | null;
  declare f: BottleneckTransform;
  declare activation: Module;

  constructor(widthIn: number, widthOut: number, stride: number, normLayer: NormLayerFactory, activationLayer: ActivationLayerFactory,
    groupWidth = 1, bottleneckMultiplier = 1.0, seRatio: number | null = null) {
    [widthIn, widthOut, stride, normLayer, activationLayer, groupWidth = 1, bottleneckMultiplier = 1.0, seRatio = null] = bindOwn(ResBottleneckBlock, arguments) as ConstructorParameters<typeof ResBottleneckBlock>;
    super();
    this.proj = null;
    if (widthIn !== widthOut || stride !== 1) {
      this.proj = new Conv2dNormActivation(widthIn, widthOut, { kernelSize: 1, stride, normLayer, activationLayer: null });
    }
    this.f = new BottleneckTransform(widthIn, widthOut, stride, normLayer, activationLayer, groupWidth, bottleneckMultiplier, seRatio);
    this.activation = activationLayer({ inplace: true });
  }

  override forward(x: Tensor): Tensor {
    x = this.proj !== null ? this.proj.call(x).add(this.f.call(x)) : x.add(this.f.call(x));
    return this.activation.call(x);
  }
}
classArgs(ResBottleneckBlock, 'torchvision.models.ResBottleneckBlock', 'widthIn, widthOut, stride, normLayer, activationLayer, groupWidth?, bottleneckMultiplier?, seRatio?');

export type RegNetBlock = new (widthIn: number, widthOut: number, stride: number, normLayer: NormLayerFactory,
  activationLayer: ActivationLayerFactory, groupWidth: number, bottleneckMultiplier: number, seRatio: number | null) => Module;

/** The blocks of one stage, named block{stage}-{i}. */
export class AnyStage extends Sequential {
  constructor(widthIn: number, widthOut: number, stride: number, depth: number, Block: RegNetBlock, normLayer: NormLayerFactory,
    activationLayer: ActivationLayerFactory, groupWidth: number, bottleneckMultiplier: number, seRatio: number | null = null, stageIndex = 0) {
    [widthIn, widthOut, stride, depth, Block, normLayer, activationLayer, groupWidth, bottleneckMultiplier, seRatio = null, stageIndex = 0] = bindOwn(AnyStage, arguments) as ConstructorParameters<typeof AnyStage>;
    super();
    for (let i = 0; i < depth; i++) {
      const block = new Block(i === 0 ? widthIn : widthOut, widthOut, i === 0 ? stride : 1, normLayer, activationLayer,
        groupWidth, bottleneckMultiplier, seRatio);
      this.addModule(`block${stageIndex}-${i}`, block);
    }
  }
}
classArgs(AnyStage, 'torchvision.models.AnyStage', 'widthIn, widthOut, stride, depth, blockConstructor, normLayer, activationLayer, groupWidth, bottleneckMultiplier, seRatio?, stageIndex?');

export interface BlockParamsInit {
  depth: number;
  w0: number;
  wA: number;
  wM: number;
  groupWidth: number;
  bottleneckMultiplier?: number;
  seRatio?: number | null;
}

/** Per-stage depths, widths, group widths, bottleneck multipliers and strides. */
export class BlockParams {
  readonly depths: number[];
  readonly widths: number[];
  readonly groupWidths: number[];
  readonly bottleneckMultipliers: number[];
  readonly strides: number[];
  readonly seRatio: number | null;
  constructor(
    depths: number[],
    widths: number[],
    groupWidths: number[],
    bottleneckMultipliers: number[],
    strides: number[],
    seRatio: number | null = null,
  ) {
    [depths, widths, groupWidths, bottleneckMultipliers, strides, seRatio = null] = bindOwn(BlockParams, arguments) as ConstructorParameters<typeof BlockParams>;
    this.depths = depths;
    this.widths = widths;
    this.groupWidths = groupWidths;
    this.bottleneckMultipliers = bottleneckMultipliers;
    this.strides = strides;
    this.seRatio = seRatio;
  }

  /**
   * The stages from the quantized linear parameterisation. Computed with float32 tensors, exactly as
   * torchvision computes them, so that rounding decides every width the same way.
   */
  static fromInitParams(p: BlockParamsInit): BlockParams {
    const QUANT = 8;
    const STRIDE = 2;
    const { depth, w0, wA, wM, groupWidth } = p;
    const bottleneckMultiplier = p.bottleneckMultiplier ?? 1.0;
    if (wA < 0 || w0 <= 0 || wM <= 1 || w0 % 8 !== 0) throw new RangeError('Invalid RegNet settings');
    // block widths: each stage has one unique block width
    const widthsCont = arange(depth).mul(wA).add(w0);
    const blockCapacity = widthsCont.div(w0).log().div(Math.log(wM)).round();
    const powed = new Tensor(scalarPow(wM, blockCapacity._h));
    const blockWidths = (powed.mul(w0).div(QUANT).round().mul(QUANT).int().toArray() as number[]).map(Number);
    const numStages = new Set(blockWidths).size;
    // per-stage parameters: a stage starts wherever the width changes
    const a = [...blockWidths, 0];
    const b = [0, ...blockWidths];
    const splits = a.map((w, i) => w !== b[i]);
    const stageWidths = blockWidths.filter((_, i) => splits[i]);
    const starts = splits.map((t, i) => (t ? i : -1)).filter((i) => i >= 0);
    const stageDepths = starts.slice(1).map((s, i) => s - starts[i]!);
    const strides = Array<number>(numStages).fill(STRIDE);
    const bottleneckMultipliers = Array<number>(numStages).fill(bottleneckMultiplier);
    const groupWidths = Array<number>(numStages).fill(groupWidth);
    const [sw, gw] = BlockParams.adjustWidthsGroupsCompatibility(stageWidths, bottleneckMultipliers, groupWidths);
    return new BlockParams(stageDepths, sw, gw, bottleneckMultipliers, strides, p.seRatio ?? null);
  }

  /** Makes each stage's bottleneck width a multiple of its group width (group width capped at the bottleneck width). */
  static adjustWidthsGroupsCompatibility(stageWidths: number[], bottleneckRatios: number[], groupWidths: number[]): [number[], number[]] {
    const widths = stageWidths.map((w, i) => Math.trunc(w * bottleneckRatios[i]!));
    const groupWidthsMin = groupWidths.map((g, i) => Math.min(g, widths[i]!));
    const wsBot = widths.map((w, i) => makeDivisible(w, groupWidthsMin[i]!));
    return [wsBot.map((w, i) => Math.trunc(w / bottleneckRatios[i]!)), groupWidthsMin];
  }

  /** (width, stride, depth, groupWidth, bottleneckMultiplier) per stage. */
  expandedParams(): [number, number, number, number, number][] {
    return this.widths.map((w, i) => [w, this.strides[i]!, this.depths[i]!, this.groupWidths[i]!, this.bottleneckMultipliers[i]!]);
  }
}
classArgs(BlockParams, 'torchvision.models.BlockParams', 'depths, widths, groupWidths, bottleneckMultipliers, strides, seRatio?');

export interface RegNetOptions {
  numClasses?: number;
  stemWidth?: number;
  stemType?: new (widthIn: number, widthOut: number, normLayer: NormLayerFactory, activationLayer: ActivationLayerFactory) => Module;
  blockType?: RegNetBlock;
  normLayer?: NormLayerFactory | null;
  activation?: ActivationLayerFactory | null;
}

export class RegNet extends Module {
  declare stem: Module;
  declare trunk_output: Sequential;
  declare avgpool: Module;
  declare fc: nn.Linear;

  constructor(blockParams: BlockParams, ...rest: PyRest<RegNetOptions, ['numClasses', 'stemWidth', 'stemType', 'blockType', 'normLayer', 'activation']>);
  constructor(...args: unknown[]) {
    const [blockParams, opts = {}] = bindOwn(RegNet, args) as [BlockParams, RegNetOptions?];
    super();
    const Stem = opts.stemType ?? SimpleStemIN;
    const normLayer = opts.normLayer ?? ((c: number) => new nn.BatchNorm2d(c));
    const Block = opts.blockType ?? ResBottleneckBlock;
    const activation = opts.activation ?? reluFactory;
    const stemWidth = opts.stemWidth ?? 32;
    this.stem = new Stem(3, stemWidth, normLayer, activation);
    let currentWidth = stemWidth;
    const blocks = new Map<string, Module>();
    blockParams.expandedParams().forEach(([widthOut, stride, depth, groupWidth, bottleneckMultiplier], i) => {
      blocks.set(`block${i + 1}`, new AnyStage(currentWidth, widthOut, stride, depth, Block, normLayer, activation, groupWidth,
        bottleneckMultiplier, blockParams.seRatio, i + 1));
      currentWidth = widthOut;
    });
    this.trunk_output = new Sequential(blocks);
    this.avgpool = new nn.AdaptiveAvgPool2d([1, 1]);
    this.fc = new nn.Linear(currentWidth, opts.numClasses ?? 1000);

    // ResNet-style initialisation
    for (const m of this.modules()) {
      if (m instanceof nn.Conv2d) {
        // no bias: every convolution is followed by BN
        const fanOut = m.kernelSize[0]! * m.kernelSize[1]! * m.outChannels;
        nn.init.normal_(m.weight, 0.0, Math.sqrt(2.0 / fanOut));
      } else if (m instanceof nn.BatchNorm2d) {
        nn.init.ones_(m.weight!);
        nn.init.zeros_(m.bias!);
      } else if (m instanceof nn.Linear) {
        nn.init.normal_(m.weight, 0.0, 0.01);
        nn.init.zeros_(m.bias!);
      }
    }
  }

  override forward(x: Tensor): Tensor {
    x = this.stem.call(x);
    x = this.trunk_output.call(x);
    x = this.avgpool.call(x);
    x = x.flatten(1);
    return this.fc.call(x);
  }
}
classArgs(RegNet, 'torchvision.models.RegNet', 'blockParams; numClasses, stemWidth, stemType, blockType, normLayer, activation');

export type RegNetBuilderOptions = RegNetOptions & BuilderOptions;

function regnet(e: WeightsEnum, p: BlockParamsInit, opts: RegNetBuilderOptions): RegNet {
  return buildModel(e, opts, (o) => new RegNet(BlockParams.fromInitParams(p), {
    ...o, normLayer: o.normLayer ?? ((c: number) => new nn.BatchNorm2d(c, { eps: 1e-05, momentum: 0.1 })),
  }), { options: ['numClasses', 'stemWidth', 'stemType', 'blockType', 'normLayer', 'activation'] });
}

export const RegNet_Y_400MF_Weights = weightsEnum('RegNet_Y_400MF_Weights');
export const RegNet_Y_800MF_Weights = weightsEnum('RegNet_Y_800MF_Weights');
export const RegNet_Y_1_6GF_Weights = weightsEnum('RegNet_Y_1_6GF_Weights');
export const RegNet_Y_3_2GF_Weights = weightsEnum('RegNet_Y_3_2GF_Weights');
export const RegNet_Y_8GF_Weights = weightsEnum('RegNet_Y_8GF_Weights');
export const RegNet_Y_16GF_Weights = weightsEnum('RegNet_Y_16GF_Weights');
export const RegNet_Y_32GF_Weights = weightsEnum('RegNet_Y_32GF_Weights');
export const RegNet_Y_128GF_Weights = weightsEnum('RegNet_Y_128GF_Weights');
export const RegNet_X_400MF_Weights = weightsEnum('RegNet_X_400MF_Weights');
export const RegNet_X_800MF_Weights = weightsEnum('RegNet_X_800MF_Weights');
export const RegNet_X_1_6GF_Weights = weightsEnum('RegNet_X_1_6GF_Weights');
export const RegNet_X_3_2GF_Weights = weightsEnum('RegNet_X_3_2GF_Weights');
export const RegNet_X_8GF_Weights = weightsEnum('RegNet_X_8GF_Weights');
export const RegNet_X_16GF_Weights = weightsEnum('RegNet_X_16GF_Weights');
export const RegNet_X_32GF_Weights = weightsEnum('RegNet_X_32GF_Weights');

type R = (opts?: RegNetBuilderOptions) => RegNet;
const y = (depth: number, w0: number, wA: number, wM: number, groupWidth: number): BlockParamsInit => ({ depth, w0, wA, wM, groupWidth, seRatio: 0.25 });
const x = (depth: number, w0: number, wA: number, wM: number, groupWidth: number): BlockParamsInit => ({ depth, w0, wA, wM, groupWidth });

/** Each variant's design-space parameters (depth, w_0, w_a, w_m, group width; Y adds SE with ratio 0.25). */
export const REGNET_CONFIGS = {
  regnet_y_400mf: y(16, 48, 27.89, 2.09, 8),
  regnet_y_800mf: y(14, 56, 38.84, 2.4, 16),
  regnet_y_1_6gf: y(27, 48, 20.71, 2.65, 24),
  regnet_y_3_2gf: y(21, 80, 42.63, 2.66, 24),
  regnet_y_8gf: y(17, 192, 76.82, 2.19, 56),
  regnet_y_16gf: y(18, 200, 106.23, 2.48, 112),
  regnet_y_32gf: y(20, 232, 115.89, 2.53, 232),
  regnet_y_128gf: y(27, 456, 160.83, 2.52, 264),
  regnet_x_400mf: x(22, 24, 24.48, 2.54, 16),
  regnet_x_800mf: x(16, 56, 35.73, 2.28, 16),
  regnet_x_1_6gf: x(18, 80, 34.01, 2.25, 24),
  regnet_x_3_2gf: x(25, 88, 26.31, 2.25, 48),
  regnet_x_8gf: x(23, 80, 49.56, 2.88, 120),
  regnet_x_16gf: x(22, 216, 55.59, 2.1, 128),
  regnet_x_32gf: x(23, 320, 69.86, 2.0, 168),
} as const satisfies Record<string, BlockParamsInit>;

export const regnet_y_400mf: R = modelBuilder<R>('regnet_y_400mf', (o = {}) => regnet(RegNet_Y_400MF_Weights, REGNET_CONFIGS.regnet_y_400mf, o));
export const regnet_y_800mf: R = modelBuilder<R>('regnet_y_800mf', (o = {}) => regnet(RegNet_Y_800MF_Weights, REGNET_CONFIGS.regnet_y_800mf, o));
export const regnet_y_1_6gf: R = modelBuilder<R>('regnet_y_1_6gf', (o = {}) => regnet(RegNet_Y_1_6GF_Weights, REGNET_CONFIGS.regnet_y_1_6gf, o));
export const regnet_y_3_2gf: R = modelBuilder<R>('regnet_y_3_2gf', (o = {}) => regnet(RegNet_Y_3_2GF_Weights, REGNET_CONFIGS.regnet_y_3_2gf, o));
export const regnet_y_8gf: R = modelBuilder<R>('regnet_y_8gf', (o = {}) => regnet(RegNet_Y_8GF_Weights, REGNET_CONFIGS.regnet_y_8gf, o));
export const regnet_y_16gf: R = modelBuilder<R>('regnet_y_16gf', (o = {}) => regnet(RegNet_Y_16GF_Weights, REGNET_CONFIGS.regnet_y_16gf, o));
export const regnet_y_32gf: R = modelBuilder<R>('regnet_y_32gf', (o = {}) => regnet(RegNet_Y_32GF_Weights, REGNET_CONFIGS.regnet_y_32gf, o));
export const regnet_y_128gf: R = modelBuilder<R>('regnet_y_128gf', (o = {}) => regnet(RegNet_Y_128GF_Weights, REGNET_CONFIGS.regnet_y_128gf, o));
export const regnet_x_400mf: R = modelBuilder<R>('regnet_x_400mf', (o = {}) => regnet(RegNet_X_400MF_Weights, REGNET_CONFIGS.regnet_x_400mf, o));
export const regnet_x_800mf: R = modelBuilder<R>('regnet_x_800mf', (o = {}) => regnet(RegNet_X_800MF_Weights, REGNET_CONFIGS.regnet_x_800mf, o));
export const regnet_x_1_6gf: R = modelBuilder<R>('regnet_x_1_6gf', (o = {}) => regnet(RegNet_X_1_6GF_Weights, REGNET_CONFIGS.regnet_x_1_6gf, o));
export const regnet_x_3_2gf: R = modelBuilder<R>('regnet_x_3_2gf', (o = {}) => regnet(RegNet_X_3_2GF_Weights, REGNET_CONFIGS.regnet_x_3_2gf, o));
export const regnet_x_8gf: R = modelBuilder<R>('regnet_x_8gf', (o = {}) => regnet(RegNet_X_8GF_Weights, REGNET_CONFIGS.regnet_x_8gf, o));
export const regnet_x_16gf: R = modelBuilder<R>('regnet_x_16gf', (o = {}) => regnet(RegNet_X_16GF_Weights, REGNET_CONFIGS.regnet_x_16gf, o));
export const regnet_x_32gf: R = modelBuilder<R>('regnet_x_32gf', (o = {}) => regnet(RegNet_X_32GF_Weights, REGNET_CONFIGS.regnet_x_32gf, o));

registerModel('regnet_y_400mf', regnet_y_400mf, RegNet_Y_400MF_Weights);
registerModel('regnet_y_800mf', regnet_y_800mf, RegNet_Y_800MF_Weights);
registerModel('regnet_y_1_6gf', regnet_y_1_6gf, RegNet_Y_1_6GF_Weights);
registerModel('regnet_y_3_2gf', regnet_y_3_2gf, RegNet_Y_3_2GF_Weights);
registerModel('regnet_y_8gf', regnet_y_8gf, RegNet_Y_8GF_Weights);
registerModel('regnet_y_16gf', regnet_y_16gf, RegNet_Y_16GF_Weights);
registerModel('regnet_y_32gf', regnet_y_32gf, RegNet_Y_32GF_Weights);
registerModel('regnet_y_128gf', regnet_y_128gf, RegNet_Y_128GF_Weights);
registerModel('regnet_x_400mf', regnet_x_400mf, RegNet_X_400MF_Weights);
registerModel('regnet_x_800mf', regnet_x_800mf, RegNet_X_800MF_Weights);
registerModel('regnet_x_1_6gf', regnet_x_1_6gf, RegNet_X_1_6GF_Weights);
registerModel('regnet_x_3_2gf', regnet_x_3_2gf, RegNet_X_3_2GF_Weights);
registerModel('regnet_x_8gf', regnet_x_8gf, RegNet_X_8GF_Weights);
registerModel('regnet_x_16gf', regnet_x_16gf, RegNet_X_16GF_Weights);
registerModel('regnet_x_32gf', regnet_x_32gf, RegNet_X_32GF_Weights);
