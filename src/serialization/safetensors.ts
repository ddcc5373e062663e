// safetensors (https://github.com/huggingface/safetensors): an 8-byte little-endian header length, a JSON
// header {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {string: string}}, then the raw
// little-endian tensor bytes. Read by position; the header is validated before any tensor is made.
import { fromBytes } from '../creation.js';
import { type DTypeName, elementSize } from '../dtype.js';
import { Tensor } from '../tensor.js';
import { type ByteSource, FileSource, MemorySource, SerializationError } from './byte-source.js';
import { writeFileAtomic, MemorySink } from './atomic.js';
import type { Sink } from './zip.js';
import { bindOwn, registerSignature } from '../args.js';

// PyTorch's argument binding (src/args.ts) for this module's functions: an extra positional argument or an
// unknown keyword is a TypeError naming it.
registerSignature(safetensorsMetadata, 'safetensorsMetadata', 'tstorch.serialization.safetensorsMetadata', 'f');
registerSignature(saveSafetensorsToBytes, 'saveSafetensorsToBytes', 'tstorch.serialization.saveSafetensorsToBytes', 'tensors:dict, metadata?:dict');

const CODES: Record<string, DTypeName> = {
  F64: 'float64', F32: 'float32', F16: 'float16', BF16: 'bfloat16', I64: 'int64', I32: 'int32', I16: 'int16',
  I8: 'int8', U8: 'uint8', BOOL: 'bool', C64: 'complex64',
};
const CODE_OF: Partial<Record<DTypeName, string>> = Object.fromEntries(Object.entries(CODES).map(([k, v]) => [v, k]));
const MAX_HEADER = 100_000_000; // the reference implementation's limit

interface HeaderEntry { dtype: DTypeName; shape: number[]; begin: number; end: number }
interface Header { entries: Map<string, HeaderEntry>; metadata: Record<string, string> | null; dataStart: number }

function parseHeader(src: ByteSource): Header {
  const file = src.name;
  const bad = (msg: string): never => { throw new SerializationError(`${file}: invalid safetensors header: ${msg}`); };
  if (src.size < 8) bad(`the file has ${src.size} bytes, fewer than the 8-byte header length`);
  const lb = src.read(0, 8, 'header length');
  const n64 = new DataView(lb.buffer, lb.byteOffset, 8).getBigUint64(0, true);
  if (n64 > BigInt(MAX_HEADER)) bad(`header length ${n64} exceeds ${MAX_HEADER} bytes`);
  const n = Number(n64);
  if (8 + n > src.size) bad(`header length ${n} runs past the end of the file (${src.size} bytes): truncated?`);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(src.read(8, n, 'header')));
  } catch (e) {
    bad(`not UTF-8 JSON (${(e as Error).message})`);
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) bad('the header is not a JSON object');
  const entries = new Map<string, HeaderEntry>();
  let metadata: Record<string, string> | null = null;
  for (const [name, v] of Object.entries(json as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (v === null || typeof v !== 'object' || Array.isArray(v) || Object.values(v).some((x) => typeof x !== 'string')) {
        bad('__metadata__ must map strings to strings');
      }
      metadata = { ...(v as Record<string, string>) };
      continue;
    }
    const e = v as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (e === null || typeof e !== 'object') bad(`entry '${name}' is not an object`);
    const dtype = typeof e.dtype === 'string' ? CODES[e.dtype] : undefined;
    if (!dtype) bad(`tensor '${name}' has unsupported dtype ${JSON.stringify(e.dtype)}`);
    const shape = e.shape;
    if (!Array.isArray(shape) || shape.some((s) => !Number.isSafeInteger(s) || s < 0)) bad(`tensor '${name}' has invalid shape ${JSON.stringify(shape)}`);
    const off = e.data_offsets;
    if (!Array.isArray(off) || off.length !== 2 || off.some((s) => !Number.isSafeInteger(s) || s < 0) || off[0] > off[1]) {
      bad(`tensor '${name}' has invalid data_offsets ${JSON.stringify(off)}`);
    }
    const numel = (shape as number[]).reduce((a, b) => a * b, 1);
    const [begin, end] = off as [number, number];
    if (end - begin !== numel * elementSize(dtype!)) {
      bad(`tensor '${name}' of shape [${shape}] and dtype ${e.dtype} needs ${numel * elementSize(dtype!)} bytes, data_offsets give ${end - begin}`);
    }
    entries.set(name, { dtype: dtype!, shape: shape as number[], begin, end });
  }
  // the data section must be covered exactly, without overlaps or holes
  const sorted = [...entries.entries()].sort((a, b) => a[1].begin - b[1].begin || a[1].end - b[1].end);
  let pos = 0;
  for (const [name, e] of sorted) {
    if (e.begin !== pos) bad(`tensor '${name}' starts at ${e.begin}, expected ${pos} (overlapping or missing data)`);
    pos = e.end;
  }
  const dataStart = 8 + n;
  if (dataStart + pos !== src.size) bad(`the tensors cover ${pos} data bytes but the file has ${src.size - dataStart}: truncated or trailing bytes`);
  return { entries, metadata, dataStart };
}

