// The whitelist of Python globals a checkpoint may name, each mapped to a pure JavaScript constructor.
// Anything else (os.system, builtins.eval, a pickled nn.Module class...) is refused by name: loading a
// checkpoint never runs code from the file.
import { type DTypeName, elementSize } from '../dtype.js';
import { fromBytes } from '../creation.js';
import { Size } from '../size.js';
import { pickledModuleClass } from './pickled-module.js';
import { device as torchDevice } from '../device.js';
import type { Tensor } from '../tensor.js';
import { SerializationError } from './byte-source.js';
import { type PyCallable, type PyClass, type PyStateful, PyDict, PySet, Py2Bytes, isPyList, markByteArray, pyStr, typeName } from './pickle-reader.js';

/** A storage as a persistent id describes it: `numel` elements of `dtype` under `key`. */
export class RootStorage {
  tensor: Tensor | null = null;
  /** Where the storage goes (map_location applied once, when the pickle names it). */
  device: string | null = null;
  constructor(readonly key: string, readonly dtype: DTypeName, readonly location: string, readonly numel: number) {}
}

/** A storage reference (legacy files could reference a slice of a root storage). */
export class StorageRef {
  constructor(readonly root: RootStorage, readonly offset: number) {}
}

/** A tensor described by the pickle, made into a Tensor once the storages are readable. */
export class PendingTensor {
  constructor(
    readonly storage: StorageRef, readonly offset: number, readonly size: number[], readonly stride: number[],
    readonly requiresGrad: boolean, readonly parameter = false) {}
}

/** A class or constant the pickle names as a value (torch.FloatStorage, torch.nn.Parameter, torch.float32). */
export class PyMarker implements PyCallable {
  constructor(readonly qualname: string, readonly kind: 'storage' | 'tensorType' | 'dtype' | 'ndarray', readonly dtype: DTypeName | null = null) {}
  call(): unknown {
    throw new SerializationError(`calling '${this.qualname}' while loading is not supported`);
  }
}

/** A whitelisted Python function: called by REDUCE with its positional arguments, as many as its signature takes. */
class Fn implements PyCallable {
  constructor(readonly qualname: string, private readonly fn: (args: unknown[]) => unknown, private readonly arity: [number, number],
    private readonly file: string) {}
  call(args: unknown[]): unknown {
    const [min, max] = this.arity;
    if (args.length < min || args.length > max) {
      const takes = min === max ? `${min}` : `${min} to ${max}`;
      throw new SerializationError(`${this.file}: corrupt pickle: ${this.qualname}() takes ${takes} positional arguments but ${args.length} were given`);
    }
    return this.fn(args);
  }
}

/**
 * A whitelisted Python class: REDUCE calls it (cls(*args)); NEWOBJ makes an instance with cls.__new__(cls, *args),
 * which for mutable containers is empty (their contents come from __init__, which NEWOBJ does not run).
 */
class Cls extends Fn implements PyClass {
  constructor(qualname: string, fn: (args: unknown[]) => unknown, arity: [number, number], file: string,
    private readonly make: (args: unknown[]) => unknown) {
    super(qualname, fn, arity, file);
  }
  newObj(args: unknown[]): unknown { return this.make(args); }
}

const STORAGE_DTYPES: Record<string, DTypeName> = {
  FloatStorage: 'float32', DoubleStorage: 'float64', HalfStorage: 'float16', BFloat16Storage: 'bfloat16',
  LongStorage: 'int64', IntStorage: 'int32', ShortStorage: 'int16', CharStorage: 'int8', ByteStorage: 'uint8',
  BoolStorage: 'bool', ComplexFloatStorage: 'complex64', ComplexDoubleStorage: 'complex128', UntypedStorage: 'uint8',
};
export const STORAGE_NAME_OF: Record<string, string> = Object.fromEntries(
  Object.entries(STORAGE_DTYPES).filter(([k]) => k !== 'UntypedStorage').map(([k, v]) => [v, k]));

const TORCH_DTYPES: Record<string, DTypeName> = {
  float32: 'float32', float: 'float32', float64: 'float64', double: 'float64', float16: 'float16', half: 'float16',
  bfloat16: 'bfloat16', int64: 'int64', long: 'int64', int32: 'int32', int: 'int32', int16: 'int16', short: 'int16',
  int8: 'int8', uint8: 'uint8', bool: 'bool', complex64: 'complex64', complex128: 'complex128',
};

