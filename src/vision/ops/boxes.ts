// torchvision.ops.boxes: non-maximum suppression (the kernel is torchvision::nms in src/native/vision_ops.cc) and
// the box utilities composed of ATen operators: areas, IoU and its generalized / distance / complete variants,
// format conversion, clipping, small-box removal, boxes around masks. Boxes are [N, 4] tensors in
// (x1, y1, x2, y2) format with 0 <= x1 < x2 and 0 <= y1 < y2 unless a function says otherwise.
import { Tensor } from '../../tensor.js';
import { op } from '../../native/ops.js';
import { empty, stack, zeros, zerosLike, tensor } from '../../creation.js';
import { noGrad } from '../../autograd/grad-mode.js';
import { boxCxcywhToXyxy, boxXywhToXyxy, boxXyxyToCxcywh, boxXyxyToXywh } from './box-convert.js';
import { upcast } from './_utils.js';
import { withArgs } from '../../args.js';

const O = { nms: op('torchvision::nms'), unique: op('aten::_unique2'), atan: op('aten::atan') };
const atan = (t: Tensor): Tensor => new Tensor(O.atan(t._h));

function checkBoxes(fn: string, boxes: Tensor, what = 'boxes'): void {
  if (!(boxes instanceof Tensor)) throw new TypeError(`${fn}: ${what} must be a Tensor`);
  if (boxes.ndim !== 2 || boxes.shape[1] !== 4) throw new RangeError(`${fn}: ${what} must have shape [N, 4], got [${boxes.shape}]`);
}

/**
 * Non-maximum suppression: the indices of the boxes kept, by decreasing score. Boxes are visited from the highest
 * score down; each kept box discards the later boxes with IoU > iouThreshold. Boxes of equal score are visited in
 * index order (a stable sort, as torchvision 0.14's kernel sorts).
 */
function nmsImpl(boxes: Tensor, scores: Tensor, iouThreshold: number): Tensor {
  if (typeof iouThreshold !== 'number') throw new TypeError(`nms: iouThreshold must be a number, got ${typeof iouThreshold}`);
  return new Tensor(O.nms(boxes._h, scores._h, iouThreshold));
}

/**
 * NMS per category (`idxs`): boxes of different categories never suppress each other. The result is sorted by
 * decreasing score. As torchvision does, more than 4,000 box coordinates run one nms per category, fewer run a
 * single nms on boxes shifted apart by category.
 */
function batchedNmsImpl(boxes: Tensor, scores: Tensor, idxs: Tensor, iouThreshold: number): Tensor {
  checkBoxes('batchedNms', boxes);
  if (boxes.numel() > 4000) return batchedNmsVanilla(boxes, scores, idxs, iouThreshold);
  return batchedNmsCoordinateTrick(boxes, scores, idxs, iouThreshold);
}

/** One nms over all boxes, each category's boxes moved by (max coordinate + 1) * category so that none overlap. */
function batchedNmsCoordinateTrickImpl(boxes: Tensor, scores: Tensor, idxs: Tensor, iouThreshold: number): Tensor {
  if (boxes.numel() === 0) return empty([0], { dtype: 'int64' });
  const maxCoordinate = boxes.max();
  const offsets = idxs.to(boxes).mul(maxCoordinate.add(tensor(1).to(boxes)));
  const boxesForNms = boxes.add(offsets.unsqueeze(1));
  return nms(boxesForNms, scores, iouThreshold);
}

/** nms per category (Detectron2's way), the kept indices sorted by decreasing score. */
function batchedNmsVanillaImpl(boxes: Tensor, scores: Tensor, idxs: Tensor, iouThreshold: number): Tensor {
  const keepMask = zerosLike(scores, { dtype: 'bool' });
  const classes = new Tensor((O.unique(idxs._h, true, false, false) as unknown[])[0] as never);
  for (const classId of classes.toArray() as number[]) {
    const currIndices = idxs.eq(classId).nonzero().select(1, 0);
    const currKeep = nms(boxes.index(currIndices), scores.index(currIndices), iouThreshold);
    keepMask.indexPut_([currIndices.index(currKeep)], true);
  }
  const keepIndices = keepMask.nonzero().select(1, 0);
  return keepIndices.index(scores.index(keepIndices).sort(-1, true).indices);
}

