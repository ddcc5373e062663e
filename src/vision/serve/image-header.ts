// What an uploaded body is, read from its first bytes only: the format (by magic number, never by the content
// type a client claims) and the pixel size its header promises. A server checks both before a single pixel is
// decoded, so a body that is not an image, a header cut short, or a decompression bomb (a small file whose
// header promises billions of pixels) is refused with a 400 and costs nothing.
import { ServeError } from './errors.js';
import { bindOwn, registerSignature } from '../../args.js';

// PyTorch's argument binding (src/args.ts) for this module's functions: an extra positional argument or an
// unknown keyword is a TypeError naming it.
registerSignature(readImageHeader, 'readImageHeader', 'tstorch.vision.serve.readImageHeader', 'b, maxPixels?, name?');
registerSignature(sniffFormat, 'sniffFormat', 'tstorch.vision.serve.sniffFormat', 'b');

/** Pillow's Image.MAX_IMAGE_PIXELS (1024 * 1024 * 1024 // 4 // 3): above it PIL warns of a decompression bomb. */
export const PIL_MAX_IMAGE_PIXELS = 89_478_485;

export type ImageFormat = 'jpeg' | 'png' | 'gif' | 'bmp' | 'webp' | 'tiff' | 'netpbm';

export interface ImageHeader {
  format: ImageFormat;
  width: number;
  height: number;
}

const starts = (b: Uint8Array, sig: readonly number[], at = 0): boolean => sig.every((v, i) => b[at + i] === v);
const ascii = (b: Uint8Array, s: string, at = 0): boolean => starts(b, [...s].map((c) => c.charCodeAt(0)), at);

