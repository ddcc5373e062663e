// Tensor creation: torch.tensor, zeros, ones, full, arange, linspace, eye, rand*, *Like, cat/stack/where.
import { native, type Handle } from './native/binding.js';
import { py } from './native/python-layer.js';
import { op } from './native/ops.js';
import { type DType, type DTypeLike, type DTypeName, dtypeCode, dtypeOfTypedArray, normalizeDtype, elementSize } from './dtype.js';
import { Tensor, type NestedArray, type Scalar, checkDevice, sizesOf } from './tensor.js';
import type { DeviceLike } from './device.js';
import { withArgs, api } from './args.js';
import { Generator } from './random.js';

export interface CreateOptions {
  dtype?: DTypeLike;
  device?: DeviceLike;
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

const dt = (o: CreateOptions, fallback?: DTypeLike): number | undefined => {
  const d = o.dtype ?? fallback;
  return d === undefined ? undefined : dtypeCode(d);
};
const dev = (o: CreateOptions): string | undefined => (o.device === undefined ? undefined : String(checkDevice(o.device)));

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

const CREATE = '*, dtype, device, requiresGrad';
const RANDOM = `*, generator, dtype, device, requiresGrad`;

/** Draws with `o.generator` when given (PyTorch's `generator=` keyword), else from this thread's generator. */
function drawing<T>(o: { generator?: Generator }, fn: () => T): T {
  if (o.generator === undefined) return fn();
  if (!(o.generator instanceof Generator)) throw new TypeError(`generator must be a torch.Generator, got ${typeof o.generator}`);
  return o.generator.run(fn);
}

type RandomOptions = CreateOptions & { generator?: Generator };

/** torch.zeros(*size, dtype=..., device=..., requires_grad=...) */
export const zeros: (...args: SizeArgs) => Tensor = withArgs('zeros', 'torch.zeros', `...size; ${CREATE}`, (...args: SizeArgs): Tensor => {
  const [s, o] = splitArgs(args);
  return finish(new Tensor(O.zeros(s, dt(o), undefined, dev(o))), o);
});
export const ones: (...args: SizeArgs) => Tensor = withArgs('ones', 'torch.ones', `...size; ${CREATE}`, (...args: SizeArgs): Tensor => {
  const [s, o] = splitArgs(args);
  return finish(new Tensor(O.ones(s, dt(o), undefined, dev(o))), o);
});
export const empty: (...args: SizeArgs) => Tensor = withArgs('empty', 'torch.empty', `...size; ${CREATE}`, (...args: SizeArgs): Tensor => {
  const [s, o] = splitArgs(args);
  return finish(new Tensor(O.empty(s, dt(o), undefined, dev(o))), o);
});
/** torch.full. JavaScript cannot tell 1 from 1.0, so a number fills float32 unless `dtype` says otherwise. */
export const full: (size: readonly number[], fillValue: Scalar, o?: CreateOptions) => Tensor = withArgs('full', 'torch.full',
  `size, fillValue; ${CREATE}`, (size: readonly number[], fillValue: Scalar, o: CreateOptions = {}): Tensor => {
    const fallback: DTypeName = typeof fillValue === 'boolean' ? 'bool' : typeof fillValue === 'bigint' ? 'int64' : 'float32';
    return finish(new Tensor(O.full([...size], fillValue, dt(o, fallback), undefined, dev(o))), o);
  });
interface Arange {
  (end: number, o?: CreateOptions): Tensor;
  (start: number, end: number, o?: CreateOptions): Tensor;
  (start: number, end: number, step: number, o?: CreateOptions): Tensor;
}
/** torch.arange(end) / arange(start, end, step?): integer bounds and step give int64, as in Python; a fractional one float32. */
export const arange = api<Arange>('arange', 'torch.arange', `...bounds; ${CREATE}`, (...args: unknown[]): Tensor => {
  const o = args.pop() as CreateOptions;
  const nums = args as number[];
  if (nums.length < 1 || nums.length > 3) throw new TypeError(`arange() takes 1 to 3 positional arguments (end, or start, end, step), got ${nums.length}`);
  for (const [i, v] of nums.entries()) if (typeof v !== 'number' && typeof v !== 'bigint') throw new TypeError(`arange(): argument ${i + 1} must be a number, got ${typeof v}`);
  const [start, end, step] = nums.length === 1 ? [0, nums[0]!, 1] : nums.length === 2 ? [nums[0]!, nums[1]!, 1] : nums as [number, number, number];
  return finish(new Tensor(O.arange(start, end, step, dt(o), undefined, dev(o))), o);
});
export const linspace: (start: number, end: number, steps: number, o?: CreateOptions) => Tensor = withArgs('linspace', 'torch.linspace',
  `start, end, steps; ${CREATE}`, (start: number, end: number, steps: number, o: CreateOptions = {}): Tensor =>
    finish(new Tensor(O.linspace(start, end, steps, dt(o), undefined, dev(o))), o));
/** torch.logspace(start, end, steps, base=10.0, ...) */
export const logspace = api<(start: number, end: number, steps: number, base?: number | (CreateOptions & { base?: number }), o?: CreateOptions) => Tensor>('logspace', 'torch.logspace', `start, end, steps; base, ${CREATE}`,
    (start: number, end: number, steps: number, o: CreateOptions & { base?: number } = {}): Tensor =>
      finish(new Tensor(O.logspace(start, end, steps, o.base ?? 10, dt(o), undefined, dev(o))), o));
/** torch.eye(n, m=n, ...) */
export const eye = api<(n: number, m?: number | (CreateOptions & { m?: number }), o?: CreateOptions) => Tensor>('eye', 'torch.eye',
  `n; m, ${CREATE}`, (n: number, o: CreateOptions & { m?: number } = {}): Tensor =>
    finish(new Tensor(O.eye(n, o.m ?? n, dt(o), undefined, dev(o))), o));
/** torch.rand(*size, generator=None, ...): uniform on [0, 1). */
export const rand: (...args: (number | readonly number[] | RandomOptions)[]) => Tensor = withArgs('rand', 'torch.rand', `...size; ${RANDOM}`,
  (...args: SizeArgs): Tensor => {
    const [s, o] = splitArgs(args) as [number[], RandomOptions];
    return finish(drawing(o, () => new Tensor(O.rand(s, undefined, dt(o), undefined, dev(o)))), o);
  });
/** torch.randn(*size, generator=None, ...): standard normal. */
export const randn: (...args: (number | readonly number[] | RandomOptions)[]) => Tensor = withArgs('randn', 'torch.randn', `...size; ${RANDOM}`,
  (...args: SizeArgs): Tensor => {
    const [s, o] = splitArgs(args) as [number[], RandomOptions];
    return finish(drawing(o, () => new Tensor(O.randn(s, undefined, dt(o), undefined, dev(o)))), o);
  });
interface Randint {
  (high: number, size: readonly number[], o?: RandomOptions): Tensor;
  (low: number, high: number, size: readonly number[], o?: RandomOptions): Tensor;
  (high: number, o: RandomOptions & { size: readonly number[] }): Tensor;
  (low: number, high: number, o: RandomOptions & { size: readonly number[] }): Tensor;
}
/** torch.randint(low=0, high, size, ...): int64 by default; `size` may be given by name, as `size=(1,)`. */
export const randint = api<Randint>('randint', 'torch.randint', '...args; *, size, generator, dtype, device, requiresGrad', (...args: unknown[]): Tensor => {
  const o = args.pop() as RandomOptions & { size?: readonly number[] };
  if (o.size !== undefined) {
    if (Array.isArray(args[args.length - 1])) throw new TypeError("randint() got multiple values for argument 'size'");
    args.push(o.size);
  }
  if (args.length < 2 || args.length > 3 || !Array.isArray(args[args.length - 1])) {
    throw new TypeError(`randint() takes (high, size) or (low, high, size), with size an array, got ${args.length} arguments`);
  }
  const size = args.pop() as number[];
  const [low, high] = args.length === 1 ? [0, args[0] as number] : args as [number, number];
  return finish(drawing(o, () => new Tensor(O.randint(low, high, [...size], undefined, dt(o, 'int64'), undefined, dev(o)))), o);
});
export const randperm: (n: number, o?: RandomOptions) => Tensor = withArgs('randperm', 'torch.randperm', `n; ${RANDOM}`,
  (n: number, o: RandomOptions = {}): Tensor =>
    finish(drawing(o, () => new Tensor(O.randperm(n, undefined, dt(o, 'int64'), undefined, dev(o)))), o));
/** torch.normal(mean, std, size, ...) with float mean and std. */
export const normal: (mean: number, std: number, size: readonly number[], o?: RandomOptions) => Tensor = withArgs('normal', 'torch.normal',
  `mean, std, size; ${RANDOM}`, (mean: number, std: number, size: readonly number[], o: RandomOptions = {}): Tensor =>
    finish(drawing(o, () => new Tensor(O.normal(mean, std, [...size], undefined, dt(o), undefined, dev(o)))), o));

type Like = (input: Tensor, o?: CreateOptions) => Tensor;
const like = (name: string, fn: (h: unknown, dtype: number | undefined, device: string | undefined) => Handle, random = false): Like =>
  api<Like>(name, `torch.${name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}`, `input; ${random ? RANDOM : CREATE}`,
    (t: Tensor, o: RandomOptions = {}): Tensor => finish(drawing(o, () => new Tensor(fn(t._h, dt(o), dev(o)))), o));
export const zerosLike: Like = like('zerosLike', (h, d, v) => O.zerosLike(h, d, undefined, v));
export const onesLike: Like = like('onesLike', (h, d, v) => O.onesLike(h, d, undefined, v));
export const emptyLike: Like = like('emptyLike', (h, d, v) => O.emptyLike(h, d, undefined, v));
export const randLike: Like = like('randLike', (h, d, v) => O.randLike(h, d, undefined, v), true);
export const randnLike: Like = like('randnLike', (h, d, v) => O.randnLike(h, d, undefined, v), true);
export const fullLike: (input: Tensor, fillValue: Scalar, o?: CreateOptions) => Tensor = withArgs('fullLike', 'torch.full_like',
  `input, fillValue; ${CREATE}`, (t: Tensor, v: Scalar, o: CreateOptions = {}): Tensor =>
    finish(new Tensor(O.fullLike(t._h, v, dt(o), undefined, dev(o))), o));
interface RandintLike {
  (input: Tensor, high: number, o?: RandomOptions): Tensor;
  (input: Tensor, low: number, high: number, o?: RandomOptions): Tensor;
}
/** torch.randint_like(input, low=0, high, ...) */
export const randintLike = api<RandintLike>('randintLike', 'torch.randint_like', `input, ...bounds; ${RANDOM}`, (t: Tensor, ...args: unknown[]): Tensor => {
  const o = args.pop() as RandomOptions;
  if (args.length < 1 || args.length > 2) throw new TypeError(`randintLike() takes (input, high) or (input, low, high), got ${args.length + 1} arguments`);
  const [low, high] = args.length === 1 ? [0, args[0] as number] : args as [number, number];
  return finish(drawing(o, () => new Tensor(O.randintLike(t._h, low, high, dt(o), undefined, dev(o)))), o);
});

/** A 0-dim tensor holding one number (torch.scalar_tensor). */
export const scalarTensor: (s: Scalar, o?: CreateOptions) => Tensor = withArgs('scalarTensor', 'torch.scalar_tensor', `s; ${CREATE}`,
  (v: Scalar, o: CreateOptions = {}): Tensor => {
    const fallback: DTypeName = typeof v === 'boolean' ? 'bool' : typeof v === 'bigint' ? 'int64' : 'float32';
    if (typeof v === 'bigint') return tensor(v, { dtype: o.dtype ?? 'int64', device: o.device, requiresGrad: o.requiresGrad });
    return finish(new Tensor(O.scalarTensor(v, dt(o, fallback), undefined, dev(o))), o);
  });

// ----- torch.tensor: nested JavaScript data to a tensor, with PyTorch's checks -------------------------------

type Leaf = number | boolean | bigint;
const LEAF_RANK = { boolean: 0, bigint: 1, number: 2 } as const;

/** Python's type names, for errors that read like PyTorch's. */
function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'Array';
  if (typeof v === 'object') return (v as object).constructor?.name ?? 'object';
  return typeof v;
}

