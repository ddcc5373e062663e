// torchvision's colour transforms on 8-bit images, as they run on PIL images: ImageEnhance's blends in single
// precision with truncation, PIL's HSV conversions, ImageOps' lookup tables, and GaussianBlur (which
// torchvision computes on a tensor even for PIL input). ColorJitter, Grayscale, RandomGrayscale and the
// adjust* functions also take [..., C, H, W] tensors, with torchvision's tensor arithmetic (tensor-color.ts).
import { withArgs } from '../../args.js';
import { bindCtor, classArgs, type PyRest } from '../../args.js';
import { Tensor } from '../../tensor.js';
import { empty, linspace, randperm } from '../../creation.js';
import { op } from '../../native/ops.js';
import { createImage, imageToTensor, isImage, tensorToImage, toGrayscale, type RGBImage } from '../io/image.js';
import { coin, rand1 } from './draws.js';
import type { ImageOrTensor } from './functional.js';
import { Transform } from './transforms.js';
import {
  adjustBrightnessTensor, adjustContrastTensor, adjustHueTensor, adjustSaturationTensor, rgbToGrayscaleTensor,
  adjustSharpnessTensor, autocontrastTensor, equalizeTensor, invertTensor, posterizeTensor, solarizeTensor,
} from './tensor-color.js';

const f32 = Math.fround;

function image(img: unknown, what: string): RGBImage {
  if (img instanceof Tensor) throw new TypeError(`${what}: tensors are not supported here; apply it to the image before ToTensor`);
  if (!isImage(img)) throw new TypeError(`${what}: expected an image (RGBImage)`);
  if (img.channels !== 1 && img.channels !== 3) throw new RangeError(`${what}: expected an 'L' or 'RGB' image, got ${img.channels} channels`);
  return img;
}

/** PIL's Image.blend(a, b, alpha): a + alpha * (b - a) in float, truncated (clipped when extrapolating). */
export function blend(a: RGBImage, b: RGBImage, alpha: number): RGBImage {
  const al = f32(alpha);
  if (al === 0) return { ...a, data: a.data.slice() };
  if (al === 1) return { ...b, data: b.data.slice() };
  const out = new Uint8Array(a.data.length);
  const A = a.data, B = b.data;
  for (let i = 0; i < out.length; i++) {
    const t = f32(A[i]! + f32(al * (B[i]! - A[i]!)));
    out[i] = t <= 0 ? 0 : t >= 255 ? 255 : Math.trunc(t);
  }
  return createImage(a.width, a.height, a.channels, out);
}

function solid(img: RGBImage, v: number): RGBImage {
  return createImage(img.width, img.height, img.channels, new Uint8Array(img.data.length).fill(v));
}

export const adjustBrightness = withArgs('adjustBrightness', 'torchvision.transforms.functional.adjust_brightness', 'img:dict, brightnessFactor', adjustBrightnessImpl);
function adjustBrightnessImpl<T extends ImageOrTensor>(img: T, factor: number): T {
  if (img instanceof Tensor) {
    if (factor < 0) throw new RangeError(`adjustBrightness: factor (${factor}) is not non-negative`);
    return adjustBrightnessTensor(img, factor) as T;
  }
  return adjustBrightnessImage(img as RGBImage, factor) as T;
}

function adjustBrightnessImage(img: RGBImage, factor: number): RGBImage {
  image(img, 'adjustBrightness');
  if (factor < 0) throw new RangeError(`adjustBrightness: brightness_factor (${factor}) is not non-negative`);
  return blend(solid(img, 0), img, factor);
}

export const adjustContrast = withArgs('adjustContrast', 'torchvision.transforms.functional.adjust_contrast', 'img:dict, contrastFactor', adjustContrastImpl);
function adjustContrastImpl<T extends ImageOrTensor>(img: T, factor: number): T {
  if (img instanceof Tensor) {
    if (factor < 0) throw new RangeError(`adjustContrast: factor (${factor}) is not non-negative`);
    return adjustContrastTensor(img, factor) as T;
  }
  return adjustContrastImage(img as RGBImage, factor) as T;
}

