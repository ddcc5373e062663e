// The detection transforms of torchvision's references (references/detection/transforms.py, 0.14): each takes and
// returns an (image, target) pair and moves the target's boxes, masks and keypoints with the image. Images are
// RGBImages (PIL) or [C, H, W] tensors, as the functional transforms take them; targets are detection targets
// ({boxes [N, 4] (x1, y1, x2, y2), labels, masks [N, H, W], keypoints [N, K, 3], area, iscrowd, image_id}).
// Random numbers are drawn with the same torch calls, in the same order, as the references draw them, so after
// the same manualSeed the same crops, flips and jitters happen; arithmetic on random draws goes through float32
// tensors where PyTorch's does.
//
// Targets are not modified in place (the references write into the target dict): each transform returns a shallow
// copy with new tensors for what it changes.
import { Tensor } from '../../tensor.js';
import { cat, rand, randint, randperm, tensor } from '../../creation.js';
import type { DTypeLike } from '../../dtype.js';
import { boxIou, masksToBoxes } from '../ops/boxes.js';
import { isImage, tensorToImage, type RGBImage } from '../io/image.js';
import * as F from './functional.js';
import type { ImageOrTensor, PaddingMode } from './functional.js';
import { resize, type InterpolationMode } from './image-geometry.js';
import { ColorJitter, gaussianBlur } from './image-color.js';
import { coin, rand1, randint1 } from './draws.js';
import { bindOwn, classArgs, registerSignature } from '../../args.js';

// PyTorch's argument binding (src/args.ts) for this module's functions: an extra positional argument or an
// unknown keyword is a TypeError naming it.
registerSignature(copyPaste, 'copyPaste', 'tstorch.vision.transforms.detection.copyPaste', 'image, target:dict, pasteImage, pasteTarget:dict, blending?, resizeInterpolation?');
registerSignature(flipKeypoints, 'flipKeypoints', 'tstorch.vision.transforms.detection.flipKeypoints', 'kps, width, flipIndices?');

/** A detection target. Only the fields present are transformed. */
export interface DetTarget {
  boxes: Tensor;
  labels: Tensor;
  masks?: Tensor;
  keypoints?: Tensor;
  area?: Tensor;
  iscrowd?: Tensor;
  image_id?: Tensor | number;
  [k: string]: unknown;
}

export type DetectionPair<I extends ImageOrTensor = ImageOrTensor> = [I, DetTarget | null];

/** Something that maps an (image, target) pair: the classes below, or a function. */
export type DetectionTransformLike = { call(image: ImageOrTensor, target: DetTarget | null): DetectionPair } | ((image: ImageOrTensor, target: DetTarget | null) => DetectionPair);

function applyPair(t: DetectionTransformLike, image: ImageOrTensor, target: DetTarget | null): DetectionPair {
  return typeof t === 'function' ? t(image, target) : t.call(image, target);
}

/** The joint transforms in sequence. */
export class DetectionCompose {
  readonly transforms: readonly DetectionTransformLike[];
  constructor(transforms: readonly DetectionTransformLike[]) {
    [transforms] = bindOwn(DetectionCompose, arguments) as ConstructorParameters<typeof DetectionCompose>;
    this.transforms = transforms;
  }
  call(image: ImageOrTensor, target: DetTarget | null): DetectionPair {
    let pair: DetectionPair = [image, target];
    for (const t of this.transforms) pair = applyPair(t, pair[0], pair[1]);
    return pair;
  }
  toString(): string { return `Compose(\n${this.transforms.map((t) => `    ${String(t)}`).join('\n')}\n)`; }
}
classArgs(DetectionCompose, 'tstorch.vision.transforms.detection.DetectionCompose', 'transforms');

/** COCO's person keypoints mirrored left to right: left eye <-> right eye, ... (references' flip_inds). */
export const COCO_PERSON_KEYPOINT_FLIP_INDICES: readonly number[] = [0, 2, 1, 4, 3, 6, 5, 8, 7, 10, 9, 12, 11, 14, 13, 16, 15];

/**
 * Keypoints [N, K, 3] of an image flipped horizontally: x -> width - x, left and right keypoints swapped by
 * `flipIndices`, and unlabelled keypoints (visibility 0) kept at (0, 0, 0) as COCO has them.
 */
