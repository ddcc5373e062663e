// torchvision.transforms classes. Each works on an 8-bit HWC image or a [..., C, H, W] tensor (one image or
// a batch: a batch gets one random draw, as in torchvision) and draws its random numbers from libtorch's
// generator with torchvision's calls in torchvision's order, so a seed gives torchvision's crops and flips.
import { bindCtor, classArgs, type PyRest } from '../../args.js';
import { Tensor } from '../../tensor.js';
import { empty, tensor as makeTensor } from '../../creation.js';
import { keep } from '../../memory.js';
import { type DType, type DTypeLike, normalizeDtype } from '../../dtype.js';
import { isImage, tensorToImage, type RGBImage } from '../io/image.js';
import { coin, randint1 } from './draws.js';
import { window, type PaddingMode } from './image-ops.js';
import * as F from './functional.js';
import type { ImageOrTensor } from './functional.js';

/** A transform: a function or an object with `call` (every class here). */
export type TransformLike<I = any, O = any> = ((x: I) => O) | { call(x: I): O };

export function applyTransform<I, O>(t: TransformLike<I, O>, x: I): O {
  return typeof t === 'function' ? t(x) : t.call(x);
}

export abstract class Transform<I = any, O = any> {
  constructor() {
    // A transform without a constructor of its own passes its arguments here: as in Python, it takes none.
    if (arguments.length > 0) throw new TypeError(`${new.target.name}() takes no arguments, got ${arguments.length}`);
  }
  abstract forward(x: I): O;
  /** `transform(x)` in Python (one input, as torchvision's transforms). */
  call(x: I): O {
    if (arguments.length !== 1) throw new TypeError(`${this.constructor.name}.call() takes one input, got ${arguments.length} arguments`);
    return this.forward(x);
  }
  toString(): string { return `${this.constructor.name}()`; }
  [Symbol.for('nodejs.util.inspect.custom')](): string { return this.toString(); }
}

const py = (v: unknown): string => (Array.isArray(v) ? `(${v.join(', ')}${v.length === 1 ? ',' : ''})` : v === undefined || v === null ? 'None' : typeof v === 'boolean' ? (v ? 'True' : 'False') : String(v));

export class Compose extends Transform {
  readonly transforms: TransformLike[];
  constructor(transforms: readonly TransformLike[]) {
    super();
    [transforms] = bindCtor(Compose, arguments) as [readonly TransformLike[]];
    if (!Array.isArray(transforms)) throw new TypeError('Compose: transforms must be an array of transforms');
    transforms.forEach((t, i) => {
      if (typeof t !== 'function' && (t === null || typeof t !== 'object' || typeof (t as { call?: unknown }).call !== 'function')) {
        throw new TypeError(`Compose: transforms[${i}] is neither a function nor an object with call()`);
      }
    });
    this.transforms = [...transforms];
  }
  forward(x: any): any {
    const ts = this.transforms;
    for (let k = 0; k < ts.length; k++) {
      const t = ts[k]!;
      const next = ts[k + 1];
      if (t instanceof ToTensor && next instanceof Normalize && isImage(x)) {
        x = F.toNormalizedTensor(x, next.mean, next.std);
        k++;
        continue;
      }
      x = applyTransform(t, x);
    }
    return x;
  }
  override toString(): string {
    return `Compose(\n${this.transforms.map((t) => `    ${typeof t === 'function' ? `<function ${t.name || 'anonymous'}>` : String(t)}`).join('\n')}\n)`;
  }
}

/** An image (or uint8 tensor) to a CHW float32 tensor in [0, 1]. */
export class ToTensor extends Transform<ImageOrTensor, Tensor> {
  forward(pic: ImageOrTensor): Tensor { return F.toTensor(pic); }
}

/** An image to a CHW uint8 tensor. */
export class PILToTensor extends Transform<ImageOrTensor, Tensor> {
  forward(pic: ImageOrTensor): Tensor { return F.pilToTensor(pic); }
}

