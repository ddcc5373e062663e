// torchvision.io's image functions, with torchvision's names, arguments and meaning: images are CHW uint8
// tensors, encoded files are 1-d uint8 tensors, and `mode` is an ImageReadMode (UNCHANGED by default: the
// file's own channels). They are synchronous, as in Python; `readImageAsync` decodes off the event loop's
// critical path. Image objects for the PIL-style transforms come from `openImage` (decode.ts).
import { readFileSync, writeFileSync } from 'node:fs';
import { readFile as readFileAsync } from 'node:fs/promises';
import { Tensor } from '../../tensor.js';
import { fromBytes } from '../../creation.js';
import { withArgs } from '../../args.js';
import { createImage, imageToTensor, isImage, tensorToImage, toGrayscale, type RGBImage } from './image.js';
import { decodeToImage, decodeToImageSync, encodeImageSync, type ReadMode } from './decode.js';

/** torchvision.io.ImageReadMode: which channels a decoded image has. */
export const ImageReadMode = { UNCHANGED: 0, GRAY: 1, GRAY_ALPHA: 2, RGB: 3, RGB_ALPHA: 4 } as const;
export type ImageReadMode = (typeof ImageReadMode)[keyof typeof ImageReadMode];
/** A mode as torchvision's enum, or as its name ('RGB', 'GRAY', 'UNCHANGED'...). */
export type ImageReadModeLike = ImageReadMode | keyof typeof ImageReadMode;

function modeOf(mode: ImageReadModeLike | undefined, fn: string): ImageReadMode {
  if (mode === undefined) return ImageReadMode.UNCHANGED;
  if (typeof mode === 'string' && mode in ImageReadMode) return ImageReadMode[mode as keyof typeof ImageReadMode];
  if (typeof mode === 'number' && Object.values(ImageReadMode).includes(mode)) return mode;
  throw new TypeError(`${fn}: mode must be an ImageReadMode (UNCHANGED, GRAY, GRAY_ALPHA, RGB, RGB_ALPHA), got ${String(mode)}`);
}

/** What the decoder is asked for: alpha modes start from the file's own channels. */
function decodeMode(mode: ImageReadMode): ReadMode {
  return mode === ImageReadMode.RGB ? 'RGB' : mode === ImageReadMode.GRAY ? 'L' : 'unchanged';
}

/** Adds or keeps an alpha channel: grey (+ alpha) for GRAY_ALPHA, RGB (+ alpha) for RGB_ALPHA; opaque when the file has none. */
function withAlpha(img: RGBImage, mode: ImageReadMode): RGBImage {
  if (mode !== ImageReadMode.GRAY_ALPHA && mode !== ImageReadMode.RGB_ALPHA) return img;
  const C = img.channels;
  const hasAlpha = C === 2 || C === 4;
  const colour = mode === ImageReadMode.RGB_ALPHA ? 3 : 1;
  const base = colour === 1 ? toGrayscale(img, 1) : C >= 3 ? img : toGrayscale(img, 3);
  const n = img.width * img.height;
  const out = new Uint8Array(n * (colour + 1));
  const B = base.channels;
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < colour; c++) out[i * (colour + 1) + c] = base.data[i * B + c]!;
    out[i * (colour + 1) + colour] = hasAlpha ? img.data[i * C + C - 1]! : 255;
  }
  return createImage(img.width, img.height, colour + 1, out);
}

function bytesOf(input: Tensor, fn: string): Uint8Array {
  if (!(input instanceof Tensor)) throw new TypeError(`${fn}: expected a tensor of encoded bytes (torchvision.io.read_file), got ${typeof input}`);
  if (input.dtype.name !== 'uint8') throw new TypeError(`${fn}: expected a torch.uint8 tensor, got ${input.dtype}`);
  if (input.ndim !== 1) throw new RangeError(`${fn}: expected a one dimensional tensor, got shape [${input.shape.join(', ')}]`);
  return new Uint8Array(input.cpu().contiguous().toBytes());
}

/** torchvision.io.read_file: the bytes of a file as a 1-d uint8 tensor. */
function readFileImpl(path: string): Tensor {
  const b = readFileSync(path);
  return fromBytes(b, [b.byteLength], 'uint8');
}
export const readFile = withArgs('readFile', 'torchvision.io.read_file', 'path', readFileImpl);

/** torchvision.io.write_file: writes a 1-d uint8 tensor's bytes to a file. */
function writeFileImpl(filename: string, data: Tensor): void {
  writeFileSync(filename, bytesOf(data, 'writeFile'));
}
export const writeFile = withArgs('writeFile', 'torchvision.io.write_file', 'filename, data', writeFileImpl);

/** torchvision.io.decode_image: JPEG, PNG (and GIF, WebP, BMP...) bytes to a CHW uint8 tensor. */
function decodeImageImpl(input: Tensor, mode?: ImageReadModeLike): Tensor {
  const m = modeOf(mode, 'decodeImage');
  return imageToTensor(withAlpha(decodeToImageSync(bytesOf(input, 'decodeImage'), { mode: decodeMode(m) }), m));
}
export const decodeImage = withArgs('decodeImage', 'torchvision.io.decode_image', 'input, mode?', decodeImageImpl);

