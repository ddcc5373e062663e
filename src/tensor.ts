// The Tensor class: PyTorch's torch.Tensor over a native at::Tensor handle. Methods are named as in PyTorch,
// in camelCase (index_select -> indexSelect); in-place methods end with `_`; keyword arguments become an
// options object. Every operation is one boxed call into libtorch (see src/native/ops.ts).
import { native, type Handle } from './native/binding.js';
import { op } from './native/ops.js';
import {
  type AnyTypedArray, DType, type DTypeLike, type DTypeName, type MemoryFormat, memoryFormatCode, dtypeCode, dtypeFromCode,
  normalizeDtype, typedArrayOf, float32, bool, uint8,
} from './dtype.js';
import { Device, type DeviceLike, device as toDevice, isDeviceString } from './device.js';
import { Size, sizeOf } from './size.js';
import { Node, nodeOf } from './autograd/node.js';
import { py } from './native/python-layer.js';
import { track, setTensorCheck } from './memory.js';
import { isPlainObject, type PyRest } from './args.js';

/** allclose/isclose's keyword arguments. */
export interface CloseOptions { rtol?: number; atol?: number; equalNan?: boolean }
/** nan_to_num's keyword arguments. */
export interface NanToNumOptions { nan?: number; posinf?: number; neginf?: number }
import { formatTensor } from './tensor-format.js';
import { pyFloat } from './nn/modules/repr.js';
import { namedTuple, type ValuesIndices as NamedValuesIndices, type MinMax as NamedMinMax } from './return-types.js';
import { installTensorSignatures } from './tensor-signatures.js';

export { Device, type DeviceLike, Size };
export type Scalar = number | boolean | bigint;
export type TensorOrScalar = Tensor | Scalar;
/** Nested arrays of numbers or booleans, as `torch.tensor` takes. */
export type NestedArray = Scalar | NestedArray[];
/** One entry of an index expression: see `Tensor.index`. */
export type IndexSpec = number | string | null | Tensor | { start?: number | null; stop?: number | null; step?: number };

export interface ToOptions {
  dtype?: DTypeLike;
  device?: DeviceLike;
  copy?: boolean;
  nonBlocking?: boolean;
  memoryFormat?: MemoryFormat;
}

const O = {
  add: op('aten::add.Tensor'), add_: op('aten::add_.Tensor'),
  sub: op('aten::sub.Tensor'), sub_: op('aten::sub_.Tensor'),
  rsubS: op('aten::rsub.Scalar'),
  mul: op('aten::mul.Tensor'), mul_: op('aten::mul_.Tensor'),
  div: op('aten::div.Tensor'), div_: op('aten::div_.Tensor'),
  divMode: op('aten::div.Tensor_mode'),
  remainder: op('aten::remainder.Tensor'),
  fmod: op('aten::fmod.Tensor'),
  pow: op('aten::pow.Tensor_Tensor'), powS: op('aten::pow.Tensor_Scalar'), pow_: op('aten::pow_.Tensor'), powS_: op('aten::pow_.Scalar'),
  scalarPow: op('aten::pow.Scalar'),
  matmul: op('aten::matmul'), mm: op('aten::mm'), bmm: op('aten::bmm'), addmm: op('aten::addmm'), mv: op('aten::mv'),
  dot: op('aten::dot'), outer: op('aten::outer'), addmm_: op('aten::addmm_'),
  eq: op('aten::eq.Tensor'), ne: op('aten::ne.Tensor'),
  lt: op('aten::lt.Tensor'), le: op('aten::le.Tensor'),
  gt: op('aten::gt.Tensor'), ge: op('aten::ge.Tensor'),
  equal: op('aten::equal'), allclose: op('aten::allclose'), isclose: op('aten::isclose'),
  maximum: op('aten::maximum'), minimum: op('aten::minimum'),
  logicalNot: op('aten::logical_not'), logicalAnd: op('aten::logical_and'), logicalOr: op('aten::logical_or'),
  logicalXor: op('aten::logical_xor'), bitwiseNot: op('aten::bitwise_not'),
  sum: op('aten::sum'), sumDim: op('aten::sum.dim_IntList'), mean: op('aten::mean'), meanDim: op('aten::mean.dim'),
  prod: op('aten::prod'), prodDim: op('aten::prod.dim_int'),
  stdCorrection: op('aten::std.correction'), varCorrection: op('aten::var.correction'),
  stdMean: op('aten::std_mean.correction'), varMean: op('aten::var_mean.correction'), aminmax: op('aten::aminmax'),
  nanmedian: op('aten::nanmedian'), nanmedianDim: op('aten::nanmedian.dim'), cummin: op('aten::cummin'),
  sortStable: op('aten::sort.stable'),
  max: op('aten::max'), maxDim: op('aten::max.dim'), min: op('aten::min'), minDim: op('aten::min.dim'),
  amax: op('aten::amax'), amin: op('aten::amin'),
  argmax: op('aten::argmax'), argmin: op('aten::argmin'),
  norm: op('aten::norm.ScalarOpt_dim'), normAll: op('aten::norm.Scalar'),
  topk: op('aten::topk'), sort: op('aten::sort'), argsort: op('aten::argsort'), cumsum: op('aten::cumsum'),
  cumprod: op('aten::cumprod'), logsumexp: op('aten::logsumexp'),
  all: op('aten::all'), allDim: op('aten::all.dim'), any: op('aten::any'), anyDim: op('aten::any.dim'),
  clamp: op('aten::clamp'), clamp_: op('aten::clamp_'), clampT: op('aten::clamp.Tensor'),
  neg: op('aten::neg'), neg_: op('aten::neg_'), abs: op('aten::abs'), abs_: op('aten::abs_'), exp: op('aten::exp'), exp_: op('aten::exp_'),
  log: op('aten::log'), log_: op('aten::log_'), log2: op('aten::log2'), log10: op('aten::log10'), log1p: op('aten::log1p'),
  expm1: op('aten::expm1'), sqrt: op('aten::sqrt'), sqrt_: op('aten::sqrt_'), rsqrt: op('aten::rsqrt'),
  sin: op('aten::sin'), cos: op('aten::cos'), tan: op('aten::tan'), asin: op('aten::asin'), acos: op('aten::acos'),
  atan: op('aten::atan'), sinh: op('aten::sinh'), cosh: op('aten::cosh'), exp2: op('aten::exp2'),
  isposinf: op('aten::isposinf'), isneginf: op('aten::isneginf'), rsub: op('aten::rsub.Tensor'), divMode_: op('aten::div_.Tensor_mode'),
  clampT_: op('aten::clamp_.Tensor'), squeezeDim_: op('aten::squeeze_.dim'), nonzeroNumpy: op('aten::nonzero_numpy'),
  uniqueDim: op('aten::unique_dim'), tanh: op('aten::tanh'), tanh_: op('aten::tanh_'),
  sigmoid: op('aten::sigmoid'), sigmoid_: op('aten::sigmoid_'), relu: op('aten::relu'), relu_: op('aten::relu_'),
  floor: op('aten::floor'), ceil: op('aten::ceil'), round: op('aten::round'), trunc: op('aten::trunc'), frac: op('aten::frac'),
  sign: op('aten::sign'), reciprocal: op('aten::reciprocal'), reciprocal_: op('aten::reciprocal_'), square: op('aten::square'),
  erf: op('aten::erf'), atan2: op('aten::atan2'),
  isnan: op('aten::isnan'), isinf: op('aten::isinf'), isfinite: op('aten::isfinite'), nanToNum: op('aten::nan_to_num'),
  lerp_: op('aten::lerp_.Scalar'), lerpT_: op('aten::lerp_.Tensor'), lerp: op('aten::lerp.Scalar'),
  addcmul: op('aten::addcmul'), addcmul_: op('aten::addcmul_'), addcdiv: op('aten::addcdiv'), addcdiv_: op('aten::addcdiv_'),
  copy_: op('aten::copy_'), zero_: op('aten::zero_'), fill_: op('aten::fill_.Scalar'), fillT_: op('aten::fill_.Tensor'),
  uniform_: op('aten::uniform_'), normal_: op('aten::normal_'), bernoulli_: op('aten::bernoulli_.float'),
  bernoulli: op('aten::bernoulli'), randomFromTo_: op('aten::random_.from'), randomTo_: op('aten::random_.to'), random_: op('aten::random_'), exponential_: op('aten::exponential_'),
  view: op('aten::view'), viewDtype: op('aten::view.dtype'), reshape: op('aten::reshape'),
  flatten: op('aten::flatten.using_ints'), unflatten: op('aten::unflatten.int'),
  permute: op('aten::permute'), transpose: op('aten::transpose.int'), t: op('aten::t'),
  squeeze: op('aten::squeeze'), squeezeDim: op('aten::squeeze.dim'), unsqueeze: op('aten::unsqueeze'),
  squeeze_: op('aten::squeeze_'), unsqueeze_: op('aten::unsqueeze_'),
  expand: op('aten::expand'), expandAs: op('aten::expand_as'), repeat: op('aten::repeat'),
  repeatInterleave: op('aten::repeat_interleave.self_int'),
  contiguous: op('aten::contiguous'), clone: op('aten::clone'), detach: op('aten::detach'), detach_: op('aten::detach_'),
  narrow: op('aten::narrow'), select: op('aten::select.int'), slice: op('aten::slice.Tensor'),
  indexSelect: op('aten::index_select'), gather: op('aten::gather'),
  scatter: op('aten::scatter.src'), scatterV: op('aten::scatter.value'), scatter_: op('aten::scatter_.src'),
  scatterV_: op('aten::scatter_.value'), scatterAdd: op('aten::scatter_add'), scatterAdd_: op('aten::scatter_add_'),
  index: op('aten::index.Tensor'), indexPut_: op('aten::index_put_'), maskedSelect: op('aten::masked_select'),
  maskedFill: op('aten::masked_fill.Scalar'), maskedFillT: op('aten::masked_fill.Tensor'),
  maskedFill_: op('aten::masked_fill_.Scalar'), maskedFillT_: op('aten::masked_fill_.Tensor'),
  where: op('aten::where.self'), whereScalarOther: op('aten::where.ScalarOther'),
  split: op('aten::split.Tensor'), splitSizes: op('aten::split_with_sizes'), chunk: op('aten::chunk'),
  unbind: op('aten::unbind.int'), flip: op('aten::flip'), roll: op('aten::roll'), tril: op('aten::tril'), triu: op('aten::triu'),
  nonzero: op('aten::nonzero'), unique: op('aten::_unique2'), bincount: op('aten::bincount'),
  asStrided: op('aten::as_strided'), to: op('aten::to.dtype_layout'), item: op('aten::item'), setData: op('aten::set_data'),
  softmax: op('aten::softmax.int'), logSoftmax: op('aten::log_softmax.int'),
  retainGrad: op('aten::retain_grad'), retainsGrad: op('aten::retains_grad'),
  requiresGrad_: op('aten::requires_grad_'),
  nanmean: op('aten::nanmean'), diag: op('aten::diag'), trace: op('aten::trace'),
  type_as: op('aten::type_as'), viewAs: op('aten::view_as'), reshapeAs: op('aten::reshape_as'),
  countNonzero: op('aten::count_nonzero'), cummax: op('aten::cummax'),
  median: op('aten::median'), medianDim: op('aten::median.dim'), mode: op('aten::mode'), kthvalue: op('aten::kthvalue'),
};

