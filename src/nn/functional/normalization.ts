// Normalisation functions of torch.nn.functional: batch, layer, group and local response normalisation.
import { defn } from '../../args.js';
import { Tensor } from '../../tensor.js';
import { op } from '../../native/ops.js';
import { disposeTemporary } from '../../memory.js';
import { pad } from './padding.js';
import { avgPool2d } from './pooling.js';

const O = {
  batchNorm: op('aten::batch_norm'), layerNorm: op('aten::layer_norm'), groupNorm: op('aten::group_norm'),
  instanceNorm: op('aten::instance_norm'),
  avgPool3d: op('aten::avg_pool3d'),
};

export interface BatchNormOptions {
  weight?: Tensor | null;
  bias?: Tensor | null;
  training?: boolean;
  momentum?: number;
  eps?: number;
}

/** Batch statistics need more than one value per channel (PyTorch's _verify_batch_size). */
function verifyBatchSize(fn: string, size: number[]): void {
  let n = size[0]!;
  for (let i = 2; i < size.length; i++) n *= size[i]!;
  if (n === 1) throw new RangeError(`${fn}: expected more than 1 value per channel when training, got input size [${size}]`);
}

/**
 * Normalises over the batch (and spatial) dimensions per channel (dimension 1). In training, the running
 * statistics (when given) are updated in place with `momentum`.
 */
export const batchNorm = defn('batchNorm', 'torch.nn.functional.batch_norm', 'input, runningMean, runningVar', ['weight', 'bias', 'training', 'momentum', 'eps'], (input: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, o: BatchNormOptions = {}): Tensor => {
  const training = o.training ?? false;
  if (input.ndim < 2) throw new RangeError(`batchNorm: expected an input with a channel dimension (2-d or more), got shape [${input.shape.join()}]`);
  if (training) verifyBatchSize('batchNorm', input.shape);
  if (!training && (runningMean === null || runningVar === null)) {
    throw new TypeError('batchNorm: runningMean and runningVar must be defined in evaluation mode (training: false)');
  }
  try {
    return new Tensor(O.batchNorm(input._h, o.weight?._h ?? null, o.bias?._h ?? null, runningMean?._h ?? null,
      runningVar?._h ?? null, training, o.momentum ?? 0.1, o.eps ?? 1e-5, true));
  } catch (e) {
    // libtorch checks every size against the channels too (_batch_norm_impl_index); they are read only when it
    // refuses, for a message that names the tensor: a ResNet calls batchNorm after every convolution.
    const c = input.shape[1]!;
    for (const [name, t] of [['runningMean', runningMean], ['runningVar', runningVar], ['weight', o.weight], ['bias', o.bias]] as const) {
      if (t && t.numel() !== c) throw new RangeError(`batchNorm: ${name} has ${t.numel()} elements but the input has ${c} channels (shape [${input.shape.join()}])`);
    }
    throw e;
  }
});

export const layerNorm = defn('layerNorm', 'torch.nn.functional.layer_norm', 'input, normalizedShape', ['weight', 'bias', 'eps'], (input: Tensor, normalizedShape: number | readonly number[],
  o: { weight?: Tensor | null; bias?: Tensor | null; eps?: number } = {}): Tensor => {
  const ns = typeof normalizedShape === 'number' ? [normalizedShape] : normalizedShape;
  try {
    return new Tensor(O.layerNorm(input._h, ns, o.weight?._h ?? null, o.bias?._h ?? null, o.eps ?? 1e-5, true));
  } catch (e) {
    // The shapes are read only when libtorch refuses: a transformer calls layerNorm dozens of times a pass.
    const s = input.shape;
    const tail = s.slice(s.length - ns.length);
    if (ns.length > s.length || tail.some((v, i) => v !== ns[i])) {
      throw new RangeError(`layerNorm: normalizedShape [${ns.join()}] does not match the trailing dimensions of input shape [${s.join()}]`);
    }
    throw e;
  }
});

