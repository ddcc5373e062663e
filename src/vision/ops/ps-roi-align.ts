// torchvision.ops.ps_roi_align / PSRoIAlign: position-sensitive RoI Align (R-FCN, Dai et al. 2016), where output
// bin (i, j) of channel c averages input channel (c * outH + i) * outW + j. The kernel is torchvision::ps_roi_align
// in src/native/vision_ops.cc.
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
registerSignature(psRoiAlign, 'psRoiAlign', 'torchvision.ops.ps_roi_align', 'input, boxes, outputSize, spatialScale?, samplingRatio?');

const psRoiAlignOp = op('torchvision::ps_roi_align');

/** Input [N, C, H, W] with C divisible by outH * outW; output [K, C / (outH * outW), outH, outW]. */
export function psRoiAlign(input: Tensor, boxes: Tensor | readonly Tensor[], outputSize: number | readonly number[],
  spatialScale = 1.0, samplingRatio = -1): Tensor {
  [input, boxes, outputSize, spatialScale = 1.0, samplingRatio = -1] = bindOwn(psRoiAlign, arguments) as Parameters<typeof psRoiAlign>;
  const rois = roisOf('psRoiAlign', boxes);
  const [oh, ow] = pair('psRoiAlign', 'outputSize', outputSize);
  if (!Number.isInteger(samplingRatio)) throw new TypeError(`psRoiAlign: samplingRatio must be an integer, got ${samplingRatio}`);
  const [output, mapping] = psRoiAlignOp(input._h, rois._h, spatialScale, oh, ow, samplingRatio) as [Handle, Handle];
  new Tensor(mapping).dispose();
  return new Tensor(output);
}

/** See psRoiAlign. */
export class PSRoIAlign extends Module {
  outputSize: number | readonly number[];
  spatialScale: number;
  samplingRatio: number;

  constructor(outputSize: number | readonly number[], spatialScale: number, samplingRatio: number) {
    [outputSize, spatialScale, samplingRatio] = bindOwn(PSRoIAlign, arguments) as ConstructorParameters<typeof PSRoIAlign>;
    super();
    pair('PSRoIAlign', 'outputSize', outputSize);
    this.outputSize = outputSize;
    this.spatialScale = spatialScale;
    this.samplingRatio = samplingRatio;
  }

  override forward(input: Tensor, rois: Tensor | readonly Tensor[]): Tensor {
    return psRoiAlign(input, rois, this.outputSize, this.spatialScale, this.samplingRatio);
  }

  override extraRepr(): string {
    return `output_size=${outputSizeRepr(this.outputSize)}, spatial_scale=${pyFloat(this.spatialScale)}, sampling_ratio=${this.samplingRatio}`;
  }
}
classArgs(PSRoIAlign, 'torchvision.ops.PSRoIAlign', 'outputSize, spatialScale, samplingRatio');