function withSource<T>(f: string | Uint8Array, fn: (src: ByteSource) => T): T {
  const src: ByteSource = typeof f === 'string' ? new FileSource(f) : new MemorySource(f);
  try {
    return fn(src);
  } finally {
    src.close();
  }
}

/** Tensors of a .safetensors file (or its bytes) by name, on the CPU unless `device` says otherwise. */
export function loadSafetensors(f: string | Uint8Array, opts: { device?: string } = {}): Record<string, Tensor> {
  return withSource(f, (src) => {
    const h = parseHeader(src);
    const out: Record<string, Tensor> = {};
    for (const [name, e] of h.entries) {
      let t = fromBytes(src.read(h.dataStart + e.begin, e.end - e.begin, `tensor '${name}'`), e.shape, e.dtype);
      if (opts.device !== undefined && opts.device !== 'cpu') t = t.to(opts.device);
      Object.defineProperty(out, name, { value: t, enumerable: true, writable: true, configurable: true });
    }
    return out;
  });
}

/** The `__metadata__` of a .safetensors file (null when it has none), reading only the header. */
export function safetensorsMetadata(f: string | Uint8Array): Record<string, string> | null {
  [f] = bindOwn(safetensorsMetadata, arguments) as Parameters<typeof safetensorsMetadata>;
  return withSource(f, (src) => parseHeader(src).metadata);
}

function writeSafetensors(tensors: Record<string, Tensor> | Map<string, Tensor>, sink: Sink, metadata?: Record<string, string>): void {
  const list = tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors);
  for (const [name, t] of list) {
    if (!(t instanceof Tensor)) throw new TypeError(`saveSafetensors: '${name}' is not a Tensor`);
    if (!CODE_OF[t.dtype.name]) throw new TypeError(`saveSafetensors: tensor '${name}' has dtype ${t.dtype}, which safetensors cannot store`);
  }
  if (metadata !== undefined) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') throw new TypeError(`saveSafetensors: metadata '${k}' must be a string, got ${typeof v}`);
    }
  }
  // as the reference writer: larger element types first (keeps every tensor aligned), then by name
  list.sort((a, b) => elementSize(b[1].dtype) - elementSize(a[1].dtype) || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const header: Record<string, unknown> = {};
  if (metadata !== undefined) header.__metadata__ = metadata;
  let pos = 0;
  for (const [name, t] of list) {
    const nbytes = t.numel() * t.elementSize();
    header[name] = { dtype: CODE_OF[t.dtype.name], shape: t.shape, data_offsets: [pos, pos + nbytes] };
    pos += nbytes;
  }
  let json = JSON.stringify(header);
  const enc = new TextEncoder();
  let hb = enc.encode(json);
  // pad with spaces so the data starts 8-byte aligned
  const pad = (8 - (hb.length % 8)) % 8;
  if (pad) { json += ' '.repeat(pad); hb = enc.encode(json); }
  const len = new Uint8Array(8);
  new DataView(len.buffer).setBigUint64(0, BigInt(hb.length), true);
  sink.write(len);
  sink.write(hb);
  for (const [, t] of list) {
    const c = t.detach().cpu().contiguous();
    sink.write(c.toBytes());
  }
}

/** Writes tensors (and optional string metadata) as a .safetensors file, atomically. */
export function saveSafetensors(tensors: Record<string, Tensor> | Map<string, Tensor>, path: string, metadata?: Record<string, string>): void {
  writeFileAtomic(path, (sink) => writeSafetensors(tensors, sink, metadata));
}

/** The bytes saveSafetensors would write. */
export function saveSafetensorsToBytes(tensors: Record<string, Tensor> | Map<string, Tensor>, metadata?: Record<string, string>): Uint8Array {
  [tensors, metadata] = bindOwn(saveSafetensorsToBytes, arguments) as Parameters<typeof saveSafetensorsToBytes>;
  const sink = new MemorySink();
  writeSafetensors(tensors, sink, metadata);
  return sink.bytes();
}
