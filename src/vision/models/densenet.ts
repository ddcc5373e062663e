// DenseNet-BC (Huang et al. 2016): dense blocks whose layers each see the concatenation of all earlier
// feature maps, joined by transition layers that halve channels and resolution.
import { Module, callChain, releaseOutput } from '../../nn/module.js';
import { disposeTemporary } from '../../memory.js';
import { Sequential, ModuleDict } from '../../nn/modules/container.js';
import * as nn from '../../nn/index.js';
import { flatten } from '../../functions.js';
import { cat } from '../../creation.js';
import type { Tensor } from '../../tensor.js';
import type { StateDict } from '../../nn/module.js';
import { registerModel } from './registry.js';
import { buildModel, weightsEnum, type BuilderOptions, type WeightsEnum } from './weights.js';
import { modelBuilder } from './builder-args.js';
import { bindOwn, classArgs, registerSignature, type PyRest } from '../../args.js';

// PyTorch's argument binding (src/args.ts) for this module's functions: an extra positional argument or an
// unknown keyword is a TypeError naming it.
registerSignature(remapLegacyDenseNetKeys, 'remapLegacyDenseNetKeys', 'tstorch.vision.models.remapLegacyDenseNetKeys', 'sd:dict');

/** BN-ReLU-1x1 conv (bottleneck to bnSize*growthRate channels) -> BN-ReLU-3x3 conv (growthRate channels). */
export class DenseLayer extends Module {
  declare norm1: Module;
  declare relu1: Module;
  declare conv1: Module;
  declare norm2: Module;
  declare relu2: Module;
  declare conv2: Module;
  declare dropRate: number;

  constructor(numInputFeatures: number, growthRate: number, bnSize: number, dropRate: number, memoryEfficient = false) {
    [numInputFeatures, growthRate, bnSize, dropRate, memoryEfficient = false] = bindOwn(DenseLayer, arguments) as ConstructorParameters<typeof DenseLayer>;
    super();
    if (memoryEfficient) throw new Error('DenseNet: memoryEfficient (gradient checkpointing) is not supported by tstorch yet');
    this.norm1 = new nn.BatchNorm2d(numInputFeatures);
    this.relu1 = new nn.ReLU({ inplace: true });
    this.conv1 = new nn.Conv2d(numInputFeatures, bnSize * growthRate, 1, { stride: 1, bias: false });
    this.norm2 = new nn.BatchNorm2d(bnSize * growthRate);
    this.relu2 = new nn.ReLU({ inplace: true });
    this.conv2 = new nn.Conv2d(bnSize * growthRate, growthRate, 3, { stride: 1, padding: 1, bias: false });
    this.dropRate = dropRate;
  }

  override _getName(): string { return '_DenseLayer'; }

  /** Takes one tensor or the list of all earlier feature maps (concatenated on channels first). */
  override forward(input: Tensor | Tensor[]): Tensor {
    const prev = Array.isArray(input) ? input : [input];
    // Each intermediate is freed once consumed (callChain, releaseOutput), as Python's reference counting does:
    // the concatenation of all earlier features is the biggest tensor of a dense layer.
    const concated = prev.length === 1 ? prev[0]! : cat(prev, 1);
    const bottleneck: Tensor = callChain(concated, [this.norm1, this.relu1, this.conv1]);
    if (concated !== prev[0]) disposeTemporary(concated);
    let out: Tensor = callChain(bottleneck, [this.norm2, this.relu2, this.conv2]);
    releaseOutput(this.conv1, bottleneck);
    if (this.dropRate > 0) out = nn.functional.dropout(out, { p: this.dropRate, training: this.training });
    return out;
  }
}
classArgs(DenseLayer, 'tstorch.vision.models.DenseLayer', 'numInputFeatures, growthRate, bnSize, dropRate, memoryEfficient?');

