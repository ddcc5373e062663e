// torchvision.models.detection.transform: GeneralizedRCNNTransform, what every torchvision detector does to its
// inputs before the backbone (normalise, resize so that the short side is minSize and the long side at most
// maxSize, bilinearly, then pad into one batch divisible by 32) and to its outputs after (boxes, masks and
// keypoints back to each input image's own size).
import { Tensor } from '../../../tensor.js';
import { empty, stack, tensor, zeros } from '../../../creation.js';
import { Module } from '../../../nn/module.js';
import { interpolate } from '../../../nn/functional/upsampling.js';
import { ImageList, type ImageSize } from './image-list.js';
import { pasteMasksInImage } from './paste-masks.js';
import { bindOwn, classArgs, registerSignature, type PyRest } from '../../../args.js';

// PyTorch's argument binding (src/args.ts) for this module's functions: an extra positional argument or an
// unknown keyword is a TypeError naming it.
registerSignature(resizeBoxes, 'resizeBoxes', 'torchvision.models.detection.resize_boxes', 'boxes, originalSize, newSize');
registerSignature(resizeImageAndMasks, 'resizeImageAndMasks', 'tstorch.vision.models.detection.resizeImageAndMasks', 'image, selfMinSize, selfMaxSize, target?:dict, fixedSize?');
registerSignature(resizeKeypoints, 'resizeKeypoints', 'torchvision.models.detection.resize_keypoints', 'keypoints, originalSize, newSize');

/** A training target or a prediction: boxes, labels, masks, keypoints... by torchvision's names. */
export type TargetDict = Record<string, Tensor>;

/** One image [C, H, W] resized by torchvision's rule, and its target's masks with it (nearest). */
export function resizeImageAndMasks(image: Tensor, selfMinSize: number, selfMaxSize: number, target: TargetDict | null = null,
  fixedSize: readonly [number, number] | null = null): [Tensor, TargetDict | null] {
  [image, selfMinSize, selfMaxSize, target = null, fixedSize = null] = bindOwn(resizeImageAndMasks, arguments) as Parameters<typeof resizeImageAndMasks>;
  let size: [number, number] | null = null;
  let scaleFactor: number | null = null;
  let recompute: boolean | null = null;
  if (fixedSize !== null) {
    size = [fixedSize[1], fixedSize[0]];
  } else {
    const imShape = tensor(image.shape.slice(-2), { dtype: 'int64' });
    const minSize = imShape.min().to('float32');
    const maxSize = imShape.max().to('float32');
    // Python's `float / tensor` is reciprocal(tensor) * float, in float32.
    const scale = minSize.reciprocal().mul(selfMinSize).minimum(maxSize.reciprocal().mul(selfMaxSize));
    scaleFactor = scale.item();
    recompute = true;
  }
  const resized = interpolate(image.unsqueeze(0), {
    size, scaleFactor, mode: 'bilinear', recomputeScaleFactor: recompute, alignCorners: false,
  }).select(0, 0);
  if (target === null) return [resized, null];
  if ('masks' in target) {
    const mask = target.masks!;
    target.masks = interpolate(mask.unsqueeze(1).float(), { size, scaleFactor, recomputeScaleFactor: recompute }).select(1, 0).to('uint8');
  }
  return [resized, target];
}

/** Keypoints [N, K, 3] (x, y, visibility) scaled from originalSize to newSize ([H, W] each). */
export function resizeKeypoints(keypoints: Tensor, originalSize: readonly number[], newSize: readonly number[]): Tensor {
  [keypoints, originalSize, newSize] = bindOwn(resizeKeypoints, arguments) as Parameters<typeof resizeKeypoints>;
  const [ratioH, ratioW] = newSize.map((s, i) => tensor(s, { dtype: 'float32' }).div(tensor(originalSize[i]!, { dtype: 'float32' }))) as [Tensor, Tensor];
  const resized = keypoints.clone();
  resized.select(-1, 0).mul_(ratioW);
  resized.select(-1, 1).mul_(ratioH);
  return resized;
}

