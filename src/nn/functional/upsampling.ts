// torch.nn.functional.interpolate, following PyTorch 1.13's dispatch: exactly one of size and scaleFactor,
// 'area' computed as an adaptive average pool, recomputeScaleFactor turning scales into an integer size.
import { Tensor } from '../../tensor.js';
import { op } from '../../native/ops.js';
import { defn } from '../../args.js';
import { adaptiveAvgPool1d, adaptiveAvgPool2d } from './pooling.js';

export type InterpolateMode = 'nearest' | 'nearest-exact' | 'linear' | 'bilinear' | 'bicubic' | 'trilinear' | 'area';

export interface InterpolateOptions {
  size?: number | readonly number[] | null;
  scaleFactor?: number | readonly number[] | null;
  mode?: InterpolateMode;
  alignCorners?: boolean | null;
  recomputeScaleFactor?: boolean | null;
  antialias?: boolean;
}

const O = {
  nearest1d: op('aten::upsample_nearest1d.vec'), nearest2d: op('aten::upsample_nearest2d.vec'),
  nearest3d: op('aten::upsample_nearest3d.vec'),
  nearestExact1d: op('aten::_upsample_nearest_exact1d.vec'), nearestExact2d: op('aten::_upsample_nearest_exact2d.vec'),
  nearestExact3d: op('aten::_upsample_nearest_exact3d.vec'),
  linear1d: op('aten::upsample_linear1d.vec'), bilinear2d: op('aten::upsample_bilinear2d.vec'),
  trilinear3d: op('aten::upsample_trilinear3d.vec'), bicubic2d: op('aten::upsample_bicubic2d.vec'),
  bilinear2dAA: op('aten::_upsample_bilinear2d_aa.vec'), bicubic2dAA: op('aten::_upsample_bicubic2d_aa.vec'),
  adaptiveAvg3d: op('aten::adaptive_avg_pool3d'),
};

const SPATIAL_MODES: Record<string, number> = { linear: 1, bilinear: 2, bicubic: 2, trilinear: 3 };

export const interpolate = defn('interpolate', 'torch.nn.functional.interpolate', 'input', ['size', 'scaleFactor', 'mode', 'alignCorners', 'recomputeScaleFactor', 'antialias'], (input: Tensor, o: InterpolateOptions = {}): Tensor => {
  const mode = o.mode ?? 'nearest';
  let alignCorners = o.alignCorners ?? null;
  if (mode === 'nearest' || mode === 'area' || mode === 'nearest-exact') {
    if (alignCorners !== null) throw new TypeError('interpolate: alignCorners can only be set with the interpolating modes linear, bilinear, bicubic and trilinear');
  } else if (SPATIAL_MODES[mode] !== undefined) {
    alignCorners ??= false;
  } else {
    throw new TypeError(`interpolate: unknown mode '${mode}' (nearest, nearest-exact, linear, bilinear, bicubic, trilinear or area)`);
  }
  const dim = input.ndim - 2;
  if (dim < 1 || dim > 3) throw new RangeError(`interpolate: only 3-d, 4-d and 5-d inputs are supported, got shape [${input.shape.join()}]`);
  const size = o.size ?? null;
  const scale = o.scaleFactor ?? null;
  let outputSize: number[] | null = null;
  let scaleFactors: number[] | null = null;
  if (size !== null && scale !== null) throw new TypeError('interpolate: only one of size or scaleFactor should be defined');
  if (size !== null) {
    if (typeof size !== 'number' && size.length !== dim) {
      throw new RangeError(`interpolate: input with spatial dimensions [${input.shape.slice(2)}] and output size [${size}] differ in the number of spatial dimensions`);
    }
    outputSize = typeof size === 'number' ? Array(dim).fill(size) : [...size];
  } else if (scale !== null) {
    if (typeof scale !== 'number' && scale.length !== dim) {
      throw new RangeError(`interpolate: input with spatial dimensions [${input.shape.slice(2)}] and scaleFactor [${scale}] differ in the number of spatial dimensions`);
    }
    scaleFactors = typeof scale === 'number' ? Array(dim).fill(scale) : [...scale];
  } else {
    throw new TypeError('interpolate: either size or scaleFactor should be defined');
  }
  let recompute = o.recomputeScaleFactor ?? null;
  if (recompute && size !== null) throw new TypeError('interpolate: recomputeScaleFactor is not meaningful with an explicit size');
  if (mode === 'area' && outputSize === null) recompute = true;
  if (recompute) {
    outputSize = scaleFactors!.map((s, i) => Math.floor(input.shape[i + 2]! * s));
    scaleFactors = null;
  }
  const antialias = o.antialias ?? false;
  if (antialias && !((mode === 'bilinear' || mode === 'bicubic') && input.ndim === 4)) {
    throw new TypeError('interpolate: antialias is only supported for bilinear and bicubic modes on 4-d input');
  }
  const need = SPATIAL_MODES[mode];
  if (need !== undefined && need !== dim) {
    throw new RangeError(`interpolate: mode '${mode}' needs a ${need + 2}-d input, got shape [${input.shape.join()}]`);
  }
  const h = input._h;
  switch (mode) {
    case 'nearest': return new Tensor([O.nearest1d, O.nearest2d, O.nearest3d][dim - 1]!(h, outputSize, scaleFactors));
    case 'nearest-exact': return new Tensor([O.nearestExact1d, O.nearestExact2d, O.nearestExact3d][dim - 1]!(h, outputSize, scaleFactors));
    case 'area':
      if (dim === 1) return adaptiveAvgPool1d(input, outputSize![0]!);
      if (dim === 2) return adaptiveAvgPool2d(input, outputSize!);
      return new Tensor(O.adaptiveAvg3d(h, outputSize));
    case 'linear': return new Tensor(O.linear1d(h, outputSize, alignCorners, scaleFactors));
    case 'bilinear': return new Tensor((antialias ? O.bilinear2dAA : O.bilinear2d)(h, outputSize, alignCorners, scaleFactors));
    case 'bicubic': return new Tensor((antialias ? O.bicubic2dAA : O.bicubic2d)(h, outputSize, alignCorners, scaleFactors));
    case 'trilinear': return new Tensor(O.trilinear3d(h, outputSize, alignCorners, scaleFactors));
  }
});
