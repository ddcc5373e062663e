// torchvision's geometric transforms that resample: Resize, RandomResizedCrop, RandomRotation, RandomAffine
// (and their functional forms). On an 8-bit image they reproduce torchvision on a PIL image byte for byte
// (Pillow's kernels, see pil-kernels.ts); on [..., C, H, W] tensors they follow torchvision's tensor path
// (ATen's interpolation, grid_sample).
import { withArgs } from '../../args.js';
import { bindCtor, classArgs, api, type PyRest } from '../../args.js';
import { Tensor } from '../../tensor.js';
import { empty, tensor as makeTensor } from '../../creation.js';
import { op } from '../../native/ops.js';
import { isImage, type RGBImage } from '../io/image.js';
import { coin, randint1 } from './draws.js';
import * as F from './functional.js';
import type { ImageOrTensor } from './functional.js';
import { Transform } from './transforms.js';
import { affineTensor, perspectiveTensor, rotateTensor } from './tensor-grid.js';
import {
  PIL_BICUBIC, PIL_BILINEAR, PIL_BOX, PIL_HAMMING, PIL_LANCZOS, PIL_NEAREST, affineImage, perspectiveImage, resampleImage,
  resizeNearestImage, rotateQuarterImage,
} from './pil-kernels.js';

export type InterpolationMode = 'nearest' | 'bilinear' | 'bicubic' | 'box' | 'hamming' | 'lanczos';

const PIL_FILTER: Record<InterpolationMode, number> = {
  nearest: PIL_NEAREST, bilinear: PIL_BILINEAR, bicubic: PIL_BICUBIC, box: PIL_BOX, hamming: PIL_HAMMING, lanczos: PIL_LANCZOS,
};

export function checkInterpolation(mode: unknown, what: string): InterpolationMode {
  if (typeof mode !== 'string' || !(mode in PIL_FILTER)) {
    throw new RangeError(`${what}: interpolation must be one of ${Object.keys(PIL_FILTER).join(', ')}; got ${String(mode)}`);
  }
  return mode as InterpolationMode;
}

const O = {
  lstsq: op('aten::linalg_lstsq'),
  nearest: op('aten::upsample_nearest2d'), bilinear: op('aten::upsample_bilinear2d'), bilinearAA: op('aten::_upsample_bilinear2d_aa'),
  bicubic: op('aten::upsample_bicubic2d'), bicubicAA: op('aten::_upsample_bicubic2d_aa'),
};

/** F._compute_resized_output_size: [h, w] for a size given as n (shorter side), [n] or [h, w]. */
export function resizedOutputSize(h: number, w: number, size: number | readonly number[], maxSize?: number): [number, number] {
  const s = typeof size === 'number' ? [size] : [...size];
  if (s.length !== 1 && s.length !== 2) throw new RangeError(`resize: size must be an int or a 1 or 2 element array, not a ${s.length} element array`);
  if (!s.every((v) => Number.isInteger(v) && v > 0)) throw new RangeError(`resize: size must hold positive integers, got ${JSON.stringify(size)}`);
  if (s.length === 2) {
    if (maxSize !== undefined) throw new RangeError('resize: maxSize should only be passed if size specifies the length of the smaller edge');
    return [s[0]!, s[1]!];
  }
  const [short, long] = w <= h ? [w, h] : [h, w];
  const req = s[0]!;
  let newShort = req, newLong = Math.trunc((req * long) / short);
  if (maxSize !== undefined) {
    if (maxSize <= req) throw new RangeError(`resize: maxSize = ${maxSize} must be strictly greater than the requested size for the smaller edge size = ${req}`);
    if (newLong > maxSize) { newShort = Math.trunc((maxSize * newShort) / newLong); newLong = maxSize; }
  }
  return w <= h ? [newLong, newShort] : [newShort, newLong];
}

