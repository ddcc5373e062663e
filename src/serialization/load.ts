// torch.load: PyTorch checkpoints of both formats, the zip format (PyTorch >= 1.6) and the legacy pickle
// format (older .pth/.pt/.tar files), into JavaScript values and Tensors. Tensors that were views of one
// storage in Python are views of one storage here (asStrided over a single tensor per storage).
import { fromBytes, fromTypedArray } from '../creation.js';
import { DType, type DTypeName, elementSize, normalizeDtype } from '../dtype.js';
import { Size } from '../size.js';
import { PyModuleClass, PyModuleInstance, rebuildModule } from './pickled-module.js';
import { Device } from '../device.js';
import { Tensor, checkDevice } from '../tensor.js';
import { Parameter } from '../nn/parameter.js';
import { cuda } from '../config.js';
import { type ByteSource, Cursor, FileSource, MemorySource, SerializationError } from './byte-source.js';
import { ZipReader, isZip } from './zip.js';
import { Unpickler, PyDict, PySet, Py2Bytes, pyStr, typeName, MAX_DEPTH } from './pickle-reader.js';
import { makeGlobals, RootStorage, StorageRef, PendingTensor, PyMarker, NpArray, NpDtype } from './python-objects.js';
import { consumePrefixInStateDict, setStateDictMetadata, type StateDictMetadata } from './state-dict.js';
import { bindOwn, registerSignature } from '../args.js';

// PyTorch's argument binding (src/args.ts) for this module's functions: an extra positional argument or an
// unknown keyword is a TypeError naming it.
registerSignature(loadFromSource, 'loadFromSource', 'tstorch.serialization.loadFromSource', 'src:dict; *, mapLocation, stripPrefix');

export type MapLocation = string | Record<string, string> | ((location: string) => string);

export interface LoadOptions {
  /**
   * Where tensors go, as torch.load's map_location: a device ('cpu', 'cuda:0'), a table from saved
   * locations to devices ({'cuda:0': 'cpu'}), or a function of the saved location. By default tensors go
   * back to the device they were saved from, as in PyTorch.
   */
  mapLocation?: MapLocation;
  /**
   * Removes this prefix from the keys of the loaded dict (as consumePrefixInStateDict), e.g. 'module.' for
   * checkpoints saved from nn.DataParallel. Applies to the top-level dict only.
   */
  stripPrefix?: string;
}

const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;
const LEGACY_PROTOCOL = 1001;

function targetDevice(location: string, map: MapLocation | undefined, file = '<bytes>'): string {
  let dev: string;
  if (map === undefined) dev = location;
  else if (typeof map === 'string') dev = map;
  else if (typeof map === 'function') dev = map(location);
  else dev = map[location] ?? location;
  if (dev === 'cuda') dev = 'cuda:0';
  if (dev.startsWith('cuda') && !cuda.isAvailable()) {
    throw new SerializationError(
      `Attempting to deserialize object on a CUDA device ('${location}') but CUDA is not available. `
      + "If you are running on a CPU-only machine, pass {mapLocation: 'cpu'} to torch.load.");
  }
  try {
    return String(checkDevice(dev));
  } catch (e) {
    throw new SerializationError(`${file}: don't know how to restore a storage tagged with location '${location}'${dev !== location ? ` (mapped to '${dev}')` : ''}: ${(e as Error).message}`);
  }
}

/** Ties a storage reader to the pickle's objects: builds the Tensors once storages can be read. */
class Materializer {
  private cache = new Map<object, unknown>();
  constructor(
    private readonly file: string, private readonly map: MapLocation | undefined,
    private readonly readStorage: (root: RootStorage) => Uint8Array) {}

