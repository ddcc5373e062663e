// Inception v3 (Szegedy et al. 2015, "Rethinking the Inception Architecture"), as torchvision's inception.py.
// Needs inputs of at least 75x75.
import { Module, callChain, releaseOutput } from '../../nn/module.js';
import { disposeTemporary } from '../../memory.js';
import { catBranches, avgPool3x3, maxPool3x3Stride2 } from './branches.js';
import * as nn from '../../nn/index.js';
import { flatten } from '../../functions.js';
import { cat } from '../../creation.js';
import type { Tensor } from '../../tensor.js';
import { registerModel } from './registry.js';
import { buildModel, overwriteNamedParam, weightsEnum, type BuilderOptions } from './weights.js';
import { BasicConv2d, transformInputImageNet } from './googlenet.js';
import { checkBuilderArity, registerBuilder } from './builder-args.js';
import { bindOwn, classArgs, type PyRest } from '../../args.js';

const F = nn.functional;
const conv = (i: number, o: number, k: number | [number, number], extra: { stride?: number; padding?: number | [number, number] } = {}): BasicConv2d =>
  new BasicConv2d(i, o, { kernelSize: k, ...extra });

/** 35x35 module: 1x1, 5x5, double 3x3 and average-pool branches. */
export class InceptionA extends Module {
  declare branch1x1: Module; declare branch5x5_1: Module; declare branch5x5_2: Module;
  declare branch3x3dbl_1: Module; declare branch3x3dbl_2: Module; declare branch3x3dbl_3: Module; declare branch_pool: Module;
  constructor(inChannels: number, poolFeatures: number) {
    [inChannels, poolFeatures] = bindOwn(InceptionA, arguments) as ConstructorParameters<typeof InceptionA>;
    super();
    this.branch1x1 = conv(inChannels, 64, 1);
    this.branch5x5_1 = conv(inChannels, 48, 1);
    this.branch5x5_2 = conv(48, 64, 5, { padding: 2 });
    this.branch3x3dbl_1 = conv(inChannels, 64, 1);
    this.branch3x3dbl_2 = conv(64, 96, 3, { padding: 1 });
    this.branch3x3dbl_3 = conv(96, 96, 3, { padding: 1 });
    this.branch_pool = conv(inChannels, poolFeatures, 1);
  }
  override forward(x: Tensor): Tensor {
    return catBranches(x, [
      this.branch1x1,
      [this.branch5x5_1, this.branch5x5_2],
      [this.branch3x3dbl_1, this.branch3x3dbl_2, this.branch3x3dbl_3],
      [avgPool3x3, this.branch_pool],
    ]);
  }
}
classArgs(InceptionA, 'torchvision.models.InceptionA', 'inChannels, poolFeatures');

/** Grid reduction 35 -> 17. */
export class InceptionB extends Module {
  declare branch3x3: Module; declare branch3x3dbl_1: Module; declare branch3x3dbl_2: Module; declare branch3x3dbl_3: Module;
  constructor(inChannels: number) {
    [inChannels] = bindOwn(InceptionB, arguments) as ConstructorParameters<typeof InceptionB>;
    super();
    this.branch3x3 = conv(inChannels, 384, 3, { stride: 2 });
    this.branch3x3dbl_1 = conv(inChannels, 64, 1);
    this.branch3x3dbl_2 = conv(64, 96, 3, { padding: 1 });
    this.branch3x3dbl_3 = conv(96, 96, 3, { stride: 2 });
  }
  override forward(x: Tensor): Tensor {
    return catBranches(x, [this.branch3x3, [this.branch3x3dbl_1, this.branch3x3dbl_2, this.branch3x3dbl_3], maxPool3x3Stride2]);
  }
}
classArgs(InceptionB, 'torchvision.models.InceptionB', 'inChannels');

