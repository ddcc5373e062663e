// Pooling functions of torch.nn.functional. A stride left out (or null) equals the kernel size, as in PyTorch.
import { Tensor } from '../../tensor.js';
import { op } from '../../native/ops.js';

const O = {
  maxPool1d: op('aten::max_pool1d'), maxPool1dIdx: op('aten::max_pool1d_with_indices'),
  maxPool2d: op('aten::max_pool2d'), maxPool2dIdx: op('aten::max_pool2d_with_indices'),
  avgPool1d: op('aten::avg_pool1d'), avgPool2d: op('aten::avg_pool2d'),
  adaptiveAvg1d: op('aten::adaptive_avg_pool1d'), adaptiveAvg2d: op('aten::adaptive_avg_pool2d'),
  adaptiveMax1d: op('aten::adaptive_max_pool1d'), adaptiveMax2d: op('aten::adaptive_max_pool2d'),
  maxPool3d: op('aten::max_pool3d'), maxPool3dIdx: op('aten::max_pool3d_with_indices'), avgPool3d: op('aten::avg_pool3d'),
  adaptiveAvg3d: op('aten::adaptive_avg_pool3d'),
};

type Size = number | readonly number[];
/** An adaptive pool's output size: null keeps that dimension's input size. */
export type AdaptiveSize = number | null | readonly (number | null)[];

export interface MaxPoolOptions {
  stride?: Size | null;
  padding?: Size;
  dilation?: Size;
  ceilMode?: boolean;
  returnIndices?: boolean;
}

export interface AvgPoolOptions {
  stride?: Size | null;
  padding?: Size;
  ceilMode?: boolean;
  countIncludePad?: boolean;
  divisorOverride?: number | null;
}

function checkDims(fn: string, input: Tensor, spatial: number): void {
  if (input.ndim !== spatial + 1 && input.ndim !== spatial + 2) {
    throw new RangeError(`${fn}: expected a ${spatial + 1}-d (unbatched) or ${spatial + 2}-d (batched) input, got shape [${input.shape}]`);
  }
}

const strideArg = (s: Size | null | undefined): Size => (s === undefined || s === null ? [] : s);

export function maxPool2d(input: Tensor, kernelSize: Size, o: MaxPoolOptions & { returnIndices: true }): [Tensor, Tensor];
export function maxPool2d(input: Tensor, kernelSize: Size, o?: MaxPoolOptions): Tensor;
export function maxPool2d(input: Tensor, kernelSize: Size, o: MaxPoolOptions = {}): Tensor | [Tensor, Tensor] {
  checkDims('maxPool2d', input, 2);
  const args = [input._h, kernelSize, strideArg(o.stride), o.padding ?? 0, o.dilation ?? 1, o.ceilMode ?? false];
  if (o.returnIndices) {
    const [v, i] = O.maxPool2dIdx(...args);
    return [new Tensor(v), new Tensor(i)];
  }
  return new Tensor(O.maxPool2d(...args));
}

export function maxPool1d(input: Tensor, kernelSize: Size, o: MaxPoolOptions & { returnIndices: true }): [Tensor, Tensor];
export function maxPool1d(input: Tensor, kernelSize: Size, o?: MaxPoolOptions): Tensor;
export function maxPool1d(input: Tensor, kernelSize: Size, o: MaxPoolOptions = {}): Tensor | [Tensor, Tensor] {
  checkDims('maxPool1d', input, 1);
  const args = [input._h, kernelSize, strideArg(o.stride), o.padding ?? 0, o.dilation ?? 1, o.ceilMode ?? false];
  if (o.returnIndices) {
    const [v, i] = O.maxPool1dIdx(...args);
    return [new Tensor(v), new Tensor(i)];
  }
  return new Tensor(O.maxPool1d(...args));
}

export function avgPool2d(input: Tensor, kernelSize: Size, o: AvgPoolOptions = {}): Tensor {
  checkDims('avgPool2d', input, 2);
  return new Tensor(O.avgPool2d(input._h, kernelSize, strideArg(o.stride), o.padding ?? 0, o.ceilMode ?? false,
    o.countIncludePad ?? true, o.divisorOverride ?? null));
}

export function avgPool1d(input: Tensor, kernelSize: Size, o: Omit<AvgPoolOptions, 'divisorOverride'> = {}): Tensor {
  checkDims('avgPool1d', input, 1);
  return new Tensor(O.avgPool1d(input._h, kernelSize, strideArg(o.stride), o.padding ?? 0, o.ceilMode ?? false,
    o.countIncludePad ?? true));
}

