// AlexNet (Krizhevsky et al. 2012), torchvision's single-GPU variant ("One weird trick", Krizhevsky 2014).
import { Module } from '../../nn/module.js';
import { Sequential } from '../../nn/modules/container.js';
import * as nn from '../../nn/index.js';
import { flatten } from '../../functions.js';
import type { Tensor } from '../../tensor.js';
import { registerModel } from './registry.js';
import { buildModel, weightsEnum, type BuilderOptions } from './weights.js';
import { checkBuilderArity, registerBuilder } from './builder-args.js';
import { bindOwn, classArgs, type PyRest } from '../../args.js';

export interface AlexNetOptions {
  numClasses?: number;
  dropout?: number;
}

export class AlexNet extends Module {
  declare features: Sequential;
  declare avgpool: Module;
  declare classifier: Sequential;

  constructor(...rest: PyRest<AlexNetOptions, ['numClasses', 'dropout']>);
  constructor(...args: unknown[]) {
    const [opts = {}] = bindOwn(AlexNet, args) as [AlexNetOptions?];
    super();
    const numClasses = opts.numClasses ?? 1000;
    const dropout = opts.dropout ?? 0.5;
    this.features = new Sequential(
      new nn.Conv2d(3, 64, 11, { stride: 4, padding: 2 }),
      new nn.ReLU({ inplace: true }),
      new nn.MaxPool2d(3, { stride: 2 }),
      new nn.Conv2d(64, 192, 5, { padding: 2 }),
      new nn.ReLU({ inplace: true }),
      new nn.MaxPool2d(3, { stride: 2 }),
      new nn.Conv2d(192, 384, 3, { padding: 1 }),
      new nn.ReLU({ inplace: true }),
      new nn.Conv2d(384, 256, 3, { padding: 1 }),
      new nn.ReLU({ inplace: true }),
      new nn.Conv2d(256, 256, 3, { padding: 1 }),
      new nn.ReLU({ inplace: true }),
      new nn.MaxPool2d(3, { stride: 2 }),
    );
    this.avgpool = new nn.AdaptiveAvgPool2d([6, 6]);
    this.classifier = new Sequential(
      new nn.Dropout({ p: dropout }),
      new nn.Linear(256 * 6 * 6, 4096),
      new nn.ReLU({ inplace: true }),
      new nn.Dropout({ p: dropout }),
      new nn.Linear(4096, 4096),
      new nn.ReLU({ inplace: true }),
      new nn.Linear(4096, numClasses),
    );
  }

  override forward(x: Tensor): Tensor {
    x = this.features.call(x);
    x = this.avgpool.call(x);
    x = flatten(x, 1);
    return this.classifier.call(x);
  }
}
classArgs(AlexNet, 'torchvision.models.AlexNet', '; numClasses, dropout');

export const AlexNet_Weights = weightsEnum('AlexNet_Weights');

export function alexnet(opts: AlexNetOptions & BuilderOptions = {}): AlexNet {
  checkBuilderArity('alexnet', arguments.length, opts);
  return buildModel(AlexNet_Weights, opts, (o) => new AlexNet(o), { options: ['numClasses', 'dropout'] });
}

registerModel('alexnet', alexnet, AlexNet_Weights);
registerBuilder('alexnet', alexnet);