export function flipKeypoints(kps: Tensor, width: number, flipIndices: readonly number[] = COCO_PERSON_KEYPOINT_FLIP_INDICES): Tensor {
  [kps, width, flipIndices = COCO_PERSON_KEYPOINT_FLIP_INDICES] = bindOwn(flipKeypoints, arguments) as Parameters<typeof flipKeypoints>;
  if (kps.ndim !== 3 || kps.shape[2] !== 3) throw new RangeError(`flipKeypoints: keypoints must be [N, K, 3], got [${kps.shape}]`);
  if (flipIndices.length !== kps.shape[1]) throw new RangeError(`flipKeypoints: ${flipIndices.length} flip indices for ${kps.shape[1]} keypoints`);
  const flipped = kps.index(':', tensor([...flipIndices], { dtype: 'int64' })).clone();
  flipped.indexPut_(['...', 0], flipped.select(2, 0).rsub(width));
  // COCO's convention: a keypoint of visibility 0 is (0, 0, 0).
  const inds = flipped.select(2, 2).eq(0);
  flipped.indexPut_([inds], 0);
  return flipped;
}

function copyTarget(t: DetTarget): DetTarget { return { ...t }; }

/** Horizontal flip with probability p (torch.rand(1) < p), boxes, masks and keypoints with it. */
export class RandomHorizontalFlip {
  readonly p: number;
  readonly keypointFlipIndices: readonly number[];
  constructor(p = 0.5, keypointFlipIndices: readonly number[] = COCO_PERSON_KEYPOINT_FLIP_INDICES) {
    [p = 0.5, keypointFlipIndices = COCO_PERSON_KEYPOINT_FLIP_INDICES] = bindOwn(RandomHorizontalFlip, arguments) as ConstructorParameters<typeof RandomHorizontalFlip>;
    this.p = p;
    this.keypointFlipIndices = keypointFlipIndices;
    if (!(p >= 0 && p <= 1)) throw new RangeError(`RandomHorizontalFlip: probability p should be between 0 and 1, got ${p}`);
  }
  call<I extends ImageOrTensor>(image: I, target: DetTarget | null): [I, DetTarget | null] {
    if (!coin(this.p)) return [image, target];
    const img = F.hflip(image);
    if (target === null) return [img, null];
    const [, , width] = F.getDimensions(img);
    const out = copyTarget(target);
    const b = target.boxes.clone();
    b.indexPut_([':', tensor([0, 2], { dtype: 'int64' })], target.boxes.index(':', tensor([2, 0], { dtype: 'int64' })).rsub(width));
    out.boxes = b;
    if (target.masks !== undefined) out.masks = target.masks.flip(-1);
    if (target.keypoints !== undefined) out.keypoints = flipKeypoints(target.keypoints, width, this.keypointFlipIndices);
    return [img, out];
  }
  toString(): string { return `RandomHorizontalFlip(p=${this.p})`; }
}
classArgs(RandomHorizontalFlip, 'torchvision.transforms.RandomHorizontalFlip', 'p?, keypointFlipIndices?');

/** PIL image to a uint8 [C, H, W] tensor; the target passes through. */
export class PILToTensor {
  constructor() { bindOwn(PILToTensor, arguments); }
  call(image: ImageOrTensor, target: DetTarget | null): [Tensor, DetTarget | null] { return [F.pilToTensor(image), target]; }
  toString(): string { return 'PILToTensor()'; }
}
classArgs(PILToTensor, 'tstorch.vision.transforms.detection.PILToTensor', '');

/** F.convert_image_dtype of the image tensor (uint8 to float scales by 1/255). */
export class ConvertImageDtype {
  readonly dtype: DTypeLike;
  constructor(dtype: DTypeLike = 'float32') {
    [dtype = 'float32'] = bindOwn(ConvertImageDtype, arguments) as ConstructorParameters<typeof ConvertImageDtype>;
    this.dtype = dtype;
  }
  call(image: ImageOrTensor, target: DetTarget | null): [Tensor, DetTarget | null] {
    if (!(image instanceof Tensor)) throw new TypeError('ConvertImageDtype: expected an image tensor (use PILToTensor first)');
    return [F.convertImageDtype(image, this.dtype), target];
  }
  toString(): string { return `ConvertImageDtype(${this.dtype})`; }
}
classArgs(ConvertImageDtype, 'torchvision.transforms.ConvertImageDtype', 'dtype?');

