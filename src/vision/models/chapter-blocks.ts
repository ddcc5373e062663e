// The chapter's own building blocks for modern CNNs, in the d2l.ai ("Dive into Deep Learning") formulation:
// small, readable modules from which the networks of the chapter are built, sized for 32x32 (CIFAR) inputs.
// They are not torchvision's models (see resnet.ts, densenet.ts, googlenet.ts for those): module names and
// registration order follow the chapter's code, so a seeded PyTorch port of it initialises identically.
//
//   const net = new Sequential(new InceptionBlock(192, 64, [96, 128], [16, 32], 32), ...);
//   const res = new BasicBlock(64, 128, { useProjection: true, stride: 2 });
import { Module } from '../../nn/module.js';
import { Sequential } from '../../nn/modules/container.js';
import * as nn from '../../nn/index.js';
import { cat } from '../../creation.js';
import { flatten } from '../../functions.js';
import type { Tensor } from '../../tensor.js';
import { bindOwn, classArgs, registerSignature } from '../../args.js';

// PyTorch's argument binding (src/args.ts) for this module's functions: an extra positional argument or an
// unknown keyword is a TypeError naming it.
registerSignature(cifarGoogLeNet, 'cifarGoogLeNet', 'tstorch.vision.models.chapter.cifarGoogLeNet', '; *, numClasses, inChannels');
registerSignature(denseLayer, 'denseLayer', 'tstorch.vision.models.chapter.denseLayer', 'inChannels, growthRate');
registerSignature(transitionBlock, 'transitionBlock', 'tstorch.vision.models.chapter.transitionBlock', 'inChannels, outChannels');

const relu = (x: Tensor): Tensor => nn.functional.relu(x);

/**
 * The Inception block: four parallel paths whose outputs are concatenated on channels (c1 + c2[1] + c3[1] + c4
 * channels out, same height and width): 1x1 conv; 1x1 conv -> 3x3 conv; 1x1 conv -> 5x5 conv; 3x3 max pool ->
 * 1x1 conv; each convolution followed by ReLU.
 */
export class InceptionBlock extends Module {
  declare p1_1: nn.Conv2d;
  declare p2_1: nn.Conv2d;
  declare p2_2: nn.Conv2d;
  declare p3_1: nn.Conv2d;
  declare p3_2: nn.Conv2d;
  declare p4_1: nn.MaxPool2d;
  declare p4_2: nn.Conv2d;

  constructor(inChannels: number, c1: number, c2: [number, number], c3: [number, number], c4: number) {
    [inChannels, c1, c2, c3, c4] = bindOwn(InceptionBlock, arguments) as ConstructorParameters<typeof InceptionBlock>;
    super();
    this.p1_1 = new nn.Conv2d(inChannels, c1, 1);
    this.p2_1 = new nn.Conv2d(inChannels, c2[0], 1);
    this.p2_2 = new nn.Conv2d(c2[0], c2[1], 3, { padding: 1 });
    this.p3_1 = new nn.Conv2d(inChannels, c3[0], 1);
    this.p3_2 = new nn.Conv2d(c3[0], c3[1], 5, { padding: 2 });
    this.p4_1 = new nn.MaxPool2d(3, { stride: 1, padding: 1 });
    this.p4_2 = new nn.Conv2d(inChannels, c4, 1);
  }

  override _getName(): string { return 'Inception'; }

  override forward(x: Tensor): Tensor {
    const p1 = relu(this.p1_1.call(x));
    const p2 = relu(this.p2_2.call(relu(this.p2_1.call(x))));
    const p3 = relu(this.p3_2.call(relu(this.p3_1.call(x))));
    const p4 = relu(this.p4_2.call(this.p4_1.call(x)));
    return cat([p1, p2, p3, p4], 1);
  }
}
classArgs(InceptionBlock, 'tstorch.vision.models.chapter.InceptionBlock', 'inChannels, c1, c2, c3, c4');

/**
 * GoogLeNet for 32x32 inputs, built from InceptionBlock: the ImageNet stem (7x7/2 conv and a pool) becomes a
 * 3x3 conv, so that five stages still leave a 4x4 map before the global average pool. b1..b5 then the classifier.
 */
export function cifarGoogLeNet(opts: { numClasses?: number; inChannels?: number } = {}): Sequential {
  [opts = {}] = bindOwn(cifarGoogLeNet, arguments) as Parameters<typeof cifarGoogLeNet>;
  const pool = (): Module => new nn.MaxPool2d(3, { stride: 2, padding: 1 });
  const b1 = new Sequential(new nn.Conv2d(opts.inChannels ?? 3, 64, 3, { padding: 1 }), new nn.ReLU());
  const b2 = new Sequential(new nn.Conv2d(64, 64, 1), new nn.ReLU(), new nn.Conv2d(64, 192, 3, { padding: 1 }), new nn.ReLU(), pool());
  const b3 = new Sequential(new InceptionBlock(192, 64, [96, 128], [16, 32], 32), new InceptionBlock(256, 128, [128, 192], [32, 96], 64), pool());
  const b4 = new Sequential(
    new InceptionBlock(480, 192, [96, 208], [16, 48], 64), new InceptionBlock(512, 160, [112, 224], [24, 64], 64),
    new InceptionBlock(512, 128, [128, 256], [24, 64], 64), new InceptionBlock(512, 112, [144, 288], [32, 64], 64),
    new InceptionBlock(528, 256, [160, 320], [32, 128], 128), pool());
  const b5 = new Sequential(new InceptionBlock(832, 256, [160, 320], [32, 128], 128), new InceptionBlock(832, 384, [192, 384], [48, 128], 128),
    new nn.AdaptiveAvgPool2d([1, 1]), new nn.Flatten());
  return new Sequential(b1, b2, b3, b4, b5, new nn.Linear(1024, opts.numClasses ?? 10));
}

