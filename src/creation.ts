// Tensor creation: torch.tensor, zeros, ones, full, arange, linspace, eye, rand*, *Like, cat/stack/where.
import { native } from './native/binding.js';
import { op } from './native/ops.js';
import { type DType, dtypeCode, dtypeOfTypedArray, normalizeDtype, elementSize } from './dtype.js';
import { Tensor, type Device, type NestedArray, type Scalar, checkDevice, sizesOf } from './tensor.js';

export interface CreateOptions {
  dtype?: DType | string;
  device?: Device;
  requiresGrad?: boolean;
}

type SizeArgs = (number | readonly number[] | CreateOptions)[];

function splitArgs(args: SizeArgs): [number[], CreateOptions] {
  let opts: CreateOptions = {};
  const last = args[args.length - 1];
  if (last !== undefined && typeof last === 'object' && !Array.isArray(last)) {
    opts = last as CreateOptions;
    args = args.slice(0, -1);
  }
  return [sizesOf(args as (number | number[])[]), opts];
}

const dt = (o: CreateOptions, fallback?: DType): number | undefined => {
  const d = o.dtype ?? fallback;
  return d === undefined ? undefined : dtypeCode(d);
};
const dev = (o: CreateOptions): string | undefined => (o.device === undefined ? undefined : checkDevice(o.device));

function finish(t: Tensor, o: CreateOptions): Tensor {
  if (o.requiresGrad) t.requiresGrad_(true);
  return t;
}

const O = {
  zeros: op('aten::zeros'), ones: op('aten::ones'), full: op('aten::full'), empty: op('aten::empty.memory_format'),
  arange: op('aten::arange.start_step'), linspace: op('aten::linspace'), logspace: op('aten::logspace'),
  eye: op('aten::eye.m'),
  // The `generator` overloads: no generator argument means this thread's generator (see useGenerator), which is
  // libtorch's default one unless a torch.Generator is in use.
  rand: op('aten::rand.generator'), randn: op('aten::randn.generator'), randint: op('aten::randint.low_generator'),
  randperm: op('aten::randperm.generator'), normal: op('aten::normal.float_float'),
  zerosLike: op('aten::zeros_like'), onesLike: op('aten::ones_like'), fullLike: op('aten::full_like'),
  emptyLike: op('aten::empty_like'), randLike: op('aten::rand_like'), randnLike: op('aten::randn_like'),
  randintLike: op('aten::randint_like.low_dtype'),
  cat: op('aten::cat'), stack: op('aten::stack'), hstack: op('aten::hstack'), vstack: op('aten::vstack'),
  where: op('aten::where.self'), whereSS: op('aten::where.Scalar'), whereSO: op('aten::where.ScalarOther'),
  whereSSelf: op('aten::where.ScalarSelf'), scalarTensor: op('aten::scalar_tensor'),
  meshgrid: op('aten::meshgrid.indexing'), einsum: op('aten::einsum'), cdist: op('aten::cdist'),
};

