// Models by name for the CLI: the chapter's LeNet, or any architecture of the zoo with a new class count.
import type { Module } from '../nn/module.js';
import { LeNet } from '../vision/models/lenet.js';
import { getModel } from '../vision/models/registry.js';
import '../vision/models/index.js';
import { classificationModels } from './zoo-names.js';
import { UserError } from '../cli/errors.js';

export const MODEL_CHOICES = 'lenet, or any name of `tstorch models` (resnet18, mobilenet_v2, ...)';

export function buildModel(name: string, o: { numClasses: number; inChannels?: number; weights?: string | null }): Module {
  if (name === 'lenet') {
    if ((o.inChannels ?? 3) !== 3) throw new UserError(`the chapter's LeNet takes 3-channel 32x32 images; this data set has ${o.inChannels} channel(s)`);
    return new LeNet({ numClasses: o.numClasses });
  }
  const names = classificationModels();
  if (!names.includes(name)) {
    throw new UserError(`unknown model '${name}': expected lenet or one of ${names.join(', ')}`);
  }
  return getModel(name, { numClasses: o.numClasses, weights: o.weights ?? null }) as Module;
}