  storageTensor(root: RootStorage): Tensor {
    if (root.tensor === null) {
      const bytes = this.readStorage(root);
      const need = root.numel * elementSize(root.dtype);
      if (bytes.byteLength !== need) {
        throw new SerializationError(`${this.file}: storage '${root.key}' has ${bytes.byteLength} bytes; ${root.numel} elements of ${root.dtype} need ${need}`);
      }
      // A storage read into memory of its own (every stored entry above a few KiB: FileSource reads each into a
      // fresh ArrayBuffer) becomes the tensor's memory as it is, as PyTorch reads a record straight into its
      // storage; smaller reads may share Node's buffer pool, so they are copied.
      const own = bytes.byteOffset === 0 && bytes.buffer instanceof ArrayBuffer && bytes.buffer.byteLength === bytes.byteLength;
      let t = own ? fromTypedArray(bytes, [root.numel], root.dtype) : fromBytes(bytes, [root.numel], root.dtype);
      const dev = root.device ?? targetDevice(root.location, this.map, this.file);
      if (dev !== 'cpu') t = t.to(dev);
      root.tensor = t;
    }
    return root.tensor;
  }

  private tensor(p: PendingTensor): Tensor {
    const root = p.storage.root;
    const offset = p.storage.offset + p.offset;
    const numel = p.size.reduce((a, b) => a * b, 1);
    if (p.size.length !== p.stride.length || p.size.some((s) => s < 0) || p.stride.some((s) => s < 0)) {
      throw new SerializationError(`${this.file}: corrupt tensor record: size [${p.size}] with stride [${p.stride}]`);
    }
    const last = numel === 0 ? offset : offset + p.size.reduce((acc, s, i) => acc + (s - 1) * p.stride[i]!, 0);
    if (offset < 0 || (numel > 0 && last >= root.numel)) {
      throw new SerializationError(`${this.file}: corrupt tensor record: a tensor of size [${p.size}], stride [${p.stride}] at offset ${offset} overruns storage '${root.key}' of ${root.numel} elements`);
    }
    // detach: the result shares the storage but is not an autograd view of the whole-storage tensor
    const t = this.storageTensor(root).asStrided(p.size, p.stride, offset).detach();
    try {
      if (p.parameter) return new Parameter(t, p.requiresGrad);
      if (p.requiresGrad) t.requiresGrad_(true);
    } catch (e) {
      throw new SerializationError(`${this.file}: corrupt tensor record: a ${t.dtype} tensor with requires_grad: ${(e as Error).message}`);
    }
    return t;
  }

