// The Tensor class: PyTorch's torch.Tensor over a native at::Tensor handle. Methods are named as in PyTorch,
// in camelCase (index_select -> indexSelect); in-place methods end with `_`; keyword arguments become an
// options object. Every operation is one boxed call into libtorch (see src/native/ops.ts).
import { native, type Handle } from './native/binding.js';
import { op } from './native/ops.js';
import {
  type AnyTypedArray, type DType, type MemoryFormat, MEMORY_FORMAT, dtypeCode, dtypeFromCode, isFloatingPoint,
  normalizeDtype, typedArrayOf, elementSize,
} from './dtype.js';
import { track, setTensorCheck } from './memory.js';
import { formatTensor } from './tensor-format.js';

export type Device = string;
export type Scalar = number | boolean | bigint;
export type TensorOrScalar = Tensor | Scalar;
/** Nested arrays of numbers or booleans, as `torch.tensor` takes. */
export type NestedArray = Scalar | NestedArray[];
/** One entry of an index expression: see `Tensor.index`. */
export type IndexSpec = number | string | null | Tensor | { start?: number | null; stop?: number | null; step?: number };

export interface ToOptions {
  dtype?: DType | string;
  device?: Device;
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
  std: op('aten::std.dim'), var: op('aten::var.dim'),
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
  sin: op('aten::sin'), cos: op('aten::cos'), tan: op('aten::tan'), tanh: op('aten::tanh'), tanh_: op('aten::tanh_'),
  sigmoid: op('aten::sigmoid'), sigmoid_: op('aten::sigmoid_'), relu: op('aten::relu'), relu_: op('aten::relu_'),
  floor: op('aten::floor'), ceil: op('aten::ceil'), round: op('aten::round'), trunc: op('aten::trunc'), frac: op('aten::frac'),
  sign: op('aten::sign'), reciprocal: op('aten::reciprocal'), reciprocal_: op('aten::reciprocal_'), square: op('aten::square'),
  erf: op('aten::erf'), atan2: op('aten::atan2'),
  isnan: op('aten::isnan'), isinf: op('aten::isinf'), isfinite: op('aten::isfinite'), nanToNum: op('aten::nan_to_num'),
  lerp_: op('aten::lerp_.Scalar'), lerpT_: op('aten::lerp_.Tensor'), lerp: op('aten::lerp.Scalar'),
  addcmul: op('aten::addcmul'), addcmul_: op('aten::addcmul_'), addcdiv: op('aten::addcdiv'), addcdiv_: op('aten::addcdiv_'),
  copy_: op('aten::copy_'), zero_: op('aten::zero_'), fill_: op('aten::fill_.Scalar'), fillT_: op('aten::fill_.Tensor'),
  uniform_: op('aten::uniform_'), normal_: op('aten::normal_'), bernoulli_: op('aten::bernoulli_.float'),
  bernoulli: op('aten::bernoulli'), randomFromTo_: op('aten::random_.from'), exponential_: op('aten::exponential_'),
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
  asStrided: op('aten::as_strided'), to: op('aten::to.dtype_layout'), item: op('aten::item'),
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

export interface ReduceOptions { dim?: number | number[]; keepdim?: boolean; dtype?: DType }

/** A `(values, indices)` result, as PyTorch's named tuples for max/min/topk/sort. */
export interface ValuesIndices {
  values: Tensor;
  indices: Tensor;
}

function vi(r: [Handle, Handle]): ValuesIndices {
  return { values: new Tensor(r[0]), indices: new Tensor(r[1]) };
}

export class Tensor {
  /** The native handle. Internal: use the methods. */
  _h: Handle;

  constructor(handle: Handle) {
    this._h = handle;
    track(this);
  }