export function zeros(...args: SizeArgs): Tensor {
  const [s, o] = splitArgs(args);
  return finish(new Tensor(O.zeros(s, dt(o), undefined, dev(o))), o);
}
export function ones(...args: SizeArgs): Tensor {
  const [s, o] = splitArgs(args);
  return finish(new Tensor(O.ones(s, dt(o), undefined, dev(o))), o);
}
export function empty(...args: SizeArgs): Tensor {
  const [s, o] = splitArgs(args);
  return finish(new Tensor(O.empty(s, dt(o), undefined, dev(o))), o);
}
/** torch.full. JavaScript cannot tell 1 from 1.0, so a number fills float32 unless `dtype` says otherwise. */
export function full(size: readonly number[], fillValue: Scalar, o: CreateOptions = {}): Tensor {
  const fallback: DType = typeof fillValue === 'boolean' ? 'bool' : typeof fillValue === 'bigint' ? 'int64' : 'float32';
  return finish(new Tensor(O.full([...size], fillValue, dt(o, fallback), undefined, dev(o))), o);
}
/** torch.arange: integer bounds and step give int64, as in Python; a fractional one gives float32. */
export function arange(end: number, o?: CreateOptions): Tensor;
export function arange(start: number, end: number, o?: CreateOptions): Tensor;
export function arange(start: number, end: number, step: number, o?: CreateOptions): Tensor;
export function arange(...args: any[]): Tensor {
  const o = (typeof args[args.length - 1] === 'object' ? args.pop() : {}) as CreateOptions;
  const nums = args as number[];
  const [start, end, step] = nums.length === 1 ? [0, nums[0]!, 1] : nums.length === 2 ? [nums[0]!, nums[1]!, 1] : nums as [number, number, number];
  return finish(new Tensor(O.arange(start, end, step, dt(o), undefined, dev(o))), o);
}
export function linspace(start: number, end: number, steps: number, o: CreateOptions = {}): Tensor {
  return finish(new Tensor(O.linspace(start, end, steps, dt(o), undefined, dev(o))), o);
}
export function logspace(start: number, end: number, steps: number, base = 10, o: CreateOptions = {}): Tensor {
  return finish(new Tensor(O.logspace(start, end, steps, base, dt(o), undefined, dev(o))), o);
}
export function eye(n: number, m?: number | CreateOptions, o: CreateOptions = {}): Tensor {
  if (typeof m === 'object') { o = m; m = undefined; }
  return finish(new Tensor(O.eye(n, m ?? n, dt(o), undefined, dev(o))), o);
}
export function rand(...args: SizeArgs): Tensor {
  const [s, o] = splitArgs(args);
  return finish(new Tensor(O.rand(s, undefined, dt(o), undefined, dev(o))), o);
}
export function randn(...args: SizeArgs): Tensor {
  const [s, o] = splitArgs(args);
  return finish(new Tensor(O.randn(s, undefined, dt(o), undefined, dev(o))), o);
}
/** torch.randint(low, high, size) or randint(high, size); int64 by default. */
export function randint(low: number, high: number | readonly number[], size?: readonly number[] | CreateOptions, o: CreateOptions = {}): Tensor {
  if (Array.isArray(high)) { o = (size as CreateOptions) ?? {}; size = high; high = low; low = 0; }
  return finish(new Tensor(O.randint(low, high as number, [...(size as number[])], undefined, dt(o, 'int64'), undefined, dev(o))), o);
}
export function randperm(n: number, o: CreateOptions = {}): Tensor {
  return finish(new Tensor(O.randperm(n, undefined, dt(o, 'int64'), undefined, dev(o))), o);
}
export function normal(mean: number, std: number, size: readonly number[], o: CreateOptions = {}): Tensor {
  return finish(new Tensor(O.normal(mean, std, [...size], undefined, dt(o), undefined, dev(o))), o);
}
export function zerosLike(t: Tensor, o: CreateOptions = {}): Tensor { return finish(new Tensor(O.zerosLike(t._h, dt(o), undefined, dev(o))), o); }
export function onesLike(t: Tensor, o: CreateOptions = {}): Tensor { return finish(new Tensor(O.onesLike(t._h, dt(o), undefined, dev(o))), o); }
export function emptyLike(t: Tensor, o: CreateOptions = {}): Tensor { return finish(new Tensor(O.emptyLike(t._h, dt(o), undefined, dev(o))), o); }
export function fullLike(t: Tensor, v: Scalar, o: CreateOptions = {}): Tensor { return finish(new Tensor(O.fullLike(t._h, v, dt(o), undefined, dev(o))), o); }
export function randLike(t: Tensor, o: CreateOptions = {}): Tensor { return finish(new Tensor(O.randLike(t._h, dt(o), undefined, dev(o))), o); }
export function randnLike(t: Tensor, o: CreateOptions = {}): Tensor { return finish(new Tensor(O.randnLike(t._h, dt(o), undefined, dev(o))), o); }
export function randintLike(t: Tensor, low: number, high: number, o: CreateOptions = {}): Tensor {
  return finish(new Tensor(O.randintLike(t._h, low, high, dt(o), undefined, dev(o))), o);
}

/** A 0-dim tensor holding one number (torch.scalar_tensor). */
export function scalarTensor(v: Scalar, o: CreateOptions = {}): Tensor {
  const fallback: DType = typeof v === 'boolean' ? 'bool' : typeof v === 'bigint' ? 'int64' : 'float32';
  return finish(new Tensor(O.scalarTensor(typeof v === 'bigint' ? Number(v) : v, dt(o, fallback), undefined, dev(o))), o);
}

function inferShape(data: NestedArray): number[] {
  const shape: number[] = [];
  let x: NestedArray = data;
  while (Array.isArray(x)) {
    shape.push(x.length);
    if (x.length === 0) break;
    x = x[0]!;
  }
  return shape;
}

function flattenInto(data: NestedArray, shape: number[], level: number, out: (number | boolean | bigint)[], path: string): void {
  if (level === shape.length) {
    if (Array.isArray(data)) throw new TypeError(`tensor(): ragged nested array at ${path || 'top level'}: expected a number`);
    out.push(data);
    return;
  }
  if (!Array.isArray(data) || data.length !== shape[level]) {
    throw new TypeError(`tensor(): ragged nested array at ${path || 'top level'}: expected ${shape[level]} elements`);
  }
  for (let i = 0; i < data.length; i++) flattenInto(data[i]!, shape, level + 1, out, `${path}[${i}]`);
}

function encode(values: ArrayLike<number | boolean | bigint>, dtype: DType): ArrayBufferView {
  const n = values.length;
  switch (dtype) {
    case 'float32': return Float32Array.from(values as ArrayLike<number>, Number);
    case 'float64': return Float64Array.from(values as ArrayLike<number>, Number);
    case 'int64': return BigInt64Array.from(values as ArrayLike<number>, (v) => BigInt(typeof v === 'bigint' ? v : Math.trunc(Number(v))));
    case 'int32': return Int32Array.from(values as ArrayLike<number>, Number);
    case 'int16': return Int16Array.from(values as ArrayLike<number>, Number);
    case 'int8': return Int8Array.from(values as ArrayLike<number>, Number);
    case 'uint8': return Uint8Array.from(values as ArrayLike<number>, Number);
    case 'bool': return Uint8Array.from(values as ArrayLike<number>, (v) => (v ? 1 : 0));
    default: {
      // float16/bfloat16/complex: build float32/float64 and convert in libtorch
      void n;
      throw new Error('unreachable');
    }
  }
}

