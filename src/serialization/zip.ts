// The zip container of PyTorch checkpoints (PyTorch >= 1.6), read and written as PyTorch's
// caffe2/serialize/inline_container does: uncompressed entries whose data starts at a 64-byte aligned
// offset (padding in an "FB" extra field, so files can be mapped into memory), zip64 records when sizes or
// offsets pass 4 GiB. Entries are read by position: only the central directory and the requested entry
// are ever in memory. The reader checks what PyTorch's (miniz) checks before trusting a field (one disk, every
// entry inside the file, stored or deflated, not encrypted) and more: a deflated entry is never inflated past
// its declared size, and a declared size that deflate cannot reach from the compressed bytes is refused before
// anything is allocated.
import * as zlib from 'node:zlib';
import { type ByteSource, SerializationError } from './byte-source.js';

const nativeCrc32 = (zlib as unknown as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;
let table: Uint32Array | null = null;
export function crc32(data: Uint8Array, value = 0): number {
  if (nativeCrc32) return nativeCrc32(data, value);
  if (table === null) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  let c = ~value >>> 0;
  for (let i = 0; i < data.length; i++) c = table[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

export const ALIGNMENT = 64;
const LOCAL_SIG = 0x04034b50;
const CENTRAL_SIG = 0x02014b50;
const EOCD_SIG = 0x06054b50;
const EOCD64_SIG = 0x06064b50;
const EOCD64_LOCATOR_SIG = 0x07064b50;
const U32_MAX = 0xffffffff;

export interface ZipEntry {
  name: string;
  /** General purpose bit flags (bit 0: encrypted, bit 6: strong encryption). */
  flags?: number;
  /** Marked as a folder (a name ending in '/', or the DOS directory attribute): miniz extracts nothing from it. */
  directory?: boolean;
  method: number;
  crc: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
}

function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}
function u64(dv: DataView, off: number): number {
  const v = dv.getBigUint64(off, true);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new SerializationError('zip archive is corrupt: a zip64 size or offset beyond 2^53');
  return Number(v);
}

export function isZip(src: ByteSource): boolean {
  if (src.size < 4) return false;
  return view(src.read(0, 4, 'file signature')).getUint32(0, true) === LOCAL_SIG;
}

// deflate's best ratio is 1032:1 (258-byte matches coded in 2 bits): a larger declared size is a lie
const MAX_DEFLATE_RATIO = 1032;

export class ZipReader {
  readonly entries = new Map<string, ZipEntry>();
  /** The first entry of the central directory (PyTorch takes the archive's folder from it). */
  readonly firstName: string | undefined;

  constructor(readonly source: ByteSource) {
    const name = source.name;
    const corrupt = (msg: string): never => {
      throw new SerializationError(`${name}: zip archive is truncated or corrupt: ${msg}`);
    };
    // the end of central directory record sits in the last 22 + 65535 (comment) bytes
    const tailLen = Math.min(source.size, 22 + 0xffff);
    const tail = source.read(source.size - tailLen, tailLen, 'end of central directory');
    const tv = view(tail);
    let eocd = -1;
    for (let i = tailLen - 22; i >= 0; i--) {
      if (tv.getUint32(i, true) === EOCD_SIG) { eocd = i; break; }
    }
    if (eocd < 0) corrupt('end of central directory record not found (was the file cut short?)');
    const eocdPos = source.size - tailLen + eocd;
    // miniz's checks (mz_zip_reader_read_central_dir), which PyTorch's reader relies on
    let disk = tv.getUint16(eocd + 4, true), cdDisk = tv.getUint16(eocd + 6, true);
    let onThisDisk = tv.getUint16(eocd + 8, true);
    let count = tv.getUint16(eocd + 10, true);
    let cdSize = tv.getUint32(eocd + 12, true);
    let cdOffset = tv.getUint32(eocd + 16, true);
    if (eocdPos >= 20 + 56) {
      const loc = view(source.read(eocdPos - 20, 20, 'zip64 locator'));
      if (loc.getUint32(0, true) === EOCD64_LOCATOR_SIG) {
        const e64pos = u64(loc, 8);
        if (e64pos > source.size - 56) corrupt('the zip64 end of central directory lies past the end of the file');
        const e64 = view(source.read(e64pos, 56, 'zip64 end of central directory'));
        if (e64.getUint32(0, true) !== EOCD64_SIG) corrupt('bad zip64 end of central directory signature');
        if (u64(e64, 4) < 44) corrupt('zip64 end of central directory record is too short');
        if (loc.getUint32(16, true) !== 1) corrupt('multi-disk archives are not supported');
        count = u64(e64, 32);
        onThisDisk = u64(e64, 24);
        if (count > U32_MAX || onThisDisk > U32_MAX) corrupt('too many files');
        cdSize = u64(e64, 40);
        if (cdSize > U32_MAX) corrupt('central directory too large');
        disk = e64.getUint32(16, true);
        cdDisk = e64.getUint32(20, true);
        cdOffset = u64(e64, 48);
      }
    }
    if (count !== onThisDisk || ((disk | cdDisk) !== 0 && (disk !== 1 || cdDisk !== 1))) corrupt('multi-disk archives are not supported');
    if (cdOffset + cdSize > eocdPos) corrupt(`central directory (${cdOffset}+${cdSize}) runs past its end record at ${eocdPos}`);
    if (cdSize < count * 46) corrupt(`central directory of ${cdSize} bytes cannot hold ${count} entries`);
    const cd = source.read(cdOffset, cdSize, 'central directory');
    const cv = view(cd);
    let p = 0;
    const dec = new TextDecoder();
    for (let i = 0; i < count; i++) {
      if (p + 46 > cd.length || cv.getUint32(p, true) !== CENTRAL_SIG) corrupt(`bad central directory entry ${i}`);
      const method = cv.getUint16(p + 10, true);
      const diskStart = cv.getUint16(p + 34, true);
      if (diskStart === 0xffff || (diskStart !== disk && diskStart !== 1)) corrupt(`entry ${i} is on another disk (multi-disk archives are not supported)`);
      if (cv.getUint16(p + 8, true) & 0x2000) corrupt(`entry ${i} has an encrypted central directory`);
      const crc = cv.getUint32(p + 16, true);
      let compressedSize = cv.getUint32(p + 20, true);
      let size = cv.getUint32(p + 24, true);
      const nameLen = cv.getUint16(p + 28, true);
      const extraLen = cv.getUint16(p + 30, true);
      const commentLen = cv.getUint16(p + 32, true);
      let localHeaderOffset = cv.getUint32(p + 42, true);
      if (p + 46 + nameLen + extraLen + commentLen > cd.length) corrupt(`central directory entry ${i} overruns the directory`);
      const entryName = dec.decode(cd.subarray(p + 46, p + 46 + nameLen));
      // zip64 extended information: present fields are exactly those whose 32-bit field is 0xFFFFFFFF
      let e = p + 46 + nameLen;
      const eEnd = e + extraLen;
      while (e + 4 <= eEnd) {
        const id = cv.getUint16(e, true);
        const len = cv.getUint16(e + 2, true);
        if (id === 0x0001) {
          let q = e + 4;
          if (size === U32_MAX) { size = u64(cv, q); q += 8; }
          if (compressedSize === U32_MAX) { compressedSize = u64(cv, q); q += 8; }
          if (localHeaderOffset === U32_MAX) { localHeaderOffset = u64(cv, q); q += 8; }
        }
        e += 4 + len;
      }
      if (localHeaderOffset + 30 + compressedSize > source.size) corrupt(`entry '${entryName}' (${compressedSize} bytes at ${localHeaderOffset}) runs past the end of the file`);
      if (i === 0) this.firstName = entryName;
      this.entries.set(entryName, {
        name: entryName, method, crc, compressedSize, size, localHeaderOffset, flags: cv.getUint16(p + 8, true),
        directory: entryName.endsWith('/') || (cv.getUint32(p + 38, true) & 0x10) !== 0,
      });
      p += 46 + nameLen + extraLen + commentLen;
    }
  }

  has(name: string): boolean { return this.entries.has(name); }

  /** Where an entry's bytes start in the file (after its local header). */
  dataOffset(entry: ZipEntry): number {
    const lh = view(this.source.read(entry.localHeaderOffset, 30, `local header of '${entry.name}'`));
    if (lh.getUint32(0, true) !== LOCAL_SIG) {
      throw new SerializationError(`${this.source.name}: zip archive is corrupt: bad local header for '${entry.name}'`);
    }
    return entry.localHeaderOffset + 30 + lh.getUint16(26, true) + lh.getUint16(28, true);
  }

  /** The bytes of one entry, CRC-checked; a deflated entry is inflated to at most its declared size. */
  read(name: string): Uint8Array {
    const entry = this.entries.get(name);
    const file = this.source.name;
    if (!entry) throw new SerializationError(`${file}: zip archive has no entry '${name}'`);
    if ((entry.flags ?? 0) & 0x41) throw new SerializationError(`${file}: entry '${name}' is encrypted, which is not supported`);
    if (entry.directory) throw new SerializationError(`${file}: entry '${name}' is marked as a folder, not a file`);
    if ((entry.flags ?? 0) & 0x20) throw new SerializationError(`${file}: entry '${name}' is a compressed patch, which is not supported`);
    if (entry.method !== 0 && entry.method !== 8) {
      throw new SerializationError(`${file}: entry '${name}' uses zip compression method ${entry.method}; only stored and deflated entries are supported`);
    }
    if (entry.method === 0 && entry.compressedSize !== entry.size) {
      throw new SerializationError(`${file}: entry '${name}' is corrupt: stored with ${entry.compressedSize} bytes but a size of ${entry.size}`);
    }
    if (entry.method === 8 && entry.size > entry.compressedSize * MAX_DEFLATE_RATIO + 64) {
      throw new SerializationError(`${file}: entry '${name}' is corrupt: ${entry.compressedSize} deflated bytes cannot inflate to the declared ${entry.size}`);
    }
    const raw = this.source.read(this.dataOffset(entry), entry.compressedSize, `entry '${name}'`);
    let data: Uint8Array;
    if (entry.method === 0) data = raw;
    else {
      try {
        // one byte more than declared tells an entry that inflates past its size from one that fits
        data = zlib.inflateRawSync(raw, { maxOutputLength: entry.size + 1 });
      } catch (e) {
        const msg = (e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE' ? `it inflates past its declared ${entry.size} bytes` : (e as Error).message;
        throw new SerializationError(`${file}: entry '${name}' is corrupt: ${msg}`);
      }
    }
    if (data.byteLength !== entry.size) {
      throw new SerializationError(`${this.source.name}: entry '${name}' is corrupt: ${data.byteLength} bytes, directory says ${entry.size}`);
    }
    if (crc32(data) !== entry.crc) throw new SerializationError(`${this.source.name}: entry '${name}' is corrupt: CRC-32 mismatch`);
    return data;
  }
}

/** Where the zip writer puts bytes: a file descriptor or memory. */
export interface Sink {
  write(b: Uint8Array): void;
}

interface Written { name: Uint8Array; crc: number; size: number; offset: number }

export class ZipWriter {
  private pos = 0;
  private written: Written[] = [];

  /** `forceZip64` writes zip64 records even for small archives (to test readers of large files). */
  constructor(private readonly sink: Sink, private readonly forceZip64 = false) {}

  private out(b: Uint8Array): void {
    this.sink.write(b);
    this.pos += b.byteLength;
  }

  add(name: string, data: Uint8Array): void {
    const nameBytes = new TextEncoder().encode(name);
    const offset = this.pos;
    const size = data.byteLength;
    const zip64 = this.forceZip64 || size >= U32_MAX || offset >= U32_MAX;
    const z64Len = zip64 ? 20 : 0;
    const start = offset + 30 + nameBytes.length + z64Len + 4;
    const pad = (ALIGNMENT - (start % ALIGNMENT)) % ALIGNMENT;
    const crc = crc32(data);
    const h = new Uint8Array(30 + nameBytes.length + z64Len + 4 + pad);
    const dv = view(h);
    dv.setUint32(0, LOCAL_SIG, true);
    dv.setUint16(4, zip64 ? 45 : 20, true);
    dv.setUint16(6, 0, true);
    dv.setUint16(8, 0, true); // stored
    dv.setUint16(10, 0, true);
    dv.setUint16(12, 0x21, true); // 1980-01-01: no timestamps, so identical inputs give identical files
    dv.setUint32(14, crc, true);
    dv.setUint32(18, zip64 ? U32_MAX : size, true);
    dv.setUint32(22, zip64 ? U32_MAX : size, true);
    dv.setUint16(26, nameBytes.length, true);
    dv.setUint16(28, z64Len + 4 + pad, true);
    h.set(nameBytes, 30);
    let e = 30 + nameBytes.length;
    if (zip64) {
      dv.setUint16(e, 0x0001, true);
      dv.setUint16(e + 2, 16, true);
      dv.setBigUint64(e + 4, BigInt(size), true);
      dv.setBigUint64(e + 12, BigInt(size), true);
      e += 20;
    }
    h[e] = 0x46; // 'F'
    h[e + 1] = 0x42; // 'B'
    dv.setUint16(e + 2, pad, true);
    h.fill(0x5a, e + 4); // 'Z'
    this.out(h);
    this.out(data);
    this.written.push({ name: nameBytes, crc, size, offset });
  }

  finish(): void {
    const cdStart = this.pos;
    for (const w of this.written) {
      const big = this.forceZip64 || w.size >= U32_MAX || w.offset >= U32_MAX;
      const extraLen = big ? 4 + 24 : 0;
      const h = new Uint8Array(46 + w.name.length + extraLen);
      const dv = view(h);
      dv.setUint32(0, CENTRAL_SIG, true);
      dv.setUint16(4, big ? 45 : 20, true);
      dv.setUint16(6, big ? 45 : 20, true);
      dv.setUint16(12, 0, true);
      dv.setUint16(14, 0x21, true);
      dv.setUint32(16, w.crc, true);
      dv.setUint32(20, big ? U32_MAX : w.size, true);
      dv.setUint32(24, big ? U32_MAX : w.size, true);
      dv.setUint16(28, w.name.length, true);
      dv.setUint16(30, extraLen, true);
      dv.setUint32(42, big ? U32_MAX : w.offset, true);
      h.set(w.name, 46);
      if (big) {
        const e = 46 + w.name.length;
        dv.setUint16(e, 0x0001, true);
        dv.setUint16(e + 2, 24, true);
        dv.setBigUint64(e + 4, BigInt(w.size), true);
        dv.setBigUint64(e + 12, BigInt(w.size), true);
        dv.setBigUint64(e + 20, BigInt(w.offset), true);
      }
      this.out(h);
    }
    const cdSize = this.pos - cdStart;
    const n = this.written.length;
    const zip64 = this.forceZip64 || n >= 0xffff || cdStart >= U32_MAX || cdSize >= U32_MAX;
    if (zip64) {
      const e64Pos = this.pos;
      const r = new Uint8Array(56 + 20);
      const dv = view(r);
      dv.setUint32(0, EOCD64_SIG, true);
      dv.setBigUint64(4, 44n, true);
      dv.setUint16(12, 45, true);
      dv.setUint16(14, 45, true);
      dv.setBigUint64(24, BigInt(n), true);
      dv.setBigUint64(32, BigInt(n), true);
      dv.setBigUint64(40, BigInt(cdSize), true);
      dv.setBigUint64(48, BigInt(cdStart), true);
      dv.setUint32(56, EOCD64_LOCATOR_SIG, true);
      dv.setBigUint64(64, BigInt(e64Pos), true);
      dv.setUint32(72, 1, true);
      this.out(r);
    }
    const end = new Uint8Array(22);
    const dv = view(end);
    dv.setUint32(0, EOCD_SIG, true);
    dv.setUint16(8, zip64 ? 0xffff : n, true);
    dv.setUint16(10, zip64 ? 0xffff : n, true);
    dv.setUint32(12, zip64 ? U32_MAX : cdSize, true);
    dv.setUint32(16, zip64 ? U32_MAX : cdStart, true);
    this.out(end);
  }
}
