// EfficientNet B0-B7 (Tan & Le 2019) and EfficientNetV2 S/M/L (Tan & Le 2021), as torchvision's
// efficientnet.py: MBConv / FusedMBConv stages with stochastic depth growing linearly with block index.
import { Module } from '../../nn/module.js';
import { Sequential } from '../../nn/modules/container.js';
import * as nn from '../../nn/index.js';
import { flatten } from '../../functions.js';
import type { Tensor } from '../../tensor.js';
import { Conv2dNormActivation, SqueezeExcitation, type NormLayerFactory, type ActivationLayerFactory } from '../ops/misc.js';
import { StochasticDepth } from '../ops/stochastic-depth.js';
import { registerModel } from './registry.js';
import { initMobileNetWeights } from './mobile-init.js';
import { buildModel, weightsEnum, type BuilderOptions, type WeightsEnum } from './weights.js';
import { makeDivisible } from './make-divisible.js';
import { modelBuilder } from './builder-args.js';
import { bindOwn, classArgs, registerSignature, type PyRest } from '../../args.js';

// PyTorch's argument binding (src/args.ts) for this module's functions: an extra positional argument or an
// unknown keyword is a TypeError naming it.
registerSignature(efficientnetConf, 'efficientnetConf', 'tstorch.vision.models.efficientnetConf', 'arch, widthMult?, depthMult?');

const silu: ActivationLayerFactory = (o) => new nn.SiLU(o);
const siluInplace: ActivationLayerFactory = () => new nn.SiLU({ inplace: true });

export type MBConvBlock = new (cnf: MBConvConfigBase, stochasticDepthProb: number, normLayer: NormLayerFactory) => Module;

/** What both block configurations share (torchvision's _MBConvConfig). */
export abstract class MBConvConfigBase {
  constructor(
    public expandRatio: number,
    public kernel: number,
    public stride: number,
    public inputChannels: number,
    public outChannels: number,
    public numLayers: number,
    public block: MBConvBlock,
  ) {}

  static adjustChannels(channels: number, widthMult: number, minValue: number | null = null): number {
    return makeDivisible(channels * widthMult, 8, minValue);
  }

  /** A shallow copy, as torchvision's copy.copy of a stage's config for each of its blocks. */
  clone(): this {
    return Object.assign(Object.create(Object.getPrototypeOf(this)), this);
  }
}

/** An MBConv stage: Table 1 of the EfficientNet paper, Table 4 of the EfficientNetV2 paper. */
export class MBConvConfig extends MBConvConfigBase {
  constructor(expandRatio: number, kernel: number, stride: number, inputChannels: number, outChannels: number,
    numLayers: number, widthMult = 1.0, depthMult = 1.0, block: MBConvBlock | null = null) {
    [expandRatio, kernel, stride, inputChannels, outChannels, numLayers, widthMult = 1.0, depthMult = 1.0, block = null] = bindOwn(MBConvConfig, arguments) as ConstructorParameters<typeof MBConvConfig>;
    super(expandRatio, kernel, stride, MBConvConfigBase.adjustChannels(inputChannels, widthMult),
      MBConvConfigBase.adjustChannels(outChannels, widthMult), MBConvConfig.adjustDepth(numLayers, depthMult), block ?? MBConv);
  }

  static adjustDepth(numLayers: number, depthMult: number): number {
    return Math.ceil(numLayers * depthMult);
  }
}
classArgs(MBConvConfig, 'torchvision.models.MBConvConfig', 'expandRatio, kernel, stride, inputChannels, outChannels, numLayers, widthMult?, depthMult?, block?');

/** A FusedMBConv stage (Table 4 of the EfficientNetV2 paper). */
export class FusedMBConvConfig extends MBConvConfigBase {
  constructor(expandRatio: number, kernel: number, stride: number, inputChannels: number, outChannels: number,
    numLayers: number, block: MBConvBlock | null = null) {
    [expandRatio, kernel, stride, inputChannels, outChannels, numLayers, block = null] = bindOwn(FusedMBConvConfig, arguments) as ConstructorParameters<typeof FusedMBConvConfig>;
    super(expandRatio, kernel, stride, inputChannels, outChannels, numLayers, block ?? FusedMBConv);
  }
}
classArgs(FusedMBConvConfig, 'torchvision.models.FusedMBConvConfig', 'expandRatio, kernel, stride, inputChannels, outChannels, numLayers, block?');