function checkImageTensor(fn: string, image: ImageOrTensor): ImageOrTensor {
  if (image instanceof Tensor) {
    if (image.ndim !== 2 && image.ndim !== 3) throw new RangeError(`${fn}: image should be 2/3 dimensional. Got ${image.ndim} dimensions.`);
    if (image.ndim === 2) return image.unsqueeze(0);
  }
  return image;
}

/** `int(a * t)` for a float32 0-d tensor t: PyTorch's arithmetic, then truncation. */
function intTimes(a: number, t: Tensor): number { return Math.trunc(t.mul(a).item()); }

export interface RandomIoUCropOptions {
  minScale?: number;
  maxScale?: number;
  minAspectRatio?: number;
  maxAspectRatio?: number;
  /** Minimum IoUs to choose from; a value >= 1 leaves the image as it is. Default [0, .1, .3, .5, .7, .9, 1]. */
  samplerOptions?: number[];
  trials?: number;
}

/**
 * SSD's crop (Liu et al. 2016): picks a minimum IoU, then tries crops of random scale and position until one holds
 * the centre of a box and overlaps some box at least that much; boxes whose centres leave the crop are dropped.
 */
export class RandomIoUCrop {
  readonly minScale: number;
  readonly maxScale: number;
  readonly minAspectRatio: number;
  readonly maxAspectRatio: number;
  readonly options: number[];
  readonly trials: number;
  constructor(opts: RandomIoUCropOptions = {}) {
    [opts = {}] = bindOwn(RandomIoUCrop, arguments) as ConstructorParameters<typeof RandomIoUCrop>;
    this.minScale = opts.minScale ?? 0.3;
    this.maxScale = opts.maxScale ?? 1.0;
    this.minAspectRatio = opts.minAspectRatio ?? 0.5;
    this.maxAspectRatio = opts.maxAspectRatio ?? 2.0;
    this.options = opts.samplerOptions ?? [0.0, 0.1, 0.3, 0.5, 0.7, 0.9, 1.0];
    this.trials = opts.trials ?? 40;
    if (!this.options.some((o) => o >= 1)) {
      // Without a leave-as-is option an image whose boxes no crop can satisfy would loop for ever (in the references too).
      throw new RangeError('RandomIoUCrop: samplerOptions needs a value >= 1 (leave the image as it is)');
    }
  }
  call(image0: ImageOrTensor, target: DetTarget | null): DetectionPair {
    if (target === null) throw new TypeError("RandomIoUCrop: the targets can't be None for this transform.");
    const image = checkImageTensor('RandomIoUCrop', image0);
    const [, origH, origW] = F.getDimensions(image);
    for (;;) {
      const idx = randint1(0, this.options.length);
      const minJaccardOverlap = this.options[idx]!;
      if (minJaccardOverlap >= 1.0) return [image, target];
      for (let trial = 0; trial < this.trials; trial++) {
        // Check the aspect ratio limits.
        const r = rand([2]).mul(this.maxScale - this.minScale).add(this.minScale);
        const newW = intTimes(origW, r.select(0, 0));
        const newH = intTimes(origH, r.select(0, 1));
        const aspectRatio = newW / newH;
        if (!(this.minAspectRatio <= aspectRatio && aspectRatio <= this.maxAspectRatio)) continue;
        // Check for crops of no area.
        const r2 = rand([2]);
        const left = intTimes(origW - newW, r2.select(0, 0));
        const top = intTimes(origH - newH, r2.select(0, 1));
        const right = left + newW;
        const bottom = top + newH;
        if (left === right || top === bottom) continue;
        // A box whose centre is inside the crop.
        const b = target.boxes;
        const cx = b.select(1, 0).add(b.select(1, 2)).mul(0.5);
        const cy = b.select(1, 1).add(b.select(1, 3)).mul(0.5);
        const within = cx.gt(left).logicalAnd(cx.lt(right)).logicalAnd(cy.gt(top)).logicalAnd(cy.lt(bottom));
        if (!Boolean(within.any().item())) continue;
        // At least one box overlapping the crop enough.
        const boxes = b.index(within);
        const ious = boxIou(boxes, tensor([[left, top, right, bottom]], { dtype: boxes.dtype }));
        if (Boolean(ious.max().lt(minJaccardOverlap).item())) continue;
        const out = copyTarget(target);
        const nb = boxes.clone();
        nb.slice(1, 0, null, 2).sub_(left).clamp_(0, newW);
        nb.slice(1, 1, null, 2).sub_(top).clamp_(0, newH);
        out.boxes = nb;
        out.labels = target.labels.index(within);
        return [F.crop(image, top, left, newH, newW), out];
      }
    }
  }
  toString(): string { return `RandomIoUCrop(min_scale=${this.minScale}, max_scale=${this.maxScale}, options=[${this.options.join(', ')}])`; }
}
classArgs(RandomIoUCrop, 'tstorch.vision.transforms.detection.RandomIoUCrop', '; *, minScale, maxScale, minAspectRatio, maxAspectRatio, samplerOptions, trials');

