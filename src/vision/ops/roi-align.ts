// torchvision.ops.roi_align / RoIAlign (Mask R-CNN, He et al. 2017): average of bilinearly sampled points in each
// bin of each region. The kernel, forward and backward, is torchvision::roi_align in src/native/vision_ops.cc.
import { Tensor } from '../../tensor.js';
import { op } from '../../native/ops.js';
import { Module } from '../../nn/module.js';
import { pyBool, pyFloat } from '../../nn/modules/repr.js';
import { pair, roisOf } from './_utils.js';
import { bindOwn, classArgs, registerSignature, type PyRest } from '../../args.js';

// PyTorch's argument binding (src/args.ts) for this module's functions: an extra positional argument or an
// unknown keyword is a TypeError naming it.
registerSignature(roiAlign, 'roiAlign', 'torchvision.ops.roi_align', 'input, boxes, outputSize; spatialScale, samplingRatio, aligned');

const roiAlignOp = op('torchvision::roi_align');

export interface RoIAlignOptions {
  /** Maps box coordinates to the input's (1/16 for a stride-16 feature map). Default 1. */
  spatialScale?: number;
  /** Sampling points per bin side; <= 0 adapts to the box (ceil(box size / output size)). Default -1. */
  samplingRatio?: number;
  /** Shift the box by -0.5 pixel (Detectron2's alignment); false is the legacy behaviour. Default false. */
  aligned?: boolean;
}

/** Python's repr of an output size as given: an int or a tuple. */
export function outputSizeRepr(v: number | readonly number[]): string {
  return typeof v === 'number' ? String(v) : `(${v.join(', ')})`;
}

/**
 * RoI Align: for input [N, C, H, W] and boxes ([K, 5] with the image index first, or one [L, 4] tensor per image,
 * in (x1, y1, x2, y2)), the pooled regions [K, C, outputSize[0], outputSize[1]].
 */
export function roiAlign(input: Tensor, boxes: Tensor | readonly Tensor[], outputSize: number | readonly number[],
  ...rest: PyRest<RoIAlignOptions, ['spatialScale', 'samplingRatio', 'aligned']>): Tensor;
export function roiAlign(input: Tensor, boxes: Tensor | readonly Tensor[], outputSize: number | readonly number[], ..._rest: unknown[]): Tensor {
  let opts: RoIAlignOptions;
  [input, boxes, outputSize, opts = {}] = bindOwn(roiAlign, arguments) as [Tensor, Tensor | readonly Tensor[], number | readonly number[], RoIAlignOptions?];
  const rois = roisOf('roiAlign', boxes);
  const [oh, ow] = pair('roiAlign', 'outputSize', outputSize);
  const samplingRatio = opts.samplingRatio ?? -1;
  if (!Number.isInteger(samplingRatio)) throw new TypeError(`roiAlign: samplingRatio must be an integer, got ${samplingRatio}`);
  return new Tensor(roiAlignOp(input._h, rois._h, opts.spatialScale ?? 1.0, oh, ow, samplingRatio, opts.aligned ?? false));
}

/** See roiAlign. */
export class RoIAlign extends Module {
  outputSize: number | readonly number[];
  spatialScale: number;
  samplingRatio: number;
  aligned: boolean;

  constructor(outputSize: number | readonly number[], spatialScale: number, samplingRatio: number, aligned = false) {
    [outputSize, spatialScale, samplingRatio, aligned = false] = bindOwn(RoIAlign, arguments) as ConstructorParameters<typeof RoIAlign>;
    super();
    pair('RoIAlign', 'outputSize', outputSize);
    this.outputSize = outputSize;
    this.spatialScale = spatialScale;
    this.samplingRatio = samplingRatio;
    this.aligned = aligned;
  }

  override forward(input: Tensor, rois: Tensor | readonly Tensor[]): Tensor {
    return roiAlign(input, rois, this.outputSize, { spatialScale: this.spatialScale, samplingRatio: this.samplingRatio, aligned: this.aligned });
  }

  override extraRepr(): string {
    return `output_size=${outputSizeRepr(this.outputSize)}, spatial_scale=${pyFloat(this.spatialScale)}, `
      + `sampling_ratio=${this.samplingRatio}, aligned=${pyBool(this.aligned)}`;
  }
}
classArgs(RoIAlign, 'torchvision.ops.RoIAlign', 'outputSize, spatialScale, samplingRatio, aligned?');
