// VGG (Simonyan & Zisserman 2014): configurations A (11 layers), B (13), D (16), E (19), with or without
// batch normalisation.
import { Module } from '../../nn/module.js';
import { Sequential } from '../../nn/modules/container.js';
import * as nn from '../../nn/index.js';
import { flatten } from '../../functions.js';
import type { Tensor } from '../../tensor.js';
import { registerModel } from './registry.js';
import { buildModel, weightsEnum, type BuilderOptions, type WeightsEnum } from './weights.js';
import { modelBuilder } from './builder-args.js';
import { bindOwn, classArgs, registerSignature, type PyRest } from '../../args.js';

// PyTorch's argument binding (src/args.ts) for this module's functions: an extra positional argument or an
// unknown keyword is a TypeError naming it.
registerSignature(makeLayers, 'makeLayers', 'torchvision.models.make_layers', 'cfg, batchNorm?');

export interface VGGOptions {
  numClasses?: number;
  initWeights?: boolean;
  dropout?: number;
}

export class VGG extends Module {
  declare features: Module;
  declare avgpool: Module;
  declare classifier: Sequential;

  constructor(features: Module, ...rest: PyRest<VGGOptions, ['numClasses', 'initWeights', 'dropout']>);
  constructor(...args: unknown[]) {
    const [features, opts = {}] = bindOwn(VGG, args) as [Module, VGGOptions?];
    super();
    const dropout = opts.dropout ?? 0.5;
    this.features = features;
    this.avgpool = new nn.AdaptiveAvgPool2d([7, 7]);
    this.classifier = new Sequential(
      new nn.Linear(512 * 7 * 7, 4096),
      new nn.ReLU({ inplace: true }),
      new nn.Dropout({ p: dropout }),
      new nn.Linear(4096, 4096),
      new nn.ReLU({ inplace: true }),
      new nn.Dropout({ p: dropout }),
      new nn.Linear(4096, opts.numClasses ?? 1000),
    );
    if (opts.initWeights ?? true) {
      for (const m of this.modules()) {
        if (m instanceof nn.Conv2d) {
          nn.init.kaimingNormal_(m.weight, { mode: 'fan_out', nonlinearity: 'relu' });
          if (m.bias) nn.init.constant_(m.bias, 0);
        } else if (m instanceof nn.BatchNorm2d) {
          nn.init.constant_(m.weight!, 1);
          nn.init.constant_(m.bias!, 0);
        } else if (m instanceof nn.Linear) {
          nn.init.normal_(m.weight, 0, 0.01);
          nn.init.constant_(m.bias!, 0);
        }
      }
    }
  }

  override forward(x: Tensor): Tensor {
    x = this.features.call(x);
    x = this.avgpool.call(x);
    x = flatten(x, 1);
    return this.classifier.call(x);
  }
}
classArgs(VGG, 'torchvision.models.VGG', 'features; numClasses, initWeights, dropout');

/** Numbers are 3x3 convolutions' output channels, 'M' a 2x2 max pool. */
export const vggCfgs: Record<'A' | 'B' | 'D' | 'E', (number | 'M')[]> = {
  A: [64, 'M', 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M'],
  B: [64, 64, 'M', 128, 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M'],
  D: [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 'M', 512, 512, 512, 'M', 512, 512, 512, 'M'],
  E: [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 256, 'M', 512, 512, 512, 512, 'M', 512, 512, 512, 512, 'M'],
};

/** VGG's feature extractor for a configuration (torchvision's make_layers). */
export function makeLayers(cfg: (number | 'M')[], batchNorm = false): Sequential {
  [cfg, batchNorm = false] = bindOwn(makeLayers, arguments) as Parameters<typeof makeLayers>;
  const layers: Module[] = [];
  let inChannels = 3;
  for (const v of cfg) {
    if (v === 'M') {
      layers.push(new nn.MaxPool2d(2, { stride: 2 }));
    } else {
      const conv = new nn.Conv2d(inChannels, v, 3, { padding: 1 });
      if (batchNorm) layers.push(conv, new nn.BatchNorm2d(v), new nn.ReLU({ inplace: true }));
      else layers.push(conv, new nn.ReLU({ inplace: true }));
      inChannels = v;
    }
  }
  return new Sequential(...layers);
}

function vgg(cfg: keyof typeof vggCfgs, batchNorm: boolean, e: WeightsEnum, opts: VGGOptions & BuilderOptions): VGG {
  return buildModel(e, opts, (o) => new VGG(makeLayers(vggCfgs[cfg], batchNorm), o), { options: ['numClasses', 'initWeights', 'dropout'],
    fixOptions: (o) => { o.initWeights = false; },
  });
}

export const VGG11_Weights = weightsEnum('VGG11_Weights');
export const VGG11_BN_Weights = weightsEnum('VGG11_BN_Weights');
export const VGG13_Weights = weightsEnum('VGG13_Weights');
export const VGG13_BN_Weights = weightsEnum('VGG13_BN_Weights');
export const VGG16_Weights = weightsEnum('VGG16_Weights');
export const VGG16_BN_Weights = weightsEnum('VGG16_BN_Weights');
export const VGG19_Weights = weightsEnum('VGG19_Weights');
export const VGG19_BN_Weights = weightsEnum('VGG19_BN_Weights');

export type VGGBuilderOptions = VGGOptions & BuilderOptions;
export const vgg11 = modelBuilder('vgg11', (opts: VGGBuilderOptions = {}): VGG => vgg('A', false, VGG11_Weights, opts));
export const vgg11_bn = modelBuilder('vgg11_bn', (opts: VGGBuilderOptions = {}): VGG => vgg('A', true, VGG11_BN_Weights, opts));
export const vgg13 = modelBuilder('vgg13', (opts: VGGBuilderOptions = {}): VGG => vgg('B', false, VGG13_Weights, opts));
export const vgg13_bn = modelBuilder('vgg13_bn', (opts: VGGBuilderOptions = {}): VGG => vgg('B', true, VGG13_BN_Weights, opts));
export const vgg16 = modelBuilder('vgg16', (opts: VGGBuilderOptions = {}): VGG => vgg('D', false, VGG16_Weights, opts));
export const vgg16_bn = modelBuilder('vgg16_bn', (opts: VGGBuilderOptions = {}): VGG => vgg('D', true, VGG16_BN_Weights, opts));
export const vgg19 = modelBuilder('vgg19', (opts: VGGBuilderOptions = {}): VGG => vgg('E', false, VGG19_Weights, opts));
export const vgg19_bn = modelBuilder('vgg19_bn', (opts: VGGBuilderOptions = {}): VGG => vgg('E', true, VGG19_BN_Weights, opts));

registerModel('vgg11', vgg11, VGG11_Weights);
registerModel('vgg11_bn', vgg11_bn, VGG11_BN_Weights);
registerModel('vgg13', vgg13, VGG13_Weights);
registerModel('vgg13_bn', vgg13_bn, VGG13_BN_Weights);
registerModel('vgg16', vgg16, VGG16_Weights);
registerModel('vgg16_bn', vgg16_bn, VGG16_BN_Weights);
registerModel('vgg19', vgg19, VGG19_Weights);
registerModel('vgg19_bn', vgg19_bn, VGG19_BN_Weights);
