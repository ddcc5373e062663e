// torchvision.ops.sigmoid_focal_loss (RetinaNet, Lin et al. 2017): binary cross-entropy on logits, scaled by
// (1 - p_t)^gamma so that easy examples weigh less, and by alpha_t to balance positives and negatives.
import type { Tensor } from '../../tensor.js';
import { binaryCrossEntropyWithLogits } from '../../nn/functional/loss.js';
import { checkReduction, type LossReduction } from './_utils.js';
import { bindOwn, registerSignature, type PyRest } from '../../args.js';

// PyTorch's argument binding (src/args.ts) for this module's functions: an extra positional argument or an
// unknown keyword is a TypeError naming it.
registerSignature(sigmoidFocalLoss, 'sigmoidFocalLoss', 'torchvision.ops.sigmoid_focal_loss', 'inputs, targets; alpha, gamma, reduction');

export interface SigmoidFocalLossOptions {
  /** Weight of the positives in (0, 1); negatives get 1 - alpha. A negative alpha weighs nothing. Default 0.25. */
  alpha?: number;
  /** Focusing exponent. Default 2. */
  gamma?: number;
  /** 'none' (default), 'mean' or 'sum'. */
  reduction?: LossReduction;
}

/** Focal loss of logits `inputs` against binary `targets` of the same shape (floats 0 or 1). */
export function sigmoidFocalLoss(inputs: Tensor, targets: Tensor, ...rest: PyRest<SigmoidFocalLossOptions, ['alpha', 'gamma', 'reduction']>): Tensor;
export function sigmoidFocalLoss(...args: unknown[]): Tensor {
  const [inputs, targets, opts = {}] = bindOwn(sigmoidFocalLoss, args) as [Tensor, Tensor, SigmoidFocalLossOptions?];
  const alpha = opts.alpha ?? 0.25;
  const gamma = opts.gamma ?? 2;
  const reduction = opts.reduction ?? 'none';
  checkReduction('sigmoidFocalLoss', reduction);
  const p = inputs.sigmoid();
  const ceLoss = binaryCrossEntropyWithLogits(inputs, targets, { reduction: 'none' });
  const pT = p.mul(targets).add(p.rsub(1).mul(targets.rsub(1)));
  let loss = ceLoss.mul(pT.rsub(1).pow(gamma));
  if (alpha >= 0) {
    const alphaT = targets.mul(alpha).add(targets.rsub(1).mul(1 - alpha));
    loss = alphaT.mul(loss);
  }
  if (reduction === 'mean') return loss.mean();
  if (reduction === 'sum') return loss.sum();
  return loss;
}
