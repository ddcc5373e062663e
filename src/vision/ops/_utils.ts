// torchvision.ops._utils: RoI formats, upcasting against overflow, and the intersection/union of the box losses.
import { Tensor } from '../../tensor.js';
import { cat, fullLike, zerosLike } from '../../creation.js';
import type { DTypeName } from '../../dtype.js';
import { bindOwn, registerSignature } from '../../args.js';

// PyTorch's argument binding (src/args.ts) for this module's functions: an extra positional argument or an
// unknown keyword is a TypeError naming it.
registerSignature(checkRoiBoxesShape, 'checkRoiBoxesShape', 'torchvision.ops.check_roi_boxes_shape', 'fn, boxes');
registerSignature(convertBoxesToRoiFormat, 'convertBoxesToRoiFormat', 'torchvision.ops.convert_boxes_to_roi_format', 'boxes');

/** The name of a tensor's dtype ('float32'): the one place the ops compare dtypes. */
export function dtypeOf(t: Tensor): DTypeName {
  return t.dtype.name;
}

/** torch.cat that returns the only tensor of a one-element list itself (torchvision's `_cat`). */
export function catOrSelf(tensors: readonly Tensor[], dim = 0): Tensor {
  return tensors.length === 1 ? tensors[0]! : cat(tensors, dim);
}

/** A list of per-image [L, 4] boxes as one [K, 5] tensor whose first column is the image index. */
export function convertBoxesToRoiFormat(boxes: readonly Tensor[]): Tensor {
  [boxes] = bindOwn(convertBoxesToRoiFormat, arguments) as Parameters<typeof convertBoxesToRoiFormat>;
  const concat = catOrSelf(boxes, 0);
  const ids = catOrSelf(boxes.map((b, i) => fullLike(b.narrow(1, 0, 1), i)), 0);
  return cat([ids, concat], 1);
}

/** RoIs are a [K, 5] tensor (batch index, x1, y1, x2, y2) or a list of [L, 4] tensors, one per image. */
export function checkRoiBoxesShape(fn: string, boxes: Tensor | readonly Tensor[]): void {
  [fn, boxes] = bindOwn(checkRoiBoxesShape, arguments) as Parameters<typeof checkRoiBoxesShape>;
  if (Array.isArray(boxes)) {
    (boxes as readonly Tensor[]).forEach((t, i) => {
      if (!(t instanceof Tensor) || t.ndim !== 2 || t.shape[1] !== 4) {
        throw new RangeError(`${fn}: boxes[${i}] must have shape [L, 4] (x1, y1, x2, y2), got ${t instanceof Tensor ? `[${t.shape}]` : typeof t}`);
      }
    });
  } else if (boxes instanceof Tensor) {
    if (boxes.ndim !== 2 || boxes.shape[1] !== 5) throw new RangeError(`${fn}: the boxes tensor must have shape [K, 5] (batch index, x1, y1, x2, y2), got [${boxes.shape}]`);
  } else {
    throw new TypeError(`${fn}: boxes must be a Tensor[K, 5] or a list of Tensor[L, 4]`);
  }
}

/** Boxes as [K, 5] RoIs. */
export function roisOf(fn: string, boxes: Tensor | readonly Tensor[]): Tensor {
  checkRoiBoxesShape(fn, boxes);
  return boxes instanceof Tensor ? boxes : convertBoxesToRoiFormat(boxes);
}

/** Protects multiplications from overflow: float16/bfloat16 to float32, small integer types to int32. */
export function upcast(t: Tensor): Tensor {
  const d = dtypeOf(t);
  if (t.isFloatingPoint()) return d === 'float32' || d === 'float64' ? t : t.float();
  return d === 'int32' || d === 'int64' ? t : t.int();
}

/** Anything but float32/float64 to float32. */
export function upcastNonFloat(t: Tensor): Tensor {
  const d = dtypeOf(t);
  return d === 'float32' || d === 'float64' ? t : t.float();
}

/** Intersection and union areas of paired boxes (the box losses). */
export function lossInterUnion(boxes1: Tensor, boxes2: Tensor): [Tensor, Tensor] {
  const [x1, y1, x2, y2] = boxes1.unbind(-1) as [Tensor, Tensor, Tensor, Tensor];
  const [x1g, y1g, x2g, y2g] = boxes2.unbind(-1) as [Tensor, Tensor, Tensor, Tensor];
  // Intersection keypoints.
  const xkis1 = x1.maximum(x1g);
  const ykis1 = y1.maximum(y1g);
  const xkis2 = x2.minimum(x2g);
  const ykis2 = y2.minimum(y2g);
  const intsctk = zerosLike(x1);
  const mask = ykis2.gt(ykis1).logicalAnd(xkis2.gt(xkis1));
  intsctk.indexPut_([mask], xkis2.index(mask).sub(xkis1.index(mask)).mul(ykis2.index(mask).sub(ykis1.index(mask))));
  const unionk = x2.sub(x1).mul(y2.sub(y1)).add(x2g.sub(x1g).mul(y2g.sub(y1g))).sub(intsctk);
  return [intsctk, unionk];
}

/** Python's `reduction` argument of the box and focal losses. */
export type LossReduction = 'none' | 'mean' | 'sum';

export function checkReduction(fn: string, reduction: string): asserts reduction is LossReduction {
  if (reduction !== 'none' && reduction !== 'mean' && reduction !== 'sum') {
    throw new TypeError(`${fn}: reduction must be 'none', 'mean' or 'sum', got '${reduction}'`);
  }
}

/** An int or a pair of ints (Python's `_pair`), for output sizes, strides and paddings. */
export function pair(fn: string, what: string, v: number | readonly number[]): [number, number] {
  const p: readonly number[] = typeof v === 'number' ? [v, v] : v;
  if (p.length !== 2 || !p.every((x) => Number.isInteger(x))) {
    throw new TypeError(`${fn}: ${what} must be an integer or a pair of integers, got ${JSON.stringify(v)}`);
  }
  return [p[0]!, p[1]!];
}
