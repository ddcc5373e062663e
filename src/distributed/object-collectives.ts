// torch.distributed's object collectives (broadcast_object_list, all_gather_object, gather_object) for
// JSON-able values: numbers, strings, booleans, null, arrays and plain objects. As in PyTorch 1.13, each
// object travels as its pickle in a uint8 tensor, sizes first (int64), so a PyTorch rank in the same group
// sends and receives the same bytes. Pickles from other ranks are read by tstorch's safe unpickler, which
// builds data only: a pickle naming any Python class or function is refused.
import { Tensor } from '../tensor.js';
import { empty, zeros, tensor as makeTensor, cat } from '../creation.js';
import { Pickler } from '../serialization/pickle-writer.js';
import { Unpickler, PyDict, Py2Bytes, typeName } from '../serialization/pickle-reader.js';
import { Cursor, MemorySource } from '../serialization/byte-source.js';
import { allGather, broadcast, gather, getRank, getWorldSize } from './distributed-c10d.js';
import type { GroupArg } from './process-group.js';
import { NON_GROUP_MEMBER } from './process-group.js';
import { DistributedError } from './work.js';
import { bindOwn, registerSignature, type PyRest } from '../args.js';

// PyTorch's argument binding (src/args.ts) for this module's functions: an extra positional argument or an
// unknown keyword is a TypeError naming it.
registerSignature(allGatherObject, 'allGatherObject', 'torch.distributed.all_gather_object', 'objectList, obj:dict; group');
registerSignature(broadcastObjectList, 'broadcastObjectList', 'torch.distributed.broadcast_object_list', 'objectList; src, group');
registerSignature(gatherObject, 'gatherObject', 'torch.distributed.gather_object', 'obj:dict; objectGatherList, dst, group');

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

function checkJson(v: unknown, path: string, what: string): void {
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new TypeError(`${what}: ${path} is ${v}, which is not JSON-able`);
    return;
  }
  if (Array.isArray(v)) {
    v.forEach((x, i) => checkJson(x, `${path}[${i}]`, what));
    return;
  }
  if (typeof v === 'object' && (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null)) {
    for (const [k, x] of Object.entries(v)) checkJson(x, `${path}.${k}`, what);
    return;
  }
  const kind = typeof v === 'object' ? (v as object).constructor?.name ?? 'object' : typeof v;
  throw new TypeError(`${what}: ${path} is a ${kind}; object collectives carry JSON-able values only (numbers, strings, booleans, null, arrays, plain objects)`);
}

function toBytesTensor(obj: unknown, what: string): { data: Tensor; size: Tensor } {
  checkJson(obj, 'the object', what);
  const bytes = new Pickler().dump(obj);
  return { data: makeTensor(bytes, { dtype: 'uint8' }), size: makeTensor([BigInt(bytes.length)], { dtype: 'int64' }) };
}