export class ConvertImageDtype extends Transform<Tensor, Tensor> {
  readonly dtype: DType;
  constructor(dtype: DTypeLike | { dtype: DTypeLike } = 'float32') {
    super();
    const [d = 'float32'] = bindCtor(ConvertImageDtype, arguments) as [DTypeLike | undefined];
    this.dtype = normalizeDtype(d);
  }
  forward(image: Tensor): Tensor { return F.convertImageDtype(image, this.dtype); }
  override toString(): string { return `ConvertImageDtype(dtype=torch.${this.dtype})`; }
}

export class Normalize extends Transform<Tensor, Tensor> {
  readonly mean: number[];
  readonly std: number[];
  readonly inplace: boolean;
  /** torchvision's order (mean, std, inplace), or an options object after std. */
  constructor(mean: readonly number[], std: readonly number[], ...rest: PyRest<{ inplace?: boolean }, ['inplace']>) {
    super();
    let opts: { inplace?: boolean };
    [mean, std, opts = {}] = bindCtor(Normalize, arguments) as [readonly number[], readonly number[], { inplace?: boolean }];
    if (mean.length !== std.length) throw new RangeError(`Normalize: mean has ${mean.length} values but std has ${std.length}`);
    this.mean = [...mean];
    this.std = [...std];
    this.inplace = opts.inplace ?? false;
  }
  private cache: { key: string; mean: Tensor; std: Tensor } | null = null;
  forward(t: Tensor): Tensor {
    if (!(t instanceof Tensor) || !t.isFloatingPoint() || t.ndim < 3) return F.normalize(t, this.mean, this.std, this.inplace);
    const c = t.shape[t.ndim - 3]!;
    if (this.mean.length !== 1 && this.mean.length !== c) {
      throw new RangeError(`Normalize: ${this.mean.length} mean/std values for a tensor with ${c} channels (shape [${t.shape.join(', ')}])`);
    }
    // the mean and std tensors are made (and std checked) once per dtype and device
    const key = `${t.dtype}@${t.device}`;
    if (this.cache === null || this.cache.key !== key) {
      const s = makeTensor(this.std, { dtype: t.dtype });
      if (s.eq(0).any().item()) throw new RangeError(`Normalize: std evaluated to zero after conversion to ${t.dtype}, leading to division by zero`);
      this.cache = {
        key,
        mean: keep(makeTensor(this.mean, { dtype: t.dtype, device: t.device }).view(-1, 1, 1)),
        std: keep(makeTensor(this.std, { dtype: t.dtype, device: t.device }).view(-1, 1, 1)),
      };
    }
    return this.inplace ? t.sub_(this.cache.mean).div_(this.cache.std) : t.sub(this.cache.mean).div_(this.cache.std);
  }
  override toString(): string { return `Normalize(mean=${py(this.mean)}, std=${py(this.std)})`; }
}

export class Lambda<I = any, O = any> extends Transform<I, O> {
  readonly lambd: (x: I) => O;
  constructor(lambd: (x: I) => O) {
    super();
    [lambd] = bindCtor(Lambda, arguments) as [(x: I) => O];
    if (typeof lambd !== 'function') throw new TypeError('Lambda: argument should be a function');
    this.lambd = lambd;
  }
  forward(x: I): O { return this.lambd(x); }
}

function checkP(p: number, what: string): number {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`${what}: probability p should be between 0 and 1, got ${p}`);
  return p;
}

export class RandomHorizontalFlip extends Transform<ImageOrTensor, ImageOrTensor> {
  readonly p: number;
  constructor(p: number | { p?: number } = 0.5) {
    super();
    const [v = 0.5] = bindCtor(RandomHorizontalFlip, arguments) as [number | undefined];
    this.p = checkP(v, 'RandomHorizontalFlip');
  }
  forward<T extends ImageOrTensor>(img: T): T { return coin(this.p) ? F.hflip(img) : img; }
  override toString(): string { return `RandomHorizontalFlip(p=${this.p})`; }
}

export class RandomVerticalFlip extends Transform<ImageOrTensor, ImageOrTensor> {
  readonly p: number;
  constructor(p: number | { p?: number } = 0.5) {
    super();
    const [v = 0.5] = bindCtor(RandomVerticalFlip, arguments) as [number | undefined];
    this.p = checkP(v, 'RandomVerticalFlip');
  }
  forward<T extends ImageOrTensor>(img: T): T { return coin(this.p) ? F.vflip(img) : img; }
  override toString(): string { return `RandomVerticalFlip(p=${this.p})`; }
}