export interface ResidualOptions {
  /** A 1x1 convolution (with the block's stride) on the shortcut, needed when channels or size change. */
  useProjection?: boolean;
  /** The chapter's name for useProjection. */
  use1x1conv?: boolean;
  stride?: number;
}

function projection(o: ResidualOptions): boolean {
  if (o.useProjection !== undefined && o.use1x1conv !== undefined && o.useProjection !== o.use1x1conv) {
    throw new Error('residual block: useProjection and use1x1conv disagree (they are the same option)');
  }
  return o.useProjection ?? o.use1x1conv ?? false;
}

/**
 * The residual block: 3x3 conv-BN-ReLU, 3x3 conv-BN, plus the input (through a 1x1 projection if asked),
 * then ReLU. Without projection the input must already have outChannels channels and stride must be 1.
 */
export class BasicBlock extends Module {
  declare conv1: nn.Conv2d;
  declare conv2: nn.Conv2d;
  declare conv3: nn.Conv2d | null;
  declare bn1: nn.BatchNorm2d;
  declare bn2: nn.BatchNorm2d;

  constructor(inChannels: number, outChannels: number, opts: ResidualOptions = {}) {
    [inChannels, outChannels, opts = {}] = bindOwn(BasicBlock, arguments) as ConstructorParameters<typeof BasicBlock>;
    super();
    const stride = opts.stride ?? 1;
    const proj = projection(opts);
    if (!proj && (inChannels !== outChannels || stride !== 1)) {
      throw new Error(`BasicBlock(${inChannels}, ${outChannels}, stride ${stride}): the identity shortcut needs inChannels == outChannels and stride 1; pass useProjection: true`);
    }
    this.conv1 = new nn.Conv2d(inChannels, outChannels, 3, { padding: 1, stride });
    this.conv2 = new nn.Conv2d(outChannels, outChannels, 3, { padding: 1 });
    this.conv3 = proj ? new nn.Conv2d(inChannels, outChannels, 1, { stride }) : null;
    this.bn1 = new nn.BatchNorm2d(outChannels);
    this.bn2 = new nn.BatchNorm2d(outChannels);
  }

  override _getName(): string { return 'Residual'; }

  override forward(x: Tensor): Tensor {
    let y = relu(this.bn1.call(this.conv1.call(x)));
    y = this.bn2.call(this.conv2.call(y));
    const shortcut = this.conv3 ? this.conv3.call(x) : x;
    return relu(y.add(shortcut));
  }
}
classArgs(BasicBlock, 'tstorch.vision.models.chapter.BasicBlock', 'inChannels, outChannels; *, useProjection, use1x1conv, stride');

export interface BottleneckOptions extends ResidualOptions {
  /** Bottleneck channels as a fraction of outChannels (default 0.25, ResNet-50's 4x expansion). */
  bottleneckRatio?: number;
  /** Groups of the 3x3 convolution (ResNeXt's cardinality); the bottleneck width must divide by it. */
  groups?: number;
}

/**
 * The bottleneck residual block: 1x1 conv (reduce) -> 3x3 conv (optionally grouped, strided) -> 1x1 conv
 * (restore to outChannels), each with BN (ReLU after the first two), plus the shortcut (1x1 conv + BN when
 * projecting), then ReLU.
 */
export class Bottleneck extends Module {
  declare conv1: nn.Conv2d;
  declare bn1: nn.BatchNorm2d;
  declare conv2: nn.Conv2d;
  declare bn2: nn.BatchNorm2d;
  declare conv3: nn.Conv2d;
  declare bn3: nn.BatchNorm2d;
  declare conv4: nn.Conv2d | null;
  declare bn4: nn.BatchNorm2d | null;