/** Expand (1x1), depthwise, squeeze-and-excitation, project (1x1); a residual with stochastic depth. */
export class MBConv extends Module {
  declare block: Sequential;
  declare stochastic_depth: StochasticDepth;
  readonly useResConnect: boolean;
  readonly outChannels: number;

  constructor(cnf: MBConvConfigBase, stochasticDepthProb: number, normLayer: NormLayerFactory,
    seLayer: (inCh: number, sqCh: number, activation: ActivationLayerFactory) => Module = (i, s, a) => new SqueezeExcitation(i, s, { activation: a })) {
    [cnf, stochasticDepthProb, normLayer, seLayer = (i, s, a) => new SqueezeExcitation(i, s, { activation: a })] = bindOwn(MBConv, arguments) as ConstructorParameters<typeof MBConv>;
    super();
    if (!(cnf.stride >= 1 && cnf.stride <= 2)) throw new RangeError(`MBConv: illegal stride value ${cnf.stride}`);
    this.useResConnect = cnf.stride === 1 && cnf.inputChannels === cnf.outChannels;
    const layers: Module[] = [];
    const expandedChannels = MBConvConfigBase.adjustChannels(cnf.inputChannels, cnf.expandRatio);
    if (expandedChannels !== cnf.inputChannels) {
      layers.push(new Conv2dNormActivation(cnf.inputChannels, expandedChannels, { kernelSize: 1, normLayer, activationLayer: silu }));
    }
    layers.push(new Conv2dNormActivation(expandedChannels, expandedChannels, {
      kernelSize: cnf.kernel, stride: cnf.stride, groups: expandedChannels, normLayer, activationLayer: silu,
    }));
    const squeezeChannels = Math.max(1, Math.floor(cnf.inputChannels / 4));
    layers.push(seLayer(expandedChannels, squeezeChannels, siluInplace));
    layers.push(new Conv2dNormActivation(expandedChannels, cnf.outChannels, { kernelSize: 1, normLayer, activationLayer: null }));
    this.block = new Sequential(...layers);
    this.stochastic_depth = new StochasticDepth(stochasticDepthProb, 'row');
    this.outChannels = cnf.outChannels;
  }

  override forward(input: Tensor): Tensor {
    let result: Tensor = this.block.call(input);
    if (this.useResConnect) {
      result = this.stochastic_depth.call(result);
      result.add_(input);
    }
    return result;
  }
}
classArgs(MBConv, 'torchvision.models.MBConv', 'cnf, stochasticDepthProb, normLayer, seLayer?');

/** EfficientNetV2's early block: one regular 3x3 convolution in place of expand + depthwise. */
export class FusedMBConv extends Module {
  declare block: Sequential;
  declare stochastic_depth: StochasticDepth;
  readonly useResConnect: boolean;
  readonly outChannels: number;

  constructor(cnf: MBConvConfigBase, stochasticDepthProb: number, normLayer: NormLayerFactory) {
    [cnf, stochasticDepthProb, normLayer] = bindOwn(FusedMBConv, arguments) as ConstructorParameters<typeof FusedMBConv>;
    super();
    if (!(cnf.stride >= 1 && cnf.stride <= 2)) throw new RangeError(`FusedMBConv: illegal stride value ${cnf.stride}`);
    this.useResConnect = cnf.stride === 1 && cnf.inputChannels === cnf.outChannels;
    const layers: Module[] = [];
    const expandedChannels = MBConvConfigBase.adjustChannels(cnf.inputChannels, cnf.expandRatio);
    if (expandedChannels !== cnf.inputChannels) {
      layers.push(new Conv2dNormActivation(cnf.inputChannels, expandedChannels, {
        kernelSize: cnf.kernel, stride: cnf.stride, normLayer, activationLayer: silu,
      }));
      layers.push(new Conv2dNormActivation(expandedChannels, cnf.outChannels, { kernelSize: 1, normLayer, activationLayer: null }));
    } else {
      layers.push(new Conv2dNormActivation(cnf.inputChannels, cnf.outChannels, {
        kernelSize: cnf.kernel, stride: cnf.stride, normLayer, activationLayer: silu,
      }));
    }
    this.block = new Sequential(...layers);
    this.stochastic_depth = new StochasticDepth(stochasticDepthProb, 'row');
    this.outChannels = cnf.outChannels;
  }