/** numLayers dense layers; the output concatenates the input and every layer's new features. */
export class DenseBlock extends ModuleDict {
  constructor(numLayers: number, numInputFeatures: number, bnSize: number, growthRate: number, dropRate: number, memoryEfficient = false) {
    [numLayers, numInputFeatures, bnSize, growthRate, dropRate, memoryEfficient = false] = bindOwn(DenseBlock, arguments) as ConstructorParameters<typeof DenseBlock>;
    super();
    for (let i = 0; i < numLayers; i++) {
      this.addModule(`denselayer${i + 1}`, new DenseLayer(numInputFeatures + i * growthRate, growthRate, bnSize, dropRate, memoryEfficient));
    }
  }

  override _getName(): string { return '_DenseBlock'; }

  override forward(initFeatures: Tensor): Tensor {
    const features = [initFeatures];
    const layers = [...this.values()];
    for (const layer of layers) features.push(layer.call(features));
    const out = cat(features, 1);
    layers.forEach((layer, i) => releaseOutput(layer, features[i + 1]));
    return out;
  }
}
classArgs(DenseBlock, 'tstorch.vision.models.DenseBlock', 'numLayers, numInputFeatures, bnSize, growthRate, dropRate, memoryEfficient?');

/** BN-ReLU-1x1 conv-2x2 average pool between dense blocks. */
export class Transition extends Sequential {
  declare norm: Module;
  declare relu: Module;
  declare conv: Module;
  declare pool: Module;

  constructor(numInputFeatures: number, numOutputFeatures: number) {
    [numInputFeatures, numOutputFeatures] = bindOwn(Transition, arguments) as ConstructorParameters<typeof Transition>;
    super();
    this.norm = new nn.BatchNorm2d(numInputFeatures);
    this.relu = new nn.ReLU({ inplace: true });
    this.conv = new nn.Conv2d(numInputFeatures, numOutputFeatures, 1, { stride: 1, bias: false });
    this.pool = new nn.AvgPool2d(2, { stride: 2 });
  }

  override _getName(): string { return '_Transition'; }
}
classArgs(Transition, 'tstorch.vision.models.Transition', 'numInputFeatures, numOutputFeatures');

export interface DenseNetOptions {
  /** k in the paper: channels each layer adds. */
  growthRate?: number;
  blockConfig?: [number, number, number, number];
  numInitFeatures?: number;
  bnSize?: number;
  dropRate?: number;
  numClasses?: number;
  memoryEfficient?: boolean;
}

export class DenseNet extends Module {
  declare features: Sequential;
  declare classifier: nn.Linear;

  constructor(...rest: PyRest<DenseNetOptions, ['growthRate', 'blockConfig', 'numInitFeatures', 'bnSize', 'dropRate', 'numClasses', 'memoryEfficient']>);
  constructor(...args: unknown[]) {
    const [opts = {}] = bindOwn(DenseNet, args) as [DenseNetOptions?];
    super();
    const growthRate = opts.growthRate ?? 32;
    const blockConfig = opts.blockConfig ?? [6, 12, 24, 16];
    const numInitFeatures = opts.numInitFeatures ?? 64;
    const bnSize = opts.bnSize ?? 4;
    const dropRate = opts.dropRate ?? 0;
    this.features = new Sequential(new Map<string, Module>([
      ['conv0', new nn.Conv2d(3, numInitFeatures, 7, { stride: 2, padding: 3, bias: false })],
      ['norm0', new nn.BatchNorm2d(numInitFeatures)],
      ['relu0', new nn.ReLU({ inplace: true })],
      ['pool0', new nn.MaxPool2d(3, { stride: 2, padding: 1 })],
    ]));
    let numFeatures = numInitFeatures;
    blockConfig.forEach((numLayers, i) => {
      const block = new DenseBlock(numLayers, numFeatures, bnSize, growthRate, dropRate, opts.memoryEfficient ?? false);
      this.features.addModule(`denseblock${i + 1}`, block);
      numFeatures += numLayers * growthRate;
      if (i !== blockConfig.length - 1) {
        this.features.addModule(`transition${i + 1}`, new Transition(numFeatures, Math.floor(numFeatures / 2)));
        numFeatures = Math.floor(numFeatures / 2);
      }
    });
    this.features.addModule('norm5', new nn.BatchNorm2d(numFeatures));
    this.classifier = new nn.Linear(numFeatures, opts.numClasses ?? 1000);

    for (const m of this.modules()) {
      if (m instanceof nn.Conv2d) nn.init.kaimingNormal_(m.weight);
      else if (m instanceof nn.BatchNorm2d) {
        nn.init.constant_(m.weight!, 1);
        nn.init.constant_(m.bias!, 0);
      } else if (m instanceof nn.Linear) nn.init.constant_(m.bias!, 0);
    }
  }