function adjustContrastImage(img: RGBImage, factor: number): RGBImage {
  image(img, 'adjustContrast');
  if (factor < 0) throw new RangeError(`adjustContrast: contrast_factor (${factor}) is not non-negative`);
  const l = toGrayscale(img, 1).data;
  let sum = 0;
  for (let i = 0; i < l.length; i++) sum += l[i]!;
  const mean = Math.trunc(sum / l.length + 0.5);
  return blend(solid(img, mean), img, factor);
}

export const adjustSaturation = withArgs('adjustSaturation', 'torchvision.transforms.functional.adjust_saturation', 'img:dict, saturationFactor', adjustSaturationImpl);
function adjustSaturationImpl<T extends ImageOrTensor>(img: T, factor: number): T {
  if (img instanceof Tensor) {
    if (factor < 0) throw new RangeError(`adjustSaturation: factor (${factor}) is not non-negative`);
    return adjustSaturationTensor(img, factor) as T;
  }
  return adjustSaturationImage(img as RGBImage, factor) as T;
}

function adjustSaturationImage(img: RGBImage, factor: number): RGBImage {
  image(img, 'adjustSaturation');
  if (factor < 0) throw new RangeError(`adjustSaturation: saturation_factor (${factor}) is not non-negative`);
  return blend(toGrayscale(img, img.channels as 1 | 3), img, factor);
}

/** ImageFilter.SMOOTH (3x3 kernel 1 1 1 / 1 5 1 / 1 1 1, / 13) as ImagingFilter3x3 computes it; borders copied. */
function smooth(img: RGBImage): RGBImage {
  const { width: W, height: H, channels: C, data } = img;
  const out = data.slice();
  const k1 = f32(1 / 13), k5 = f32(5 / 13);
  for (let y = 1; y < H - 1; y++) {
    for (let x = 1; x < W - 1; x++) {
      for (let c = 0; c < C; c++) {
        const at = (yy: number, xx: number): number => data[(yy * W + xx) * C + c]!;
        const row = (yy: number, mid: number): number => f32(f32(f32(at(yy, x - 1) * k1) + f32(at(yy, x) * mid)) + f32(at(yy, x + 1) * k1));
        let ss = 0;
        ss = f32(ss + row(y + 1, k1));
        ss = f32(ss + row(y, k5));
        ss = f32(ss + row(y - 1, k1));
        out[(y * W + x) * C + c] = ss <= 0 ? 0 : ss >= 255 ? 255 : Math.trunc(f32(ss + 0.5));
      }
    }
  }
  return createImage(W, H, C, out);
}

export const adjustSharpness = withArgs('adjustSharpness', 'torchvision.transforms.functional.adjust_sharpness', 'img:dict, sharpnessFactor', adjustSharpnessImpl);
function adjustSharpnessImpl<T extends ImageOrTensor>(img: T, factor: number): T {
  if (img instanceof Tensor) return adjustSharpnessTensor(img, factor) as T;
  return adjustSharpnessImage(img as RGBImage, factor) as T;
}

function adjustSharpnessImage(img: RGBImage, factor: number): RGBImage {
  image(img, 'adjustSharpness');
  if (factor < 0) throw new RangeError(`adjustSharpness: sharpness_factor (${factor}) is not non-negative`);
  return blend(smooth(img), img, factor);
}

