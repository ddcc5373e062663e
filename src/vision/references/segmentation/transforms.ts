// The joint image + mask transforms of torchvision's references/segmentation/transforms.py (0.14): each takes an
// (image, target) pair and returns one, applying the same geometry to both. As there, the random size and the
// flip are drawn from Python's `random` module (here `references.random`, seeded with `random.seed(n)`) and the
// crop position from torch's generator (RandomCrop.getParams). Images and masks are 8-bit images (a mask: one
// channel of class indices, 255 = ignore) until PILToTensor makes them a uint8 CHW tensor and an int64 HW one.
import { Tensor } from '../../../tensor.js';
import { fromBytes } from '../../../creation.js';
import { isImage, type RGBImage } from '../../io/image.js';
import * as F from '../../transforms/functional.js';
import { resize } from '../../transforms/image-geometry.js';
import { RandomCrop as TRandomCrop } from '../../transforms/transforms.js';
import type { DTypeLike } from '../../../dtype.js';
import { pyRandom as random } from '../../transforms/py-random.js';
import { bindOwn, classArgs, registerSignature } from '../../../args.js';

// PyTorch's argument binding (src/args.ts) for this module's functions: an extra positional argument or an
// unknown keyword is a TypeError naming it.
registerSignature(padIfSmaller, 'padIfSmaller', 'tstorch.vision.references.segmentation.padIfSmaller', 'img:dict, size, fill?');

export type SegmentationImage = RGBImage | Tensor;
export type SegmentationPair<I = SegmentationImage, T = SegmentationImage> = [I, T];

/** A joint transform: `call(image, target)` returns the transformed pair. */
export interface PairTransform {
  call(image: SegmentationImage, target: SegmentationImage): SegmentationPair;
}

function asImage(x: SegmentationImage, what: string, fn: string): RGBImage {
  if (!isImage(x)) throw new TypeError(`${fn}: the ${what} must be an 8-bit image (before PILToTensor), got a ${x instanceof Tensor ? 'tensor' : typeof x}`);
  return x;
}

/** Pads the right and bottom edges with `fill` up to `size` when the image is smaller (references' pad_if_smaller). */
export function padIfSmaller(img: RGBImage, size: number, fill = 0): RGBImage {
  [img, size, fill = 0] = bindOwn(padIfSmaller, arguments) as Parameters<typeof padIfSmaller>;
  if (Math.min(img.width, img.height) < size) {
    const padh = img.height < size ? size - img.height : 0;
    const padw = img.width < size ? size - img.width : 0;
    return F.pad(img, [0, 0, padw, padh], fill);
  }
  return img;
}

export class Compose implements PairTransform {
  readonly transforms: readonly PairTransform[];
  constructor(transforms: readonly PairTransform[]) {
    [transforms] = bindOwn(Compose, arguments) as ConstructorParameters<typeof Compose>;
    this.transforms = transforms;
  }
  call(image: SegmentationImage, target: SegmentationImage): SegmentationPair {
    for (const t of this.transforms) [image, target] = t.call(image, target);
    return [image, target];
  }
}
classArgs(Compose, 'tstorch.vision.references.segmentation.Compose', 'transforms');

/** Resizes the shorter side to a size drawn uniformly from [minSize, maxSize] (the mask with nearest neighbours). */
export class RandomResize implements PairTransform {
  readonly maxSize: number;
  readonly minSize: number;
  constructor(minSize: number, maxSize: number | null = null) {
    [minSize, maxSize = null] = bindOwn(RandomResize, arguments) as ConstructorParameters<typeof RandomResize>;
    this.minSize = minSize;
    this.maxSize = maxSize ?? minSize;
  }
  call(image: SegmentationImage, target: SegmentationImage): SegmentationPair {
    const size = random.randint(this.minSize, this.maxSize);
    return [resize(image, size), resize(target, size, { interpolation: 'nearest' })];
  }
}
classArgs(RandomResize, 'tstorch.vision.references.segmentation.RandomResize', 'minSize, maxSize?');