/** Sizes given as `f(2, 3)` or `f([2, 3])`. */
export function sizesOf(args: (number | readonly number[])[]): number[] {
  if (args.length === 1 && Array.isArray(args[0])) return [...args[0]];
  return args as number[];
}

/** A tensor argument: numbers go to the addon as they are and become 0-dim wrapped-number tensors, as in Python. */
function arg(v: TensorOrScalar): unknown {
  return v instanceof Tensor ? v._h : v;
}

function isScalar(v: unknown): v is Scalar {
  return typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint';
}

function parseSlice(s: string): [number | null, number | null, number] {
  const parts = s.split(':');
  if (parts.length < 2 || parts.length > 3) throw new SyntaxError(`bad slice '${s}': expected 'start:stop' or 'start:stop:step'`);
  const num = (p: string | undefined): number | null => {
    if (p === undefined || p.trim() === '') return null;
    const n = Number(p);
    if (!Number.isInteger(n)) throw new SyntaxError(`bad slice '${s}': '${p}' is not an integer`);
    return n;
  };
  const step = num(parts[2]) ?? 1;
  if (step <= 0) throw new RangeError(`bad slice '${s}': step must be positive`);
  return [num(parts[0]), num(parts[1]), step];
}

function dimList(dim: number | readonly number[] | undefined | null): number[] | null {
  if (dim === undefined || dim === null) return null;
  return typeof dim === 'number' ? [dim] : [...dim];
}

export interface ReduceOptions { dim?: number | number[] | null; keepdim?: boolean; dtype?: DTypeLike }

/**
 * A `(values, indices)` named tuple, as PyTorch's torch.return_types.max/min/sort/topk/kthvalue/mode/median/
 * cummax/cummin: `const [values, indices] = x.max(1)` or `x.max(1).indices`.
 */
export type ValuesIndices = NamedValuesIndices<Tensor>;
/** torch.return_types.aminmax: `const [min, max] = x.aminmax()`. */
export type MinMax = NamedMinMax<Tensor>;

function vi(pyName: string, r: [Handle, Handle]): ValuesIndices {
  return namedTuple(pyName, ['values', 'indices'], [new Tensor(r[0]), new Tensor(r[1])]) as unknown as ValuesIndices;
}

export class Tensor {
  /** The native handle. Internal: use the methods. */
  _h: Handle;

  constructor(handle: Handle) {
    this._h = handle;
    track(this);
  }

  // ----- metadata -------------------------------------------------------------------------------------
  /** The dimensions, a torch.Size (an immutable array that prints as `torch.Size([3, 4])`). */
  get shape(): Size { return sizeOf(native.shape(this._h)); }
  size(): Size;
  size(dim: number): number;
  size(dim?: number): Size | number {
    const s = native.shape(this._h);
    if (dim === undefined) return sizeOf(s);
    const d = dim < 0 ? dim + s.length : dim;
    if (d < 0 || d >= s.length) throw new RangeError(`size(${dim}): dimension out of range for a ${s.length}-d tensor`);
    return s[d]!;
  }
  stride(): number[];
  stride(dim: number): number;
  stride(dim?: number): number[] | number {
    const s = native.strides(this._h);
    if (dim === undefined) return s;
    return s[dim < 0 ? dim + s.length : dim]!;
  }
  get ndim(): number { return native.dim(this._h); }
  dim(): number { return native.dim(this._h); }
  numel(): number { return native.numel(this._h); }
  /** The data type, a torch.dtype object (`x.dtype === torch.float32`). */
  get dtype(): DType { return dtypeFromCode(native.dtype(this._h)); }
  /** The device, a torch.device object (`String(x.device)` is 'cpu'; `x.device.type` is 'cpu'). */
  get device(): Device { return toDevice(native.device(this._h)); }
  get isCuda(): boolean { return this.device.type === 'cuda'; }
  isFloatingPoint(): boolean { return this.dtype.isFloatingPoint; }
  isComplex(): boolean { return this.dtype.isComplex; }
  elementSize(): number { return this.dtype.itemsize; }
  storageOffset(): number { return native.storageInfo(this._h)[2]; }
  /** The address of the first element (torch.Tensor.data_ptr): views of one storage share memory when their ranges overlap. */
  dataPtr(): number { return native.dataPtr(this._h); }
  /** The version counter that in-place operations bump (torch.Tensor._version); views share their base's. */
  get _version(): number { return native.tensorVersion(this._h); }
  /** Identity and extent of the storage behind this tensor (shared by its views): used by serialization. */
  storageInfo(): { key: string; nbytes: number; offset: number } {
    const [key, nbytes, offset] = native.storageInfo(this._h);
    return { key, nbytes, offset };
  }
  isContiguous(memoryFormat?: MemoryFormat): boolean {
    return native.isContiguous(this._h, memoryFormat === undefined ? undefined : memoryFormatCode(memoryFormat));
  }
  isInference(): boolean { return native.isInference(this._h); }
  get isDisposed(): boolean { return native.isDisposed(this._h); }

  // ----- autograd -------------------------------------------------------------------------------------
  get requiresGrad(): boolean { return native.requiresGrad(this._h); }
  set requiresGrad(v: boolean) { native.setRequiresGrad(this._h, v); }
  requiresGrad_(requiresGrad = true): this { native.setRequiresGrad(this._h, requiresGrad); return this; }
  get isLeaf(): boolean { return native.isLeaf(this._h); }
  /** The autograd node that made this tensor (`<AddBackward0 object at 0x...>`, `.name()`), or null for a leaf. */
  get gradFn(): Node | null { return nodeOf(py.gradFnNode(this._h)); }
  get grad(): Tensor | null {
    const g = native.grad(this._h);
    return g === null ? null : new Tensor(g);
  }
  set grad(g: Tensor | null) { native.setGrad(this._h, g === null ? null : g._h); }
  retainGrad(): this { O.retainGrad(this._h); return this; }
  get retainsGrad(): boolean { return O.retainsGrad(this._h) as boolean; }
  /** Computes the gradients of this tensor with respect to the graph's leaves (PyTorch's order, or `{ gradient, ... }`). */
  backward(gradient?: Tensor | null, opts?: { retainGraph?: boolean; createGraph?: boolean; inputs?: Tensor[] }): void;
  backward(opts: { gradient?: Tensor | null; retainGraph?: boolean; createGraph?: boolean; inputs?: Tensor[] }): void;
  backward(gradient: Tensor | null | undefined, retainGraph?: boolean, createGraph?: boolean, inputs?: Tensor[]): void;
  backward(gradient?: Tensor | null | object, o?: unknown): void {
    // installMethodArgs binds the call first: `o` is the options object with every later parameter that was given
    const opts = (o ?? {}) as { retainGraph?: boolean; createGraph?: boolean; inputs?: Tensor[] };
    if (gradient !== undefined && gradient !== null && !(gradient instanceof Tensor)) throw new TypeError('backward(): gradient must be a Tensor');
    native.backward([this._h], gradient ? [gradient._h] : null, opts.retainGraph, opts.createGraph ?? false,
      opts.inputs ? opts.inputs.map((t) => t._h) : null);
  }
  detach(): Tensor { return new Tensor(O.detach(this._h)); }
  detach_(): this { O.detach_(this._h); return this; }