/** Boxes [N, 4] (x1, y1, x2, y2) scaled from originalSize to newSize ([H, W] each). */
export function resizeBoxes(boxes: Tensor, originalSize: readonly number[], newSize: readonly number[]): Tensor {
  [boxes, originalSize, newSize] = bindOwn(resizeBoxes, arguments) as Parameters<typeof resizeBoxes>;
  const [ratioHeight, ratioWidth] = newSize.map((s, i) => tensor(s, { dtype: 'float32' }).div(tensor(originalSize[i]!, { dtype: 'float32' }))) as [Tensor, Tensor];
  const [xmin, ymin, xmax, ymax] = boxes.unbind(1) as [Tensor, Tensor, Tensor, Tensor];
  return stack([xmin.mul(ratioWidth), ymin.mul(ratioHeight), xmax.mul(ratioWidth), ymax.mul(ratioHeight)], 1);
}

export interface GeneralizedRCNNTransformOptions {
  /** Pad each batch to a multiple of this (default 32). */
  sizeDivisible?: number;
  /** Resize every image to exactly this [width, height] instead (SSD). */
  fixedSize?: readonly [number, number] | null;
  /** Keep the training images' sizes (torchvision's `_skip_resize`, for SSD's own augmentation). */
  skipResize?: boolean;
}

export class GeneralizedRCNNTransform extends Module {
  readonly minSize: number[];
  readonly maxSize: number;
  readonly imageMean: number[];
  readonly imageStd: number[];
  readonly sizeDivisible: number;
  readonly fixedSize: [number, number] | null;
  readonly skipResize: boolean;

  /** minSize: the short side after resizing (a list: one drawn at random per image in training, the last in eval). */
  constructor(minSize: number | readonly number[], maxSize: number, imageMean: readonly number[], imageStd: readonly number[],
    ...rest: PyRest<GeneralizedRCNNTransformOptions, ['sizeDivisible', 'fixedSize']>);
  constructor(...args: unknown[]) {
    const [minSize, maxSize, imageMean, imageStd, opts = {}] = bindOwn(GeneralizedRCNNTransform, args) as
      [number | readonly number[], number, readonly number[], readonly number[], GeneralizedRCNNTransformOptions?];
    super();
    for (const k of Object.keys(opts)) {
      if (!['sizeDivisible', 'fixedSize', 'skipResize'].includes(k)) throw new TypeError(`GeneralizedRCNNTransform: unknown option '${k}'`);
    }
    this.minSize = typeof minSize === 'number' ? [minSize] : [...minSize];
    if (this.minSize.length === 0) throw new RangeError('GeneralizedRCNNTransform: minSize must not be empty');
    this.maxSize = maxSize;
    this.imageMean = [...imageMean];
    this.imageStd = [...imageStd];
    this.sizeDivisible = opts.sizeDivisible ?? 32;
    this.fixedSize = opts.fixedSize ? [opts.fixedSize[0], opts.fixedSize[1]] : null;
    this.skipResize = opts.skipResize ?? false;
  }

  /** images: [C, H, W] float tensors of any sizes; targets: one dict per image in training. */
  override forward(images: readonly Tensor[], targets: readonly TargetDict[] | null = null): [ImageList, TargetDict[] | null] {
    if (!Array.isArray(images) || images.length === 0) throw new TypeError('GeneralizedRCNNTransform: images must be a non-empty list of [C, H, W] tensors');
    if (targets !== null && targets.length !== images.length) {
      throw new RangeError(`GeneralizedRCNNTransform: ${images.length} images but ${targets.length} targets`);
    }
    const imgs = [...images];
    const tgts = targets === null ? null : targets.map((t) => ({ ...t }));
    for (let i = 0; i < imgs.length; i++) {
      let image = imgs[i]!;
      if (!(image instanceof Tensor) || image.dim() !== 3) {
        throw new RangeError(`images is expected to be a list of 3d tensors of shape [C, H, W], got ${image instanceof Tensor ? `[${image.shape}]` : typeof image} at index ${i}`);
      }
      image = this.normalize(image);
      let t: TargetDict | null = tgts === null ? null : tgts[i]!;
      [image, t] = this.resize(image, t);
      imgs[i] = image;
      if (tgts !== null && t !== null) tgts[i] = t;
    }
    const imageSizes: ImageSize[] = imgs.map((img) => [img.shape.at(-2)!, img.shape.at(-1)!]);
    const batched = this.batchImages(imgs, this.sizeDivisible);
    return [new ImageList(batched, imageSizes), tgts];
  }

