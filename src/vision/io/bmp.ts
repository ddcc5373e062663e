// Windows BMP decoding in JavaScript, as Pillow's BmpImagePlugin decodes it (part of torchvision's
// IMG_EXTENSIONS that libvips, as sharp ships it, does not load): header sizes 12 (OS/2 v1), 40, 64, 108 and
// 124; 1/4/8-bit palettes, 16-bit 5-5-5, 24-bit, 32-bit BGRX; Pillow's bit-field layouts; RLE8 and RLE4.
// Everything Pillow refuses is refused. Every header field is checked against the file before anything is
// allocated: the decompression-bomb limit on the declared size, the palette and the pixel rows against the
// bytes the file has, so a 58-byte file cannot ask for gigabytes.
import type { RawImage } from './sharp-ops.js';
import { checkImagePixels, ImageDecodeError, TruncatedImageError, UnidentifiedImageError } from './limits.js';

export function isBmp(b: Uint8Array): boolean {
  return b.length >= 2 && b[0] === 0x42 && b[1] === 0x4d;
}

const RAW = 0, RLE8 = 1, RLE4 = 2, BITFIELDS = 3;

// Pillow's supported bit-field masks (r, g, b[, a]) by depth; anything else is "Unsupported BMP bitfields layout".
const BITFIELD_LAYOUTS: Record<number, number[][]> = {
  32: [[0xff0000, 0xff00, 0xff, 0], [0xff000000, 0xff0000, 0xff00, 0], [0xff000000, 0xff0000, 0xff00, 0xff],
    [0xff, 0xff00, 0xff0000, 0xff000000], [0xff0000, 0xff00, 0xff, 0xff000000], [0, 0, 0, 0]],
  24: [[0xff0000, 0xff00, 0xff]],
  16: [[0xf800, 0x7e0, 0x1f], [0x7c00, 0x3e0, 0x1f]],
};

interface Header {
  width: number;
  height: number;
  topDown: boolean;
  bits: number;
  compression: number;
  /** The header's colour count (2^bits when it says 0). */
  colors: number;
  /** The palette's bytes (clipped to what the file has) and bytes per entry, for 1/4/8-bit images. */
  palette: Uint8Array | null;
  paletteStride: number;
  /** Colour masks for 16/24/32-bit images (r, g, b, a); all-zero masks mean BGRA. */
  masks: number[];
  offset: number;
}

function bad(msg: string): never {
  throw new ImageDecodeError(msg, 'corrupt');
}

function readHeader(b: Uint8Array): Header {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (b.length < 18) throw new TruncatedImageError(`BMP header is truncated (${b.length} bytes)`);
  let offset = dv.getUint32(10, true);
  const headerSize = dv.getUint32(14, true);
  if (![12, 40, 64, 108, 124].includes(headerSize)) bad(`Unsupported BMP header type (${headerSize})`);
  if (b.length < 14 + headerSize) throw new TruncatedImageError(`BMP header is truncated (${b.length} bytes; the header needs ${14 + headerSize})`);
  let width: number, height: number, bits: number, compression: number, colors: number, paletteStride: number;
  let topDown = false;
  let masks: number[] = [];
  let pos = 14 + headerSize; // where the palette (or 40-byte headers' bit fields) follow
  if (headerSize === 12) {
    width = dv.getUint16(18, true);
    height = dv.getUint16(20, true);
    bits = dv.getUint16(24, true);
    compression = RAW;
    colors = 0;
    paletteStride = 3;
  } else {
    // Pillow reads width and height as unsigned; a top-down image has 0xFF in the height's last byte
    topDown = b[25] === 0xff;
    width = dv.getUint32(18, true);
    height = topDown ? 2 ** 32 - dv.getUint32(22, true) : dv.getUint32(22, true);
    bits = dv.getUint16(28, true);
    compression = dv.getUint32(30, true);
    colors = dv.getUint32(46, true);
    paletteStride = 4;
    if (compression === BITFIELDS) {
      if (headerSize >= 56) {
        masks = [0, 1, 2, 3].map((i) => dv.getUint32(54 + 4 * i, true));
      } else {
        if (b.length < pos + 12) throw new TruncatedImageError('BMP bit-field masks are truncated');
        masks = [0, 1, 2].map((i) => dv.getUint32(pos + 4 * i, true)).concat(0);
        pos += 12;
      }
    }
  }
  if (colors === 0) colors = 2 ** bits;
  if (offset === 14 + headerSize && bits <= 8) offset += 4 * colors;
  if (![1, 4, 8, 16, 24, 32].includes(bits)) bad(`Unsupported BMP pixel depth (${bits})`);
  if (compression === BITFIELDS) {
    const layouts = BITFIELD_LAYOUTS[bits];
    const key = (bits === 32 ? masks : masks.slice(0, 3)).join();
    if (layouts === undefined || !layouts.some((l) => l.join() === key)) bad('Unsupported BMP bitfields layout');
    if (bits !== 32) masks = masks.slice(0, 3).concat(0);
  } else if (compression === RAW) {
    masks = bits === 16 ? [0x7c00, 0x3e0, 0x1f, 0] : [0xff0000, 0xff00, 0xff, 0];
  } else if (compression === RLE8 || compression === RLE4) {
    if (bits > 8) bad(`Unsupported BMP compression (RLE with ${bits} bits per pixel)`);
  } else {
    bad(`Unsupported BMP compression (${compression})`);
  }
  let palette: Uint8Array | null = null;
  if (bits <= 8) {
    if (!(colors > 0 && colors <= 65536)) bad(`Unsupported BMP Palette size (${colors})`);
    palette = b.subarray(pos, Math.min(b.length, pos + paletteStride * colors));
    pos += palette.length;
  }
  if (width === 0 || height === 0) bad(`BMP image has no pixels (${width}x${height})`);
  // an offset of 0 means "right here", as Pillow's `offset or fp.tell()`
  return { width, height, topDown, bits, compression, colors, palette, paletteStride, masks, offset: offset || pos };
}