export interface RandomZoomOutOptions {
  /** Canvas colour per channel. Default [0, 0, 0]. */
  fill?: number[];
  /** The canvas side over the image side, drawn in this range. Default [1, 4]. */
  sideRange?: [number, number];
  p?: number;
}

/** SSD's zoom out: with probability p, places the image at a random spot of a larger canvas of `fill`. */
export class RandomZoomOut {
  readonly fill: number[];
  readonly sideRange: [number, number];
  readonly p: number;
  constructor(opts: RandomZoomOutOptions = {}) {
    [opts = {}] = bindOwn(RandomZoomOut, arguments) as ConstructorParameters<typeof RandomZoomOut>;
    this.fill = opts.fill ?? [0.0, 0.0, 0.0];
    this.sideRange = opts.sideRange ?? [1.0, 4.0];
    if (this.sideRange[0] < 1.0 || this.sideRange[0] > this.sideRange[1]) throw new RangeError(`RandomZoomOut: invalid canvas side range provided [${this.sideRange}].`);
    this.p = opts.p ?? 0.5;
  }
  call(image0: ImageOrTensor, target: DetTarget | null): DetectionPair {
    const image = checkImageTensor('RandomZoomOut', image0);
    if (rand1() >= Math.fround(this.p)) return [image, target];
    const [, origH, origW] = F.getDimensions(image);
    const r = rand([1]).mul(this.sideRange[1] - this.sideRange[0]).add(this.sideRange[0]);
    const canvasWidth = intTimes(origW, r);
    const canvasHeight = intTimes(origH, r);
    const r2 = rand([2]);
    const left = intTimes(canvasWidth - origW, r2.select(0, 0));
    const top = intTimes(canvasHeight - origH, r2.select(0, 1));
    const right = canvasWidth - (left + origW);
    const bottom = canvasHeight - (top + origH);
    let img: ImageOrTensor;
    if (image instanceof Tensor) {
      // Tensor padding fills with one integer: pad with 0, then paint the borders with the fill colour.
      const t = F.pad(image, [left, top, right, bottom], 0);
      const v = tensor(this.fill, { dtype: t.dtype }).view(-1, 1, 1);
      t.indexPut_(['...', `:${top}`, ':'], v);
      t.indexPut_(['...', ':', `:${left}`], v);
      t.indexPut_(['...', `${top + origH}:`, ':'], v);
      t.indexPut_(['...', ':', `${left + origW}:`], v);
      img = t;
    } else {
      img = F.pad(image, [left, top, right, bottom], this.fill.map((x) => Math.trunc(x)));
    }
    if (target === null) return [img, null];
    const out = copyTarget(target);
    const b = target.boxes.clone();
    b.slice(1, 0, null, 2).add_(left);
    b.slice(1, 1, null, 2).add_(top);
    out.boxes = b;
    return [img, out];
  }
  toString(): string { return `RandomZoomOut(fill=[${this.fill.join(', ')}], side_range=(${this.sideRange.join(', ')}), p=${this.p})`; }
}
classArgs(RandomZoomOut, 'tstorch.vision.transforms.detection.RandomZoomOut', '; *, fill, sideRange, p');

