// PIL's Image.open(...).convert(mode) for Node: image objects (HWC bytes, see image.ts) from files and bytes
// (openImage, decodeToImage), and back to bytes (encodeImage). torchvision.io's tensor functions (readImage,
// decodeImage, writePng ...) are in tensor-io.ts, on top of these. Plain JPEGs are decoded by
// libjpeg-turbo in the addon; PNG, WebP, GIF (first frame), TIFF and every other JPEG by sharp (libvips); PPM/PGM
// and BMP in JavaScript. Every path applies Pillow's decompression-bomb limit (limits.ts) to the header's size
// before allocating pixels, and fails with an ImageDecodeError that names the file and the problem. Palette,
// grey, CMYK and alpha images come out as RGB (or 'L'); the EXIF orientation is
// applied. Each function has a synchronous twin (`...Sync`) for Dataset.get(i): what sharp decodes is then
// served by a worker thread while the caller waits.
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { native } from '../../native/binding.js';
import { Tensor } from '../../tensor.js';
import { decodeRaw, encodeRaw, type EncodeOptions, type RawImage } from './sharp-ops.js';
import { runSync } from './sync.js';
import { decodeNetpbm, isNetpbm } from './netpbm.js';
import { decodeBmp, isBmp } from './bmp.js';
import { createImage, isImage, tensorToImage, toGrayscale, toRGB, type ImageMode, type RGBImage } from './image.js';
import { checkImagePixels, getMaxImagePixels, hardPixelLimit, ImageDecodeError, imageError, UnidentifiedImageError, type ImageErrorReason } from './limits.js';
import { bindOwn, registerSignature } from '../../args.js';

// PyTorch's argument binding (src/args.ts) for this module's functions: an extra positional argument or an
// unknown keyword is a TypeError naming it.
registerSignature(decodeToImage, 'decodeToImage', 'tstorch.vision.io.decodeToImage', 'buffer; *, mode, name');
registerSignature(decodeToImageSync, 'decodeToImageSync', 'tstorch.vision.io.decodeToImageSync', 'buffer; *, mode, name');
registerSignature(encodeImage, 'encodeImage', 'tstorch.vision.io.encodeImage', 'img:dict; *, format, quality, compressionLevel');
registerSignature(encodeImageSync, 'encodeImageSync', 'tstorch.vision.io.encodeImageSync', 'img:dict; *, format, quality, compressionLevel');
registerSignature(openImage, 'openImage', 'tstorch.vision.io.openImage', 'path; *, mode');
registerSignature(openImageSync, 'openImageSync', 'tstorch.vision.io.openImageSync', 'path; *, mode');

export type { EncodeOptions };

export type ReadMode = ImageMode | 'unchanged';

export interface ReadOptions {
  /**
   * 'RGB' (default), 'L' (PIL's luma), or 'unchanged': the file's own channels (grey 1, grey+alpha 2, RGB 3,
   * RGBA 4; palettes expanded), as torchvision.io.read_image's default.
   */
  mode?: ReadMode;
}

function checkMode(mode: unknown): ReadMode {
  if (mode === undefined) return 'RGB';
  if (mode !== 'RGB' && mode !== 'L' && mode !== 'unchanged') throw new RangeError(`openImage: mode must be 'RGB', 'L' or 'unchanged', got '${String(mode)}'`);
  return mode;
}

function finish(raw: RawImage, mode: ReadMode): RGBImage {
  const img = createImage(raw.width, raw.height, raw.channels, raw.data);
  if (mode === 'unchanged') return img;
  return mode === 'RGB' ? toRGB(img) : toGrayscale(toRGB(img), 1);
}

/** sharp's and libvips' messages by the kind of problem they report. */
function reasonOf(msg: string): ImageErrorReason {
  if (/unsupported image format|not a known file format|bad seek|no decoder/i.test(msg)) return 'not-an-image';
  if (/pixel limit|decompression bomb/i.test(msg)) return 'bomb';
  if (/truncat|premature end|unexpected end|not enough image data|end of (file|stream|input)/i.test(msg)) return 'truncated';
  return 'corrupt';
}

/** The error for a file or buffer that could not be decoded: an ImageDecodeError of the problem's class, naming it. */
function named(e: unknown, what: string): Error {
  if (e instanceof ImageDecodeError) return e.named(what);
  if (e instanceof RangeError && /allocation failed|Array buffer|Invalid typed array length/i.test(e.message)) {
    return imageError('corrupt', `cannot decode image ${what}: out of memory (${e.message})`);
  }
  const msg = e instanceof Error ? e.message : String(e);
  return imageError(reasonOf(msg), `cannot decode image ${what}: ${msg}`);
}

