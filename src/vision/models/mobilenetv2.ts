// MobileNet V2 (Sandler et al. 2018), as torchvision's mobilenetv2.py: inverted residual blocks with linear
// bottlenecks, ReLU6 activations.
import { Module } from '../../nn/module.js';
import { Sequential } from '../../nn/modules/container.js';
import * as nn from '../../nn/index.js';
import { flatten } from '../../functions.js';
import type { Tensor } from '../../tensor.js';
import { Conv2dNormActivation, type NormLayerFactory, type ActivationLayerFactory } from '../ops/misc.js';
import { registerModel } from './registry.js';
import { buildModel, weightsEnum, type BuilderOptions } from './weights.js';
import { makeDivisible } from './make-divisible.js';
import { pyRound } from './py-round.js';
import { initMobileNetWeights } from './mobile-init.js';
import { modelBuilder } from './builder-args.js';
import { bindOwn, classArgs, type PyRest } from '../../args.js';

const relu6: ActivationLayerFactory = (o) => new nn.ReLU6(o);
const batchNorm: NormLayerFactory = (c) => new nn.BatchNorm2d(c);
const adaptiveAvgPool2d = nn.functional.adaptiveAvgPool2d;

/** MobileNet V2's block; torchvision calls it InvertedResidual (mobilenetv2.InvertedResidual). */
export class MobileNetV2InvertedResidual extends Module {
  declare conv: Sequential;
  readonly stride: number;
  readonly useResConnect: boolean;
  readonly outChannels: number;
  /** torchvision's `_is_cn`: a block that strides, where detection backbones cut the network into stages. */
  readonly isCn: boolean;

  constructor(inp: number, oup: number, stride: number, expandRatio: number, normLayer: NormLayerFactory | null = null) {
    [inp, oup, stride, expandRatio, normLayer = null] = bindOwn(MobileNetV2InvertedResidual, arguments) as ConstructorParameters<typeof MobileNetV2InvertedResidual>;
    super();
    if (stride !== 1 && stride !== 2) throw new RangeError(`InvertedResidual: stride should be 1 or 2 instead of ${stride}`);
    this.stride = stride;
    const norm = normLayer ?? batchNorm;
    const hiddenDim = pyRound(inp * expandRatio);
    this.useResConnect = stride === 1 && inp === oup;
    const layers: Module[] = [];
    if (expandRatio !== 1) {
      layers.push(new Conv2dNormActivation(inp, hiddenDim, { kernelSize: 1, normLayer: norm, activationLayer: relu6 }));
    }
    layers.push(
      new Conv2dNormActivation(hiddenDim, hiddenDim, { stride, groups: hiddenDim, normLayer: norm, activationLayer: relu6 }),
      new nn.Conv2d(hiddenDim, oup, 1, { stride: 1, padding: 0, bias: false }),
      norm(oup),
    );
    this.conv = new Sequential(...layers);
    this.outChannels = oup;
    this.isCn = stride > 1;
  }

  override _getName(): string { return 'InvertedResidual'; }

  override forward(x: Tensor): Tensor {
    return this.useResConnect ? x.add(this.conv.call(x)) : this.conv.call(x);
  }
}
classArgs(MobileNetV2InvertedResidual, 'tstorch.vision.models.MobileNetV2InvertedResidual', 'inp, oup, stride, expandRatio, normLayer?');

export type MobileNetV2Block = new (inp: number, oup: number, stride: number, expandRatio: number, normLayer: NormLayerFactory | null) => Module;

export interface MobileNetV2Options {
  numClasses?: number;
  /** Channel multiplier (the paper's alpha). */
  widthMult?: number;
  /** Rows [t, c, n, s]: expansion, output channels, repeats, first stride. */
  invertedResidualSetting?: number[][] | null;
  /** Round channel counts to a multiple of this. */
  roundNearest?: number;
  block?: MobileNetV2Block | null;
  normLayer?: NormLayerFactory | null;
  dropout?: number;
}

export class MobileNetV2 extends Module {
  declare features: Sequential;
  declare classifier: Sequential;
  readonly lastChannel: number;

  constructor(...rest: PyRest<MobileNetV2Options, ['numClasses', 'widthMult', 'invertedResidualSetting', 'roundNearest', 'block', 'normLayer', 'dropout']>);
  constructor(...args: unknown[]) {
    const [opts = {}] = bindOwn(MobileNetV2, args) as [MobileNetV2Options?];
    super();
    const Block = opts.block ?? MobileNetV2InvertedResidual;
    const normLayer = opts.normLayer ?? batchNorm;
    const widthMult = opts.widthMult ?? 1.0;
    const roundNearest = opts.roundNearest ?? 8;
    const setting = opts.invertedResidualSetting ?? [
      [1, 16, 1, 1],
      [6, 24, 2, 2],
      [6, 32, 3, 2],
      [6, 64, 4, 2],
      [6, 96, 3, 1],
      [6, 160, 3, 2],
      [6, 320, 1, 1],
    ];
    if (setting.length === 0 || setting[0]!.length !== 4) {
      throw new TypeError(`invertedResidualSetting should be non-empty or a 4-element list, got ${JSON.stringify(setting)}`);
    }
    let inputChannel = makeDivisible(32 * widthMult, roundNearest);
    this.lastChannel = makeDivisible(1280 * Math.max(1.0, widthMult), roundNearest);
    const features: Module[] = [
      new Conv2dNormActivation(3, inputChannel, { stride: 2, normLayer, activationLayer: relu6 }),
    ];
    for (const [t, c, n, s] of setting as [number, number, number, number][]) {
      const outputChannel = makeDivisible(c * widthMult, roundNearest);
      for (let i = 0; i < n; i++) {
        features.push(new Block(inputChannel, outputChannel, i === 0 ? s : 1, t, normLayer));
        inputChannel = outputChannel;
      }
    }
    features.push(new Conv2dNormActivation(inputChannel, this.lastChannel, { kernelSize: 1, normLayer, activationLayer: relu6 }));
    this.features = new Sequential(...features);
    this.classifier = new Sequential(new nn.Dropout({ p: opts.dropout ?? 0.2 }), new nn.Linear(this.lastChannel, opts.numClasses ?? 1000));

    initMobileNetWeights(this);
  }

  override forward(x: Tensor): Tensor {
    x = this.features.call(x);
    // not squeeze(): the batch may have one sample
    x = adaptiveAvgPool2d(x, [1, 1]);
    x = flatten(x, 1);
    return this.classifier.call(x);
  }
}
classArgs(MobileNetV2, 'torchvision.models.MobileNetV2', '; numClasses, widthMult, invertedResidualSetting, roundNearest, block, normLayer, dropout');

export type MobileNetV2BuilderOptions = MobileNetV2Options & BuilderOptions;

export const MobileNet_V2_Weights = weightsEnum('MobileNet_V2_Weights');

export const mobilenet_v2 = modelBuilder('mobilenet_v2', (opts: MobileNetV2BuilderOptions = {}): MobileNetV2 =>
  buildModel(MobileNet_V2_Weights, opts, (o) => new MobileNetV2(o), { options: ['numClasses', 'widthMult', 'invertedResidualSetting', 'roundNearest', 'block', 'normLayer', 'dropout'] }));

registerModel('mobilenet_v2', mobilenet_v2, MobileNet_V2_Weights);
