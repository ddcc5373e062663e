// torchvision's automatic augmentation policies on 8-bit images: AutoAugment (ImageNet, CIFAR10 and SVHN
// policies), RandAugment and TrivialAugmentWide, with torchvision's magnitude tables (computed by the same
// float32 linspace) and its random draws in its order, applied through the PIL-exact operations.
import { bindCtor, classArgs, type PyRest } from '../../args.js';
import { arange, linspace, rand, tensor as makeTensor } from '../../creation.js';
import { op } from '../../native/ops.js';
import { pyFloat } from '../../nn/modules/repr.js';
import { Tensor } from '../../tensor.js';
import { imageToTensor, isImage, tensorToImage, type RGBImage } from '../io/image.js';
import { randint1 } from './draws.js';
import { Transform } from './transforms.js';
import { affine, checkInterpolation, rotate, type InterpolationMode } from './image-geometry.js';
import {
  adjustBrightness, adjustContrast, adjustSaturation, adjustSharpness, autocontrast, equalize, invert, posterize, solarize,
} from './image-color.js';

export type AutoAugmentPolicy = 'imagenet' | 'cifar10' | 'svhn';

export type OpName = 'Identity' | 'ShearX' | 'ShearY' | 'TranslateX' | 'TranslateY' | 'Rotate' | 'Brightness' | 'Color'
  | 'Contrast' | 'Sharpness' | 'Posterize' | 'Solarize' | 'AutoContrast' | 'Equalize' | 'Invert';

/** An op's magnitudes (null: the op takes none) and whether a random sign applies. */
type Space = [OpName, number[] | null, boolean][];

const lin = (a: number, b: number, n: number): number[] => Array.from(linspace(a, b, n).dataSync() as Float32Array);
/** `8 - (torch.arange(n) / ((n - 1) / d)).round().int()` */
const posterizeBits = (n: number, d: number): number[] =>
  Array.from(arange(n).div((n - 1) / d).round().to('int32').dataSync() as Int32Array, (v) => 8 - v);

function image(img: unknown, what: string): RGBImage {
  if (img instanceof Tensor) throw new TypeError(`${what}: tensors are not supported here; apply it to the image before ToTensor`);
  if (!isImage(img)) throw new TypeError(`${what}: expected an image (RGBImage)`);
  return img;
}

/**
 * torchvision's _apply_op, on an image or (AugMix) a uint8 tensor [..., C, H, W]. For tensors an absent fill means
 * no fill mask, as torchvision's tensor functions treat fill=None; images fill with 0.
 */
export function applyOp<T extends RGBImage | Tensor>(img: T, name: OpName, magnitude: number, interpolation: InterpolationMode, fill: number | readonly number[] | null): T {
  const isTensor = img instanceof Tensor;
  const f = isTensor ? (fill ?? undefined) : (fill ?? 0);
  const deg = (r: number): number => (r * 180) / Math.PI;
  const x = img as RGBImage | Tensor;
  switch (name) {
    case 'ShearX': return affine(x, 0, [0, 0], 1, [deg(Math.atan(magnitude)), 0], { interpolation, fill: f, center: [0, 0] }) as T;
    case 'ShearY': return affine(x, 0, [0, 0], 1, [0, deg(Math.atan(magnitude))], { interpolation, fill: f, center: [0, 0] }) as T;
    case 'TranslateX': return affine(x, 0, [Math.trunc(magnitude), 0], 1, [0, 0], { interpolation, fill: f }) as T;
    case 'TranslateY': return affine(x, 0, [0, Math.trunc(magnitude)], 1, [0, 0], { interpolation, fill: f }) as T;
    case 'Rotate': return rotate(x, magnitude, { interpolation, fill: f }) as T;
    case 'Brightness': return adjustBrightness(x, 1 + magnitude) as T;
    case 'Color': return adjustSaturation(x, 1 + magnitude) as T;
    case 'Contrast': return adjustContrast(x, 1 + magnitude) as T;
    case 'Sharpness': return adjustSharpness(x, 1 + magnitude) as T;
    case 'Posterize': return posterize(x, Math.trunc(magnitude)) as T;
    case 'Solarize': return solarize(x, magnitude) as T;
    case 'AutoContrast': return autocontrast(x) as T;
    case 'Equalize': return equalize(x) as T;
    case 'Invert': return invert(x) as T;
    case 'Identity': return img;
    default: throw new RangeError(`The provided operator ${String(name)} is not recognized.`);
  }
}

