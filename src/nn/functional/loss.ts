// Loss functions of torch.nn.functional, on ATen's fused loss operators (same numbers and gradients as PyTorch).
import { Tensor } from '../../tensor.js';
import { op } from '../../native/ops.js';

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

export interface CrossEntropyOptions {
  weight?: Tensor | null;
  ignoreIndex?: number;
  reduction?: Reduction;
  labelSmoothing?: number;
}

/**
 * Cross entropy between logits (N, C, ...) and class indices (N, ...) or class probabilities of the input's
 * shape.
 */
export function crossEntropy(input: Tensor, target: Tensor, o: CrossEntropyOptions = {}): Tensor {
  const ls = o.labelSmoothing ?? 0;
  if (!(ls >= 0 && ls <= 1)) throw new RangeError(`crossEntropy: labelSmoothing must be between 0 and 1, got ${ls}`);
  checkClassTarget('crossEntropy', input, target, o.weight);
  return new Tensor(O.crossEntropy(input._h, target._h, o.weight?._h ?? null, reductionEnum(o.reduction, 'crossEntropy'),
    o.ignoreIndex ?? -100, ls));
}

export function nllLoss(input: Tensor, target: Tensor, o: Omit<CrossEntropyOptions, 'labelSmoothing'> = {}): Tensor {
  checkClassTarget('nllLoss', input, target, o.weight);
  if (target.isFloatingPoint()) throw new TypeError(`nllLoss: target must hold class indices (int64), got ${target.dtype}`);
  return new Tensor(O.nllLoss(input._h, target._h, o.weight?._h ?? null, reductionEnum(o.reduction, 'nllLoss'), o.ignoreIndex ?? -100));
}

function checkClassTarget(fn: string, input: Tensor, target: Tensor, weight: Tensor | null | undefined): void {
  const s = input.shape;
  const t = target.shape;
  const classDim = s.length === 1 ? 0 : 1;
  if (target.isFloatingPoint()) {
    if (s.join() !== t.join()) throw new RangeError(`${fn}: probability target of shape [${t}] must match the input shape [${s}]`);
  } else {
    const expected = s.filter((_, i) => i !== classDim);
    if (t.join() !== expected.join()) {
      throw new RangeError(`${fn}: class-index target of shape [${t}] does not fit input of shape [${s}] (expected [${expected}])`);
    }
  }
  if (weight && (weight.ndim !== 1 || weight.numel() !== s[classDim])) {
    throw new RangeError(`${fn}: weight must be a 1-d tensor with one entry per class (${s[classDim]}), got shape [${weight.shape}]`);
  }
}

function broadcastPair(input: Tensor, target: Tensor): [unknown, unknown] {
  if (input.shape.join() === target.shape.join()) return [input._h, target._h];
  const [a, b] = O.broadcast([input._h, target._h]) as [unknown, unknown];
  return [a, b];
}

export function mseLoss(input: Tensor, target: Tensor, o: { reduction?: Reduction } = {}): Tensor {
  const [a, b] = broadcastPair(input, target);
  return new Tensor(O.mse(a, b, reductionEnum(o.reduction, 'mseLoss')));
}

export function l1Loss(input: Tensor, target: Tensor, o: { reduction?: Reduction } = {}): Tensor {
  const [a, b] = broadcastPair(input, target);
  return new Tensor(O.l1(a, b, reductionEnum(o.reduction, 'l1Loss')));
}

export function smoothL1Loss(input: Tensor, target: Tensor, o: { reduction?: Reduction; beta?: number } = {}): Tensor {
  const [a, b] = broadcastPair(input, target);
  return new Tensor(O.smoothL1(a, b, reductionEnum(o.reduction, 'smoothL1Loss'), o.beta ?? 1.0));
}

export function huberLoss(input: Tensor, target: Tensor, o: { reduction?: Reduction; delta?: number } = {}): Tensor {
  const [a, b] = broadcastPair(input, target);
  return new Tensor(O.huber(a, b, reductionEnum(o.reduction, 'huberLoss'), o.delta ?? 1.0));
}

export function binaryCrossEntropy(input: Tensor, target: Tensor, o: { weight?: Tensor | null; reduction?: Reduction } = {}): Tensor {
  if (input.shape.join() !== target.shape.join()) {
    throw new RangeError(`binaryCrossEntropy: target size [${target.shape}] must be the same as input size [${input.shape}]`);
  }
  let w = o.weight ?? null;
  if (w && w.shape.join() !== input.shape.join()) w = w.expand(input.shape);
  return new Tensor(O.bce(input._h, target._h, w?._h ?? null, reductionEnum(o.reduction, 'binaryCrossEntropy')));
}

export function binaryCrossEntropyWithLogits(input: Tensor, target: Tensor,
  o: { weight?: Tensor | null; posWeight?: Tensor | null; reduction?: Reduction } = {}): Tensor {
  if (input.shape.join() !== target.shape.join()) {
    throw new RangeError(`binaryCrossEntropyWithLogits: target size [${target.shape}] must be the same as input size [${input.shape}]`);
  }
  return new Tensor(O.bceLogits(input._h, target._h, o.weight?._h ?? null, o.posWeight?._h ?? null,
    reductionEnum(o.reduction, 'binaryCrossEntropyWithLogits')));
}
