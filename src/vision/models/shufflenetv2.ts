// ShuffleNet V2 (Ma et al. 2018), as torchvision's shufflenetv2.py: channel split, two branches, concat,
// channel shuffle. No custom initialisation: every layer keeps PyTorch's default init.
import { Module } from '../../nn/module.js';
import { Sequential } from '../../nn/modules/container.js';
import * as nn from '../../nn/index.js';
import { cat } from '../../creation.js';
import type { Tensor } from '../../tensor.js';
import { registerModel } from './registry.js';
import { buildModel, weightsEnum, type BuilderOptions, type WeightsEnum } from './weights.js';
import { modelBuilder } from './builder-args.js';
import { bindOwn, classArgs, registerSignature, type PyRest } from '../../args.js';

// PyTorch's argument binding (src/args.ts) for this module's functions: an extra positional argument or an
// unknown keyword is a TypeError naming it.
registerSignature(channelShuffle, 'channelShuffle', 'torchvision.models.channel_shuffle', 'x, groups');

/** Interleaves the channels of `groups` groups: [a0 a1 b0 b1] -> [a0 b0 a1 b1] for 2 groups. */
export function channelShuffle(x: Tensor, groups: number): Tensor {
  [x, groups] = bindOwn(channelShuffle, arguments) as Parameters<typeof channelShuffle>;
  const [b, c, h, w] = x.shape;
  if (x.ndim !== 4) throw new RangeError(`channelShuffle: expected a 4-d input (N, C, H, W), got shape [${x.shape.join()}]`);
  if (c % groups !== 0) throw new RangeError(`channelShuffle: ${c} channels cannot be split into ${groups} groups`);
  return x.view(b, groups, c / groups, h, w).transpose(1, 2).contiguous().view(b, -1, h, w);
}

function depthwiseConv(i: number, o: number, kernelSize: number, stride = 1, padding = 0, bias = false): nn.Conv2d {
  return new nn.Conv2d(i, o, kernelSize, { stride, padding, bias, groups: i });
}

/** ShuffleNet V2's unit; torchvision calls it InvertedResidual (shufflenetv2.InvertedResidual). */
export class ShuffleNetInvertedResidual extends Module {
  declare branch1: Sequential;
  declare branch2: Sequential;
  readonly stride: number;

  constructor(inp: number, oup: number, stride: number) {
    [inp, oup, stride] = bindOwn(ShuffleNetInvertedResidual, arguments) as ConstructorParameters<typeof ShuffleNetInvertedResidual>;
    super();
    if (!(stride >= 1 && stride <= 3)) throw new RangeError(`InvertedResidual: illegal stride value ${stride}`);
    this.stride = stride;
    const branchFeatures = Math.floor(oup / 2);
    if (stride === 1 && inp !== branchFeatures << 1) {
      throw new RangeError(`Invalid combination of stride ${stride}, inp ${inp} and oup ${oup} values. If stride == 1 then inp should be equal to oup // 2 << 1.`);
    }
    if (stride > 1) {
      this.branch1 = new Sequential(
        depthwiseConv(inp, inp, 3, stride, 1),
        new nn.BatchNorm2d(inp),
        new nn.Conv2d(inp, branchFeatures, 1, { stride: 1, padding: 0, bias: false }),
        new nn.BatchNorm2d(branchFeatures),
        new nn.ReLU({ inplace: true }),
      );
    } else {
      this.branch1 = new Sequential();
    }
    this.branch2 = new Sequential(
      new nn.Conv2d(stride > 1 ? inp : branchFeatures, branchFeatures, 1, { stride: 1, padding: 0, bias: false }),
      new nn.BatchNorm2d(branchFeatures),
      new nn.ReLU({ inplace: true }),
      depthwiseConv(branchFeatures, branchFeatures, 3, stride, 1),
      new nn.BatchNorm2d(branchFeatures),
      new nn.Conv2d(branchFeatures, branchFeatures, 1, { stride: 1, padding: 0, bias: false }),
      new nn.BatchNorm2d(branchFeatures),
      new nn.ReLU({ inplace: true }),
    );
  }

  override _getName(): string { return 'InvertedResidual'; }

  override forward(x: Tensor): Tensor {
    let out: Tensor;
    if (this.stride === 1) {
      const [x1, x2] = x.chunk(2, 1) as [Tensor, Tensor];
      out = cat([x1, this.branch2.call(x2)], 1);
    } else {
      out = cat([this.branch1.call(x), this.branch2.call(x)], 1);
    }
    return channelShuffle(out, 2);
  }
}
classArgs(ShuffleNetInvertedResidual, 'tstorch.vision.models.ShuffleNetInvertedResidual', 'inp, oup, stride');

export interface ShuffleNetV2Options {
  numClasses?: number;
  /** The unit class (torchvision's inverted_residual); default ShuffleNet V2's. */
  invertedResidual?: new (inp: number, oup: number, stride: number) => Module;
}

export class ShuffleNetV2 extends Module {
  declare conv1: Sequential;
  declare maxpool: Module;
  declare stage2: Sequential;
  declare stage3: Sequential;
  declare stage4: Sequential;
  declare conv5: Sequential;
  declare fc: nn.Linear;
  readonly stageOutChannels: number[];