type PolicyEntry = [[OpName, number, number | null], [OpName, number, number | null]];

const POLICIES: Record<AutoAugmentPolicy, PolicyEntry[]> = {
  imagenet: [
    [['Posterize', 0.4, 8], ['Rotate', 0.6, 9]], [['Solarize', 0.6, 5], ['AutoContrast', 0.6, null]],
    [['Equalize', 0.8, null], ['Equalize', 0.6, null]], [['Posterize', 0.6, 7], ['Posterize', 0.6, 6]],
    [['Equalize', 0.4, null], ['Solarize', 0.2, 4]], [['Equalize', 0.4, null], ['Rotate', 0.8, 8]],
    [['Solarize', 0.6, 3], ['Equalize', 0.6, null]], [['Posterize', 0.8, 5], ['Equalize', 1.0, null]],
    [['Rotate', 0.2, 3], ['Solarize', 0.6, 8]], [['Equalize', 0.6, null], ['Posterize', 0.4, 6]],
    [['Rotate', 0.8, 8], ['Color', 0.4, 0]], [['Rotate', 0.4, 9], ['Equalize', 0.6, null]],
    [['Equalize', 0.0, null], ['Equalize', 0.8, null]], [['Invert', 0.6, null], ['Equalize', 1.0, null]],
    [['Color', 0.6, 4], ['Contrast', 1.0, 8]], [['Rotate', 0.8, 8], ['Color', 1.0, 2]],
    [['Color', 0.8, 8], ['Solarize', 0.8, 7]], [['Sharpness', 0.4, 7], ['Invert', 0.6, null]],
    [['ShearX', 0.6, 5], ['Equalize', 1.0, null]], [['Color', 0.4, 0], ['Equalize', 0.6, null]],
    [['Equalize', 0.4, null], ['Solarize', 0.2, 4]], [['Solarize', 0.6, 5], ['AutoContrast', 0.6, null]],
    [['Invert', 0.6, null], ['Equalize', 1.0, null]], [['Color', 0.6, 4], ['Contrast', 1.0, 8]],
    [['Equalize', 0.8, null], ['Equalize', 0.6, null]],
  ],
  cifar10: [
    [['Invert', 0.1, null], ['Contrast', 0.2, 6]], [['Rotate', 0.7, 2], ['TranslateX', 0.3, 9]],
    [['Sharpness', 0.8, 1], ['Sharpness', 0.9, 3]], [['ShearY', 0.5, 8], ['TranslateY', 0.7, 9]],
    [['AutoContrast', 0.5, null], ['Equalize', 0.9, null]], [['ShearY', 0.2, 7], ['Posterize', 0.3, 7]],
    [['Color', 0.4, 3], ['Brightness', 0.6, 7]], [['Sharpness', 0.3, 9], ['Brightness', 0.7, 9]],
    [['Equalize', 0.6, null], ['Equalize', 0.5, null]], [['Contrast', 0.6, 7], ['Sharpness', 0.6, 5]],
    [['Color', 0.7, 7], ['TranslateX', 0.5, 8]], [['Equalize', 0.3, null], ['AutoContrast', 0.4, null]],
    [['TranslateY', 0.4, 3], ['Sharpness', 0.2, 6]], [['Brightness', 0.9, 6], ['Color', 0.2, 8]],
    [['Solarize', 0.5, 2], ['Invert', 0.0, null]], [['Equalize', 0.2, null], ['AutoContrast', 0.6, null]],
    [['Equalize', 0.2, null], ['Equalize', 0.6, null]], [['Color', 0.9, 9], ['Equalize', 0.6, null]],
    [['AutoContrast', 0.8, null], ['Solarize', 0.2, 8]], [['Brightness', 0.1, 3], ['Color', 0.7, 0]],
    [['Solarize', 0.4, 5], ['AutoContrast', 0.9, null]], [['TranslateY', 0.9, 9], ['TranslateY', 0.7, 9]],
    [['AutoContrast', 0.9, null], ['Solarize', 0.8, 3]], [['Equalize', 0.8, null], ['Invert', 0.1, null]],
    [['TranslateY', 0.7, 9], ['AutoContrast', 0.9, null]],
  ],
  svhn: [
    [['ShearX', 0.9, 4], ['Invert', 0.2, null]], [['ShearY', 0.9, 8], ['Invert', 0.7, null]],
    [['Equalize', 0.6, null], ['Solarize', 0.6, 6]], [['Invert', 0.9, null], ['Equalize', 0.6, null]],
    [['Equalize', 0.6, null], ['Rotate', 0.9, 3]], [['ShearX', 0.9, 4], ['AutoContrast', 0.8, null]],
    [['ShearY', 0.9, 8], ['Invert', 0.4, null]], [['ShearY', 0.9, 5], ['Solarize', 0.2, 6]],
    [['Invert', 0.9, null], ['AutoContrast', 0.8, null]], [['Equalize', 0.6, null], ['Rotate', 0.9, 3]],
    [['ShearX', 0.9, 4], ['Solarize', 0.3, 3]], [['ShearY', 0.8, 8], ['Invert', 0.7, null]],
    [['Equalize', 0.9, null], ['TranslateY', 0.6, 6]], [['Invert', 0.9, null], ['Equalize', 0.6, null]],
    [['Contrast', 0.3, 3], ['Rotate', 0.8, 4]], [['Invert', 0.8, null], ['TranslateY', 0.0, 2]],
    [['ShearY', 0.7, 6], ['Solarize', 0.4, 8]], [['Invert', 0.6, null], ['Rotate', 0.8, 4]],
    [['ShearY', 0.3, 7], ['TranslateX', 0.9, 3]], [['ShearX', 0.1, 6], ['Invert', 0.6, null]],
    [['Solarize', 0.7, 2], ['TranslateY', 0.6, 7]], [['ShearY', 0.8, 4], ['Invert', 0.8, null]],
    [['ShearX', 0.7, 9], ['TranslateY', 0.8, 3]], [['ShearY', 0.8, 5], ['AutoContrast', 0.7, null]],
    [['ShearX', 0.7, 2], ['Invert', 0.1, null]],
  ],
};

