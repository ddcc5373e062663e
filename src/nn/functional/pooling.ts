// Pooling functions of torch.nn.functional. A stride left out (or null) equals the kernel size, as in PyTorch.
import { Tensor } from '../../tensor.js';
import { op } from '../../native/ops.js';
import { api, defn, withArgs, type PyRest } from '../../args.js';

const O = {
  maxPool1d: op('aten::max_pool1d'), maxPool1dIdx: op('aten::max_pool1d_with_indices'),
  maxPool2d: op('aten::max_pool2d'), maxPool2dIdx: op('aten::max_pool2d_with_indices'),
  maxPool3d: op('aten::max_pool3d'), maxPool3dIdx: op('aten::max_pool3d_with_indices'),
  avgPool1d: op('aten::avg_pool1d'), avgPool2d: op('aten::avg_pool2d'),
  adaptiveAvg1d: op('aten::adaptive_avg_pool1d'), adaptiveAvg2d: op('aten::adaptive_avg_pool2d'),
  adaptiveMax1d: op('aten::adaptive_max_pool1d'), adaptiveMax2d: op('aten::adaptive_max_pool2d'),
  avgPool3d: op('aten::avg_pool3d'), adaptiveAvg3d: op('aten::adaptive_avg_pool3d'),
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
    throw new RangeError(`${fn}: expected a ${spatial + 1}-d (unbatched) or ${spatial + 2}-d (batched) input, got shape [${input.shape.join()}]`);
  }
}

const strideArg = (s: Size | null | undefined): Size => (s === undefined || s === null ? [] : s);

/**
 * max_pool1d/2d/3d: PyTorch's order `(input, kernelSize, stride, padding, dilation, ceilMode, returnIndices)` or an
 * options object after kernelSize; with returnIndices, `[output, indices]`.
 */
export interface MaxPoolFn {
  (input: Tensor, kernelSize: Size, stride: Size | null | undefined, padding: Size | undefined, dilation: Size | undefined, ceilMode: boolean | undefined, returnIndices: true): [Tensor, Tensor];
  (input: Tensor, kernelSize: Size, o: MaxPoolOptions & { returnIndices: true }): [Tensor, Tensor];
  (input: Tensor, kernelSize: Size, ...rest: PyRest<MaxPoolOptions & { returnIndices?: false }, ['stride', 'padding', 'dilation', 'ceilMode', 'returnIndices']>): Tensor;
  (input: Tensor, kernelSize: Size, o: MaxPoolOptions): Tensor | [Tensor, Tensor];
  // returnIndices known only at run time (a boolean variable), as the options form allows
  (input: Tensor, kernelSize: Size, stride: Size | null | undefined, padding: Size | undefined, dilation: Size | undefined, ceilMode: boolean | undefined, returnIndices: boolean | undefined): Tensor | [Tensor, Tensor];
}
const MAX_POOL = 'input, kernelSize; stride, padding, dilation, ceilMode, returnIndices';

export const maxPool2d = api<MaxPoolFn>('maxPool2d', 'torch.nn.functional.max_pool2d', MAX_POOL, (input: Tensor, kernelSize: Size, o: MaxPoolOptions = {}): Tensor | [Tensor, Tensor] => {
  checkDims('maxPool2d', input, 2);
  const args = [input._h, kernelSize, strideArg(o.stride), o.padding ?? 0, o.dilation ?? 1, o.ceilMode ?? false];
  if (o.returnIndices) {
    const [v, i] = O.maxPool2dIdx(...args);
    return [new Tensor(v), new Tensor(i)];
  }
  return new Tensor(O.maxPool2d(...args));
});

export const maxPool3d = api<MaxPoolFn>('maxPool3d', 'torch.nn.functional.max_pool3d', MAX_POOL, (input: Tensor, kernelSize: Size, o: MaxPoolOptions = {}): Tensor | [Tensor, Tensor] => {
  checkDims('maxPool3d', input, 3);
  const args = [input._h, kernelSize, strideArg(o.stride), o.padding ?? 0, o.dilation ?? 1, o.ceilMode ?? false];
  if (o.returnIndices) {
    const [v, i] = O.maxPool3dIdx(...args);
    return [new Tensor(v), new Tensor(i)];
  }
  return new Tensor(O.maxPool3d(...args));
});

export const maxPool1d = api<MaxPoolFn>('maxPool1d', 'torch.nn.functional.max_pool1d', MAX_POOL, (input: Tensor, kernelSize: Size, o: MaxPoolOptions = {}): Tensor | [Tensor, Tensor] => {
  checkDims('maxPool1d', input, 1);
  const args = [input._h, kernelSize, strideArg(o.stride), o.padding ?? 0, o.dilation ?? 1, o.ceilMode ?? false];
  if (o.returnIndices) {
    const [v, i] = O.maxPool1dIdx(...args);
    return [new Tensor(v), new Tensor(i)];
  }
  return new Tensor(O.maxPool1d(...args));
});

