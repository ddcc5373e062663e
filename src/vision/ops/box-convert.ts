// torchvision.ops._box_convert: conversions between the box formats 'xyxy' (corners), 'xywh' (corner, size) and
// 'cxcywh' (centre, size), over the last dimension.
import type { Tensor } from '../../tensor.js';
import { stack } from '../../creation.js';

function parts(boxes: Tensor): [Tensor, Tensor, Tensor, Tensor] {
  return boxes.unbind(-1) as [Tensor, Tensor, Tensor, Tensor];
}

export function boxCxcywhToXyxy(boxes: Tensor): Tensor {
  const [cx, cy, w, h] = parts(boxes);
  const x1 = cx.sub(w.mul(0.5));
  const y1 = cy.sub(h.mul(0.5));
  const x2 = cx.add(w.mul(0.5));
  const y2 = cy.add(h.mul(0.5));
  return stack([x1, y1, x2, y2], -1);
}

export function boxXyxyToCxcywh(boxes: Tensor): Tensor {
  const [x1, y1, x2, y2] = parts(boxes);
  const cx = x1.add(x2).div(2);
  const cy = y1.add(y2).div(2);
  return stack([cx, cy, x2.sub(x1), y2.sub(y1)], -1);
}

export function boxXywhToXyxy(boxes: Tensor): Tensor {
  const [x, y, w, h] = parts(boxes);
  return stack([x, y, x.add(w), y.add(h)], -1);
}

export function boxXyxyToXywh(boxes: Tensor): Tensor {
  const [x1, y1, x2, y2] = parts(boxes);
  return stack([x1, y1, x2.sub(x1), y2.sub(y1)], -1);
}
