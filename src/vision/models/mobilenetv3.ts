// MobileNet V3 (Howard et al. 2019), as torchvision's mobilenetv3.py: inverted residuals with optional
// squeeze-and-excitation and hard-swish, configured by Tables 1 and 2 of the paper.
import { Module } from '../../nn/module.js';
import { Sequential } from '../../nn/modules/container.js';
import * as nn from '../../nn/index.js';
import { flatten } from '../../functions.js';
import type { Tensor } from '../../tensor.js';
import { Conv2dNormActivation, SqueezeExcitation, type NormLayerFactory, type ActivationLayerFactory } from '../ops/misc.js';
import { registerModel } from './registry.js';
import { buildModel, weightsEnum, type BuilderOptions } from './weights.js';
import { makeDivisible } from './make-divisible.js';
import { initMobileNetWeights } from './mobile-init.js';
import { modelBuilder } from './builder-args.js';
import { bindOwn, classArgs, registerSignature, type PyRest } from '../../args.js';

// PyTorch's argument binding (src/args.ts) for this module's functions: an extra positional argument or an
// unknown keyword is a TypeError naming it.
registerSignature(mobilenetV3Conf, 'mobilenetV3Conf', 'tstorch.vision.models.mobilenetV3Conf', 'arch; *, widthMult, reducedTail, dilated');

const hardswish: ActivationLayerFactory = (o) => new nn.Hardswish(o);
const relu: ActivationLayerFactory = (o) => new nn.ReLU(o);
const hardsigmoid: ActivationLayerFactory = (o) => new nn.Hardsigmoid(o);

/** One row of the paper's tables, with channels scaled by widthMult. */
export class InvertedResidualConfig {
  readonly inputChannels: number;
  readonly kernel: number;
  readonly expandedChannels: number;
  readonly outChannels: number;
  readonly useSe: boolean;
  readonly useHs: boolean;
  readonly stride: number;
  readonly dilation: number;

  constructor(inputChannels: number, kernel: number, expandedChannels: number, outChannels: number, useSe: boolean,
    activation: 'RE' | 'HS', stride: number, dilation: number, widthMult: number) {
    [inputChannels, kernel, expandedChannels, outChannels, useSe, activation, stride, dilation, widthMult] = bindOwn(InvertedResidualConfig, arguments) as ConstructorParameters<typeof InvertedResidualConfig>;
    this.inputChannels = InvertedResidualConfig.adjustChannels(inputChannels, widthMult);
    this.kernel = kernel;
    this.expandedChannels = InvertedResidualConfig.adjustChannels(expandedChannels, widthMult);
    this.outChannels = InvertedResidualConfig.adjustChannels(outChannels, widthMult);
    this.useSe = useSe;
    this.useHs = activation === 'HS';
    this.stride = stride;
    this.dilation = dilation;
  }

  static adjustChannels(channels: number, widthMult: number): number {
    return makeDivisible(channels * widthMult, 8);
  }
}
classArgs(InvertedResidualConfig, 'torchvision.models.InvertedResidualConfig', 'inputChannels, kernel, expandedChannels, outChannels, useSe, activation, stride, dilation, widthMult');

export type SeLayerFactory = (inputChannels: number, squeezeChannels: number) => Module;
const defaultSe: SeLayerFactory = (i, s) => new SqueezeExcitation(i, s, { scaleActivation: hardsigmoid });

/** MobileNet V3's block; torchvision calls it InvertedResidual (mobilenetv3.InvertedResidual). */
export class MobileNetV3InvertedResidual extends Module {
  declare block: Sequential;
  readonly useResConnect: boolean;
  readonly outChannels: number;
  /** torchvision's _is_cn: a strided block, where a stage C1..C4 begins (segmentation heads tap the stages). */
  readonly isCn: boolean;

  constructor(cnf: InvertedResidualConfig, normLayer: NormLayerFactory, seLayer: SeLayerFactory = defaultSe) {
    [cnf, normLayer, seLayer = defaultSe] = bindOwn(MobileNetV3InvertedResidual, arguments) as ConstructorParameters<typeof MobileNetV3InvertedResidual>;
    super();
    if (!(cnf.stride >= 1 && cnf.stride <= 2)) throw new RangeError(`InvertedResidual: illegal stride value ${cnf.stride}`);
    this.useResConnect = cnf.stride === 1 && cnf.inputChannels === cnf.outChannels;
    const layers: Module[] = [];
    const activationLayer = cnf.useHs ? hardswish : relu;
    if (cnf.expandedChannels !== cnf.inputChannels) {
      layers.push(new Conv2dNormActivation(cnf.inputChannels, cnf.expandedChannels, { kernelSize: 1, normLayer, activationLayer }));
    }
    // a dilated block keeps the resolution instead of striding
    const stride = cnf.dilation > 1 ? 1 : cnf.stride;
    layers.push(new Conv2dNormActivation(cnf.expandedChannels, cnf.expandedChannels, {
      kernelSize: cnf.kernel, stride, dilation: cnf.dilation, groups: cnf.expandedChannels, normLayer, activationLayer,
    }));
    if (cnf.useSe) {
      const squeezeChannels = makeDivisible(Math.floor(cnf.expandedChannels / 4), 8);
      layers.push(seLayer(cnf.expandedChannels, squeezeChannels));
    }
    layers.push(new Conv2dNormActivation(cnf.expandedChannels, cnf.outChannels, { kernelSize: 1, normLayer, activationLayer: null }));
    this.block = new Sequential(...layers);
    this.outChannels = cnf.outChannels;
    this.isCn = cnf.stride > 1;
  }