  override forward(x: Tensor): Tensor {
    const features: Tensor = this.features.call(x);
    const pooled = nn.functional.adaptiveAvgPool2d(nn.functional.relu(features, { inplace: true }), [1, 1]);
    releaseOutput(this.features, features);
    const out: Tensor = this.classifier.call(flatten(pooled, 1));
    disposeTemporary(pooled);
    return out;
  }
}
classArgs(DenseNet, 'torchvision.models.DenseNet', '; growthRate, blockConfig, numInitFeatures, bnSize, dropRate, numClasses, memoryEfficient');

const LEGACY_KEY = /^(.*denselayer\d+\.(?:norm|relu|conv))\.((?:[12])\.(?:weight|bias|running_mean|running_var))$/;

/**
 * Renames the keys of checkpoints saved before PyTorch allowed "." in module names ("denselayer1.norm.1.weight"
 * -> "denselayer1.norm1.weight"), as torchvision's densenet _load_state_dict does for the published files.
 */
export function remapLegacyDenseNetKeys(sd: StateDict): StateDict {
  [sd] = bindOwn(remapLegacyDenseNetKeys, arguments) as Parameters<typeof remapLegacyDenseNetKeys>;
  const out: StateDict = {};
  for (const [k, v] of Object.entries(sd)) {
    const m = LEGACY_KEY.exec(k);
    out[m ? m[1]! + m[2]! : k] = v;
  }
  return out;
}

export type DenseNetBuilderOptions = Omit<DenseNetOptions, 'growthRate' | 'blockConfig' | 'numInitFeatures'> & BuilderOptions;

function densenet(growthRate: number, blockConfig: [number, number, number, number], numInitFeatures: number, e: WeightsEnum, opts: DenseNetBuilderOptions): DenseNet {
  return buildModel(e, opts, (o) => new DenseNet({ ...o, growthRate, blockConfig, numInitFeatures }), { options: ['numClasses', 'bnSize', 'dropRate', 'memoryEfficient'], fixKeys: remapLegacyDenseNetKeys });
}

export const DenseNet121_Weights = weightsEnum('DenseNet121_Weights');
export const DenseNet161_Weights = weightsEnum('DenseNet161_Weights');
export const DenseNet169_Weights = weightsEnum('DenseNet169_Weights');
export const DenseNet201_Weights = weightsEnum('DenseNet201_Weights');

export const densenet121 = modelBuilder('densenet121', (opts: DenseNetBuilderOptions = {}): DenseNet => densenet(32, [6, 12, 24, 16], 64, DenseNet121_Weights, opts));
export const densenet161 = modelBuilder('densenet161', (opts: DenseNetBuilderOptions = {}): DenseNet => densenet(48, [6, 12, 36, 24], 96, DenseNet161_Weights, opts));
export const densenet169 = modelBuilder('densenet169', (opts: DenseNetBuilderOptions = {}): DenseNet => densenet(32, [6, 12, 32, 32], 64, DenseNet169_Weights, opts));
export const densenet201 = modelBuilder('densenet201', (opts: DenseNetBuilderOptions = {}): DenseNet => densenet(32, [6, 12, 48, 32], 64, DenseNet201_Weights, opts));

registerModel('densenet121', densenet121, DenseNet121_Weights);
registerModel('densenet161', densenet161, DenseNet161_Weights);
registerModel('densenet169', densenet169, DenseNet169_Weights);
registerModel('densenet201', densenet201, DenseNet201_Weights);