const isSequence = (v: unknown): v is ArrayLike<unknown> =>
  Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView));

/** The shape of nested arrays, from the first element at each level (checked against the rest when flattened). */
function inferShape(data: unknown): number[] {
  const shape: number[] = [];
  let x: unknown = data;
  while (isSequence(x)) {
    shape.push(x.length);
    if (x.length === 0) break;
    x = x[0];
  }
  return shape;
}

/**
 * Every leaf of `data` in row-major order, checked as PyTorch checks a Python sequence: the same length at each
 * depth ("expected sequence of length 2 at dim 1 (got 1)"), and only numbers, booleans, BigInts and
 * one-element tensors as values.
 */
function flattenInto(data: unknown, shape: number[], level: number, out: Leaf[], path: string): void {
  if (level === shape.length) {
    if (isSequence(data)) {
      throw new TypeError(`tensor(): expected a number at ${path || 'the top level'}, got a sequence (nested arrays must be rectangular)`);
    }
    out.push(leafValue(data, path));
    return;
  }
  if (!isSequence(data)) {
    throw new TypeError(`tensor(): expected sequence of length ${shape[level]} at dim ${level} (got ${typeName(data)}) at ${path || 'the top level'}`);
  }
  if (data.length !== shape[level]) {
    throw new RangeError(`tensor(): expected sequence of length ${shape[level]} at dim ${level} (got ${data.length}) at ${path || 'the top level'}`);
  }
  if (level === shape.length - 1 && ArrayBuffer.isView(data)) {
    for (let i = 0; i < data.length; i++) out.push(data[i] as Leaf);
    return;
  }
  for (let i = 0; i < data.length; i++) flattenInto(data[i], shape, level + 1, out, `${path}[${i}]`);
}