/** The AutoAugment / RandAugment magnitude space (torchvision's _augmentation_space). */
function autoSpace(bins: number, h: number, w: number, identity: boolean, invertOp: boolean): Space {
  const s: Space = [];
  if (identity) s.push(['Identity', null, false]);
  s.push(
    ['ShearX', lin(0, 0.3, bins), true], ['ShearY', lin(0, 0.3, bins), true],
    ['TranslateX', lin(0, (150.0 / 331.0) * w, bins), true], ['TranslateY', lin(0, (150.0 / 331.0) * h, bins), true],
    ['Rotate', lin(0, 30, bins), true], ['Brightness', lin(0, 0.9, bins), true], ['Color', lin(0, 0.9, bins), true],
    ['Contrast', lin(0, 0.9, bins), true], ['Sharpness', lin(0, 0.9, bins), true], ['Posterize', posterizeBits(bins, 4), false],
    ['Solarize', lin(255, 0, bins), false], ['AutoContrast', null, false], ['Equalize', null, false],
  );
  if (invertOp) s.push(['Invert', null, false]);
  return s;
}

function wideSpace(bins: number): Space {
  return [
    ['Identity', null, false], ['ShearX', lin(0, 0.99, bins), true], ['ShearY', lin(0, 0.99, bins), true],
    ['TranslateX', lin(0, 32, bins), true], ['TranslateY', lin(0, 32, bins), true], ['Rotate', lin(0, 135, bins), true],
    ['Brightness', lin(0, 0.99, bins), true], ['Color', lin(0, 0.99, bins), true], ['Contrast', lin(0, 0.99, bins), true],
    ['Sharpness', lin(0, 0.99, bins), true], ['Posterize', posterizeBits(bins, 6), false], ['Solarize', lin(255, 0, bins), false],
    ['AutoContrast', null, false], ['Equalize', null, false],
  ];
}

export interface AutoAugmentOptions {
  policy?: AutoAugmentPolicy;
  interpolation?: InterpolationMode;
  fill?: number | readonly number[] | null;
}