  /**
   * The JavaScript value of a parsed object. Shared objects stay shared (each is converted once), and nesting
   * deeper than MAX_DEPTH, which Python's own pickler cannot write, is an error rather than a stack overflow.
   */
  resolve(v: unknown, depth = 0): unknown {
    if (v === null || typeof v !== 'object') return v;
    if (v instanceof Py2Bytes) return v.toString();
    if (v instanceof Uint8Array || v instanceof Size || v instanceof Device || v instanceof DType) return v;
    const hit = this.cache.get(v);
    if (hit !== undefined) return hit;
    if (depth >= MAX_DEPTH) throw new SerializationError(`${this.file}: containers nested more than ${MAX_DEPTH} levels deep`);
    if (Array.isArray(v)) {
      this.cache.set(v, v); // before the elements: lists may contain themselves
      for (let i = 0; i < v.length; i++) v[i] = this.resolve(v[i], depth + 1);
      return v;
    }
    if (v instanceof PyDict) {
      if (keepsOrderAsObject(v)) {
        const o: Record<string, unknown> = {};
        this.cache.set(v, o);
        for (const [k, x] of v.entries()) {
          // defineProperty: a key such as "__proto__" is data, never the prototype
          Object.defineProperty(o, k as string, { value: this.resolve(x, depth + 1), enumerable: true, writable: true, configurable: true });
        }
        // A state dict's OrderedDict._metadata (module versions by prefix): kept as Module.stateDict() keeps it,
        // so that loaders can read it and torch.save writes it back.
        if (v.attributes !== null && v.attributes.has('_metadata')) {
          let metadata = this.resolve(v.attributes.get('_metadata'), depth + 1);
          // looked up by module prefix, never iterated in order: a Map (prefixes such as '0', '1' of a Sequential)
          // becomes an object
          if (metadata instanceof Map && [...metadata.keys()].every((k) => typeof k === 'string')) {
            const byPrefix: Record<string, unknown> = {};
            for (const [k, x] of metadata) Object.defineProperty(byPrefix, k as string, { value: x, enumerable: true, writable: true, configurable: true });
            metadata = byPrefix;
          }
          if (metadata !== null && typeof metadata === 'object' && !(metadata instanceof Map)) {
            setStateDictMetadata(o, metadata as StateDictMetadata);
          }
        }
        return o;
      }
      const m = new Map<unknown, unknown>();
      this.cache.set(v, m);
      for (const [k, x] of v.entries()) {
        const key = this.resolve(k, depth + 1);
        // Python keeps NaN keys apart (NaN != NaN); a JavaScript Map cannot
        if (m.has(key)) throw new SerializationError(`${this.file}: a dict has keys that JavaScript cannot tell apart (${String(key)})`);
        m.set(key, this.resolve(x, depth + 1));
      }
      return m;
    }
    let out: unknown;
    if (v instanceof PendingTensor) out = this.tensor(v);
    else if (v instanceof PySet) {
      const set = new Set<unknown>();
      this.cache.set(v, set);
      for (const x of v.items) {
        const item = this.resolve(x, depth + 1);
        if (set.has(item)) throw new SerializationError(`${this.file}: a set has items that JavaScript cannot tell apart (${String(item)})`);
        set.add(item);
      }
      return set;
    }
    else if (v instanceof PyMarker && v.kind === 'dtype') out = normalizeDtype(v.dtype!);
    else if (v instanceof PyModuleInstance) out = rebuildModule(v, (x) => this.resolve(x, depth + 1));
    else if (v instanceof PyModuleClass) {
      throw new SerializationError(`${this.file}: the checkpoint holds the class ${v.qualname} itself as a value, which has no JavaScript form`);
    }
    else if (v instanceof NpArray) {
      if (v.tensor === null) throw new SerializationError(`${this.file}: numpy array without data`);
      out = v.tensor;
    } else if (v instanceof NpDtype) out = v.str;
    else throw new SerializationError(`${this.file}: the checkpoint holds a ${typeName(v)} as a value, which has no JavaScript form`);
    this.cache.set(v, out);
    return out;
  }
}

/**
 * Whether a dict's keys keep their order as a plain object's properties: all strings, and none that JavaScript
 * would move to the front (integer-like keys such as '7', which objects order numerically). Other dicts load as
 * Maps, so that Python's order and key types survive.
 */
function keepsOrderAsObject(d: PyDict): boolean {
  let lastIndex = -1;
  let seenOther = false;
  for (const k of d.keys()) {
    if (typeof k !== 'string') return false;
    if (/^(0|[1-9]\d{0,9})$/.test(k) && Number(k) < 2 ** 32 - 1) {
      if (seenOther || Number(k) < lastIndex) return false;
      lastIndex = Number(k);
    } else {
      seenOther = true;
    }
  }
  return true;
}

/**
 * A storage record from a persistent id: ('storage', type, key, location, numel) in zip files, with a sixth
 * field (a view record or None) in legacy files, exactly as torch.load unpacks them.
 */