export interface RandomPhotometricDistortOptions {
  contrast?: [number, number];
  saturation?: [number, number];
  hue?: [number, number];
  brightness?: [number, number];
  p?: number;
}

/** SSD's photometric distortions: brightness, contrast (before or after), saturation, hue, channel shuffle. */
export class RandomPhotometricDistort {
  private readonly brightness: ColorJitter;
  private readonly contrast: ColorJitter;
  private readonly hue: ColorJitter;
  private readonly saturation: ColorJitter;
  readonly p: number;
  constructor(opts: RandomPhotometricDistortOptions = {}) {
    [opts = {}] = bindOwn(RandomPhotometricDistort, arguments) as ConstructorParameters<typeof RandomPhotometricDistort>;
    this.brightness = new ColorJitter({ brightness: opts.brightness ?? [0.875, 1.125] });
    this.contrast = new ColorJitter({ contrast: opts.contrast ?? [0.5, 1.5] });
    this.hue = new ColorJitter({ hue: opts.hue ?? [-0.05, 0.05] });
    this.saturation = new ColorJitter({ saturation: opts.saturation ?? [0.5, 1.5] });
    this.p = opts.p ?? 0.5;
  }
  call(image0: ImageOrTensor, target: DetTarget | null): DetectionPair {
    let image = checkImageTensor('RandomPhotometricDistort', image0);
    const r = rand([7]);
    const lt = (i: number, v: number): boolean => Boolean(r.select(0, i).lt(v).item());
    if (lt(0, this.p)) image = this.brightness.call(image);
    const contrastBefore = lt(1, 0.5);
    if (contrastBefore && lt(2, this.p)) image = this.contrast.call(image);
    if (lt(3, this.p)) image = this.saturation.call(image);
    if (lt(4, this.p)) image = this.hue.call(image);
    if (!contrastBefore && lt(5, this.p)) image = this.contrast.call(image);
    if (lt(6, this.p)) {
      const [channels] = F.getDimensions(image);
      const permutation = randperm(channels);
      if (isImage(image)) {
        // The references shuffle a PIL image through a float tensor and back (mul(255).byte() truncates).
        const t = F.convertImageDtype(F.pilToTensor(image), 'float32');
        image = tensorToImage(t.index('...', permutation, ':', ':').mul(255).to('uint8')) as RGBImage;
      } else {
        image = image.index('...', permutation, ':', ':');
      }
    }
    return [image, target];
  }
  toString(): string { return `RandomPhotometricDistort(p=${this.p})`; }
}
classArgs(RandomPhotometricDistort, 'tstorch.vision.transforms.detection.RandomPhotometricDistort', '; *, contrast, saturation, hue, brightness, p');

function scaleBoxesAndMasks(target: DetTarget, newWidth: number, newHeight: number, origWidth: number, origHeight: number): DetTarget {
  const out = copyTarget(target);
  const b = target.boxes.clone();
  b.slice(1, 0, null, 2).mul_(newWidth / origWidth);
  b.slice(1, 1, null, 2).mul_(newHeight / origHeight);
  out.boxes = b;
  if (target.masks !== undefined) out.masks = resize(target.masks, [newHeight, newWidth], { interpolation: 'nearest' });
  return out;
}

/**
 * Large-scale jitter (Ghiasi et al. 2021, "Simple Copy-Paste"): resizes to a random scale in scaleRange of the
 * size that fits targetSize ([height, width]).
 */