/** Greyscale palettes (entry i is (i, i, i), or black and white for 2 entries) make Pillow decode to 'L' or '1'. */
function isGreyPalette(pal: Uint8Array, stride: number, colors: number): boolean {
  for (let i = 0; i < colors; i++) {
    const v = colors === 2 ? (i === 0 ? 0 : 255) : i & 255; // Pillow's o8(i) keeps the low byte
    const o = i * stride;
    if (o + 3 > pal.length || pal[o] !== v || pal[o + 1] !== v || pal[o + 2] !== v) return false;
  }
  return true;
}

/**
 * RLE8/RLE4 as Pillow's BmpRleDecoder: one index per pixel in file order (bottom row first unless top-down),
 * with its quirks (RLE4's absolute runs give two pixels per byte and drop an odd last one; runs are padded to an
 * even file position). A stream that ends before the last pixel is an error, as Pillow's "not enough image data".
 */
function decodeRle(b: Uint8Array, h: Header): Uint8Array {
  const { width, height } = h;
  const rle4 = h.compression === RLE4;
  const total = width * height;
  const data = new Uint8Array(total);
  let n = 0, x = 0, p = h.offset;
  const put = (v: number): void => { if (n < total) data[n] = v; n++; };
  while (n < total) {
    if (p + 2 > b.length) break;
    let count = b[p]!;
    const byte = b[p + 1]!;
    p += 2;
    if (count) {
      if (x + count > width) count = Math.max(0, width - x);
      for (let i = 0; i < count; i++) put(rle4 ? (i % 2 === 0 ? byte >> 4 : byte & 0x0f) : byte);
      x += count;
    } else if (byte === 0) { // end of line
      if (n % width !== 0) n += width - (n % width);
      x = 0;
    } else if (byte === 1) { // end of bitmap
      break;
    } else if (byte === 2) { // delta: zeros. Pillow reads two bytes, checks them, then takes right and up from the next two
      if (p + 2 > b.length) break;
      p += 2;
      if (p + 2 > b.length) throw new TruncatedImageError('BMP RLE delta is truncated');
      n += b[p]! + b[p + 1]! * width;
      p += 2;
      x = n % width;
    } else { // absolute mode
      const want = rle4 ? byte >> 1 : byte;
      const got = Math.min(want, Math.max(0, b.length - p));
      for (let i = 0; i < got; i++) {
        const v = b[p + i]!;
        if (rle4) { put(v >> 4); put(v & 0x0f); } else put(v);
      }
      p += got;
      if (got < want) break;
      x += byte;
      if (p % 2 !== 0) p++;
    }
  }
  if (n < total) throw new TruncatedImageError(`not enough image data: the RLE stream ends after ${n} of ${total} pixels`);
  return flipRows(data, width, height, h.topDown);
}

/** Rows in file order to top row first. */
function flipRows(data: Uint8Array, width: number, height: number, topDown: boolean): Uint8Array {
  if (topDown) return data;
  const out = new Uint8Array(data.length);
  for (let y = 0; y < height; y++) out.set(data.subarray((height - 1 - y) * width, (height - y) * width), y * width);
  return out;
}

