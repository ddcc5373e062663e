// torchvision.utils.draw_bounding_boxes, draw_segmentation_masks and draw_keypoints (0.14). Boxes, ellipses and
// lines are drawn with PIL's own rasterisation (pil-draw.ts), so the pixels equal torchvision's; labels are text
// rendered with DejaVu Sans through librsvg (text.ts) where torchvision uses PIL's built-in bitmap font (or a
// TrueType file): their pixels differ, their place (inside the box's top-left corner) is the same.
//
// One deliberate difference: given a single colour for several masks, torchvision 0.14's draw_segmentation_masks
// colours only the first mask (its zip stops there); here every mask gets the colour, as torchvision 0.15 does.
import { Tensor } from '../../tensor.js';
import { fromTypedArray, tensor } from '../../creation.js';
import { createImage } from '../io/image.js';
import { drawText, DEFAULT_FONT } from './text.js';
import { PilDraw, type Ink } from './pil-draw.js';
import { toRgb, type ColorLike, type RGB } from './colors.js';
import { defn, bindOwn, registerSignature } from '../../args.js';

// PyTorch's argument binding (src/args.ts) for this module's functions: an extra positional argument or an
// unknown keyword is a TypeError naming it.
registerSignature(generateColorPalette, 'generateColorPalette', 'tstorch.vision.utils.generateColorPalette', 'numObjects');

/** torchvision's _generate_color_palette: colour i is (i * (2^25 - 1, 2^15 - 1, 2^21 - 1)) mod 255. */
export function generateColorPalette(numObjects: number): RGB[] {
  [numObjects] = bindOwn(generateColorPalette, arguments) as Parameters<typeof generateColorPalette>;
  const palette = [2 ** 25 - 1, 2 ** 15 - 1, 2 ** 21 - 1];
  return Array.from({ length: numObjects }, (_, i) => palette.map((p) => (i * p) % 255) as RGB);
}

/** A colour, or a list of colours (an array whose first entry is a number is one (r, g, b) colour). */
export type Colors = ColorLike | readonly ColorLike[];

function isSingleColor(c: Colors): c is ColorLike {
  return typeof c === 'string' || (Array.isArray(c) && typeof c[0] === 'number');
}

function checkImage(fn: string, image: Tensor, channels: readonly number[]): void {
  if (!(image instanceof Tensor)) throw new TypeError(`${fn}: the image must be a tensor, got ${typeof image}`);
  if (image.dtype.name !== 'uint8') throw new TypeError(`${fn}: the image dtype must be uint8, got ${image.dtype}`);
  if (image.ndim !== 3) throw new RangeError(`${fn}: pass individual images, not batches (expected [C, H, W], got [${image.shape}])`);
  if (!channels.includes(image.shape[0]!)) {
    throw new RangeError(channels.length === 1 ? `${fn}: pass an RGB image (3 channels), got ${image.shape[0]}` : `${fn}: only grayscale and RGB images are supported, got ${image.shape[0]} channels`);
  }
}

/** The image as a canvas PIL draws on (HWC bytes). */
function canvasOf(image: Tensor): { width: number; height: number; data: Uint8Array } {
  const h = image.shape[1]!;
  const w = image.shape[2]!;
  return { width: w, height: h, data: new Uint8Array(image.permute(1, 2, 0).contiguous().dataSync() as Uint8Array) };
}

function tensorOf(c: { width: number; height: number; data: Uint8Array }): Tensor {
  return fromTypedArray(c.data, [c.height, c.width, 3], 'uint8').permute(2, 0, 1).contiguous();
}

export interface DrawBoundingBoxesOptions {
  /** One label per box, written inside the box's top-left corner. */
  labels?: (string | null)[] | null;
  /** One colour for all boxes or one per box (PIL colour strings or (r, g, b)); default a palette. */
  colors?: Colors | null;
  /** Fill the boxes with their colour at alpha 100 (as torchvision, through PIL's RGBA blending). */
  fill?: boolean;
  /** Outline width in pixels. Default 1. */
  width?: number;
  /** The labels' font family (fontconfig name; default DejaVu Sans). torchvision takes a TrueType file here. */
  font?: string | null;
  /** The labels' font size in pixels. Default 10. */
  fontSize?: number | null;
}

/**
 * Draws [N, 4] boxes (x1, y1, x2, y2, absolute pixel coordinates) on a uint8 [C, H, W] image (1 or 3 channels);
 * returns a new uint8 [3, H, W] image.
 */
