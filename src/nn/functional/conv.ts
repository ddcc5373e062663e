// Convolutions of torch.nn.functional (1d, 2d and 3d, and the 1d and 2d transposes), on ATen's convolution operators.
import { api, type PyRest } from '../../args.js';
import { Tensor } from '../../tensor.js';
import { op } from '../../native/ops.js';

const O = {
  conv1d: op('aten::conv1d'), conv1dPad: op('aten::conv1d.padding'),
  conv2d: op('aten::conv2d'), conv2dPad: op('aten::conv2d.padding'),
  conv3d: op('aten::conv3d'), conv3dPad: op('aten::conv3d.padding'),
  convT1d: op('aten::conv_transpose1d'), convT2d: op('aten::conv_transpose2d.input'),
};

type Size = number | readonly number[];
export type ConvPadding = Size | 'same' | 'valid';

export interface ConvOptions {
  stride?: Size;
  padding?: ConvPadding;
  dilation?: Size;
  groups?: number;
}

/** A convolution: PyTorch's positional order after (input, weight, bias), or options (bias among them). */
export interface ConvFn<O> {
  (input: Tensor, weight: Tensor, bias?: Tensor | null, ...rest: PyRest<O, ConvKeys<O>>): Tensor;
  (input: Tensor, weight: Tensor, o: O & { bias?: Tensor | null }): Tensor;
}
type ConvKeys<O> = O extends ConvTransposeOptions ? ['stride', 'padding', 'outputPadding', 'groups', 'dilation'] & (keyof O)[]
  : ['stride', 'padding', 'dilation', 'groups'] & (keyof O)[];

export interface ConvTransposeOptions {
  stride?: Size;
  padding?: Size;
  outputPadding?: Size;
  groups?: number;
  dilation?: Size;
}

function checkInput(fn: string, input: Tensor, weight: Tensor, spatial: number, groups: number): void {
  const nd = input.ndim;
  if (nd !== spatial + 1 && nd !== spatial + 2) {
    throw new RangeError(`${fn}: expected a ${spatial + 1}-d (unbatched) or ${spatial + 2}-d (batched) input, got shape [${input.shape.join()}]`);
  }
  const c = input.shape[nd - spatial - 1]!;
  if (weight.ndim !== spatial + 2) throw new RangeError(`${fn}: weight must be ${spatial + 2}-d, got shape [${weight.shape.join()}]`);
  if (fn.includes('Transpose')) {
    if (c !== weight.shape[0]) throw new RangeError(`${fn}: input has ${c} channels but weight of shape [${weight.shape.join()}] expects ${weight.shape[0]}`);
  } else if (c !== weight.shape[1]! * groups) {
    throw new RangeError(`${fn}: input of shape [${input.shape.join()}] has ${c} channels, but weight of shape [${weight.shape.join()}] with groups=${groups} expects ${weight.shape[1]! * groups}`);
  }
}

function conv(fn: string, spatial: number, plain: (...a: unknown[]) => any, padded: (...a: unknown[]) => any,
  input: Tensor, weight: Tensor, bias: Tensor | null | undefined, o: ConvOptions): Tensor {
  const groups = o.groups ?? 1;
  const b = bias ? bias._h : null;
  const p = o.padding ?? 0;
  if (typeof p === 'string' && p !== 'same' && p !== 'valid') throw new TypeError(`${fn}: padding must be a number, a list, 'same' or 'valid', got '${p}'`);
  try {
    if (typeof p === 'string') return new Tensor(padded(input._h, weight._h, b, o.stride ?? 1, p, o.dilation ?? 1, groups));
    return new Tensor(plain(input._h, weight._h, b, o.stride ?? 1, p, o.dilation ?? 1, groups));
  } catch (e) {
    // libtorch checks the dimensions and channels itself (check_shape_forward); the shapes are read only when it
    // refuses, for a message that names both: a network calls its convolutions dozens of times a pass.
    checkInput(fn, input, weight, spatial, groups);
    throw e;
  }
}

export const conv1d = api<ConvFn<ConvOptions>>('conv1d', 'torch.nn.functional.conv1d', 'input, weight, bias?; stride, padding, dilation, groups', (input: Tensor, weight: Tensor, bias?: Tensor | null, o: ConvOptions = {}): Tensor => {
  return conv('conv1d', 1, O.conv1d, O.conv1dPad, input, weight, bias, o);
});

export const conv2d = api<ConvFn<ConvOptions>>('conv2d', 'torch.nn.functional.conv2d', 'input, weight, bias?; stride, padding, dilation, groups', (input: Tensor, weight: Tensor, bias?: Tensor | null, o: ConvOptions = {}): Tensor => {
  return conv('conv2d', 2, O.conv2d, O.conv2dPad, input, weight, bias, o);
});

export const conv3d = api<ConvFn<ConvOptions>>('conv3d', 'torch.nn.functional.conv3d', 'input, weight, bias?; stride, padding, dilation, groups', (input: Tensor, weight: Tensor, bias?: Tensor | null, o: ConvOptions = {}): Tensor => {
  return conv('conv3d', 3, O.conv3d, O.conv3dPad, input, weight, bias, o);
});

function convT(fn: string, spatial: number, f: (...a: unknown[]) => any, input: Tensor, weight: Tensor,
  bias: Tensor | null | undefined, o: ConvTransposeOptions): Tensor {
  const groups = o.groups ?? 1;
  checkInput(fn, input, weight, spatial, groups);
  return new Tensor(f(input._h, weight._h, bias ? bias._h : null, o.stride ?? 1, o.padding ?? 0, o.outputPadding ?? 0,
    groups, o.dilation ?? 1));
}

export const convTranspose1d = api<ConvFn<ConvTransposeOptions>>('convTranspose1d', 'torch.nn.functional.conv_transpose1d', 'input, weight, bias?; stride, padding, outputPadding, groups, dilation', (input: Tensor, weight: Tensor, bias?: Tensor | null, o: ConvTransposeOptions = {}): Tensor => {
  return convT('convTranspose1d', 1, O.convT1d, input, weight, bias, o);
});

export const convTranspose2d = api<ConvFn<ConvTransposeOptions>>('convTranspose2d', 'torch.nn.functional.conv_transpose2d', 'input, weight, bias?; stride, padding, outputPadding, groups, dilation', (input: Tensor, weight: Tensor, bias?: Tensor | null, o: ConvTransposeOptions = {}): Tensor => {
  return convT('convTranspose2d', 2, O.convT2d, input, weight, bias, o);
});