function resizeTensor(img: Tensor, [h, w]: [number, number], mode: InterpolationMode, antialias: boolean): Tensor {
  if (mode !== 'nearest' && mode !== 'bilinear' && mode !== 'bicubic') throw new RangeError(`resize: tensors support nearest, bilinear and bicubic interpolation, not ${mode}`);
  if (antialias && mode === 'nearest') throw new RangeError('resize: antialias is supported for bilinear and bicubic interpolation only');
  const shape = img.shape;
  const lead = shape.slice(0, -3);
  let x = img.reshape([-1, ...shape.slice(-3)]);
  const outDtype = x.dtype;
  const cast = outDtype.name !== 'float32' && outDtype.name !== 'float64';
  if (cast) x = x.to('float32');
  let y: Tensor;
  if (mode === 'nearest') y = new Tensor(O.nearest(x._h, [h, w]));
  else if (mode === 'bilinear') y = new Tensor((antialias ? O.bilinearAA : O.bilinear)(x._h, [h, w], false));
  else y = new Tensor((antialias ? O.bicubicAA : O.bicubic)(x._h, [h, w], false));
  if (mode === 'bicubic' && outDtype.name === 'uint8') y = y.clamp(0, 255);
  if (cast) y = y.round().to(outDtype);
  return y.reshape([...lead, ...y.shape.slice(-3)]);
}

export interface ResizeOptions {
  interpolation?: InterpolationMode;
  maxSize?: number;
  /** Tensors only (PIL always antialiases); torchvision 0.14's default for tensors is false. */
  antialias?: boolean;
}

/** F.resize: size n resizes the shorter side to n keeping the aspect ratio; [h, w] resizes to exactly that. */
export const resize = api<<T extends ImageOrTensor>(img: T, size: number | readonly number[],
  ...rest: PyRest<ResizeOptions, ['interpolation', 'maxSize', 'antialias']>) => T>('resize', 'torchvision.transforms.functional.resize', 'img:dict, size; interpolation, maxSize, antialias', resizeImpl);
function resizeImpl<T extends ImageOrTensor>(img: T, size: number | readonly number[], opts: ResizeOptions = {}): T {
  const mode = checkInterpolation(opts.interpolation ?? 'bilinear', 'resize');
  const [, h, w] = F.getDimensions(img);
  const out = resizedOutputSize(h, w, size, opts.maxSize);
  if (out[0] === h && out[1] === w) return img;
  if (img instanceof Tensor) return resizeTensor(img, out, mode, opts.antialias ?? false) as T;
  if (!isImage(img)) throw new TypeError('resize: expected an image (RGBImage) or a tensor');
  return (mode === 'nearest' ? resizeNearestImage(img, out[1], out[0]) : resampleImage(img, out[1], out[0], PIL_FILTER[mode])) as T;
}

export const resizedCrop = api<<T extends ImageOrTensor>(img: T, top: number, left: number, height: number, width: number,
  size: number | readonly number[], ...rest: PyRest<ResizeOptions, ['interpolation', 'antialias']>) => T>('resizedCrop', 'torchvision.transforms.functional.resized_crop', 'img:dict, top, left, height, width, size; interpolation, antialias', resizedCropImpl);
function resizedCropImpl<T extends ImageOrTensor>(img: T, top: number, left: number, height: number, width: number,
  size: number | readonly number[], opts: ResizeOptions = {}): T {
  return resize(F.crop(img, top, left, height, width), size, opts);
}

const py = (v: unknown): string => (Array.isArray(v) ? `(${v.join(', ')})` : v === undefined || v === null ? 'None' : String(v));

export class Resize extends Transform<ImageOrTensor, ImageOrTensor> {
  readonly size: number | number[];
  readonly interpolation: InterpolationMode;
  readonly maxSize: number | undefined;
  readonly antialias: boolean | undefined;
  /** torchvision's order (size, interpolation, maxSize, antialias), or an options object after size. */
  constructor(size: number | readonly number[], ...rest: PyRest<ResizeOptions, ['interpolation', 'maxSize', 'antialias']>) {
    super();
    let opts: ResizeOptions;
    [size, opts = {}] = bindCtor(Resize, arguments) as [number | readonly number[], ResizeOptions];
    resizedOutputSize(1, 1, size, opts.maxSize);
    this.size = typeof size === 'number' ? size : [...size];
    this.interpolation = checkInterpolation(opts.interpolation ?? 'bilinear', 'Resize');
    this.maxSize = opts.maxSize;
    this.antialias = opts.antialias;
  }
  forward<T extends ImageOrTensor>(img: T): T {
    return resize(img, this.size, { interpolation: this.interpolation, maxSize: this.maxSize, antialias: this.antialias });
  }
  override toString(): string {
    return `Resize(size=${py(this.size)}, interpolation=${this.interpolation}, max_size=${py(this.maxSize)}, antialias=${py(this.antialias)})`;
  }
}