/** numpy.dtype as pickled: a type string such as 'f8' plus a byte order from its BUILD state. */
export class NpDtype implements PyStateful {
  byteorder = '=';
  constructor(readonly str: string) {}
  setState(state: unknown): void {
    if (Array.isArray(state) && state.length > 1) {
      const bo = pyStr(state[1]);
      if (bo !== null) this.byteorder = bo;
      if (state[2] !== null || state[3] !== null) this.byteorder = '?'; // subarray or structured: unsupported
    }
  }
  get bigEndian(): boolean { return this.byteorder === '>'; }
}

/** numpy.ndarray from numpy.core.multiarray._reconstruct + BUILD; becomes a Tensor. */
export class NpArray implements PyStateful {
  tensor: Tensor | null = null;
  constructor(private readonly file: string) {}
  setState(state: unknown): void {
    if (!Array.isArray(state) || state.length < 5) throw new SerializationError(`${this.file}: corrupt numpy array state`);
    const [, shapeV, dt, fortran, raw] = state as [unknown, unknown, unknown, unknown, unknown];
    this.fill(shapeV, dt, Boolean(fortran), raw);
  }

  fill(shapeV: unknown, dt: unknown, fortran: boolean, raw: unknown): this {
    if (!(dt instanceof NpDtype) || !Array.isArray(shapeV)) throw new SerializationError(`${this.file}: corrupt numpy array: no dtype or shape`);
    const shape = shapeV.map(Number);
    const dtype = npTensorDtype(dt, this.file);
    const bytes = rawBytes(raw, `numpy array of ${dt.str}`, this.file);
    const data = dt.bigEndian ? swapBytes(bytes, elementSize(dtype)) : bytes;
    // fortran order: the bytes are the transpose's row-major layout
    this.tensor = fortran
      ? fromBytes(data, [...shape].reverse(), dtype).permute([...shape.keys()].reverse()).contiguous()
      : fromBytes(data, shape, dtype);
    return this;
  }
}

const NP_DTYPES: Record<string, DTypeName> = {
  f8: 'float64', f4: 'float32', f2: 'float16', i8: 'int64', i4: 'int32', i2: 'int16', i1: 'int8', u1: 'uint8', b1: 'bool',
  c8: 'complex64', c16: 'complex128',
};
function npTensorDtype(dt: NpDtype, file: string): DTypeName {
  const d = NP_DTYPES[dt.str];
  if (!d || dt.byteorder === '?') throw new SerializationError(`${file}: numpy dtype '${dt.str}' is not supported`);
  return d;
}

function swapBytes(b: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(b.length);
  for (let i = 0; i < b.length; i += size) for (let k = 0; k < size; k++) out[i + k] = b[i + size - 1 - k]!;
  return out;
}

function rawBytes(v: unknown, what: string, file: string): Uint8Array {
  if (v instanceof Uint8Array) return v;
  if (v instanceof Py2Bytes) return v.bytes;
  if (typeof v === 'string') return latin1Bytes(v, file);
  throw new SerializationError(`${file}: ${what}: expected raw bytes, got ${typeName(v)}`);
}

/** bytearray(str, encoding): how Python 3 pickles a bytearray for protocols below 3. */
function latin1OrUtf8(a: unknown[], file: string): Uint8Array {
  const s = pyStr(a[0]);
  const enc = (pyStr(a[1]) ?? '').toLowerCase().replace('_', '-');
  if (s === null) throw new SerializationError(`${file}: bytearray() of a ${typeName(a[0])} is not supported`);
  if (enc === 'latin1' || enc === 'latin-1' || enc === 'iso-8859-1') return latin1Bytes(s, file);
  if (enc === 'utf-8' || enc === 'utf8') return new TextEncoder().encode(s);
  throw new SerializationError(`${file}: bytearray() with encoding '${enc}' is not supported`);
}

function latin1Bytes(s: string, file: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 255) throw new SerializationError(`${file}: _codecs.encode: character U+${c.toString(16)} is not latin-1`);
    out[i] = c;
  }
  return out;
}