function leafValue(v: unknown, path: string): Leaf {
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return v;
  if (v instanceof Tensor) {
    if (v.numel() !== 1) throw new TypeError(`tensor(): only one element tensors can be converted to numbers; the tensor at ${path || 'the top level'} has shape [${v.shape.join(', ')}]`);
    return v.item();
  }
  if (v === null || v === undefined) throw new TypeError(`tensor(): could not infer dtype of ${v} at ${path || 'the top level'}`);
  throw new TypeError(`tensor(): invalid data type '${typeName(v)}' at ${path || 'the top level'}: expected numbers, booleans or BigInts`);
}

/** The dtype PyTorch infers: bool for booleans only, int64 for integers (BigInts here), else the default float. */
function inferDtype(values: readonly Leaf[]): DTypeName {
  let rank = -1;
  for (const v of values) rank = Math.max(rank, LEAF_RANK[typeof v as 'number' | 'boolean' | 'bigint']);
  return rank === 0 ? 'bool' : rank === 1 ? 'int64' : 'float32';
}

// Integer ranges c10::checked_convert allows (uint8 takes -255..255 and wraps, as c10::overflows does).
const INT_RANGE: Partial<Record<DTypeName, [bigint, bigint]>> = {
  int64: [-(2n ** 63n), 2n ** 63n - 1n], int32: [-(2n ** 31n), 2n ** 31n - 1n], int16: [-32768n, 32767n], int8: [-128n, 127n],
  uint8: [-255n, 255n],
};