/** 17x17 module with factorised 7x7 convolutions (1x7 and 7x1). */
export class InceptionC extends Module {
  declare branch1x1: Module;
  declare branch7x7_1: Module; declare branch7x7_2: Module; declare branch7x7_3: Module;
  declare branch7x7dbl_1: Module; declare branch7x7dbl_2: Module; declare branch7x7dbl_3: Module; declare branch7x7dbl_4: Module; declare branch7x7dbl_5: Module;
  declare branch_pool: Module;
  constructor(inChannels: number, channels7x7: number) {
    [inChannels, channels7x7] = bindOwn(InceptionC, arguments) as ConstructorParameters<typeof InceptionC>;
    super();
    const c7 = channels7x7;
    this.branch1x1 = conv(inChannels, 192, 1);
    this.branch7x7_1 = conv(inChannels, c7, 1);
    this.branch7x7_2 = conv(c7, c7, [1, 7], { padding: [0, 3] });
    this.branch7x7_3 = conv(c7, 192, [7, 1], { padding: [3, 0] });
    this.branch7x7dbl_1 = conv(inChannels, c7, 1);
    this.branch7x7dbl_2 = conv(c7, c7, [7, 1], { padding: [3, 0] });
    this.branch7x7dbl_3 = conv(c7, c7, [1, 7], { padding: [0, 3] });
    this.branch7x7dbl_4 = conv(c7, c7, [7, 1], { padding: [3, 0] });
    this.branch7x7dbl_5 = conv(c7, 192, [1, 7], { padding: [0, 3] });
    this.branch_pool = conv(inChannels, 192, 1);
  }
  override forward(x: Tensor): Tensor {
    return catBranches(x, [
      this.branch1x1,
      [this.branch7x7_1, this.branch7x7_2, this.branch7x7_3],
      [this.branch7x7dbl_1, this.branch7x7dbl_2, this.branch7x7dbl_3, this.branch7x7dbl_4, this.branch7x7dbl_5],
      [avgPool3x3, this.branch_pool],
    ]);
  }
}
classArgs(InceptionC, 'torchvision.models.InceptionC', 'inChannels, channels7x7');

/** Grid reduction 17 -> 8. */
export class InceptionD extends Module {
  declare branch3x3_1: Module; declare branch3x3_2: Module;
  declare branch7x7x3_1: Module; declare branch7x7x3_2: Module; declare branch7x7x3_3: Module; declare branch7x7x3_4: Module;
  constructor(inChannels: number) {
    [inChannels] = bindOwn(InceptionD, arguments) as ConstructorParameters<typeof InceptionD>;
    super();
    this.branch3x3_1 = conv(inChannels, 192, 1);
    this.branch3x3_2 = conv(192, 320, 3, { stride: 2 });
    this.branch7x7x3_1 = conv(inChannels, 192, 1);
    this.branch7x7x3_2 = conv(192, 192, [1, 7], { padding: [0, 3] });
    this.branch7x7x3_3 = conv(192, 192, [7, 1], { padding: [3, 0] });
    this.branch7x7x3_4 = conv(192, 192, 3, { stride: 2 });
  }
  override forward(x: Tensor): Tensor {
    return catBranches(x, [
      [this.branch3x3_1, this.branch3x3_2],
      [this.branch7x7x3_1, this.branch7x7x3_2, this.branch7x7x3_3, this.branch7x7x3_4],
      maxPool3x3Stride2,
    ]);
  }
}
classArgs(InceptionD, 'torchvision.models.InceptionD', 'inChannels');

/** 8x8 module with expanded filter banks (parallel 1x3 and 3x1). */
export class InceptionE extends Module {
  declare branch1x1: Module;
  declare branch3x3_1: Module; declare branch3x3_2a: Module; declare branch3x3_2b: Module;
  declare branch3x3dbl_1: Module; declare branch3x3dbl_2: Module; declare branch3x3dbl_3a: Module; declare branch3x3dbl_3b: Module;
  declare branch_pool: Module;
  constructor(inChannels: number) {
    [inChannels] = bindOwn(InceptionE, arguments) as ConstructorParameters<typeof InceptionE>;
    super();
    this.branch1x1 = conv(inChannels, 320, 1);
    this.branch3x3_1 = conv(inChannels, 384, 1);
    this.branch3x3_2a = conv(384, 384, [1, 3], { padding: [0, 1] });
    this.branch3x3_2b = conv(384, 384, [3, 1], { padding: [1, 0] });
    this.branch3x3dbl_1 = conv(inChannels, 448, 1);
    this.branch3x3dbl_2 = conv(448, 384, 3, { padding: 1 });
    this.branch3x3dbl_3a = conv(384, 384, [1, 3], { padding: [0, 1] });
    this.branch3x3dbl_3b = conv(384, 384, [3, 1], { padding: [1, 0] });
    this.branch_pool = conv(inChannels, 192, 1);
  }
  override forward(x: Tensor): Tensor {
    // The two middle branches fork again: each is its stem followed by a pair concatenated on channels.
    const forked = (stem: Module[], pair: Module[]): Tensor => {
      const t: Tensor = callChain(x, stem);
      const y = catBranches(t, pair);
      releaseOutput(stem[stem.length - 1]!, t);
      return y;
    };
    const b1: Tensor = this.branch1x1.call(x);
    const b3 = forked([this.branch3x3_1], [this.branch3x3_2a, this.branch3x3_2b]);
    const bd = forked([this.branch3x3dbl_1, this.branch3x3dbl_2], [this.branch3x3dbl_3a, this.branch3x3dbl_3b]);
    const bp: Tensor = callChain(x, [avgPool3x3, this.branch_pool]);
    const y = cat([b1, b3, bd, bp], 1);
    releaseOutput(this.branch1x1, b1);
    for (const t of [b3, bd]) disposeTemporary(t);
    releaseOutput(this.branch_pool, bp);
    return y;
  }
}
classArgs(InceptionE, 'torchvision.models.InceptionE', 'inChannels');

