// torchvision's functional_tensor operations on [..., C, H, W] tensors, with the same ATen calls.
import { Tensor } from '../../tensor.js';
import { tensor as makeTensor } from '../../creation.js';
import { op } from '../../native/ops.js';
import { type DType, type DTypeName } from '../../dtype.js';
import type { PaddingMode } from './image-ops.js';

const O = {
  constantPad: op('aten::constant_pad_nd'), reflectionPad: op('aten::reflection_pad2d'),
  replicationPad: op('aten::replication_pad2d'),
};

export function checkImageTensor(t: Tensor, what: string): void {
  if (t.ndim < 2) throw new RangeError(`${what}: expected a tensor image with at least 2 dimensions ([..., H, W]), got shape [${t.shape.join(', ')}]`);
}

export function dims(t: Tensor): { c: number; h: number; w: number } {
  const s = t.shape;
  return { c: s.length >= 3 ? s[s.length - 3]! : 1, h: s[s.length - 2]!, w: s[s.length - 1]! };
}

function padSymmetric(img: Tensor, [l, t, r, b]: readonly number[]): Tensor {
  const { h, w } = dims(img);
  if (l < 0 || t < 0 || r < 0 || b < 0) {
    img = img.narrow(-2, Math.max(-t, 0), h - Math.max(-t, 0) - Math.max(-b, 0)).narrow(-1, Math.max(-l, 0), w - Math.max(-l, 0) - Math.max(-r, 0));
    [l, t, r, b] = [l, t, r, b].map((p) => Math.max(p, 0));
  }
  const idx = (n: number, before: number, after: number): Tensor => {
    const v: number[] = [];
    for (let i = before - 1; i >= 0; i--) v.push(i);
    for (let i = 0; i < n; i++) v.push(i);
    for (let i = 0; i < after; i++) v.push(n - 1 - i);
    return makeTensor(BigInt64Array.from(v, BigInt));
  };
  const { h: h2, w: w2 } = dims(img);
  return img.indexSelect(-2, idx(h2, t, b)).indexSelect(-1, idx(w2, l, r));
}

/** torchvision F.pad on tensors: padding [left, top, right, bottom]. */
export function padTensor(img: Tensor, ltrb: readonly [number, number, number, number], fill: number, mode: PaddingMode): Tensor {
  checkImageTensor(img, 'pad');
  if (mode === 'symmetric') return padSymmetric(img, ltrb);
  const [l, t, r, b] = ltrb;
  const p = [l, r, t, b];
  if (mode === 'constant') return new Tensor(O.constantPad(img._h, p, fill));
  // reflection/replication pads need a batch of 3-d images and a floating type (pytorch#40763).
  const shape = img.shape;
  let x = img.ndim === 2 ? img.unsqueeze(0) : img.ndim > 4 ? img.reshape(-1, ...shape.slice(-3)) : img;
  const outDtype = x.dtype;
  const cast = outDtype.name !== 'float32' && outDtype.name !== 'float64';
  if (cast) x = x.to('float32');
  x = new Tensor((mode === 'reflect' ? O.reflectionPad : O.replicationPad)(x._h, p));
  if (cast) x = x.to(outDtype);
  const { h, w } = dims(x);
  return x.reshape(...shape.slice(0, -2), h, w);
}

/** torchvision F.crop on tensors: out-of-range parts are zero-padded. */
export function cropTensor(img: Tensor, top: number, left: number, height: number, width: number): Tensor {
  checkImageTensor(img, 'crop');
  const { h, w } = dims(img);
  const right = left + width;
  const bottom = top + height;
  if (left < 0 || top < 0 || right > w || bottom > h) {
    const t0 = Math.max(top, 0);
    const l0 = Math.max(left, 0);
    const inner = img.slice(-2, t0, Math.max(t0, Math.min(bottom, h))).slice(-1, l0, Math.max(l0, Math.min(right, w)));
    return padTensor(inner, [Math.max(-left, 0), Math.max(-top, 0), Math.max(right - w, 0), Math.max(bottom - h, 0)], 0, 'constant');
  }
  return img.slice(-2, top, bottom).slice(-1, left, right);
}

export function hflipTensor(img: Tensor): Tensor { checkImageTensor(img, 'hflip'); return img.flip(-1); }
export function vflipTensor(img: Tensor): Tensor { checkImageTensor(img, 'vflip'); return img.flip(-2); }

/** torchvision F.normalize: (x - mean) / std per channel, in the tensor's dtype. */
export function normalizeTensor(t: Tensor, mean: readonly number[], std: readonly number[], inplace = false): Tensor {
  if (!t.isFloatingPoint()) throw new TypeError(`normalize: input tensor should be a float tensor, got ${t.dtype}`);
  if (t.ndim < 3) throw new RangeError(`normalize: expected a tensor image of size (..., C, H, W), got shape [${t.shape.join(', ')}]`);
  const m = makeTensor(mean as number[], { dtype: t.dtype, device: t.device });
  const s = makeTensor(std as number[], { dtype: t.dtype, device: t.device });
  if (s.eq(0).any().item()) throw new RangeError(`normalize: std evaluated to zero after conversion to ${t.dtype}, leading to division by zero`);
  const mv = m.view(-1, 1, 1);
  const sv = s.view(-1, 1, 1);
  return inplace ? t.sub_(mv).div_(sv) : t.sub(mv).div_(sv);
}

const MAX: Partial<Record<DTypeName, number>> = { uint8: 255, int8: 127, int16: 32767, int32: 2147483647, int64: 9223372036854775807 };

/** torchvision F.convert_image_dtype: rescales between integer ranges and [0, 1] floats. */
export function convertImageDtype(image: Tensor, dtype: DType): Tensor {
  if (image.dtype === dtype) return image;
  const outFloat = dtype.isFloatingPoint;
  const out = dtype.name;
  if (image.isFloatingPoint()) {
    if (outFloat) return image.to(dtype);
    if ((image.dtype.name === 'float32' && (out === 'int32' || out === 'int64')) || (image.dtype.name === 'float64' && out === 'int64')) {
      throw new TypeError(`convertImageDtype: the cast from ${image.dtype} to ${dtype} cannot be performed safely`);
    }
    const maxVal = MAX[out];
    if (maxVal === undefined) throw new TypeError(`convertImageDtype: unsupported dtype ${dtype}`);
    return image.mul(maxVal + 1.0 - 1e-3).to(dtype);
  }
  const inMax = MAX[image.dtype.name];
  if (inMax === undefined) throw new TypeError(`convertImageDtype: unsupported input dtype ${image.dtype}`);
  if (outFloat) return image.to(dtype).div(inMax);
  const outMax = MAX[out];
  if (outMax === undefined) throw new TypeError(`convertImageDtype: unsupported dtype ${dtype}`);
  if (inMax > outMax) {
    const factor = Math.floor((inMax + 1) / (outMax + 1));
    return image.div(factor, { roundingMode: 'floor' }).to(dtype);
  }
  const factor = Math.floor((outMax + 1) / (inMax + 1));
  return image.to(dtype).mul(BigInt(factor));
}

/** torchvision F.erase: a clone of `img` (unless inplace) with the h x w block at (i, j) set to v. */
export function eraseTensor(img: Tensor, i: number, j: number, h: number, w: number, v: Tensor, inplace = false): Tensor {
  const out = inplace ? img : img.clone();
  out.narrow(-2, i, h).narrow(-1, j, w).copy_(v);
  return out;
}