export class AutoAugment extends Transform<RGBImage, RGBImage> {
  readonly policy: AutoAugmentPolicy;
  readonly interpolation: InterpolationMode;
  readonly fill: number | readonly number[] | null;
  readonly policies: PolicyEntry[];
  /** torchvision's order (policy, interpolation, fill), or an options object. */
  constructor(...args: PyRest<AutoAugmentOptions, ['policy', 'interpolation', 'fill']>) {
    super();
    const [opts = {}] = bindCtor(AutoAugment, args) as [AutoAugmentOptions];
    this.policy = opts.policy ?? 'imagenet';
    const p = POLICIES[this.policy];
    if (p === undefined) throw new RangeError(`AutoAugment: the provided policy ${String(this.policy)} is not recognized (imagenet, cifar10, svhn)`);
    this.policies = p;
    this.interpolation = checkInterpolation(opts.interpolation ?? 'nearest', 'AutoAugment');
    this.fill = opts.fill ?? null;
  }
  /** torchvision's get_params: the sub-policy, two probabilities, two signs. */
  static getParams(transformNum: number): { policyId: number; probs: number[]; signs: number[] } {
    const policyId = randint1(0, transformNum);
    const probs = Array.from(rand([2]).dataSync() as Float32Array);
    const signs = [randint1(0, 2), randint1(0, 2)];
    return { policyId, probs, signs };
  }
  forward(img: RGBImage): RGBImage {
    image(img, 'AutoAugment');
    const { policyId, probs, signs } = AutoAugment.getParams(this.policies.length);
    const space = new Map(autoSpace(10, img.height, img.width, false, true).map(([n, m, s]) => [n, [m, s] as const]));
    this.policies[policyId]!.forEach(([name, p, magId], i) => {
      // torch compares the float32 probability with p rounded to float32.
      if (probs[i]! <= Math.fround(p)) {
        const [mags, signed] = space.get(name)!;
        let magnitude = magId !== null && mags !== null ? mags[magId]! : 0;
        if (signed && signs[i] === 0) magnitude *= -1;
        img = applyOp(img, name, magnitude, this.interpolation, this.fill);
      }
    });
    return img;
  }
  override toString(): string { return `AutoAugment(policy=AutoAugmentPolicy.${this.policy.toUpperCase()}, fill=${this.fill ?? 'None'})`; }
}

export interface RandAugmentOptions {
  numOps?: number;
  magnitude?: number;
  numMagnitudeBins?: number;
  interpolation?: InterpolationMode;
  fill?: number | readonly number[] | null;
}

export class RandAugment extends Transform<RGBImage, RGBImage> {
  readonly numOps: number;
  readonly magnitude: number;
  readonly numMagnitudeBins: number;
  readonly interpolation: InterpolationMode;
  readonly fill: number | readonly number[] | null;
  /** torchvision's order (numOps, magnitude, numMagnitudeBins, interpolation, fill), or an options object. */
  constructor(...args: PyRest<RandAugmentOptions, ['numOps', 'magnitude', 'numMagnitudeBins', 'interpolation', 'fill']>) {
    super();
    const [opts = {}] = bindCtor(RandAugment, args) as [RandAugmentOptions];
    this.numOps = opts.numOps ?? 2;
    this.magnitude = opts.magnitude ?? 9;
    this.numMagnitudeBins = opts.numMagnitudeBins ?? 31;
    if (!(this.magnitude >= 0 && this.magnitude < this.numMagnitudeBins)) throw new RangeError(`RandAugment: magnitude ${this.magnitude} must be in [0, numMagnitudeBins)`);
    this.interpolation = checkInterpolation(opts.interpolation ?? 'nearest', 'RandAugment');
    this.fill = opts.fill ?? null;
  }
  forward(img: RGBImage): RGBImage {
    image(img, 'RandAugment');
    const space = autoSpace(this.numMagnitudeBins, img.height, img.width, true, false);
    for (let k = 0; k < this.numOps; k++) {
      const [name, mags, signed] = space[randint1(0, space.length)]!;
      let magnitude = mags !== null ? mags[this.magnitude]! : 0;
      if (signed && randint1(0, 2)) magnitude *= -1;
      img = applyOp(img, name, magnitude, this.interpolation, this.fill);
    }
    return img;
  }
  override toString(): string {
    return `RandAugment(num_ops=${this.numOps}, magnitude=${this.magnitude}, num_magnitude_bins=${this.numMagnitudeBins}, interpolation=${this.interpolation}, fill=${this.fill ?? 'None'})`;
  }
}

export interface TrivialAugmentWideOptions {
  numMagnitudeBins?: number;
  interpolation?: InterpolationMode;
  fill?: number | readonly number[] | null;
}