function drawBoundingBoxesImpl(image: Tensor, boxes: Tensor, opts: DrawBoundingBoxesOptions = {}): Tensor {
  checkImage('drawBoundingBoxes', image, [1, 3]);
  if (!(boxes instanceof Tensor) || boxes.ndim !== 2 || boxes.shape[1] !== 4) {
    throw new RangeError(`drawBoundingBoxes: boxes must be an [N, 4] tensor, got ${boxes instanceof Tensor ? `[${boxes.shape}]` : typeof boxes}`);
  }
  if (Boolean(boxes.select(1, 0).gt(boxes.select(1, 2)).any().item()) || Boolean(boxes.select(1, 1).gt(boxes.select(1, 3)).any().item())) {
    throw new RangeError('drawBoundingBoxes: boxes need to be in (xmin, ymin, xmax, ymax) format. Use vision.ops.boxConvert to convert them');
  }
  const numBoxes = boxes.shape[0]!;
  if (numBoxes === 0) {
    process.emitWarning("drawBoundingBoxes: boxes doesn't contain any box. No box was drawn");
    return image;
  }
  const labels = opts.labels ?? Array<string | null>(numBoxes).fill(null);
  if (labels.length !== numBoxes) throw new RangeError(`drawBoundingBoxes: number of boxes (${numBoxes}) and labels (${labels.length}) mismatch. Please specify labels for each box.`);
  let colors: ColorLike[];
  const c = opts.colors ?? null;
  if (c === null) colors = generateColorPalette(numBoxes);
  else if (isSingleColor(c)) colors = Array<ColorLike>(numBoxes).fill(c);
  else {
    if (c.length < numBoxes) throw new RangeError(`drawBoundingBoxes: number of colors (${c.length}) is less than number of boxes (${numBoxes}).`);
    colors = [...c];
  }
  const rgb = colors.map((x, i) => toRgb(x, `drawBoundingBoxes: colors[${i}]`));
  if (opts.font == null && opts.fontSize != null) process.emitWarning("drawBoundingBoxes: argument 'fontSize' is used with the default font family");
  const width = opts.width ?? 1;
  if (!Number.isInteger(width) || width < 0) throw new RangeError(`drawBoundingBoxes: width must be a non-negative integer, got ${width}`);
  const img = image.shape[0] === 1 ? image.repeat(3, 1, 1) : image;
  const canvas = canvasOf(img);
  const draw = new PilDraw(canvas, opts.fill ?? false);
  // boxes.to(torch.int64): truncation toward zero.
  const intBoxes = boxes.to('int64').toArray() as number[][];
  const texts: { text: string; x: number; y: number; color: string }[] = [];
  intBoxes.forEach((bbox, i) => {
    const col = rgb[i]!;
    const outline: Ink = [col[0], col[1], col[2], 255];
    if (opts.fill) draw.rectangle(bbox, [col[0], col[1], col[2], 100], true);
    draw.rectangle(bbox, outline, false, width);
    const label = labels[i];
    if (label !== null && label !== undefined) {
      const margin = width + 1;
      texts.push({ text: label, x: bbox[0]! + margin, y: bbox[1]! + margin, color: `rgb(${col[0]},${col[1]},${col[2]})` });
    }
  });
  if (texts.length === 0) return tensorOf(canvas);
  const withText = drawText(createImage(canvas.width, canvas.height, 3, canvas.data), texts.map((t) => ({
    text: t.text, x: t.x, y: t.y, color: t.color, fontSize: opts.fontSize ?? 10, fontFamily: opts.font ?? DEFAULT_FONT,
  })));
  return tensorOf({ width: withText.width, height: withText.height, data: withText.data });
}

export interface DrawSegmentationMasksOptions {
  /** Opacity of the masks: 0 transparent, 1 opaque. Default 0.8. */
  alpha?: number;
  /** One colour for all masks or one per mask; default a palette. */
  colors?: Colors | null;
}