/** The output size with null entries replaced by the input's own size (PyTorch's _list_with_default). */
function adaptiveSize(fn: string, size: AdaptiveSize, input: Tensor, spatial: number): number[] {
  const list = size !== null && typeof size === 'object' ? [...size] : Array(spatial).fill(size);
  if (list.length !== spatial) throw new RangeError(`${fn}: outputSize must have ${spatial} entries, got [${list}]`);
  const s = input.shape;
  return list.map((v, i) => {
    if (v === null) return s[s.length - spatial + i]!;
    if (!Number.isInteger(v) || v < 0) throw new RangeError(`${fn}: outputSize entries must be non-negative integers or null, got ${v}`);
    return v as number;
  });
}

export function adaptiveAvgPool2d(input: Tensor, outputSize: AdaptiveSize): Tensor {
  checkDims('adaptiveAvgPool2d', input, 2);
  return new Tensor(O.adaptiveAvg2d(input._h, adaptiveSize('adaptiveAvgPool2d', outputSize, input, 2)));
}

export function adaptiveAvgPool1d(input: Tensor, outputSize: number): Tensor {
  checkDims('adaptiveAvgPool1d', input, 1);
  return new Tensor(O.adaptiveAvg1d(input._h, [outputSize]));
}

export function adaptiveMaxPool2d(input: Tensor, outputSize: AdaptiveSize, o: { returnIndices: true }): [Tensor, Tensor];
export function adaptiveMaxPool2d(input: Tensor, outputSize: AdaptiveSize, o?: { returnIndices?: boolean }): Tensor;
export function adaptiveMaxPool2d(input: Tensor, outputSize: AdaptiveSize, o: { returnIndices?: boolean } = {}): Tensor | [Tensor, Tensor] {
  checkDims('adaptiveMaxPool2d', input, 2);
  const [v, i] = O.adaptiveMax2d(input._h, adaptiveSize('adaptiveMaxPool2d', outputSize, input, 2));
  return o.returnIndices ? [new Tensor(v), new Tensor(i)] : new Tensor(v);
}

export function adaptiveMaxPool1d(input: Tensor, outputSize: number, o: { returnIndices: true }): [Tensor, Tensor];
export function adaptiveMaxPool1d(input: Tensor, outputSize: number, o?: { returnIndices?: boolean }): Tensor;
export function adaptiveMaxPool1d(input: Tensor, outputSize: number, o: { returnIndices?: boolean } = {}): Tensor | [Tensor, Tensor] {
  checkDims('adaptiveMaxPool1d', input, 1);
  const [v, i] = O.adaptiveMax1d(input._h, [outputSize]);
  return o.returnIndices ? [new Tensor(v), new Tensor(i)] : new Tensor(v);
}

// 3-D pooling (video models: [N, C, T, H, W] or unbatched [C, T, H, W]).

export function maxPool3d(input: Tensor, kernelSize: Size, o: MaxPoolOptions & { returnIndices: true }): [Tensor, Tensor];
export function maxPool3d(input: Tensor, kernelSize: Size, o?: MaxPoolOptions): Tensor;
export function maxPool3d(input: Tensor, kernelSize: Size, o: MaxPoolOptions = {}): Tensor | [Tensor, Tensor] {
  checkDims('maxPool3d', input, 3);
  const args = [input._h, kernelSize, strideArg(o.stride), o.padding ?? 0, o.dilation ?? 1, o.ceilMode ?? false];
  if (o.returnIndices) {
    const [v, i] = O.maxPool3dIdx(...args);
    return [new Tensor(v), new Tensor(i)];
  }
  return new Tensor(O.maxPool3d(...args));
}

export function avgPool3d(input: Tensor, kernelSize: Size, o: AvgPoolOptions = {}): Tensor {
  checkDims('avgPool3d', input, 3);
  return new Tensor(O.avgPool3d(input._h, kernelSize, strideArg(o.stride), o.padding ?? 0, o.ceilMode ?? false,
    o.countIncludePad ?? true, o.divisorOverride ?? null));
}

export function adaptiveAvgPool3d(input: Tensor, outputSize: AdaptiveSize): Tensor {
  checkDims('adaptiveAvgPool3d', input, 3);
  return new Tensor(O.adaptiveAvg3d(input._h, adaptiveSize('adaptiveAvgPool3d', outputSize, input, 3)));
}
