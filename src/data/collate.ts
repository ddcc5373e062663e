// default_collate and default_convert of torch.utils.data: how a list of samples becomes a batch.
import { withArgs } from '../args.js';
import { Tensor } from '../tensor.js';
import { stack, tensor, fromTypedArray } from '../creation.js';
import { dtypeOfTypedArray } from '../dtype.js';

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v !== 'object') return typeof v;
  return (v as object).constructor?.name ?? 'Object';
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object') return false;
  const p = Object.getPrototypeOf(v);
  return p === Object.prototype || p === null;
}

function isTypedArray(v: unknown): v is ArrayBufferView & ArrayLike<number | bigint> {
  return ArrayBuffer.isView(v) && !(v instanceof DataView);
}

const ERR = 'default_collate: batch must contain tensors, typed arrays, numbers, booleans, strings, plain objects, Maps or arrays';

/**
 * PyTorch's default_collate: tensors are stacked along a new first dimension; numbers become a tensor (int64
 * when every number is an integer, float64 otherwise: JavaScript cannot tell 1 from 1.0); booleans a bool
 * tensor; bigints int64; typed arrays are stacked like numpy arrays; strings stay a list; arrays (tuples),
 * plain objects and Maps are collated element by element.
 */
/** torch.utils.data.default_collate(batch) */
export const defaultCollate = withArgs('defaultCollate', 'torch.utils.data.default_collate', 'batch:dict', defaultCollateImpl);
function defaultCollateImpl(batch: readonly unknown[]): any {
  if (batch.length === 0) throw new RangeError('default_collate: the batch is empty');
  const elem = batch[0];
  if (elem instanceof Tensor) {
    batch.forEach((b, i) => {
      if (!(b instanceof Tensor)) throw new TypeError(`default_collate: batch[0] is a Tensor but batch[${i}] is ${typeName(b)}`);
    });
    return stack(batch as Tensor[], 0);
  }
  if (typeof elem === 'number') {
    const nums = batch as number[];
    batch.forEach((b, i) => {
      if (typeof b !== 'number') throw new TypeError(`default_collate: batch[0] is a number but batch[${i}] is ${typeName(b)}`);
    });
    return nums.every(Number.isInteger)
      ? tensor(BigInt64Array.from(nums, (v) => BigInt(v)))
      : tensor(Float64Array.from(nums));
  }
  if (typeof elem === 'bigint') return tensor(BigInt64Array.from(batch as bigint[]));
  if (typeof elem === 'boolean') return tensor(batch as boolean[]);
  if (typeof elem === 'string') return [...batch];
  if (isTypedArray(elem)) {
    const n = elem.length;
    const Ctor = elem.constructor as new (len: number) => ArrayBufferView & { set(a: ArrayLike<number | bigint>, off: number): void };
    const out = new Ctor(n * batch.length);
    batch.forEach((b, i) => {
      if (!isTypedArray(b) || b.constructor !== elem.constructor || b.length !== n) {
        throw new TypeError(`default_collate: batch[${i}] is not a ${elem.constructor.name} of length ${n} like batch[0]`);
      }
      out.set(b, i * n);
    });
    return fromTypedArray(out, [batch.length, n], dtypeOfTypedArray(elem));
  }
  if (Array.isArray(elem)) {
    const n = elem.length;
    batch.forEach((b, i) => {
      if (!Array.isArray(b) || b.length !== n) {
        throw new RangeError(`default_collate: each element in list of batch should be of equal size (batch[0] has ${n}, batch[${i}] ${Array.isArray(b) ? b.length : typeName(b)})`);
      }
    });
    return elem.map((_, k) => defaultCollate(batch.map((b) => (b as unknown[])[k])));
  }
  if (elem instanceof Map) {
    const out = new Map<unknown, unknown>();
    for (const key of elem.keys()) out.set(key, defaultCollate(batch.map((b) => (b as Map<unknown, unknown>).get(key))));
    return out;
  }
  if (isPlainObject(elem)) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(elem)) {
      out[key] = defaultCollate(batch.map((b, i) => {
        if (!isPlainObject(b) || !(key in b)) throw new TypeError(`default_collate: batch[${i}] has no key '${key}' that batch[0] has`);
        return b[key];
      }));
    }
    return out;
  }
  throw new TypeError(`${ERR}; found ${typeName(elem)}`);
}

/** PyTorch's default_convert (used when batching is off): typed arrays become tensors, containers are walked. */
/** torch.utils.data.default_convert(data) */
export const defaultConvert = withArgs('defaultConvert', 'torch.utils.data.default_convert', 'data:dict', defaultConvertImpl);
function defaultConvertImpl(data: unknown): any {
  if (data instanceof Tensor) return data;
  if (isTypedArray(data)) return fromTypedArray(data, [data.length], dtypeOfTypedArray(data));
  if (Array.isArray(data)) return data.map((d) => defaultConvertImpl(d));
  if (data instanceof Map) return new Map([...data].map(([k, v]) => [k, defaultConvert(v)]));
  if (isPlainObject(data)) return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, defaultConvert(v)]));
  return data;
}
