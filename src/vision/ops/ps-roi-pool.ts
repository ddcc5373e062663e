// torchvision.ops.ps_roi_pool / PSRoIPool: position-sensitive RoI average pooling (R-FCN). The kernel is
// torchvision::ps_roi_pool in src/native/vision_ops.cc.
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
registerSignature(psRoiPool, 'psRoiPool', 'torchvision.ops.ps_roi_pool', 'input, boxes, outputSize, spatialScale?');

const psRoiPoolOp = op('torchvision::ps_roi_pool');

/** Input [N, C, H, W] with C divisible by outH * outW; output [K, C / (outH * outW), outH, outW]. */
export function psRoiPool(input: Tensor, boxes: Tensor | readonly Tensor[], outputSize: number | readonly number[],
  spatialScale = 1.0): Tensor {
  [input, boxes, outputSize, spatialScale = 1.0] = bindOwn(psRoiPool, arguments) as Parameters<typeof psRoiPool>;
  const rois = roisOf('psRoiPool', boxes);
  const [oh, ow] = pair('psRoiPool', 'outputSize', outputSize);
  const [output, mapping] = psRoiPoolOp(input._h, rois._h, spatialScale, oh, ow) as [Handle, Handle];
  new Tensor(mapping).dispose();
  return new Tensor(output);
}

/** See psRoiPool. */
export class PSRoIPool extends Module {
  outputSize: number | readonly number[];
  spatialScale: number;

  constructor(outputSize: number | readonly number[], spatialScale: number) {
    [outputSize, spatialScale] = bindOwn(PSRoIPool, arguments) as ConstructorParameters<typeof PSRoIPool>;
    super();
    pair('PSRoIPool', 'outputSize', outputSize);
    this.outputSize = outputSize;
    this.spatialScale = spatialScale;
  }

  override forward(input: Tensor, rois: Tensor | readonly Tensor[]): Tensor {
    return psRoiPool(input, rois, this.outputSize, this.spatialScale);
  }

  override extraRepr(): string {
    return `output_size=${outputSizeRepr(this.outputSize)}, spatial_scale=${pyFloat(this.spatialScale)}`;
  }
}
classArgs(PSRoIPool, 'torchvision.ops.PSRoIPool', 'outputSize, spatialScale');