/** Indices of the boxes whose sides are both at least minSize. */
function removeSmallBoxesImpl(boxes: Tensor, minSize: number): Tensor {
  checkBoxes('removeSmallBoxes', boxes);
  const ws = boxes.select(1, 2).sub(boxes.select(1, 0));
  const hs = boxes.select(1, 3).sub(boxes.select(1, 1));
  const keep = ws.ge(minSize).logicalAnd(hs.ge(minSize));
  return keep.nonzero().select(1, 0);
}

/** Boxes (..., 4) clipped to an image of `size` = [height, width]. */
function clipBoxesToImageImpl(boxes: Tensor, size: readonly [number, number] | readonly number[]): Tensor {
  if (size.length !== 2) throw new TypeError(`clipBoxesToImage: size must be [height, width], got [${size}]`);
  const dim = boxes.ndim;
  const [height, width] = size as [number, number];
  const boxesX = boxes.slice(-1, 0, null, 2).clamp(0, width);
  const boxesY = boxes.slice(-1, 1, null, 2).clamp(0, height);
  return stack([boxesX, boxesY], dim).reshape(boxes.shape);
}

export type BoxFormat = 'xyxy' | 'xywh' | 'cxcywh';

/** Converts boxes between 'xyxy' (corners), 'xywh' (top-left corner and size) and 'cxcywh' (centre and size). */
function boxConvertImpl(boxes: Tensor, inFmt: BoxFormat, outFmt: BoxFormat): Tensor {
  const allowed = ['xyxy', 'xywh', 'cxcywh'];
  if (!allowed.includes(inFmt) || !allowed.includes(outFmt)) {
    throw new TypeError(`boxConvert: unsupported box formats '${inFmt}' -> '${outFmt}' (xyxy, xywh, cxcywh)`);
  }
  if (inFmt === outFmt) return boxes.clone();
  let b = boxes;
  let from: BoxFormat = inFmt;
  if (from !== 'xyxy' && outFmt !== 'xyxy') {
    b = from === 'xywh' ? boxXywhToXyxy(b) : boxCxcywhToXyxy(b);
    from = 'xyxy';
  }
  if (from === 'xyxy') return outFmt === 'xywh' ? boxXyxyToXywh(b) : boxXyxyToCxcywh(b);
  return from === 'xywh' ? boxXywhToXyxy(b) : boxCxcywhToXyxy(b);
}

/** Areas of [N, 4] boxes (upcast so that small integer types do not overflow). */
function boxAreaImpl(boxes: Tensor): Tensor {
  checkBoxes('boxArea', boxes);
  const b = upcast(boxes);
  return b.select(1, 2).sub(b.select(1, 0)).mul(b.select(1, 3).sub(b.select(1, 1)));
}

/** Intersection and union areas of every pair, [N, M] each. */
export function boxInterUnion(boxes1: Tensor, boxes2: Tensor): [Tensor, Tensor] {
  const area1 = boxArea(boxes1);
  const area2 = boxArea(boxes2);
  const lt = boxes1.index(':', null, ':2').maximum(boxes2.index(':', ':2')); // [N,M,2]
  const rb = boxes1.index(':', null, '2:').minimum(boxes2.index(':', '2:')); // [N,M,2]
  const wh = upcast(rb.sub(lt)).clamp(0); // [N,M,2]
  const inter = wh.select(2, 0).mul(wh.select(2, 1)); // [N,M]
  const union = area1.unsqueeze(1).add(area2).sub(inter);
  return [inter, union];
}