  constructor(stagesRepeats: number[], stagesOutChannels: number[], ...rest: PyRest<ShuffleNetV2Options, ['numClasses', 'invertedResidual']>);
  constructor(...args: unknown[]) {
    const [stagesRepeats, stagesOutChannels, opts = {}] = bindOwn(ShuffleNetV2, args) as [number[], number[], ShuffleNetV2Options?];
    super();
    if (stagesRepeats.length !== 3) throw new RangeError('ShuffleNetV2: expected stagesRepeats as list of 3 positive ints');
    if (stagesOutChannels.length !== 5) throw new RangeError('ShuffleNetV2: expected stagesOutChannels as list of 5 positive ints');
    const Unit = opts.invertedResidual ?? ShuffleNetInvertedResidual;
    this.stageOutChannels = [...stagesOutChannels];
    let inputChannels = 3;
    let outputChannels = stagesOutChannels[0]!;
    this.conv1 = new Sequential(
      new nn.Conv2d(inputChannels, outputChannels, 3, { stride: 2, padding: 1, bias: false }),
      new nn.BatchNorm2d(outputChannels),
      new nn.ReLU({ inplace: true }),
    );
    inputChannels = outputChannels;
    this.maxpool = new nn.MaxPool2d(3, { stride: 2, padding: 1 });
    const names = ['stage2', 'stage3', 'stage4'] as const;
    names.forEach((name, s) => {
      const out = stagesOutChannels[s + 1]!;
      const seq: Module[] = [new Unit(inputChannels, out, 2)];
      for (let i = 0; i < stagesRepeats[s]! - 1; i++) seq.push(new Unit(out, out, 1));
      this[name] = new Sequential(...seq);
      inputChannels = out;
    });
    outputChannels = stagesOutChannels[4]!;
    this.conv5 = new Sequential(
      new nn.Conv2d(inputChannels, outputChannels, 1, { stride: 1, padding: 0, bias: false }),
      new nn.BatchNorm2d(outputChannels),
      new nn.ReLU({ inplace: true }),
    );
    this.fc = new nn.Linear(outputChannels, opts.numClasses ?? 1000);
  }

  override forward(x: Tensor): Tensor {
    x = this.conv1.call(x);
    x = this.maxpool.call(x);
    x = this.stage2.call(x);
    x = this.stage3.call(x);
    x = this.stage4.call(x);
    x = this.conv5.call(x);
    x = x.mean([2, 3]); // global pool
    return this.fc.call(x);
  }
}
classArgs(ShuffleNetV2, 'torchvision.models.ShuffleNetV2', 'stagesRepeats, stagesOutChannels; numClasses, invertedResidual');

export type ShuffleNetV2BuilderOptions = ShuffleNetV2Options & BuilderOptions;

export const ShuffleNet_V2_X0_5_Weights = weightsEnum('ShuffleNet_V2_X0_5_Weights');
export const ShuffleNet_V2_X1_0_Weights = weightsEnum('ShuffleNet_V2_X1_0_Weights');
export const ShuffleNet_V2_X1_5_Weights = weightsEnum('ShuffleNet_V2_X1_5_Weights');
export const ShuffleNet_V2_X2_0_Weights = weightsEnum('ShuffleNet_V2_X2_0_Weights');

function shufflenetv2(e: WeightsEnum, outChannels: number[], opts: ShuffleNetV2BuilderOptions): ShuffleNetV2 {
  return buildModel(e, opts, (o) => new ShuffleNetV2([4, 8, 4], outChannels, o), { options: ['numClasses', 'invertedResidual'] });
}

export const shufflenet_v2_x0_5 = modelBuilder('shufflenet_v2_x0_5', (opts: ShuffleNetV2BuilderOptions = {}): ShuffleNetV2 =>
  shufflenetv2(ShuffleNet_V2_X0_5_Weights, [24, 48, 96, 192, 1024], opts));
export const shufflenet_v2_x1_0 = modelBuilder('shufflenet_v2_x1_0', (opts: ShuffleNetV2BuilderOptions = {}): ShuffleNetV2 =>
  shufflenetv2(ShuffleNet_V2_X1_0_Weights, [24, 116, 232, 464, 1024], opts));
export const shufflenet_v2_x1_5 = modelBuilder('shufflenet_v2_x1_5', (opts: ShuffleNetV2BuilderOptions = {}): ShuffleNetV2 =>
  shufflenetv2(ShuffleNet_V2_X1_5_Weights, [24, 176, 352, 704, 1024], opts));
export const shufflenet_v2_x2_0 = modelBuilder('shufflenet_v2_x2_0', (opts: ShuffleNetV2BuilderOptions = {}): ShuffleNetV2 =>
  shufflenetv2(ShuffleNet_V2_X2_0_Weights, [24, 244, 488, 976, 2048], opts));

registerModel('shufflenet_v2_x0_5', shufflenet_v2_x0_5, ShuffleNet_V2_X0_5_Weights);
registerModel('shufflenet_v2_x1_0', shufflenet_v2_x1_0, ShuffleNet_V2_X1_0_Weights);
registerModel('shufflenet_v2_x1_5', shufflenet_v2_x1_5, ShuffleNet_V2_X1_5_Weights);
registerModel('shufflenet_v2_x2_0', shufflenet_v2_x2_0, ShuffleNet_V2_X2_0_Weights);