  // ----- memory ---------------------------------------------------------------------------------------
  /** Drops this handle's reference to the native tensor now, instead of when the handle is collected. */
  dispose(): void { native.dispose(this._h); }
  /** Internal (memory.ts): the tensor outlived every tidy scope, so V8 is now told of its native bytes. */
  _escapedTidy(): void { native.reportExternal(this._h); }
  [Symbol.dispose](): void { native.dispose(this._h); }

  // ----- conversion -----------------------------------------------------------------------------------
  /**
   * PyTorch's three forms: `to(dtype, nonBlocking?, copy?)`, `to(device, dtype?, nonBlocking?, copy?)`,
   * `to(other, nonBlocking?, copy?)` (other's dtype and device), each with an options object
   * `{ dtype, device, nonBlocking, copy, memoryFormat }` for the keywords; or only the options object.
   */
  to(dtype: DTypeLike, nonBlocking?: boolean, copy?: boolean, o?: Omit<ToOptions, 'dtype' | 'device'>): Tensor;
  to(device: DeviceLike, dtype?: DTypeLike, nonBlocking?: boolean, copy?: boolean, o?: Omit<ToOptions, 'dtype' | 'device'>): Tensor;
  to(other: Tensor, nonBlocking?: boolean, copy?: boolean, o?: Omit<ToOptions, 'dtype' | 'device'>): Tensor;
  to(target: DTypeLike | DeviceLike | Tensor, o: Omit<ToOptions, 'dtype' | 'device'>): Tensor;
  to(o: ToOptions): Tensor;
  to(...args: unknown[]): Tensor {
    const o = (args.length > 0 && isPlainObject(args[args.length - 1]) ? args.pop() : {}) as ToOptions;
    let dtype: DTypeLike | undefined;
    let device: DeviceLike | undefined;
    const isDtype = (v: unknown): v is DTypeLike => v instanceof DType || (typeof v === 'string' && !isDeviceString(v));
    const isDevice = (v: unknown): v is DeviceLike => v instanceof Device || (typeof v === 'string' && isDeviceString(v));
    let rest = args;
    if (args[0] instanceof Tensor) {
      dtype = args[0].dtype;
      device = args[0].device;
      rest = args.slice(1);
    } else if (isDevice(args[0])) {
      device = args[0];
      rest = args.slice(1);
      if (isDtype(rest[0])) { dtype = rest[0]; rest = rest.slice(1); }
    } else if (isDtype(args[0])) {
      dtype = args[0];
      rest = args.slice(1);
    } else if (args.length > 0 && args[0] !== undefined && args[0] !== null) {
      throw new TypeError(`to(): expected a dtype, a device or a tensor, got ${String(args[0])}`);
    }
    if (rest.length > 2 || rest.some((v) => v !== undefined && typeof v !== 'boolean')) {
      throw new TypeError(`to(): after the ${args[0] instanceof Tensor ? 'tensor' : 'dtype or device'} come nonBlocking and copy (booleans), got ${rest.map(String).join(', ')}`);
    }
    const pick = <T>(name: keyof ToOptions, pos: T | undefined): T | undefined => {
      const kw = o[name] as T | undefined;
      if (pos !== undefined && kw !== undefined) throw new TypeError(`to() got multiple values for argument '${name}'`);
      return pos ?? kw;
    };
    dtype = pick('dtype', dtype);
    device = pick('device', device);
    const nonBlocking = pick<boolean>('nonBlocking', rest[0] as boolean | undefined) ?? false;
    const copy = pick<boolean>('copy', rest[1] as boolean | undefined) ?? false;
    const dt = dtype === undefined ? undefined : dtypeCode(dtype as DTypeLike);
    const dev = device === undefined ? undefined : String(checkDevice(device));
    return new Tensor(O.to(this._h, dt, undefined, dev, undefined, nonBlocking, copy,
      o.memoryFormat === undefined ? undefined : memoryFormatCode(o.memoryFormat)));
  }
  /** type(dtype) casts (as to(dtype)); type() with no dtype is PyTorch's type string, e.g. 'torch.FloatTensor'. */
  type(): string;
  type(dtype: DTypeLike, nonBlocking?: boolean): Tensor;
  type(dtype?: DTypeLike, nonBlocking = false): Tensor | string {
    if (dtype === undefined) return TYPE_NAMES[this.dtype.name];
    return this.to(normalizeDtype(dtype), nonBlocking);
  }
  typeAs(other: Tensor): Tensor { return this.to(other.dtype); }
  float(): Tensor { return this.to('float32'); }
  double(): Tensor { return this.to('float64'); }
  half(): Tensor { return this.to('float16'); }
  bfloat16(): Tensor { return this.to('bfloat16'); }
  long(): Tensor { return this.to('int64'); }
  int(): Tensor { return this.to('int32'); }
  short(): Tensor { return this.to('int16'); }
  byte(): Tensor { return this.to('uint8'); }
  char(): Tensor { return this.to('int8'); }
  bool(): Tensor { return this.to('bool'); }
  cpu(): Tensor { return this.to('cpu'); }
  cuda(device: number | DeviceLike = 0): Tensor { return this.to(typeof device === 'number' ? `cuda:${device}` : device as DeviceLike); }

  /** The single value of a one-element tensor, as a JavaScript number (or boolean). */
  item(): number {
    if (this.numel() !== 1) throw new RangeError(`item(): the tensor has ${this.numel()} elements, item() needs exactly one`);
    return O.item(this._h) as number;
  }
  /** A copy of the elements in row-major order, in the TypedArray of the dtype (float16/bfloat16: raw bits). */
  dataSync(): AnyTypedArray {
    return typedArrayOf(this.dtype, native.toBytes(this._h));
  }
  /**
   * Python's `tensor.data`: this tensor's data as a tensor that shares its storage, detached from autograd
   * (requiresGrad false, no history). The elements as a TypedArray are `dataSync()` (a copy) or `numpy()` (a view).
   */
  get data(): Tensor { return new Tensor(py.variableData(this._h)); }
  /** `tensor.data = other`: this tensor now holds other's data (shape, dtype, storage), keeping its identity and autograd flags. */
  set data(other: Tensor) {
    if (!(other instanceof Tensor)) throw new TypeError(`Tensor.data: assigned value must be a Tensor, got ${typeof other}`);
    O.setData(this._h, other._h);
  }
  /**
   * `tensor.numpy()`'s place: the elements as a TypedArray over this tensor's own memory (no copy), so writes go
   * both ways, as with numpy(). Only for CPU tensors that do not require grad (as PyTorch), and contiguous ones
   * (a TypedArray has no strides: call contiguous() first). The array keeps the memory alive.
   */
  numpy(): AnyTypedArray {
    if (this.requiresGrad) throw new TypeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.");
    if (this.device.type !== 'cpu') throw new TypeError(`can't convert ${this.device} device type tensor to a TypedArray. Use tensor.cpu() to copy the tensor to host memory first.`);
    if (!this.isContiguous()) throw new TypeError('numpy(): a TypedArray view needs a contiguous tensor (it has no strides); call contiguous() first');
    return typedArrayOf(this.dtype, native.viewBytes(this._h));
  }
  /** Raw little-endian bytes of the elements in row-major order (a copy). */
  toBytes(): Uint8Array { return new Uint8Array(native.toBytes(this._h)); }
  /**
   * A Node Buffer over this tensor's memory without a copy (contiguous CPU tensors only). Writes through the
   * buffer change the tensor. The buffer keeps the memory alive on its own.
   */
  toBuffer(): Buffer { return Buffer.from(native.viewBytes(this._h)); }
  /** Nested arrays of numbers (int64 as numbers; booleans for bool), like `tensor.tolist()`. */
  toArray(): NestedArray {
    const d = this.dtype.name;
    let flat: ArrayLike<number | bigint | boolean>;
    if (d === 'float16' || d === 'bfloat16' || d === 'complex64' || d === 'complex128') {
      flat = typedArrayOf('float32', native.toBytes(O.to(this._h, dtypeCode('float32'))));
    } else {
      flat = this.dataSync();
    }
    const conv = d === 'bool' ? (v: number | bigint | boolean) => v !== 0
      : d === 'int64' ? (v: number | bigint | boolean) => Number(v) : (v: number | bigint | boolean) => v as number;
    const shape = this.shape;
    if (shape.length === 0) return conv(flat[0]!) as Scalar;
    let i = 0;
    const build = (level: number): NestedArray[] => {
      const out: NestedArray[] = [];
      const n = shape[level]!;
      for (let k = 0; k < n; k++) out.push(level === shape.length - 1 ? conv(flat[i++]!) as Scalar : build(level + 1));
      return out;
    };
    return build(0);
  }
  tolist(): NestedArray { return this.toArray(); }

  /** Python's str(tensor) / repr: `tensor([1., 2.])`. (A template string formats as Python's f-string: see toPrimitive.) */
  toString(): string { return formatTensor(this); }
  [Symbol.for('nodejs.util.inspect.custom')](): string { return this.isDisposed ? 'tensor(<disposed>)' : this.toString(); }