/** Jaccard index (intersection over union) of every pair of boxes: [N, M]. */
function boxIouImpl(boxes1: Tensor, boxes2: Tensor): Tensor {
  checkBoxes('boxIou', boxes1, 'boxes1');
  checkBoxes('boxIou', boxes2, 'boxes2');
  const [inter, union] = boxInterUnion(boxes1, boxes2);
  return inter.div(union);
}

/** IoU minus the share of the smallest enclosing box that neither box covers (Rezatofighi et al. 2019): [N, M]. */
function generalizedBoxIouImpl(boxes1: Tensor, boxes2: Tensor): Tensor {
  checkBoxes('generalizedBoxIou', boxes1, 'boxes1');
  checkBoxes('generalizedBoxIou', boxes2, 'boxes2');
  const [inter, union] = boxInterUnion(boxes1, boxes2);
  const iou = inter.div(union);
  const lti = boxes1.index(':', null, ':2').minimum(boxes2.index(':', ':2'));
  const rbi = boxes1.index(':', null, '2:').maximum(boxes2.index(':', '2:'));
  const whi = upcast(rbi.sub(lti)).clamp(0); // [N,M,2]
  const areai = whi.select(2, 0).mul(whi.select(2, 1));
  return iou.sub(areai.sub(union).div(areai));
}

/** IoU and distance IoU (IoU minus squared centre distance over squared enclosing diagonal), [N, M] each. */
export function boxDiouIou(boxes1: Tensor, boxes2: Tensor, eps = 1e-7): [Tensor, Tensor] {
  const iou = boxIou(boxes1, boxes2);
  const lti = boxes1.index(':', null, ':2').minimum(boxes2.index(':', ':2'));
  const rbi = boxes1.index(':', null, '2:').maximum(boxes2.index(':', '2:'));
  const whi = upcast(rbi.sub(lti)).clamp(0); // [N,M,2]
  const diagonalDistanceSquared = whi.select(2, 0).pow(2).add(whi.select(2, 1).pow(2)).add(eps);
  // Centres of the boxes.
  const xP = boxes1.select(1, 0).add(boxes1.select(1, 2)).div(2);
  const yP = boxes1.select(1, 1).add(boxes1.select(1, 3)).div(2);
  const xG = boxes2.select(1, 0).add(boxes2.select(1, 2)).div(2);
  const yG = boxes2.select(1, 1).add(boxes2.select(1, 3)).div(2);
  const centersDistanceSquared = upcast(xP.unsqueeze(1).sub(xG.unsqueeze(0))).pow(2)
    .add(upcast(yP.unsqueeze(1).sub(yG.unsqueeze(0))).pow(2));
  return [iou.sub(centersDistanceSquared.div(diagonalDistanceSquared)), iou];
}

/** Distance IoU of every pair (Zheng et al. 2019): [N, M]. */
function distanceBoxIouImpl(boxes1: Tensor, boxes2: Tensor, eps = 1e-7): Tensor {
  checkBoxes('distanceBoxIou', boxes1, 'boxes1');
  checkBoxes('distanceBoxIou', boxes2, 'boxes2');
  return boxDiouIou(upcast(boxes1), upcast(boxes2), eps)[0];
}

/** Complete IoU of every pair: distance IoU minus an aspect-ratio consistency term (Zheng et al. 2021): [N, M]. */
function completeBoxIouImpl(boxes1: Tensor, boxes2: Tensor, eps = 1e-7): Tensor {
  checkBoxes('completeBoxIou', boxes1, 'boxes1');
  checkBoxes('completeBoxIou', boxes2, 'boxes2');
  const b1 = upcast(boxes1);
  const b2 = upcast(boxes2);
  const [diou, iou] = boxDiouIou(b1, b2, eps);
  const wPred = b1.select(1, 2).sub(b1.select(1, 0)).unsqueeze(1);
  const hPred = b1.select(1, 3).sub(b1.select(1, 1)).unsqueeze(1);
  const wGt = b2.select(1, 2).sub(b2.select(1, 0));
  const hGt = b2.select(1, 3).sub(b2.select(1, 1));
  const v = atan(wPred.div(hPred)).sub(atan(wGt.div(hGt))).pow(2).mul(4 / Math.PI ** 2);
  const alpha = noGrad(() => v.div(iou.rsub(1).add(v).add(eps)));
  return diou.sub(alpha.mul(v));
}

