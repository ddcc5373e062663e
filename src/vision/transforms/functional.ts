// torchvision.transforms.functional: each operation on an 8-bit HWC image (see io/image.ts) or on a
// [..., C, H, W] tensor (one image or a batch), with torchvision's semantics for both.
import { withArgs } from '../../args.js';
import { Tensor } from '../../tensor.js';
import { fromBytes } from '../../creation.js';
import { type DType, type DTypeLike, normalizeDtype } from '../../dtype.js';
import { isImage, type RGBImage } from '../io/image.js';
import { window, padImage, hflipImage, vflipImage, imageToCHWBytes, normalizeTables, imageThroughTables, type PaddingMode } from './image-ops.js';
import {
  padTensor, cropTensor, hflipTensor, vflipTensor, normalizeTensor, convertImageDtype as convertTensor, eraseTensor, dims,
} from './tensor-ops.js';

export type { PaddingMode };
export type ImageOrTensor = RGBImage | Tensor;

function kindError(what: string, x: unknown): TypeError {
  const name = x === null ? 'null' : typeof x === 'object' ? (x as object).constructor?.name ?? 'Object' : typeof x;
  return new TypeError(`${what}: expected an image (RGBImage) or a tensor, got ${name}`);
}

/** [channels, height, width] of an image or tensor (F.get_dimensions). */
export const getDimensions = withArgs('getDimensions', 'torchvision.transforms.functional.get_dimensions', 'img:dict', getDimensionsImpl);
function getDimensionsImpl(img: ImageOrTensor): [number, number, number] {
  if (img instanceof Tensor) { const { c, h, w } = dims(img); return [c, h, w]; }
  if (isImage(img)) return [img.channels, img.height, img.width];
  throw kindError('getDimensions', img);
}

/** Python's round(): halves go to the even neighbour. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** padding as torchvision takes it (n, [lr, tb] or [l, t, r, b]) -> [l, t, r, b]. */
export function parsePadding(padding: number | readonly number[]): [number, number, number, number] {
  const p = typeof padding === 'number' ? [padding] : [...padding];
  p.forEach((v) => { if (!Number.isInteger(v)) throw new TypeError(`padding must be integers, got [${p.join(', ')}]`); });
  if (p.length === 1) return [p[0]!, p[0]!, p[0]!, p[0]!];
  if (p.length === 2) return [p[0]!, p[1]!, p[0]!, p[1]!];
  if (p.length === 4) return [p[0]!, p[1]!, p[2]!, p[3]!];
  throw new RangeError(`padding must be an int or a 1, 2, or 4 element array, not a ${p.length} element array`);
}

const MODES: readonly PaddingMode[] = ['constant', 'edge', 'reflect', 'symmetric'];
export function checkMode(mode: string): PaddingMode {
  if (!MODES.includes(mode as PaddingMode)) throw new RangeError(`paddingMode should be either constant, edge, reflect or symmetric, got '${mode}'`);
  return mode as PaddingMode;
}

export const pad = withArgs('pad', 'torchvision.transforms.functional.pad', 'img:dict, padding, fill?, paddingMode?', padImpl);
function padImpl<T extends ImageOrTensor>(img: T, padding: number | readonly number[], fill: number | readonly number[] = 0, paddingMode: PaddingMode = 'constant'): T {
  const p = parsePadding(padding);
  const mode = checkMode(paddingMode);
  if (img instanceof Tensor) {
    if (typeof fill !== 'number') throw new TypeError('pad: for tensors, fill must be a number');
    return padTensor(img, p, fill, mode) as T;
  }
  if (isImage(img)) return padImage(img, p, mode, fill) as T;
  throw kindError('pad', img);
}

export const crop = withArgs('crop', 'torchvision.transforms.functional.crop', 'img:dict, top, left, height, width', cropImpl);
function cropImpl<T extends ImageOrTensor>(img: T, top: number, left: number, height: number, width: number): T {
  if (img instanceof Tensor) return cropTensor(img, top, left, height, width) as T;
  if (isImage(img)) return window(img, top, left, height, width) as T;
  throw kindError('crop', img);
}

/** (height, width) from a size given as n or [h, w] or [n]. */
export function parseSize(size: number | readonly number[], what: string): [number, number] {
  const s = typeof size === 'number' ? [size, size] : size.length === 1 ? [size[0]!, size[0]!] : [...size];
  if (s.length !== 2 || !s.every((v) => Number.isInteger(v) && v > 0)) {
    throw new RangeError(`${what}: size must be a positive integer or [height, width], got ${JSON.stringify(size)}`);
  }
  return [s[0]!, s[1]!];
}