  // ----- metadata -------------------------------------------------------------------------------------
  get shape(): number[] { return native.shape(this._h); }
  size(): number[];
  size(dim: number): number;
  size(dim?: number): number[] | number {
    const s = native.shape(this._h);
    if (dim === undefined) return s;
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
  get dtype(): DType { return dtypeFromCode(native.dtype(this._h)); }
  get device(): Device { return native.device(this._h); }
  get isCuda(): boolean { return this.device.startsWith('cuda'); }
  isFloatingPoint(): boolean { return isFloatingPoint(this.dtype); }
  elementSize(): number { return elementSize(this.dtype); }
  storageOffset(): number { return native.storageInfo(this._h)[2]; }
  /** Identity and extent of the storage behind this tensor (shared by its views): used by serialization. */
  storageInfo(): { key: string; nbytes: number; offset: number } {
    const [key, nbytes, offset] = native.storageInfo(this._h);
    return { key, nbytes, offset };
  }
  isContiguous(memoryFormat?: MemoryFormat): boolean {
    return native.isContiguous(this._h, memoryFormat === undefined ? undefined : MEMORY_FORMAT[memoryFormat]);
  }
  isInference(): boolean { return native.isInference(this._h); }
  get isDisposed(): boolean { return native.isDisposed(this._h); }

  // ----- autograd -------------------------------------------------------------------------------------
  get requiresGrad(): boolean { return native.requiresGrad(this._h); }
  set requiresGrad(v: boolean) { native.setRequiresGrad(this._h, v); }
  requiresGrad_(requiresGrad = true): this { native.setRequiresGrad(this._h, requiresGrad); return this; }
  get isLeaf(): boolean { return native.isLeaf(this._h); }
  /** The name of the autograd node that made this tensor (`AddBackward0`), or null for a leaf. */
  get gradFn(): string | null { return native.gradFn(this._h); }
  get grad(): Tensor | null {
    const g = native.grad(this._h);
    return g === null ? null : new Tensor(g);
  }
  set grad(g: Tensor | null) { native.setGrad(this._h, g === null ? null : g._h); }
  retainGrad(): this { O.retainGrad(this._h); return this; }
  get retainsGrad(): boolean { return O.retainsGrad(this._h) as boolean; }
  backward(gradient?: Tensor | null, opts: { retainGraph?: boolean; createGraph?: boolean; inputs?: Tensor[] } = {}): void {
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
  to(target: DType | Device | ToOptions | Tensor, opts: Omit<ToOptions, 'dtype' | 'device'> = {}): Tensor {
    let o: ToOptions;
    if (target instanceof Tensor) o = { dtype: target.dtype, device: target.device, ...opts };
    else if (typeof target === 'string') o = isDeviceString(target) ? { device: target, ...opts } : { dtype: target, ...opts };
    else o = target;
    const dtype = o.dtype === undefined ? undefined : dtypeCode(o.dtype);
    const device = o.device === undefined ? undefined : checkDevice(o.device);
    return new Tensor(O.to(this._h, dtype, undefined, device, undefined, o.nonBlocking ?? false, o.copy ?? false,
      o.memoryFormat === undefined ? undefined : MEMORY_FORMAT[o.memoryFormat]));
  }
  type(dtype: DType | string): Tensor { return this.to(normalizeDtype(dtype)); }
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
  cuda(device: number | string = 0): Tensor { return this.to(typeof device === 'number' ? `cuda:${device}` : device); }

  /** The single value of a one-element tensor, as a JavaScript number (or boolean). */
  item(): number {
    if (this.numel() !== 1) throw new RangeError(`item(): the tensor has ${this.numel()} elements, item() needs exactly one`);
    return O.item(this._h) as number;
  }
  /** A copy of the elements in row-major order, in the TypedArray of the dtype (float16/bfloat16: raw bits). */
  dataSync(): AnyTypedArray {
    return typedArrayOf(this.dtype, native.toBytes(this._h));
  }
  /** The elements as a Float32Array/Float64Array/Int32Array... copy; alias of dataSync(). */
  data(): AnyTypedArray { return this.dataSync(); }
  /** Raw little-endian bytes of the elements in row-major order (a copy). */
  toBytes(): Uint8Array { return new Uint8Array(native.toBytes(this._h)); }
  /**
   * A Node Buffer over this tensor's memory without a copy (contiguous CPU tensors only). Writes through the
   * buffer change the tensor. The buffer keeps the memory alive on its own.
   */
  toBuffer(): Buffer { return Buffer.from(native.viewBytes(this._h)); }
  /** Nested arrays of numbers (int64 as numbers; booleans for bool), like `tensor.tolist()`. */
  toArray(): NestedArray {
    const d = this.dtype;
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

  toString(): string { return formatTensor(this); }
  [Symbol.for('nodejs.util.inspect.custom')](): string { return this.isDisposed ? 'tensor(<disposed>)' : this.toString(); }

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
  /** other - this (Python's `2 - t`). */
  rsub(other: Scalar): Tensor { return new Tensor(O.rsubS(this._h, other)); }
  mul(other: TensorOrScalar): Tensor { return new Tensor(O.mul(this._h, arg(other))); }
  mul_(other: TensorOrScalar): this { O.mul_(this._h, arg(other)); return this; }
  div(other: TensorOrScalar, opts: { roundingMode?: 'trunc' | 'floor' } = {}): Tensor {
    if (opts.roundingMode) {
      return new Tensor(O.divMode(this._h, arg(other), opts.roundingMode));
    }
    return new Tensor(O.div(this._h, arg(other)));
  }
  div_(other: TensorOrScalar): this { O.div_(this._h, arg(other)); return this; }
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
      return new Tensor(O.clampT(this._h, min instanceof Tensor ? min._h : null, max instanceof Tensor ? max._h : null));
    }
    return new Tensor(O.clamp(this._h, min ?? null, max ?? null));
  }
  clamp_(min?: Scalar | null, max?: Scalar | null): this { O.clamp_(this._h, min ?? null, max ?? null); return this; }
  clip(min?: Scalar | null, max?: Scalar | null): Tensor { return this.clamp(min, max); }
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
  allclose(other: Tensor, opts: { rtol?: number; atol?: number; equalNan?: boolean } = {}): boolean {
    return O.allclose(this._h, other._h, opts.rtol, opts.atol, opts.equalNan) as boolean;
  }
  isclose(other: Tensor, opts: { rtol?: number; atol?: number; equalNan?: boolean } = {}): Tensor {
    return new Tensor(O.isclose(this._h, other._h, opts.rtol, opts.atol, opts.equalNan));
  }
  logicalNot(): Tensor { return new Tensor(O.logicalNot(this._h)); }
  logicalAnd(other: Tensor): Tensor { return new Tensor(O.logicalAnd(this._h, other._h)); }
  logicalOr(other: Tensor): Tensor { return new Tensor(O.logicalOr(this._h, other._h)); }
  logicalXor(other: Tensor): Tensor { return new Tensor(O.logicalXor(this._h, other._h)); }
  bitwiseNot(): Tensor { return new Tensor(O.bitwiseNot(this._h)); }
  isnan(): Tensor { return new Tensor(O.isnan(this._h)); }
  isinf(): Tensor { return new Tensor(O.isinf(this._h)); }
  isfinite(): Tensor { return new Tensor(O.isfinite(this._h)); }
  nanToNum(opts: { nan?: number; posinf?: number; neginf?: number } = {}): Tensor {
    return new Tensor(O.nanToNum(this._h, opts.nan, opts.posinf, opts.neginf));
  }

  // ----- reductions -----------------------------------------------------------------------------------
  sum(dim?: number | number[] | ReduceOptions, keepdim = false): Tensor {
    const o = reduceArgs(dim, keepdim);
    const dt = o.dtype === undefined ? undefined : dtypeCode(o.dtype);
    return new Tensor(o.dim === null ? O.sum(this._h, dt) : O.sumDim(this._h, o.dim, o.keepdim, dt));
  }
  mean(dim?: number | number[] | ReduceOptions, keepdim = false): Tensor {
    const o = reduceArgs(dim, keepdim);
    const dt = o.dtype === undefined ? undefined : dtypeCode(o.dtype);
    return new Tensor(o.dim === null ? O.mean(this._h, dt) : O.meanDim(this._h, o.dim, o.keepdim, dt));
  }
  nanmean(dim?: number | number[], keepdim = false): Tensor { return new Tensor(O.nanmean(this._h, dimList(dim), keepdim)); }
  prod(dim?: number, keepdim = false): Tensor {
    return new Tensor(dim === undefined ? O.prod(this._h) : O.prodDim(this._h, dim, keepdim));
  }
  std(dim?: number | number[] | (ReduceOptions & { unbiased?: boolean }), keepdim = false, unbiased = true): Tensor {
    const o = reduceArgs(dim, keepdim);
    const ub = typeof dim === 'object' && dim !== null && !Array.isArray(dim) ? (dim.unbiased ?? true) : unbiased;
    return new Tensor(O.std(this._h, o.dim, ub, o.keepdim));
  }
  var(dim?: number | number[] | (ReduceOptions & { unbiased?: boolean }), keepdim = false, unbiased = true): Tensor {
    const o = reduceArgs(dim, keepdim);
    const ub = typeof dim === 'object' && dim !== null && !Array.isArray(dim) ? (dim.unbiased ?? true) : unbiased;
    return new Tensor(O.var(this._h, o.dim, ub, o.keepdim));
  }
  /** max() of all elements, or max(dim) -> {values, indices}; use maximum() for the elementwise maximum. */
  max(): Tensor;
  max(dim: number, keepdim?: boolean): ValuesIndices;
  max(other: Tensor): Tensor;
  max(dim?: number | Tensor, keepdim = false): Tensor | ValuesIndices {
    if (dim === undefined) return new Tensor(O.max(this._h));
    if (dim instanceof Tensor) return this.maximum(dim);
    return vi(O.maxDim(this._h, dim, keepdim));
  }
  min(): Tensor;
  min(dim: number, keepdim?: boolean): ValuesIndices;
  min(other: Tensor): Tensor;
  min(dim?: number | Tensor, keepdim = false): Tensor | ValuesIndices {
    if (dim === undefined) return new Tensor(O.min(this._h));
    if (dim instanceof Tensor) return this.minimum(dim);
    return vi(O.minDim(this._h, dim, keepdim));
  }
  amax(dim: number | number[] = [], keepdim = false): Tensor { return new Tensor(O.amax(this._h, dimList(dim), keepdim)); }
  amin(dim: number | number[] = [], keepdim = false): Tensor { return new Tensor(O.amin(this._h, dimList(dim), keepdim)); }
  argmax(dim?: number | null, keepdim = false): Tensor { return new Tensor(O.argmax(this._h, dim ?? null, keepdim)); }
  argmin(dim?: number | null, keepdim = false): Tensor { return new Tensor(O.argmin(this._h, dim ?? null, keepdim)); }
  median(): Tensor;
  median(dim: number, keepdim?: boolean): ValuesIndices;
  median(dim?: number, keepdim = false): Tensor | ValuesIndices {
    return dim === undefined ? new Tensor(O.median(this._h)) : vi(O.medianDim(this._h, dim, keepdim));
  }
  /** The p-norm over all elements, or over `dim`. */
  norm(p: number = 2, dim?: number | number[] | null, keepdim = false): Tensor {
    if (dim === undefined || dim === null) return new Tensor(O.normAll(this._h, p));
    return new Tensor(O.norm(this._h, p, dimList(dim), keepdim));
  }
  topk(k: number, dim = -1, largest = true, sorted = true): ValuesIndices { return vi(O.topk(this._h, k, dim, largest, sorted)); }
  sort(dim = -1, descending = false): ValuesIndices { return vi(O.sort(this._h, dim, descending)); }
  argsort(dim = -1, descending = false): Tensor { return new Tensor(O.argsort(this._h, dim, descending)); }
  cumsum(dim: number, dtype?: DType): Tensor { return new Tensor(O.cumsum(this._h, dim, dtype === undefined ? undefined : dtypeCode(dtype))); }
  cumprod(dim: number): Tensor { return new Tensor(O.cumprod(this._h, dim)); }
  logsumexp(dim: number | number[], keepdim = false): Tensor { return new Tensor(O.logsumexp(this._h, dimList(dim), keepdim)); }
  all(dim?: number, keepdim = false): Tensor { return new Tensor(dim === undefined ? O.all(this._h) : O.allDim(this._h, dim, keepdim)); }
  any(dim?: number, keepdim = false): Tensor { return new Tensor(dim === undefined ? O.any(this._h) : O.anyDim(this._h, dim, keepdim)); }
  countNonzero(dim?: number): Tensor { return new Tensor(O.countNonzero(this._h, dim === undefined ? [] : [dim])); }
  softmax(dim: number, dtype?: DType): Tensor { return new Tensor(O.softmax(this._h, dim, dtype === undefined ? undefined : dtypeCode(dtype))); }
  logSoftmax(dim: number, dtype?: DType): Tensor { return new Tensor(O.logSoftmax(this._h, dim, dtype === undefined ? undefined : dtypeCode(dtype))); }

  // ----- shape ----------------------------------------------------------------------------------------
  view(...shape: (number | readonly number[])[]): Tensor;
  view(dtype: DType): Tensor;
  view(...args: (number | readonly number[] | DType)[]): Tensor {
    if (typeof args[0] === 'string') return new Tensor(O.viewDtype(this._h, dtypeCode(args[0])));
    return new Tensor(O.view(this._h, sizesOf(args as number[])));
  }
  viewAs(other: Tensor): Tensor { return new Tensor(O.viewAs(this._h, other._h)); }
  reshape(...shape: (number | readonly number[])[]): Tensor { return new Tensor(O.reshape(this._h, sizesOf(shape))); }
  reshapeAs(other: Tensor): Tensor { return new Tensor(O.reshapeAs(this._h, other._h)); }
  flatten(startDim = 0, endDim = -1): Tensor { return new Tensor(O.flatten(this._h, startDim, endDim)); }
  unflatten(dim: number, sizes: number[]): Tensor { return new Tensor(O.unflatten(this._h, dim, sizes)); }
  permute(...dims: (number | readonly number[])[]): Tensor { return new Tensor(O.permute(this._h, sizesOf(dims))); }
  transpose(dim0: number, dim1: number): Tensor { return new Tensor(O.transpose(this._h, dim0, dim1)); }
  t(): Tensor { return new Tensor(O.t(this._h)); }
  get T(): Tensor { return this.ndim <= 2 ? this.t() : this.permute([...Array(this.ndim).keys()].reverse()); }
  squeeze(dim?: number): Tensor { return new Tensor(dim === undefined ? O.squeeze(this._h) : O.squeezeDim(this._h, dim)); }
  unsqueeze(dim: number): Tensor { return new Tensor(O.unsqueeze(this._h, dim)); }
  squeeze_(): this { O.squeeze_(this._h); return this; }
  unsqueeze_(dim: number): this { O.unsqueeze_(this._h, dim); return this; }
  expand(...sizes: (number | readonly number[])[]): Tensor { return new Tensor(O.expand(this._h, sizesOf(sizes))); }
  expandAs(other: Tensor): Tensor { return new Tensor(O.expandAs(this._h, other._h)); }
  repeat(...sizes: (number | readonly number[])[]): Tensor { return new Tensor(O.repeat(this._h, sizesOf(sizes))); }
  repeatInterleave(repeats: number, dim?: number): Tensor { return new Tensor(O.repeatInterleave(this._h, repeats, dim ?? null)); }
  contiguous(memoryFormat: MemoryFormat = 'contiguous'): Tensor { return new Tensor(O.contiguous(this._h, MEMORY_FORMAT[memoryFormat])); }
  clone(memoryFormat?: MemoryFormat): Tensor {
    return new Tensor(O.clone(this._h, memoryFormat === undefined ? undefined : MEMORY_FORMAT[memoryFormat]));
  }
  narrow(dim: number, start: number, length: number): Tensor { return new Tensor(O.narrow(this._h, dim, start, length)); }
  select(dim: number, index: number): Tensor { return new Tensor(O.select(this._h, dim, index)); }
  /** Python's `t[start:stop:step]` along `dim`. */
  slice(dim = 0, start: number | null = null, end: number | null = null, step = 1): Tensor {
    return new Tensor(O.slice(this._h, dim, start, end, step));
  }
  indexSelect(dim: number, index: Tensor): Tensor { return new Tensor(O.indexSelect(this._h, dim, index._h)); }
  gather(dim: number, index: Tensor): Tensor { return new Tensor(O.gather(this._h, dim, index._h)); }
  scatter(dim: number, index: Tensor, src: TensorOrScalar): Tensor {
    return new Tensor(isScalar(src) ? O.scatterV(this._h, dim, index._h, src) : O.scatter(this._h, dim, index._h, src._h));
  }
  scatter_(dim: number, index: Tensor, src: TensorOrScalar): this {
    if (isScalar(src)) O.scatterV_(this._h, dim, index._h, src); else O.scatter_(this._h, dim, index._h, src._h);
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
  nonzero(): Tensor { return new Tensor(O.nonzero(this._h)); }
  unique(opts: { sorted?: boolean; returnInverse?: boolean; returnCounts?: boolean } = {}): Tensor {
    const r = O.unique(this._h, opts.sorted ?? true, false, false) as Handle[];
    return new Tensor(r[0]!);
  }
  bincount(opts: { weights?: Tensor; minlength?: number } = {}): Tensor {
    return new Tensor(O.bincount(this._h, opts.weights?._h ?? null, opts.minlength ?? 0));
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
  random_(from: number, to: number): this { O.randomFromTo_(this._h, from, to); return this; }
  exponential_(lambd = 1): this { O.exponential_(this._h, lambd); return this; }
}

function reduceArgs(dim: number | number[] | ReduceOptions | undefined, keepdim: boolean): { dim: number[] | null; keepdim: boolean; dtype?: DType } {
  if (dim !== undefined && typeof dim === 'object' && !Array.isArray(dim)) {
    return { dim: dimList(dim.dim), keepdim: dim.keepdim ?? false, dtype: dim.dtype };
  }
  return { dim: dimList(dim), keepdim };
}

function applyIndex(t: Tensor, specs: IndexSpec[]): { view: Tensor; tensors: (Tensor | null)[] | null } {
  const ndim = t.ndim;
  const consumed = specs.reduce<number>((n, s) => {
    if (s === null || s === '...') return n;
    if (s instanceof Tensor) return n + (s.dtype === 'bool' || s.dtype === 'uint8' ? s.ndim : 1);
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
      if (s.dtype === 'bool' || s.dtype === 'uint8') {
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

const DEVICE_RE = /^(cpu|cuda|mps|meta)(:\d+)?$/;
export function isDeviceString(s: string): boolean {
  return DEVICE_RE.test(s);
}

export function checkDevice(d: Device): Device {
  if (!DEVICE_RE.test(d)) throw new TypeError(`unknown device '${d}': expected 'cpu', 'cuda' or 'cuda:N'`);
  if (d.startsWith('cuda') && !native.buildInfo().cuda) {
    throw new Error(`device '${d}' needs a libtorch built with CUDA; the linked libtorch is CPU-only (see torch.config())`);
  }
  return d;
}

const scalarTensor = op('aten::scalar_tensor');
function tensorFromScalar(v: Scalar): Tensor {
  const dt = typeof v === 'boolean' ? 'bool' : typeof v === 'bigint' ? 'int64' : 'float32';
  return new Tensor(scalarTensor(typeof v === 'bigint' ? Number(v) : v, dtypeCode(dt)));
}

setTensorCheck((v: unknown): v is Tensor => v instanceof Tensor);

/** Wraps a handle returned by an operator (null stays null). */
export function wrap(h: Handle): Tensor;
export function wrap(h: Handle | null): Tensor | null;
export function wrap(h: Handle | null): Tensor | null {
  return h === null ? null : new Tensor(h);
}

export { typedArrayOf };
export type { AnyTypedArray };
