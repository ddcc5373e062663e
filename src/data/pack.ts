// Samples and batches cross from a worker thread to the main thread as plain data: tensors cannot (their
// memory belongs to the worker's addon instance), so each becomes its raw bytes, shape and dtype, and the
// bytes' ArrayBuffer is transferred rather than copied. Everything else goes through structured clone.
import { Tensor } from '../tensor.js';
import { fromBytes } from '../creation.js';
import { native } from '../native/binding.js';
import type { DTypeName } from '../dtype.js';

const TAG = '__tstorchPackedTensor';

interface PackedTensor { [TAG]: true; bytes: ArrayBuffer; shape: number[]; dtype: DTypeName }

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object') return false;
  const p = Object.getPrototypeOf(v);
  return p === Object.prototype || p === null;
}

/** `value` with every Tensor replaced by its bytes (appended to `transfer`). */
export function pack(value: unknown, transfer: ArrayBuffer[]): unknown {
  if (value instanceof Tensor) {
    if (value.device.type !== 'cpu') throw new TypeError(`DataLoader worker: a sample holds a tensor on ${value.device}; workers return CPU tensors (move them in the main thread)`);
    const bytes = native.toBytes(value._h);
    transfer.push(bytes);
    return { [TAG]: true, bytes, shape: [...value.shape], dtype: value.dtype.name } satisfies PackedTensor;
  }
  if (Array.isArray(value)) return value.map((v) => pack(v, transfer));
  if (value instanceof Map) return new Map([...value].map(([k, v]) => [k, pack(v, transfer)]));
  if (isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, pack(v, transfer)]));
  return value;
}

/** The inverse of pack, in the receiving thread. */
export function unpack(value: unknown): unknown {
  if (isPlainObject(value)) {
    if (value[TAG] === true) {
      const p = value as unknown as PackedTensor;
      return fromBytes(new Uint8Array(p.bytes), p.shape, p.dtype);
    }
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unpack(v)]));
  }
  if (Array.isArray(value)) return value.map(unpack);
  if (value instanceof Map) return new Map([...value].map(([k, v]) => [k, unpack(v)]));
  return value;
}
