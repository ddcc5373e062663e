// Data types as PyTorch's torch.dtype objects: `torch.float32` is one object (torch.float is the same one), it
// prints as `torch.float32`, and `x.dtype === torch.float32` compares as Python's `x.dtype == torch.float32`.
// Every function that takes a dtype also takes its name ('float32', 'float', 'torch.float32').
import { inspect } from 'node:util';

/** The names of the data types, as PyTorch names them (torch.float32 is 'float32'). */
export type DTypeName = 'float32' | 'float64' | 'float16' | 'bfloat16' | 'int64' | 'int32' | 'int16' | 'int8' | 'uint8'
  | 'bool' | 'complex64' | 'complex128';
/** The other names PyTorch gives them: torch.float, torch.long, torch.half ... */
export type DTypeAlias = 'float' | 'double' | 'half' | 'long' | 'int' | 'short' | 'byte' | 'char' | 'cfloat' | 'cdouble';

/** A dtype, or a name of one: what every `dtype` argument accepts. */
export type DTypeLike = DType | DTypeName | DTypeAlias | `torch.${DTypeName | DTypeAlias}`;

/** torch.dtype. One object per data type; compare with `===`. */
export class DType {
  /** The name: 'float32', 'int64' ... (`String(dtype)` is PyTorch's 'torch.float32'). */
  readonly name: DTypeName;
  /** The code of the type in c10::ScalarType (what the addon takes). */
  readonly code: number;
  /** Bytes per element. */
  readonly itemsize: number;
  readonly isFloatingPoint: boolean;
  readonly isComplex: boolean;
  readonly isSigned: boolean;

  /** @internal dtypes are made once, here; use the exported constants (torch.float32) or torch.dtype('float32'). */
  constructor(name: DTypeName, code: number, itemsize: number) {
    this.name = name;
    this.code = code;
    this.itemsize = itemsize;
    this.isFloatingPoint = name === 'float32' || name === 'float64' || name === 'float16' || name === 'bfloat16';
    this.isComplex = name === 'complex64' || name === 'complex128';
    this.isSigned = name !== 'uint8' && name !== 'bool';
    Object.freeze(this);
  }

  /** PyTorch's str(torch.float32): 'torch.float32'. */
  toString(): string { return `torch.${this.name}`; }
  toJSON(): string { return this.toString(); }
  [inspect.custom](): string { return this.toString(); }
}

export const uint8 = new DType('uint8', 0, 1);
export const int8 = new DType('int8', 1, 1);
export const int16 = new DType('int16', 2, 2);
export const int32 = new DType('int32', 3, 4);
export const int64 = new DType('int64', 4, 8);
export const float16 = new DType('float16', 5, 2);
export const float32 = new DType('float32', 6, 4);
export const float64 = new DType('float64', 7, 8);
export const complex64 = new DType('complex64', 9, 8);
export const complex128 = new DType('complex128', 10, 16);
export const bool = new DType('bool', 11, 1);
export const bfloat16 = new DType('bfloat16', 15, 2);
// PyTorch's aliases are the same objects (torch.float is torch.float32).
export const float = float32, double = float64, half = float16, long = int64, int = int32, short = int16,
  byte = uint8, char = int8, cfloat = complex64, cdouble = complex128;

const ALL = [uint8, int8, int16, int32, int64, float16, float32, float64, complex64, complex128, bool, bfloat16];
const BY_NAME = new Map<string, DType>(ALL.map((d) => [d.name, d]));
const ALIASES: Record<DTypeAlias, DType> = {
  float: float32, double: float64, half: float16, long: int64, int: int32, short: int16, byte: uint8, char: int8,
  cfloat: complex64, cdouble: complex128,
};
for (const [k, v] of Object.entries(ALIASES)) BY_NAME.set(k, v);
const BY_CODE = new Map<number, DType>(ALL.map((d) => [d.code, d]));