  override forward(input: Tensor): Tensor {
    let result: Tensor = this.block.call(input);
    if (this.useResConnect) {
      result = this.stochastic_depth.call(result);
      result.add_(input);
    }
    return result;
  }
}
classArgs(FusedMBConv, 'torchvision.models.FusedMBConv', 'cnf, stochasticDepthProb, normLayer');

export interface EfficientNetOptions {
  /** Maximum drop probability of a block's residual branch (the last block's); default 0.2. */
  stochasticDepthProb?: number;
  numClasses?: number;
  /** Default BatchNorm2d. */
  normLayer?: NormLayerFactory | null;
  /** Channels of the last convolution; default 4x the last stage's. */
  lastChannel?: number | null;
}

export class EfficientNet extends Module {
  declare features: Sequential;
  declare avgpool: Module;
  declare classifier: Sequential;

  constructor(setting: MBConvConfigBase[], dropout: number, ...rest: PyRest<EfficientNetOptions, ['stochasticDepthProb', 'numClasses', 'normLayer', 'lastChannel']>);
  constructor(...args: unknown[]) {
    const [setting, dropout, opts = {}] = bindOwn(EfficientNet, args) as [MBConvConfigBase[], number, EfficientNetOptions?];
    super();
    if (!setting || setting.length === 0) throw new RangeError('The invertedResidualSetting should not be empty');
    if (!setting.every((s) => s instanceof MBConvConfigBase)) throw new TypeError('The invertedResidualSetting should be MBConvConfig[]');
    const normLayer = opts.normLayer ?? ((c: number) => new nn.BatchNorm2d(c));
    const stochasticDepthProb = opts.stochasticDepthProb ?? 0.2;
    const layers: Module[] = [];
    const firstconvOutputChannels = setting[0]!.inputChannels;
    layers.push(new Conv2dNormActivation(3, firstconvOutputChannels, { kernelSize: 3, stride: 2, normLayer, activationLayer: silu }));

    const totalStageBlocks = setting.reduce((n, c) => n + c.numLayers, 0);
    let stageBlockId = 0;
    for (const cnf of setting) {
      const stage: Module[] = [];
      for (let i = 0; i < cnf.numLayers; i++) {
        const blockCnf = cnf.clone();
        if (stage.length > 0) {
          blockCnf.inputChannels = blockCnf.outChannels;
          blockCnf.stride = 1;
        }
        // the drop probability grows with the block's depth in the network
        const sdProb = (stochasticDepthProb * stageBlockId) / totalStageBlocks;
        stage.push(new blockCnf.block(blockCnf, sdProb, normLayer));
        stageBlockId++;
      }
      layers.push(new Sequential(...stage));
    }
    const lastconvInputChannels = setting[setting.length - 1]!.outChannels;
    const lastconvOutputChannels = opts.lastChannel ?? 4 * lastconvInputChannels;
    layers.push(new Conv2dNormActivation(lastconvInputChannels, lastconvOutputChannels, { kernelSize: 1, normLayer, activationLayer: silu }));
    this.features = new Sequential(...layers);
    this.avgpool = new nn.AdaptiveAvgPool2d(1);
    this.classifier = new Sequential(new nn.Dropout({ p: dropout, inplace: true }), new nn.Linear(lastconvOutputChannels, opts.numClasses ?? 1000));

    initMobileNetWeights(this, (w) => {
      const initRange = 1.0 / Math.sqrt(w.shape[0]!); // out_features
      nn.init.uniform_(w, -initRange, initRange);
    });
  }

  override forward(x: Tensor): Tensor {
    x = this.features.call(x);
    x = this.avgpool.call(x);
    x = flatten(x, 1);
    return this.classifier.call(x);
  }
}
classArgs(EfficientNet, 'torchvision.models.EfficientNet', 'invertedResidualSetting, dropout; stochasticDepthProb, numClasses, normLayer, lastChannel');

type Arch = 'efficientnet_b' | 'efficientnet_v2_s' | 'efficientnet_v2_m' | 'efficientnet_v2_l';