  normalize(image: Tensor): Tensor {
    if (!image.isFloatingPoint()) {
      throw new TypeError(`Expected input images to be of floating type (in range [0, 1]), but found type ${image.dtype} instead`);
    }
    if (image.shape[0] !== this.imageMean.length) {
      throw new RangeError(`GeneralizedRCNNTransform: an image with ${image.shape[0]} channels, but imageMean has ${this.imageMean.length}`);
    }
    const mean = tensor(this.imageMean, { dtype: image.dtype, device: image.device });
    const std = tensor(this.imageStd, { dtype: image.dtype, device: image.device });
    return image.sub(mean.view(-1, 1, 1)).div(std.view(-1, 1, 1));
  }

  /** torchvision's torch_choice: one of k, drawn with torch.empty(1).uniform_ (a generator call, as torchvision's). */
  torchChoice(k: readonly number[]): number {
    const index = Math.trunc(empty([1]).uniform_(0.0, k.length).item());
    return k[index]!;
  }

  resize(image: Tensor, target: TargetDict | null = null): [Tensor, TargetDict | null] {
    const h = image.shape.at(-2)!;
    const w = image.shape.at(-1)!;
    let size: number;
    if (this.training) {
      if (this.skipResize) return [image, target];
      size = this.torchChoice(this.minSize);
    } else {
      size = this.minSize[this.minSize.length - 1]!;
    }
    let resized: Tensor;
    [resized, target] = resizeImageAndMasks(image, size, this.maxSize, target, this.fixedSize);
    if (target === null) return [resized, null];
    const newSize = resized.shape.slice(-2);
    if (!('boxes' in target)) throw new RangeError("GeneralizedRCNNTransform: a target has no 'boxes'");
    target.boxes = resizeBoxes(target.boxes!, [h, w], newSize);
    if ('keypoints' in target) target.keypoints = resizeKeypoints(target.keypoints!, [h, w], newSize);
    return [resized, target];
  }

  maxByAxis(theList: number[][]): number[] {
    const maxes = [...theList[0]!];
    for (const sub of theList.slice(1)) sub.forEach((item, i) => { maxes[i] = Math.max(maxes[i]!, item); });
    return maxes;
  }

  /** The images zero-padded to one [N, C, H, W] batch, H and W rounded up to multiples of sizeDivisible. */
  batchImages(images: readonly Tensor[], sizeDivisible = 32): Tensor {
    const maxSize = this.maxByAxis(images.map((img) => [...img.shape]));
    const stride = sizeDivisible;
    maxSize[1] = Math.ceil(maxSize[1]! / stride) * stride;
    maxSize[2] = Math.ceil(maxSize[2]! / stride) * stride;
    const batched = zeros([images.length, ...maxSize], { dtype: images[0]!.dtype, device: images[0]!.device });
    images.forEach((img, i) => {
      batched.select(0, i).narrow(0, 0, img.shape[0]!).narrow(1, 0, img.shape[1]!).narrow(2, 0, img.shape[2]!).copy_(img);
    });
    return batched;
  }

  /** Detections back in the input images' coordinates: boxes and keypoints rescaled, masks pasted into the image. */
  postprocess(result: TargetDict[], imageShapes: readonly ImageSize[], originalImageSizes: readonly ImageSize[]): TargetDict[] {
    if (this.training) return result;
    return result.map((pred, i) => {
      const imS = imageShapes[i]!;
      const oImS = originalImageSizes[i]!;
      const out: TargetDict = { ...pred };
      const boxes = resizeBoxes(pred.boxes!, imS, oImS);
      out.boxes = boxes;
      if ('masks' in pred) out.masks = pasteMasksInImage(pred.masks!, boxes, oImS);
      if ('keypoints' in pred) out.keypoints = resizeKeypoints(pred.keypoints!, imS, oImS);
      return out;
    });
  }

  override toString(): string {
    const list = (a: number[]) => `[${a.join(', ')}]`;
    return `GeneralizedRCNNTransform(\n    Normalize(mean=${list(this.imageMean)}, std=${list(this.imageStd)})\n`
      + `    Resize(min_size=(${this.minSize.join(', ')}${this.minSize.length === 1 ? ',' : ''}), max_size=${this.maxSize}, mode='bilinear')\n)`;
  }
}
classArgs(GeneralizedRCNNTransform, 'torchvision.models.detection.GeneralizedRCNNTransform', 'minSize, maxSize, imageMean, imageStd; sizeDivisible, fixedSize, *, skipResize');