/** The dtype object for a dtype or a name ('float32', 'float', 'torch.float32'); an unknown name is an error. */
export function normalizeDtype(d: DTypeLike): DType {
  if (d instanceof DType) return d;
  if (typeof d === 'string') {
    const found = BY_NAME.get(d.startsWith('torch.') ? d.slice(6) : d);
    if (found !== undefined) return found;
  }
  throw new TypeError(`unknown dtype ${typeof d === 'string' ? `'${d}'` : String(d)}: expected a torch dtype (torch.float32) or one of ${[...BY_NAME.keys()].join(', ')}`);
}
/** torch.dtype, the class of the dtype objects (`x.dtype instanceof torch.dtype`). */
export { DType as dtype };

export function dtypeCode(d: DTypeLike): number {
  return normalizeDtype(d).code;
}

export function dtypeFromCode(code: number): DType {
  const d = BY_CODE.get(code);
  if (!d) throw new TypeError(`unsupported scalar type code ${code}`);
  return d;
}

export function elementSize(d: DTypeLike): number {
  return normalizeDtype(d).itemsize;
}

export function isFloatingPoint(d: DTypeLike): boolean {
  return normalizeDtype(d).isFloatingPoint;
}

export function isComplex(d: DTypeLike): boolean {
  return normalizeDtype(d).isComplex;
}

export type AnyTypedArray = Float32Array | Float64Array | BigInt64Array | Int32Array | Int16Array | Int8Array | Uint8Array
  | Uint16Array | Uint8ClampedArray | Uint32Array | BigUint64Array;

/** A TypedArray view over raw bytes of the given dtype (float16/bfloat16 as their raw 16-bit patterns). */
export function typedArrayOf(d: DTypeLike, buf: ArrayBufferLike, byteOffset = 0, length?: number): AnyTypedArray {
  const t = normalizeDtype(d);
  const n = length ?? (buf.byteLength - byteOffset) / t.itemsize;
  switch (t.name) {
    case 'float32': return new Float32Array(buf, byteOffset, n);
    case 'float64': return new Float64Array(buf, byteOffset, n);
    case 'int64': return new BigInt64Array(buf, byteOffset, n);
    case 'int32': return new Int32Array(buf, byteOffset, n);
    case 'int16': return new Int16Array(buf, byteOffset, n);
    case 'int8': return new Int8Array(buf, byteOffset, n);
    case 'uint8': case 'bool': return new Uint8Array(buf, byteOffset, n);
    case 'float16': case 'bfloat16': return new Uint16Array(buf, byteOffset, n);
    case 'complex64': return new Float32Array(buf, byteOffset, n * 2);
    case 'complex128': return new Float64Array(buf, byteOffset, n * 2);
  }
}

/** The dtype a TypedArray holds, when it is unambiguous. */
export function dtypeOfTypedArray(a: ArrayBufferView): DType {
  if (a instanceof Float32Array) return float32;
  if (a instanceof Float64Array) return float64;
  if (a instanceof BigInt64Array) return int64;
  if (a instanceof Int32Array) return int32;
  if (a instanceof Int16Array) return int16;
  if (a instanceof Int8Array) return int8;
  if (a instanceof Uint8Array || a instanceof Uint8ClampedArray) return uint8;
  throw new TypeError(`cannot infer a dtype from ${a.constructor.name}; pass {dtype}`);
}

// Memory formats and layouts, as c10 codes.
export const MEMORY_FORMAT = { contiguous: 0, preserve: 1, channelsLast: 2, channelsLast3d: 3 } as const;
export type MemoryFormat = keyof typeof MEMORY_FORMAT;

/** The code of a memory format name; an unknown name (e.g. Python's 'channels_last') is an error naming the valid ones. */
export function memoryFormatCode(name: MemoryFormat): number {
  if (typeof name !== 'string' || !Object.hasOwn(MEMORY_FORMAT, name)) {
    throw new TypeError(`memoryFormat must be one of ${Object.keys(MEMORY_FORMAT).map((k) => `'${k}'`).join(', ')} (torch.contiguous_format, preserve_format, channels_last, channels_last_3d), got ${typeof name === 'string' ? `'${name}'` : String(name)}`);
  }
  return MEMORY_FORMAT[name];
}