/** torchvision's _efficientnet_conf: the stage table and the last convolution's width. */
export function efficientnetConf(arch: Arch, widthMult = 1.0, depthMult = 1.0): [MBConvConfigBase[], number | null] {
  [arch, widthMult = 1.0, depthMult = 1.0] = bindOwn(efficientnetConf, arguments) as Parameters<typeof efficientnetConf>;
  if (arch === 'efficientnet_b') {
    const b = (e: number, k: number, s: number, i: number, o: number, n: number) => new MBConvConfig(e, k, s, i, o, n, widthMult, depthMult);
    return [[
      b(1, 3, 1, 32, 16, 1),
      b(6, 3, 2, 16, 24, 2),
      b(6, 5, 2, 24, 40, 2),
      b(6, 3, 2, 40, 80, 3),
      b(6, 5, 1, 80, 112, 3),
      b(6, 5, 2, 112, 192, 4),
      b(6, 3, 1, 192, 320, 1),
    ], null];
  }
  const F = (e: number, k: number, s: number, i: number, o: number, n: number) => new FusedMBConvConfig(e, k, s, i, o, n);
  const M = (e: number, k: number, s: number, i: number, o: number, n: number) => new MBConvConfig(e, k, s, i, o, n);
  if (arch === 'efficientnet_v2_s') {
    return [[F(1, 3, 1, 24, 24, 2), F(4, 3, 2, 24, 48, 4), F(4, 3, 2, 48, 64, 4), M(4, 3, 2, 64, 128, 6), M(6, 3, 1, 128, 160, 9),
      M(6, 3, 2, 160, 256, 15)], 1280];
  }
  if (arch === 'efficientnet_v2_m') {
    return [[F(1, 3, 1, 24, 24, 3), F(4, 3, 2, 24, 48, 5), F(4, 3, 2, 48, 80, 5), M(4, 3, 2, 80, 160, 7), M(6, 3, 1, 160, 176, 14),
      M(6, 3, 2, 176, 304, 18), M(6, 3, 1, 304, 512, 5)], 1280];
  }
  if (arch === 'efficientnet_v2_l') {
    return [[F(1, 3, 1, 32, 32, 4), F(4, 3, 2, 32, 64, 7), F(4, 3, 2, 64, 96, 7), M(4, 3, 2, 96, 192, 10), M(6, 3, 1, 192, 224, 19),
      M(6, 3, 2, 224, 384, 25), M(6, 3, 1, 384, 640, 7)], 1280];
  }
  throw new Error(`Unsupported model type ${arch as string}`);
}

export type EfficientNetBuilderOptions = Omit<EfficientNetOptions, 'lastChannel'> & BuilderOptions;

function efficientnet(e: WeightsEnum, conf: [MBConvConfigBase[], number | null], dropout: number, opts: EfficientNetBuilderOptions,
  defaultNorm?: NormLayerFactory): EfficientNet {
  return buildModel(e, opts, (o) => new EfficientNet(conf[0], dropout, { ...o, normLayer: o.normLayer ?? defaultNorm, lastChannel: conf[1] }), { options: ['stochasticDepthProb', 'numClasses', 'normLayer'] });
}

export const EfficientNet_B0_Weights = weightsEnum('EfficientNet_B0_Weights');
export const EfficientNet_B1_Weights = weightsEnum('EfficientNet_B1_Weights');
export const EfficientNet_B2_Weights = weightsEnum('EfficientNet_B2_Weights');
export const EfficientNet_B3_Weights = weightsEnum('EfficientNet_B3_Weights');
export const EfficientNet_B4_Weights = weightsEnum('EfficientNet_B4_Weights');
export const EfficientNet_B5_Weights = weightsEnum('EfficientNet_B5_Weights');
export const EfficientNet_B6_Weights = weightsEnum('EfficientNet_B6_Weights');
export const EfficientNet_B7_Weights = weightsEnum('EfficientNet_B7_Weights');
export const EfficientNet_V2_S_Weights = weightsEnum('EfficientNet_V2_S_Weights');
export const EfficientNet_V2_M_Weights = weightsEnum('EfficientNet_V2_M_Weights');
export const EfficientNet_V2_L_Weights = weightsEnum('EfficientNet_V2_L_Weights');

