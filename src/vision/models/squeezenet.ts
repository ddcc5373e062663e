// SqueezeNet 1.0 (Iandola et al. 2016) and 1.1 (2.4x less computation, from the authors' repository).
import { Module } from '../../nn/module.js';
import { Sequential } from '../../nn/modules/container.js';
import * as nn from '../../nn/index.js';
import { flatten } from '../../functions.js';
import { cat } from '../../creation.js';
import type { Tensor } from '../../tensor.js';
import { registerModel } from './registry.js';
import { buildModel, weightsEnum, type BuilderOptions, type WeightsEnum } from './weights.js';
import { modelBuilder } from './builder-args.js';
import { bindOwn, classArgs, type PyRest } from '../../args.js';

/** Squeeze (1x1) then expand into parallel 1x1 and 3x3 convolutions, concatenated. */
export class Fire extends Module {
  declare inplanes: number;
  declare squeeze: Module;
  declare squeeze_activation: Module;
  declare expand1x1: Module;
  declare expand1x1_activation: Module;
  declare expand3x3: Module;
  declare expand3x3_activation: Module;

  constructor(inplanes: number, squeezePlanes: number, expand1x1Planes: number, expand3x3Planes: number) {
    [inplanes, squeezePlanes, expand1x1Planes, expand3x3Planes] = bindOwn(Fire, arguments) as ConstructorParameters<typeof Fire>;
    super();
    this.inplanes = inplanes;
    this.squeeze = new nn.Conv2d(inplanes, squeezePlanes, 1);
    this.squeeze_activation = new nn.ReLU({ inplace: true });
    this.expand1x1 = new nn.Conv2d(squeezePlanes, expand1x1Planes, 1);
    this.expand1x1_activation = new nn.ReLU({ inplace: true });
    this.expand3x3 = new nn.Conv2d(squeezePlanes, expand3x3Planes, 3, { padding: 1 });
    this.expand3x3_activation = new nn.ReLU({ inplace: true });
  }

  override forward(x: Tensor): Tensor {
    x = this.squeeze_activation.call(this.squeeze.call(x));
    return cat([this.expand1x1_activation.call(this.expand1x1.call(x)), this.expand3x3_activation.call(this.expand3x3.call(x))], 1);
  }
}
classArgs(Fire, 'torchvision.models.Fire', 'inplanes, squeezePlanes, expand1x1Planes, expand3x3Planes');

export interface SqueezeNetOptions {
  numClasses?: number;
  dropout?: number;
}

export class SqueezeNet extends Module {
  declare numClasses: number;
  declare features: Sequential;
  declare classifier: Sequential;

  constructor(version?: '1_0' | '1_1', ...rest: PyRest<SqueezeNetOptions, ['numClasses', 'dropout']>);
  constructor(...args: unknown[]) {
    const [version = '1_0', opts = {}] = bindOwn(SqueezeNet, args) as [('1_0' | '1_1')?, SqueezeNetOptions?];
    super();
    this.numClasses = opts.numClasses ?? 1000;
    const pool = (): Module => new nn.MaxPool2d(3, { stride: 2, ceilMode: true });
    if (version === '1_0') {
      this.features = new Sequential(
        new nn.Conv2d(3, 96, 7, { stride: 2 }), new nn.ReLU({ inplace: true }), pool(),
        new Fire(96, 16, 64, 64), new Fire(128, 16, 64, 64), new Fire(128, 32, 128, 128), pool(),
        new Fire(256, 32, 128, 128), new Fire(256, 48, 192, 192), new Fire(384, 48, 192, 192), new Fire(384, 64, 256, 256), pool(),
        new Fire(512, 64, 256, 256),
      );
    } else if (version === '1_1') {
      this.features = new Sequential(
        new nn.Conv2d(3, 64, 3, { stride: 2 }), new nn.ReLU({ inplace: true }), pool(),
        new Fire(64, 16, 64, 64), new Fire(128, 16, 64, 64), pool(),
        new Fire(128, 32, 128, 128), new Fire(256, 32, 128, 128), pool(),
        new Fire(256, 48, 192, 192), new Fire(384, 48, 192, 192), new Fire(384, 64, 256, 256), new Fire(512, 64, 256, 256),
      );
    } else {
      throw new Error(`Unsupported SqueezeNet version ${version as string}: 1_0 or 1_1 expected`);
    }
    // The classifier is a 1x1 convolution to numClasses channels, averaged over space (no Linear layer).
    const finalConv = new nn.Conv2d(512, this.numClasses, 1);
    this.classifier = new Sequential(new nn.Dropout({ p: opts.dropout ?? 0.5 }), finalConv, new nn.ReLU({ inplace: true }), new nn.AdaptiveAvgPool2d([1, 1]));

    for (const m of this.modules()) {
      if (m instanceof nn.Conv2d) {
        if (m === finalConv) nn.init.normal_(m.weight, 0, 0.01);
        else nn.init.kaimingUniform_(m.weight);
        if (m.bias) nn.init.constant_(m.bias, 0);
      }
    }
  }

  override forward(x: Tensor): Tensor {
    x = this.features.call(x);
    x = this.classifier.call(x);
    return flatten(x, 1);
  }
}
classArgs(SqueezeNet, 'torchvision.models.SqueezeNet', 'version?; numClasses, dropout');

export const SqueezeNet1_0_Weights = weightsEnum('SqueezeNet1_0_Weights');
export const SqueezeNet1_1_Weights = weightsEnum('SqueezeNet1_1_Weights');

function squeezenet(version: '1_0' | '1_1', e: WeightsEnum, opts: SqueezeNetOptions & BuilderOptions): SqueezeNet {
  return buildModel(e, opts, (o) => new SqueezeNet(version, o), { options: ['numClasses', 'dropout'] });
}
export const squeezenet1_0 = modelBuilder('squeezenet1_0', (opts: SqueezeNetOptions & BuilderOptions = {}): SqueezeNet => squeezenet('1_0', SqueezeNet1_0_Weights, opts));
export const squeezenet1_1 = modelBuilder('squeezenet1_1', (opts: SqueezeNetOptions & BuilderOptions = {}): SqueezeNet => squeezenet('1_1', SqueezeNet1_1_Weights, opts));

registerModel('squeezenet1_0', squeezenet1_0, SqueezeNet1_0_Weights);
registerModel('squeezenet1_1', squeezenet1_1, SqueezeNet1_1_Weights);
