// Small image files made in the tests: BMP and Netpbm variants (valid, quirky and hostile) for the comparisons
// with Pillow, decompression-bomb headers of every format, and byte-level mutations of real files for fuzzing.
// Everything is generated from a seed, so a failure names a file that can be made again.
import { deflateSync, inflateSync } from 'node:zlib';
import { crc32 } from '../../src/serialization/zip.js';

/** A small deterministic generator (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface BmpSpec {
  width: number;
  height: number;
  bits: number;
  compression?: number;
  headerSize?: 12 | 40 | 64 | 108 | 124 | number;
  colors?: number;
  palette?: Uint8Array;
  masks?: number[];
  /** The pixel data offset (default: right after the header and palette). */
  offset?: number;
  topDown?: boolean;
  pixels: Uint8Array;
}

/** A BMP file from its fields, written as they are given (nothing is checked). */
export function makeBmp(s: BmpSpec): Uint8Array {
  const hs = s.headerSize ?? 40;
  const head = new Uint8Array(hs);
  const dv = new DataView(head.buffer);
  dv.setUint32(0, hs, true);
  if (hs === 12) {
    dv.setUint16(4, s.width, true);
    dv.setUint16(6, s.height, true);
    dv.setUint16(8, 1, true);
    dv.setUint16(10, s.bits, true);
  } else {
    dv.setInt32(4, s.width | 0, true);
    dv.setInt32(8, s.topDown ? -s.height : s.height | 0, true);
    dv.setUint16(12, 1, true);
    dv.setUint16(14, s.bits, true);
    dv.setUint32(16, s.compression ?? 0, true);
    dv.setUint32(32, (s.colors ?? 0) >>> 0, true);
    if (hs >= 56 && s.masks) s.masks.forEach((m, i) => dv.setUint32(40 + 4 * i, m >>> 0, true));
  }
  const masks = hs === 40 && s.masks ? new Uint8Array(new Uint32Array(s.masks.slice(0, 3).map((m) => m >>> 0)).buffer) : new Uint8Array(0);
  const pal = s.palette ?? new Uint8Array(0);
  const offset = s.offset ?? 14 + hs + masks.length + pal.length;
  const out = new Uint8Array(14 + hs + masks.length + pal.length + s.pixels.length);
  const fv = new DataView(out.buffer);
  out[0] = 0x42; out[1] = 0x4d;
  fv.setUint32(2, out.length, true);
  fv.setUint32(10, offset >>> 0, true);
  out.set(head, 14);
  out.set(masks, 14 + hs);
  out.set(pal, 14 + hs + masks.length);
  out.set(s.pixels, 14 + hs + masks.length + pal.length);
  return out;
}

const MASKS_32 = [[0xff0000, 0xff00, 0xff, 0], [0xff000000, 0xff0000, 0xff00, 0], [0xff000000, 0xff0000, 0xff00, 0xff],
  [0xff, 0xff00, 0xff0000, 0xff000000], [0xff0000, 0xff00, 0xff, 0xff000000], [0, 0, 0, 0], [0x3ff00000, 0xffc00, 0x3ff, 0]];
const MASKS_16 = [[0xf800, 0x7e0, 0x1f], [0x7c00, 0x3e0, 0x1f], [0xf00, 0xf0, 0xf]];