function storageFromPid(pid: unknown, file: string, roots: Map<string, RootStorage>, legacy: boolean): StorageRef {
  if (!Array.isArray(pid) || pid.length === 0) throw new SerializationError(`${file}: corrupt persistent id ${typeName(pid)}`);
  const tag = pyStr(pid[0]);
  if (tag === 'module' && legacy) {
    throw new SerializationError(`refusing to load a pickled nn.Module class from ${file}: the file holds a whole model (torch.save(model)); save model.state_dict() in Python and load that`);
  }
  if (tag !== 'storage') throw new SerializationError(`${file}: unknown persistent id '${tag}'`);
  if (pid.length !== (legacy ? 6 : 5)) throw new SerializationError(`${file}: corrupt storage record: ${pid.length - 1} fields`);
  const [, type, keyV, locV, numelV, viewMeta] = pid;
  if (!(type instanceof PyMarker) || type.kind !== 'storage' || type.dtype === null) {
    throw new SerializationError(`${file}: corrupt storage record: type ${typeName(type)}`);
  }
  const key = pyStr(keyV);
  const location = pyStr(locV);
  if (key === null || location === null || typeof numelV !== 'number' || !Number.isInteger(numelV) || numelV < 0) {
    throw new SerializationError(`${file}: corrupt storage record`);
  }
  let root = roots.get(key);
  if (!root) {
    root = new RootStorage(key, type.dtype as DTypeName, location, numelV);
    roots.set(key, root);
  } else if (root.dtype !== type.dtype) {
    throw new SerializationError(`${file}: storage '${key}' is used as both ${root.dtype} and ${type.dtype}`);
  }
  if (legacy && viewMeta !== null) {
    // pre-1.0 storage views: (view key, offset in elements, view size)
    if (!Array.isArray(viewMeta) || viewMeta.length !== 3 || typeof viewMeta[1] !== 'number' || !Number.isInteger(viewMeta[1]) || viewMeta[1] < 0) {
      throw new SerializationError(`${file}: corrupt storage view record ${typeName(viewMeta)}`);
    }
    return new StorageRef(root, viewMeta[1]);
  }
  return new StorageRef(root, 0);
}

// The record versions PyTorch 1.13's reader accepts (caffe2::serialize::kMin/kMaxSupportedFileFormatVersion).
const MIN_FORMAT_VERSION = 1n, MAX_FORMAT_VERSION = 10n;

/** The archive's 'version' record as PyTorch's reader parses it (std::stoull: leading space, digits, any tail). */
function formatVersion(zip: ZipReader, prefix: string, file: string): bigint {
  const name = zip.has(`${prefix}.data/version`) ? `${prefix}.data/version` : `${prefix}version`;
  if (!zip.has(name)) throw new SerializationError(`${file}: not a PyTorch checkpoint: the zip archive has no '${prefix}version' record`);
  const text = new TextDecoder('latin1').decode(zip.read(name));
  const m = /^[ \t\n\v\f\r]*([+-]?)(\d+)/.exec(text);
  if (m === null) throw new SerializationError(`${file}: corrupt checkpoint: couldn't parse the version record '${text.slice(0, 20)}' as an integer`);
  let v = BigInt(m[2]!);
  if (v >= 2n ** 64n) throw new SerializationError(`${file}: corrupt checkpoint: the version record ${m[2]} is out of range`);
  if (m[1] === '-' && v !== 0n) v = 2n ** 64n - v; // stoull wraps negative numbers
  if (v < MIN_FORMAT_VERSION || v > MAX_FORMAT_VERSION) {
    throw new SerializationError(`${file}: checkpoint format version ${v} is not supported (PyTorch 1.13 reads versions ${MIN_FORMAT_VERSION} to ${MAX_FORMAT_VERSION})`);
  }
  return v;
}