/** `torch.empty(1).uniform_(lo, hi).item()`: the float32 draw torchvision makes. */
export function uniform1(lo: number, hi: number): number {
  return empty([1]).uniform_(lo, hi).item();
}

export interface RandomResizedCropOptions extends ResizeOptions {
  scale?: [number, number];
  ratio?: [number, number];
}

export class RandomResizedCrop extends Transform<ImageOrTensor, ImageOrTensor> {
  readonly size: [number, number];
  readonly scale: [number, number];
  readonly ratio: [number, number];
  readonly interpolation: InterpolationMode;
  readonly antialias: boolean | undefined;
  /** torchvision's order (size, scale, ratio, interpolation, antialias), or an options object after size. */
  constructor(size: number | readonly number[], ...rest: PyRest<RandomResizedCropOptions, ['scale', 'ratio', 'interpolation', 'antialias']>) {
    super();
    let opts: RandomResizedCropOptions;
    [size, opts = {}] = bindCtor(RandomResizedCrop, arguments) as [number | readonly number[], RandomResizedCropOptions];
    this.size = F.parseSize(size, 'RandomResizedCrop');
    this.scale = opts.scale ?? [0.08, 1.0];
    this.ratio = opts.ratio ?? [3 / 4, 4 / 3];
    if (this.scale[0] > this.scale[1] || this.ratio[0] > this.ratio[1]) {
      throw new RangeError(`RandomResizedCrop: scale and ratio should be of kind (min, max), got scale ${py(this.scale)} ratio ${py(this.ratio)}`);
    }
    this.interpolation = checkInterpolation(opts.interpolation ?? 'bilinear', 'RandomResizedCrop');
    this.antialias = opts.antialias;
  }

  /** torchvision's get_params: up to 10 tries of (area, log-ratio) draws, then a central crop. */
  static getParams(img: ImageOrTensor, scale: readonly [number, number], ratio: readonly [number, number]): [number, number, number, number] {
    const [, height, width] = F.getDimensions(img);
    const area = height * width;
    // log_ratio is a float32 tensor in torchvision; its entries reach uniform_ as float32 values.
    const logRatio = makeTensor([ratio[0], ratio[1]]).log().toArray() as number[];
    for (let k = 0; k < 10; k++) {
      const targetArea = area * uniform1(scale[0], scale[1]);
      const aspect = empty([1]).uniform_(logRatio[0]!, logRatio[1]!).exp().item();
      const w = F.roundHalfEven(Math.sqrt(targetArea * aspect));
      const h = F.roundHalfEven(Math.sqrt(targetArea / aspect));
      if (w > 0 && w <= width && h > 0 && h <= height) {
        const i = randint1(0, height - h + 1);
        const j = randint1(0, width - w + 1);
        return [i, j, h, w];
      }
    }
    const inRatio = width / height;
    let w: number, h: number;
    if (inRatio < Math.min(...ratio)) { w = width; h = F.roundHalfEven(w / Math.min(...ratio)); }
    else if (inRatio > Math.max(...ratio)) { h = height; w = F.roundHalfEven(h * Math.max(...ratio)); }
    else { w = width; h = height; }
    return [Math.trunc((height - h) / 2), Math.trunc((width - w) / 2), h, w];
  }