export const groupNorm = defn('groupNorm', 'torch.nn.functional.group_norm', 'input, numGroups', ['weight', 'bias', 'eps'], (input: Tensor, numGroups: number,
  o: { weight?: Tensor | null; bias?: Tensor | null; eps?: number } = {}): Tensor => {
  const s = input.shape;
  if (s.length < 2) throw new RangeError(`groupNorm: expected at least 2 dimensions for input, got shape [${s.join()}]`);
  if (s[1]! % numGroups !== 0) throw new RangeError(`groupNorm: the number of channels (${s[1]}) must be divisible by numGroups (${numGroups})`);
  verifyBatchSize('groupNorm', [s[0]! * s[1]! / numGroups, numGroups, ...s.slice(2)]);
  return new Tensor(O.groupNorm(input._h, numGroups, o.weight?._h ?? null, o.bias?._h ?? null, o.eps ?? 1e-5, true));
});

/** Normalises each value by its neighbours across channels; PyTorch's own composition of pad and avg_pool. */
export const localResponseNorm = defn('localResponseNorm', 'torch.nn.functional.local_response_norm', 'input, size', ['alpha', 'beta', 'k'], (input: Tensor, size: number, o: { alpha?: number; beta?: number; k?: number } = {}): Tensor => {
  const alpha = o.alpha ?? 1e-4;
  const beta = o.beta ?? 0.75;
  const k = o.k ?? 1.0;
  const dim = input.ndim;
  if (dim < 3) throw new RangeError(`localResponseNorm: expected 3-d or higher input, got shape [${input.shape.join()}]`);
  if (input.numel() === 0) return input;
  let div = input.mul(input).unsqueeze(1);
  const lo = Math.floor(size / 2);
  const hi = Math.floor((size - 1) / 2);
  if (dim === 3) {
    div = pad(div, [0, 0, lo, hi]);
    div = avgPool2d(div, [size, 1], { stride: 1 }).squeeze(1);
  } else {
    const sizes = input.shape;
    div = div.view(sizes[0]!, 1, sizes[1]!, sizes[2]!, -1);
    div = pad(div, [0, 0, 0, 0, lo, hi]);
    div = new Tensor(O.avgPool3d(div._h, [size, 1, 1], 1)).squeeze(1);
    div = div.view(sizes);
  }
  div = div.mul(alpha).add(k).pow(beta);
  return input.div(div);
});

export interface InstanceNormOptions {
  runningMean?: Tensor | null;
  runningVar?: Tensor | null;
  weight?: Tensor | null;
  bias?: Tensor | null;
  /** Normalise with this input's statistics (default true); false uses the running ones. */
  useInputStats?: boolean;
  momentum?: number;
  eps?: number;
}

/** Normalises each channel of each sample over its spatial dimensions (torch.nn.functional.instance_norm). */
export const instanceNorm = defn('instanceNorm', 'torch.nn.functional.instance_norm', 'input', ['runningMean', 'runningVar', 'weight', 'bias', 'useInputStats', 'momentum', 'eps'], (input: Tensor, o: InstanceNormOptions = {}): Tensor => {
  const useInputStats = o.useInputStats ?? true;
  if (input.ndim < 3) throw new RangeError(`instanceNorm: expected an input with spatial dimensions (3-d or more), got shape [${input.shape.join()}]`);
  if (useInputStats) {
    // PyTorch's _verify_spatial_size: statistics over one value are meaningless
    if (input.shape.slice(2).reduce((a, b) => a * b, 1) === 1) {
      throw new RangeError(`instanceNorm: expected more than 1 spatial element when training, got input size [${input.shape.join()}]`);
    }
  }
  return new Tensor(O.instanceNorm(input._h, o.weight?._h ?? null, o.bias?._h ?? null, o.runningMean?._h ?? null,
    o.runningVar?._h ?? null, useInputStats, o.momentum ?? 0.1, o.eps ?? 1e-5, true));
});

/** Lp-normalises `input` over `dim`: input / max(||input||_p, eps) (torch.nn.functional.normalize). */
export const normalize = defn('normalize', 'torch.nn.functional.normalize', 'input', ['p', 'dim', 'eps'], (input: Tensor,
  o: { p?: number; dim?: number; eps?: number } = {}): Tensor => {
  const norm = input.norm(o.p ?? 2.0, o.dim ?? 1, true);
  const clamped = norm.clamp(o.eps ?? 1e-12, null);
  const denom = clamped.expandAs(input);
  const out = input.div(denom);
  // the temporaries go at once inside a tidy scope (Swin V2 normalises every window's queries and keys)
  for (const t of [norm, clamped, denom]) disposeTemporary(t);
  return out;
});