export const centerCrop = withArgs('centerCrop', 'torchvision.transforms.functional.center_crop', 'img:dict, outputSize', centerCropImpl);
function centerCropImpl<T extends ImageOrTensor>(img: T, outputSize: number | readonly number[]): T {
  const [ch, cw] = parseSize(outputSize, 'centerCrop');
  let [, h, w] = getDimensions(img);
  if (cw > w || ch > h) {
    const padding = [cw > w ? (cw - w) >> 1 : 0, ch > h ? (ch - h) >> 1 : 0, cw > w ? (cw - w + 1) >> 1 : 0, ch > h ? (ch - h + 1) >> 1 : 0];
    img = pad(img, padding, 0);
    [, h, w] = getDimensions(img);
    if (cw === w && ch === h) return img;
  }
  return crop(img, roundHalfEven((h - ch) / 2), roundHalfEven((w - cw) / 2), ch, cw);
}

export const hflip = withArgs('hflip', 'torchvision.transforms.functional.hflip', 'img:dict', hflipImpl);
function hflipImpl<T extends ImageOrTensor>(img: T): T {
  if (img instanceof Tensor) return hflipTensor(img) as T;
  if (isImage(img)) return hflipImage(img) as T;
  throw kindError('hflip', img);
}

export const vflip = withArgs('vflip', 'torchvision.transforms.functional.vflip', 'img:dict', vflipImpl);
function vflipImpl<T extends ImageOrTensor>(img: T): T {
  if (img instanceof Tensor) return vflipTensor(img) as T;
  if (isImage(img)) return vflipImage(img) as T;
  throw kindError('vflip', img);
}

/** F.to_tensor: an image becomes a CHW float32 tensor in [0, 1]; a uint8 tensor is scaled the same way. */
export const toTensor = withArgs('toTensor', 'torchvision.transforms.functional.to_tensor', 'pic:dict', toTensorImpl);
function toTensorImpl(pic: ImageOrTensor): Tensor {
  // through the tables of a normalisation by mean 0, std 1: exactly byte / 255 in float32
  if (isImage(pic)) return toNormalizedTensor(pic, [0], [1]);
  if (pic instanceof Tensor) {
    if (pic.dtype.name === 'uint8') return pic.to('float32').div(255);
    if (pic.isFloatingPoint()) return pic;
    throw new TypeError(`toTensor: a ${pic.dtype} tensor cannot be scaled to [0, 1]; use convertImageDtype`);
  }
  throw kindError('toTensor', pic);
}

/** F.pil_to_tensor: an image becomes a CHW uint8 tensor (no scaling). */
export const pilToTensor = withArgs('pilToTensor', 'torchvision.transforms.functional.pil_to_tensor', 'pic:dict', pilToTensorImpl);
function pilToTensorImpl(pic: ImageOrTensor): Tensor {
  if (isImage(pic)) return imageToCHWBytes(pic);
  if (pic instanceof Tensor) return pic;
  throw kindError('pilToTensor', pic);
}
export const toImageTensor = pilToTensor;

/** toTensor then normalize, fused for images (the same float32 values, one pass, one native call). */
const tableCache = new Map<string, Float32Array>();

export const toNormalizedTensor = withArgs('toNormalizedTensor', '(tstorch) to_tensor then normalize', 'pic:dict, mean, std', toNormalizedTensorImpl);
function toNormalizedTensorImpl(pic: ImageOrTensor, mean: readonly number[], std: readonly number[]): Tensor {
  if (isImage(pic)) {
    const key = `${pic.channels}|${mean.join(',')}|${std.join(',')}`;
    let tables = tableCache.get(key);
    if (tables === undefined) {
      tables = normalizeTables(pic.channels, mean, std);
      if (tableCache.size > 64) tableCache.clear();
      tableCache.set(key, tables);
    }
    return imageThroughTables(pic, tables);
  }
  return normalize(toTensor(pic), mean, std, true);
}

export const normalize = withArgs('normalize', 'torchvision.transforms.functional.normalize', 'tensor, mean, std, inplace?', normalizeImpl);
function normalizeImpl(t: Tensor, mean: readonly number[], std: readonly number[], inplace = false): Tensor {
  if (!(t instanceof Tensor)) throw new TypeError('normalize: expected a tensor (apply ToTensor first)');
  return normalizeTensor(t, mean, std, inplace);
}

export const convertImageDtype = withArgs('convertImageDtype', 'torchvision.transforms.functional.convert_image_dtype', 'image, dtype?', convertImageDtypeImpl);
function convertImageDtypeImpl(image: Tensor, dtype: DTypeLike = 'float32'): Tensor {
  if (!(image instanceof Tensor)) throw new TypeError('convertImageDtype: expected a tensor');
  return convertTensor(image, normalizeDtype(dtype));
}

export const erase = withArgs('erase', 'torchvision.transforms.functional.erase', 'img:dict, i, j, h, w, v, inplace?', eraseImpl);
function eraseImpl(img: Tensor, i: number, j: number, h: number, w: number, v: Tensor, inplace = false): Tensor {
  if (!(img instanceof Tensor)) throw new TypeError('erase: expected a tensor');
  return eraseTensor(img, i, j, h, w, v, inplace);
}

export { window as cropWithPadding };