/** BMPs covering Pillow's cases and its refusals: depths, palettes (grey ones too), bit fields, RLE, header sizes. */
export function bmpVariants(seed: number, count: number): Uint8Array[] {
  const r = rng(seed);
  const int = (n: number): number => Math.floor(r() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const bytes = (n: number): Uint8Array => Uint8Array.from({ length: n }, () => int(256));
  const out: Uint8Array[] = [];
  for (let k = 0; k < count; k++) {
    const bits = pick([1, 4, 8, 8, 16, 24, 24, 32, 32, 0, 2, 64]);
    const width = 1 + int(9), height = 1 + int(6);
    const hs = pick([40, 40, 40, 12, 64, 108, 124, 56]);
    let compression = 0;
    let masks: number[] | undefined;
    if (bits >= 16 && r() < 0.4) {
      compression = 3;
      masks = bits === 32 ? pick(MASKS_32) : bits === 16 ? pick(MASKS_16) : [0xff0000, 0xff00, 0xff];
    }
    if (bits === 8 && r() < 0.25) compression = 1;
    if (bits === 4 && r() < 0.25) compression = 2;
    if (r() < 0.03) compression = pick([4, 5, 7]);
    let colors = bits <= 8 ? pick([0, 0, 2, 3, 16, 1 << bits, 256, 257]) : pick([0, 0, 5]);
    if (hs === 12) colors = 0;
    const entries = colors || (bits <= 8 ? 1 << bits : 0);
    const stride = hs === 12 ? 3 : 4;
    let palette = bytes(Math.min(entries, 300) * stride);
    if (bits <= 8 && r() < 0.3) { // a grey ramp (Pillow's 'L'), or black and white (its '1')
      palette = new Uint8Array(entries * stride);
      for (let i = 0; i < entries; i++) palette.fill(entries === 2 ? (i ? 255 : 0) : i & 255, i * stride, i * stride + 3);
    }
    const rowBytes = Math.floor((width * bits + 31) / 32) * 4;
    let pixels: Uint8Array;
    if (compression === 1 || compression === 2) {
      const codes: number[] = [];
      for (let y = 0; y < height; y++) {
        let x = 0;
        while (x < width) {
          const n = 1 + int(Math.min(5, width - x));
          if (r() < 0.7) codes.push(n, int(256));
          else if (n >= 3) { codes.push(0, n, ...Array.from({ length: compression === 2 ? Math.ceil(n / 2) : n }, () => int(256))); if (codes.length % 2) codes.push(0); }
          else codes.push(n, int(256));
          x += n;
        }
        codes.push(0, 0);
        if (r() < 0.1) codes.push(0, 2, int(3), int(2));
      }
      codes.push(0, 1);
      pixels = Uint8Array.from(codes);
    } else {
      pixels = bytes(rowBytes * height);
    }
    let offset: number | undefined;
    if (r() < 0.05) offset = 0;
    if (r() < 0.05) offset = 14 + hs;
    const spec: BmpSpec = { width, height, bits, compression, headerSize: hs, colors, palette, masks, offset, topDown: hs !== 12 && r() < 0.3, pixels };
    let file = makeBmp(spec);
    if (r() < 0.1) file = file.slice(0, int(file.length)); // truncated
    out.push(file);
  }
  return out;
}

/** Netpbm files: P2/P3/P5/P6 with maxvals from 1 to 65535, comments, and broken ones. */
export function netpbmVariants(seed: number, count: number): Uint8Array[] {
  const r = rng(seed);
  const int = (n: number): number => Math.floor(r() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const out: Uint8Array[] = [];
  const enc = new TextEncoder();
  for (let k = 0; k < count; k++) {
    const kind = pick(['2', '3', '5', '6']);
    const w = 1 + int(6), h = 1 + int(5);
    const maxval = pick([255, 255, 1, 15, 100, 256, 1000, 65535, 70000, 0]);
    const ch = kind === '3' || kind === '6' ? 3 : 1;
    const n = w * h * ch;
    const values = Array.from({ length: n }, () => int(Math.max(1, Math.min(maxval, 65535)) + (r() < 0.03 ? 5 : 1)));
    const comment = r() < 0.3 ? '# a comment\n' : '';
    const head = `P${kind}\n${comment}${w} ${h}\n${maxval}\n`;
    let body: Uint8Array;
    if (kind === '2' || kind === '3') body = enc.encode(values.join(r() < 0.5 ? ' ' : '\n') + '\n');
    else if (maxval < 256) body = Uint8Array.from(values, (v) => v & 255);
    else {
      body = new Uint8Array(2 * n);
      values.forEach((v, i) => { body[2 * i] = (v >> 8) & 255; body[2 * i + 1] = v & 255; });
    }
    const headBytes = enc.encode(head);
    let file = new Uint8Array(headBytes.length + body.length);
    file.set(headBytes);
    file.set(body, headBytes.length);
    if (r() < 0.1) file = file.slice(0, int(file.length));
    out.push(file);
  }
  return out;
}

/** Replaces the size fields of a real file's header (so that it declares width x height). */
export function withDeclaredSize(format: 'jpeg' | 'png' | 'gif' | 'webp' | 'tiff' | 'bmp' | 'ppm', file: Uint8Array, width: number, height: number): Uint8Array {
  const b = file.slice();
  const dv = new DataView(b.buffer);
  switch (format) {
    case 'jpeg':
      for (let i = 2; i + 9 < b.length; i++) {
        if (b[i] === 0xff && b[i + 1]! >= 0xc0 && b[i + 1]! <= 0xc2) { dv.setUint16(i + 5, height); dv.setUint16(i + 7, width); return b; }
      }
      throw new Error('no SOF marker');
    case 'png': { // IHDR's size, and its CRC made right again so that the header is read
      dv.setUint32(16, width); dv.setUint32(20, height);
      dv.setUint32(29, crc32(b.subarray(12, 29)));
      return b;
    }
    case 'webp': { // lossless (VP8L): 14 bits of width - 1 and of height - 1 after the 0x2f signature
      const at = b.indexOf(0x2f, 20);
      if (String.fromCharCode(...b.subarray(12, 16)) !== 'VP8L') throw new Error('withDeclaredSize: expected a lossless WebP');
      const bits = ((width - 1) & 0x3fff) | (((height - 1) & 0x3fff) << 14) | (dv.getUint32(at + 1, true) & ~0x0fffffff);
      dv.setUint32(at + 1, bits >>> 0, true);
      return b;
    }
    case 'tiff': { // ImageWidth (256) and ImageLength (257) in the first IFD of a little-endian TIFF
      const ifd = dv.getUint32(4, true);
      const n = dv.getUint16(ifd, true);
      for (let i = 0; i < n; i++) {
        const e = ifd + 2 + 12 * i;
        const tag = dv.getUint16(e, true), type = dv.getUint16(e + 2, true);
        if (tag !== 256 && tag !== 257) continue;
        const v = tag === 256 ? width : height;
        if (type === 3) dv.setUint16(e + 8, v, true); else dv.setUint32(e + 8, v, true);
      }
      return b;
    }
    case 'gif': { // the logical screen and the first image descriptor
      dv.setUint16(6, width, true); dv.setUint16(8, height, true);
      const flags = b[10]!;
      let p = 13 + (flags & 0x80 ? 3 * 2 ** ((flags & 7) + 1) : 0);
      while (p < b.length && b[p] === 0x21) { p += 2; while (b[p]! > 0) p += b[p]! + 1; p++; } // extensions
      if (b[p] === 0x2c) { dv.setUint16(p + 5, width, true); dv.setUint16(p + 7, height, true); }
      return b;
    }
    case 'bmp': dv.setInt32(18, width, true); dv.setInt32(22, height, true); return b;
    case 'ppm': {
      const text = new TextDecoder('latin1').decode(b);
      const m = /^(P\d\s+)(\d+)(\s+)(\d+)/.exec(text)!;
      const head = new TextEncoder().encode(`${m[1]}${width}${m[3]}${height}`);
      const out = new Uint8Array(head.length + b.length - m[0].length);
      out.set(head); out.set(b.subarray(m[0].length), head.length);
      return out;
    }
    default: throw new Error(`withDeclaredSize: ${format} is made by the caller`);
  }
}

/** Byte-level mutations of a real file: flips, random bytes, cuts, duplicated or deleted runs, header fields set to extremes. */
export function mutate(file: Uint8Array, r: () => number, maxEdits = 4): Uint8Array {
  const int = (n: number): number => Math.floor(r() * n);
  let b = file.slice();
  const edits = 1 + int(maxEdits);
  for (let e = 0; e < edits; e++) {
    const what = int(7);
    // most headers live in the first bytes: bias positions there half of the time
    const pos = r() < 0.5 ? int(Math.min(b.length, 96)) : int(b.length);
    if (what === 0) b[pos] = b[pos]! ^ (1 << int(8));
    else if (what === 1) b[pos] = int(256);
    else if (what === 2) b = b.slice(0, Math.max(1, pos));
    else if (what === 3) { // extreme 32-bit value
      const v = [0xffffffff, 0x7fffffff, 0x80000000, 0, 0x10000, 0xffff][int(6)]!;
      if (pos + 4 <= b.length) new DataView(b.buffer).setUint32(pos, v, r() < 0.5);
    } else if (what === 4) { // duplicate a run
      const len = 1 + int(64);
      const run = b.slice(pos, pos + len);
      const out = new Uint8Array(b.length + run.length);
      out.set(b.subarray(0, pos)); out.set(run, pos); out.set(b.subarray(pos), pos + run.length);
      b = out;
    } else if (what === 5) { // delete a run
      const len = 1 + int(64);
      b = Uint8Array.from([...b.subarray(0, pos), ...b.subarray(pos + len)]);
    } else { // extreme 16-bit value
      const v = [0xffff, 0x7fff, 0, 1][int(4)]!;
      if (pos + 2 <= b.length) new DataView(b.buffer).setUint16(pos, v, r() < 0.5);
    }
  }
  return b;
}

/**
 * Mutations of a PNG that keep it well-formed on the outside (chunk lengths and CRCs made right again, the image
 * data inflated, changed and deflated again), so that they reach the pixel decoding rather than the checksums:
 * IHDR's size, bit depth and colour type changed, filter bytes and samples changed, rows added or cut, the IDAT
 * split, PLTE shortened.
 */
export function mutatePngStructure(file: Uint8Array, r: () => number): Uint8Array {
  const int = (n: number): number => Math.floor(r() * n);
  const dv = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const chunks: { type: string; data: Uint8Array }[] = [];
  for (let pos = 8; pos + 12 <= file.length;) {
    const len = dv.getUint32(pos);
    chunks.push({ type: String.fromCharCode(...file.subarray(pos + 4, pos + 8)), data: file.slice(pos + 8, pos + 8 + len) });
    pos += 12 + len;
  }
  const ihdr = chunks.find((c) => c.type === 'IHDR')!;
  const idats = chunks.filter((c) => c.type === 'IDAT');
  let raw: Uint8Array = inflateSync(Buffer.concat(idats.map((c) => c.data)));
  const h = new DataView(ihdr.data.buffer, ihdr.data.byteOffset, 13);
  const edits = 1 + int(3);
  for (let e = 0; e < edits; e++) {
    switch (int(8)) {
      case 0: h.setUint32(0, Math.max(1, h.getUint32(0) + int(9) - 4)); break; // width
      case 1: h.setUint32(4, Math.max(1, h.getUint32(4) + int(9) - 4)); break; // height
      case 2: ihdr.data[8] = [1, 2, 4, 8, 16, 3, 0][int(7)]!; break; // bit depth
      case 3: ihdr.data[9] = [0, 2, 3, 4, 6, 1][int(6)]!; break; // colour type
      case 4: if (raw.length > 0) raw[int(raw.length)] = int(8); break; // a filter byte (or a sample) of 0..7
      case 5: if (raw.length > 0) raw[int(raw.length)] = int(256); break;
      case 6: raw = raw.slice(0, int(raw.length + 1)); break; // rows cut
      default: { const more = new Uint8Array(raw.length + 1 + int(64)); more.set(raw); raw = more; } // data added
    }
  }
  if (r() < 0.2) { const plte = chunks.find((c) => c.type === 'PLTE'); if (plte) plte.data = plte.data.slice(0, 3 * int(plte.data.length / 3 + 1)); }
  const z = deflateSync(raw);
  const cut = int(z.length + 1); // one IDAT or two
  const newIdats = r() < 0.5 ? [z] : [z.subarray(0, cut), z.subarray(cut)];
  const out: Uint8Array[] = [file.slice(0, 8)];
  let idatDone = false;
  for (const c of chunks) {
    if (c.type === 'IDAT') {
      if (idatDone) continue;
      idatDone = true;
      for (const d of newIdats) out.push(pngChunk('IDAT', d));
    } else out.push(pngChunk(c.type, c.data));
  }
  return Buffer.concat(out);
}

/** One PNG chunk: length, type, data and its CRC. */
export function pngChunk(type: string, data: Uint8Array): Uint8Array {
  const b = new Uint8Array(12 + data.length);
  const dv = new DataView(b.buffer);
  dv.setUint32(0, data.length);
  b.set(new TextEncoder().encode(type), 4);
  b.set(data, 8);
  dv.setUint32(8 + data.length, crc32(b.subarray(4, 8 + data.length)));
  return b;
}