/**
 * torch.tensor: from nested arrays, a TypedArray (its dtype unless `dtype` says otherwise), with an optional
 * shape for flat data. JavaScript numbers are all doubles, so numbers make float32 by default (not int64
 * as Python ints do); pass {dtype: 'int64'} or BigInts for integers. Booleans make a bool tensor.
 */
export function tensor(data: NestedArray | ArrayBufferView, o: CreateOptions & { shape?: readonly number[] } = {}): Tensor {
  let values: ArrayLike<number | boolean | bigint>;
  let shape: number[];
  let srcDtype: DType;
  if (ArrayBuffer.isView(data)) {
    srcDtype = dtypeOfTypedArray(data);
    values = data as unknown as ArrayLike<number>;
    shape = o.shape ? [...o.shape] : [values.length];
  } else {
    shape = inferShape(data);
    const flat: (number | boolean | bigint)[] = [];
    flattenInto(data, shape, 0, flat, '');
    values = flat;
    srcDtype = flat.length > 0 && typeof flat[0] === 'boolean' ? 'bool' : flat.length > 0 && typeof flat[0] === 'bigint' ? 'int64' : 'float32';
    if (o.shape) shape = [...o.shape];
  }
  const target = o.dtype === undefined ? srcDtype : normalizeDtype(o.dtype);
  const numel = shape.reduce((a, b) => a * b, 1);
  if (numel !== values.length) throw new RangeError(`tensor(): ${values.length} values do not fill shape [${shape.join(', ')}]`);
  let t: Tensor;
  if (ArrayBuffer.isView(data) && target === srcDtype) {
    t = new Tensor(native.fromBytes(data, shape, dtypeCode(target)));
  } else if (target === 'float16' || target === 'bfloat16' || target === 'complex64' || target === 'complex128') {
    const tmp = native.fromBytes(encode(values, 'float64'), shape, dtypeCode('float64'));
    t = new Tensor(tmp).to(target);
  } else {
    t = new Tensor(native.fromBytes(encode(values, target), shape, dtypeCode(target)));
  }
  if (o.device !== undefined && o.device !== 'cpu') t = t.to(o.device);
  return finish(t, o);
}

/** A tensor over a copy of raw little-endian bytes (used by readers of file formats). */
export function fromBytes(bytes: ArrayBufferView, shape: readonly number[], dtype: DType | string): Tensor {
  const d = normalizeDtype(dtype);
  const need = shape.reduce((a, b) => a * b, 1) * elementSize(d);
  if (bytes.byteLength !== need) {
    throw new RangeError(`fromBytes: ${bytes.byteLength} bytes for shape [${shape.join(', ')}] of ${d}, which needs ${need}`);
  }
  return new Tensor(native.fromBytes(bytes, [...shape], dtypeCode(d)));
}

/** torch.from_numpy's analogue for Node: a tensor from a TypedArray (copied) with a shape. */
export function fromTypedArray(data: ArrayBufferView, shape: readonly number[], dtype?: DType): Tensor {
  return fromBytes(data, shape, dtype ?? dtypeOfTypedArray(data));
}

export function cat(tensors: readonly Tensor[], dim = 0): Tensor { return new Tensor(O.cat(tensors.map((t) => t._h), dim)); }
export const concat = cat;
export function stack(tensors: readonly Tensor[], dim = 0): Tensor { return new Tensor(O.stack(tensors.map((t) => t._h), dim)); }
export function hstack(tensors: readonly Tensor[]): Tensor { return new Tensor(O.hstack(tensors.map((t) => t._h))); }
export function vstack(tensors: readonly Tensor[]): Tensor { return new Tensor(O.vstack(tensors.map((t) => t._h))); }
/** torch.where(condition, x, y) */
export function where(condition: Tensor, x: Tensor | Scalar, y: Tensor | Scalar): Tensor {
  if (x instanceof Tensor && y instanceof Tensor) return new Tensor(O.where(condition._h, x._h, y._h));
  if (x instanceof Tensor) return new Tensor(O.whereSO(condition._h, x._h, y));
  if (y instanceof Tensor) return new Tensor(O.whereSSelf(condition._h, x, y._h));
  return new Tensor(O.whereSS(condition._h, x, y));
}
export function meshgrid(tensors: readonly Tensor[], indexing: 'ij' | 'xy' = 'ij'): Tensor[] {
  return (O.meshgrid(tensors.map((t) => t._h), indexing) as never[]).map((h) => new Tensor(h));
}
export function einsum(equation: string, ...operands: Tensor[]): Tensor { return new Tensor(O.einsum(equation, operands.map((t) => t._h))); }
export function cdist(x1: Tensor, x2: Tensor, p = 2): Tensor { return new Tensor(O.cdist(x1._h, x2._h, p)); }