/** PIL's RGB -> HSV (Convert.c rgb2hsv_row), each channel 0..255. */
export function rgbToHsv(img: RGBImage): Uint8Array {
  const n = img.width * img.height, d = img.data;
  const out = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    const r = d[i * 3]!, g = d[i * 3 + 1]!, b = d[i * 3 + 2]!;
    const maxc = Math.max(r, g, b), minc = Math.min(r, g, b);
    let uh = 0, us = 0;
    if (minc !== maxc) {
      const cr = maxc - minc;
      const s = f32(cr / maxc);
      const rc = f32((maxc - r) / cr), gc = f32((maxc - g) / cr), bc = f32((maxc - b) / cr);
      let h: number;
      if (r === maxc) h = f32(bc - gc);
      else if (g === maxc) h = f32(2.0 + rc - bc);
      else h = f32(4.0 + gc - rc);
      h = f32((h / 6.0 + 1.0) % 1.0);
      uh = Math.max(0, Math.min(255, Math.trunc(h * 255.0)));
      us = Math.max(0, Math.min(255, Math.trunc(s * 255.0)));
    }
    out[i * 3] = uh;
    out[i * 3 + 1] = us;
    out[i * 3 + 2] = maxc;
  }
  return out;
}

/** C's round(): halves away from zero. */
const cRound = (x: number): number => Math.sign(x) * Math.round(Math.abs(x));

/** PIL's HSV -> RGB (Convert.c hsv2rgb). */
export function hsvToRgb(hsv: Uint8Array, width: number, height: number): RGBImage {
  const n = width * height;
  const out = new Uint8Array(n * 3);
  const clip = (v: number): number => (v < 0 ? 0 : v > 255 ? 255 : v);
  for (let k = 0; k < n; k++) {
    const h = hsv[k * 3]!, s = hsv[k * 3 + 1]!, v = hsv[k * 3 + 2]!;
    let rgb: [number, number, number];
    if (s === 0) {
      rgb = [v, v, v];
    } else {
      const i = Math.floor((h * 6.0) / 255.0);
      const f = f32((h * 6.0) / 255.0 - i);
      const fs = f32(s / 255.0);
      const p = clip(cRound(v * (1.0 - fs)));
      const q = clip(cRound(v * (1.0 - f32(fs * f))));
      const t = clip(cRound(v * (1.0 - fs * (1.0 - f))));
      switch (i % 6) {
        case 0: rgb = [v, t, p]; break;
        case 1: rgb = [q, v, p]; break;
        case 2: rgb = [p, v, t]; break;
        case 3: rgb = [p, q, v]; break;
        case 4: rgb = [t, p, v]; break;
        default: rgb = [v, p, q]; break;
      }
    }
    out.set(rgb, k * 3);
  }
  return createImage(width, height, 3, out);
}

export const adjustHue = withArgs('adjustHue', 'torchvision.transforms.functional.adjust_hue', 'img:dict, hueFactor', adjustHueImpl);
function adjustHueImpl<T extends ImageOrTensor>(img: T, factor: number): T {
  if (img instanceof Tensor) {
    return adjustHueTensor(img, factor) as T;
  }
  return adjustHueImage(img as RGBImage, factor) as T;
}

function adjustHueImage(img: RGBImage, factor: number): RGBImage {
  image(img, 'adjustHue');
  if (!(factor >= -0.5 && factor <= 0.5)) throw new RangeError(`adjustHue: hue_factor (${factor}) is not in [-0.5, 0.5].`);
  if (img.channels === 1) return img;
  const hsv = rgbToHsv(img);
  // np.uint8(hue_factor * 255): truncation toward zero, then wrap-around.
  const shift = ((Math.trunc(factor * 255) % 256) + 256) % 256;
  for (let i = 0; i < hsv.length; i += 3) hsv[i] = (hsv[i]! + shift) & 255;
  return hsvToRgb(hsv, img.width, img.height);
}

/** F.rgb_to_grayscale / to_grayscale on an image: PIL's luma, in 1 or 3 channels. */
export const rgbToGrayscale = withArgs('rgbToGrayscale', 'torchvision.transforms.functional.rgb_to_grayscale', 'img:dict, numOutputChannels?', rgbToGrayscaleImpl);
function rgbToGrayscaleImpl<T extends ImageOrTensor>(img: T, numOutputChannels: 1 | 3 = 1): T {
  if (img instanceof Tensor) return rgbToGrayscaleTensor(img, numOutputChannels) as T;
  image(img, 'rgbToGrayscale');
  if (numOutputChannels !== 1 && numOutputChannels !== 3) throw new RangeError('rgbToGrayscale: numOutputChannels should be either 1 or 3');
  return toGrayscale(img as RGBImage, numOutputChannels) as T;
}