  override _getName(): string { return 'InvertedResidual'; }

  override forward(input: Tensor): Tensor {
    const result: Tensor = this.block.call(input);
    if (this.useResConnect) result.add_(input);
    return result;
  }
}
classArgs(MobileNetV3InvertedResidual, 'tstorch.vision.models.MobileNetV3InvertedResidual', 'cnf, normLayer, seLayer?');

export type MobileNetV3Block = new (cnf: InvertedResidualConfig, normLayer: NormLayerFactory) => Module;

export interface MobileNetV3Options {
  numClasses?: number;
  block?: MobileNetV3Block | null;
  /** Default BatchNorm2d with eps 0.001, momentum 0.01. */
  normLayer?: NormLayerFactory | null;
  dropout?: number;
}

export class MobileNetV3 extends Module {
  declare features: Sequential;
  declare avgpool: Module;
  declare classifier: Sequential;

  constructor(setting: InvertedResidualConfig[], lastChannel: number, ...rest: PyRest<MobileNetV3Options, ['numClasses', 'block', 'normLayer', 'dropout']>);
  constructor(...args: unknown[]) {
    const [setting, lastChannel, opts = {}] = bindOwn(MobileNetV3, args) as [InvertedResidualConfig[], number, MobileNetV3Options?];
    super();
    if (!setting || setting.length === 0) throw new RangeError('The invertedResidualSetting should not be empty');
    if (!setting.every((s) => s instanceof InvertedResidualConfig)) throw new TypeError('The invertedResidualSetting should be InvertedResidualConfig[]');
    const Block = opts.block ?? MobileNetV3InvertedResidual;
    const normLayer = opts.normLayer ?? ((c: number) => new nn.BatchNorm2d(c, { eps: 0.001, momentum: 0.01 }));
    const layers: Module[] = [];
    const firstconvOutputChannels = setting[0]!.inputChannels;
    layers.push(new Conv2dNormActivation(3, firstconvOutputChannels, { kernelSize: 3, stride: 2, normLayer, activationLayer: hardswish }));
    for (const cnf of setting) layers.push(new Block(cnf, normLayer));
    const lastconvInputChannels = setting[setting.length - 1]!.outChannels;
    const lastconvOutputChannels = 6 * lastconvInputChannels;
    layers.push(new Conv2dNormActivation(lastconvInputChannels, lastconvOutputChannels, { kernelSize: 1, normLayer, activationLayer: hardswish }));
    this.features = new Sequential(...layers);
    this.avgpool = new nn.AdaptiveAvgPool2d(1);
    this.classifier = new Sequential(
      new nn.Linear(lastconvOutputChannels, lastChannel),
      new nn.Hardswish({ inplace: true }),
      new nn.Dropout({ p: opts.dropout ?? 0.2, inplace: true }),
      new nn.Linear(lastChannel, opts.numClasses ?? 1000),
    );

    initMobileNetWeights(this);
  }

  override forward(x: Tensor): Tensor {
    x = this.features.call(x);
    x = this.avgpool.call(x);
    x = flatten(x, 1);
    return this.classifier.call(x);
  }
}
classArgs(MobileNetV3, 'torchvision.models.MobileNetV3', 'invertedResidualSetting, lastChannel; numClasses, block, normLayer, dropout');

export interface MobileNetV3ConfOptions {
  widthMult?: number;
  /** Halve the channels of the last blocks (detection backbones). */
  reducedTail?: boolean;
  /** Dilate the last blocks instead of striding (segmentation backbones). */
  dilated?: boolean;
}

