// Sampling functions of torch.nn.functional (torch/nn/functional.py's vision part): grid_sample, unfold (im2col)
// and fold (col2im).
import { Tensor } from '../../tensor.js';
import { op } from '../../native/ops.js';
import { defn } from '../../args.js';

const O = { gridSampler: op('aten::grid_sampler'), im2col: op('aten::im2col'), col2im: op('aten::col2im') };

export interface GridSampleOptions {
  /** 'bilinear' (default), 'nearest' or 'bicubic'. */
  mode?: 'bilinear' | 'nearest' | 'bicubic';
  /** Values outside the input: 'zeros' (default), 'border' or 'reflection'. */
  paddingMode?: 'zeros' | 'border' | 'reflection';
  /** Whether -1 and 1 are the centres of the corner pixels (true) or their outer edges (false, the default). */
  alignCorners?: boolean;
}

const MODES = { bilinear: 0, nearest: 1, bicubic: 2 } as const;
const PADDING = { zeros: 0, border: 1, reflection: 2 } as const;

/**
 * Samples `input` [N, C, H, W] (or [N, C, D, H, W]) at the normalised locations of `grid` [N, H', W', 2]
 * ([N, D', H', W', 3]): x then y (then z) in [-1, 1].
 */
function gridSampleImpl(input: Tensor, grid: Tensor, o: GridSampleOptions = {}): Tensor {
  const mode = o.mode ?? 'bilinear';
  const padding = o.paddingMode ?? 'zeros';
  if (!(mode in MODES)) throw new TypeError(`gridSample: mode must be 'bilinear', 'nearest' or 'bicubic', got '${mode}'`);
  if (!(padding in PADDING)) throw new TypeError(`gridSample: paddingMode must be 'zeros', 'border' or 'reflection', got '${padding}'`);
  if (mode === 'bicubic' && input.ndim !== 4) throw new RangeError(`gridSample: bicubic interpolation only supports 4D input, got shape [${input.shape}]`);
  if (input.ndim !== grid.ndim || (input.ndim !== 4 && input.ndim !== 5) || grid.shape[grid.ndim - 1] !== input.ndim - 2 || grid.shape[0] !== input.shape[0]) {
    throw new RangeError(`gridSample: a ${input.ndim}-d input [${input.shape}] needs a grid [N, ..., ${input.ndim - 2}] with the same N, got [${grid.shape}]`);
  }
  return new Tensor(O.gridSampler(input._h, grid._h, MODES[mode], PADDING[padding], o.alignCorners ?? false));
}

type Pair = number | readonly [number, number];
const pair = (v: Pair): [number, number] => (typeof v === 'number' ? [v, v] : [v[0], v[1]]);

export interface UnfoldOptions {
  dilation?: Pair;
  padding?: Pair;
  stride?: Pair;
}

/** Extracts sliding blocks: [N, C, H, W] -> [N, C * kh * kw, L] (torch.nn.functional.unfold, im2col). */
function unfoldImpl(input: Tensor, kernelSize: Pair, o: UnfoldOptions = {}): Tensor {
  if (input.ndim !== 3 && input.ndim !== 4) throw new RangeError(`unfold: input must be 3-d or 4-d, got shape [${input.shape}]`);
  return new Tensor(O.im2col(input._h, pair(kernelSize), pair(o.dilation ?? 1), pair(o.padding ?? 0), pair(o.stride ?? 1)));
}

/** Combines sliding blocks back into [N, C, H, W] (torch.nn.functional.fold, col2im), summing overlaps. */
function foldImpl(input: Tensor, outputSize: Pair, kernelSize: Pair, o: UnfoldOptions = {}): Tensor {
  if (input.ndim !== 2 && input.ndim !== 3) throw new RangeError(`fold: input must be 2-d or 3-d, got shape [${input.shape}]`);
  return new Tensor(O.col2im(input._h, pair(outputSize), pair(kernelSize), pair(o.dilation ?? 1), pair(o.padding ?? 0), pair(o.stride ?? 1)));
}

// PyTorch's parameter order: grid_sample(input, grid, mode, padding_mode, align_corners),
// unfold(input, kernel_size, dilation, padding, stride), fold(input, output_size, kernel_size, dilation, padding, stride).
export const gridSample = defn('gridSample', 'torch.nn.functional.grid_sample', 'input, grid', ['mode', 'paddingMode', 'alignCorners'], gridSampleImpl);
export const unfold = defn('unfold', 'torch.nn.functional.unfold', 'input, kernelSize', ['dilation', 'padding', 'stride'], unfoldImpl);
export const fold = defn('fold', 'torch.nn.functional.fold', 'input, outputSize, kernelSize', ['dilation', 'padding', 'stride'], foldImpl);