  constructor(inChannels: number, outChannels: number, opts: BottleneckOptions = {}) {
    [inChannels, outChannels, opts = {}] = bindOwn(Bottleneck, arguments) as ConstructorParameters<typeof Bottleneck>;
    super();
    const stride = opts.stride ?? 1;
    const groups = opts.groups ?? 1;
    const mid = Math.round(outChannels * (opts.bottleneckRatio ?? 0.25));
    const proj = projection(opts);
    if (!proj && (inChannels !== outChannels || stride !== 1)) {
      throw new Error(`Bottleneck(${inChannels}, ${outChannels}, stride ${stride}): the identity shortcut needs inChannels == outChannels and stride 1; pass useProjection: true`);
    }
    if (mid % groups !== 0) throw new Error(`Bottleneck: the bottleneck width ${mid} is not divisible by groups=${groups}`);
    this.conv1 = new nn.Conv2d(inChannels, mid, 1);
    this.bn1 = new nn.BatchNorm2d(mid);
    this.conv2 = new nn.Conv2d(mid, mid, 3, { stride, padding: 1, groups });
    this.bn2 = new nn.BatchNorm2d(mid);
    this.conv3 = new nn.Conv2d(mid, outChannels, 1);
    this.bn3 = new nn.BatchNorm2d(outChannels);
    this.conv4 = proj ? new nn.Conv2d(inChannels, outChannels, 1, { stride }) : null;
    this.bn4 = proj ? new nn.BatchNorm2d(outChannels) : null;
  }

  override forward(x: Tensor): Tensor {
    let y = relu(this.bn1.call(this.conv1.call(x)));
    y = relu(this.bn2.call(this.conv2.call(y)));
    y = this.bn3.call(this.conv3.call(y));
    const shortcut = this.conv4 ? this.bn4!.call(this.conv4.call(x)) : x;
    return relu(y.add(shortcut));
  }
}
classArgs(Bottleneck, 'tstorch.vision.models.chapter.Bottleneck', 'inChannels, outChannels; *, bottleneckRatio, groups, useProjection, use1x1conv, stride');

/** DenseNet's layer in the chapter's pre-activation order: BN -> ReLU -> 3x3 conv to growthRate channels. */
export function denseLayer(inChannels: number, growthRate: number): Sequential {
  [inChannels, growthRate] = bindOwn(denseLayer, arguments) as Parameters<typeof denseLayer>;
  return new Sequential(new nn.BatchNorm2d(inChannels), new nn.ReLU(), new nn.Conv2d(inChannels, growthRate, 3, { padding: 1 }));
}

/** numLayers dense layers, each fed the concatenation of the input and all earlier outputs; inChannels + numLayers * growthRate channels out. */
export class DenseBlock extends Module {
  declare net: Sequential;

  constructor(numLayers: number, inChannels: number, growthRate: number) {
    [numLayers, inChannels, growthRate] = bindOwn(DenseBlock, arguments) as ConstructorParameters<typeof DenseBlock>;
    super();
    const layers: Module[] = [];
    for (let i = 0; i < numLayers; i++) layers.push(denseLayer(inChannels + i * growthRate, growthRate));
    this.net = new Sequential(...layers);
  }

  override forward(x: Tensor): Tensor {
    for (const layer of this.net) x = cat([x, layer.call(x)], 1);
    return x;
  }
}
classArgs(DenseBlock, 'tstorch.vision.models.chapter.DenseBlock', 'numLayers, inChannels, growthRate');

/** Between dense blocks: BN -> ReLU -> 1x1 conv (usually halving channels) -> 2x2 average pool (halving height and width). */
export function transitionBlock(inChannels: number, outChannels: number): Sequential {
  [inChannels, outChannels] = bindOwn(transitionBlock, arguments) as Parameters<typeof transitionBlock>;
  return new Sequential(new nn.BatchNorm2d(inChannels), new nn.ReLU(), new nn.Conv2d(inChannels, outChannels, 1), new nn.AvgPool2d(2, { stride: 2 }));
}

/**
 * AlexNet scaled to 32x32 inputs: five convolutions (3x3, the first strided) with three 2x2 max pools leave a
 * 256x2x2 map for one linear classifier. `features` and `clf` are separate so that the classifier can be swapped.
 */
export class CifarAlexNet extends Module {
  declare features: Sequential;
  declare clf: nn.Linear;

  constructor(opts: { numClasses?: number; inChannels?: number } = {}) {
    [opts = {}] = bindOwn(CifarAlexNet, arguments) as ConstructorParameters<typeof CifarAlexNet>;
    super();
    this.features = new Sequential(
      new nn.Conv2d(opts.inChannels ?? 3, 64, 3, { stride: 2, padding: 1 }), new nn.ReLU({ inplace: true }), new nn.MaxPool2d(2),
      new nn.Conv2d(64, 192, 3, { padding: 1 }), new nn.ReLU({ inplace: true }), new nn.MaxPool2d(2),
      new nn.Conv2d(192, 384, 3, { padding: 1 }), new nn.ReLU({ inplace: true }),
      new nn.Conv2d(384, 256, 3, { padding: 1 }), new nn.ReLU({ inplace: true }),
      new nn.Conv2d(256, 256, 3, { padding: 1 }), new nn.ReLU({ inplace: true }), new nn.MaxPool2d(2),
    );
    this.clf = new nn.Linear(256 * 2 * 2, opts.numClasses ?? 10);
  }

  override forward(x: Tensor): Tensor {
    return this.clf.call(flatten(this.features.call(x), 1));
  }
}
classArgs(CifarAlexNet, 'tstorch.vision.models.chapter.CifarAlexNet', '; *, numClasses, inChannels');