/** torchvision's _mobilenet_v3_conf: the block table and the classifier's hidden width. */
export function mobilenetV3Conf(arch: 'mobilenet_v3_large' | 'mobilenet_v3_small', o: MobileNetV3ConfOptions = {}): [InvertedResidualConfig[], number] {
  [arch, o = {}] = bindOwn(mobilenetV3Conf, arguments) as Parameters<typeof mobilenetV3Conf>;
  const widthMult = o.widthMult ?? 1.0;
  const r = o.reducedTail ? 2 : 1;
  const d = o.dilated ? 2 : 1;
  const b = (i: number, k: number, e: number, out: number, se: boolean, act: 'RE' | 'HS', s: number, dil: number) =>
    new InvertedResidualConfig(i, k, e, out, se, act, s, dil, widthMult);
  const div = (v: number): number => Math.floor(v / r);
  if (arch === 'mobilenet_v3_large') {
    return [[
      b(16, 3, 16, 16, false, 'RE', 1, 1),
      b(16, 3, 64, 24, false, 'RE', 2, 1), // C1
      b(24, 3, 72, 24, false, 'RE', 1, 1),
      b(24, 5, 72, 40, true, 'RE', 2, 1), // C2
      b(40, 5, 120, 40, true, 'RE', 1, 1),
      b(40, 5, 120, 40, true, 'RE', 1, 1),
      b(40, 3, 240, 80, false, 'HS', 2, 1), // C3
      b(80, 3, 200, 80, false, 'HS', 1, 1),
      b(80, 3, 184, 80, false, 'HS', 1, 1),
      b(80, 3, 184, 80, false, 'HS', 1, 1),
      b(80, 3, 480, 112, true, 'HS', 1, 1),
      b(112, 3, 672, 112, true, 'HS', 1, 1),
      b(112, 5, 672, div(160), true, 'HS', 2, d), // C4
      b(div(160), 5, div(960), div(160), true, 'HS', 1, d),
      b(div(160), 5, div(960), div(160), true, 'HS', 1, d),
    ], InvertedResidualConfig.adjustChannels(div(1280), widthMult)]; // C5
  }
  if (arch === 'mobilenet_v3_small') {
    return [[
      b(16, 3, 16, 16, true, 'RE', 2, 1), // C1
      b(16, 3, 72, 24, false, 'RE', 2, 1), // C2
      b(24, 3, 88, 24, false, 'RE', 1, 1),
      b(24, 5, 96, 40, true, 'HS', 2, 1), // C3
      b(40, 5, 240, 40, true, 'HS', 1, 1),
      b(40, 5, 240, 40, true, 'HS', 1, 1),
      b(40, 5, 120, 48, true, 'HS', 1, 1),
      b(48, 5, 144, 48, true, 'HS', 1, 1),
      b(48, 5, 288, div(96), true, 'HS', 2, d), // C4
      b(div(96), 5, div(576), div(96), true, 'HS', 1, d),
      b(div(96), 5, div(576), div(96), true, 'HS', 1, d),
    ], InvertedResidualConfig.adjustChannels(div(1024), widthMult)]; // C5
  }
  throw new Error(`Unsupported model type ${arch as string}`);
}

export type MobileNetV3BuilderOptions = MobileNetV3Options & MobileNetV3ConfOptions & BuilderOptions;

/** torchvision's builders: _mobilenet_v3_conf(arch, **kwargs) takes the table's keys, MobileNetV3 the model's. */
function mobileNetV3(arch: 'mobilenet_v3_large' | 'mobilenet_v3_small', o: MobileNetV3BuilderOptions): MobileNetV3 {
  const { widthMult, reducedTail, dilated, ...model } = o;
  return new MobileNetV3(...mobilenetV3Conf(arch, { widthMult, reducedTail, dilated }), model);
}

export const MobileNet_V3_Large_Weights = weightsEnum('MobileNet_V3_Large_Weights');
export const MobileNet_V3_Small_Weights = weightsEnum('MobileNet_V3_Small_Weights');

export const mobilenet_v3_large = modelBuilder('mobilenet_v3_large', (opts: MobileNetV3BuilderOptions = {}): MobileNetV3 =>
  buildModel(MobileNet_V3_Large_Weights, opts, (o) => mobileNetV3('mobilenet_v3_large', o), { options: ['numClasses', 'block', 'normLayer', 'dropout', 'widthMult', 'reducedTail', 'dilated'] }));
export const mobilenet_v3_small = modelBuilder('mobilenet_v3_small', (opts: MobileNetV3BuilderOptions = {}): MobileNetV3 =>
  buildModel(MobileNet_V3_Small_Weights, opts, (o) => mobileNetV3('mobilenet_v3_small', o), { options: ['numClasses', 'block', 'normLayer', 'dropout', 'widthMult', 'reducedTail', 'dilated'] }));

registerModel('mobilenet_v3_large', mobilenet_v3_large, MobileNet_V3_Large_Weights);
registerModel('mobilenet_v3_small', mobilenet_v3_small, MobileNet_V3_Small_Weights);