export interface PadOptions {
  fill?: number | readonly number[];
  paddingMode?: PaddingMode;
}

export class Pad extends Transform<ImageOrTensor, ImageOrTensor> {
  readonly padding: number | readonly number[];
  readonly fill: number | readonly number[];
  readonly paddingMode: PaddingMode;
  /** torchvision's order (padding, fill, paddingMode), or an options object after padding. */
  constructor(padding: number | readonly number[], ...rest: PyRest<PadOptions, ['fill', 'paddingMode']>) {
    super();
    let opts: PadOptions;
    [padding, opts = {}] = bindCtor(Pad, arguments) as [number | readonly number[], PadOptions];
    F.parsePadding(padding);
    this.padding = padding;
    this.fill = opts.fill ?? 0;
    this.paddingMode = opts.paddingMode ?? 'constant';
    F.checkMode(this.paddingMode);
  }
  forward<T extends ImageOrTensor>(img: T): T { return F.pad(img, this.padding, this.fill, this.paddingMode); }
  override toString(): string { return `Pad(padding=${py(this.padding)}, fill=${py(this.fill)}, padding_mode=${this.paddingMode})`; }
}

export class CenterCrop extends Transform<ImageOrTensor, ImageOrTensor> {
  readonly size: [number, number];
  constructor(size: number | readonly number[] | { size: number | readonly number[] }) {
    super();
    const [s] = bindCtor(CenterCrop, arguments) as [number | readonly number[]];
    this.size = F.parseSize(s, 'CenterCrop');
  }
  forward<T extends ImageOrTensor>(img: T): T { return F.centerCrop(img, this.size); }
  override toString(): string { return `CenterCrop(size=${py(this.size)})`; }
}

export interface RandomCropOptions extends PadOptions {
  padding?: number | readonly number[] | null;
  padIfNeeded?: boolean;
}

export class RandomCrop extends Transform<ImageOrTensor, ImageOrTensor> {
  readonly size: [number, number];
  readonly padding: number | readonly number[] | null;
  readonly padIfNeeded: boolean;
  readonly fill: number | readonly number[];
  readonly paddingMode: PaddingMode;

  /** torchvision's order (size, padding, padIfNeeded, fill, paddingMode), or an options object after size. */
  constructor(size: number | readonly number[], ...rest: PyRest<RandomCropOptions, ['padding', 'padIfNeeded', 'fill', 'paddingMode']>) {
    super();
    let opts: RandomCropOptions;
    [size, opts = {}] = bindCtor(RandomCrop, arguments) as [number | readonly number[], RandomCropOptions];
    this.size = F.parseSize(size, 'RandomCrop');
    this.padding = opts.padding ?? null;
    if (this.padding !== null) F.parsePadding(this.padding);
    this.padIfNeeded = opts.padIfNeeded ?? false;
    this.fill = opts.fill ?? 0;
    this.paddingMode = F.checkMode(opts.paddingMode ?? 'constant');
  }

  /** torchvision's get_params: the crop's top, left, height, width, with its two randint draws. */
  static getParams(img: ImageOrTensor | [number, number], outputSize: [number, number]): [number, number, number, number] {
    const [h, w] = Array.isArray(img) ? img : F.getDimensions(img).slice(1) as [number, number];
    const [th, tw] = outputSize;
    if (h < th || w < tw) throw new RangeError(`RandomCrop: required crop size (${th}, ${tw}) is larger than input image size (${h}, ${w})`);
    if (w === tw && h === th) return [0, 0, h, w];
    const i = randint1(0, h - th + 1);
    const j = randint1(0, w - tw + 1);
    return [i, j, th, tw];
  }