/** Draws boolean masks ([N, H, W] or [H, W]) over a uint8 [3, H, W] image; returns a new uint8 image. */
function drawSegmentationMasksImpl(image: Tensor, masks: Tensor, opts: DrawSegmentationMasksOptions = {}): Tensor {
  checkImage('drawSegmentationMasks', image, [3]);
  let m = masks;
  if (m.ndim === 2) m = m.unsqueeze(0);
  if (m.ndim !== 3) throw new RangeError('drawSegmentationMasks: masks must be of shape (H, W) or (batch_size, H, W)');
  if (m.dtype.name !== 'bool') throw new TypeError(`drawSegmentationMasks: the masks must be of dtype bool. Got ${m.dtype}`);
  if (m.shape[1] !== image.shape[1] || m.shape[2] !== image.shape[2]) throw new RangeError('drawSegmentationMasks: the image and the masks must have the same height and width');
  const alpha = opts.alpha ?? 0.8;
  const numMasks = m.shape[0]!;
  const c = opts.colors ?? null;
  if (c !== null && !isSingleColor(c) && numMasks > c.length) throw new RangeError(`drawSegmentationMasks: there are more masks (${numMasks}) than colors (${c.length})`);
  if (numMasks === 0) {
    process.emitWarning("drawSegmentationMasks: masks doesn't contain any mask. No mask was drawn");
    return image;
  }
  const colors: ColorLike[] = c === null ? generateColorPalette(numMasks) : isSingleColor(c) ? Array<ColorLike>(numMasks).fill(c) : [...c];
  const colors_ = colors.map((col, i) => {
    const v = toRgb(col, `drawSegmentationMasks: colors[${i}]`);
    if (v.length !== 3) throw new RangeError('drawSegmentationMasks: it seems that you passed a tuple of colors instead of a list of colors');
    return tensor(v, { dtype: 'uint8' });
  });
  const imgToDraw = image.detach().clone();
  for (let i = 0; i < numMasks; i++) imgToDraw.indexPut_([':', m.select(0, i)], colors_[i]!.unsqueeze(1));
  return image.mul(1 - alpha).add(imgToDraw.mul(alpha)).to('uint8');
}

export interface DrawKeypointsOptions {
  /** Pairs of keypoint indices joined by a line (a skeleton). */
  connectivity?: readonly (readonly [number, number])[] | null;
  /** The keypoints' colour. Without one, torchvision 0.14 draws no keypoint dots (only the lines). */
  colors?: ColorLike | null;
  /** Dot radius. Default 2. */
  radius?: number;
  /** Line width. Default 3. */
  width?: number;
}

/**
 * Draws keypoints [N, K, 2] (or [N, K, 3], the third column ignored) on a uint8 [3, H, W] image: a filled circle of
 * `colors` per keypoint, and for each `connectivity` pair a line in PIL's default ink (white), as torchvision draws
 * them. Returns a new uint8 image.
 */
function drawKeypointsImpl(image: Tensor, keypoints: Tensor, opts: DrawKeypointsOptions = {}): Tensor {
  checkImage('drawKeypoints', image, [3]);
  if (!(keypoints instanceof Tensor) || keypoints.ndim !== 3) throw new RangeError('drawKeypoints: keypoints must be of shape (num_instances, K, 2)');
  const radius = opts.radius ?? 2;
  const width = opts.width ?? 3;
  const canvas = canvasOf(image);
  const draw = new PilDraw(canvas);
  const fill = opts.colors == null ? null : toRgb(opts.colors, 'drawKeypoints: colors');
  const white: Ink = [255, 255, 255, 255];
  const kpts = keypoints.to('int64').toArray() as number[][][];
  const k = keypoints.shape[1]!;
  for (const c of opts.connectivity ?? []) {
    if (!c.every((i) => Number.isInteger(i) && i >= 0 && i < k)) throw new RangeError(`drawKeypoints: connectivity pair [${c}] names a keypoint outside 0..${k - 1}`);
  }
  for (const inst of kpts) {
    for (const kpt of inst) {
      // ImageDraw.ellipse(fill=colors, outline=None, width=0): only the fill is drawn.
      if (fill !== null) draw.ellipse([kpt[0]! - radius, kpt[1]! - radius, kpt[0]! + radius, kpt[1]! + radius], [fill[0], fill[1], fill[2], 255], true);
    }
    for (const [a, b] of opts.connectivity ?? []) {
      draw.lines([[inst[a]![0]!, inst[a]![1]!], [inst[b]![0]!, inst[b]![1]!]], white, width);
    }
  }
  return tensorOf(canvas);
}

// torchvision's parameter orders (src/args.ts): positional labels/colors/... are bound, unknown keys are errors
export const drawBoundingBoxes = defn('drawBoundingBoxes', 'torchvision.utils.draw_bounding_boxes', 'image, boxes', ['labels', 'colors', 'fill', 'width', 'font', 'fontSize'], drawBoundingBoxesImpl);
export const drawSegmentationMasks = defn('drawSegmentationMasks', 'torchvision.utils.draw_segmentation_masks', 'image, masks', ['alpha', 'colors'], drawSegmentationMasksImpl);
export const drawKeypoints = defn('drawKeypoints', 'torchvision.utils.draw_keypoints', 'image, keypoints', ['connectivity', 'colors', 'radius', 'width'], drawKeypointsImpl);