  /**
   * A one-element tensor used as a number (`a > b`, `x + 1`, `Math.max(t, ...)`) is its value, as Python's
   * float(t) / bool(t); a template string formats a 0-d tensor as Python's f"{t}" (its value) and any other
   * tensor as str(t). A tensor with more than one element has no single value: using it as one is an error, as
   * Python's `if t:` is.
   */
  [Symbol.toPrimitive](hint: 'number' | 'string' | 'default'): number | boolean | string {
    if (hint === 'string') {
      if (this.ndim !== 0) return this.toString();
      const v = this.item();
      return typeof v === 'number' && this.isFloatingPoint() ? pyFloat(v) : typeof v === 'boolean' ? (v ? 'True' : 'False') : String(v);
    }
    const n = this.numel();
    if (n !== 1) {
      throw new TypeError(n === 0 ? 'Boolean value of Tensor with no values is ambiguous (a tensor used as a number must have exactly one element)'
        : `Boolean value of Tensor with more than one value is ambiguous: a tensor of shape [${this.shape.join(', ')}] was used as a number (in a comparison, arithmetic or condition); use .item() on a one-element tensor, or .any()/.all()/.sum() to reduce it`);
    }
    return this.item();
  }

  /** len(t): the size of the first dimension (an error for a 0-d tensor, as in PyTorch). */
  get length(): number {
    if (this.ndim === 0) throw new TypeError('len() of a 0-d tensor');
    return native.shape(this._h)[0]!;
  }

  /** Iterates over the first dimension (`for (const row of t)`, `[...t]`), as Python's `for row in t`. */
  *[Symbol.iterator](): IterableIterator<Tensor> {
    if (this.ndim === 0) throw new TypeError('iteration over a 0-d tensor');
    const n = native.shape(this._h)[0]!;
    for (let i = 0; i < n; i++) yield this.select(0, i);
  }

  // ----- arithmetic -----------------------------------------------------------------------------------
  add(other: TensorOrScalar, opts: { alpha?: Scalar } = {}): Tensor {
    return new Tensor(O.add(this._h, arg(other), opts.alpha));
  }
  add_(other: TensorOrScalar, opts: { alpha?: Scalar } = {}): this {
    O.add_(this._h, arg(other), opts.alpha);
    return this;
  }
  sub(other: TensorOrScalar, opts: { alpha?: Scalar } = {}): Tensor {
    return new Tensor(O.sub(this._h, arg(other), opts.alpha));
  }
  sub_(other: TensorOrScalar, opts: { alpha?: Scalar } = {}): this {
    O.sub_(this._h, arg(other), opts.alpha);
    return this;
  }
  /** other - alpha * this (Python's `2 - t` is `t.rsub(2)`). */
  rsub(other: TensorOrScalar, opts: { alpha?: Scalar } = {}): Tensor {
    return new Tensor(isScalar(other) ? O.rsubS(this._h, other, opts.alpha) : O.rsub(this._h, other._h, opts.alpha));
  }
  mul(other: TensorOrScalar): Tensor { return new Tensor(O.mul(this._h, arg(other))); }
  mul_(other: TensorOrScalar): this { O.mul_(this._h, arg(other)); return this; }
  div(other: TensorOrScalar, opts: { roundingMode?: 'trunc' | 'floor' } = {}): Tensor {
    if (opts.roundingMode) {
      return new Tensor(O.divMode(this._h, arg(other), opts.roundingMode));
    }
    return new Tensor(O.div(this._h, arg(other)));
  }
  div_(other: TensorOrScalar, opts: { roundingMode?: 'trunc' | 'floor' } = {}): this {
    if (opts.roundingMode) O.divMode_(this._h, arg(other), opts.roundingMode); else O.div_(this._h, arg(other));
    return this;
  }
  floorDivide(other: TensorOrScalar): Tensor { return this.div(other, { roundingMode: 'floor' }); }
  remainder(other: TensorOrScalar): Tensor {
    return new Tensor(O.remainder(this._h, arg(other)));
  }
  fmod(other: TensorOrScalar): Tensor { return new Tensor(O.fmod(this._h, arg(other))); }
  pow(exponent: TensorOrScalar): Tensor {
    return new Tensor(isScalar(exponent) ? O.powS(this._h, exponent) : O.pow(this._h, exponent._h));
  }
  pow_(exponent: TensorOrScalar): this {
    if (isScalar(exponent)) O.powS_(this._h, exponent); else O.pow_(this._h, exponent._h);
    return this;
  }
  neg(): Tensor { return new Tensor(O.neg(this._h)); }
  neg_(): this { O.neg_(this._h); return this; }
  abs(): Tensor { return new Tensor(O.abs(this._h)); }
  abs_(): this { O.abs_(this._h); return this; }
  exp(): Tensor { return new Tensor(O.exp(this._h)); }
  exp_(): this { O.exp_(this._h); return this; }
  log(): Tensor { return new Tensor(O.log(this._h)); }
  log_(): this { O.log_(this._h); return this; }
  log2(): Tensor { return new Tensor(O.log2(this._h)); }
  log10(): Tensor { return new Tensor(O.log10(this._h)); }
  log1p(): Tensor { return new Tensor(O.log1p(this._h)); }
  expm1(): Tensor { return new Tensor(O.expm1(this._h)); }
  sqrt(): Tensor { return new Tensor(O.sqrt(this._h)); }
  sqrt_(): this { O.sqrt_(this._h); return this; }
  rsqrt(): Tensor { return new Tensor(O.rsqrt(this._h)); }
  square(): Tensor { return new Tensor(O.square(this._h)); }
  sin(): Tensor { return new Tensor(O.sin(this._h)); }
  cos(): Tensor { return new Tensor(O.cos(this._h)); }
  tan(): Tensor { return new Tensor(O.tan(this._h)); }
  asin(): Tensor { return new Tensor(O.asin(this._h)); }
  acos(): Tensor { return new Tensor(O.acos(this._h)); }
  atan(): Tensor { return new Tensor(O.atan(this._h)); }
  sinh(): Tensor { return new Tensor(O.sinh(this._h)); }
  cosh(): Tensor { return new Tensor(O.cosh(this._h)); }
  exp2(): Tensor { return new Tensor(O.exp2(this._h)); }
  tanh(): Tensor { return new Tensor(O.tanh(this._h)); }
  tanh_(): this { O.tanh_(this._h); return this; }
  sigmoid(): Tensor { return new Tensor(O.sigmoid(this._h)); }
  sigmoid_(): this { O.sigmoid_(this._h); return this; }
  relu(): Tensor { return new Tensor(O.relu(this._h)); }
  relu_(): this { O.relu_(this._h); return this; }
  erf(): Tensor { return new Tensor(O.erf(this._h)); }
  floor(): Tensor { return new Tensor(O.floor(this._h)); }
  ceil(): Tensor { return new Tensor(O.ceil(this._h)); }
  round(): Tensor { return new Tensor(O.round(this._h)); }
  trunc(): Tensor { return new Tensor(O.trunc(this._h)); }
  frac(): Tensor { return new Tensor(O.frac(this._h)); }
  sign(): Tensor { return new Tensor(O.sign(this._h)); }
  reciprocal(): Tensor { return new Tensor(O.reciprocal(this._h)); }
  reciprocal_(): this { O.reciprocal_(this._h); return this; }
  atan2(other: Tensor): Tensor { return new Tensor(O.atan2(this._h, other._h)); }
  clamp(min?: Scalar | null | Tensor, max?: Scalar | null | Tensor): Tensor {
    if (min instanceof Tensor || max instanceof Tensor) {
      // a number beside a tensor bound becomes a 0-d tensor, as in Python
      const b = (v: Scalar | null | Tensor | undefined): unknown => (v instanceof Tensor ? v._h : v === undefined || v === null ? null : v);
      return new Tensor(O.clampT(this._h, b(min), b(max)));
    }
    return new Tensor(O.clamp(this._h, min ?? null, max ?? null));
  }
  clamp_(min?: Scalar | null | Tensor, max?: Scalar | null | Tensor): this {
    if (min instanceof Tensor || max instanceof Tensor) {
      O.clampT_(this._h, min instanceof Tensor ? min._h : min ?? null, max instanceof Tensor ? max._h : max ?? null);
    } else O.clamp_(this._h, min ?? null, max ?? null);
    return this;
  }
  clip(min?: Scalar | null | Tensor, max?: Scalar | null | Tensor): Tensor { return this.clamp(min, max); }
  maximum(other: Tensor): Tensor { return new Tensor(O.maximum(this._h, other._h)); }
  minimum(other: Tensor): Tensor { return new Tensor(O.minimum(this._h, other._h)); }
  lerp(end: Tensor, weight: number): Tensor { return new Tensor(O.lerp(this._h, end._h, weight)); }
  lerp_(end: Tensor, weight: number | Tensor): this {
    if (weight instanceof Tensor) O.lerpT_(this._h, end._h, weight._h); else O.lerp_(this._h, end._h, weight);
    return this;
  }
  addcmul(t1: Tensor, t2: Tensor, opts: { value?: Scalar } = {}): Tensor { return new Tensor(O.addcmul(this._h, t1._h, t2._h, opts.value)); }
  addcmul_(t1: Tensor, t2: Tensor, opts: { value?: Scalar } = {}): this { O.addcmul_(this._h, t1._h, t2._h, opts.value); return this; }
  addcdiv(t1: Tensor, t2: Tensor, opts: { value?: Scalar } = {}): Tensor { return new Tensor(O.addcdiv(this._h, t1._h, t2._h, opts.value)); }
  addcdiv_(t1: Tensor, t2: Tensor, opts: { value?: Scalar } = {}): this { O.addcdiv_(this._h, t1._h, t2._h, opts.value); return this; }
  matmul(other: Tensor): Tensor { return new Tensor(O.matmul(this._h, other._h)); }
  mm(other: Tensor): Tensor { return new Tensor(O.mm(this._h, other._h)); }
  bmm(other: Tensor): Tensor { return new Tensor(O.bmm(this._h, other._h)); }
  mv(vec: Tensor): Tensor { return new Tensor(O.mv(this._h, vec._h)); }
  dot(other: Tensor): Tensor { return new Tensor(O.dot(this._h, other._h)); }
  outer(other: Tensor): Tensor { return new Tensor(O.outer(this._h, other._h)); }
  addmm(mat1: Tensor, mat2: Tensor, opts: { beta?: Scalar; alpha?: Scalar } = {}): Tensor {
    return new Tensor(O.addmm(this._h, mat1._h, mat2._h, opts.beta, opts.alpha));
  }
  addmm_(mat1: Tensor, mat2: Tensor, opts: { beta?: Scalar; alpha?: Scalar } = {}): this {
    O.addmm_(this._h, mat1._h, mat2._h, opts.beta, opts.alpha);
    return this;
  }

