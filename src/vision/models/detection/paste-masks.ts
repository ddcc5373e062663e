// The mask pasting of torchvision's roi_heads.py (expand_boxes, expand_masks, paste_mask_in_image,
// paste_masks_in_image): each MxM mask predicted for a box is padded by one pixel, resized bilinearly to the
// (slightly enlarged) box in whole pixels and written into an image-sized canvas. GeneralizedRCNNTransform's
// postprocess and RoIHeads share it, so it has its own file.
import type { Tensor } from '../../../tensor.js';
import { stack, zeros, zerosLike, empty } from '../../../creation.js';
import { interpolate } from '../../../nn/functional/upsampling.js';
import { pad } from '../../../nn/functional/padding.js';
import { bindOwn, registerSignature } from '../../../args.js';

// PyTorch's argument binding (src/args.ts) for this module's functions: an extra positional argument or an
// unknown keyword is a TypeError naming it.
registerSignature(expandBoxes, 'expandBoxes', 'torchvision.models.detection.expand_boxes', 'boxes, scale');
registerSignature(expandMasks, 'expandMasks', 'torchvision.models.detection.expand_masks', 'mask, padding');
registerSignature(pasteMaskInImage, 'pasteMaskInImage', 'torchvision.models.detection.paste_mask_in_image', 'mask, box, imH, imW');
registerSignature(pasteMasksInImage, 'pasteMasksInImage', 'torchvision.models.detection.paste_masks_in_image', 'masks, boxes, imgShape, padding?');

/** Boxes scaled by `scale` about their centres. */
export function expandBoxes(boxes: Tensor, scale: number): Tensor {
  [boxes, scale] = bindOwn(expandBoxes, arguments) as Parameters<typeof expandBoxes>;
  const wHalf = boxes.select(1, 2).sub(boxes.select(1, 0)).mul(0.5).mul(scale);
  const hHalf = boxes.select(1, 3).sub(boxes.select(1, 1)).mul(0.5).mul(scale);
  const xC = boxes.select(1, 2).add(boxes.select(1, 0)).mul(0.5);
  const yC = boxes.select(1, 3).add(boxes.select(1, 1)).mul(0.5);
  const out = zerosLike(boxes);
  out.select(1, 0).copy_(xC.sub(wHalf));
  out.select(1, 2).copy_(xC.add(wHalf));
  out.select(1, 1).copy_(yC.sub(hHalf));
  out.select(1, 3).copy_(yC.add(hHalf));
  return out;
}

/** Masks [N, 1, M, M] padded by `padding` on every side, and the scale (M + 2 padding) / M that the boxes take. */
export function expandMasks(mask: Tensor, padding: number): [Tensor, number] {
  [mask, padding] = bindOwn(expandMasks, arguments) as Parameters<typeof expandMasks>;
  const M = mask.shape.at(-1)!;
  const scale = (M + 2 * padding) / M;
  return [pad(mask, [padding, padding, padding, padding]), scale];
}

/** One mask [M, M] resized into its int64 box (x1, y1, x2, y2) on an imH x imW canvas of zeros. */
export function pasteMaskInImage(mask: Tensor, box: readonly number[], imH: number, imW: number): Tensor {
  [mask, box, imH, imW] = bindOwn(pasteMaskInImage, arguments) as Parameters<typeof pasteMaskInImage>;
  const [b0, b1, b2, b3] = box as [number, number, number, number];
  const w = Math.max(b2 - b0 + 1, 1);
  const h = Math.max(b3 - b1 + 1, 1);
  const resized = interpolate(mask.expand(1, 1, -1, -1), { size: [h, w], mode: 'bilinear', alignCorners: false }).select(0, 0).select(0, 0);
  const imMask = zeros([imH, imW], { dtype: resized.dtype });
  const x0 = Math.max(b0, 0);
  const x1 = Math.min(b2 + 1, imW);
  const y0 = Math.max(b1, 0);
  const y1 = Math.min(b3 + 1, imH);
  // Python slices clamp and yield nothing when empty; so do these.
  if (y1 > y0 && x1 > x0) {
    imMask.slice(0, y0, y1).slice(1, x0, x1).copy_(resized.slice(0, y0 - b1, y1 - b1).slice(1, x0 - b0, x1 - b0));
  }
  return imMask;
}

/** Masks [N, 1, M, M] pasted into their boxes [N, 4] on an image of imgShape [H, W]: [N, 1, H, W]. */
export function pasteMasksInImage(masks: Tensor, boxes: Tensor, imgShape: readonly [number, number], padding = 1): Tensor {
  [masks, boxes, imgShape, padding = 1] = bindOwn(pasteMasksInImage, arguments) as Parameters<typeof pasteMasksInImage>;
  const [padded, scale] = expandMasks(masks, padding);
  const intBoxes = expandBoxes(boxes, scale).to('int64');
  const [imH, imW] = imgShape;
  const boxList = intBoxes.tolist() as number[][];
  const res = boxList.map((b, i) => pasteMaskInImage(padded.select(0, i).select(0, 0), b, imH, imW));
  if (res.length > 0) return stack(res, 0).unsqueeze(1);
  return empty([0, 1, imH, imW], { dtype: padded.dtype });
}