export class ScaleJitter {
  readonly targetSize: [number, number];
  readonly scaleRange: [number, number];
  readonly interpolation: InterpolationMode;
  constructor(targetSize: [number, number], scaleRange: [number, number] = [0.1, 2.0], interpolation: InterpolationMode = 'bilinear') {
    [targetSize, scaleRange = [0.1, 2.0], interpolation = 'bilinear'] = bindOwn(ScaleJitter, arguments) as ConstructorParameters<typeof ScaleJitter>;
    this.targetSize = targetSize;
    this.scaleRange = scaleRange;
    this.interpolation = interpolation;
  }
  call(image0: ImageOrTensor, target: DetTarget | null): DetectionPair {
    const image = checkImageTensor('ScaleJitter', image0);
    const [, origHeight, origWidth] = F.getDimensions(image);
    const scale = rand([1]).mul(this.scaleRange[1] - this.scaleRange[0]).add(this.scaleRange[0]);
    const r = scale.mul(Math.min(this.targetSize[1] / origHeight, this.targetSize[0] / origWidth));
    const newWidth = intTimes(origWidth, r);
    const newHeight = intTimes(origHeight, r);
    const img = resize(image, [newHeight, newWidth], { interpolation: this.interpolation });
    return [img, target === null ? null : scaleBoxesAndMasks(target, newWidth, newHeight, origWidth, origHeight)];
  }
  toString(): string { return `ScaleJitter(target_size=(${this.targetSize.join(', ')}), scale_range=(${this.scaleRange.join(', ')}))`; }
}
classArgs(ScaleJitter, 'tstorch.vision.transforms.detection.ScaleJitter', 'targetSize, scaleRange?, interpolation?');

/** Crops (at a random offset) or pads (right and bottom) to exactly `size` = [height, width]. */
export class FixedSizeCrop {
  readonly cropHeight: number;
  readonly cropWidth: number;
  readonly fill: number | number[];
  readonly paddingMode: PaddingMode;
  constructor(size: number | readonly number[], fill: number | number[] = 0, paddingMode: PaddingMode = 'constant') {
    [size, fill = 0, paddingMode = 'constant'] = bindOwn(FixedSizeCrop, arguments) as ConstructorParameters<typeof FixedSizeCrop>;
    this.fill = fill;
    this.paddingMode = paddingMode;
    const s = typeof size === 'number' ? [size, size] : size.length === 1 ? [size[0]!, size[0]!] : [...size];
    if (s.length !== 2) throw new RangeError('FixedSizeCrop: Please provide only two dimensions (h, w) for size.');
    [this.cropHeight, this.cropWidth] = s as [number, number];
  }
  private pad(img: ImageOrTensor, target: DetTarget | null, padding: [number, number, number, number]): DetectionPair {
    const [padLeft, padTop] = padding;
    const out = F.pad(img, padding, this.fill, this.paddingMode);
    if (target === null) return [out, null];
    const t = copyTarget(target);
    const b = target.boxes.clone();
    b.slice(1, 0, null, 2).add_(padLeft);
    b.slice(1, 1, null, 2).add_(padTop);
    t.boxes = b;
    if (target.masks !== undefined) t.masks = F.pad(target.masks, padding, 0, 'constant');
    return [out, t];
  }
  private crop(img: ImageOrTensor, target: DetTarget | null, top: number, left: number, height: number, width: number): DetectionPair {
    const out = F.crop(img, top, left, height, width);
    if (target === null) return [out, null];
    const t = copyTarget(target);
    const boxes = target.boxes.clone();
    boxes.slice(1, 0, null, 2).sub_(left).clamp_(0, width);
    boxes.slice(1, 1, null, 2).sub_(top).clamp_(0, height);
    const isValid = boxes.select(1, 0).lt(boxes.select(1, 2)).logicalAnd(boxes.select(1, 1).lt(boxes.select(1, 3)));
    t.boxes = boxes.index(isValid);
    t.labels = target.labels.index(isValid);
    if (target.masks !== undefined) t.masks = F.crop(target.masks.index(isValid), top, left, height, width);
    return [out, t];
  }
  call(img: ImageOrTensor, target: DetTarget | null): DetectionPair {
    const [, height, width] = F.getDimensions(img);
    const newHeight = Math.min(height, this.cropHeight);
    const newWidth = Math.min(width, this.cropWidth);
    let pair: DetectionPair = [img, target];
    if (newHeight !== height || newWidth !== width) {
      const offsetHeight = Math.max(height - this.cropHeight, 0);
      const offsetWidth = Math.max(width - this.cropWidth, 0);
      const r = rand([1]);
      const top = intTimes(offsetHeight, r);
      const left = intTimes(offsetWidth, r);
      pair = this.crop(pair[0], pair[1], top, left, newHeight, newWidth);
    }
    const padBottom = Math.max(this.cropHeight - newHeight, 0);
    const padRight = Math.max(this.cropWidth - newWidth, 0);
    if (padBottom !== 0 || padRight !== 0) pair = this.pad(pair[0], pair[1], [0, 0, padRight, padBottom]);
    return pair;
  }
  toString(): string { return `FixedSizeCrop(size=(${this.cropHeight}, ${this.cropWidth}))`; }
}
classArgs(FixedSizeCrop, 'tstorch.vision.transforms.detection.FixedSizeCrop', 'size, fill?, paddingMode?');

