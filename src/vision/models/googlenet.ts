// GoogLeNet (Szegedy et al. 2014, "Going deeper with convolutions") as torchvision builds it: batch-normalised
// convolutions, the 5x5 branch computed with a 3x3 kernel (a known torchvision quirk kept for its checkpoints),
// two auxiliary classifiers used in training only.
import { Module, callChain, releaseOutput } from '../../nn/module.js';
import { disposeTemporary } from '../../memory.js';
import { catBranches } from './branches.js';
import { Sequential } from '../../nn/modules/container.js';
import * as nn from '../../nn/index.js';
import { flatten } from '../../functions.js';
import { cat } from '../../creation.js';
import type { Tensor } from '../../tensor.js';
import { registerModel } from './registry.js';
import { buildModel, overwriteNamedParam, weightsEnum, type BuilderOptions } from './weights.js';
import { checkBuilderArity, registerBuilder } from './builder-args.js';
import { bindOwn, classArgs, registerSignature, type PyRest } from '../../args.js';

// PyTorch's argument binding (src/args.ts) for this module's functions: an extra positional argument or an
// unknown keyword is a TypeError naming it.
registerSignature(transformInputImageNet, 'transformInputImageNet', 'tstorch.vision.models.transformInputImageNet', 'x');

type ConvArgs = { kernelSize: number | [number, number]; stride?: number | [number, number]; padding?: number | [number, number] };

/** Conv (no bias) -> BatchNorm (eps 1e-3) -> ReLU. */
export class BasicConv2d extends Module {
  declare conv: nn.Conv2d;
  declare bn: nn.BatchNorm2d;

  constructor(inChannels: number, outChannels: number, a: ConvArgs) {
    [inChannels, outChannels, a] = bindOwn(BasicConv2d, arguments) as ConstructorParameters<typeof BasicConv2d>;
    super();
    this.conv = new nn.Conv2d(inChannels, outChannels, a.kernelSize, { stride: a.stride ?? 1, padding: a.padding ?? 0, bias: false });
    this.bn = new nn.BatchNorm2d(outChannels, { eps: 0.001 });
  }

  override forward(x: Tensor): Tensor {
    return nn.functional.relu(callChain(x, [this.conv, this.bn]), { inplace: true });
  }
}
classArgs(BasicConv2d, 'torchvision.models.BasicConv2d', 'inChannels, outChannels; *, kernelSize, stride, padding');

/** Four parallel branches concatenated on channels: 1x1; 1x1 -> 3x3; 1x1 -> 3x3 (the "5x5"); 3x3 max pool -> 1x1. */
export class Inception extends Module {
  declare branch1: Module;
  declare branch2: Sequential;
  declare branch3: Sequential;
  declare branch4: Sequential;

  constructor(inChannels: number, ch1x1: number, ch3x3red: number, ch3x3: number, ch5x5red: number, ch5x5: number, poolProj: number) {
    [inChannels, ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, poolProj] = bindOwn(Inception, arguments) as ConstructorParameters<typeof Inception>;
    super();
    this.branch1 = new BasicConv2d(inChannels, ch1x1, { kernelSize: 1 });
    this.branch2 = new Sequential(new BasicConv2d(inChannels, ch3x3red, { kernelSize: 1 }), new BasicConv2d(ch3x3red, ch3x3, { kernelSize: 3, padding: 1 }));
    this.branch3 = new Sequential(new BasicConv2d(inChannels, ch5x5red, { kernelSize: 1 }), new BasicConv2d(ch5x5red, ch5x5, { kernelSize: 3, padding: 1 }));
    this.branch4 = new Sequential(new nn.MaxPool2d(3, { stride: 1, padding: 1, ceilMode: true }), new BasicConv2d(inChannels, poolProj, { kernelSize: 1 }));
  }

  override forward(x: Tensor): Tensor {
    return catBranches(x, [this.branch1, this.branch2, this.branch3, this.branch4]);
  }
}
classArgs(Inception, 'torchvision.models.Inception', 'inChannels, ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, poolProj');

/** An auxiliary classifier on an intermediate feature map (training only). */
export class GoogLeNetInceptionAux extends Module {
  declare conv: Module;
  declare fc1: nn.Linear;
  declare fc2: nn.Linear;
  declare dropout: Module;

