// torchvision.ops.generalized_box_iou_loss: 1 - GIoU of paired boxes (fvcore's implementation).
import type { Tensor } from '../../tensor.js';
import { checkReduction, lossInterUnion, upcastNonFloat, type LossReduction } from './_utils.js';
import { reduceLoss } from './reduce-loss.js';
import { bindOwn, registerSignature, type PyRest } from '../../args.js';

// PyTorch's argument binding (src/args.ts) for this module's functions: an extra positional argument or an
// unknown keyword is a TypeError naming it.
registerSignature(generalizedBoxIouLoss, 'generalizedBoxIouLoss', 'torchvision.ops.generalized_box_iou_loss', 'boxes1, boxes2; reduction, eps');

export interface BoxLossOptions {
  /** 'none' (default): one loss per box pair; 'mean'; 'sum'. */
  reduction?: LossReduction;
  /** Keeps the divisions finite. Default 1e-7. */
  eps?: number;
}

/** Gradient-friendly IoU loss for paired boxes [..., 4] in (x1, y1, x2, y2); 0 for equal boxes, up to 2. */
export function generalizedBoxIouLoss(boxes1: Tensor, boxes2: Tensor, ...rest: PyRest<BoxLossOptions, ['reduction', 'eps']>): Tensor;
export function generalizedBoxIouLoss(...args: unknown[]): Tensor {
  const [boxes1, boxes2, opts = {}] = bindOwn(generalizedBoxIouLoss, args) as [Tensor, Tensor, BoxLossOptions?];
  const reduction = opts.reduction ?? 'none';
  checkReduction('generalizedBoxIouLoss', reduction);
  const eps = opts.eps ?? 1e-7;
  const b1 = upcastNonFloat(boxes1);
  const b2 = upcastNonFloat(boxes2);
  const [intsctk, unionk] = lossInterUnion(b1, b2);
  const iouk = intsctk.div(unionk.add(eps));
  const [x1, y1, x2, y2] = b1.unbind(-1) as [Tensor, Tensor, Tensor, Tensor];
  const [x1g, y1g, x2g, y2g] = b2.unbind(-1) as [Tensor, Tensor, Tensor, Tensor];
  // Smallest enclosing box.
  const xc1 = x1.minimum(x1g);
  const yc1 = y1.minimum(y1g);
  const xc2 = x2.maximum(x2g);
  const yc2 = y2.maximum(y2g);
  const areaC = xc2.sub(xc1).mul(yc2.sub(yc1));
  const miouk = iouk.sub(areaC.sub(unionk).div(areaC.add(eps)));
  return reduceLoss(miouk.rsub(1), reduction);
}
