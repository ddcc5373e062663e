// Loss functions of torch.nn.functional, on ATen's fused loss operators (same numbers and gradients as PyTorch).
import { Tensor } from '../../tensor.js';
import { op } from '../../native/ops.js';
import { defn } from '../../args.js';

export type Reduction = 'none' | 'mean' | 'sum';

const O = {
  crossEntropy: op('aten::cross_entropy_loss'), nllLoss: op('aten::nll_loss_nd'), mse: op('aten::mse_loss'),
  l1: op('aten::l1_loss'), bceLogits: op('aten::binary_cross_entropy_with_logits'), bce: op('aten::binary_cross_entropy'),
  smoothL1: op('aten::smooth_l1_loss'), huber: op('aten::huber_loss'), broadcast: op('aten::broadcast_tensors'),
};

/** PyTorch's _Reduction.get_enum. */
export function reductionEnum(reduction: Reduction | undefined, fn: string): number {
  const r = reduction ?? 'mean';
  const code = { none: 0, mean: 1, sum: 2 }[r];
  if (code === undefined) throw new TypeError(`${fn}: reduction must be 'none', 'mean' or 'sum', got '${r}'`);
  return code;
}

/** PyTorch's deprecated size_average / reduce flags, which still pick the reduction when given (_Reduction.legacy_get_string). */
export interface LegacyReduction {
  sizeAverage?: boolean | null;
  reduce?: boolean | null;
}

/** The reduction, from `reduction` or (when given) the legacy flags, as PyTorch decides it. */
export function legacyReduction(o: LegacyReduction & { reduction?: Reduction }): Reduction | undefined {
  const sa = o.sizeAverage ?? null;
  const rd = o.reduce ?? null;
  if (sa === null && rd === null) return o.reduction;
  if (rd === false) return 'none';
  return sa === false ? 'sum' : 'mean';
}

export interface CrossEntropyOptions extends LegacyReduction {
  weight?: Tensor | null;
  ignoreIndex?: number;
  reduction?: Reduction;
  labelSmoothing?: number;
}

/**
 * Cross entropy between logits (N, C, ...) and class indices (N, ...) or class probabilities of the input's
 * shape.
 */
export const crossEntropy = defn('crossEntropy', 'torch.nn.functional.cross_entropy', 'input, target', ['weight', 'sizeAverage', 'ignoreIndex', 'reduce', 'reduction', 'labelSmoothing'], (input: Tensor, target: Tensor, o: CrossEntropyOptions = {}): Tensor => {
  const ls = o.labelSmoothing ?? 0;
  if (!(ls >= 0 && ls <= 1)) throw new RangeError(`crossEntropy: labelSmoothing must be between 0 and 1, got ${ls}`);
  checkClassTarget('crossEntropy', input, target, o.weight);
  return new Tensor(O.crossEntropy(input._h, target._h, o.weight?._h ?? null, reductionEnum(legacyReduction(o), 'crossEntropy'),
    o.ignoreIndex ?? -100, ls));
});

export const nllLoss = defn('nllLoss', 'torch.nn.functional.nll_loss', 'input, target', ['weight', 'sizeAverage', 'ignoreIndex', 'reduce', 'reduction'], (input: Tensor, target: Tensor, o: Omit<CrossEntropyOptions, 'labelSmoothing'> = {}): Tensor => {
  checkClassTarget('nllLoss', input, target, o.weight);
  if (target.isFloatingPoint()) {
    throw new TypeError(`nllLoss: the target must hold class indices as an int64 tensor, got ${target.dtype}. JavaScript numbers make float32 `
      + "tensors: create the labels with torch.tensor(labels, { dtype: 'int64' }) (or BigInts), or convert them with target.long()");
  }
  return new Tensor(O.nllLoss(input._h, target._h, o.weight?._h ?? null, reductionEnum(legacyReduction(o), 'nllLoss'), o.ignoreIndex ?? -100));
});