  // ----- comparison -----------------------------------------------------------------------------------
  eq(other: TensorOrScalar): Tensor { return new Tensor(O.eq(this._h, arg(other))); }
  ne(other: TensorOrScalar): Tensor { return new Tensor(O.ne(this._h, arg(other))); }
  lt(other: TensorOrScalar): Tensor { return new Tensor(O.lt(this._h, arg(other))); }
  le(other: TensorOrScalar): Tensor { return new Tensor(O.le(this._h, arg(other))); }
  gt(other: TensorOrScalar): Tensor { return new Tensor(O.gt(this._h, arg(other))); }
  ge(other: TensorOrScalar): Tensor { return new Tensor(O.ge(this._h, arg(other))); }
  /** True when both have the same shape and elements (torch.equal). */
  equal(other: Tensor): boolean { return O.equal(this._h, other._h) as boolean; }
  allclose(other: Tensor, ...rest: PyRest<CloseOptions, ['rtol', 'atol', 'equalNan']>): boolean;
  allclose(other: Tensor, o?: unknown, ..._bound: unknown[]): boolean {
    const opts = (o ?? {}) as CloseOptions; // bound by installMethodArgs: the options object
    return O.allclose(this._h, other._h, opts.rtol, opts.atol, opts.equalNan) as boolean;
  }
  isclose(other: Tensor, ...rest: PyRest<CloseOptions, ['rtol', 'atol', 'equalNan']>): Tensor;
  isclose(other: Tensor, o?: unknown, ..._bound: unknown[]): Tensor {
    const opts = (o ?? {}) as CloseOptions; // bound by installMethodArgs: the options object
    return new Tensor(O.isclose(this._h, other._h, opts.rtol, opts.atol, opts.equalNan));
  }
  logicalNot(): Tensor { return new Tensor(O.logicalNot(this._h)); }
  logicalAnd(other: Tensor): Tensor { return new Tensor(O.logicalAnd(this._h, other._h)); }
  logicalOr(other: Tensor): Tensor { return new Tensor(O.logicalOr(this._h, other._h)); }
  logicalXor(other: Tensor): Tensor { return new Tensor(O.logicalXor(this._h, other._h)); }
  bitwiseNot(): Tensor { return new Tensor(O.bitwiseNot(this._h)); }
  isnan(): Tensor { return new Tensor(O.isnan(this._h)); }
  isposinf(): Tensor { return new Tensor(O.isposinf(this._h)); }
  isneginf(): Tensor { return new Tensor(O.isneginf(this._h)); }
  isinf(): Tensor { return new Tensor(O.isinf(this._h)); }
  isfinite(): Tensor { return new Tensor(O.isfinite(this._h)); }
  nanToNum(...rest: PyRest<NanToNumOptions, ['nan', 'posinf', 'neginf']>): Tensor;
  nanToNum(o?: unknown, ..._bound: unknown[]): Tensor {
    const opts = (o ?? {}) as NanToNumOptions; // bound by installMethodArgs: the options object
    return new Tensor(O.nanToNum(this._h, opts.nan, opts.posinf, opts.neginf));
  }