function asBytes(buffer: Uint8Array | ArrayBuffer): Uint8Array {
  return buffer instanceof Uint8Array ? buffer : new Uint8Array(buffer);
}

/**
 * The formats decoded here rather than by libvips: Netpbm and BMP in TypeScript, and the common JPEG (three
 * components, no EXIF rotation, no libjpeg warning) by libjpeg-turbo in the addon, as Pillow decodes it and at
 * Pillow's speed; every other JPEG (and any error) goes to sharp.
 */
function decodeLocal(b: Uint8Array, limit: number | null): RawImage | undefined {
  if (b.length === 0) throw new UnidentifiedImageError('cannot identify image file (it is empty)');
  if (isNetpbm(b)) return decodeNetpbm(b);
  if (isBmp(b)) return decodeBmp(b);
  if (b[0] === 0xff && b[1] === 0xd8) {
    const r = native.decodeJpeg(b, hardPixelLimit(limit));
    if (r === null) return undefined;
    if ('tooLarge' in r) {
      checkImagePixels(r.width, r.height, { limit }); // throws: nothing was decoded
      return undefined;
    }
    return r;
  }
  return undefined;
}

/**
 * Every decoder checks the header's size against the decompression-bomb limit before allocating (and throws
 * above twice the limit); the warning between the limit and twice the limit is given here, once decoded.
 */
function decoded(raw: RawImage, limit: number | null): RawImage {
  checkImagePixels(raw.width, raw.height, { limit });
  return raw;
}

/** Decodes image bytes to an image object (PIL: Image.open(BytesIO(bytes)).convert(mode)). */
export async function decodeToImage(buffer: Uint8Array | ArrayBuffer, opts: ReadOptions & { name?: string } = {}): Promise<RGBImage> {
  [buffer, opts = {}] = bindOwn(decodeToImage, arguments) as Parameters<typeof decodeToImage>;
  const mode = checkMode(opts.mode);
  try {
    const b = asBytes(buffer);
    const limit = getMaxImagePixels();
    return finish(decoded(decodeLocal(b, limit) ?? await decodeRaw(b, mode === 'unchanged', limit), limit), mode);
  } catch (e) {
    throw named(e, opts.name ?? `(${asBytes(buffer).byteLength}-byte buffer)`);
  }
}

export function decodeToImageSync(buffer: Uint8Array | ArrayBuffer, opts: ReadOptions & { name?: string } = {}): RGBImage {
  [buffer, opts = {}] = bindOwn(decodeToImageSync, arguments) as Parameters<typeof decodeToImageSync>;
  const mode = checkMode(opts.mode);
  try {
    const b = asBytes(buffer);
    const limit = getMaxImagePixels();
    return finish(decoded(decodeLocal(b, limit) ?? runSync({ kind: 'decode', buffer: b, unchanged: mode === 'unchanged', limit }) as RawImage, limit), mode);
  } catch (e) {
    throw named(e, opts.name ?? `(${asBytes(buffer).byteLength}-byte buffer)`);
  }
}

/**
 * The image file at `path` as an image object (PIL: Image.open(path).convert(mode)): what the PIL-style
 * transforms take. torchvision.io.read_image (a CHW uint8 tensor) is `readImage`.
 */
export async function openImage(path: string, opts: ReadOptions = {}): Promise<RGBImage> {
  [path, opts = {}] = bindOwn(openImage, arguments) as Parameters<typeof openImage>;
  return decodeToImage(await readFile(path), { ...opts, name: `'${path}'` });
}

export function openImageSync(path: string, opts: ReadOptions = {}): RGBImage {
  [path, opts = {}] = bindOwn(openImageSync, arguments) as Parameters<typeof openImageSync>;
  return decodeToImageSync(readFileSync(path), { ...opts, name: `'${path}'` });
}

function toRaw(img: RGBImage | Tensor): RawImage {
  if (img instanceof Tensor) return tensorToImage(img);
  if (!isImage(img)) throw new TypeError('encodeImage: expected an image ({width, height, channels, data}) or a CHW tensor');
  return img;
}

/** Encodes an image or a CHW tensor (uint8, or float in [0, 1]) as PNG (default), JPEG or WebP bytes. */
export async function encodeImage(img: RGBImage | Tensor, opts: EncodeOptions = {}): Promise<Uint8Array> {
  [img, opts = {}] = bindOwn(encodeImage, arguments) as Parameters<typeof encodeImage>;
  return encodeRaw(toRaw(img), opts);
}

export function encodeImageSync(img: RGBImage | Tensor, opts: EncodeOptions = {}): Uint8Array {
  [img, opts = {}] = bindOwn(encodeImageSync, arguments) as Parameters<typeof encodeImageSync>;
  return runSync({ kind: 'encode', image: toRaw(img), opts }) as Uint8Array;
}