function loadZip(src: ByteSource, opts: LoadOptions): unknown {
  const file = src.name;
  const zip = new ZipReader(src);
  const names = [...zip.entries.keys()];
  // As PyTorch's reader: the first entry names the archive's folder, and every entry lives in it.
  const first = zip.firstName;
  if (first === undefined) throw new SerializationError(`${file}: not a PyTorch checkpoint: the zip archive is empty`);
  const slash = first.indexOf('/');
  if (slash < 0) throw new SerializationError(`${file}: not a PyTorch checkpoint: file in archive is not in a subdirectory: '${first}'`);
  const prefix = first.slice(0, slash + 1);
  const outside = names.find((n) => !n.startsWith(prefix));
  if (outside !== undefined) throw new SerializationError(`${file}: not a PyTorch checkpoint: file in archive is not in the subdirectory ${prefix}: '${outside}'`);
  const pkl = `${prefix}data.pkl`;
  if (!zip.has(pkl)) {
    if (zip.has(`${prefix}constants.pkl`) || names.some((n) => n.startsWith(`${prefix}code/`))) {
      throw new SerializationError(`${file} is a TorchScript archive (torch.jit.save), not a torch.save checkpoint`);
    }
    formatVersion(zip, prefix, file);
    throw new SerializationError(`${file}: not a PyTorch checkpoint: the zip archive has no '${pkl}'`);
  }
  formatVersion(zip, prefix, file);
  if (zip.has(`${prefix}byteorder`)) {
    const order = new TextDecoder().decode(zip.read(`${prefix}byteorder`)).trim();
    if (order !== 'little') throw new SerializationError(`${file}: big-endian checkpoints (byteorder '${order}') are not supported`);
  }
  const roots = new Map<string, RootStorage>();
  const un = new Unpickler(new Cursor(new MemorySource(zip.read(pkl), file)), {
    findGlobal: makeGlobals(file),
    // As torch.load, each storage's record and location are checked when the pickle names it, used or not.
    persistentLoad: (pid) => {
      const ref = storageFromPid(pid, file, roots, false);
      const name = `${prefix}data/${ref.root.key}`;
      if (!zip.has(name)) throw new SerializationError(`${file}: zip archive is missing storage entry '${name}'`);
      ref.root.device ??= targetDevice(ref.root.location, opts.mapLocation, file);
      return ref;
    },
  });
  const obj = un.load();
  const m = new Materializer(file, opts.mapLocation, (root) => {
    const name = `${prefix}data/${root.key}`;
    if (!zip.has(name)) throw new SerializationError(`${file}: zip archive is missing storage entry '${name}'`);
    return zip.read(name);
  });
  return m.resolve(obj);
}

function loadLegacy(src: ByteSource, opts: LoadOptions): unknown {
  const file = src.name;
  const cur = new Cursor(src);
  const noGlobals = { findGlobal: makeGlobals(file) };
  const magic = new Unpickler(cur, noGlobals).load();
  if (typeof magic !== 'bigint' || magic !== LEGACY_MAGIC) {
    throw new SerializationError(`${file}: not a PyTorch checkpoint: invalid magic number (a plain pickle, or a corrupt file)`);
  }
  const protocol = new Unpickler(cur, noGlobals).load();
  if (protocol !== LEGACY_PROTOCOL) throw new SerializationError(`${file}: unsupported legacy checkpoint protocol ${String(protocol)}`);
  const sysInfo = new Unpickler(cur, noGlobals).load();
  if (sysInfo instanceof PyDict && sysInfo.get('little_endian') === false) {
    throw new SerializationError(`${file}: big-endian checkpoints are not supported`);
  }
  const roots = new Map<string, RootStorage>();
  const obj = new Unpickler(cur, {
    findGlobal: makeGlobals(file),
    persistentLoad: (pid) => {
      const ref = storageFromPid(pid, file, roots, true);
      ref.root.device ??= targetDevice(ref.root.location, opts.mapLocation, file);
      return ref;
    },
  }).load();
  const keys = new Unpickler(cur, noGlobals).load();
  if (!Array.isArray(keys)) throw new SerializationError(`${file}: corrupt legacy checkpoint: storage key list is a ${typeName(keys)}`);
  // the raw storages follow in key order, each an 8-byte element count then the elements
  let pos = cur.pos;
  const data = new Map<string, { pos: number; numel: number }>();
  for (const k of keys) {
    const key = pyStr(k);
    if (key === null) throw new SerializationError(`${file}: corrupt legacy checkpoint: storage key ${typeName(k)}`);
    const root = roots.get(key);
    if (!root) throw new SerializationError(`${file}: corrupt legacy checkpoint: storage '${key}' is not referenced by the pickle`);
    const cb = src.read(pos, 8, `size of storage '${key}'`);
    const count = new DataView(cb.buffer, cb.byteOffset, 8).getBigInt64(0, true);
    const numel = Number(count);
    if (numel !== root.numel) throw new SerializationError(`${file}: corrupt legacy checkpoint: storage '${key}' has ${numel} elements, its record says ${root.numel}`);
    data.set(key, { pos: pos + 8, numel });
    pos += 8 + numel * elementSize(root.dtype);
    if (pos > src.size) throw new SerializationError(`${file}: file is truncated: storage '${key}' ends at byte ${pos} but the file has ${src.size} bytes`);
  }
  const m = new Materializer(file, opts.mapLocation, (root) => {
    const d = data.get(root.key);
    if (!d) throw new SerializationError(`${file}: corrupt legacy checkpoint: no data for storage '${root.key}'`);
    return src.read(d.pos, d.numel * elementSize(root.dtype), `storage '${root.key}'`);
  });
  return m.resolve(obj);
}