function overflow(v: Leaf, dtype: DTypeName, i: number): never {
  throw new RangeError(typeof v === 'bigint' && dtype === 'int64'
    ? `tensor(): Overflow when unpacking long: ${v} (element ${i}) does not fit in int64`
    : `tensor(): value cannot be converted to type ${dtype} without overflow: ${String(v)} (element ${i})`);
}

/** The values as the bytes of `dtype`, each checked for overflow as PyTorch checks them. */
function encode(values: ArrayLike<Leaf>, dtype: DTypeName): ArrayBufferView {
  const n = values.length;
  const range = INT_RANGE[dtype];
  if (range !== undefined) {
    const [lo, hi] = range;
    const out = dtype === 'int64' ? new BigInt64Array(n) : dtype === 'int32' ? new Int32Array(n) : dtype === 'int16' ? new Int16Array(n)
      : dtype === 'int8' ? new Int8Array(n) : new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const v = values[i]!;
      let b: bigint;
      if (typeof v === 'bigint') b = v;
      else if (typeof v === 'boolean') b = v ? 1n : 0n;
      else if (!Number.isFinite(v)) overflow(v, dtype, i);
      else b = BigInt(Math.trunc(v));
      if (b! < lo || b! > hi) overflow(v, dtype, i);
      if (out instanceof BigInt64Array) out[i] = b!;
      else out[i] = Number(b!);
    }
    return out;
  }
  switch (dtype) {
    case 'float32': case 'float64': {
      const out = dtype === 'float32' ? new Float32Array(n) : new Float64Array(n);
      for (let i = 0; i < n; i++) out[i] = Number(values[i]);
      return out;
    }
    case 'bool': {
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) out[i] = values[i] ? 1 : 0;
      return out;
    }
    default: throw new Error(`encode: ${dtype} is converted from float64`);
  }
}