  forward<T extends ImageOrTensor>(img: T): T {
    const [th, tw] = this.size;
    // An image is padded and cropped in one pass; only padIfNeeded on top of padding needs a real pad first.
    if (isImage(img)) {
      const p = this.padding === null ? [0, 0, 0, 0] : F.parsePadding(this.padding);
      let h = img.height + p[1] + p[3];
      let w = img.width + p[0] + p[2];
      const needW = this.padIfNeeded && w < tw;
      const needH = this.padIfNeeded && h < th;
      if (!needW && !needH) {
        const [i, j] = RandomCrop.getParams([h, w], this.size);
        return window(img, i - p[1], j - p[0], th, tw, this.paddingMode, this.fill) as T;
      }
    }
    let x: ImageOrTensor = img;
    if (this.padding !== null) x = F.pad(x, this.padding, this.fill, this.paddingMode);
    const [, height, width] = F.getDimensions(x);
    if (this.padIfNeeded && width < tw) x = F.pad(x, [tw - width, 0], this.fill, this.paddingMode);
    if (this.padIfNeeded && height < th) x = F.pad(x, [0, th - height], this.fill, this.paddingMode);
    const [i, j, h, w] = RandomCrop.getParams(x, this.size);
    return F.crop(x, i, j, h, w) as T;
  }
  override toString(): string { return `RandomCrop(size=${py(this.size)}, padding=${py(this.padding)})`; }
}

export interface RandomErasingOptions {
  p?: number;
  scale?: [number, number];
  ratio?: [number, number];
  /** A number, one number per channel, or 'random' (normal noise). */
  value?: number | readonly number[] | 'random';
  inplace?: boolean;
}

/** Erases a random rectangle of a tensor image (torchvision's RandomErasing; tensors only, as there). */
export class RandomErasing extends Transform<Tensor, Tensor> {
  readonly p: number;
  readonly scale: [number, number];
  readonly ratio: [number, number];
  readonly value: number | readonly number[] | 'random';
  readonly inplace: boolean;

  /** torchvision's order (p, scale, ratio, value, inplace), or an options object. */
  constructor(...args: PyRest<RandomErasingOptions, ['p', 'scale', 'ratio', 'value', 'inplace']>) {
    super();
    const [opts = {}] = bindCtor(RandomErasing, args) as [RandomErasingOptions];
    this.p = checkP(opts.p ?? 0.5, 'RandomErasing');
    this.scale = opts.scale ?? [0.02, 0.33];
    this.ratio = opts.ratio ?? [0.3, 3.3];
    this.value = opts.value ?? 0;
    this.inplace = opts.inplace ?? false;
    if (typeof this.value === 'string' && this.value !== 'random') throw new RangeError("RandomErasing: if value is a string, it should be 'random'");
    if (this.scale[0] < 0 || this.scale[1] > 1) throw new RangeError('RandomErasing: scale should be between 0 and 1');
  }

  /** torchvision's get_params, with the same tensor draws (so float32 rounding matches too). */
  static getParams(img: Tensor, scale: [number, number], ratio: [number, number], value: number[] | null): [number, number, number, number, Tensor] {
    const s = img.shape;
    const [c, imgH, imgW] = [s[s.length - 3]!, s[s.length - 2]!, s[s.length - 1]!];
    const area = imgH * imgW;
    const logRatio = makeTensor(ratio as number[]).log();
    const lr = logRatio.dataSync() as Float32Array;
    for (let attempt = 0; attempt < 10; attempt++) {
      const eraseArea = area * empty(1).uniform_(scale[0], scale[1]).item();
      const aspect = empty(1).uniform_(lr[0]!, lr[1]!).exp().item();
      const h = F.roundHalfEven(Math.sqrt(eraseArea * aspect));
      const w = F.roundHalfEven(Math.sqrt(eraseArea / aspect));
      if (!(h < imgH && w < imgW)) continue;
      const v = value === null ? empty([c, h, w], { dtype: 'float32' }).normal_() : makeTensor(value).view(-1, 1, 1);
      const i = randint1(0, imgH - h + 1);
      const j = randint1(0, imgW - w + 1);
      return [i, j, h, w, v];
    }
    return [0, 0, imgH, imgW, img];
  }

  forward(img: Tensor): Tensor {
    if (!(img instanceof Tensor)) throw new TypeError('RandomErasing: img should be a tensor image (apply ToTensor or PILToTensor first)');
    if (!coin(this.p)) return img;
    const value = this.value === 'random' ? null : typeof this.value === 'number' ? [this.value] : [...this.value];
    const c = img.shape[img.ndim - 3];
    if (value !== null && value.length !== 1 && value.length !== c) {
      throw new RangeError(`RandomErasing: if value is a sequence, it should have either a single value or ${c} (number of input channels)`);
    }
    const [i, j, h, w, v] = RandomErasing.getParams(img, this.scale, this.ratio, value);
    return F.erase(img, i, j, h, w, v, this.inplace);
  }
  override toString(): string {
    return `RandomErasing(p=${this.p}, scale=${py(this.scale)}, ratio=${py(this.ratio)}, value=${typeof this.value === 'string' ? this.value : py(this.value)}, inplace=${py(this.inplace)})`;
  }
}