function lut(img: RGBImage, table: (v: number, channel: number) => number): RGBImage {
  const C = img.channels;
  const tables = Array.from({ length: C }, (_, c) => Uint8Array.from({ length: 256 }, (_, v) => table(v, c)));
  const out = new Uint8Array(img.data.length);
  for (let i = 0; i < out.length; i++) out[i] = tables[i % C]![img.data[i]!]!;
  return createImage(img.width, img.height, C, out);
}

export const posterize = withArgs('posterize', 'torchvision.transforms.functional.posterize', 'img:dict, bits', posterizeImpl);
export const invert = withArgs('invert', 'torchvision.transforms.functional.invert', 'img:dict', invertImpl);
function invertImpl<T extends ImageOrTensor>(img: T): T {
  if (img instanceof Tensor) return invertTensor(img) as T;
  return lut(image(img, 'invert'), (v) => 255 - v) as T;
}

function posterizeImpl<T extends ImageOrTensor>(img: T, bits: number): T {
  if (img instanceof Tensor) return posterizeTensor(img, bits) as T;
  return posterizeImage(img as RGBImage, bits) as T;
}

function posterizeImage(img: RGBImage, bits: number): RGBImage {
  image(img, 'posterize');
  if (!Number.isInteger(bits) || bits < 0 || bits > 8) throw new RangeError(`posterize: bits must be an integer in [0, 8], got ${bits}`);
  const mask = ~(2 ** (8 - bits) - 1);
  return lut(img, (v) => v & mask);
}

export const solarize = withArgs('solarize', 'torchvision.transforms.functional.solarize', 'img:dict, threshold', solarizeImpl);
function solarizeImpl<T extends ImageOrTensor>(img: T, threshold: number): T {
  if (img instanceof Tensor) return solarizeTensor(img, threshold) as T;
  return lut(image(img, 'solarize'), (v) => (v < threshold ? v : 255 - v)) as T;
}

function histograms(img: RGBImage): Float64Array[] {
  const C = img.channels;
  const h = Array.from({ length: C }, () => new Float64Array(256));
  for (let i = 0; i < img.data.length; i++) h[i % C]![img.data[i]!]! += 1;
  return h;
}

/** ImageOps.autocontrast (cutoff 0): each channel stretched from its min..max to 0..255. */
export const autocontrast = withArgs('autocontrast', 'torchvision.transforms.functional.autocontrast', 'img:dict', autocontrastImpl);
function autocontrastImpl<T extends ImageOrTensor>(img: T): T {
  if (img instanceof Tensor) return autocontrastTensor(img) as T;
  return autocontrastImage(img as RGBImage) as T;
}

function autocontrastImage(img: RGBImage): RGBImage {
  const hs = histograms(image(img, 'autocontrast'));
  const tables = hs.map((h) => {
    let lo = 0, hi = 255;
    while (lo < 256 && h[lo] === 0) lo++;
    while (hi >= 0 && h[hi] === 0) hi--;
    if (hi <= lo) return Uint8Array.from({ length: 256 }, (_, i) => i);
    const scale = 255.0 / (hi - lo), offset = -lo * scale;
    return Uint8Array.from({ length: 256 }, (_, i) => Math.max(0, Math.min(255, Math.trunc(i * scale + offset))));
  });
  return lut(img, (v, c) => tables[c]![v]!);
}

/** ImageOps.equalize: per-channel histogram equalisation with PIL's integer steps. */
export const equalize = withArgs('equalize', 'torchvision.transforms.functional.equalize', 'img:dict', equalizeImpl);
function equalizeImpl<T extends ImageOrTensor>(img: T): T {
  if (img instanceof Tensor) return equalizeTensor(img) as T;
  return equalizeImage(img as RGBImage) as T;
}