export class TrivialAugmentWide extends Transform<RGBImage, RGBImage> {
  readonly numMagnitudeBins: number;
  readonly interpolation: InterpolationMode;
  readonly fill: number | readonly number[] | null;
  /** torchvision's order (numMagnitudeBins, interpolation, fill), or an options object. */
  constructor(...args: PyRest<TrivialAugmentWideOptions, ['numMagnitudeBins', 'interpolation', 'fill']>) {
    super();
    const [opts = {}] = bindCtor(TrivialAugmentWide, args) as [TrivialAugmentWideOptions];
    this.numMagnitudeBins = opts.numMagnitudeBins ?? 31;
    this.interpolation = checkInterpolation(opts.interpolation ?? 'nearest', 'TrivialAugmentWide');
    this.fill = opts.fill ?? null;
  }
  forward(img: RGBImage): RGBImage {
    image(img, 'TrivialAugmentWide');
    const space = wideSpace(this.numMagnitudeBins);
    const [name, mags, signed] = space[randint1(0, space.length)]!;
    let magnitude = mags !== null ? mags[randint1(0, mags.length)]! : 0;
    if (signed && randint1(0, 2)) magnitude *= -1;
    return applyOp(img, name, magnitude, this.interpolation, this.fill);
  }
  override toString(): string {
    return `TrivialAugmentWide(num_magnitude_bins=${this.numMagnitudeBins}, interpolation=${this.interpolation}, fill=${this.fill ?? 'None'})`;
  }
}

classArgs(AutoAugment, 'torchvision.transforms.AutoAugment', '; policy, interpolation, fill');
classArgs(RandAugment, 'torchvision.transforms.RandAugment', '; numOps, magnitude, numMagnitudeBins, interpolation, fill');
classArgs(TrivialAugmentWide, 'torchvision.transforms.TrivialAugmentWide', '; numMagnitudeBins, interpolation, fill');

export interface AugMixOptions {
  /** Severity of the operations, 1 to 10 (default 3). */
  severity?: number;
  /** Augmentation chains mixed (default 3). */
  mixtureWidth?: number;
  /** Operations per chain; -1 (default) draws 1 to 3 per chain. */
  chainDepth?: number;
  /** The Dirichlet and Beta concentration (default 1.0). */
  alpha?: number;
  /** With brightness, colour, contrast and sharpness (default true). */
  allOps?: boolean;
  /** 'bilinear' (default) or 'nearest' (the operations run on tensors). */
  interpolation?: InterpolationMode;
  fill?: number | readonly number[] | null;
}

const dirichlet = op('aten::_sample_dirichlet');

/**
 * AugMix (Hendrycks et al. 2020), as torchvision's: mixture_width chains of random operations on the image's
 * uint8 tensor, mixed with Dirichlet weights and blended with the original by a Beta weight (both drawn with
 * torch._sample_dirichlet). Accepts images (returned as images) and uint8 tensors [..., C, H, W].
 */
export class AugMix extends Transform<RGBImage | Tensor, RGBImage | Tensor> {
  static readonly PARAMETER_MAX = 10;
  readonly severity: number;
  readonly mixtureWidth: number;
  readonly chainDepth: number;
  readonly alpha: number;
  readonly allOps: boolean;
  readonly interpolation: InterpolationMode;
  readonly fill: number | readonly number[] | null;

  /** torchvision's order (severity, mixtureWidth, chainDepth, alpha, allOps, interpolation, fill), or an options object. */
  constructor(...args: PyRest<AugMixOptions, ['severity', 'mixtureWidth', 'chainDepth', 'alpha', 'allOps', 'interpolation', 'fill']>) {
    super();
    const [opts = {}] = bindCtor(AugMix, args) as [AugMixOptions];
    this.severity = opts.severity ?? 3;
    if (!(this.severity >= 1 && this.severity <= AugMix.PARAMETER_MAX)) {
      throw new RangeError(`The severity must be between [1, ${AugMix.PARAMETER_MAX}]. Got ${this.severity} instead.`);
    }
    this.mixtureWidth = opts.mixtureWidth ?? 3;
    this.chainDepth = opts.chainDepth ?? -1;
    this.alpha = opts.alpha ?? 1.0;
    this.allOps = opts.allOps ?? true;
    this.interpolation = checkInterpolation(opts.interpolation ?? 'bilinear', 'AugMix');
    if (this.interpolation !== 'nearest' && this.interpolation !== 'bilinear') throw new RangeError(`AugMix: tensors support nearest and bilinear interpolation, not ${this.interpolation}`);
    this.fill = opts.fill ?? null;
  }