/** numpy.core.multiarray.scalar(dtype, bytes): decoded from the bytes, never by running numpy. */
function npScalar(dt: unknown, raw: unknown, file: string): number | bigint | boolean {
  if (!(dt instanceof NpDtype)) throw new SerializationError(`${file}: numpy scalar without a numpy dtype`);
  const b = rawBytes(raw, `numpy scalar of ${dt.str}`, file);
  const kind = dt.str[0];
  const size = Number(dt.str.slice(1));
  if (b.length !== size || dt.byteorder === '?') throw new SerializationError(`${file}: numpy scalar of dtype '${dt.str}' has ${b.length} bytes`);
  const le = !dt.bigEndian;
  const v = new DataView(b.buffer, b.byteOffset, b.length);
  const int = (x: bigint): number | bigint =>
    x >= BigInt(Number.MIN_SAFE_INTEGER) && x <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(x) : x;
  switch (`${kind}${size}`) {
    case 'f8': return v.getFloat64(0, le);
    case 'f4': return v.getFloat32(0, le);
    case 'f2': return halfToNumber(v.getUint16(0, le));
    case 'i8': return int(v.getBigInt64(0, le));
    case 'u8': return int(v.getBigUint64(0, le));
    case 'i4': return v.getInt32(0, le);
    case 'u4': return v.getUint32(0, le);
    case 'i2': return v.getInt16(0, le);
    case 'u2': return v.getUint16(0, le);
    case 'i1': return v.getInt8(0);
    case 'u1': return v.getUint8(0);
    case 'b1': return v.getUint8(0) !== 0;
    default: throw new SerializationError(`${file}: numpy scalar of dtype '${dt.str}' is not supported`);
  }
}