  forward<T extends ImageOrTensor>(img: T): T {
    const [i, j, h, w] = RandomResizedCrop.getParams(img, this.scale, this.ratio);
    return resizedCrop(img, i, j, h, w, this.size, { interpolation: this.interpolation, antialias: this.antialias });
  }
  override toString(): string {
    return `RandomResizedCrop(size=${py(this.size)}, scale=${py(this.scale)}, ratio=${py(this.ratio)}, interpolation=${this.interpolation})`;
  }
}

function fillFor(img: RGBImage, fill: number | readonly number[] | undefined): Uint8Array {
  const f = fill ?? 0;
  const vals = typeof f === 'number' ? new Array<number>(img.channels).fill(f) : [...f];
  if (vals.length !== img.channels) {
    throw new RangeError(`fill: the number of elements in 'fill' does not match the number of channels of the image (${vals.length} != ${img.channels})`);
  }
  return Uint8Array.from(vals, (v) => Math.max(0, Math.min(255, Math.trunc(v))));
}

function imageOnly(img: unknown, what: string): RGBImage {
  if (!isImage(img)) throw new TypeError(`${what}: expected an image (RGBImage) or a tensor`);
  return img;
}

/** Python's `%` on floats: the result has the sign of the divisor. */
const pyMod = (a: number, b: number): number => a - Math.floor(a / b) * b;
/** Python's round(x, 15), as PIL applies to the rotation matrix. */
const round15 = (x: number): number => Number(x.toFixed(15));

export interface RotateOptions {
  interpolation?: InterpolationMode;
  expand?: boolean;
  /** [x, y] in pixels; the image centre by default. */
  center?: readonly [number, number] | null;
  fill?: number | readonly number[];
}

/** Tensor fill as torchvision takes it: none, one value, or one per channel. */
function tensorFill(fill: number | readonly number[] | undefined | null): number[] | null {
  return fill === undefined || fill === null ? null : typeof fill === 'number' ? [fill] : [...fill];
}

/**
 * F.rotate (counter-clockwise degrees): PIL's Image.rotate on an image; torchvision's grid_sample path on a
 * tensor (where an omitted fill means no fill mask, as in torchvision).
 */
export const rotate = api<<T extends ImageOrTensor>(img: T, angle: number,
  ...rest: PyRest<RotateOptions, ['interpolation', 'expand', 'center', 'fill']>) => T>('rotate', 'torchvision.transforms.functional.rotate', 'img:dict, angle; interpolation, expand, center, fill', rotateImpl);
function rotateImpl<T extends ImageOrTensor>(img: T, angle: number, opts: RotateOptions = {}): T {
  const mode = checkInterpolation(opts.interpolation ?? 'nearest', 'rotate');
  if (img instanceof Tensor) {
    const [h, w] = img.shape.slice(-2) as [number, number];
    const c = opts.center ?? null;
    const centerF: [number, number] = c === null ? [0, 0] : [c[0] - w * 0.5, c[1] - h * 0.5];
    const m = inverseAffineMatrix(centerF, -angle, [0, 0], 1, [0, 0]);
    return rotateTensor(img, m, mode as 'nearest', opts.expand ?? false, tensorFill(opts.fill)) as T;
  }
  return rotateImage(imageOnly(img, 'rotate'), angle, mode, opts) as T;
}

