// ATen's `_foreach_*` operators over lists of tensors: one native call per operation for all of a group's
// parameters instead of one per parameter. On CPU (and for mixed dtypes on CUDA) they apply the ordinary
// per-tensor operator to each element, so the numbers are those of PyTorch's single-tensor optimizers.
import { Tensor } from '../tensor.js';
import { op } from '../native/ops.js';
import type { Handle } from '../native/binding.js';
import { dtypeCode } from '../dtype.js';

const O = {
  mul_: op('aten::_foreach_mul_.Scalar'),
  add_: op('aten::_foreach_add_.List'),
  addS_: op('aten::_foreach_add_.Scalar'),
  add: op('aten::_foreach_add.List'),
  addcmul_: op('aten::_foreach_addcmul_.Scalar'),
  addcmul: op('aten::_foreach_addcmul.Scalar'),
  addcdiv_: op('aten::_foreach_addcdiv_.Scalar'),
  divS_: op('aten::_foreach_div_.Scalar'),
  neg: op('aten::_foreach_neg'),
  sqrt: op('aten::_foreach_sqrt'),
  sqrt_: op('aten::_foreach_sqrt_'),
  maximum_: op('aten::_foreach_maximum_.List'),
};

const h = (ts: readonly Tensor[]): Handle[] => ts.map((t) => t._h);
const wrapAll = (hs: Handle[]): Tensor[] => hs.map((x) => new Tensor(x));

/** self[i] *= scalar */
export function mul_(self: readonly Tensor[], scalar: number): void {
  if (self.length > 0) O.mul_(h(self), scalar);
}
/** self[i] += alpha * other[i] */
export function add_(self: readonly Tensor[], other: readonly Tensor[], alpha = 1): void {
  if (self.length > 0) O.add_(h(self), h(other), alpha);
}
/** self[i] += scalar */
export function addScalar_(self: readonly Tensor[], scalar: number): void {
  if (self.length > 0) O.addS_(h(self), scalar);
}
/** self[i] + alpha * other[i], new tensors */
export function add(self: readonly Tensor[], other: readonly Tensor[], alpha = 1): Tensor[] {
  return self.length > 0 ? wrapAll(O.add(h(self), h(other), alpha)) : [];
}
/** self[i] += value * t1[i] * t2[i] */
export function addcmul_(self: readonly Tensor[], t1: readonly Tensor[], t2: readonly Tensor[], value = 1): void {
  if (self.length > 0) O.addcmul_(h(self), h(t1), h(t2), value);
}
/** self[i] + value * t1[i] * t2[i], new tensors */
export function addcmul(self: readonly Tensor[], t1: readonly Tensor[], t2: readonly Tensor[], value = 1): Tensor[] {
  return self.length > 0 ? wrapAll(O.addcmul(h(self), h(t1), h(t2), value)) : [];
}
/** self[i] += value * t1[i] / t2[i] */
export function addcdiv_(self: readonly Tensor[], t1: readonly Tensor[], t2: readonly Tensor[], value = 1): void {
  if (self.length > 0) O.addcdiv_(h(self), h(t1), h(t2), value);
}
/** self[i] /= scalar */
export function divScalar_(self: readonly Tensor[], scalar: number): void {
  if (self.length > 0) O.divS_(h(self), scalar);
}
/** -self[i], new tensors */
export function neg(self: readonly Tensor[]): Tensor[] {
  return self.length > 0 ? wrapAll(O.neg(h(self))) : [];
}
/** sqrt(self[i]), new tensors */
export function sqrt(self: readonly Tensor[]): Tensor[] {
  return self.length > 0 ? wrapAll(O.sqrt(h(self))) : [];
}
/** self[i] = sqrt(self[i]) */
export function sqrt_(self: readonly Tensor[]): void {
  if (self.length > 0) O.sqrt_(h(self));
}
/** self[i] = maximum(self[i], other[i]) */
export function maximum_(self: readonly Tensor[], other: readonly Tensor[]): void {
  if (self.length > 0) O.maximum_(h(self), h(other));
}

/**
 * Index ranges `[start, end)` over `tensors`, in order, each holding at most `limitBytes` of data (a larger
 * tensor is a range of its own): the optimizers' cache-sized ranges (Optimizer.updateGroup).
 */
export function cacheChunks(tensors: readonly Tensor[], limitBytes: number): [number, number][] {
  const ranges: [number, number][] = [];
  let start = 0;
  let bytes = 0;
  tensors.forEach((t, i) => {
    const n = t.numel() * t.elementSize();
    if (i > start && bytes + n > limitBytes) {
      ranges.push([start, i]);
      start = i;
      bytes = 0;
    }
    bytes += n;
  });
  if (tensors.length > start) ranges.push([start, tensors.length]);
  return ranges;
}

/**
 * The gradients an update uses, as PyTorch's optimizers derive them: negated for `maximize`, plus
 * `weightDecay * param` (L2 penalty) when it is non-zero. Returns `grads` itself when neither applies.
 */
export function effectiveGrads(params: readonly Tensor[], grads: Tensor[], maximize: boolean, weightDecay: number): Tensor[] {
  let g = maximize ? neg(grads) : grads;
  if (weightDecay !== 0) g = add(g, params, weightDecay);
  return g;
}

const stackOp = op('aten::stack');
const toF64 = op('aten::_to_copy');

/**
 * Groups one-element tensors (per-parameter step counts) by value: value -> indices. Two native calls read
 * all values, instead of one item() per tensor. Values are read as float64, exact for every integer dtype
 * count below 2^53 and for float32 counts, which are what PyTorch's `step.item()` gives.
 */
export function groupByValue(scalars: readonly Tensor[]): Map<number, number[]> {
  const groups = new Map<number, number[]>();
  if (scalars.length === 0) return groups;
  let data: ArrayLike<number>;
  const device = scalars[0]!.device;
  if (scalars.every((t) => t.device === device)) {
    const stacked = new Tensor(stackOp(h(scalars), 0));
    const values = new Tensor(toF64(stacked._h, dtypeCode('float64'), null, 'cpu'));
    data = values.dataSync() as Float64Array;
    stacked.dispose();
    values.dispose();
  } else {
    data = scalars.map((t) => t.item());
  }
  Array.from(data).forEach((v, i) => {
    const g = groups.get(v);
    if (g) g.push(i); else groups.set(v, [i]);
  });
  return groups;
}