/**
 * torch.tensor: a new tensor holding a copy of `data`: nested arrays (of numbers, booleans, BigInts or one-element
 * tensors), a TypedArray (its dtype unless `dtype` says otherwise; `shape` reshapes flat data), or a tensor
 * (copied and detached, as `t.clone().detach()`). JavaScript numbers are all doubles, so numbers make float32
 * (PyTorch's default float) where Python ints would make int64: pass `{ dtype: 'int64' }` or BigInts for integers.
 * Ragged arrays, values that are not numbers, and integers that overflow the dtype are errors, as in PyTorch.
 */
export const tensor: (data: NestedArray | ArrayBufferView | Tensor, o?: CreateOptions & { shape?: readonly number[] }) => Tensor =
  withArgs('tensor', 'torch.tensor', `data:dict; ${CREATE}, shape`, tensorImpl);
function tensorImpl(data: NestedArray | ArrayBufferView | Tensor, o: CreateOptions & { shape?: readonly number[] } = {}): Tensor {
  if (data instanceof Tensor) {
    if (o.shape !== undefined) throw new TypeError('tensor(): shape applies to flat data, not to a tensor (use reshape)');
    let t = data.detach().clone();
    if (o.dtype !== undefined || o.device !== undefined) t = t.to({ dtype: o.dtype, device: o.device });
    return finish(t, o);
  }
  if (data === undefined || data === null || (typeof data === 'object' && !isSequence(data))) {
    throw new TypeError(`tensor(): could not infer dtype of ${typeName(data)}: expected numbers, booleans or BigInts, nested arrays of them, a TypedArray or a tensor`);
  }
  let values: ArrayLike<Leaf>;
  let shape: number[];
  let srcDtype: DTypeName;
  const typed = ArrayBuffer.isView(data);
  if (typed) {
    srcDtype = dtypeOfTypedArray(data).name;
    values = data as unknown as ArrayLike<number>;
    shape = [values.length];
  } else {
    shape = inferShape(data);
    const flat: Leaf[] = [];
    flattenInto(data, shape, 0, flat, '');
    values = flat;
    srcDtype = inferDtype(flat);
  }
  if (o.shape !== undefined) shape = [...o.shape];
  const target = o.dtype === undefined ? srcDtype : normalizeDtype(o.dtype).name;
  const numel = shape.reduce((a, b) => a * b, 1);
  if (numel !== values.length) throw new RangeError(`tensor(): ${values.length} values do not fill shape [${shape.join(', ')}]`);
  let t: Tensor;
  if (typed && target === srcDtype) {
    t = new Tensor(native.fromBytes(data, shape, dtypeCode(target)));
  } else if (target === 'float16' || target === 'bfloat16' || target === 'complex64' || target === 'complex128') {
    const tmp = native.fromBytes(encode(values, 'float64'), shape, dtypeCode('float64'));
    t = new Tensor(tmp).to(target);
  } else {
    t = new Tensor(native.fromBytes(encode(values, target), shape, dtypeCode(target)));
  }
  if (o.device !== undefined && checkDevice(o.device).type !== 'cpu') t = t.to(o.device);
  return finish(t, o);
}

