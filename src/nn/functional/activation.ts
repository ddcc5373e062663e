// Activation functions of torch.nn.functional. With `inplace`, the input tensor is modified and returned.
import { Tensor } from '../../tensor.js';
import { op } from '../../native/ops.js';
import { dtypeCode, type DTypeLike } from '../../dtype.js';
import { defn, withArgs } from '../../args.js';

const O = {
  relu: op('aten::relu'), relu_: op('aten::relu_'), relu6: op('aten::relu6'), relu6_: op('aten::relu6_'),
  hardtanh: op('aten::hardtanh'), hardtanh_: op('aten::hardtanh_'),
  silu: op('aten::silu'), silu_: op('aten::silu_'), hardswish: op('aten::hardswish'), hardswish_: op('aten::hardswish_'),
  hardsigmoid: op('aten::hardsigmoid'), hardsigmoid_: op('aten::hardsigmoid_'),
  sigmoid: op('aten::sigmoid'), tanh: op('aten::tanh'), gelu: op('aten::gelu'),
  elu: op('aten::elu'), elu_: op('aten::elu_'), leakyRelu: op('aten::leaky_relu'), leakyRelu_: op('aten::leaky_relu_'),
  softmax: op('aten::softmax.int'), logSoftmax: op('aten::log_softmax.int'),
  mish: op('aten::mish'), mish_: op('aten::mish_'), softplus: op('aten::softplus'), prelu: op('aten::prelu'),
};

export interface InplaceOptions { inplace?: boolean }

function unary(input: Tensor, inplace: boolean | undefined, fn: (h: unknown) => any, fn_: (h: unknown) => any): Tensor {
  if (inplace) {
    fn_(input._h);
    return input;
  }
  return new Tensor(fn(input._h));
}

export const relu = defn('relu', 'torch.nn.functional.relu', 'input', ['inplace'], (input: Tensor, o: InplaceOptions = {}): Tensor => unary(input, o.inplace, O.relu, O.relu_));
export const relu_ = withArgs('relu_', 'torch.nn.functional.relu_', 'input', (input: Tensor): Tensor => relu(input, { inplace: true }));
export const relu6 = defn('relu6', 'torch.nn.functional.relu6', 'input', ['inplace'], (input: Tensor, o: InplaceOptions = {}): Tensor => unary(input, o.inplace, O.relu6, O.relu6_));
export const silu = defn('silu', 'torch.nn.functional.silu', 'input', ['inplace'], (input: Tensor, o: InplaceOptions = {}): Tensor => unary(input, o.inplace, O.silu, O.silu_));
export const hardswish = defn('hardswish', 'torch.nn.functional.hardswish', 'input', ['inplace'], (input: Tensor, o: InplaceOptions = {}): Tensor => unary(input, o.inplace, O.hardswish, O.hardswish_));
export const hardsigmoid = defn('hardsigmoid', 'torch.nn.functional.hardsigmoid', 'input', ['inplace'], (input: Tensor, o: InplaceOptions = {}): Tensor => unary(input, o.inplace, O.hardsigmoid, O.hardsigmoid_));
export const mish = defn('mish', 'torch.nn.functional.mish', 'input', ['inplace'], (input: Tensor, o: InplaceOptions = {}): Tensor => unary(input, o.inplace, O.mish, O.mish_));
export const sigmoid = withArgs('sigmoid', 'torch.nn.functional.sigmoid', 'input', (input: Tensor): Tensor => new Tensor(O.sigmoid(input._h)));
export const tanh = withArgs('tanh', 'torch.nn.functional.tanh', 'input', (input: Tensor): Tensor => new Tensor(O.tanh(input._h)));

export const hardtanh = defn('hardtanh', 'torch.nn.functional.hardtanh', 'input', ['minVal', 'maxVal', 'inplace'], (input: Tensor, o: { minVal?: number; maxVal?: number; inplace?: boolean } = {}): Tensor => {
  const lo = o.minVal ?? -1;
  const hi = o.maxVal ?? 1;
  return unary(input, o.inplace, (h) => O.hardtanh(h, lo, hi), (h) => O.hardtanh_(h, lo, hi));
});

export const gelu = defn('gelu', 'torch.nn.functional.gelu', 'input', ['approximate'], (input: Tensor, o: { approximate?: 'none' | 'tanh' } = {}): Tensor => {
  const approximate = o.approximate ?? 'none';
  if (approximate !== 'none' && approximate !== 'tanh') throw new TypeError(`gelu: approximate must be 'none' or 'tanh', got '${approximate}'`);
  return new Tensor(O.gelu(input._h, approximate));
});

export const elu = defn('elu', 'torch.nn.functional.elu', 'input', ['alpha', 'inplace'], (input: Tensor, o: { alpha?: number; inplace?: boolean } = {}): Tensor => {
  const alpha = o.alpha ?? 1.0;
  return unary(input, o.inplace, (h) => O.elu(h, alpha), (h) => O.elu_(h, alpha));
});

export const leakyRelu = defn('leakyRelu', 'torch.nn.functional.leaky_relu', 'input', ['negativeSlope', 'inplace'], (input: Tensor, o: { negativeSlope?: number; inplace?: boolean } = {}): Tensor => {
  const slope = o.negativeSlope ?? 0.01;
  return unary(input, o.inplace, (h) => O.leakyRelu(h, slope), (h) => O.leakyRelu_(h, slope));
});

export const softplus = defn('softplus', 'torch.nn.functional.softplus', 'input', ['beta', 'threshold'], (input: Tensor, o: { beta?: number; threshold?: number } = {}): Tensor => {
  return new Tensor(O.softplus(input._h, o.beta ?? 1, o.threshold ?? 20));
});

export const prelu = withArgs('prelu', 'torch.nn.functional.prelu', 'input, weight', (input: Tensor, weight: Tensor): Tensor => {
  return new Tensor(O.prelu(input._h, weight._h));
});

function softmaxDim(dim: number | undefined, fn: string): number {
  if (dim === undefined || !Number.isInteger(dim)) throw new TypeError(`${fn}: dim must be an integer, got ${dim}`);
  return dim;
}

export const softmax = defn('softmax', 'torch.nn.functional.softmax', 'input, dim', [], (input: Tensor, dim: number, o: { dtype?: DTypeLike } = {}): Tensor => {
  return new Tensor(O.softmax(input._h, softmaxDim(dim, 'softmax'), o.dtype === undefined ? null : dtypeCode(o.dtype)));
}, ['dtype']);

export const logSoftmax = defn('logSoftmax', 'torch.nn.functional.log_softmax', 'input, dim', [], (input: Tensor, dim: number, o: { dtype?: DTypeLike } = {}): Tensor => {
  return new Tensor(O.logSoftmax(input._h, softmaxDim(dim, 'logSoftmax'), o.dtype === undefined ? null : dtypeCode(o.dtype)));
}, ['dtype']);