function equalizeImage(img: RGBImage): RGBImage {
  const hs = histograms(image(img, 'equalize'));
  const tables = hs.map((h) => {
    const histo = [...h].filter((v) => v !== 0);
    const identity = Uint8Array.from({ length: 256 }, (_, i) => i);
    if (histo.length <= 1) return identity;
    const step = Math.floor((histo.reduce((a, b) => a + b, 0) - histo[histo.length - 1]!) / 255);
    if (step === 0) return identity;
    let n = Math.floor(step / 2);
    const t = new Uint8Array(256);
    for (let i = 0; i < 256; i++) { t[i] = Math.min(255, Math.floor(n / step)); n += h[i]!; }
    return t;
  });
  return lut(img, (v, c) => tables[c]![v]!);
}

const O = { conv2d: op('aten::conv2d'), reflectionPad: op('aten::reflection_pad2d') };

function gaussianKernel1d(size: number, sigma: number): Tensor {
  const half = (size - 1) * 0.5;
  const pdf = linspace(-half, half, size).div(sigma).pow(2).mul(-0.5).exp();
  return pdf.div(pdf.sum());
}

/** F.gaussian_blur: kernel [kx, ky] (odd), sigma [sx, sy]; images go through a tensor as in torchvision. */
export const gaussianBlur = withArgs('gaussianBlur', 'torchvision.transforms.functional.gaussian_blur', 'img:dict, kernelSize, sigma?', gaussianBlurImpl);
function gaussianBlurImpl<T extends ImageOrTensor>(img: T, kernelSize: number | readonly number[], sigma?: number | readonly number[]): T {
  const ks = typeof kernelSize === 'number' ? [kernelSize, kernelSize] : [...kernelSize];
  if (ks.length !== 2) throw new RangeError(`gaussianBlur: if kernelSize is a sequence its length should be 2, got ${ks.length}`);
  if (ks.some((k) => !Number.isInteger(k) || k % 2 === 0 || k < 0)) throw new RangeError(`gaussianBlur: kernelSize should have odd and positive integers, got [${ks.join(', ')}]`);
  const sg = sigma === undefined ? ks.map((k) => k * 0.15 + 0.35) : typeof sigma === 'number' ? [sigma, sigma] : sigma.length === 1 ? [sigma[0]!, sigma[0]!] : [...sigma];
  if (sg.length !== 2 || sg.some((s) => !(s > 0))) throw new RangeError(`gaussianBlur: sigma should have positive values, got [${sg.join(', ')}]`);
  const isImg = isImage(img);
  let t: Tensor;
  if (isImg) t = imageToTensor(img as RGBImage);
  else if (img instanceof Tensor) t = img;
  else throw new TypeError('gaussianBlur: expected an image (RGBImage) or a tensor');
  const floating = t.isFloatingPoint();
  const dtype = floating ? t.dtype : 'float32';
  const kx = gaussianKernel1d(ks[0]!, sg[0]!).to(dtype), ky = gaussianKernel1d(ks[1]!, sg[1]!).to(dtype);
  const c = t.shape[t.ndim - 3]!;
  const kernel = ky.unsqueeze(1).mm(kx.unsqueeze(0)).expand([c, 1, ks[1]!, ks[0]!]);
  const shape = t.shape;
  let x = t.ndim < 4 ? t.unsqueeze(0) : t.reshape([-1, ...shape.slice(-3)]);
  if (!floating) x = x.to('float32');
  const px = ks[0]! >> 1, py = ks[1]! >> 1;
  x = new Tensor(O.reflectionPad(x._h, [px, px, py, py]));
  x = new Tensor(O.conv2d(x._h, kernel._h, null, 1, 0, 1, c));
  // torchvision rounds before casting back to an integer type; to bool it casts as it is (any non-zero is true).
  if (!floating) x = (t.dtype.name === 'bool' ? x : x.round()).to(t.dtype);
  x = x.reshape(shape);
  return (isImg ? tensorToImage(x) : x) as T;
}