function rotateImage(img: RGBImage, angle: number, mode: InterpolationMode, opts: RotateOptions): RGBImage {
  const expand = opts.expand ?? false;
  const center = opts.center ?? null;
  angle = pyMod(angle, 360);
  if (center === null) {
    if (angle === 0) return { ...img, data: img.data.slice() };
    if (angle === 180) return rotateQuarterImage(img, 2);
    if ((angle === 90 || angle === 270) && (expand || img.width === img.height)) return rotateQuarterImage(img, angle === 90 ? 1 : 3);
  }
  let w = img.width, h = img.height;
  const [cx, cy] = center ?? [w / 2, h / 2];
  const rad = -(angle * Math.PI) / 180;
  const m = [round15(Math.cos(rad)), round15(Math.sin(rad)), 0, round15(-Math.sin(rad)), round15(Math.cos(rad)), 0];
  const tr = (x: number, y: number): [number, number] => [m[0]! * x + m[1]! * y + m[2]!, m[3]! * x + m[4]! * y + m[5]!];
  [m[2], m[5]] = tr(-cx, -cy);
  m[2] += cx;
  m[5] += cy;
  if (expand) {
    const xs: number[] = [], ys: number[] = [];
    for (const [x, y] of [[0, 0], [w, 0], [w, h], [0, h]] as const) { const [a, b] = tr(x, y); xs.push(a); ys.push(b); }
    const nw = Math.ceil(Math.max(...xs)) - Math.floor(Math.min(...xs));
    const nh = Math.ceil(Math.max(...ys)) - Math.floor(Math.min(...ys));
    [m[2], m[5]] = tr(-(nw - w) / 2, -(nh - h) / 2);
    w = nw;
    h = nh;
  }
  return affineImage(img, w, h, m, PIL_FILTER[mode], fillFor(img, opts.fill));
}

/** torchvision's _get_inverse_affine_matrix (output pixel -> input pixel). */
export function inverseAffineMatrix(center: readonly [number, number], angle: number, translate: readonly [number, number],
  scale: number, shear: readonly [number, number]): number[] {
  const rad = (d: number): number => (d * Math.PI) / 180;
  const rot = rad(angle), sx = rad(shear[0]), sy = rad(shear[1]);
  const [cx, cy] = center;
  const [tx, ty] = translate;
  const a = Math.cos(rot - sy) / Math.cos(sy);
  const b = (-Math.cos(rot - sy) * Math.tan(sx)) / Math.cos(sy) - Math.sin(rot);
  const c = Math.sin(rot - sy) / Math.cos(sy);
  const d = (-Math.sin(rot - sy) * Math.tan(sx)) / Math.cos(sy) + Math.cos(rot);
  const m = [d, -b, 0, -c, a, 0].map((v) => v / scale);
  m[2] += m[0]! * (-cx - tx) + m[1]! * (-cy - ty);
  m[5] += m[3]! * (-cx - tx) + m[4]! * (-cy - ty);
  m[2] += cx;
  m[5] += cy;
  return m;
}

export interface AffineOptions {
  interpolation?: InterpolationMode;
  fill?: number | readonly number[];
  center?: readonly [number, number] | null;
}

/** F.affine: angle in degrees, translate [tx, ty] pixels, scale, shear [sx, sy] degrees (a number: [s, 0]). */
export const affine = api<<T extends ImageOrTensor>(img: T, angle: number, translate: readonly [number, number], scale: number,
  shear: number | readonly number[], ...rest: PyRest<AffineOptions, ['interpolation', 'fill', 'center']>) => T>('affine', 'torchvision.transforms.functional.affine', 'img:dict, angle, translate, scale, shear; interpolation, fill, center', affineImpl);
function affineImpl<T extends ImageOrTensor>(img: T, angle: number, translate: readonly [number, number], scale: number,
  shear: number | readonly number[], opts: AffineOptions = {}): T {
  if (!(scale > 0)) throw new RangeError(`affine: scale must be positive, got ${scale}`);
  const sh: [number, number] = typeof shear === 'number' ? [shear, 0] : shear.length === 1 ? [shear[0]!, shear[0]!] : [shear[0]!, shear[1]!];
  const mode = checkInterpolation(opts.interpolation ?? 'nearest', 'affine');
  if (img instanceof Tensor) {
    const [h, w] = img.shape.slice(-2) as [number, number];
    const c = opts.center ?? null;
    const centerF: [number, number] = c === null ? [0, 0] : [c[0] - w * 0.5, c[1] - h * 0.5];
    const m = inverseAffineMatrix(centerF, angle, translate, scale, sh);
    return affineTensor(img, m, mode as 'nearest', tensorFill(opts.fill)) as T;
  }
  const im = imageOnly(img, 'affine');
  const center = opts.center ?? [im.width * 0.5, im.height * 0.5];
  const m = inverseAffineMatrix(center, angle, translate, scale, sh);
  return affineImage(im, im.width, im.height, m, PIL_FILTER[mode], fillFor(im, opts.fill)) as T;
}