/**
 * The bounding box (x1, y1, x2, y2), in pixel indices, of each of N masks [N, H, W]: float32 [N, 4]. A mask
 * without a pixel set is an error (torchvision fails on it too, inside torch.min of an empty tensor).
 */
function masksToBoxesImpl(masks: Tensor): Tensor {
  if (masks.numel() === 0) return zeros([0, 4], { dtype: 'float32' });
  if (masks.ndim !== 3) throw new RangeError(`masksToBoxes: masks must have shape [N, H, W], got [${masks.shape}]`);
  const n = masks.shape[0]!;
  const out = zeros([n, 4], { dtype: 'float32' });
  for (let i = 0; i < n; i++) {
    const yx = masks.select(0, i).ne(0).nonzero(); // [P, 2] (y, x)
    if (yx.shape[0] === 0) throw new RangeError(`masksToBoxes: mask ${i} has no pixel set, so it has no bounding box`);
    const y = yx.select(1, 0);
    const x = yx.select(1, 1);
    out.indexPut_([i], stack([x.min(), y.min(), x.max(), y.max()]).to('float32'));
  }
  return out;
}

// torchvision's signatures (src/args.ts): an extra argument is a TypeError naming it, never dropped
export const nms = withArgs('nms', 'torchvision.ops.nms', 'boxes, scores, iouThreshold', nmsImpl);
export const batchedNms = withArgs('batchedNms', 'torchvision.ops.batched_nms', 'boxes, scores, idxs, iouThreshold', batchedNmsImpl);
export const batchedNmsCoordinateTrick = withArgs('batchedNmsCoordinateTrick', 'torchvision.ops.boxes._batched_nms_coordinate_trick', 'boxes, scores, idxs, iouThreshold', batchedNmsCoordinateTrickImpl);
export const batchedNmsVanilla = withArgs('batchedNmsVanilla', 'torchvision.ops.boxes._batched_nms_vanilla', 'boxes, scores, idxs, iouThreshold', batchedNmsVanillaImpl);
export const removeSmallBoxes = withArgs('removeSmallBoxes', 'torchvision.ops.remove_small_boxes', 'boxes, minSize', removeSmallBoxesImpl);
export const clipBoxesToImage = withArgs('clipBoxesToImage', 'torchvision.ops.clip_boxes_to_image', 'boxes, size', clipBoxesToImageImpl);
export const boxConvert = withArgs('boxConvert', 'torchvision.ops.box_convert', 'boxes, inFmt, outFmt', boxConvertImpl);
export const boxArea = withArgs('boxArea', 'torchvision.ops.box_area', 'boxes', boxAreaImpl);
export const boxIou = withArgs('boxIou', 'torchvision.ops.box_iou', 'boxes1, boxes2', boxIouImpl);
export const generalizedBoxIou = withArgs('generalizedBoxIou', 'torchvision.ops.generalized_box_iou', 'boxes1, boxes2', generalizedBoxIouImpl);
export const distanceBoxIou = withArgs('distanceBoxIou', 'torchvision.ops.distance_box_iou', 'boxes1, boxes2, eps?', distanceBoxIouImpl);
export const completeBoxIou = withArgs('completeBoxIou', 'torchvision.ops.complete_box_iou', 'boxes1, boxes2, eps?', completeBoxIouImpl);
export const masksToBoxes = withArgs('masksToBoxes', 'torchvision.ops.masks_to_boxes', 'masks', masksToBoxesImpl);