function checkRange(v: number | readonly number[] | undefined, name: string, center = 1, bound: [number, number] = [0, Infinity], clipFirstOnZero = true): [number, number] | null {
  if (v === undefined) return null;
  let r: [number, number];
  if (typeof v === 'number') {
    if (v < 0) throw new RangeError(`ColorJitter: if ${name} is a single number, it must be non negative`);
    r = [center - v, center + v];
    if (clipFirstOnZero) r[0] = Math.max(r[0], 0);
  } else if (v.length === 2) {
    if (!(bound[0] <= v[0]! && v[0]! <= v[1]! && v[1]! <= bound[1])) throw new RangeError(`ColorJitter: ${name} values should be between (${bound.join(', ')})`);
    r = [v[0]!, v[1]!];
  } else {
    throw new TypeError(`ColorJitter: ${name} should be a single number or a list/tuple with length 2`);
  }
  return r[0] === center && r[1] === center ? null : r;
}

/** `float(torch.empty(1).uniform_(lo, hi))`. */
const uniform1 = (lo: number, hi: number): number => empty([1]).uniform_(lo, hi).item();

export interface ColorJitterOptions {
  brightness?: number | [number, number];
  contrast?: number | [number, number];
  saturation?: number | [number, number];
  hue?: number | [number, number];
}

export class ColorJitter extends Transform<ImageOrTensor, ImageOrTensor> {
  readonly brightness: [number, number] | null;
  readonly contrast: [number, number] | null;
  readonly saturation: [number, number] | null;
  readonly hue: [number, number] | null;
  /** torchvision's order (brightness, contrast, saturation, hue), or an options object. */
  constructor(...args: PyRest<ColorJitterOptions, ['brightness', 'contrast', 'saturation', 'hue']>) {
    super();
    const [opts = {}] = bindCtor(ColorJitter, args) as [ColorJitterOptions];
    this.brightness = checkRange(opts.brightness, 'brightness');
    this.contrast = checkRange(opts.contrast, 'contrast');
    this.saturation = checkRange(opts.saturation, 'saturation');
    this.hue = checkRange(opts.hue, 'hue', 0, [-0.5, 0.5], false);
  }
  /** torchvision's get_params: a random order of the four adjustments, then their factors. */
  static getParams(b: [number, number] | null, c: [number, number] | null, s: [number, number] | null, h: [number, number] | null):
    { order: number[]; brightness: number | null; contrast: number | null; saturation: number | null; hue: number | null } {
    const order = Array.from(randperm(4).toArray() as number[], Number);
    return {
      order,
      brightness: b === null ? null : uniform1(b[0], b[1]),
      contrast: c === null ? null : uniform1(c[0], c[1]),
      saturation: s === null ? null : uniform1(s[0], s[1]),
      hue: h === null ? null : uniform1(h[0], h[1]),
    };
  }
  forward<T extends ImageOrTensor>(img: T): T {
    if (!(img instanceof Tensor)) image(img, 'ColorJitter');
    const p = ColorJitter.getParams(this.brightness, this.contrast, this.saturation, this.hue);
    for (const id of p.order) {
      if (id === 0 && p.brightness !== null) img = adjustBrightness(img, p.brightness);
      else if (id === 1 && p.contrast !== null) img = adjustContrast(img, p.contrast);
      else if (id === 2 && p.saturation !== null) img = adjustSaturation(img, p.saturation);
      else if (id === 3 && p.hue !== null) img = adjustHue(img, p.hue);
    }
    return img;
  }
  override toString(): string {
    const r = (v: [number, number] | null): string => (v === null ? 'None' : `[${v.join(', ')}]`);
    return `ColorJitter(brightness=${r(this.brightness)}, contrast=${r(this.contrast)}, saturation=${r(this.saturation)}, hue=${r(this.hue)})`;
  }
}