/** Resizes so that the shorter side is one of minSize (drawn) and the longer side at most maxSize. */
export class RandomShortestSize {
  readonly minSize: number[];
  readonly maxSize: number;
  readonly interpolation: InterpolationMode;
  constructor(minSize: number | readonly number[], maxSize: number, interpolation: InterpolationMode = 'bilinear') {
    [minSize, maxSize, interpolation = 'bilinear'] = bindOwn(RandomShortestSize, arguments) as ConstructorParameters<typeof RandomShortestSize>;
    this.maxSize = maxSize;
    this.interpolation = interpolation;
    this.minSize = typeof minSize === 'number' ? [minSize] : [...minSize];
    if (this.minSize.length === 0) throw new RangeError('RandomShortestSize: minSize needs at least one size');
  }
  call(image: ImageOrTensor, target: DetTarget | null): DetectionPair {
    const [, origHeight, origWidth] = F.getDimensions(image);
    const minSize = this.minSize[randint1(0, this.minSize.length)]!;
    const r = Math.min(minSize / Math.min(origHeight, origWidth), this.maxSize / Math.max(origHeight, origWidth));
    const newWidth = Math.trunc(origWidth * r);
    const newHeight = Math.trunc(origHeight * r);
    const img = resize(image, [newHeight, newWidth], { interpolation: this.interpolation });
    return [img, target === null ? null : scaleBoxesAndMasks(target, newWidth, newHeight, origWidth, origHeight)];
  }
  toString(): string { return `RandomShortestSize(min_size=[${this.minSize.join(', ')}], max_size=${this.maxSize})`; }
}
classArgs(RandomShortestSize, 'tstorch.vision.transforms.detection.RandomShortestSize', 'minSize, maxSize, interpolation?');

/**
 * One image of Simple Copy-Paste: a random subset of the paste image's objects (with their masks) pasted over the
 * image, whose own masks lose what is covered; boxes follow the masks, degenerate ones are dropped.
 */
