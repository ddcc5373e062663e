// torchvision.ops.distance_box_iou_loss: 1 - IoU + squared centre distance over squared enclosing diagonal
// (Detectron2's implementation).
import type { Tensor } from '../../tensor.js';
import { checkReduction, lossInterUnion, upcastNonFloat } from './_utils.js';
import { reduceLoss } from './reduce-loss.js';
import type { BoxLossOptions } from './giou-loss.js';
import { bindOwn, registerSignature, type PyRest } from '../../args.js';

// PyTorch's argument binding (src/args.ts) for this module's functions: an extra positional argument or an
// unknown keyword is a TypeError naming it.
registerSignature(distanceBoxIouLoss, 'distanceBoxIouLoss', 'torchvision.ops.distance_box_iou_loss', 'boxes1, boxes2; reduction, eps');

/** The distance-IoU loss of paired boxes and their IoU (shared with the complete-IoU loss). */
export function diouIouLoss(boxes1: Tensor, boxes2: Tensor, eps = 1e-7): [Tensor, Tensor] {
  const [intsct, union] = lossInterUnion(boxes1, boxes2);
  const iou = intsct.div(union.add(eps));
  // Smallest enclosing box.
  const [x1, y1, x2, y2] = boxes1.unbind(-1) as [Tensor, Tensor, Tensor, Tensor];
  const [x1g, y1g, x2g, y2g] = boxes2.unbind(-1) as [Tensor, Tensor, Tensor, Tensor];
  const xc1 = x1.minimum(x1g);
  const yc1 = y1.minimum(y1g);
  const xc2 = x2.maximum(x2g);
  const yc2 = y2.maximum(y2g);
  // The squared diagonal of the smallest enclosing box.
  const diagonalDistanceSquared = xc2.sub(xc1).pow(2).add(yc2.sub(yc1).pow(2)).add(eps);
  // Centres of the boxes.
  const xP = x2.add(x1).div(2);
  const yP = y2.add(y1).div(2);
  const xG = x1g.add(x2g).div(2);
  const yG = y1g.add(y2g).div(2);
  const centersDistanceSquared = xP.sub(xG).pow(2).add(yP.sub(yG).pow(2));
  const loss = iou.rsub(1).add(centersDistanceSquared.div(diagonalDistanceSquared));
  return [loss, iou];
}

/** Distance-IoU loss of paired boxes [..., 4] in (x1, y1, x2, y2). */
export function distanceBoxIouLoss(boxes1: Tensor, boxes2: Tensor, ...rest: PyRest<BoxLossOptions, ['reduction', 'eps']>): Tensor;
export function distanceBoxIouLoss(...args: unknown[]): Tensor {
  const [boxes1, boxes2, opts = {}] = bindOwn(distanceBoxIouLoss, args) as [Tensor, Tensor, BoxLossOptions?];
  const reduction = opts.reduction ?? 'none';
  checkReduction('distanceBoxIouLoss', reduction);
  const [loss] = diouIouLoss(upcastNonFloat(boxes1), upcastNonFloat(boxes2), opts.eps ?? 1e-7);
  return reduceLoss(loss, reduction);
}