// Pickled data to a JSON-able value: dicts with string keys become plain objects, tuples and lists arrays.
function fromPython(v: unknown, path: string): JsonValue {
  if (v === null || typeof v === 'boolean' || typeof v === 'string' || typeof v === 'number') return v as JsonValue;
  if (typeof v === 'bigint') {
    if (v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(v);
    throw new DistributedError(`object collective: ${path} is the integer ${v}, beyond JavaScript's exact range`);
  }
  if (v instanceof Py2Bytes) return v.toString();
  if (Array.isArray(v)) return v.map((x, i) => fromPython(x, `${path}[${i}]`));
  if (v instanceof PyDict) {
    const out: { [key: string]: JsonValue } = {};
    for (const [k, x] of v.entries()) {
      if (typeof k !== 'string') throw new DistributedError(`object collective: ${path} has a ${typeName(k)} key; only string keys make a JSON object`);
      out[k] = fromPython(x, `${path}.${k}`);
    }
    return out;
  }
  throw new DistributedError(`object collective: ${path} is a Python ${typeName(v)}, which is not JSON-able`);
}

function fromBytesTensor(t: Tensor, size: number, rank: number): JsonValue {
  const bytes = new Uint8Array((t.dataSync() as Uint8Array).subarray(0, size));
  const name = `<object from rank ${rank}>`;
  const un = new Unpickler(new Cursor(new MemorySource(bytes, name)), {
    findGlobal(module: string, n: string): never {
      throw new DistributedError(`${name}: the pickle names ${module}.${n}; object collectives accept JSON-able values only and never run code`);
    },
  });
  return fromPython(un.load(), 'the object');
}

function sizesOf(t: Tensor): number[] {
  return Array.from(t.dataSync() as BigInt64Array, Number);
}

/**
 * Python's broadcast_object_list: every rank's `objectList` receives `src`'s entries (in place; the list
 * must have the same length everywhere). Returns the list.
 */
export function broadcastObjectList<T extends JsonValue>(objectList: T[], ...rest: PyRest<{ src?: number; group?: GroupArg }, ['src', 'group']>): T[];
export function broadcastObjectList<T extends JsonValue>(...args: unknown[]): T[] {
  const [objectList, opts = {}] = bindOwn(broadcastObjectList, args) as [T[], { src?: number; group?: GroupArg }?];
  if (opts.group === NON_GROUP_MEMBER) return objectList;
  if (!Array.isArray(objectList)) throw new TypeError('broadcastObjectList: objectList must be an array');
  const src = opts.src ?? 0;
  const myRank = getRank();
  let sizes: Tensor;
  let data: Tensor;
  let parts: { data: Tensor; size: Tensor }[] = [];
  if (myRank === src) {
    parts = objectList.map((o) => toBytesTensor(o, 'broadcastObjectList'));
    sizes = cat(parts.map((p) => p.size));
  } else {
    sizes = empty([objectList.length], { dtype: 'int64' });
  }
  broadcast(sizes, src, { group: opts.group });
  const sizeList = sizesOf(sizes);
  if (myRank === src) data = cat(parts.map((p) => p.data));
  else data = empty([sizeList.reduce((a, b) => a + b, 0)], { dtype: 'uint8' });
  broadcast(data, src, { group: opts.group });
  if (myRank !== src) {
    let offset = 0;
    sizeList.forEach((n, i) => {
      objectList[i] = fromBytesTensor(data.slice(0, offset, offset + n), n, src) as T;
      offset += n;
    });
  }
  return objectList;
}

// The padded pickles of every rank, as all_gather_object and gather_object exchange them: first every
// rank's size, then the bytes padded to the largest.
function paddedPickle(obj: unknown, groupSize: number, what: string, group: GroupArg): { input: Tensor; sizes: number[]; max: number } {
  const { data, size } = toBytesTensor(obj, what);
  const sizeTensors = Array.from({ length: groupSize }, () => zeros([1], { dtype: 'int64' }));
  allGather(sizeTensors, size, { group });
  const sizes = sizeTensors.map((t) => sizesOf(t)[0]!);
  const max = Math.max(...sizes);
  const input = zeros([max], { dtype: 'uint8' });
  input.slice(0, 0, data.shape[0]!).copy_(data);
  return { input, sizes, max };
}

/** Python's all_gather_object: `objectList[i]` receives rank i's `obj` (in place). Returns the list. */
export function allGatherObject<T extends JsonValue>(objectList: T[], obj: T, ...rest: PyRest<{ group?: GroupArg }, ['group']>): T[];
export function allGatherObject<T extends JsonValue>(...args: unknown[]): T[] {
  const [objectList, obj, opts = {}] = bindOwn(allGatherObject, args) as [T[], T, { group?: GroupArg }?];
  if (opts.group === NON_GROUP_MEMBER) return objectList;
  const groupSize = getWorldSize(opts.group);
  const { input, sizes, max } = paddedPickle(obj, groupSize, 'allGatherObject', opts.group);
  const coalesced = empty([max * groupSize], { dtype: 'uint8' });
  const outputs = Array.from({ length: groupSize }, (_, i) => coalesced.slice(0, max * i, max * (i + 1)));
  allGather(outputs, input, { group: opts.group });
  outputs.forEach((t, i) => { objectList[i] = fromBytesTensor(t, sizes[i]!, i) as T; });
  return objectList;
}

/** Python's gather_object: on `dst`, `objectGatherList[i]` receives rank i's `obj`. */
export function gatherObject<T extends JsonValue>(obj: T, ...rest: PyRest<{ objectGatherList?: T[] | null; dst?: number; group?: GroupArg }, ['objectGatherList', 'dst', 'group']>): T[] | null;
export function gatherObject<T extends JsonValue>(...args: unknown[]): T[] | null {
  const [obj, opts = {}] = bindOwn(gatherObject, args) as [T, { objectGatherList?: T[] | null; dst?: number; group?: GroupArg }?];
  if (opts.group === NON_GROUP_MEMBER) return null;
  const dst = opts.dst ?? 0;
  const myRank = getRank();
  if (dst === myRank && !opts.objectGatherList) throw new DistributedError('Argument ``gather_list`` must be specified on destination rank.');
  if (dst !== myRank && opts.objectGatherList) throw new DistributedError('Argument ``gather_list`` must NOT be specified on non-destination ranks.');
  const groupSize = getWorldSize(opts.group);
  const { input, sizes, max } = paddedPickle(obj, groupSize, 'gatherObject', opts.group);
  let outputs: Tensor[] = [];
  if (myRank === dst) {
    const coalesced = empty([max * groupSize], { dtype: 'uint8' });
    outputs = Array.from({ length: groupSize }, (_, i) => coalesced.slice(0, max * i, max * (i + 1)));
  }
  gather(input, { gatherList: myRank === dst ? outputs : null, dst, group: opts.group });
  if (myRank !== dst) return null;
  const list = opts.objectGatherList!;
  outputs.forEach((t, i) => { list[i] = fromBytesTensor(t, sizes[i]!, i) as T; });
  return list;
}
