// Data types, named as PyTorch names them (torch.float32 is 'float32'), and their codes in c10::ScalarType.

export type DType = 'float32' | 'float64' | 'float16' | 'bfloat16' | 'int64' | 'int32' | 'int16' | 'int8' | 'uint8' | 'bool'
  | 'complex64' | 'complex128';

const CODES: Record<DType, number> = {
  uint8: 0, int8: 1, int16: 2, int32: 3, int64: 4, float16: 5, float32: 6, float64: 7,
  complex64: 9, complex128: 10, bool: 11, bfloat16: 15,
};
const BY_CODE = new Map<number, DType>(Object.entries(CODES).map(([k, v]) => [v, k as DType]));

const SIZES: Record<DType, number> = {
  uint8: 1, int8: 1, int16: 2, int32: 4, int64: 8, float16: 2, float32: 4, float64: 8, complex64: 8,
  complex128: 16, bool: 1, bfloat16: 2,
};

/** Aliases PyTorch accepts: torch.float, torch.long, torch.half ... */
const ALIASES: Record<string, DType> = {
  float: 'float32', double: 'float64', half: 'float16', long: 'int64', int: 'int32', short: 'int16',
  byte: 'uint8', char: 'int8', cfloat: 'complex64', cdouble: 'complex128',
};

export function normalizeDtype(d: string): DType {
  const s = d.startsWith('torch.') ? d.slice(6) : d;
  if (s in CODES) return s as DType;
  if (s in ALIASES) return ALIASES[s]!;
  throw new TypeError(`unknown dtype '${d}': expected one of ${Object.keys(CODES).join(', ')}`);
}

export function dtypeCode(d: DType | string): number {
  return CODES[normalizeDtype(d)];
}

export function dtypeFromCode(code: number): DType {
  const d = BY_CODE.get(code);
  if (!d) throw new TypeError(`unsupported scalar type code ${code}`);
  return d;
}

export function elementSize(d: DType): number {
  return SIZES[d];
}

export function isFloatingPoint(d: DType): boolean {
  return d === 'float32' || d === 'float64' || d === 'float16' || d === 'bfloat16';
}

export function isComplex(d: DType): boolean {
  return d === 'complex64' || d === 'complex128';
}

export type TypedArrayFor<D extends DType> = D extends 'float32' ? Float32Array
  : D extends 'float64' ? Float64Array
  : D extends 'int64' ? BigInt64Array
  : D extends 'int32' ? Int32Array
  : D extends 'int16' ? Int16Array
  : D extends 'int8' ? Int8Array
  : D extends 'uint8' | 'bool' ? Uint8Array
  : D extends 'float16' | 'bfloat16' ? Uint16Array
  : Float32Array | Float64Array;

export type AnyTypedArray = Float32Array | Float64Array | BigInt64Array | Int32Array | Int16Array | Int8Array | Uint8Array
  | Uint16Array | Uint8ClampedArray | Uint32Array | BigUint64Array;

/** A TypedArray view over raw bytes of the given dtype (float16/bfloat16 as their raw 16-bit patterns). */
export function typedArrayOf(d: DType, buf: ArrayBuffer, byteOffset = 0, length?: number): AnyTypedArray {
  const n = length ?? (buf.byteLength - byteOffset) / SIZES[d];
  switch (d) {
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
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Float64Array) return 'float64';
  if (a instanceof BigInt64Array) return 'int64';
  if (a instanceof Int32Array) return 'int32';
  if (a instanceof Int16Array) return 'int16';
  if (a instanceof Int8Array) return 'int8';
  if (a instanceof Uint8Array || a instanceof Uint8ClampedArray) return 'uint8';
  throw new TypeError(`cannot infer a dtype from ${a.constructor.name}; pass {dtype}`);
}

// Memory formats and layouts, as c10 codes.
export const MEMORY_FORMAT = { contiguous: 0, preserve: 1, channelsLast: 2, channelsLast3d: 3 } as const;
export type MemoryFormat = keyof typeof MEMORY_FORMAT;