export class RandomHorizontalFlip implements PairTransform {
  readonly flipProb: number;
  constructor(flipProb: number) {
    [flipProb] = bindOwn(RandomHorizontalFlip, arguments) as ConstructorParameters<typeof RandomHorizontalFlip>;
    this.flipProb = flipProb;
  }
  call(image: SegmentationImage, target: SegmentationImage): SegmentationPair {
    if (random.random() < this.flipProb) return [F.hflip(image), F.hflip(target)];
    return [image, target];
  }
}
classArgs(RandomHorizontalFlip, 'tstorch.vision.references.segmentation.RandomHorizontalFlip', 'flipProb');

/** A square random crop; images smaller than it are padded first, the image with 0, the mask with 255 (ignored). */
export class RandomCrop implements PairTransform {
  readonly size: number;
  constructor(size: number) {
    [size] = bindOwn(RandomCrop, arguments) as ConstructorParameters<typeof RandomCrop>;
    this.size = size;
  }
  call(image: SegmentationImage, target: SegmentationImage): SegmentationPair {
    const img = padIfSmaller(asImage(image, 'image', 'RandomCrop'), this.size);
    const tgt = padIfSmaller(asImage(target, 'target', 'RandomCrop'), this.size, 255);
    const [i, j, h, w] = TRandomCrop.getParams(img, [this.size, this.size]);
    return [F.crop(img, i, j, h, w), F.crop(tgt, i, j, h, w)];
  }
}
classArgs(RandomCrop, 'tstorch.vision.references.segmentation.RandomCrop', 'size');

export class CenterCrop implements PairTransform {
  readonly size: number | readonly number[];
  constructor(size: number | readonly number[]) {
    [size] = bindOwn(CenterCrop, arguments) as ConstructorParameters<typeof CenterCrop>;
    this.size = size;
  }
  call(image: SegmentationImage, target: SegmentationImage): SegmentationPair {
    return [F.centerCrop(image, this.size), F.centerCrop(target, this.size)];
  }
}
classArgs(CenterCrop, 'tstorch.vision.references.segmentation.CenterCrop', 'size');

/** The image to a uint8 (C, H, W) tensor, the mask to an int64 (H, W) tensor of class indices. */
export class PILToTensor implements PairTransform {
  constructor() { bindOwn(PILToTensor, arguments); }
  call(image: SegmentationImage, target: SegmentationImage): SegmentationPair {
    const t = asImage(target, 'target', 'PILToTensor');
    if (t.channels !== 1) throw new RangeError(`PILToTensor: the target must be a one-channel mask of class indices, got ${t.channels} channels`);
    return [F.pilToTensor(image), fromBytes(t.data, [t.height, t.width], 'uint8').to('int64')];
  }
}
classArgs(PILToTensor, 'tstorch.vision.references.segmentation.PILToTensor', '');

/** The image to `dtype`, scaled (uint8 0..255 -> float 0..1); the mask is left alone. */
export class ConvertImageDtype implements PairTransform {
  readonly dtype: DTypeLike;
  constructor(dtype: DTypeLike = 'float32') {
    [dtype = 'float32'] = bindOwn(ConvertImageDtype, arguments) as ConstructorParameters<typeof ConvertImageDtype>;
    this.dtype = dtype;
  }
  call(image: SegmentationImage, target: SegmentationImage): SegmentationPair {
    if (!(image instanceof Tensor)) throw new TypeError('ConvertImageDtype: the image must be a tensor (after PILToTensor)');
    return [F.convertImageDtype(image, this.dtype), target];
  }
}
classArgs(ConvertImageDtype, 'tstorch.vision.references.segmentation.ConvertImageDtype', 'dtype?');

export class Normalize implements PairTransform {
  readonly mean: readonly number[];
  readonly std: readonly number[];
  constructor(mean: readonly number[], std: readonly number[]) {
    [mean, std] = bindOwn(Normalize, arguments) as ConstructorParameters<typeof Normalize>;
    this.mean = mean;
    this.std = std;
  }
  call(image: SegmentationImage, target: SegmentationImage): SegmentationPair {
    if (!(image instanceof Tensor)) throw new TypeError('Normalize: the image must be a tensor (after PILToTensor)');
    return [F.normalize(image, this.mean, this.std), target];
  }
}
classArgs(Normalize, 'tstorch.vision.references.segmentation.Normalize', 'mean, std');