export function decodeBmp(b: Uint8Array): RawImage {
  if (!isBmp(b)) throw new UnidentifiedImageError('not a BMP file');
  const h = readHeader(b);
  const { width, height, bits } = h;
  // before any pixel is allocated
  checkImagePixels(width, height);
  const stride = Math.floor((width * bits + 31) / 32) * 4;
  const isRle = h.compression === RLE8 || h.compression === RLE4;
  // Pillow turns a palette of greys (entry i = (i, i, i); black and white for 2 entries) into mode 'L' ('1'),
  // and then reads the rows with that mode's own bits per pixel: 8 for 'L', 1 for '1', whatever the file's depth.
  const grey = bits <= 8 && isGreyPalette(h.palette!, h.paletteStride, h.colors);
  const rawBits = grey ? (h.colors === 2 ? 1 : 8) : bits;
  const rowBytes = Math.ceil((width * rawBits) / 8);
  if (!isRle) {
    if (rowBytes > stride) bad('codec configuration error: rows are shorter than the palette mode reads');
    // the last row needs its pixels, not its padding
    const need = stride * (height - 1) + rowBytes;
    if (h.offset + need > b.length) {
      throw new TruncatedImageError(`image file is truncated: ${Math.max(0, b.length - h.offset)} bytes of pixel data for ${need}`);
    }
  }

  if (bits <= 8) {
    const pal = h.palette!;
    let indices: Uint8Array;
    if (isRle) {
      if (grey && h.colors === 2) bad('unknown raw mode for given image mode (RLE with a black-and-white palette)');
      indices = decodeRle(b, h);
    } else {
      indices = unpackIndices(b, h, stride, rawBits);
    }
    if (grey) {
      if (h.colors === 2 && !isRle) for (let i = 0; i < indices.length; i++) indices[i] = indices[i] ? 255 : 0;
      return { width, height, channels: 1, data: indices };
    }
    // Pillow's palette: the file's entries (at most 256: "invalid palette size"), then its default grey ramp
    // (i, i, i) for indices past them
    const entries = Math.floor(pal.length / h.paletteStride);
    if (entries > 256) bad(`invalid palette size (${entries} entries)`);
    const lut = new Uint8Array(256 * 3);
    for (let i = 0; i < 256; i++) {
      const o = i * h.paletteStride;
      const has = i < entries;
      lut[i * 3] = has ? pal[o + 2]! : i;
      lut[i * 3 + 1] = has ? pal[o + 1]! : i;
      lut[i * 3 + 2] = has ? pal[o]! : i;
    }
    const out = new Uint8Array(width * height * 3);
    for (let i = 0; i < indices.length; i++) {
      const k = indices[i]! * 3;
      out[i * 3] = lut[k]!; out[i * 3 + 1] = lut[k + 1]!; out[i * 3 + 2] = lut[k + 2]!;
    }
    return { width, height, channels: 3, data: out };
  }

  // 16/24/32 bits: each channel through its mask, scaled as Pillow's unpackers (integer division)
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const zeroMasks = h.masks.every((m) => m === 0);
  const masks = zeroMasks ? [0xff0000, 0xff00, 0xff, 0xff000000] : h.masks;
  const alpha = bits === 32 && masks[3] !== 0;
  const channels = alpha ? 4 : 3;
  const shifts = masks.map((m) => (m === 0 ? 0 : 31 - Math.clz32(m & -m)));
  const maxes = masks.map((m, i) => (m >>> 0) / 2 ** shifts[i]!);
  const out = new Uint8Array(width * height * channels);
  for (let y = 0; y < height; y++) {
    const row = h.offset + (h.topDown ? y : height - 1 - y) * stride;
    for (let x = 0; x < width; x++) {
      const v = bits === 16 ? dv.getUint16(row + x * 2, true)
        : bits === 24 ? b[row + x * 3]! | (b[row + x * 3 + 1]! << 8) | (b[row + x * 3 + 2]! << 16)
          : dv.getUint32(row + x * 4, true);
      const o = (y * width + x) * channels;
      for (let c = 0; c < channels; c++) {
        const m = masks[c]! >>> 0;
        out[o + c] = m === 0 ? 0 : Math.floor((((v & m) >>> 0) / 2 ** shifts[c]!) * 255 / maxes[c]!);
      }
    }
  }
  return { width, height, channels, data: out };
}

/** Rows of `bits`-bit samples to one value per pixel, top row first. */
function unpackIndices(b: Uint8Array, h: Header, stride: number, bits: number): Uint8Array {
  const { width, height } = h;
  const out = new Uint8Array(width * height);
  const mask = (1 << bits) - 1;
  if (bits === 8) {
    for (let y = 0; y < height; y++) {
      const row = h.offset + (h.topDown ? y : height - 1 - y) * stride;
      out.set(b.subarray(row, row + width), y * width);
    }
    return out;
  }
  for (let y = 0; y < height; y++) {
    const row = h.offset + (h.topDown ? y : height - 1 - y) * stride;
    for (let x = 0; x < width; x++) {
      const bit = x * bits;
      out[y * width + x] = (b[row + (bit >> 3)]! >> (8 - bits - (bit & 7))) & mask;
    }
  }
  return out;
}