function checkClassTarget(fn: string, input: Tensor, target: Tensor, weight: Tensor | null | undefined): void {
  const s = input.shape;
  const t = target.shape;
  const classDim = s.length === 1 ? 0 : 1;
  if (target.isFloatingPoint()) {
    const indexShape = s.filter((_, i) => i !== classDim);
    if (t.join() === indexShape.join() && t.join() !== s.join()) {
      throw new TypeError(`${fn}: the target of shape [${t.join()}] holds class indices (one per sample of the input [${s.join()}]), `
        + `so it must be an int64 tensor, but it is ${target.dtype}. JavaScript numbers make float32 tensors: create the labels with `
        + "torch.tensor(labels, { dtype: 'int64' }) (or BigInts), or convert them with target.long()");
    }
    if (s.join() !== t.join()) throw new RangeError(`${fn}: probability target of shape [${t.join()}] must match the input shape [${s.join()}]`);
  } else {
    const expected = s.filter((_, i) => i !== classDim);
    if (t.join() !== expected.join()) {
      throw new RangeError(`${fn}: class-index target of shape [${t.join()}] does not fit input of shape [${s.join()}] (expected [${expected}])`);
    }
  }
  if (weight && (weight.ndim !== 1 || weight.numel() !== s[classDim])) {
    throw new RangeError(`${fn}: weight must be a 1-d tensor with one entry per class (${s[classDim]}), got shape [${weight.shape.join()}]`);
  }
}

function broadcastPair(input: Tensor, target: Tensor): [unknown, unknown] {
  if (input.shape.join() === target.shape.join()) return [input._h, target._h];
  const [a, b] = O.broadcast([input._h, target._h]) as [unknown, unknown];
  return [a, b];
}

export const mseLoss = defn('mseLoss', 'torch.nn.functional.mse_loss', 'input, target', ['sizeAverage', 'reduce', 'reduction'], (input: Tensor, target: Tensor, o: LegacyReduction & { reduction?: Reduction } = {}): Tensor => {
  const [a, b] = broadcastPair(input, target);
  return new Tensor(O.mse(a, b, reductionEnum(legacyReduction(o), 'mseLoss')));
});

export const l1Loss = defn('l1Loss', 'torch.nn.functional.l1_loss', 'input, target', ['sizeAverage', 'reduce', 'reduction'], (input: Tensor, target: Tensor, o: LegacyReduction & { reduction?: Reduction } = {}): Tensor => {
  const [a, b] = broadcastPair(input, target);
  return new Tensor(O.l1(a, b, reductionEnum(legacyReduction(o), 'l1Loss')));
});

export const smoothL1Loss = defn('smoothL1Loss', 'torch.nn.functional.smooth_l1_loss', 'input, target', ['sizeAverage', 'reduce', 'reduction', 'beta'], (input: Tensor, target: Tensor, o: LegacyReduction & { reduction?: Reduction; beta?: number } = {}): Tensor => {
  const [a, b] = broadcastPair(input, target);
  return new Tensor(O.smoothL1(a, b, reductionEnum(legacyReduction(o), 'smoothL1Loss'), o.beta ?? 1.0));
});

export const huberLoss = defn('huberLoss', 'torch.nn.functional.huber_loss', 'input, target', ['reduction', 'delta'], (input: Tensor, target: Tensor, o: { reduction?: Reduction; delta?: number } = {}): Tensor => {
  const [a, b] = broadcastPair(input, target);
  return new Tensor(O.huber(a, b, reductionEnum(legacyReduction(o), 'huberLoss'), o.delta ?? 1.0));
});

export const binaryCrossEntropy = defn('binaryCrossEntropy', 'torch.nn.functional.binary_cross_entropy', 'input, target', ['weight', 'sizeAverage', 'reduce', 'reduction'], (input: Tensor, target: Tensor, o: LegacyReduction & { weight?: Tensor | null; reduction?: Reduction } = {}): Tensor => {
  if (input.shape.join() !== target.shape.join()) {
    throw new RangeError(`binaryCrossEntropy: target size [${target.shape.join()}] must be the same as input size [${input.shape.join()}]`);
  }
  let w = o.weight ?? null;
  if (w && w.shape.join() !== input.shape.join()) w = w.expand(input.shape);
  return new Tensor(O.bce(input._h, target._h, w?._h ?? null, reductionEnum(legacyReduction(o), 'binaryCrossEntropy')));
});

export const binaryCrossEntropyWithLogits = defn('binaryCrossEntropyWithLogits', 'torch.nn.functional.binary_cross_entropy_with_logits', 'input, target', ['weight', 'sizeAverage', 'reduce', 'reduction', 'posWeight'], (input: Tensor, target: Tensor,
  o: LegacyReduction & { weight?: Tensor | null; posWeight?: Tensor | null; reduction?: Reduction } = {}): Tensor => {
  if (input.shape.join() !== target.shape.join()) {
    throw new RangeError(`binaryCrossEntropyWithLogits: target size [${target.shape.join()}] must be the same as input size [${input.shape.join()}]`);
  }
  return new Tensor(O.bceLogits(input._h, target._h, o.weight?._h ?? null, o.posWeight?._h ?? null,
    reductionEnum(legacyReduction(o), 'binaryCrossEntropyWithLogits')));
});
