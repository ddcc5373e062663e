// torchvision.ops.MLP: Linear -> (norm) -> activation -> Dropout for each hidden width, then Linear -> Dropout,
// as one Sequential ("0", "1", ...). The vision transformers' feed-forward blocks are MLPs.
import { Module } from '../../nn/module.js';
import { Sequential } from '../../nn/modules/container.js';
import * as nn from '../../nn/index.js';
import type { ActivationLayerFactory, NormLayerFactory } from './misc.js';
import { bindOwn, classArgs, type PyRest } from '../../args.js';

export interface MLPOptions {
  /** A normalisation layer after each hidden Linear (default none). */
  normLayer?: NormLayerFactory | null;
  /** Default ReLU. */
  activationLayer?: ActivationLayerFactory;
  /** Passed to the activation and dropout layers; null passes nothing (activations without an inplace option). Default true. */
  inplace?: boolean | null;
  bias?: boolean;
  dropout?: number;
}

export class MLP extends Sequential {
  constructor(inChannels: number, hiddenChannels: readonly number[], ...rest: PyRest<MLPOptions, ['normLayer', 'activationLayer', 'inplace', 'bias', 'dropout']>);
  constructor(...args: unknown[]) {
    const [inChannels, hiddenChannels, o = {}] = bindOwn(MLP, args) as [number, readonly number[], MLPOptions?];
    if (hiddenChannels.length === 0) throw new RangeError('MLP: hiddenChannels must name at least one layer width');
    const inplace = o.inplace === undefined ? true : o.inplace;
    const params = inplace === null ? {} : { inplace };
    const activationLayer = o.activationLayer ?? ((a: { inplace?: boolean }) => new nn.ReLU(a));
    const bias = o.bias ?? true;
    const p = o.dropout ?? 0.0;
    const layers: Module[] = [];
    let inDim = inChannels;
    for (const hidden of hiddenChannels.slice(0, -1)) {
      layers.push(new nn.Linear(inDim, hidden, { bias }));
      if (o.normLayer) layers.push(o.normLayer(hidden));
      layers.push(activationLayer(params));
      layers.push(new nn.Dropout({ p, ...params }));
      inDim = hidden;
    }
    layers.push(new nn.Linear(inDim, hiddenChannels[hiddenChannels.length - 1]!, { bias }));
    layers.push(new nn.Dropout({ p, ...params }));
    super(...layers);
  }
}
classArgs(MLP, 'torchvision.ops.MLP', 'inChannels, hiddenChannels; normLayer, activationLayer, inplace, bias, dropout');