function halfToNumber(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

function asInt(v: unknown, what: string, file: string): number {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  throw new SerializationError(`${file}: corrupt tensor record: ${what} is ${typeName(v)}, expected an int`);
}
function asIntList(v: unknown, what: string, file: string): number[] {
  if (!Array.isArray(v)) throw new SerializationError(`${file}: corrupt tensor record: ${what} is ${typeName(v)}, expected a tuple`);
  return v.map((x, i) => asInt(x, `${what}[${i}]`, file));
}

/** Python's tensor.requires_grad = v and Parameter(data, v): v must be a bool. */
function asBool(v: unknown, what: string, file: string): boolean {
  if (typeof v !== 'boolean') throw new SerializationError(`${file}: corrupt tensor record: ${what} must be a bool, got ${typeName(v)}`);
  return v;
}

function rebuildTensor(args: unknown[], file: string, requiresGradAt: number | null): PendingTensor {
  const [storage, offset, size, stride] = args;
  if (!(storage instanceof StorageRef)) throw new SerializationError(`${file}: corrupt tensor record: expected a storage, got ${typeName(storage)}`);
  const rg = requiresGradAt === null ? false : asBool(args[requiresGradAt], 'requires_grad', file);
  return new PendingTensor(storage, asInt(offset, 'storage offset', file), asIntList(size, 'size', file),
    asIntList(stride, 'stride', file), rg);
}

function asParameter(data: unknown, requiresGrad: unknown, file: string): PendingTensor {
  if (!(data instanceof PendingTensor)) throw new SerializationError(`${file}: corrupt Parameter record: data is ${typeName(data)}`);
  return new PendingTensor(data.storage, data.offset, data.size, data.stride, asBool(requiresGrad, 'requires_grad', file), true);
}

/** The items of a Python iterable argument (list, tuple, set, dict keys, str characters), or an error naming it. */
function iterate(v: unknown, what: string, file: string): unknown[] {
  if (Array.isArray(v)) return v;
  if (v instanceof PySet) return v.items;
  if (v instanceof PyDict) return [...v.keys()];
  const str = pyStr(v);
  if (str !== null) return [...str];
  if (v instanceof Uint8Array) return [...v];
  throw new SerializationError(`${file}: corrupt pickle: ${what} of a ${typeName(v)}, which is not iterable`);
}

/** collections.OrderedDict(items): from a dict, or from (key, value) pairs (protocols 0/1 pass a list of pairs). */
function orderedDict(args: unknown[], file: string): PyDict {
  const d = new PyDict(true);
  if (args.length === 0) return d;
  if (args[0] instanceof PyDict) {
    for (const [k, v] of args[0].entries()) d.set(k, v);
    return d;
  }
  iterate(args[0], 'OrderedDict()', file).forEach((kv, i) => {
    if (!Array.isArray(kv) || kv.length !== 2) {
      throw new SerializationError(`${file}: corrupt pickle: OrderedDict() update sequence element #${i} is not a (key, value) pair`);
    }
    d.set(kv[0], kv[1]);
  });
  return d;
}

/** collections.Counter(mapping or iterable): a dict of counts (MultiStepLR keeps its milestones in one). */
function counter(args: unknown[], file: string): PyDict {
  const d = new PyDict(false, true);
  if (args.length === 0 || args[0] === null) return d;
  if (args[0] instanceof PyDict) {
    for (const [k, v] of args[0].entries()) d.set(k, v);
    return d;
  }
  for (const x of iterate(args[0], 'Counter()', file)) {
    const n = d.get(x);
    d.set(x, (typeof n === 'number' ? n : 0) + 1);
  }
  return d;
}

function toSet(args: unknown[], frozen: boolean, file: string): PySet {
  return new PySet(args.length === 0 ? [] : iterate(args[0], frozen ? 'frozenset()' : 'set()', file), frozen);
}

const DEVICE_TYPES = /^(cpu|cuda|mkldnn|opengl|opencl|ideep|hip|ve|fpga|ort|xla|lazy|vulkan|mps|meta|hpu|privateuseone)(:(0|[1-9]\d{0,8}))?$/;

/** torch.device(type[, index]) as its string ('cpu', 'cuda:1'), checked as torch.device checks it. */
function device(args: unknown[], file: string): string {
  const t = pyStr(args[0]);
  if (t === null || !DEVICE_TYPES.test(t)) throw new SerializationError(`${file}: corrupt pickle: torch.device(${typeName(args[0])}): not a device string`);
  if (args.length < 2 || args[1] === null) return t;
  const index = args[1];
  if (typeof index !== 'number' || !Number.isInteger(index) || index < 0) throw new SerializationError(`${file}: corrupt pickle: torch.device index must be a non-negative int`);
  if (t.includes(':')) throw new SerializationError(`${file}: corrupt pickle: torch.device type (string) must not include an index because index was passed explicitly`);
  return `${t}:${index}`;
}

/** torch.Size(iterable of ints): a tuple. */
function size(args: unknown[], file: string): unknown[] {
  const items = args.length === 0 ? [] : iterate(args[0], 'torch.Size()', file);
  items.forEach((x, i) => {
    if (!(typeof x === 'boolean' || (typeof x === 'number' && Number.isInteger(x)) || typeof x === 'bigint')) {
      throw new SerializationError(`${file}: corrupt pickle: torch.Size() takes an iterable of 'int' (item ${i} is ${typeName(x)})`);
    }
  });
  return [...items];
}

const NP_DTYPE_STR = /^[biufcmMOSUV]\d{1,4}$/;

/** The whitelist for one file (errors name the file). */
export function makeGlobals(file: string): (module: string, name: string) => PyCallable {
  const table = new Map<string, PyCallable>();
  // functions, with the number of positional arguments their Python signature takes
  const fn = (q: string, f: (args: unknown[]) => unknown, arity: [number, number]): void => { table.set(q, new Fn(q, f, arity, file)); };
  // classes: cls(*args), and what cls.__new__(cls, *args) makes for NEWOBJ
  const cls = (q: string, f: (args: unknown[]) => unknown, arity: [number, number], make: (args: unknown[]) => unknown): void => {
    table.set(q, new Cls(q, f, arity, file, make));
  };

  cls('collections.OrderedDict', (a) => orderedDict(a, file), [0, 1], () => new PyDict(true));
  cls('collections.Counter', (a) => counter(a, file), [0, 1], () => new PyDict(false, true));
  fn('torch._utils._rebuild_tensor', (a) => rebuildTensor(a, file, null), [4, 4]);
  // PyTorch 2 passes a seventh argument, the tensor's metadata (conjugate bit...), only when there is some: it
  // cannot be applied here, and PyTorch 1.13 refuses it too
  fn('torch._utils._rebuild_tensor_v2', (a) => {
    if (a.length === 7) throw new SerializationError(`${file}: a tensor record carries PyTorch 2 tensor metadata (${typeName(a[6])}), which is not supported`);
    return rebuildTensor(a, file, 4);
  }, [6, 7]);
  fn('torch._utils._rebuild_parameter', (a) => asParameter(a[0], a[1], file), [3, 3]);
  fn('torch._utils._rebuild_parameter_with_state', (a) => asParameter(a[0], a[1], file), [4, 4]);
  const fromType = (a: unknown[]): unknown => {
    const [func, type, args] = a;
    if (!(func instanceof Fn) || !Array.isArray(args) || isPyList(args)) throw new SerializationError(`${file}: corrupt _rebuild_from_type record`);
    const made = func.call(args);
    if (!(type instanceof PyMarker) || type.kind !== 'tensorType') {
      throw new SerializationError(`refusing to load tensor subclass ${typeName(type)} from ${file}: only Tensor and Parameter are supported`);
    }
    if (type.qualname === 'torch.nn.parameter.Parameter' && made instanceof PendingTensor) {
      return asParameter(made, made.requiresGrad, file);
    }
    return made;
  };
  fn('torch._tensor._rebuild_from_type_v2', fromType, [4, 4]);
  fn('torch._tensor._rebuild_from_type', fromType, [4, 4]);
  for (const q of ['torch.Tensor', 'torch._tensor.Tensor', 'torch.nn.parameter.Parameter', 'torch.nn.Parameter']) {
    table.set(q, new PyMarker(q, 'tensorType'));
  }
  for (const [name, dtype] of Object.entries(STORAGE_DTYPES)) {
    table.set(`torch.${name}`, new PyMarker(`torch.${name}`, 'storage', dtype));
    table.set(`torch.cuda.${name}`, new PyMarker(`torch.cuda.${name}`, 'storage', dtype));
  }
  for (const [name, dtype] of Object.entries(TORCH_DTYPES)) table.set(`torch.${name}`, new PyMarker(`torch.${name}`, 'dtype', dtype));
  // torch.Size and torch.device values become tstorch's objects (checked as PyTorch's constructors check them)
  cls('torch.Size', (a) => new Size(size(a, file).map(Number)), [0, 1], (a) => new Size(size(a, file).map(Number)));
  cls('torch.device', (a) => torchDevice(device(a, file)), [1, 2], (a) => torchDevice(device(a, file)));
  for (const np of ['numpy.core.multiarray', 'numpy._core.multiarray']) {
    fn(`${np}.scalar`, (a) => npScalar(a[0], a[1], file), [1, 2]);
    fn(`${np}._reconstruct`, () => new NpArray(file), [3, 3]);
  }
  // pickle protocol 5 form of arrays: _frombuffer(bytes, dtype, shape, order)
  for (const np of ['numpy.core.numeric', 'numpy._core.numeric']) {
    fn(`${np}._frombuffer`, (a) => new NpArray(file).fill(a[2], a[1], pyStr(a[3]) === 'F', a[0]), [4, 4]);
  }
  const npDtype = (a: unknown[]): NpDtype => {
    const str = pyStr(a[0]);
    if (str === null || !NP_DTYPE_STR.test(str)) throw new SerializationError(`${file}: corrupt pickle: numpy data type ${str === null ? typeName(a[0]) : `'${str}'`} not understood`);
    return new NpDtype(str);
  };
  cls('numpy.dtype', npDtype, [1, 3], npDtype);
  table.set('numpy.ndarray', new PyMarker('numpy.ndarray', 'ndarray'));
  fn('_codecs.encode', (a) => {
    const s = pyStr(a[0]);
    const enc = (pyStr(a[1]) ?? 'utf-8').toLowerCase().replace('_', '-');
    if (s === null) throw new SerializationError(`${file}: _codecs.encode of a ${typeName(a[0])}`);
    if (enc === 'latin1' || enc === 'latin-1' || enc === 'iso-8859-1') return latin1Bytes(s, file);
    if (enc === 'utf-8' || enc === 'utf8') return new TextEncoder().encode(s);
    throw new SerializationError(`${file}: _codecs.encode with encoding '${enc}' is not supported`);
  }, [1, 3]);
  // bytes(b) and bytearray(b) of bytes; bytes(n) (n zero bytes) and the other forms are refused
  const bytesOf = (a: unknown[], what: string): Uint8Array => {
    if (a.length === 0) return new Uint8Array(0);
    if (a[0] instanceof Uint8Array) return a[0].slice(0);
    if (a[0] instanceof Py2Bytes) return a[0].bytes.slice(0);
    throw new SerializationError(`${file}: ${what} of a ${typeName(a[0])} is not supported`);
  };
  for (const b of ['builtins', '__builtin__']) {
    cls(`${b}.set`, (a) => toSet(a, false, file), [0, 1], () => new PySet([], false));
    cls(`${b}.frozenset`, (a) => toSet(a, true, file), [0, 1], (a) => toSet(a, true, file));
    cls(`${b}.bytes`, (a) => bytesOf(a, 'bytes()'), [0, 3], (a) => bytesOf(a, 'bytes()'));
    cls(`${b}.bytearray`, (a) => markByteArray(a.length >= 2 ? latin1OrUtf8(a, file) : bytesOf(a, 'bytearray()')), [0, 3], () => markByteArray(new Uint8Array(0)));
  }

  return (module: string, name: string): PyCallable => {
    const q = `${module}.${name}`;
    const found = table.get(q);
    if (found) return found;
    // a torch.nn or torchvision module class of a whole pickled model (see pickled-module.ts)
    const moduleClass = pickledModuleClass(q, file);
    if (moduleClass !== null) return moduleClass;
    const hint = module.startsWith('torch.nn.modules') || module === '__main__'
      ? ' (the file holds a whole pickled object such as an nn.Module: save model.state_dict() in Python and load that)'
      : '';
    throw new SerializationError(`refusing to load global '${q}' from ${file}: not a tensor or container constructor${hint}`);
  };
}