/** The transforms' fill for a tensor: torchvision turns a number into one value per channel. */
function classFill(img: Tensor, fill: number | readonly number[]): number[] {
  const c = img.ndim >= 3 ? img.shape[img.ndim - 3]! : 1;
  return typeof fill === 'number' ? new Array<number>(c).fill(fill) : [...fill];
}

function range(v: number | readonly number[], what: string, name: string): [number, number] {
  if (typeof v === 'number') {
    if (v < 0) throw new RangeError(`${what}: if ${name} is a single number, it must be positive, got ${v}`);
    return [-v, v];
  }
  if (v.length !== 2) throw new RangeError(`${what}: if ${name} is a sequence, it must be of length 2, got ${v.length}`);
  return [v[0]!, v[1]!];
}

export class RandomRotation extends Transform<ImageOrTensor, ImageOrTensor> {
  readonly degrees: [number, number];
  readonly interpolation: InterpolationMode;
  readonly expand: boolean;
  readonly center: readonly [number, number] | null;
  readonly fill: number | readonly number[];
  /** torchvision's order (degrees, interpolation, expand, center, fill), or an options object after degrees. */
  constructor(degrees: number | readonly number[], ...rest: PyRest<RotateOptions, ['interpolation', 'expand', 'center', 'fill']>) {
    super();
    let opts: RotateOptions;
    [degrees, opts = {}] = bindCtor(RandomRotation, arguments) as [number | readonly number[], RotateOptions];
    this.degrees = range(degrees, 'RandomRotation', 'degrees');
    this.interpolation = checkInterpolation(opts.interpolation ?? 'nearest', 'RandomRotation');
    this.expand = opts.expand ?? false;
    this.center = opts.center ?? null;
    this.fill = opts.fill ?? 0;
  }
  static getParams(degrees: readonly [number, number]): number { return uniform1(degrees[0], degrees[1]); }
  forward<T extends ImageOrTensor>(img: T): T {
    const fill = img instanceof Tensor ? classFill(img, this.fill) : this.fill;
    if (!(img instanceof Tensor)) imageOnly(img, 'RandomRotation');
    const angle = RandomRotation.getParams(this.degrees);
    return rotate(img, angle, { interpolation: this.interpolation, expand: this.expand, center: this.center, fill });
  }
  override toString(): string { return `RandomRotation(degrees=${py(this.degrees)}, interpolation=${this.interpolation}, expand=${this.expand ? 'True' : 'False'}, fill=${py(this.fill)})`; }
}

export interface RandomAffineOptions extends AffineOptions {
  translate?: [number, number] | null;
  scale?: [number, number] | null;
  /** A number s: x shear in (-s, s); [a, b]: x shear in (a, b); [a, b, c, d]: x in (a, b), y in (c, d). */
  shear?: number | readonly number[] | null;
}