  // ----- reductions -----------------------------------------------------------------------------------
  // Each takes PyTorch's positional order or an options object (`x.sum(1, true)`, `x.sum({ dim: 1, keepdim: true })`):
  // see tensor-signatures.ts; the implementations receive the positional form.
  sum(dim?: number | number[] | null, keepdim?: boolean, o?: { dtype?: DTypeLike }): Tensor;
  sum(dim: number | number[] | null, o: Omit<ReduceOptions, 'dim'>): Tensor;
  sum(o: ReduceOptions): Tensor;
  sum(dim?: number | number[] | null | ReduceOptions, keepdim: unknown = false, dtype?: unknown): Tensor {
    const dt = dtype === undefined ? undefined : dtypeCode(dtype as DTypeLike);
    const d = dimList(dim as number | number[] | null | undefined);
    return new Tensor(d === null ? O.sum(this._h, dt) : O.sumDim(this._h, d, keepdim, dt));
  }
  mean(dim?: number | number[] | null, keepdim?: boolean, o?: { dtype?: DTypeLike }): Tensor;
  mean(dim: number | number[] | null, o: Omit<ReduceOptions, 'dim'>): Tensor;
  mean(o: ReduceOptions): Tensor;
  mean(dim?: number | number[] | null | ReduceOptions, keepdim: unknown = false, dtype?: unknown): Tensor {
    const dt = dtype === undefined ? undefined : dtypeCode(dtype as DTypeLike);
    const d = dimList(dim as number | number[] | null | undefined);
    return new Tensor(d === null ? O.mean(this._h, dt) : O.meanDim(this._h, d, keepdim, dt));
  }
  nanmean(dim?: number | number[] | null, keepdim?: boolean, o?: { dtype?: DTypeLike }): Tensor;
  nanmean(dim: number | number[] | null, o: Omit<ReduceOptions, 'dim'>): Tensor;
  nanmean(o: ReduceOptions): Tensor;
  nanmean(dim?: number | number[] | null | ReduceOptions, keepdim: unknown = false, dtype?: unknown): Tensor {
    return new Tensor(O.nanmean(this._h, dimList(dim as number | number[] | null | undefined), keepdim, dtype === undefined ? undefined : dtypeCode(dtype as DTypeLike)));
  }
  prod(dim?: number | null, keepdim?: boolean, o?: { dtype?: DTypeLike }): Tensor;
  prod(dim: number | null, o: { keepdim?: boolean; dtype?: DTypeLike }): Tensor;
  prod(o: { dim?: number | null; keepdim?: boolean; dtype?: DTypeLike }): Tensor;
  prod(dim?: number | null | object, keepdim: unknown = false, dtype?: unknown): Tensor {
    const dt = dtype === undefined ? undefined : dtypeCode(dtype as DTypeLike);
    return new Tensor(dim === undefined || dim === null ? O.prod(this._h, dt) : O.prodDim(this._h, dim, keepdim, dt));
  }
  /**
   * Standard deviation over `dim` (all elements by default), PyTorch's order: `std(dim, unbiased, keepdim)`, or
   * `{ dim, unbiased, keepdim, correction }` (correction 1 is Bessel's, as unbiased: true).
   */
  std(dim?: number | number[] | null, unbiased?: boolean, keepdim?: boolean, o?: { correction?: number }): Tensor;
  std(dim: number | number[] | null, o: Omit<VarOptions, 'dim'>): Tensor;
  std(o: VarOptions): Tensor;
  std(dim?: number | number[] | null | VarOptions, unbiased?: unknown, keepdim: unknown = false, correction?: unknown): Tensor {
    return new Tensor(O.stdCorrection(this._h, dimList(dim as number | number[] | null | undefined), varCorrection(unbiased as boolean | undefined, correction as number | undefined), keepdim));
  }
  /** Variance, as std. */
  var(dim?: number | number[] | null, unbiased?: boolean, keepdim?: boolean, o?: { correction?: number }): Tensor;
  var(dim: number | number[] | null, o: Omit<VarOptions, 'dim'>): Tensor;
  var(o: VarOptions): Tensor;
  var(dim?: number | number[] | null | VarOptions, unbiased?: unknown, keepdim: unknown = false, correction?: unknown): Tensor {
    return new Tensor(O.varCorrection(this._h, dimList(dim as number | number[] | null | undefined), varCorrection(unbiased as boolean | undefined, correction as number | undefined), keepdim));
  }
  /** torch.std_mean: `[std, mean]`. */
  stdMean(dim?: number | number[] | null, unbiased?: boolean, keepdim?: boolean, o?: { correction?: number }): [Tensor, Tensor];
  stdMean(dim: number | number[] | null, o: Omit<VarOptions, 'dim'>): [Tensor, Tensor];
  stdMean(o: VarOptions): [Tensor, Tensor];
  stdMean(dim?: number | number[] | null | VarOptions, unbiased?: unknown, keepdim: unknown = false, correction?: unknown): [Tensor, Tensor] {
    const [a, b] = O.stdMean(this._h, dimList(dim as number | number[] | null | undefined), varCorrection(unbiased as boolean | undefined, correction as number | undefined), keepdim) as [Handle, Handle];
    return [new Tensor(a), new Tensor(b)];
  }
  /** torch.var_mean: `[var, mean]`. */
  varMean(dim?: number | number[] | null, unbiased?: boolean, keepdim?: boolean, o?: { correction?: number }): [Tensor, Tensor];
  varMean(dim: number | number[] | null, o: Omit<VarOptions, 'dim'>): [Tensor, Tensor];
  varMean(o: VarOptions): [Tensor, Tensor];
  varMean(dim?: number | number[] | null | VarOptions, unbiased?: unknown, keepdim: unknown = false, correction?: unknown): [Tensor, Tensor] {
    const [a, b] = O.varMean(this._h, dimList(dim as number | number[] | null | undefined), varCorrection(unbiased as boolean | undefined, correction as number | undefined), keepdim) as [Handle, Handle];
    return [new Tensor(a), new Tensor(b)];
  }
  /**
   * max() of all elements; max(dim, keepdim) a `(values, indices)` named tuple (`const [v, i] = x.max(1)`);
   * max(other) the elementwise maximum, as PyTorch's three forms.
   */
  max(): Tensor;
  max(dim: number, keepdim?: boolean): ValuesIndices;
  max(o: { dim: number; keepdim?: boolean }): ValuesIndices;
  max(other: Tensor): Tensor;
  max(dim?: number | Tensor | object, keepdim = false): Tensor | ValuesIndices {
    if (dim === undefined) return new Tensor(O.max(this._h));
    if (dim instanceof Tensor) return this.maximum(dim);
    return vi('max', O.maxDim(this._h, dim, keepdim));
  }
  min(): Tensor;
  min(dim: number, keepdim?: boolean): ValuesIndices;
  min(o: { dim: number; keepdim?: boolean }): ValuesIndices;
  min(other: Tensor): Tensor;
  min(dim?: number | Tensor | object, keepdim = false): Tensor | ValuesIndices {
    if (dim === undefined) return new Tensor(O.min(this._h));
    if (dim instanceof Tensor) return this.minimum(dim);
    return vi('min', O.minDim(this._h, dim, keepdim));
  }
  amax(dim?: number | number[], keepdim?: boolean): Tensor;
  amax(o: { dim?: number | number[]; keepdim?: boolean }): Tensor;
  amax(dim: number | number[] | object = [], keepdim = false): Tensor { return new Tensor(O.amax(this._h, dimList(dim as number | number[]), keepdim)); }
  amin(dim?: number | number[], keepdim?: boolean): Tensor;
  amin(o: { dim?: number | number[]; keepdim?: boolean }): Tensor;
  amin(dim: number | number[] | object = [], keepdim = false): Tensor { return new Tensor(O.amin(this._h, dimList(dim as number | number[]), keepdim)); }
  /** torch.aminmax: the `(min, max)` named tuple, over all elements or `{ dim, keepdim }`. */
  aminmax(o: { dim?: number | null; keepdim?: boolean } = {}): MinMax {
    const r = O.aminmax(this._h, o.dim ?? null, o.keepdim ?? false) as [Handle, Handle];
    return namedTuple('aminmax', ['min', 'max'], [new Tensor(r[0]), new Tensor(r[1])]) as unknown as MinMax;
  }
  argmax(dim?: number | null, keepdim?: boolean): Tensor;
  argmax(o: { dim?: number | null; keepdim?: boolean }): Tensor;
  argmax(dim?: number | null | object, keepdim = false): Tensor { return new Tensor(O.argmax(this._h, dim ?? null, keepdim)); }
  argmin(dim?: number | null, keepdim?: boolean): Tensor;
  argmin(o: { dim?: number | null; keepdim?: boolean }): Tensor;
  argmin(dim?: number | null | object, keepdim = false): Tensor { return new Tensor(O.argmin(this._h, dim ?? null, keepdim)); }
  median(): Tensor;
  median(dim: number, keepdim?: boolean): ValuesIndices;
  median(o: { dim: number; keepdim?: boolean }): ValuesIndices;
  median(dim?: number | object, keepdim = false): Tensor | ValuesIndices {
    return dim === undefined ? new Tensor(O.median(this._h)) : vi('median', O.medianDim(this._h, dim, keepdim));
  }
  nanmedian(): Tensor;
  nanmedian(dim: number, keepdim?: boolean): ValuesIndices;
  nanmedian(o: { dim: number; keepdim?: boolean }): ValuesIndices;
  nanmedian(dim?: number | object, keepdim = false): Tensor | ValuesIndices {
    return dim === undefined ? new Tensor(O.nanmedian(this._h)) : vi('nanmedian', O.nanmedianDim(this._h, dim, keepdim));
  }
  /** The most frequent value along `dim` (default the last) and its index: a `(values, indices)` named tuple. */
  mode(dim?: number, keepdim?: boolean): ValuesIndices;
  mode(o: { dim?: number; keepdim?: boolean }): ValuesIndices;
  mode(dim: number | object = -1, keepdim = false): ValuesIndices { return vi('mode', O.mode(this._h, dim, keepdim)); }
  /** The k-th smallest value along `dim` (default the last): a `(values, indices)` named tuple. */
  kthvalue(k: number, dim?: number, keepdim?: boolean): ValuesIndices;
  kthvalue(k: number, o: { dim?: number; keepdim?: boolean }): ValuesIndices;
  kthvalue(k: number, dim: number | object = -1, keepdim = false): ValuesIndices { return vi('kthvalue', O.kthvalue(this._h, k, dim, keepdim)); }
  /** The p-norm over all elements, or over `dim` (PyTorch's norm(p='fro', dim=None, keepdim=False, dtype=None)). */
  norm(p?: number | 'fro' | null, dim?: number | number[] | null, keepdim?: boolean, dtype?: DTypeLike): Tensor;
  norm(o: { p?: number | 'fro' | null; dim?: number | number[] | null; keepdim?: boolean; dtype?: DTypeLike }): Tensor;
  norm(p: number | 'fro' | null | object = 'fro', dim?: number | number[] | null, keepdim = false, dtype?: DTypeLike): Tensor {
    const pv = p === 'fro' || p === null ? 2 : p as number;
    if (dtype !== undefined) return this.to(dtype).norm(pv, dim, keepdim);
    if (dim === undefined || dim === null) return new Tensor(O.normAll(this._h, pv));
    return new Tensor(O.norm(this._h, pv, dimList(dim), keepdim));
  }
  /** The k largest (or smallest) elements along `dim`: a `(values, indices)` named tuple. */
  topk(k: number, dim?: number, largest?: boolean, sorted?: boolean): ValuesIndices;
  topk(k: number, o: { dim?: number; largest?: boolean; sorted?: boolean }): ValuesIndices;
  topk(k: number, dim: number | object = -1, largest = true, sorted = true): ValuesIndices {
    return vi('topk', O.topk(this._h, k, dim, largest, sorted));
  }
  /** Sorted values along `dim` and their original indices: a `(values, indices)` named tuple. */
  sort(dim?: number, descending?: boolean): ValuesIndices;
  sort(o: { dim?: number; descending?: boolean; stable?: boolean }): ValuesIndices;
  sort(dim: number | object = -1, descending = false, stable?: boolean): ValuesIndices {
    return vi('sort', O.sortStable(this._h, stable ?? false, dim, descending));
  }
  argsort(dim?: number, descending?: boolean): Tensor;
  argsort(o: { dim?: number; descending?: boolean; stable?: boolean }): Tensor;
  argsort(dim: number | object = -1, descending = false, stable?: boolean): Tensor {
    return stable ? this.sort({ dim: dim as number, descending, stable }).indices : new Tensor(O.argsort(this._h, dim, descending));
  }
  /** Sorted along the first dimension (torch.msort). */
  msort(): Tensor { return this.sort(0).values; }
  cumsum(dim: number, o?: { dtype?: DTypeLike }): Tensor;
  cumsum(dim: number, dtype?: unknown): Tensor {
    return new Tensor(O.cumsum(this._h, dim, dtype === undefined ? undefined : dtypeCode(dtype as DTypeLike)));
  }
  cumprod(dim: number, o?: { dtype?: DTypeLike }): Tensor;
  cumprod(dim: number, dtype?: unknown): Tensor {
    return new Tensor(O.cumprod(this._h, dim, dtype === undefined ? undefined : dtypeCode(dtype as DTypeLike)));
  }
  /** Running maximum along `dim` and where it was reached: a `(values, indices)` named tuple. */
  cummax(dim: number): ValuesIndices { return vi('cummax', O.cummax(this._h, dim)); }
  /** Running minimum along `dim`: a `(values, indices)` named tuple. */
  cummin(dim: number): ValuesIndices { return vi('cummin', O.cummin(this._h, dim)); }
  logsumexp(dim: number | number[], keepdim = false): Tensor { return new Tensor(O.logsumexp(this._h, dimList(dim), keepdim)); }
  all(dim?: number, keepdim = false): Tensor { return new Tensor(dim === undefined ? O.all(this._h) : O.allDim(this._h, dim, keepdim)); }
  any(dim?: number, keepdim = false): Tensor { return new Tensor(dim === undefined ? O.any(this._h) : O.anyDim(this._h, dim, keepdim)); }
  countNonzero(dim?: number | number[]): Tensor { return new Tensor(O.countNonzero(this._h, dim === undefined ? [] : dimList(dim))); }
  softmax(dim: number, dtype?: DTypeLike): Tensor { return new Tensor(O.softmax(this._h, dim, dtype === undefined ? undefined : dtypeCode(dtype as DTypeLike))); }
  logSoftmax(dim: number, dtype?: DTypeLike): Tensor { return new Tensor(O.logSoftmax(this._h, dim, dtype === undefined ? undefined : dtypeCode(dtype as DTypeLike))); }

