// The reductions of the box losses: 'mean' of no elements is 0 (times the sum, to keep the graph), as torchvision's.
import type { Tensor } from '../../tensor.js';
import type { LossReduction } from './_utils.js';

export function reduceLoss(loss: Tensor, reduction: LossReduction): Tensor {
  if (reduction === 'mean') return loss.numel() > 0 ? loss.mean() : loss.sum().mul(0.0);
  if (reduction === 'sum') return loss.sum();
  return loss;
}