/** A tensor over a copy of raw little-endian bytes (used by readers of file formats). */
export const fromBytes: (bytes: ArrayBufferView, shape: readonly number[], dtype: DTypeLike) => Tensor =
  withArgs('fromBytes', '(tstorch) a tensor from raw bytes', 'bytes, shape, dtype', fromBytesImpl);
function fromBytesImpl(bytes: ArrayBufferView, shape: readonly number[], dtype: DTypeLike): Tensor {
  const d = normalizeDtype(dtype);
  const need = shape.reduce((a, b) => a * b, 1) * elementSize(d);
  if (bytes.byteLength !== need) {
    throw new RangeError(`fromBytes: ${bytes.byteLength} bytes for shape [${shape.join(', ')}] of ${d}, which needs ${need}`);
  }
  return new Tensor(native.fromBytes(bytes, [...shape], dtypeCode(d)));
}

/**
 * torch.from_numpy for JavaScript memory: a CPU tensor over the TypedArray's own bytes, no copy. Writes through
 * either side are seen by the other, as with a numpy array. The tensor (and every view of it) holds the
 * ArrayBuffer's memory, so the memory stays valid after the TypedArray is gone; `shape` defaults to
 * [data.length], and `dtype` to the TypedArray's (a Uint16Array can be read as float16 or bfloat16).
 */
export const fromTypedArray: (data: ArrayBufferView, shape?: readonly number[], dtype?: DTypeLike) => Tensor =
  withArgs('fromTypedArray', 'torch.from_numpy', 'data, shape?, dtype?', fromTypedArrayImpl);
function fromTypedArrayImpl(data: ArrayBufferView, shape?: readonly number[], dtype?: DTypeLike): Tensor {
  if (!ArrayBuffer.isView(data)) throw new TypeError(`fromTypedArray: expected a TypedArray, got ${typeName(data)}`);
  let d: DType;
  if (dtype !== undefined) d = normalizeDtype(dtype);
  else if (data instanceof Uint16Array) throw new TypeError('fromTypedArray: a Uint16Array needs a dtype (float16 or bfloat16)');
  else d = dtypeOfTypedArray(data);
  const dims = shape === undefined ? [data.byteLength / d.itemsize] : [...shape];
  const need = dims.reduce((a, b) => a * b, 1) * d.itemsize;
  if (need !== data.byteLength) {
    throw new RangeError(`fromTypedArray: a ${data.constructor.name} of ${data.byteLength} bytes does not hold shape [${dims.join(', ')}] of ${d} (${need} bytes)`);
  }
  return new Tensor(py.fromArrayBuffer(data.buffer, data.byteOffset, dims, d.code));
}