/** The auxiliary classifier on the 17x17 grid. */
export class InceptionAux extends Module {
  declare conv0: Module;
  declare conv1: Module;
  declare fc: nn.Linear;
  constructor(inChannels: number, numClasses: number) {
    [inChannels, numClasses] = bindOwn(InceptionAux, arguments) as ConstructorParameters<typeof InceptionAux>;
    super();
    this.conv0 = conv(inChannels, 128, 1);
    this.conv1 = conv(128, 768, 5);
    // torchvision tags these layers with the std of their initialisation; the tag on conv1 lands on the
    // BasicConv2d wrapper, which the init loop never looks at, so only fc's 0.001 takes effect.
    (this.conv1 as any).stddev = 0.01;
    this.fc = new nn.Linear(768, numClasses);
    (this.fc as any).stddev = 0.001;
  }
  override forward(x: Tensor): Tensor {
    x = F.avgPool2d(x, 5, { stride: 3 });
    x = this.conv0.call(x);
    x = this.conv1.call(x);
    x = F.adaptiveAvgPool2d(x, [1, 1]);
    x = flatten(x, 1);
    return this.fc.call(x);
  }
}
classArgs(InceptionAux, 'torchvision.models.InceptionAux', 'inChannels, numClasses');

/** The training-mode result with the auxiliary classifier (torchvision's InceptionOutputs). */
export interface InceptionOutputs {
  logits: Tensor;
  auxLogits: Tensor | null;
}

export interface Inception3Options {
  numClasses?: number;
  auxLogits?: boolean;
  transformInput?: boolean;
  initWeights?: boolean;
  dropout?: number;
}

export class Inception3 extends Module {
  declare auxLogits: boolean;
  declare transformInput: boolean;
  declare Conv2d_1a_3x3: Module; declare Conv2d_2a_3x3: Module; declare Conv2d_2b_3x3: Module; declare maxpool1: Module;
  declare Conv2d_3b_1x1: Module; declare Conv2d_4a_3x3: Module; declare maxpool2: Module;
  declare Mixed_5b: Module; declare Mixed_5c: Module; declare Mixed_5d: Module; declare Mixed_6a: Module;
  declare Mixed_6b: Module; declare Mixed_6c: Module; declare Mixed_6d: Module; declare Mixed_6e: Module;
  declare AuxLogits: InceptionAux | null;
  declare Mixed_7a: Module; declare Mixed_7b: Module; declare Mixed_7c: Module;
  declare avgpool: Module; declare dropout: Module; declare fc: nn.Linear;

