// Parallel branches joined by concatenation (GoogLeNet's and Inception v3's modules), with each branch's
// output freed once it has been copied into the result, as Python's reference counting frees it.
import { Module, callChain, releaseOutput } from '../../nn/module.js';
import * as nn from '../../nn/index.js';
import { cat } from '../../creation.js';
import type { Tensor } from '../../tensor.js';

/** A branch: one module, or a chain of modules applied in order. */
export type Branch = Module | readonly Module[];

/** Runs every branch on `x` and concatenates their outputs on `dim` (channels by default). */
export function catBranches(x: Tensor, branches: readonly Branch[], dim = 1): Tensor {
  const outs: Tensor[] = branches.map((b) => (b instanceof Module ? b.call(x) : callChain(x, b)));
  const y = cat(outs, dim);
  branches.forEach((b, i) => {
    const last = b instanceof Module ? b : b[b.length - 1]!;
    if (outs[i] !== x) releaseOutput(last, outs[i]);
  });
  return y;
}

// The pooling steps that torchvision's Inception modules call as functions in forward(). Modules here so that
// a branch is a chain; they are not children of any model (no state, no parameter names, not in the printout).
export const avgPool3x3 = new nn.AvgPool2d(3, { stride: 1, padding: 1 });
export const maxPool3x3Stride2 = new nn.MaxPool2d(3, { stride: 2 });