  private space(bins: number, h: number, w: number): [OpName, number[] | null, boolean][] {
    const s: [OpName, number[] | null, boolean][] = [
      ['ShearX', lin(0, 0.3, bins), true], ['ShearY', lin(0, 0.3, bins), true],
      ['TranslateX', lin(0, w / 3.0, bins), true], ['TranslateY', lin(0, h / 3.0, bins), true],
      ['Rotate', lin(0, 30, bins), true],
      ['Posterize', Array.from(arange(bins).div((bins - 1) / 4).round().to('int32').dataSync() as Int32Array, (v) => 4 - v), false],
      ['Solarize', lin(255, 0, bins), false], ['AutoContrast', null, false], ['Equalize', null, false],
    ];
    if (this.allOps) {
      s.push(['Brightness', lin(0, 0.9, bins), true], ['Color', lin(0, 0.9, bins), true],
        ['Contrast', lin(0, 0.9, bins), true], ['Sharpness', lin(0, 0.9, bins), true]);
    }
    return s;
  }

  forward(orig: RGBImage | Tensor): RGBImage | Tensor {
    const isTensor = orig instanceof Tensor;
    if (!isTensor && !isImage(orig)) throw new TypeError('AugMix: expected an image (RGBImage) or a uint8 tensor');
    const img = isTensor ? orig : imageToTensor(orig);
    if (img.dtype.name !== 'uint8') throw new TypeError(`AugMix: expected a uint8 tensor, got ${img.dtype}`);
    const [c, h, w] = img.shape.slice(-3) as [number, number, number];
    let fill: number[] | null = null;
    if (isTensor) {
      if (typeof this.fill === 'number') fill = Array(c).fill(this.fill);
      else if (this.fill !== null) fill = [...this.fill];
    } else if (this.fill !== null) {
      fill = typeof this.fill === 'number' ? [this.fill] : [...this.fill];
    }
    const space = this.space(AugMix.PARAMETER_MAX, h, w);
    const origDims = img.shape;
    const batch = img.view([...Array(Math.max(4 - img.ndim, 0)).fill(1), ...origDims]);
    const b = batch.shape[0]!;
    const batchDims = [b, ...Array(batch.ndim - 1).fill(1)];
    const m = new Tensor(dirichlet(makeTensor([this.alpha, this.alpha]).expand(b, -1)._h, undefined));
    const combined = new Tensor(dirichlet(makeTensor(Array(this.mixtureWidth).fill(this.alpha)).expand(b, -1)._h, undefined))
      .mul(m.select(1, 1).view([b, -1]));
    const mix = m.select(1, 0).view(batchDims).mul(batch);
    for (let i = 0; i < this.mixtureWidth; i++) {
      let aug = batch;
      const depth = this.chainDepth > 0 ? this.chainDepth : randint1(1, 4);
      for (let d = 0; d < depth; d++) {
        const [name, mags, signed] = space[randint1(0, space.length)]!;
        let magnitude = mags !== null ? mags[randint1(0, this.severity)]! : 0.0;
        if (signed && randint1(0, 2)) magnitude *= -1.0;
        aug = applyOp(aug, name, magnitude, this.interpolation, fill);
      }
      mix.add_(combined.select(1, i).view(batchDims).mul(aug));
    }
    const out = mix.view(origDims).to(img.dtype);
    return isTensor ? out : tensorToImage(out);
  }

  override toString(): string {
    const fill = this.fill === null ? 'None' : typeof this.fill === 'number' ? String(this.fill) : `[${this.fill.join(', ')}]`;
    return `AugMix(severity=${this.severity}, mixture_width=${this.mixtureWidth}, chain_depth=${this.chainDepth}, alpha=${pyFloat(this.alpha)}, ` +
      `all_ops=${this.allOps ? 'True' : 'False'}, interpolation=InterpolationMode.${this.interpolation.toUpperCase()}, fill=${fill})`;
  }
}
classArgs(AugMix, 'torchvision.transforms.AugMix', '; severity, mixtureWidth, chainDepth, alpha, allOps, interpolation, fill');