export class RandomAffine extends Transform<ImageOrTensor, ImageOrTensor> {
  readonly degrees: [number, number];
  readonly translate: [number, number] | null;
  readonly scale: [number, number] | null;
  readonly shear: number[] | null;
  readonly interpolation: InterpolationMode;
  readonly fill: number | readonly number[];
  readonly center: readonly [number, number] | null;
  /** torchvision's order (degrees, translate, scale, shear, interpolation, fill, center), or options after degrees. */
  constructor(degrees: number | readonly number[], ...rest: PyRest<RandomAffineOptions, ['translate', 'scale', 'shear', 'interpolation', 'fill', 'center']>) {
    super();
    let opts: RandomAffineOptions;
    [degrees, opts = {}] = bindCtor(RandomAffine, arguments) as [number | readonly number[], RandomAffineOptions];
    this.degrees = range(degrees, 'RandomAffine', 'degrees');
    this.translate = opts.translate ?? null;
    if (this.translate && !this.translate.every((t) => t >= 0 && t <= 1)) throw new RangeError('RandomAffine: translation values should be between 0 and 1');
    this.scale = opts.scale ?? null;
    if (this.scale && !this.scale.every((s) => s > 0)) throw new RangeError('RandomAffine: scale values should be positive');
    const sh = opts.shear ?? null;
    this.shear = sh === null ? null : typeof sh === 'number' ? range(sh, 'RandomAffine', 'shear') : [...sh];
    if (this.shear && this.shear.length !== 2 && this.shear.length !== 4) throw new RangeError('RandomAffine: shear should be a number or a sequence of 2 or 4 numbers');
    this.interpolation = checkInterpolation(opts.interpolation ?? 'nearest', 'RandomAffine');
    this.fill = opts.fill ?? 0;
    this.center = opts.center ?? null;
  }
  /** torchvision's get_params with its draws in its order: angle, translation, scale, shear. */
  static getParams(degrees: readonly [number, number], translate: readonly [number, number] | null, scaleRange: readonly [number, number] | null,
    shears: readonly number[] | null, imgSize: readonly [number, number]): { angle: number; translate: [number, number]; scale: number; shear: [number, number] } {
    const angle = uniform1(degrees[0], degrees[1]);
    let t: [number, number] = [0, 0];
    if (translate !== null) {
      const maxDx = translate[0] * imgSize[0], maxDy = translate[1] * imgSize[1];
      t = [Math.trunc(F.roundHalfEven(uniform1(-maxDx, maxDx))), Math.trunc(F.roundHalfEven(uniform1(-maxDy, maxDy)))];
    }
    const scale = scaleRange !== null ? uniform1(scaleRange[0], scaleRange[1]) : 1;
    const shear: [number, number] = [0, 0];
    if (shears !== null) {
      shear[0] = uniform1(shears[0]!, shears[1]!);
      if (shears.length === 4) shear[1] = uniform1(shears[2]!, shears[3]!);
    }
    return { angle, translate: t, scale, shear };
  }
  forward<T extends ImageOrTensor>(img: T): T {
    const fill = img instanceof Tensor ? classFill(img, this.fill) : this.fill;
    const [, h, w] = F.getDimensions(img);
    const p = RandomAffine.getParams(this.degrees, this.translate, this.scale, this.shear, [w, h]);
    return affine(img, p.angle, p.translate, p.scale, p.shear, { interpolation: this.interpolation, fill, center: this.center });
  }
  override toString(): string { return `RandomAffine(degrees=${py(this.degrees)}, translate=${py(this.translate)}, scale=${py(this.scale)}, shear=${py(this.shear)})`; }
}

/** torchvision's _get_perspective_coeffs: the 8 coefficients mapping `endpoints` to `startpoints` (float32 least squares). */
export function perspectiveCoeffs(startpoints: readonly (readonly number[])[], endpoints: readonly (readonly number[])[]): number[] {
  if (startpoints.length !== 4 || endpoints.length !== 4) throw new RangeError('perspective: startpoints and endpoints must hold 4 points each');
  const rows: number[][] = [];
  for (let i = 0; i < 4; i++) {
    const [x1, y1] = endpoints[i] as [number, number];
    const [x2, y2] = startpoints[i] as [number, number];
    rows.push([x1, y1, 1, 0, 0, 0, -x2 * x1, -x2 * y1]);
    rows.push([0, 0, 0, x1, y1, 1, -y2 * x1, -y2 * y1]);
  }
  const a = makeTensor(rows);
  const b = makeTensor(startpoints.map((p) => [p[0]!, p[1]!])).view([8]);
  const [solution] = (O.lstsq(a._h, b._h, null, 'gels') as unknown[]).map((h) => new Tensor(h as never));
  return Array.from(solution!.dataSync() as Float32Array);
}

export interface PerspectiveOptions {
  interpolation?: InterpolationMode;
  fill?: number | readonly number[];
}

