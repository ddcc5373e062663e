// torch.save: the zip checkpoint format exactly as PyTorch writes it (pickle protocol 2 in
// archive/data.pkl, one archive/data/<key> entry per storage, archive/version, archive/byteorder), so
// Python's torch.load reads it. Tensors sharing a storage are written once and share it again after loading.
import { Tensor } from '../tensor.js';
import { elementSize, type DTypeName } from '../dtype.js';
import { Parameter } from '../nn/parameter.js';
import { Module } from '../nn/module.js';
import { DType } from '../dtype.js';
import { Device } from '../device.js';
import { Pickler, PyGlobalRef, PyReduce, PyTuple, PyPersistent, PyDictEntries } from './pickle-writer.js';
import { ZipWriter, type Sink } from './zip.js';
import { writeFileAtomic, MemorySink } from './atomic.js';
import { STORAGE_NAME_OF } from './python-objects.js';
import { bindOwn, registerSignature } from '../args.js';

// PyTorch's argument binding (src/args.ts) for this module's functions: an extra positional argument or an
// unknown keyword is a TypeError naming it.
registerSignature(saveToBytes, 'saveToBytes', 'tstorch.serialization.saveToBytes', 'obj:dict; *, archiveName, forceZip64, useNewZipfileSerialization');

const REBUILD_TENSOR = new PyGlobalRef('torch._utils', '_rebuild_tensor_v2');
const REBUILD_PARAMETER = new PyGlobalRef('torch._utils', '_rebuild_parameter');

interface StorageRecord { id: string; dtype: DTypeName; tensor: Tensor; nbytes: number }

export interface SaveOptions {
  /** Top folder of the archive's entries; PyTorch uses "archive" (older versions the file's base name). */
  archiveName?: string;
  /** Writes zip64 records even for a small file (for testing readers of files over 4 GiB). */
  forceZip64?: boolean;
  /**
   * false writes the legacy format of PyTorch < 1.6 (torch.save's _use_new_zipfile_serialization=False),
   * for tools that read only that format.
   */
  useNewZipfileSerialization?: boolean;
}

const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;

function storageBytes(r: StorageRecord): Uint8Array {
  const n = r.nbytes / elementSize(r.dtype);
  let whole = r.tensor.detach().asStrided([n], [1], 0);
  if (whole.device.type !== 'cpu') whole = whole.cpu();
  const b = whole.toBytes();
  whole.dispose();
  return b;
}

function serialize(obj: unknown, sink: Sink, opts: SaveOptions): void {
  const legacy = opts.useNewZipfileSerialization === false;
  const storages = new Map<string, StorageRecord>();

  const tensorRecord = (t: Tensor, requiresGrad: boolean): PyReduce => {
    const info = t.storageInfo();
    const dtype = t.dtype.name;
    const typeName = STORAGE_NAME_OF[dtype];
    if (!typeName) throw new TypeError(`torch.save: tensors of dtype ${dtype} cannot be saved`);
    let rec = storages.get(info.key);
    if (!rec) {
      rec = { id: String(storages.size), dtype, tensor: t, nbytes: info.nbytes };
      storages.set(info.key, rec);
    } else if (rec.dtype !== dtype) {
      throw new TypeError('torch.save: cannot save multiple tensors that view the same data as different types '
        + `(${rec.dtype} and ${dtype})`);
    }
    const location = t.device.type === 'cuda' ? `cuda:${t.device.index ?? 0}` : String(t.device);
    // the legacy format's persistent ids end with a storage-view record, always None since PyTorch 1.0
    const pid = new PyTuple(['storage', new PyGlobalRef('torch', typeName), rec.id, location, rec.nbytes / elementSize(dtype),
      ...(legacy ? [null] : [])]);
    return new PyReduce(REBUILD_TENSOR, [
      new PyPersistent(pid), info.offset, new PyTuple(t.shape), new PyTuple(t.stride()), requiresGrad,
      new PyDictEntries([], true),
    ]);
  };

  const pickler = new Pickler((o) => {
    if (o instanceof Parameter) return new PyReduce(REBUILD_PARAMETER, [tensorRecord(o, false), o.requiresGrad, new PyDictEntries([], true)]);
    if (o instanceof Tensor) return tensorRecord(o, o.requiresGrad);
    if (o instanceof DType) return new PyGlobalRef('torch', o.name);
    if (o instanceof Device) return new PyReduce(new PyGlobalRef('torch', 'device'), o.index === null ? [o.type] : [o.type, o.index]);
    if (o instanceof Module) {
      throw new TypeError(`torch.save: cannot save the module ${o._getName()} itself: tstorch saves a model's parameters and buffers, `
        + 'as PyTorch recommends: torch.save(model.stateDict(), path), then model.loadStateDict(torch.load(path)) on a model '
        + 'built by the same code. (torch.load can read a whole model that Python saved, for torch.nn and torchvision classes.)');
    }
    return undefined;
  });
  const pkl = pickler.dump(obj);
  // sorted as strings, as PyTorch writes them
  const records = [...storages.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

  if (legacy) {
    // magic number, protocol version, sys_info, the object, the storage keys, then each storage as an
    // 8-byte element count and its bytes
    sink.write(new Pickler().dump(LEGACY_MAGIC));
    sink.write(new Pickler().dump(1001));
    sink.write(new Pickler().dump({ protocol_version: 1001, little_endian: true, type_sizes: { short: 2, int: 4, long: 4 } }));
    sink.write(pkl);
    sink.write(new Pickler().dump(records.map((r) => r.id)));
    for (const r of records) {
      const count = new Uint8Array(8);
      new DataView(count.buffer).setBigInt64(0, BigInt(r.nbytes / elementSize(r.dtype)), true);
      sink.write(count);
      sink.write(storageBytes(r));
    }
    return;
  }

  const prefix = `${opts.archiveName ?? 'archive'}/`;
  const zip = new ZipWriter(sink, opts.forceZip64 ?? false);
  zip.add(`${prefix}data.pkl`, pkl);
  zip.add(`${prefix}byteorder`, new TextEncoder().encode('little'));
  for (const r of records) zip.add(`${prefix}data/${r.id}`, storageBytes(r));
  zip.add(`${prefix}version`, new TextEncoder().encode('3\n'));
  zip.finish();
}

/**
 * torch.save(obj, path), written atomically, in the zip format (or the legacy one, see SaveOptions). Plain objects become dicts, Maps dicts with their keys' types,
 * arrays lists, integral numbers ints (other numbers floats), BigInts ints, Tensors tensors (with
 * requires_grad), Parameters nn.Parameters, Uint8Arrays bytes, Sets sets.
 */
export function save(obj: unknown, path: string, opts: SaveOptions = {}): void {
  if (typeof path !== 'string' || path === '') throw new TypeError('torch.save: path must be a non-empty string');
  writeFileAtomic(path, (sink) => serialize(obj, sink, opts));
}

/** The bytes torch.save would write (for buffers, network transfer, or tests). */
export function saveToBytes(obj: unknown, opts: SaveOptions = {}): Uint8Array {
  [obj, opts = {}] = bindOwn(saveToBytes, arguments) as Parameters<typeof saveToBytes>;
  const sink = new MemorySink();
  serialize(obj, sink, opts);
  return sink.bytes();
}