export const avgPool2d = defn('avgPool2d', 'torch.nn.functional.avg_pool2d', 'input, kernelSize', ['stride', 'padding', 'ceilMode', 'countIncludePad', 'divisorOverride'], (input: Tensor, kernelSize: Size, o: AvgPoolOptions = {}): Tensor => {
  checkDims('avgPool2d', input, 2);
  return new Tensor(O.avgPool2d(input._h, kernelSize, strideArg(o.stride), o.padding ?? 0, o.ceilMode ?? false,
    o.countIncludePad ?? true, o.divisorOverride ?? null));
});

export const avgPool1d = defn('avgPool1d', 'torch.nn.functional.avg_pool1d', 'input, kernelSize', ['stride', 'padding', 'ceilMode', 'countIncludePad'], (input: Tensor, kernelSize: Size, o: Omit<AvgPoolOptions, 'divisorOverride'> = {}): Tensor => {
  checkDims('avgPool1d', input, 1);
  return new Tensor(O.avgPool1d(input._h, kernelSize, strideArg(o.stride), o.padding ?? 0, o.ceilMode ?? false,
    o.countIncludePad ?? true));
});

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

export const adaptiveAvgPool2d = withArgs('adaptiveAvgPool2d', 'torch.nn.functional.adaptive_avg_pool2d', 'input, outputSize', (input: Tensor, outputSize: AdaptiveSize): Tensor => {
  checkDims('adaptiveAvgPool2d', input, 2);
  return new Tensor(O.adaptiveAvg2d(input._h, adaptiveSize('adaptiveAvgPool2d', outputSize, input, 2)));
});

export const adaptiveAvgPool1d = withArgs('adaptiveAvgPool1d', 'torch.nn.functional.adaptive_avg_pool1d', 'input, outputSize', (input: Tensor, outputSize: number): Tensor => {
  checkDims('adaptiveAvgPool1d', input, 1);
  return new Tensor(O.adaptiveAvg1d(input._h, [outputSize]));
});

export interface AdaptiveMaxPoolFn<S> {
  (input: Tensor, outputSize: S, returnIndices: true): [Tensor, Tensor];
  (input: Tensor, outputSize: S, o: { returnIndices: true }): [Tensor, Tensor];
  (input: Tensor, outputSize: S, returnIndices?: false | { returnIndices?: false }): Tensor;
}
export const adaptiveMaxPool2d = api<AdaptiveMaxPoolFn<AdaptiveSize>>('adaptiveMaxPool2d', 'torch.nn.functional.adaptive_max_pool2d', 'input, outputSize; returnIndices', (input: Tensor, outputSize: AdaptiveSize, o: { returnIndices?: boolean } = {}): Tensor | [Tensor, Tensor] => {
  checkDims('adaptiveMaxPool2d', input, 2);
  const [v, i] = O.adaptiveMax2d(input._h, adaptiveSize('adaptiveMaxPool2d', outputSize, input, 2));
  return o.returnIndices ? [new Tensor(v), new Tensor(i)] : new Tensor(v);
});

export const adaptiveMaxPool1d = api<AdaptiveMaxPoolFn<number>>('adaptiveMaxPool1d', 'torch.nn.functional.adaptive_max_pool1d', 'input, outputSize; returnIndices', (input: Tensor, outputSize: number, o: { returnIndices?: boolean } = {}): Tensor | [Tensor, Tensor] => {
  checkDims('adaptiveMaxPool1d', input, 1);
  const [v, i] = O.adaptiveMax1d(input._h, [outputSize]);
  return o.returnIndices ? [new Tensor(v), new Tensor(i)] : new Tensor(v);
});

// 3-D pooling (video models: [N, C, T, H, W] or unbatched [C, T, H, W]).

export const avgPool3d = defn('avgPool3d', 'torch.nn.functional.avg_pool3d', 'input, kernelSize', ['stride', 'padding', 'ceilMode', 'countIncludePad', 'divisorOverride'], (input: Tensor, kernelSize: Size, o: AvgPoolOptions = {}): Tensor => {
  checkDims('avgPool3d', input, 3);
  return new Tensor(O.avgPool3d(input._h, kernelSize, strideArg(o.stride), o.padding ?? 0, o.ceilMode ?? false,
    o.countIncludePad ?? true, o.divisorOverride ?? null));
});

export const adaptiveAvgPool3d = withArgs('adaptiveAvgPool3d', 'torch.nn.functional.adaptive_avg_pool3d', 'input, outputSize', (input: Tensor, outputSize: AdaptiveSize): Tensor => {
  checkDims('adaptiveAvgPool3d', input, 3);
  return new Tensor(O.adaptiveAvg3d(input._h, adaptiveSize('adaptiveAvgPool3d', outputSize, input, 3)));
});
