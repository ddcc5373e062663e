// PNG pixels as stored, for class masks: PIL opens the segmentation masks of VOC (and most segmentation sets) as
// 'P' images whose pixel values are palette indices, which are the class ids; sharp would expand them to RGB. This
// decoder reads 8-bit-or-less palette ('P') and greyscale ('L') PNGs, non-interlaced, and returns the indices (or
// grey levels) as a one-channel image with the palette.
import { inflateSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { createImage, type RGBImage } from './image.js';
import { crc32 } from '../../serialization/zip.js';
import { checkImagePixels, ImageDecodeError, TruncatedImageError, UnidentifiedImageError } from './limits.js';
import { bindOwn, registerSignature } from '../../args.js';

// PyTorch's argument binding (src/args.ts) for this module's functions: an extra positional argument or an
// unknown keyword is a TypeError naming it.
registerSignature(decodePaletteImage, 'decodePaletteImage', 'tstorch.vision.io.decodePaletteImage', 'bytes, what?');
registerSignature(readPaletteImage, 'readPaletteImage', 'tstorch.vision.io.readPaletteImage', 'path');

/** A one-channel image of palette indices ('P') or grey levels ('L'), with the palette (RGB triples) of a 'P' image. */
export interface PaletteImage extends RGBImage {
  readonly mode: 'P' | 'L';
  readonly palette: Uint8Array | null;
}

const SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Decodes a palette or greyscale PNG (bit depth 1, 2, 4 or 8) to its stored values. `what` names it in errors. */
export function decodePaletteImage(bytes: Uint8Array, what = 'PNG'): PaletteImage {
  [bytes, what = 'PNG'] = bindOwn(decodePaletteImage, arguments) as Parameters<typeof decodePaletteImage>;
  if (bytes.length < 8 || SIGNATURE.some((v, i) => bytes[i] !== v)) throw new UnidentifiedImageError(`${what}: not a PNG file`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 8;
  let width = 0;
  let height = 0;
  let depth = 0;
  let colorType = -1;
  let palette: Uint8Array | null = null;
  const idat: Uint8Array[] = [];
  while (pos + 8 <= bytes.length) {
    const len = view.getUint32(pos);
    const type = String.fromCharCode(...bytes.subarray(pos + 4, pos + 8));
    if (pos + 12 + len > bytes.length) throw new TruncatedImageError(`${what}: truncated in chunk ${type}`);
    const data = bytes.subarray(pos + 8, pos + 8 + len);
    // Pillow refuses a chunk type that is not four word characters, and checks the CRC of every chunk before the
    // image data (PngStream.crc; IDAT's CRCs it skips): so a damaged header is an error here too, never a guess
    if (!/^\w{4}$/.test(type)) throw new ImageDecodeError(`${what}: broken PNG file (chunk ${JSON.stringify(type)})`);
    if (type !== 'IDAT' && idat.length === 0 && view.getUint32(pos + 8 + len) !== crc32(bytes.subarray(pos + 4, pos + 8 + len))) {
      throw new ImageDecodeError(`${what}: broken PNG file (bad header checksum in ${type})`);
    }
    if (type === 'IHDR') {
      if (len < 13) throw new ImageDecodeError(`${what}: IHDR chunk of ${len} bytes (13 expected)`);
      width = view.getUint32(pos + 8);
      height = view.getUint32(pos + 12);
      depth = data[8]!;
      colorType = data[9]!;
      if (data[12] !== 0) throw new ImageDecodeError(`${what}: interlaced PNGs are not supported for masks`);
    } else if (type === 'PLTE') {
      palette = data.slice();
    } else if (type === 'IDAT') {
      idat.push(data);
    } else if (type === 'IEND') {
      break;
    }
    pos += 12 + len;
  }
  if (width === 0 || height === 0) throw new ImageDecodeError(`${what}: no IHDR chunk or an empty image`);
  // PNG's own bound (2^31 - 1 per side), then Pillow's decompression-bomb guard, before anything is inflated
  if (width > 0x7fffffff || height > 0x7fffffff) throw new ImageDecodeError(`${what}: ${width} x ${height} exceeds PNG's 2^31 - 1 per side`);
  checkImagePixels(width, height);
  if (colorType !== 3 && colorType !== 0) throw new ImageDecodeError(`${what}: colour type ${colorType} is not a palette or greyscale image (class masks are 'P' or 'L')`);
  if (![1, 2, 4, 8].includes(depth)) throw new ImageDecodeError(`${what}: bit depth ${depth} is not supported for masks`);
  const stride = Math.ceil((width * depth) / 8);
  const expected = height * (stride + 1);
  let raw: Buffer;
  try {
    // Inflation stops past the size the header declares (a small slack for encoders' trailing bytes), so that a
    // deflate bomb cannot grow memory beyond the image it claims to be
    raw = inflateSync(Buffer.concat(idat), { maxOutputLength: expected + (1 << 16) });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new ImageDecodeError(`${what}: the image data inflates to more than the ${expected} bytes a ${width} x ${height} image of bit depth ${depth} takes`);
    }
    // a stream that stops early is a cut file (PIL: "image file is truncated"); anything else is corrupt data
    const cut = (e as NodeJS.ErrnoException).code === 'Z_BUF_ERROR' || /unexpected end/.test((e as Error).message);
    throw new (cut ? TruncatedImageError : ImageDecodeError)(`${what}: ${cut ? 'truncated' : 'corrupt'} image data (${(e as Error).message})`);
  }
  if (raw.length < expected) throw new TruncatedImageError(`${what}: image data ends early (${raw.length} of ${height * (stride + 1)} bytes)`);
  // Undo the per-row filters (PNG spec 9): the filter byte, then the row against the previous one.
  const rows = new Uint8Array(height * stride);
  const bpp = 1;
  for (let y = 0; y < height; y++) {
    const f = raw[y * (stride + 1)]!;
    const src = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const out = rows.subarray(y * stride, (y + 1) * stride);
    const prev = y > 0 ? rows.subarray((y - 1) * stride, y * stride) : null;
    for (let x = 0; x < stride; x++) {
      const a = x >= bpp ? out[x - bpp]! : 0;
      const b = prev ? prev[x]! : 0;
      const c = prev && x >= bpp ? prev[x - bpp]! : 0;
      const v = src[x]!;
      switch (f) {
        case 0: out[x] = v; break;
        case 1: out[x] = (v + a) & 255; break;
        case 2: out[x] = (v + b) & 255; break;
        case 3: out[x] = (v + ((a + b) >> 1)) & 255; break;
        case 4: out[x] = (v + paeth(a, b, c)) & 255; break;
        default: throw new ImageDecodeError(`${what}: unknown PNG filter ${f} in row ${y}`);
      }
    }
  }
  const img = createImage(width, height, 1);
  const data = img.data as Uint8Array;
  const perByte = 8 / depth;
  const mask = (1 << depth) - 1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const byte = rows[y * stride + Math.floor(x / perByte)]!;
      const shift = 8 - depth * ((x % perByte) + 1);
      let v = (byte >> shift) & mask;
      // PIL scales low-depth grey to 0..255 ('L'); palette indices stay indices.
      if (colorType === 0 && depth < 8) v = Math.round((v * 255) / mask);
      data[y * width + x] = v;
    }
  }
  return { ...img, mode: colorType === 3 ? 'P' : 'L', palette: colorType === 3 ? palette : null };
}

/** Reads a palette or greyscale PNG file (a VOC class mask) as its stored values. */
export function readPaletteImage(path: string): PaletteImage {
  [path] = bindOwn(readPaletteImage, arguments) as Parameters<typeof readPaletteImage>;
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new Error(`cannot read ${path}: ${(e as Error).message}`);
  }
  return decodePaletteImage(bytes, path);
}