/** Reads a checkpoint from a source of either format. */
export function loadFromSource(src: ByteSource, opts: LoadOptions = {}): unknown {
  [src, opts = {}] = bindOwn(loadFromSource, arguments) as Parameters<typeof loadFromSource>;
  try {
    return loadChecked(src, opts);
  } catch (e) {
    // whatever a corrupt file makes fail below (a libtorch check, a typed-array length) is still a SerializationError
    // that names the file
    if (e instanceof SerializationError || !(e instanceof Error)) throw e;
    throw new SerializationError(`${src.name}: cannot load the checkpoint: ${e.message}`, { cause: e });
  }
}

function loadChecked(src: ByteSource, opts: LoadOptions): unknown {
  const file = src.name;
  if (src.size === 0) throw new SerializationError(`${file}: file is empty`);
  let obj: unknown;
  if (isZip(src)) obj = loadZip(src, opts);
  else {
    const head = src.read(0, Math.min(src.size, 512), 'file header');
    // the legacy format opens with the pickled magic number: PROTO (protocol >= 2) or LONG text (protocols 0, 1)
    if (head[0] === 0x80 || head[0] === 0x4c) obj = loadLegacy(src, opts);
    else if (head.length >= 262 && new TextDecoder().decode(head.subarray(257, 262)) === 'ustar') {
      throw new SerializationError(`${file}: tar checkpoints of PyTorch before 0.1.10 are not supported; re-save it with a current PyTorch`);
    } else if (head.length > 9 && head[8] === 0x7b && head[6] === 0 && head[7] === 0) {
      throw new SerializationError(`${file} looks like a safetensors file: use loadSafetensors`);
    } else {
      throw new SerializationError(`${file}: not a PyTorch checkpoint (neither a zip archive nor a pickle)`);
    }
  }
  if (opts.stripPrefix !== undefined && (obj instanceof Map || (obj !== null && typeof obj === 'object' && !Array.isArray(obj) && !(obj instanceof Tensor)))) {
    consumePrefixInStateDict(obj as Record<string, unknown>, opts.stripPrefix);
  }
  return obj;
}

/**
 * torch.load: a checkpoint file (or its bytes) of either PyTorch format. Dicts with string keys become plain
 * objects, other dicts Maps, lists and tuples arrays, ints numbers (BigInt beyond 2^53), tensors Tensors,
 * nn.Parameters Parameters. Only tensor and container constructors are accepted: nothing in the file runs.
 */
export function load(f: string | Uint8Array, opts: LoadOptions = {}): any {
  const src: ByteSource = typeof f === 'string' ? new FileSource(f) : new MemorySource(f);
  try {
    return loadFromSource(src, opts);
  } finally {
    src.close();
  }
}