  // ----- shape ----------------------------------------------------------------------------------------
  view(...shape: (number | readonly number[])[]): Tensor;
  view(dtype: DTypeLike): Tensor;
  view(...args: (number | readonly number[] | DTypeLike)[]): Tensor {
    if (typeof args[0] === 'string' || args[0] instanceof DType) return new Tensor(O.viewDtype(this._h, dtypeCode(args[0])));
    return new Tensor(O.view(this._h, sizesOf(args as number[])));
  }
  viewAs(other: Tensor): Tensor { return new Tensor(O.viewAs(this._h, other._h)); }
  reshape(...shape: (number | readonly number[])[]): Tensor { return new Tensor(O.reshape(this._h, sizesOf(shape))); }
  reshapeAs(other: Tensor): Tensor { return new Tensor(O.reshapeAs(this._h, other._h)); }
  flatten(startDim = 0, endDim = -1): Tensor { return new Tensor(O.flatten(this._h, startDim, endDim)); }
  unflatten(dim: number, sizes: number[]): Tensor { return new Tensor(O.unflatten(this._h, dim, sizes)); }
  permute(...dims: (number | readonly number[])[]): Tensor { return new Tensor(O.permute(this._h, sizesOf(dims))); }
  transpose(dim0: number, dim1: number): Tensor { return new Tensor(O.transpose(this._h, dim0, dim1)); }
  /** torch.swapaxes: transpose. */
  swapaxes(axis0: number, axis1: number): Tensor { return this.transpose(axis0, axis1); }
  t(): Tensor { return new Tensor(O.t(this._h)); }
  get T(): Tensor { return this.ndim <= 2 ? this.t() : this.permute([...Array(this.ndim).keys()].reverse()); }
  squeeze(dim?: number): Tensor { return new Tensor(dim === undefined ? O.squeeze(this._h) : O.squeezeDim(this._h, dim)); }
  unsqueeze(dim: number): Tensor { return new Tensor(O.unsqueeze(this._h, dim)); }
  squeeze_(dim?: number): this { if (dim === undefined) O.squeeze_(this._h); else O.squeezeDim_(this._h, dim); return this; }
  unsqueeze_(dim: number): this { O.unsqueeze_(this._h, dim); return this; }
  expand(...sizes: (number | readonly number[])[]): Tensor { return new Tensor(O.expand(this._h, sizesOf(sizes))); }
  expandAs(other: Tensor): Tensor { return new Tensor(O.expandAs(this._h, other._h)); }
  repeat(...sizes: (number | readonly number[])[]): Tensor { return new Tensor(O.repeat(this._h, sizesOf(sizes))); }
  repeatInterleave(repeats: number, dim?: number): Tensor { return new Tensor(O.repeatInterleave(this._h, repeats, dim ?? null)); }
  // memoryFormat is keyword-only in PyTorch (the binder refuses it positionally): an options object
  contiguous(o?: { memoryFormat?: MemoryFormat }): Tensor;
  contiguous(memoryFormat?: unknown): Tensor {
    return new Tensor(O.contiguous(this._h, memoryFormatCode((memoryFormat ?? 'contiguous') as MemoryFormat)));
  }
  clone(o?: { memoryFormat?: MemoryFormat }): Tensor;
  clone(memoryFormat?: unknown): Tensor {
    return new Tensor(O.clone(this._h, memoryFormat === undefined ? undefined : memoryFormatCode(memoryFormat as MemoryFormat)));
  }
  narrow(dim: number, start: number, length: number): Tensor { return new Tensor(O.narrow(this._h, dim, start, length)); }
  select(dim: number, index: number): Tensor { return new Tensor(O.select(this._h, dim, index)); }
  /** Python's `t[start:stop:step]` along `dim`. */
  slice(dim = 0, start: number | null = null, end: number | null = null, step = 1): Tensor {
    return new Tensor(O.slice(this._h, dim, start, end, step));
  }
  indexSelect(dim: number, index: Tensor): Tensor { return new Tensor(O.indexSelect(this._h, dim, index._h)); }
  gather(dim: number, index: Tensor): Tensor { return new Tensor(O.gather(this._h, dim, index._h)); }
  /** scatter(dim, index, src), or a number everywhere: scatter(dim, index, value) / scatter(dim, index, { value }). */
  scatter(dim: number, index: Tensor, src: TensorOrScalar): Tensor;
  scatter(dim: number, index: Tensor, o: { value: Scalar } | { src: Tensor }): Tensor;
  scatter(dim: number, index: Tensor, src?: unknown, value?: Scalar): Tensor {
    const v = scatterSource(src as TensorOrScalar | undefined, value);
    return new Tensor(isScalar(v) ? O.scatterV(this._h, dim, index._h, v) : O.scatter(this._h, dim, index._h, v._h));
  }
  scatter_(dim: number, index: Tensor, src: TensorOrScalar): this;
  scatter_(dim: number, index: Tensor, o: { value: Scalar } | { src: Tensor }): this;
  scatter_(dim: number, index: Tensor, src?: unknown, value?: Scalar): this {
    const v = scatterSource(src as TensorOrScalar | undefined, value);
    if (isScalar(v)) O.scatterV_(this._h, dim, index._h, v); else O.scatter_(this._h, dim, index._h, v._h);
    return this;
  }
  scatterAdd(dim: number, index: Tensor, src: Tensor): Tensor { return new Tensor(O.scatterAdd(this._h, dim, index._h, src._h)); }
  scatterAdd_(dim: number, index: Tensor, src: Tensor): this { O.scatterAdd_(this._h, dim, index._h, src._h); return this; }
  maskedFill(mask: Tensor, value: TensorOrScalar): Tensor {
    return new Tensor(isScalar(value) ? O.maskedFill(this._h, mask._h, value) : O.maskedFillT(this._h, mask._h, value._h));
  }
  maskedFill_(mask: Tensor, value: TensorOrScalar): this {
    if (isScalar(value)) O.maskedFill_(this._h, mask._h, value); else O.maskedFillT_(this._h, mask._h, value._h);
    return this;
  }
  maskedSelect(mask: Tensor): Tensor { return new Tensor(O.maskedSelect(this._h, mask._h)); }
  /** `condition ? this : other`, elementwise (torch.where(condition, self, other)). */
  where(condition: Tensor, other: TensorOrScalar): Tensor {
    return new Tensor(isScalar(other) ? O.whereScalarOther(condition._h, this._h, other) : O.where(condition._h, this._h, other._h));
  }
  split(splitSize: number | number[], dim = 0): Tensor[] {
    const r: Handle[] = typeof splitSize === 'number' ? O.split(this._h, splitSize, dim) : O.splitSizes(this._h, splitSize, dim);
    return r.map((h) => new Tensor(h));
  }
  chunk(chunks: number, dim = 0): Tensor[] { return (O.chunk(this._h, chunks, dim) as Handle[]).map((h) => new Tensor(h)); }
  unbind(dim = 0): Tensor[] { return (O.unbind(this._h, dim) as Handle[]).map((h) => new Tensor(h)); }
  flip(...dims: (number | readonly number[])[]): Tensor { return new Tensor(O.flip(this._h, sizesOf(dims))); }
  roll(shifts: number | number[], dims: number | number[] = []): Tensor { return new Tensor(O.roll(this._h, shifts, dims)); }
  tril(diagonal = 0): Tensor { return new Tensor(O.tril(this._h, diagonal)); }
  triu(diagonal = 0): Tensor { return new Tensor(O.triu(this._h, diagonal)); }
  diag(diagonal = 0): Tensor { return new Tensor(O.diag(this._h, diagonal)); }
  trace(): Tensor { return new Tensor(O.trace(this._h)); }
  /** The indices of non-zero elements, one row each; with `{ asTuple: true }` one index tensor per dimension. */
  nonzero(): Tensor;
  nonzero(o: { asTuple: true }): Tensor[];
  nonzero(o: { asTuple?: false }): Tensor;
  nonzero(asTuple?: unknown): Tensor | Tensor[] {
    if (asTuple === true) return (O.nonzeroNumpy(this._h) as Handle[]).map((h) => new Tensor(h));
    return new Tensor(O.nonzero(this._h));
  }
  /**
   * torch.unique: the distinct elements (sorted), and with returnInverse / returnCounts the `[output, inverse?,
   * counts?]` tuple, as in Python; with `dim`, the distinct slices along it.
   */
  unique(sorted?: boolean, returnInverse?: false, returnCounts?: false, dim?: number | null): Tensor;
  unique(o: { sorted?: boolean; returnInverse?: false; returnCounts?: false; dim?: number | null }): Tensor;
  unique(sorted: boolean | undefined, returnInverse: boolean, returnCounts?: boolean, dim?: number | null): Tensor | Tensor[];
  unique(o: { sorted?: boolean; returnInverse?: boolean; returnCounts?: boolean; dim?: number | null }): Tensor | Tensor[];
  unique(sorted: unknown = true, returnInverse = false, returnCounts = false, dim: number | null = null): Tensor | Tensor[] {
    const r = (dim === null || dim === undefined
      ? O.unique(this._h, sorted, returnInverse, returnCounts)
      : O.uniqueDim(this._h, dim, sorted, returnInverse, returnCounts)) as Handle[];
    if (!returnInverse && !returnCounts) return new Tensor(r[0]!);
    const out = [new Tensor(r[0]!)];
    if (returnInverse) out.push(new Tensor(r[1]!));
    if (returnCounts) out.push(new Tensor(r[2]!));
    return out;
  }
  bincount(weights?: Tensor | null, minlength?: number): Tensor;
  bincount(o: { weights?: Tensor | null; minlength?: number }): Tensor;
  bincount(weights?: Tensor | null | object, minlength = 0): Tensor {
    return new Tensor(O.bincount(this._h, weights instanceof Tensor ? weights._h : null, minlength));
  }
  asStrided(size: number[], stride: number[], storageOffset?: number): Tensor {
    return new Tensor(O.asStrided(this._h, size, stride, storageOffset ?? null));
  }