  constructor(inChannels: number, numClasses: number, opts: { dropout?: number } = {}) {
    [inChannels, numClasses, opts = {}] = bindOwn(GoogLeNetInceptionAux, arguments) as ConstructorParameters<typeof GoogLeNetInceptionAux>;
    super();
    this.conv = new BasicConv2d(inChannels, 128, { kernelSize: 1 });
    this.fc1 = new nn.Linear(2048, 1024);
    this.fc2 = new nn.Linear(1024, numClasses);
    this.dropout = new nn.Dropout({ p: opts.dropout ?? 0.7 });
  }

  // Inception v3 has its own InceptionAux; both print under torchvision's name.
  override _getName(): string { return 'InceptionAux'; }

  override forward(x: Tensor): Tensor {
    x = nn.functional.adaptiveAvgPool2d(x, [4, 4]);
    x = this.conv.call(x);
    x = flatten(x, 1);
    x = nn.functional.relu(this.fc1.call(x), { inplace: true });
    x = this.dropout.call(x);
    return this.fc2.call(x);
  }
}
classArgs(GoogLeNetInceptionAux, 'tstorch.vision.models.GoogLeNetInceptionAux', 'inChannels, numClasses; *, dropout');

/**
 * The training-mode result with auxiliary classifiers. As in torchvision 0.14, whose forward() swaps the two
 * auxiliary results when it packs them, `aux2` holds the output of the `aux1` head (after inception4a) and `aux1`
 * that of the `aux2` head (after inception4d); kept so that code ported from PyTorch computes the same losses.
 */
export interface GoogLeNetOutputs {
  logits: Tensor;
  aux2: Tensor | null;
  aux1: Tensor | null;
}

export interface GoogLeNetOptions {
  numClasses?: number;
  auxLogits?: boolean;
  /** Re-normalise an ImageNet-normalised input to the [-1, 1] scaling the original checkpoint expects. */
  transformInput?: boolean;
  initWeights?: boolean;
  dropout?: number;
  dropoutAux?: number;
}

/** Maps an input normalised with ImageNet's mean/std to (x - 0.5) / 0.5 scaling, channel by channel. */
export function transformInputImageNet(x: Tensor): Tensor {
  [x] = bindOwn(transformInputImageNet, arguments) as Parameters<typeof transformInputImageNet>;
  const ch = (i: number, std: number, mean: number): Tensor => x.select(1, i).unsqueeze(1).mul(std / 0.5).add((mean - 0.5) / 0.5);
  return cat([ch(0, 0.229, 0.485), ch(1, 0.224, 0.456), ch(2, 0.225, 0.406)], 1);
}

export class GoogLeNet extends Module {
  declare auxLogits: boolean;
  declare transformInput: boolean;
  declare conv1: BasicConv2d;
  declare maxpool1: Module;
  declare conv2: Module;
  declare conv3: Module;
  declare maxpool2: Module;
  declare inception3a: Module;
  declare inception3b: Module;
  declare maxpool3: Module;
  declare inception4a: Module;
  declare inception4b: Module;
  declare inception4c: Module;
  declare inception4d: Module;
  declare inception4e: Module;
  declare maxpool4: Module;
  declare inception5a: Module;
  declare inception5b: Module;
  declare aux1: GoogLeNetInceptionAux | null;
  declare aux2: GoogLeNetInceptionAux | null;
  declare avgpool: Module;
  declare dropout: Module;
  declare fc: nn.Linear;