export class Grayscale extends Transform<ImageOrTensor, ImageOrTensor> {
  readonly numOutputChannels: 1 | 3;
  constructor(numOutputChannels: 1 | 3 | { numOutputChannels?: 1 | 3 } = 1) {
    super();
    [this.numOutputChannels = 1] = bindCtor(Grayscale, arguments) as [1 | 3 | undefined];
  }
  forward<T extends ImageOrTensor>(img: T): T { return rgbToGrayscale(img, this.numOutputChannels); }
  override toString(): string { return `Grayscale(num_output_channels=${this.numOutputChannels})`; }
}

/** Greyscale with probability p, keeping the number of channels (torch.rand(1) < p). */
export class RandomGrayscale extends Transform<ImageOrTensor, ImageOrTensor> {
  readonly p: number;
  constructor(p: number | { p?: number } = 0.1) {
    super();
    [this.p = 0.1] = bindCtor(RandomGrayscale, arguments) as [number | undefined];
  }
  forward<T extends ImageOrTensor>(img: T): T {
    const channels = img instanceof Tensor ? img.shape[img.ndim - 3]! : image(img, 'RandomGrayscale').channels;
    return coin(this.p) ? rgbToGrayscale(img, channels as 1 | 3) : img;
  }
  override toString(): string { return `RandomGrayscale(p=${this.p})`; }
}

export class GaussianBlur extends Transform<ImageOrTensor, ImageOrTensor> {
  readonly kernelSize: [number, number];
  readonly sigma: [number, number];
  constructor(kernelSize: number | readonly number[], sigma: number | readonly [number, number] | { sigma?: number | readonly [number, number] } = [0.1, 2.0]) {
    super();
    [kernelSize, sigma = [0.1, 2.0]] = bindCtor(GaussianBlur, arguments) as [number | readonly number[], number | readonly [number, number] | undefined];
    const ks = typeof kernelSize === 'number' ? [kernelSize, kernelSize] : [...kernelSize];
    if (ks.length !== 2 || ks.some((k) => !Number.isInteger(k) || k <= 0 || k % 2 === 0)) {
      throw new RangeError(`GaussianBlur: kernel size value should be an odd and positive number, got ${JSON.stringify(kernelSize)}`);
    }
    this.kernelSize = [ks[0]!, ks[1]!];
    if (typeof sigma === 'number') {
      if (sigma <= 0) throw new RangeError('GaussianBlur: if sigma is a single number, it must be positive');
      this.sigma = [sigma, sigma];
    } else {
      if (!(sigma[0] > 0 && sigma[0] <= sigma[1])) throw new RangeError('GaussianBlur: sigma values should be positive and of the form (min, max)');
      this.sigma = [sigma[0], sigma[1]];
    }
  }
  static getParams(sigmaMin: number, sigmaMax: number): number { return uniform1(sigmaMin, sigmaMax); }
  forward<T extends ImageOrTensor>(img: T): T {
    const s = GaussianBlur.getParams(this.sigma[0], this.sigma[1]);
    return gaussianBlur(img, this.kernelSize, [s, s]);
  }
  override toString(): string { return `GaussianBlur(kernel_size=(${this.kernelSize.join(', ')}), sigma=(${this.sigma.join(', ')}))`; }
}

/**
 * The "apply with probability p" wrappers (RandomInvert, RandomPosterize, ...): torchvision draws
 * `torch.rand(1).item() < p`, a float32 value against the double p.
 */
abstract class RandomApplyOp extends Transform<RGBImage, RGBImage> {
  readonly p: number;
  constructor(p: number) {
    super();
    if (!(p >= 0 && p <= 1)) throw new RangeError(`${new.target.name}: p must be in [0, 1], got ${p}`);
    this.p = p;
  }
  protected abstract apply(img: RGBImage): RGBImage;
  forward(img: RGBImage): RGBImage {
    image(img, this.constructor.name);
    return rand1() < this.p ? this.apply(img) : img;
  }
}