/** F.perspective: the quadrilateral `startpoints` ([x, y] top-left, top-right, bottom-right, bottom-left) moved to `endpoints`. */
export const perspective = api<<T extends ImageOrTensor>(img: T, startpoints: readonly (readonly number[])[],
  endpoints: readonly (readonly number[])[], ...rest: PyRest<PerspectiveOptions, ['interpolation', 'fill']>) => T>('perspective', 'torchvision.transforms.functional.perspective', 'img:dict, startpoints, endpoints; interpolation, fill', perspectiveImpl);
function perspectiveImpl<T extends ImageOrTensor>(img: T, startpoints: readonly (readonly number[])[], endpoints: readonly (readonly number[])[],
  opts: PerspectiveOptions = {}): T {
  const mode = checkInterpolation(opts.interpolation ?? 'bilinear', 'perspective');
  const coeffs = perspectiveCoeffs(startpoints, endpoints);
  if (img instanceof Tensor) return perspectiveTensor(img, coeffs, mode as 'nearest', tensorFill(opts.fill)) as T;
  const im = imageOnly(img, 'perspective');
  return perspectiveImage(im, coeffs, PIL_FILTER[mode], fillFor(im, opts.fill)) as T;
}

export interface RandomPerspectiveOptions extends PerspectiveOptions {
  distortionScale?: number;
  p?: number;
}

export class RandomPerspective extends Transform<ImageOrTensor, ImageOrTensor> {
  readonly distortionScale: number;
  readonly p: number;
  readonly interpolation: InterpolationMode;
  readonly fill: number | readonly number[];
  /** torchvision's order (distortionScale, p, interpolation, fill), or an options object. */
  constructor(...args: PyRest<RandomPerspectiveOptions, ['distortionScale', 'p', 'interpolation', 'fill']>) {
    super();
    const [opts = {}] = bindCtor(RandomPerspective, args) as [RandomPerspectiveOptions];
    this.distortionScale = opts.distortionScale ?? 0.5;
    if (!(this.distortionScale >= 0 && this.distortionScale <= 1)) throw new RangeError(`RandomPerspective: distortionScale must be in [0, 1], got ${this.distortionScale}`);
    this.p = opts.p ?? 0.5;
    this.interpolation = checkInterpolation(opts.interpolation ?? 'bilinear', 'RandomPerspective');
    this.fill = opts.fill ?? 0;
  }
  /** torchvision's get_params: eight randint draws, corner by corner. */
  static getParams(width: number, height: number, distortionScale: number): [number[][], number[][]] {
    const hh = Math.floor(height / 2), hw = Math.floor(width / 2);
    const dw = Math.trunc(distortionScale * hw), dh = Math.trunc(distortionScale * hh);
    const topleft = [randint1(0, dw + 1), randint1(0, dh + 1)];
    const topright = [randint1(width - dw - 1, width), randint1(0, dh + 1)];
    const botright = [randint1(width - dw - 1, width), randint1(height - dh - 1, height)];
    const botleft = [randint1(0, dw + 1), randint1(height - dh - 1, height)];
    return [[[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]], [topleft, topright, botright, botleft]];
  }
  forward<T extends ImageOrTensor>(img: T): T {
    const fill = img instanceof Tensor ? classFill(img, this.fill) : this.fill;
    const [, h, w] = F.getDimensions(img);
    if (!coin(this.p)) return img;
    const [start, end] = RandomPerspective.getParams(w, h, this.distortionScale);
    return perspective(img, start, end, { interpolation: this.interpolation, fill });
  }
  override toString(): string { return `RandomPerspective(p=${this.p})`; }
}

classArgs(Resize, 'torchvision.transforms.Resize', 'size; interpolation, maxSize, antialias');
classArgs(RandomResizedCrop, 'torchvision.transforms.RandomResizedCrop', 'size; scale, ratio, interpolation, antialias');
classArgs(RandomRotation, 'torchvision.transforms.RandomRotation', 'degrees; interpolation, expand, center, fill');
classArgs(RandomAffine, 'torchvision.transforms.RandomAffine', 'degrees; translate, scale, shear, interpolation, fill, center');
classArgs(RandomPerspective, 'torchvision.transforms.RandomPerspective', '; distortionScale, p, interpolation, fill');