  constructor(...rest: PyRest<GoogLeNetOptions, ['numClasses', 'auxLogits', 'transformInput', 'initWeights']>);
  constructor(...args: unknown[]) {
    const [opts = {}] = bindOwn(GoogLeNet, args) as [GoogLeNetOptions?];
    super();
    const numClasses = opts.numClasses ?? 1000;
    this.auxLogits = opts.auxLogits ?? true;
    this.transformInput = opts.transformInput ?? false;
    this.conv1 = new BasicConv2d(3, 64, { kernelSize: 7, stride: 2, padding: 3 });
    this.maxpool1 = new nn.MaxPool2d(3, { stride: 2, ceilMode: true });
    this.conv2 = new BasicConv2d(64, 64, { kernelSize: 1 });
    this.conv3 = new BasicConv2d(64, 192, { kernelSize: 3, padding: 1 });
    this.maxpool2 = new nn.MaxPool2d(3, { stride: 2, ceilMode: true });
    this.inception3a = new Inception(192, 64, 96, 128, 16, 32, 32);
    this.inception3b = new Inception(256, 128, 128, 192, 32, 96, 64);
    this.maxpool3 = new nn.MaxPool2d(3, { stride: 2, ceilMode: true });
    this.inception4a = new Inception(480, 192, 96, 208, 16, 48, 64);
    this.inception4b = new Inception(512, 160, 112, 224, 24, 64, 64);
    this.inception4c = new Inception(512, 128, 128, 256, 24, 64, 64);
    this.inception4d = new Inception(512, 112, 144, 288, 32, 64, 64);
    this.inception4e = new Inception(528, 256, 160, 320, 32, 128, 128);
    this.maxpool4 = new nn.MaxPool2d(2, { stride: 2, ceilMode: true });
    this.inception5a = new Inception(832, 256, 160, 320, 32, 128, 128);
    this.inception5b = new Inception(832, 384, 192, 384, 48, 128, 128);
    if (this.auxLogits) {
      this.aux1 = new GoogLeNetInceptionAux(512, numClasses, { dropout: opts.dropoutAux ?? 0.7 });
      this.aux2 = new GoogLeNetInceptionAux(528, numClasses, { dropout: opts.dropoutAux ?? 0.7 });
    } else {
      this.aux1 = null;
      this.aux2 = null;
    }
    this.avgpool = new nn.AdaptiveAvgPool2d([1, 1]);
    this.dropout = new nn.Dropout({ p: opts.dropout ?? 0.2 });
    this.fc = new nn.Linear(1024, numClasses);

    if (opts.initWeights ?? true) {
      for (const m of this.modules()) {
        if (m instanceof nn.Conv2d || m instanceof nn.Linear) nn.init.truncNormal_(m.weight, 0, 0.01, -2, 2);
        else if (m instanceof nn.BatchNorm2d) {
          nn.init.constant_(m.weight!, 1);
          nn.init.constant_(m.bias!, 0);
        }
      }
    }
  }

  /** Logits in eval mode (or without auxiliary heads); {logits, aux2, aux1} in training mode with them. */
  override forward(x: Tensor): Tensor | GoogLeNetOutputs {
    // Chains of layers free each activation once the next layer has consumed it (callChain, releaseOutput).
    const input = this.transformInput ? transformInputImageNet(x) : x;
    const at4a: Tensor = callChain(input, [this.conv1, this.maxpool1, this.conv2, this.conv3, this.maxpool2,
      this.inception3a, this.inception3b, this.maxpool3, this.inception4a]);
    if (input !== x) disposeTemporary(input);
    const headA: Tensor | null = this.aux1 && this.training ? this.aux1.call(at4a) : null;
    const at4d: Tensor = callChain(at4a, [this.inception4b, this.inception4c, this.inception4d]);
    releaseOutput(this.inception4a, at4a);
    const headB: Tensor | null = this.aux2 && this.training ? this.aux2.call(at4d) : null;
    const pooled: Tensor = callChain(at4d, [this.inception4e, this.maxpool4, this.inception5a, this.inception5b, this.avgpool]);
    releaseOutput(this.inception4d, at4d);
    const logits: Tensor = callChain(flatten(pooled, 1), [this.dropout, this.fc]);
    releaseOutput(this.avgpool, pooled);
    if (this.training && this.auxLogits) return { logits, aux2: headA, aux1: headB };
    return logits;
  }
}
classArgs(GoogLeNet, 'torchvision.models.GoogLeNet', '; numClasses, auxLogits, transformInput, initWeights, *, dropout, dropoutAux');

export const GoogLeNet_Weights = weightsEnum('GoogLeNet_Weights');

/** With published weights the auxiliary heads are dropped unless auxLogits is asked for (they are not trained). */
export function googlenet(opts: GoogLeNetOptions & BuilderOptions = {}): GoogLeNet {
  checkBuilderArity('googlenet', arguments.length, opts);
  const originalAuxLogits = opts.auxLogits ?? false;
  return buildModel(GoogLeNet_Weights, opts, (o) => new GoogLeNet(o), { options: ['numClasses', 'auxLogits', 'transformInput', 'initWeights', 'dropout', 'dropoutAux'],
    fixOptions: (o) => {
      if (o.transformInput === undefined) o.transformInput = true;
      overwriteNamedParam(o, 'auxLogits', true);
      overwriteNamedParam(o, 'initWeights', false);
    },
    afterLoad: (m) => {
      if (!originalAuxLogits) {
        m.auxLogits = false;
        m.aux1 = null;
        m.aux2 = null;
      } else {
        process.emitWarning('auxiliary heads in the pretrained googlenet model are NOT pretrained, so make sure to train them');
      }
    },
  });
}

registerModel('googlenet', googlenet, GoogLeNet_Weights);
registerBuilder('googlenet', googlenet);
