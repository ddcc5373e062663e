// torchvision's models/optical_flow/_utils.py: sampling at absolute pixel coordinates, the pixel-coordinate
// grid, and the upsampling of a 1/8-resolution flow (bilinear, or RAFT's learned convex combination).
import { Tensor } from '../../../tensor.js';
import { arange, cat, meshgrid, stack } from '../../../creation.js';
import { gridSample, unfold } from '../../../nn/functional/vision.js';
import { interpolate } from '../../../nn/functional/upsampling.js';
import { bindOwn, registerSignature } from '../../../args.js';

// PyTorch's argument binding (src/args.ts) for this module's functions: an extra positional argument or an
// unknown keyword is a TypeError naming it.
registerSignature(gridSampleAbsolute, 'gridSampleAbsolute', 'tstorch.vision.models.opticalFlow.gridSampleAbsolute', 'img, absoluteGrid; *, mode, alignCorners');
registerSignature(makeCoordsGrid, 'makeCoordsGrid', 'torchvision.models.optical_flow.make_coords_grid', 'batchSize, h, w');
registerSignature(upsampleFlow, 'upsampleFlow', 'torchvision.models.optical_flow.upsample_flow', 'flow, upMask?, factor?');

/** F.grid_sample with absolute pixel coordinates (x, y) in the last dimension of `absoluteGrid`. */
export function gridSampleAbsolute(img: Tensor, absoluteGrid: Tensor, opts: { mode?: 'bilinear' | 'nearest' | 'bicubic'; alignCorners?: boolean } = {}): Tensor {
  [img, absoluteGrid, opts = {}] = bindOwn(gridSampleAbsolute, arguments) as Parameters<typeof gridSampleAbsolute>;
  const [h, w] = img.shape.slice(-2) as [number, number];
  let [xgrid, ygrid] = absoluteGrid.split([1, 1], -1) as [Tensor, Tensor];
  xgrid = xgrid.mul(2).div(w - 1).sub(1);
  // h > 1: the same function serves RAFT-Stereo's one-row inputs in torchvision
  if (h > 1) ygrid = ygrid.mul(2).div(h - 1).sub(1);
  return gridSample(img, cat([xgrid, ygrid], -1), { mode: opts.mode ?? 'bilinear', alignCorners: opts.alignCorners });
}

/** [batch, 2, h, w] float32: each pixel's (x, y). */
export function makeCoordsGrid(batchSize: number, h: number, w: number): Tensor {
  [batchSize, h, w] = bindOwn(makeCoordsGrid, arguments) as Parameters<typeof makeCoordsGrid>;
  const [ys, xs] = meshgrid([arange(h, { dtype: 'int64' }), arange(w, { dtype: 'int64' })], 'ij') as [Tensor, Tensor];
  const coords = stack([xs, ys], 0).to('float32');
  return coords.unsqueeze(0).repeat(batchSize, 1, 1, 1);
}

/** A flow at 1/factor resolution to full resolution: bilinear (no mask), or convex upsampling with `upMask`. */
export function upsampleFlow(flow: Tensor, upMask: Tensor | null = null, factor = 8): Tensor {
  [flow, upMask = null, factor = 8] = bindOwn(upsampleFlow, arguments) as Parameters<typeof upsampleFlow>;
  const [b, c, h, w] = flow.shape as number[] as [number, number, number, number];
  const newH = h * factor, newW = w * factor;
  if (upMask === null) {
    return interpolate(flow, { size: [newH, newW], mode: 'bilinear', alignCorners: true }).mul(factor);
  }
  const mask = upMask.view(b, 1, 9, factor, factor, h, w).softmax(2);
  const up = unfold(flow.mul(factor), 3, { padding: 1 }).view(b, c, 9, 1, 1, h, w);
  const summed = mask.mul(up).sum(2);
  return summed.permute(0, 1, 4, 2, 5, 3).reshape(b, c, newH, newW);
}
