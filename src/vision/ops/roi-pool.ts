// torchvision.ops.roi_pool / RoIPool (Fast R-CNN, Girshick 2015): the maximum of each bin of each region, on
// integer-rounded box corners. The kernel is torchvision::roi_pool in src/native/vision_ops.cc.
import { Tensor } from '../../tensor.js';
import { op } from '../../native/ops.js';
import type { Handle } from '../../native/binding.js';
import { Module } from '../../nn/module.js';
import { pyFloat } from '../../nn/modules/repr.js';
import { pair, roisOf } from './_utils.js';
import { outputSizeRepr } from './roi-align.js';
import { bindOwn, classArgs, registerSignature } from '../../args.js';

// PyTorch's argument binding (src/args.ts) for this module's functions: an extra positional argument or an
// unknown keyword is a TypeError naming it.
registerSignature(roiPool, 'roiPool', 'torchvision.ops.roi_pool', 'input, boxes, outputSize, spatialScale?');

const roiPoolOp = op('torchvision::roi_pool');

/** RoI max pooling of input [N, C, H, W] over boxes ([K, 5] or per-image [L, 4]): [K, C, outputSize...]. */
export function roiPool(input: Tensor, boxes: Tensor | readonly Tensor[], outputSize: number | readonly number[],
  spatialScale = 1.0): Tensor {
  [input, boxes, outputSize, spatialScale = 1.0] = bindOwn(roiPool, arguments) as Parameters<typeof roiPool>;
  const rois = roisOf('roiPool', boxes);
  const [oh, ow] = pair('roiPool', 'outputSize', outputSize);
  const [output, argmax] = roiPoolOp(input._h, rois._h, spatialScale, oh, ow) as [Handle, Handle];
  new Tensor(argmax).dispose();
  return new Tensor(output);
}

/** See roiPool. */
export class RoIPool extends Module {
  outputSize: number | readonly number[];
  spatialScale: number;

  constructor(outputSize: number | readonly number[], spatialScale: number) {
    [outputSize, spatialScale] = bindOwn(RoIPool, arguments) as ConstructorParameters<typeof RoIPool>;
    super();
    pair('RoIPool', 'outputSize', outputSize);
    this.outputSize = outputSize;
    this.spatialScale = spatialScale;
  }

  override forward(input: Tensor, rois: Tensor | readonly Tensor[]): Tensor {
    return roiPool(input, rois, this.outputSize, this.spatialScale);
  }

  override extraRepr(): string {
    return `output_size=${outputSizeRepr(this.outputSize)}, spatial_scale=${pyFloat(this.spatialScale)}`;
  }
}
classArgs(RoIPool, 'torchvision.ops.RoIPool', 'outputSize, spatialScale');
