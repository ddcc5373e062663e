// torchvision.ops.complete_box_iou_loss: the distance-IoU loss plus an aspect-ratio consistency term
// (Detectron2's implementation).
import { Tensor } from '../../tensor.js';
import { op } from '../../native/ops.js';
import { noGrad } from '../../autograd/grad-mode.js';
import { checkReduction, upcastNonFloat } from './_utils.js';
import { reduceLoss } from './reduce-loss.js';
import { diouIouLoss } from './diou-loss.js';
import type { BoxLossOptions } from './giou-loss.js';
import { bindOwn, registerSignature, type PyRest } from '../../args.js';

// PyTorch's argument binding (src/args.ts) for this module's functions: an extra positional argument or an
// unknown keyword is a TypeError naming it.
registerSignature(completeBoxIouLoss, 'completeBoxIouLoss', 'torchvision.ops.complete_box_iou_loss', 'boxes1, boxes2; reduction, eps');

const atanOp = op('aten::atan');
const atan = (t: Tensor): Tensor => new Tensor(atanOp(t._h));

/** Complete-IoU loss of paired boxes [..., 4] in (x1, y1, x2, y2). */
export function completeBoxIouLoss(boxes1: Tensor, boxes2: Tensor, ...rest: PyRest<BoxLossOptions, ['reduction', 'eps']>): Tensor;
export function completeBoxIouLoss(...args: unknown[]): Tensor {
  const [boxes1, boxes2, opts = {}] = bindOwn(completeBoxIouLoss, args) as [Tensor, Tensor, BoxLossOptions?];
  const reduction = opts.reduction ?? 'none';
  checkReduction('completeBoxIouLoss', reduction);
  const eps = opts.eps ?? 1e-7;
  const b1 = upcastNonFloat(boxes1);
  const b2 = upcastNonFloat(boxes2);
  // torchvision passes no eps here: the distance-IoU part uses the default 1e-7 whatever eps is.
  const [diouLoss, iou] = diouIouLoss(b1, b2);
  const [x1, y1, x2, y2] = b1.unbind(-1) as [Tensor, Tensor, Tensor, Tensor];
  const [x1g, y1g, x2g, y2g] = b2.unbind(-1) as [Tensor, Tensor, Tensor, Tensor];
  // Widths and heights of the boxes.
  const wPred = x2.sub(x1);
  const hPred = y2.sub(y1);
  const wGt = x2g.sub(x1g);
  const hGt = y2g.sub(y1g);
  const v = atan(wGt.div(hGt)).sub(atan(wPred.div(hPred))).pow(2).mul(4 / Math.PI ** 2);
  const alpha = noGrad(() => v.div(iou.rsub(1).add(v).add(eps)));
  return reduceLoss(diouLoss.add(alpha.mul(v)), reduction);
}