/** The format of an image file from its magic number, or null. */
export function sniffFormat(b: Uint8Array): ImageFormat | null {
  [b] = bindOwn(sniffFormat, arguments) as Parameters<typeof sniffFormat>;
  if (starts(b, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (starts(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (ascii(b, 'GIF87a') || ascii(b, 'GIF89a')) return 'gif';
  if (ascii(b, 'BM') && b.length >= 2) return 'bmp';
  if (ascii(b, 'RIFF') && ascii(b, 'WEBP', 8)) return 'webp';
  if (starts(b, [0x49, 0x49, 0x2a, 0x00]) || starts(b, [0x4d, 0x4d, 0x00, 0x2a])) return 'tiff';
  if (b.length >= 3 && b[0] === 0x50 && [0x32, 0x33, 0x35, 0x36].includes(b[1]!) && /\s/.test(String.fromCharCode(b[2]!))) return 'netpbm';
  return null;
}

function describeStart(b: Uint8Array): string {
  const head = b.subarray(0, 8);
  const printable = [...head].every((c) => c >= 0x20 && c < 0x7f);
  return printable ? `'${String.fromCharCode(...head)}'` : [...head].map((c) => c.toString(16).padStart(2, '0')).join(' ');
}

function truncated(format: ImageFormat, what: string): ServeError {
  return new ServeError('truncated_image', `truncated ${format.toUpperCase()}: the body ends inside its ${what}`);
}

function corrupt(format: ImageFormat, what: string): ServeError {
  return new ServeError('corrupt_image', `corrupt ${format.toUpperCase()} header: ${what}`);
}

function jpegSize(b: Uint8Array): [number, number] {
  let p = 2;
  for (;;) {
    if (p >= b.length) throw truncated('jpeg', 'headers (no frame header before the end)');
    if (b[p] !== 0xff) throw corrupt('jpeg', `expected a marker at byte ${p}, found 0x${b[p]!.toString(16)}`);
    while (b[p] === 0xff) p++; // fill bytes
    if (p >= b.length) throw truncated('jpeg', 'headers');
    const m = b[p++]!;
    if (m === 0xd8 || m === 0x01 || (m >= 0xd0 && m <= 0xd7)) continue; // markers without a length
    if (m === 0xd9 || m === 0xda) throw corrupt('jpeg', `no frame header (SOF) before ${m === 0xd9 ? 'the end of the image' : 'the scan data'}`);
    if (p + 2 > b.length) throw truncated('jpeg', 'headers');
    const len = (b[p]! << 8) | b[p + 1]!;
    if (len < 2) throw corrupt('jpeg', `segment 0xff${m.toString(16)} has length ${len}`);
    const isSof = m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;
    if (isSof) {
      if (p + 7 > b.length) throw truncated('jpeg', 'frame header');
      return [(b[p + 5]! << 8) | b[p + 6]!, (b[p + 3]! << 8) | b[p + 4]!];
    }
    p += len;
  }
}

function tiffSize(b: Uint8Array): [number, number] {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const le = b[0] === 0x49;
  if (b.length < 8) throw truncated('tiff', 'header');
  const ifd = dv.getUint32(4, le);
  if (ifd + 2 > b.length) throw truncated('tiff', 'first image directory');
  const n = dv.getUint16(ifd, le);
  if (ifd + 2 + 12 * n > b.length) throw truncated('tiff', 'first image directory');
  let w = -1, h = -1;
  for (let i = 0; i < n; i++) {
    const e = ifd + 2 + 12 * i;
    const tag = dv.getUint16(e, le), type = dv.getUint16(e + 2, le);
    const value = type === 3 ? dv.getUint16(e + 8, le) : type === 4 ? dv.getUint32(e + 8, le) : -1;
    if (tag === 256) w = value;
    if (tag === 257) h = value;
  }
  if (w < 0 || h < 0) throw corrupt('tiff', 'no ImageWidth/ImageLength in the first image directory');
  return [w, h];
}

function webpSize(b: Uint8Array): [number, number] {
  if (b.length < 30) throw truncated('webp', 'header');
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const u24 = (at: number): number => b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16);
  if (ascii(b, 'VP8X', 12)) return [u24(24) + 1, u24(27) + 1];
  if (ascii(b, 'VP8L', 12)) {
    if (b[20] !== 0x2f) throw corrupt('webp', 'lossless stream without its signature byte');
    const bits = dv.getUint32(21, true);
    return [(bits & 0x3fff) + 1, ((bits >>> 14) & 0x3fff) + 1];
  }
  if (ascii(b, 'VP8 ', 12)) {
    if (!starts(b, [0x9d, 0x01, 0x2a], 23)) throw corrupt('webp', 'lossy stream without its start code');
    return [dv.getUint16(26, true) & 0x3fff, dv.getUint16(28, true) & 0x3fff];
  }
  throw corrupt('webp', `unknown first chunk '${String.fromCharCode(...b.subarray(12, 16))}'`);
}

function netpbmSize(b: Uint8Array): [number, number] {
  let p = 2;
  const token = (): number => {
    for (;;) {
      while (p < b.length && /\s/.test(String.fromCharCode(b[p]!))) p++;
      if (b[p] === 0x23) { while (p < b.length && b[p] !== 0x0a) p++; continue; }
      break;
    }
    const s = p;
    while (p < b.length && b[p]! >= 0x30 && b[p]! <= 0x39 && p - s < 10) p++;
    if (p >= b.length) throw truncated('netpbm', 'header');
    if (s === p) throw corrupt('netpbm', `expected a number at byte ${p}`);
    return Number(String.fromCharCode(...b.subarray(s, p)));
  };
  return [token(), token()];
}

/**
 * The format and pixel size of an uploaded image, from its header alone. Throws a ServeError: `empty_body` for
 * zero bytes, `not_an_image` for an unknown magic number, `truncated_image` for a header cut short,
 * `corrupt_image` for a malformed or zero-sized one, `image_too_large` when width x height exceeds `maxPixels`.
 */
export function readImageHeader(b: Uint8Array, maxPixels = PIL_MAX_IMAGE_PIXELS, name = 'the body'): ImageHeader {
  [b, maxPixels = PIL_MAX_IMAGE_PIXELS, name = 'the body'] = bindOwn(readImageHeader, arguments) as Parameters<typeof readImageHeader>;
  if (b.length === 0) throw new ServeError('empty_body', `${name} is empty (0 bytes): expected an image`);
  const format = sniffFormat(b);
  if (format === null) {
    throw new ServeError('not_an_image', `${name} is not an image (${b.length} bytes starting ${describeStart(b)}); expected JPEG, PNG, GIF, BMP, WebP, TIFF or PPM/PGM`);
  }
  let size: [number, number];
  switch (format) {
    case 'jpeg': size = jpegSize(b); break;
    case 'png':
      if (b.length < 24) throw truncated(format, 'header');
      if (!ascii(b, 'IHDR', 12)) throw corrupt(format, 'the first chunk is not IHDR');
      size = [new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(16), new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(20)];
      break;
    case 'gif':
      if (b.length < 10) throw truncated(format, 'header');
      size = [b[6]! | (b[7]! << 8), b[8]! | (b[9]! << 8)];
      break;
    case 'bmp': {
      if (b.length < 26) throw truncated(format, 'header');
      const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
      const os2 = dv.getUint32(14, true) === 12;
      size = os2 ? [dv.getUint16(18, true), dv.getUint16(20, true)] : [Math.abs(dv.getInt32(18, true)), Math.abs(dv.getInt32(22, true))];
      break;
    }
    case 'webp': size = webpSize(b); break;
    case 'tiff': size = tiffSize(b); break;
    case 'netpbm': size = netpbmSize(b); break;
  }
  const [width, height] = size;
  if (!(width > 0 && height > 0)) throw corrupt(format, `image size ${width}x${height}`);
  if (width * height > maxPixels) {
    throw new ServeError('image_too_large', `${name}: a ${width}x${height} ${format.toUpperCase()} (${width * height} pixels) exceeds the limit of ${maxPixels} pixels (a decompression bomb?)`);
  }
  return { format, width, height };
}

/** The ServeError for a decoder's failure on a body whose header was fine: truncated data, or corrupt data. */
export function decodeFailure(message: string, name = 'the body'): ServeError {
  const cut = /premature end|truncated|unexpected end|end of (file|stream|input|data)|not enough (data|image data)|short read|incomplete/i.test(message);
  return new ServeError(cut ? 'truncated_image' : 'corrupt_image', `${name} could not be decoded${cut ? ' (truncated image data)' : ''}: ${message}`);
}