function handles(tensors: readonly Tensor[], fn: string): unknown[] {
  if (!Array.isArray(tensors)) throw new TypeError(`${fn}(): expected an array of tensors, got ${tensors === null ? 'null' : typeof tensors}`);
  return tensors.map((t, i) => {
    if (!(t instanceof Tensor)) throw new TypeError(`${fn}(): element ${i} of tensors is a ${typeof t}, expected a Tensor`);
    return t._h;
  });
}
/** torch.cat(tensors, dim=0): `cat(ts, 1)` or `cat(ts, { dim: 1 })`. */
export const cat: (tensors: readonly Tensor[], dim?: number | { dim?: number }) => Tensor = withArgs('cat', 'torch.cat', 'tensors, dim?',
  (tensors: readonly Tensor[], dim = 0): Tensor => new Tensor(O.cat(handles(tensors, 'cat'), dim)));
export const concat = cat;
export const stack: (tensors: readonly Tensor[], dim?: number | { dim?: number }) => Tensor = withArgs('stack', 'torch.stack', 'tensors, dim?',
  (tensors: readonly Tensor[], dim = 0): Tensor => new Tensor(O.stack(handles(tensors, 'stack'), dim)));
export const hstack: (tensors: readonly Tensor[]) => Tensor = withArgs('hstack', 'torch.hstack', 'tensors',
  (tensors: readonly Tensor[]): Tensor => new Tensor(O.hstack(handles(tensors, 'hstack'))));
export const vstack: (tensors: readonly Tensor[]) => Tensor = withArgs('vstack', 'torch.vstack', 'tensors',
  (tensors: readonly Tensor[]): Tensor => new Tensor(O.vstack(handles(tensors, 'vstack'))));
/** torch.where(condition, input, other): elementwise `condition ? input : other`. */
export const where: (condition: Tensor, input: Tensor | Scalar, other: Tensor | Scalar) => Tensor = withArgs('where', 'torch.where',
  'condition, input, other', (condition: Tensor, x: Tensor | Scalar, y: Tensor | Scalar): Tensor => {
    if (x instanceof Tensor && y instanceof Tensor) return new Tensor(O.where(condition._h, x._h, y._h));
    if (x instanceof Tensor) return new Tensor(O.whereSO(condition._h, x._h, y));
    if (y instanceof Tensor) return new Tensor(O.whereSSelf(condition._h, x, y._h));
    return new Tensor(O.whereSS(condition._h, x, y));
  });
interface Meshgrid {
  (tensors: readonly Tensor[], indexing?: 'ij' | 'xy'): Tensor[];
  (...tensors: (Tensor | { indexing?: 'ij' | 'xy' })[]): Tensor[];
}
/** torch.meshgrid(*tensors, indexing='ij'), or with the tensors in one array. */
export const meshgrid = api<Meshgrid>('meshgrid', 'torch.meshgrid', '...tensors; *, indexing', (...args: unknown[]): Tensor[] => {
  const o = args.pop() as { indexing?: 'ij' | 'xy' };
  let indexing = o.indexing;
  if (typeof args[args.length - 1] === 'string') indexing = args.pop() as 'ij' | 'xy';
  const ts = (args.length === 1 && Array.isArray(args[0]) ? args[0] : args) as Tensor[];
  return (O.meshgrid(handles(ts, 'meshgrid'), indexing ?? 'ij') as never[]).map((h) => new Tensor(h));
});
export const einsum: (equation: string, ...operands: (Tensor | readonly Tensor[])[]) => Tensor = withArgs('einsum', 'torch.einsum',
  'equation, ...operands', (equation: string, ...operands: (Tensor | readonly Tensor[])[]): Tensor => {
    const ts = operands.length === 1 && Array.isArray(operands[0]) ? operands[0] as Tensor[] : operands as Tensor[];
    return new Tensor(O.einsum(equation, handles(ts, 'einsum')));
  });
export const cdist: (x1: Tensor, x2: Tensor, p?: number) => Tensor = withArgs('cdist', 'torch.cdist', 'x1, x2, p?',
  (x1: Tensor, x2: Tensor, p = 2): Tensor => new Tensor(O.cdist(x1._h, x2._h, p)));