/**
 * A tensor [C, H, W] (or [H, W]) to the image type vision.io uses (RGBImage), as torchvision's ToPILImage: float
 * tensors are scaled by 255 and truncated (pic.mul(255).byte()), 1 channel gives 'L', 2 'LA', 3 'RGB', 4 'RGBA'.
 * A mode, when given, must be the one the channels imply (conversions such as 'YCbCr' are not available).
 */
export class ToPILImage extends Transform<Tensor, RGBImage> {
  readonly mode: 'L' | 'LA' | 'RGB' | 'RGBA' | null;
  constructor(mode: 'L' | 'LA' | 'RGB' | 'RGBA' | null = null) {
    super();
    mode = (bindCtor(ToPILImage, arguments)[0] ?? null) as typeof mode;
    if (mode !== null && !['L', 'LA', 'RGB', 'RGBA'].includes(mode)) {
      throw new RangeError(`ToPILImage: mode must be 'L', 'LA', 'RGB' or 'RGBA' here (images are 8-bit with 1 to 4 channels), got '${String(mode)}'`);
    }
    this.mode = mode;
  }
  forward(pic: Tensor): RGBImage {
    if (!(pic instanceof Tensor)) throw new TypeError(`pic should be Tensor. Got ${typeof pic}.`);
    if (pic.ndim !== 2 && pic.ndim !== 3) throw new RangeError(`pic should be 2/3 dimensional. Got ${pic.ndim} dimensions.`);
    const chw = pic.ndim === 2 ? pic.unsqueeze(0) : pic;
    const c = chw.shape[0]!;
    if (c > 4) throw new RangeError(`pic should not have > 4 channels. Got ${c} channels.`);
    const implied = ['L', 'LA', 'RGB', 'RGBA'][c - 1]!;
    if (this.mode !== null && this.mode !== implied) {
      throw new RangeError(`Incorrect mode (${this.mode}) supplied for input type with ${c} channel${c > 1 ? 's' : ''}; expected ${implied}`);
    }
    if (!['uint8', 'float32', 'float64', 'float16', 'bfloat16'].includes(chw.dtype.name)) {
      throw new TypeError(`ToPILImage: ${chw.dtype} tensors have no 8-bit image mode here; pass uint8 or float values in [0, 1]`);
    }
    return tensorToImage(chw);
  }
  override toString(): string { return this.mode === null ? 'ToPILImage()' : `ToPILImage(mode=${this.mode})`; }
}

classArgs(Compose, 'torchvision.transforms.Compose', 'transforms');
classArgs(ToTensor, 'torchvision.transforms.ToTensor', '');
classArgs(PILToTensor, 'torchvision.transforms.PILToTensor', '');
classArgs(ConvertImageDtype, 'torchvision.transforms.ConvertImageDtype', 'dtype?');
classArgs(Normalize, 'torchvision.transforms.Normalize', 'mean, std; inplace');
classArgs(Lambda, 'torchvision.transforms.Lambda', 'lambd');
classArgs(RandomHorizontalFlip, 'torchvision.transforms.RandomHorizontalFlip', 'p?');
classArgs(RandomVerticalFlip, 'torchvision.transforms.RandomVerticalFlip', 'p?');
classArgs(Pad, 'torchvision.transforms.Pad', 'padding; fill, paddingMode');
classArgs(CenterCrop, 'torchvision.transforms.CenterCrop', 'size');
classArgs(RandomCrop, 'torchvision.transforms.RandomCrop', 'size; padding, padIfNeeded, fill, paddingMode');
classArgs(RandomErasing, 'torchvision.transforms.RandomErasing', '; p, scale, ratio, value, inplace');
classArgs(ToPILImage, 'torchvision.transforms.ToPILImage', 'mode?');