export function copyPaste(image: Tensor, target: DetTarget, pasteImage: Tensor, pasteTarget: DetTarget, blending = true,
  resizeInterpolation: InterpolationMode = 'bilinear'): [Tensor, DetTarget] {
  [image, target, pasteImage, pasteTarget, blending = true, resizeInterpolation = 'bilinear'] = bindOwn(copyPaste, arguments) as Parameters<typeof copyPaste>;
  if (pasteTarget.masks === undefined || target.masks === undefined) throw new TypeError('copyPaste: both targets need masks');
  const numMasks = pasteTarget.masks.shape[0]!;
  // A degenerate case (no masks, possible after LSJ): nothing to paste.
  if (numMasks < 1) return [image, target];
  const randomSelection = randint(0, numMasks, [numMasks]).unique().to('int64');
  let pasteMasks = pasteTarget.masks.index(randomSelection);
  let pasteBoxes = pasteTarget.boxes.index(randomSelection);
  const pasteLabels = pasteTarget.labels.index(randomSelection);
  let masks = target.masks;
  // Different sizes: the paste data is resized to the image's.
  const size1 = image.shape.slice(-2) as [number, number];
  const size2 = pasteImage.shape.slice(-2) as [number, number];
  let paste = pasteImage;
  if (size1[0] !== size2[0] || size1[1] !== size2[1]) {
    paste = resize(pasteImage, size1, { interpolation: resizeInterpolation });
    pasteMasks = resize(pasteMasks, size1, { interpolation: 'nearest' });
    const ratios = tensor([size1[1] / size2[1], size1[0] / size2[0]]);
    pasteBoxes = pasteBoxes.view(-1, 2, 2).mul(ratios).view(pasteBoxes.shape);
  }
  let pasteAlphaMask = pasteMasks.sum(0).gt(0);
  if (blending) pasteAlphaMask = gaussianBlur(pasteAlphaMask.unsqueeze(0), [5, 5], [2.0]);
  const notAlpha = pasteAlphaMask.logicalNot();
  // Copy-paste the images and the masks.
  const outImage = image.mul(notAlpha).add(paste.mul(pasteAlphaMask));
  masks = masks.mul(notAlpha);
  const nonAllZeroMasks = masks.sum([-1, -2]).gt(0);
  masks = masks.index(nonAllZeroMasks);
  const out = copyTarget(target);
  out.masks = cat([masks, pasteMasks]);
  // Boxes and labels.
  out.boxes = cat([masksToBoxes(masks), pasteBoxes]);
  out.labels = cat([target.labels.index(nonAllZeroMasks), pasteLabels]);
  if (target.area !== undefined) out.area = out.masks.sum([-1, -2]).to('float32');
  if (target.iscrowd !== undefined && pasteTarget.iscrowd !== undefined && target.iscrowd.shape[0] === nonAllZeroMasks.shape[0]) {
    out.iscrowd = cat([target.iscrowd.index(nonAllZeroMasks), pasteTarget.iscrowd.index(randomSelection)]);
  }
  // Degenerate boxes out.
  const boxes = out.boxes;
  const degenerate = boxes.slice(1, 2).le(boxes.slice(1, 0, 2));
  if (Boolean(degenerate.any().item())) {
    const valid = degenerate.any(1).logicalNot();
    out.boxes = boxes.index(valid);
    out.masks = out.masks.index(valid);
    out.labels = out.labels.index(valid);
    if (out.area !== undefined) out.area = out.area.index(valid);
    if (out.iscrowd !== undefined && out.iscrowd.shape[0] === valid.shape[0]) out.iscrowd = out.iscrowd.index(valid);
  }
  return [outImage, out];
}

/** Simple Copy-Paste over a batch: image i receives objects of image i - 1 (the first those of the last). */
export class SimpleCopyPaste {
  readonly blending: boolean;
  readonly resizeInterpolation: InterpolationMode;
  constructor(blending = true, resizeInterpolation: InterpolationMode = 'bilinear') {
    [blending = true, resizeInterpolation = 'bilinear'] = bindOwn(SimpleCopyPaste, arguments) as ConstructorParameters<typeof SimpleCopyPaste>;
    this.blending = blending;
    this.resizeInterpolation = resizeInterpolation;
  }
  call(images: readonly Tensor[], targets: readonly DetTarget[]): [Tensor[], DetTarget[]] {
    if (!Array.isArray(images) || !images.every((v) => v instanceof Tensor)) throw new TypeError('SimpleCopyPaste: images should be a list of tensors');
    if (!Array.isArray(targets) || targets.length !== images.length) throw new TypeError('SimpleCopyPaste: targets should be a list of the same size as images');
    targets.forEach((t, i) => {
      for (const k of ['masks', 'boxes', 'labels'] as const) {
        if (!(t[k] instanceof Tensor)) throw new TypeError(`SimpleCopyPaste: targets[${i}] needs a tensor '${k}'`);
      }
    });
    const n = images.length;
    const outImages: Tensor[] = [];
    const outTargets: DetTarget[] = [];
    for (let i = 0; i < n; i++) {
      const j = (i - 1 + n) % n;
      const [img, t] = copyPaste(images[i]!, targets[i]!, images[j]!, targets[j]!, this.blending, this.resizeInterpolation);
      outImages.push(img);
      outTargets.push(t);
    }
    return [outImages, outTargets];
  }
  toString(): string { return `SimpleCopyPaste(blending=${this.blending ? 'True' : 'False'}, resize_interpolation=${this.resizeInterpolation})`; }
}
classArgs(SimpleCopyPaste, 'tstorch.vision.transforms.detection.SimpleCopyPaste', 'blending?, resizeInterpolation?');