export class RandomInvert extends RandomApplyOp {
  constructor(p: number | { p?: number } = 0.5) { super((bindCtor(RandomInvert, arguments)[0] ?? 0.5) as number); }
  protected apply(img: RGBImage): RGBImage { return invert(img); }
  override toString(): string { return `RandomInvert(p=${this.p})`; }
}

export class RandomPosterize extends RandomApplyOp {
  readonly bits: number;
  constructor(bits: number, p: number | { p?: number } = 0.5) {
    const [b, q = 0.5] = bindCtor(RandomPosterize, arguments) as [number, number | undefined];
    super(q);
    posterize(createImage(1, 1, 3), b);
    this.bits = b;
  }
  protected apply(img: RGBImage): RGBImage { return posterize(img, this.bits); }
  override toString(): string { return `RandomPosterize(bits=${this.bits},p=${this.p})`; }
}

export class RandomSolarize extends RandomApplyOp {
  readonly threshold: number;
  constructor(threshold: number, p: number | { p?: number } = 0.5) {
    const [t, q = 0.5] = bindCtor(RandomSolarize, arguments) as [number, number | undefined];
    super(q);
    this.threshold = t;
  }
  protected apply(img: RGBImage): RGBImage { return solarize(img, this.threshold); }
  override toString(): string { return `RandomSolarize(threshold=${this.threshold},p=${this.p})`; }
}

export class RandomAdjustSharpness extends RandomApplyOp {
  readonly sharpnessFactor: number;
  constructor(sharpnessFactor: number, p: number | { p?: number } = 0.5) {
    let q: number;
    [sharpnessFactor, q = 0.5] = bindCtor(RandomAdjustSharpness, arguments) as [number, number | undefined];
    super(q);
    if (!(sharpnessFactor >= 0)) throw new RangeError(`RandomAdjustSharpness: sharpnessFactor (${sharpnessFactor}) is not non-negative`);
    this.sharpnessFactor = sharpnessFactor;
  }
  protected apply(img: RGBImage): RGBImage { return adjustSharpness(img, this.sharpnessFactor); }
  override toString(): string { return `RandomAdjustSharpness(sharpness_factor=${this.sharpnessFactor},p=${this.p})`; }
}

export class RandomAutocontrast extends RandomApplyOp {
  constructor(p: number | { p?: number } = 0.5) { super((bindCtor(RandomAutocontrast, arguments)[0] ?? 0.5) as number); }
  protected apply(img: RGBImage): RGBImage { return autocontrast(img); }
  override toString(): string { return `RandomAutocontrast(p=${this.p})`; }
}

export class RandomEqualize extends RandomApplyOp {
  constructor(p: number | { p?: number } = 0.5) { super((bindCtor(RandomEqualize, arguments)[0] ?? 0.5) as number); }
  protected apply(img: RGBImage): RGBImage { return equalize(img); }
  override toString(): string { return `RandomEqualize(p=${this.p})`; }
}

classArgs(ColorJitter, 'torchvision.transforms.ColorJitter', '; brightness, contrast, saturation, hue');
classArgs(Grayscale, 'torchvision.transforms.Grayscale', 'numOutputChannels?');
classArgs(RandomGrayscale, 'torchvision.transforms.RandomGrayscale', 'p?');
classArgs(GaussianBlur, 'torchvision.transforms.GaussianBlur', 'kernelSize, sigma?');
classArgs(RandomInvert, 'torchvision.transforms.RandomInvert', 'p?');
classArgs(RandomPosterize, 'torchvision.transforms.RandomPosterize', 'bits, p?');
classArgs(RandomSolarize, 'torchvision.transforms.RandomSolarize', 'threshold, p?');
classArgs(RandomAdjustSharpness, 'torchvision.transforms.RandomAdjustSharpness', 'sharpnessFactor, p?');
classArgs(RandomAutocontrast, 'torchvision.transforms.RandomAutocontrast', 'p?');
classArgs(RandomEqualize, 'torchvision.transforms.RandomEqualize', 'p?');