// B5-B7 were ported from TensorFlow checkpoints, whose BatchNorm used these settings.
const tfNorm: NormLayerFactory = (c) => new nn.BatchNorm2d(c, { eps: 0.001, momentum: 0.01 });
const v2Norm: NormLayerFactory = (c) => new nn.BatchNorm2d(c, { eps: 1e-3 });

type B = (opts?: EfficientNetBuilderOptions) => EfficientNet;
export const efficientnet_b0: B = modelBuilder<B>('efficientnet_b0', (opts = {}) => efficientnet(EfficientNet_B0_Weights, efficientnetConf('efficientnet_b', 1.0, 1.0), 0.2, opts));
export const efficientnet_b1: B = modelBuilder<B>('efficientnet_b1', (opts = {}) => efficientnet(EfficientNet_B1_Weights, efficientnetConf('efficientnet_b', 1.0, 1.1), 0.2, opts));
export const efficientnet_b2: B = modelBuilder<B>('efficientnet_b2', (opts = {}) => efficientnet(EfficientNet_B2_Weights, efficientnetConf('efficientnet_b', 1.1, 1.2), 0.3, opts));
export const efficientnet_b3: B = modelBuilder<B>('efficientnet_b3', (opts = {}) => efficientnet(EfficientNet_B3_Weights, efficientnetConf('efficientnet_b', 1.2, 1.4), 0.3, opts));
export const efficientnet_b4: B = modelBuilder<B>('efficientnet_b4', (opts = {}) => efficientnet(EfficientNet_B4_Weights, efficientnetConf('efficientnet_b', 1.4, 1.8), 0.4, opts));
export const efficientnet_b5: B = modelBuilder<B>('efficientnet_b5', (opts = {}) => efficientnet(EfficientNet_B5_Weights, efficientnetConf('efficientnet_b', 1.6, 2.2), 0.4, opts, tfNorm));
export const efficientnet_b6: B = modelBuilder<B>('efficientnet_b6', (opts = {}) => efficientnet(EfficientNet_B6_Weights, efficientnetConf('efficientnet_b', 1.8, 2.6), 0.5, opts, tfNorm));
export const efficientnet_b7: B = modelBuilder<B>('efficientnet_b7', (opts = {}) => efficientnet(EfficientNet_B7_Weights, efficientnetConf('efficientnet_b', 2.0, 3.1), 0.5, opts, tfNorm));
export const efficientnet_v2_s: B = modelBuilder<B>('efficientnet_v2_s', (opts = {}) => efficientnet(EfficientNet_V2_S_Weights, efficientnetConf('efficientnet_v2_s'), 0.2, opts, v2Norm));
export const efficientnet_v2_m: B = modelBuilder<B>('efficientnet_v2_m', (opts = {}) => efficientnet(EfficientNet_V2_M_Weights, efficientnetConf('efficientnet_v2_m'), 0.3, opts, v2Norm));
export const efficientnet_v2_l: B = modelBuilder<B>('efficientnet_v2_l', (opts = {}) => efficientnet(EfficientNet_V2_L_Weights, efficientnetConf('efficientnet_v2_l'), 0.4, opts, v2Norm));

registerModel('efficientnet_b0', efficientnet_b0, EfficientNet_B0_Weights);
registerModel('efficientnet_b1', efficientnet_b1, EfficientNet_B1_Weights);
registerModel('efficientnet_b2', efficientnet_b2, EfficientNet_B2_Weights);
registerModel('efficientnet_b3', efficientnet_b3, EfficientNet_B3_Weights);
registerModel('efficientnet_b4', efficientnet_b4, EfficientNet_B4_Weights);
registerModel('efficientnet_b5', efficientnet_b5, EfficientNet_B5_Weights);
registerModel('efficientnet_b6', efficientnet_b6, EfficientNet_B6_Weights);
registerModel('efficientnet_b7', efficientnet_b7, EfficientNet_B7_Weights);
registerModel('efficientnet_v2_s', efficientnet_v2_s, EfficientNet_V2_S_Weights);
registerModel('efficientnet_v2_m', efficientnet_v2_m, EfficientNet_V2_M_Weights);
registerModel('efficientnet_v2_l', efficientnet_v2_l, EfficientNet_V2_L_Weights);
