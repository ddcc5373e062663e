// torchvision's models/optical_flow/_utils.py: sampling at absolute pixel coordinates, the pixel-coordinate
// grid, and the upsampling of a 1/8-resolution flow (bilinear, or RAFT's learned convex combination).
import { Tensor } from '../../../tensor.js';
import { arange, cat, meshgrid, stack } from '../../../creation.js';
import { gridSample, unfold } from '../../../nn/functional/vision.js';
import { interpolate } from '../../../nn/functional/upsampling.js';
import { bindOwn, registerSignature } from '../../../args.js';
import { disposeTemporary } from '../../../memory.js';
import { pipe } from '../pipe.js';

// PyTorch's argument binding (src/args.ts) for this module's functions: an extra positional argument or an
// unknown keyword is a TypeError naming it.
registerSignature(gridSampleAbsolute, 'gridSampleAbsolute', 'tstorch.vision.models.opticalFlow.gridSampleAbsolute', 'img, absoluteGrid; *, mode, alignCorners');
registerSignature(makeCoordsGrid, 'makeCoordsGrid', 'torchvision.models.optical_flow.make_coords_grid', 'batchSize, h, w');
registerSignature(upsampleFlow, 'upsampleFlow', 'torchvision.models.optical_flow.upsample_flow', 'flow, upMask?, factor?');

/** F.grid_sample with absolute pixel coordinates (x, y) in the last dimension of `absoluteGrid`. */
export function gridSampleAbsolute(img: Tensor, absoluteGrid: Tensor, opts: { mode?: 'bilinear' | 'nearest' | 'bicubic'; alignCorners?: boolean } = {}): Tensor {
  [img, absoluteGrid, opts = {}] = bindOwn(gridSampleAbsolute, arguments) as Parameters<typeof gridSampleAbsolute>;
  const [h, w] = img.shape.slice(-2) as [number, number];
  const [x, y] = absoluteGrid.split([1, 1], -1) as [Tensor, Tensor];
  // each temporary is freed once used (inside a tidy scope), as Python frees them: RAFT calls this 4 times an update
  const xgrid = pipe(x, (t) => t.mul(2), (t) => t.div(w - 1), (t) => t.sub(1));
  // h > 1: the same function serves RAFT-Stereo's one-row inputs in torchvision
  const ygrid = h > 1 ? pipe(y, (t) => t.mul(2), (t) => t.div(h - 1), (t) => t.sub(1)) : y;
  const normalized = cat([xgrid, ygrid], -1);
  for (const t of new Set([x, y, xgrid, ygrid])) disposeTemporary(t);
  const out = gridSample(img, normalized, { mode: opts.mode ?? 'bilinear', alignCorners: opts.alignCorners });
  disposeTemporary(normalized);
  return out;
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
  // pipe frees each intermediate once the next step has used it, but never its first tensor, the caller's
  if (upMask === null) {
    return pipe(flow, (t) => interpolate(t, { size: [newH, newW], mode: 'bilinear', alignCorners: true }), (t) => t.mul(factor));
  }
  const mask = pipe(upMask, (t) => t.view(b, 1, 9, factor, factor, h, w), (t) => t.softmax(2));
  const up = pipe(flow, (t) => t.mul(factor), (t) => unfold(t, 3, { padding: 1 }), (t) => t.view(b, c, 9, 1, 1, h, w));
  const out = pipe(flow, () => mask.mul(up), (t) => t.sum(2), (t) => t.permute(0, 1, 4, 2, 5, 3), (t) => t.reshape(b, c, newH, newW));
  disposeTemporary(mask);
  disposeTemporary(up);
  return out;
}