  constructor(...rest: PyRest<Inception3Options, ['numClasses', 'auxLogits', 'transformInput']>);
  constructor(...args: unknown[]) {
    const [opts = {}] = bindOwn(Inception3, args) as [Inception3Options?];
    super();
    const numClasses = opts.numClasses ?? 1000;
    this.auxLogits = opts.auxLogits ?? true;
    this.transformInput = opts.transformInput ?? false;
    this.Conv2d_1a_3x3 = conv(3, 32, 3, { stride: 2 });
    this.Conv2d_2a_3x3 = conv(32, 32, 3);
    this.Conv2d_2b_3x3 = conv(32, 64, 3, { padding: 1 });
    this.maxpool1 = new nn.MaxPool2d(3, { stride: 2 });
    this.Conv2d_3b_1x1 = conv(64, 80, 1);
    this.Conv2d_4a_3x3 = conv(80, 192, 3);
    this.maxpool2 = new nn.MaxPool2d(3, { stride: 2 });
    this.Mixed_5b = new InceptionA(192, 32);
    this.Mixed_5c = new InceptionA(256, 64);
    this.Mixed_5d = new InceptionA(288, 64);
    this.Mixed_6a = new InceptionB(288);
    this.Mixed_6b = new InceptionC(768, 128);
    this.Mixed_6c = new InceptionC(768, 160);
    this.Mixed_6d = new InceptionC(768, 160);
    this.Mixed_6e = new InceptionC(768, 192);
    this.AuxLogits = this.auxLogits ? new InceptionAux(768, numClasses) : null;
    this.Mixed_7a = new InceptionD(768);
    this.Mixed_7b = new InceptionE(1280);
    this.Mixed_7c = new InceptionE(2048);
    this.avgpool = new nn.AdaptiveAvgPool2d([1, 1]);
    this.dropout = new nn.Dropout({ p: opts.dropout ?? 0.5 });
    this.fc = new nn.Linear(2048, numClasses);

    if (opts.initWeights ?? true) {
      for (const m of this.modules()) {
        if (m instanceof nn.Conv2d || m instanceof nn.Linear) {
          const stddev = typeof (m as any).stddev === 'number' ? (m as any).stddev as number : 0.1;
          nn.init.truncNormal_(m.weight, 0, stddev, -2, 2);
        } else if (m instanceof nn.BatchNorm2d) {
          nn.init.constant_(m.weight!, 1);
          nn.init.constant_(m.bias!, 0);
        }
      }
    }
  }

  /** Logits in eval mode (or without the auxiliary head); {logits, auxLogits} in training mode with it. */
  override forward(x: Tensor): Tensor | InceptionOutputs {
    // Chains of layers free each activation once the next layer has consumed it (callChain, releaseOutput).
    const input = this.transformInput ? transformInputImageNet(x) : x;
    const at17: Tensor = callChain(input, [this.Conv2d_1a_3x3, this.Conv2d_2a_3x3, this.Conv2d_2b_3x3, this.maxpool1,
      this.Conv2d_3b_1x1, this.Conv2d_4a_3x3, this.maxpool2, this.Mixed_5b, this.Mixed_5c, this.Mixed_5d, this.Mixed_6a,
      this.Mixed_6b, this.Mixed_6c, this.Mixed_6d, this.Mixed_6e]);
    if (input !== x) disposeTemporary(input);
    const aux: Tensor | null = this.AuxLogits && this.training ? this.AuxLogits.call(at17) : null;
    const pooled: Tensor = callChain(at17, [this.Mixed_7a, this.Mixed_7b, this.Mixed_7c, this.avgpool, this.dropout]);
    releaseOutput(this.Mixed_6e, at17);
    const logits: Tensor = this.fc.call(flatten(pooled, 1));
    releaseOutput(this.dropout, pooled);
    if (this.training && this.auxLogits) return { logits, auxLogits: aux };
    return logits;
  }
}
classArgs(Inception3, 'torchvision.models.Inception3', '; numClasses, auxLogits, transformInput, *, initWeights, dropout');

export const Inception_V3_Weights = weightsEnum('Inception_V3_Weights');

export function inception_v3(opts: Inception3Options & BuilderOptions = {}): Inception3 {
  checkBuilderArity('inception_v3', arguments.length, opts);
  const originalAuxLogits = opts.auxLogits ?? true;
  return buildModel(Inception_V3_Weights, opts, (o) => new Inception3(o), { options: ['numClasses', 'auxLogits', 'transformInput', 'initWeights', 'dropout'],
    fixOptions: (o) => {
      if (o.transformInput === undefined) o.transformInput = true;
      overwriteNamedParam(o, 'auxLogits', true);
      overwriteNamedParam(o, 'initWeights', false);
    },
    afterLoad: (m) => {
      if (!originalAuxLogits) {
        m.auxLogits = false;
        m.AuxLogits = null;
      }
    },
  });
}

registerModel('inception_v3', inception_v3, Inception_V3_Weights);
registerBuilder('inception_v3', inception_v3);