/** torchvision.io.decode_jpeg (CPU). */
function decodeJpegImpl(input: Tensor, mode?: ImageReadModeLike, device: 'cpu' = 'cpu'): Tensor {
  if (device !== 'cpu') throw new TypeError(`decodeJpeg: device must be 'cpu' (the linked libtorch has no nvjpeg), got '${String(device)}'`);
  const b = bytesOf(input, 'decodeJpeg');
  if (b[0] !== 0xff || b[1] !== 0xd8) throw new TypeError('decodeJpeg: not a JPEG file (no SOI marker)');
  return decodeImage(input, mode);
}
export const decodeJpeg = withArgs('decodeJpeg', 'torchvision.io.decode_jpeg', 'input, mode?, device?', decodeJpegImpl);

/** torchvision.io.decode_png. */
function decodePngImpl(input: Tensor, mode?: ImageReadModeLike): Tensor {
  const b = bytesOf(input, 'decodePng');
  if (b[0] !== 0x89 || b[1] !== 0x50 || b[2] !== 0x4e || b[3] !== 0x47) throw new TypeError('decodePng: not a PNG file (bad signature)');
  return decodeImage(input, mode);
}
export const decodePng = withArgs('decodePng', 'torchvision.io.decode_png', 'input, mode?', decodePngImpl);

/** torchvision.io.read_image: the image file at `path` as a CHW uint8 tensor (the file's channels by default). */
function readImageImpl(path: string, mode?: ImageReadModeLike): Tensor {
  const m = modeOf(mode, 'readImage');
  return imageToTensor(withAlpha(decodeToImageSync(readFileSync(path), { mode: decodeMode(m), name: `'${path}'` }), m));
}
export const readImage = withArgs('readImage', 'torchvision.io.read_image', 'path, mode?', readImageImpl);

/** readImage without blocking the event loop while sharp decodes (formats other than plain JPEG, BMP, Netpbm). */
async function readImageAsyncImpl(path: string, mode?: ImageReadModeLike): Promise<Tensor> {
  const m = modeOf(mode, 'readImageAsync');
  return imageToTensor(withAlpha(await decodeToImage(await readFileAsync(path), { mode: decodeMode(m), name: `'${path}'` }), m));
}
export const readImageAsync = withArgs('readImageAsync', 'torchvision.io.read_image', 'path, mode?', readImageAsyncImpl);

/** A CHW uint8 tensor, or an image object (as `openImage` gives), as the image object the encoder takes. */
function encodable(input: Tensor | RGBImage, fn: string): RGBImage {
  if (input instanceof Tensor) {
    if (input.dtype.name !== 'uint8') throw new TypeError(`${fn}: input tensor dtype should be uint8, got ${input.dtype}`);
    if (input.ndim !== 3) throw new RangeError(`${fn}: input data should be a 3-dimensional tensor, got shape [${input.shape.join(', ')}]`);
    if (input.size(0) !== 1 && input.size(0) !== 3) throw new RangeError(`${fn}: the number of channels should be 1 or 3, got ${input.size(0)}`);
    return tensorToImage(input);
  }
  if (!isImage(input)) throw new TypeError(`${fn}: expected a CHW uint8 tensor or an image object, got ${typeof input}`);
  return input;
}

function checkRange(fn: string, name: string, v: number, lo: number, hi: number): void {
  if (!Number.isInteger(v) || v < lo || v > hi) throw new RangeError(`${fn}: ${name} must be an integer between ${lo} and ${hi}, got ${v}`);
}

/**
 * torchvision.io.encode_jpeg: a CHW uint8 tensor (1 or 3 channels) to JPEG bytes, as a 1-d uint8 tensor. Also
 * takes an image object.
 */
function encodeJpegImpl(input: Tensor | RGBImage, quality = 75): Tensor {
  checkRange('encodeJpeg', 'quality', quality, 1, 100);
  const b = encodeImageSync(encodable(input, 'encodeJpeg'), { format: 'jpeg', quality });
  return fromBytes(b, [b.byteLength], 'uint8');
}
export const encodeJpeg = withArgs('encodeJpeg', 'torchvision.io.encode_jpeg', 'input:dict, quality?', encodeJpegImpl);

/** torchvision.io.encode_png: a CHW uint8 tensor (1 or 3 channels) or an image object to PNG bytes (1-d uint8 tensor). */
function encodePngImpl(input: Tensor | RGBImage, compressionLevel = 6): Tensor {
  checkRange('encodePng', 'compressionLevel', compressionLevel, 0, 9);
  const b = encodeImageSync(encodable(input, 'encodePng'), { format: 'png', compressionLevel });
  return fromBytes(b, [b.byteLength], 'uint8');
}
export const encodePng = withArgs('encodePng', 'torchvision.io.encode_png', 'input:dict, compressionLevel?', encodePngImpl);

/** torchvision.io.write_jpeg(input, filename, quality=75); also takes an image object. */
function writeJpegImpl(input: Tensor | RGBImage, filename: string, quality = 75): void {
  writeFile(filename, encodeJpeg(input, quality));
}
export const writeJpeg = withArgs('writeJpeg', 'torchvision.io.write_jpeg', 'input:dict, filename, quality?', writeJpegImpl);

/** torchvision.io.write_png(input, filename, compression_level=6); also takes an image object. */
function writePngImpl(input: Tensor | RGBImage, filename: string, compressionLevel = 6): void {
  writeFile(filename, encodePng(input, compressionLevel));
}
export const writePng = withArgs('writePng', 'torchvision.io.write_png', 'input:dict, filename, compressionLevel?', writePngImpl);