  /**
   * Python-style indexing: `t.index(0)` is `t[0]`, `t.index(':', '1:3')` is `t[:, 1:3]`, `t.index('...', null)`
   * is `t[..., None]`, `t.index('::2')` steps, negative numbers count from the end, and a Tensor (int64 or
   * bool) indexes as in PyTorch's advanced indexing.
   */
  index(...specs: IndexSpec[]): Tensor {
    const { view, tensors } = applyIndex(this, specs);
    if (tensors === null) return view;
    return new Tensor(O.index(view._h, tensors.map((t) => (t === null ? null : t._h))));
  }
  /** Python's `t[specs] = value`, in place. */
  indexPut_(specs: IndexSpec[] | IndexSpec, value: TensorOrScalar, accumulate = false): this {
    const list = Array.isArray(specs) ? specs : [specs];
    const { view, tensors } = applyIndex(this, list);
    if (tensors === null) {
      if (isScalar(value)) O.fill_(view._h, value); else O.copy_(view._h, value._h, false);
    } else {
      const v = isScalar(value) ? new Tensor(O.to(tensorFromScalar(value)._h, dtypeCode(this.dtype))) : value;
      O.indexPut_(view._h, tensors.map((t) => (t === null ? null : t._h)), v._h, accumulate);
    }
    return this;
  }

  // ----- in place -------------------------------------------------------------------------------------
  copy_(src: Tensor, nonBlocking = false): this { O.copy_(this._h, src._h, nonBlocking); return this; }
  zero_(): this { O.zero_(this._h); return this; }
  fill_(value: TensorOrScalar): this { if (isScalar(value)) O.fill_(this._h, value); else O.fillT_(this._h, value._h); return this; }
  uniform_(from = 0, to = 1): this { O.uniform_(this._h, from, to); return this; }
  normal_(mean = 0, std = 1): this { O.normal_(this._h, mean, std); return this; }
  bernoulli_(p = 0.5): this { O.bernoulli_(this._h, p); return this; }
  bernoulli(): Tensor { return new Tensor(O.bernoulli(this._h)); }
  /**
   * PyTorch's three forms: random_() draws from [0, 2^mantissa] (the whole range for integers), random_(to) from
   * [0, to), random_(from, to) from [from, to). One number is `to`, as in Python (random_(5) never means from=5).
   */
  random_(to?: number): this;
  random_(from: number, to: number | null | undefined): this;
  random_(opts: { from?: number; to?: number | null }): this;
  random_(a?: unknown, b?: unknown): this {
    // installMethodArgs binds the call first: `a` is from (a number or undefined) here
    const from = a as number | undefined;
    const to = (b ?? undefined) as number | undefined;
    // from with to=None (Python's random_(5, None), or { from: 5 } bound to two arguments): [from, 2^mantissa]
    // eslint-disable-next-line prefer-rest-params
    if (arguments.length >= 2 && from !== undefined && to === undefined) O.randomFromTo_(this._h, from, null);
    else if (from === undefined && to === undefined) O.random_(this._h);
    else if (to === undefined) O.randomTo_(this._h, from);
    else O.randomFromTo_(this._h, from ?? 0, to);
    return this;
  }
  exponential_(lambd = 1): this { O.exponential_(this._h, lambd); return this; }
}

export interface VarOptions { dim?: number | number[] | null; unbiased?: boolean; keepdim?: boolean; correction?: number }

/** std/var's correction: PyTorch's `correction` (keyword), else 1 when unbiased (the default), 0 when not. */
/** Tensor.type()'s names, as PyTorch's legacy tensor types. */
const TYPE_NAMES: Record<DTypeName, string> = {
  float32: 'torch.FloatTensor', float64: 'torch.DoubleTensor', float16: 'torch.HalfTensor', bfloat16: 'torch.BFloat16Tensor',
  int64: 'torch.LongTensor', int32: 'torch.IntTensor', int16: 'torch.ShortTensor', int8: 'torch.CharTensor', uint8: 'torch.ByteTensor',
  bool: 'torch.BoolTensor', complex64: 'torch.ComplexFloatTensor', complex128: 'torch.ComplexDoubleTensor',
};

/** scatter's `src` or `value` (PyTorch's two overloads), exactly one of them. */
function scatterSource(src: TensorOrScalar | undefined, value: Scalar | undefined): TensorOrScalar {
  if ((src === undefined) === (value === undefined)) throw new TypeError('scatter(): give src (a tensor or number) or value, exactly one');
  return (src ?? value)!;
}

function varCorrection(unbiased: boolean | undefined, correction: number | undefined): number {
  if (correction !== undefined && unbiased !== undefined) throw new TypeError('std/var: give unbiased or correction, not both');
  return correction ?? (unbiased === false ? 0 : 1);
}

function applyIndex(t: Tensor, specs: IndexSpec[]): { view: Tensor; tensors: (Tensor | null)[] | null } {
  const ndim = t.ndim;
  const consumed = specs.reduce<number>((n, s) => {
    if (s === null || s === '...') return n;
    if (s instanceof Tensor) return n + (s.dtype === bool || s.dtype === uint8 ? s.ndim : 1);
    return n + 1;
  }, 0);
  if (consumed > ndim) throw new RangeError(`too many indices for a tensor of dimension ${ndim}: ${consumed} given`);
  let view = t;
  let dim = 0;
  const tensors: (Tensor | null)[] = [];
  let hasTensor = false;
  let sawEllipsis = false;
  for (const s of specs) {
    if (s === null) {
      view = view.unsqueeze(dim);
      tensors.push(null);
      dim++;
    } else if (s === '...') {
      if (sawEllipsis) throw new SyntaxError("an index can only have a single ellipsis ('...')");
      sawEllipsis = true;
      const skip = ndim - consumed;
      for (let k = 0; k < skip; k++) tensors.push(null);
      dim += skip;
    } else if (typeof s === 'number') {
      const size = view.size(dim);
      if (s >= size || s < -size) throw new RangeError(`index ${s} is out of bounds for dimension ${dim} with size ${size}`);
      view = view.select(dim, s);
    } else if (typeof s === 'string') {
      if (s.trim() === ':' || s.trim() === '::') {
        tensors.push(null);
        dim++;
        continue;
      }
      const trimmed = s.trim();
      if (/^-?\d+$/.test(trimmed)) {
        view = view.select(dim, Number(trimmed));
        continue;
      }
      const [a, b, c] = parseSlice(trimmed);
      view = view.slice(dim, a, b, c);
      tensors.push(null);
      dim++;
    } else if (s instanceof Tensor) {
      hasTensor = true;
      if (s.dtype === bool || s.dtype === uint8) {
        // a boolean mask covers s.ndim dimensions with one entry of aten::index's list
        tensors.push(s);
        dim += s.ndim;
      } else {
        tensors.push(s);
        dim++;
      }
    } else {
      view = view.slice(dim, s.start ?? null, s.stop ?? null, s.step ?? 1);
      tensors.push(null);
      dim++;
    }
  }
  if (!hasTensor) return { view, tensors: null };
  while (tensors.length > 0 && tensors[tensors.length - 1] === null) tensors.pop();
  return { view, tensors };
}

/** The device a `device` argument names, checked: CUDA devices need a libtorch built with CUDA. */
export function checkDevice(d: DeviceLike): Device {
  const dev = toDevice(d);
  if (dev.type === 'cuda' && !native.buildInfo().cuda) {
    throw new Error(`device '${dev}' needs a libtorch built with CUDA; the linked libtorch is CPU-only (see torch.config())`);
  }
  return dev;
}

const scalarTensor = op('aten::scalar_tensor');
function tensorFromScalar(v: Scalar): Tensor {
  const dt = typeof v === 'boolean' ? 'bool' : typeof v === 'bigint' ? 'int64' : 'float32';
  return new Tensor(scalarTensor(typeof v === 'bigint' ? Number(v) : v, dtypeCode(dt)));
}

setTensorCheck((v: unknown): v is Tensor => v instanceof Tensor);
// PyTorch's argument binding for every method (positional order, options objects, errors for extra arguments).
installTensorSignatures(Tensor.prototype);

/** Wraps a handle returned by an operator (null stays null). */
export function wrap(h: Handle): Tensor;
export function wrap(h: Handle | null): Tensor | null;
export function wrap(h: Handle | null): Tensor | null {
  return h === null ? null : new Tensor(h);
}

export { typedArrayOf, isDeviceString };
export type { AnyTypedArray };
