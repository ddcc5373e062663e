// Hand-made checkpoints for the hostile corpus and the fuzzer: a pickle assembler (opcodes as PyTorch's
// protocol-2 pickler writes them, and the ones it never writes), a zip writer that can lie (declared sizes,
// CRCs, deflated entries), and PyTorch's archive layout (archive/data.pkl, archive/data/<key>, archive/version).
import * as zlib from 'node:zlib';
import { crc32 } from '../../src/serialization/zip.js';

const enc = new TextEncoder();

/** A pickle assembled from pieces: opcodes as strings of single characters, numbers as bytes, or byte arrays. */
export function pk(...parts: (string | number | Uint8Array | number[])[]): Uint8Array {
  const out: number[] = [];
  for (const p of parts) {
    if (typeof p === 'string') for (const ch of p) out.push(ch.charCodeAt(0) & 0xff);
    else if (typeof p === 'number') out.push(p & 0xff);
    else for (const b of p) out.push(b);
  }
  return Uint8Array.from(out);
}

const u32 = (n: number): number[] => [n & 255, (n >>> 8) & 255, (n >>> 16) & 255, (n >>> 24) & 255];

/** Opcodes and small encoders of pickle values. */
export const op = {
  proto: (n = 2): number[] => [0x80, n],
  stop: '.', mark: '(', emptyDict: '}', emptyList: ']', emptyTuple: ')', setitem: 's', setitems: 'u', dict: 'd',
  append: 'a', appends: 'e', list: 'l', tuple: 't', tuple1: '\x85', tuple2: '\x86', tuple3: '\x87', reduce: 'R',
  newobj: '\x81', build: 'b', none: 'N', newtrue: '\x88', newfalse: '\x89', dup: '2', pop: '0', binpersid: 'Q',
  int: (n: number): number[] => (n >= 0 && n < 256 ? [0x4b, n] : [0x4a, ...u32(n)]),
  float: (x: number): number[] => {
    const b = new DataView(new ArrayBuffer(8));
    b.setFloat64(0, x);
    return [0x47, ...new Uint8Array(b.buffer)];
  },
  str: (s: string): number[] => {
    const b = enc.encode(s);
    return b.length < 256 ? [0x8c, b.length, ...b] : [0x58, ...u32(b.length), ...b];
  },
  rawStr: (b: Uint8Array): Uint8Array => Uint8Array.from([0x58, ...u32(b.length), ...b]),
  long4: (b: Uint8Array): Uint8Array => { const o = new Uint8Array(5 + b.length); o.set([0x8b, ...u32(b.length)]); o.set(b, 5); return o; },
  global: (module: string, name: string): number[] => [0x63, ...enc.encode(`${module}\n${name}\n`)],
  binput: (i: number): number[] => [0x71, i],
  binget: (i: number): number[] => [0x68, i],
  longBinput: (i: number): number[] => [0x72, ...u32(i)],
  longBinget: (i: number): number[] => [0x6a, ...u32(i)],
  frame: (n: number): number[] => [0x95, ...u32(n), 0, 0, 0, 0],
};

export interface ZipItem {
  name: string;
  data: Uint8Array;
  deflate?: boolean;
  /** Lies for the directory: the uncompressed size, the CRC. */
  declaredSize?: number;
  crc?: number;
  /** Pre-compressed bytes (for bombs made without inflating them here). */
  raw?: Uint8Array;
}

/** A zip archive, written plainly (no alignment) so that any field can be made to lie. */
export function zipOf(items: ZipItem[], opts: { eocdEntriesThisDisk?: number } = {}): Uint8Array {
  const chunks: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let pos = 0;
  for (const it of items) {
    const name = enc.encode(it.name);
    const body = it.raw ?? (it.deflate ? new Uint8Array(zlib.deflateRawSync(it.data)) : it.data);
    const crc = it.crc ?? crc32(it.data);
    const size = it.declaredSize ?? it.data.length;
    const method = it.deflate || it.raw ? 8 : 0;
    const lh = new Uint8Array(30 + name.length);
    const lv = new DataView(lh.buffer);
    lv.setUint32(0, 0x04034b50, true); lv.setUint16(4, 20, true); lv.setUint16(8, method, true);
    lv.setUint32(14, crc, true); lv.setUint32(18, body.length, true); lv.setUint32(22, size, true);
    lv.setUint16(26, name.length, true);
    lh.set(name, 30);
    const ch = new Uint8Array(46 + name.length);
    const cv = new DataView(ch.buffer);
    cv.setUint32(0, 0x02014b50, true); cv.setUint16(4, 20, true); cv.setUint16(6, 20, true); cv.setUint16(10, method, true);
    cv.setUint32(16, crc, true); cv.setUint32(20, body.length, true); cv.setUint32(24, size, true);
    cv.setUint16(28, name.length, true); cv.setUint32(42, pos, true);
    ch.set(name, 46);
    chunks.push(lh, body);
    central.push(ch);
    pos += lh.length + body.length;
  }
  const cdStart = pos;
  const cdSize = central.reduce((a, c) => a + c.length, 0);
  const end = new Uint8Array(22);
  const ev = new DataView(end.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, opts.eocdEntriesThisDisk ?? items.length, true); ev.setUint16(10, items.length, true);
  ev.setUint32(12, cdSize, true); ev.setUint32(16, cdStart, true);
  const all = [...chunks, ...central, end];
  const out = new Uint8Array(all.reduce((a, c) => a + c.length, 0));
  let p = 0;
  for (const c of all) { out.set(c, p); p += c.length; }
  return out;
}

/** PyTorch's archive layout around a data.pkl and its storages (a version record of 3 unless told). */
export function checkpointZip(pickle: Uint8Array, storages: Record<string, Uint8Array> = {}, opts: { version?: string | null; deflate?: boolean } = {}): Uint8Array {
  const items: ZipItem[] = [{ name: 'archive/data.pkl', data: pickle, deflate: opts.deflate }];
  for (const [k, v] of Object.entries(storages)) items.push({ name: `archive/data/${k}`, data: v, deflate: opts.deflate });
  if (opts.version !== null) items.push({ name: 'archive/version', data: enc.encode(opts.version ?? '3\n') });
  return zipOf(items);
}

/** A float32 tensor record over storage `key` (numel elements), as torch.save writes it. */
export function tensorRecord(key: string, numel: number, shape: number[] = [numel]): number[] {
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const tuple = (xs: number[]): number[] => [...pk(op.mark), ...xs.flatMap((x) => op.int(x)), ...pk(op.tuple)];
  return [
    ...op.global('torch._utils', '_rebuild_tensor_v2'),
    ...pk(op.mark),
    ...pk(op.mark), ...op.str('storage'), ...op.global('torch', 'FloatStorage'), ...op.str(key), ...op.str('cpu'), ...op.int(numel), ...pk(op.tuple),
    ...pk(op.binpersid),
    ...op.int(0), ...tuple(shape), ...tuple(strides), ...pk(op.newfalse),
    ...op.global('collections', 'OrderedDict'), ...pk(op.emptyTuple, op.reduce),
    ...pk(op.tuple, op.reduce),
  ];
}

export function float32Bytes(xs: number[]): Uint8Array {
  return new Uint8Array(new Float32Array(xs).buffer);
}
