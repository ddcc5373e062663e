// torch.nn.init: the initialisers, with PyTorch's formulas and the same sequence of draws from the default
// generator, so that after the same manualSeed the initialised tensors are bit-identical to PyTorch's.
// Bounds are computed in double precision in the same order of operations as torch/nn/init.py.
import { Tensor } from '../tensor.js';
import { op } from '../native/ops.js';
import { noGrad } from '../autograd/grad-mode.js';
import { empty, scalarTensor } from '../creation.js';
import { api, withArgs, type PyRest } from '../args.js';

const O = {
  erfinv_: op('aten::erfinv_'), erf: op('aten::erf'), qr: op('aten::linalg_qr'), eyeOut: op('aten::eye.m'),
};

export type Nonlinearity = 'linear' | 'conv1d' | 'conv2d' | 'conv3d' | 'conv_transpose1d' | 'conv_transpose2d'
  | 'conv_transpose3d' | 'sigmoid' | 'tanh' | 'relu' | 'leaky_relu' | 'selu';
export type FanMode = 'fan_in' | 'fan_out';

const LINEAR_FNS = ['linear', 'conv1d', 'conv2d', 'conv3d', 'conv_transpose1d', 'conv_transpose2d', 'conv_transpose3d'];

/** The recommended gain for a nonlinearity (`param` is leaky_relu's negative slope, default 0.01). */
function calculateGainImpl(nonlinearity: Nonlinearity, param?: number | null): number {
  if (LINEAR_FNS.includes(nonlinearity) || nonlinearity === 'sigmoid') return 1;
  if (nonlinearity === 'tanh') return 5.0 / 3;
  if (nonlinearity === 'relu') return Math.sqrt(2.0);
  if (nonlinearity === 'leaky_relu') {
    if (param !== undefined && param !== null && typeof param !== 'number') throw new TypeError(`calculateGain: negative_slope ${param} is not a valid number`);
    const slope = param ?? 0.01;
    return Math.sqrt(2.0 / (1 + slope ** 2));
  }
  if (nonlinearity === 'selu') return 3.0 / 4;
  throw new TypeError(`calculateGain: unsupported nonlinearity '${nonlinearity}'`);
}

/** [fan_in, fan_out] of a weight: dimension 1 (resp. 0) times the receptive field size. */
function calculateFanInAndFanOutImpl(tensor: Tensor): [number, number] {
  const s = tensor.shape;
  if (s.length < 2) throw new RangeError(`fan in and fan out can not be computed for a tensor with fewer than 2 dimensions (shape [${s.join()}])`);
  let receptive = 1;
  for (const v of s.slice(2)) receptive *= v;
  return [s[1]! * receptive, s[0]! * receptive];
}

function correctFan(tensor: Tensor, mode: FanMode): number {
  const m = mode.toLowerCase();
  if (m !== 'fan_in' && m !== 'fan_out') throw new TypeError(`init: mode '${mode}' is not supported, use 'fan_in' or 'fan_out'`);
  const [fanIn, fanOut] = calculateFanInAndFanOut(tensor);
  return m === 'fan_in' ? fanIn : fanOut;
}

const inPlace = (fn: () => void): void => noGrad(fn);

function uniform_Impl(tensor: Tensor, a: number | { a?: number; b?: number } = 0, b = 1): Tensor {
  const [lo, hi] = typeof a === 'object' ? [a.a ?? 0, a.b ?? 1] : [a, b];
  inPlace(() => tensor.uniform_(lo, hi));
  return tensor;
}

function normal_Impl(tensor: Tensor, mean: number | { mean?: number; std?: number } = 0, std = 1): Tensor {
  const [m, s] = typeof mean === 'object' ? [mean.mean ?? 0, mean.std ?? 1] : [mean, std];
  inPlace(() => tensor.normal_(m, s));
  return tensor;
}

/** libm's erf, evaluated by libtorch in double precision as Python's math.erf is. */
function erf(x: number): number {
  return new Tensor(O.erf(scalarTensor(x, { dtype: 'float64' })._h)).item();
}

export interface TruncNormalOptions { mean?: number; std?: number; a?: number; b?: number }

/**
 * Normal values truncated to [a, b] by PyTorch's inverse-CDF method: uniform draws in [2l-1, 2u-1], erfinv,
 * scale, shift, clamp.
 */
function truncNormal_Impl(tensor: Tensor, mean: number | TruncNormalOptions = 0, std = 1, a = -2, b = 2): Tensor {
  const o: Required<TruncNormalOptions> = typeof mean === 'object'
    ? { mean: mean.mean ?? 0, std: mean.std ?? 1, a: mean.a ?? -2, b: mean.b ?? 2 }
    : { mean, std, a, b };
  if (o.mean < o.a - 2 * o.std || o.mean > o.b + 2 * o.std) {
    process.emitWarning('mean is more than 2 std from [a, b] in nn.init.truncNormal_. The distribution of values may be incorrect.');
  }
  const normCdf = (x: number): number => (1 + erf(x / Math.sqrt(2))) / 2;
  inPlace(() => {
    const l = normCdf((o.a - o.mean) / o.std);
    const u = normCdf((o.b - o.mean) / o.std);
    tensor.uniform_(2 * l - 1, 2 * u - 1);
    O.erfinv_(tensor._h);
    tensor.mul_(o.std * Math.sqrt(2));
    tensor.add_(o.mean);
    tensor.clamp_(o.a, o.b);
  });
  return tensor;
}

function constant_Impl(tensor: Tensor, val: number): Tensor {
  inPlace(() => tensor.fill_(val));
  return tensor;
}
const onesImpl = (tensor: Tensor): Tensor => constant_(tensor, 1);
function zeros_Impl(tensor: Tensor): Tensor {
  inPlace(() => tensor.zero_());
  return tensor;
}

/** The identity matrix in a 2-d tensor. */
function eye_Impl(tensor: Tensor): Tensor {
  if (tensor.ndim !== 2) throw new RangeError(`eye_: only tensors with 2 dimensions are supported, got shape [${tensor.shape.join()}]`);
  inPlace(() => {
    const [n, m] = tensor.shape;
    tensor.copy_(new Tensor(O.eyeOut(n, m)));
  });
  return tensor;
}

/** The Dirac delta in a 3-, 4- or 5-d convolution weight: the layer passes its input through (per group). */
function dirac_Impl(tensor: Tensor, groups = 1): Tensor {
  const s = tensor.shape;
  if (s.length < 3 || s.length > 5) throw new RangeError(`dirac_: only tensors with 3, 4, or 5 dimensions are supported, got shape [${s.join()}]`);
  if (s[0]! % groups !== 0) throw new RangeError(`dirac_: dim 0 (${s[0]}) must be divisible by groups (${groups})`);
  const outPerGroup = s[0]! / groups;
  const minDim = Math.min(outPerGroup, s[1]!);
  inPlace(() => {
    tensor.zero_();
    const centre = s.slice(2).map((k) => Math.floor(k / 2));
    for (let g = 0; g < groups; g++) {
      for (let d = 0; d < minDim; d++) tensor.indexPut_([g * outPerGroup + d, d, ...centre], 1);
    }
  });
  return tensor;
}

export interface KaimingOptions { a?: number; mode?: FanMode; nonlinearity?: Nonlinearity }

function kaimingUniform_Impl(tensor: Tensor, o: KaimingOptions = {}): Tensor {
  if (tensor.shape.includes(0)) {
    process.emitWarning('Initializing zero-element tensors is a no-op');
    return tensor;
  }
  const fan = correctFan(tensor, o.mode ?? 'fan_in');
  const gain = calculateGain(o.nonlinearity ?? 'leaky_relu', o.a ?? 0);
  const std = gain / Math.sqrt(fan);
  const bound = Math.sqrt(3.0) * std;
  inPlace(() => tensor.uniform_(-bound, bound));
  return tensor;
}

function kaimingNormal_Impl(tensor: Tensor, o: KaimingOptions = {}): Tensor {
  if (tensor.shape.includes(0)) {
    process.emitWarning('Initializing zero-element tensors is a no-op');
    return tensor;
  }
  const fan = correctFan(tensor, o.mode ?? 'fan_in');
  const gain = calculateGain(o.nonlinearity ?? 'leaky_relu', o.a ?? 0);
  const std = gain / Math.sqrt(fan);
  inPlace(() => tensor.normal_(0, std));
  return tensor;
}

function xavierUniform_Impl(tensor: Tensor, gain = 1): Tensor {
  const [fanIn, fanOut] = calculateFanInAndFanOut(tensor);
  const std = gain * Math.sqrt(2.0 / (fanIn + fanOut));
  const a = Math.sqrt(3.0) * std;
  inPlace(() => tensor.uniform_(-a, a));
  return tensor;
}

function xavierNormal_Impl(tensor: Tensor, gain = 1): Tensor {
  const [fanIn, fanOut] = calculateFanInAndFanOut(tensor);
  const std = gain * Math.sqrt(2.0 / (fanIn + fanOut));
  inPlace(() => tensor.normal_(0, std));
  return tensor;
}

/** A (semi-)orthogonal matrix from the QR decomposition of a normal draw, sign-corrected as in PyTorch. */
function orthogonal_Impl(tensor: Tensor, gain = 1): Tensor {
  if (tensor.ndim < 2) throw new RangeError(`orthogonal_: only tensors with 2 or more dimensions are supported, got shape [${tensor.shape.join()}]`);
  if (tensor.numel() === 0) return tensor;
  const rows = tensor.shape[0]!;
  const cols = tensor.numel() / rows;
  inPlace(() => {
    let flat = empty([rows, cols], { dtype: tensor.dtype, device: tensor.device }).normal_(0, 1);
    if (rows < cols) flat = flat.t();
    const [qh, rh] = O.qr(flat._h, 'reduced');
    let q = new Tensor(qh);
    const r = new Tensor(rh);
    q = q.mul(r.diag(0).sign());
    if (rows < cols) q = q.t();
    tensor.viewAs(q).copy_(q);
    tensor.mul_(gain);
  });
  return tensor;
}

// PyTorch's parameter orders (src/args.ts): kaiming_uniform_(w, math.sqrt(5)) is a = sqrt(5), as in PyTorch, and an
// argument the function cannot use is a TypeError naming it
type Kaiming = (tensor: Tensor, ...rest: PyRest<KaimingOptions, ['a', 'mode', 'nonlinearity']>) => Tensor;
export const calculateGain = withArgs('calculateGain', 'torch.nn.init.calculate_gain', 'nonlinearity, param?', calculateGainImpl);
export const calculateFanInAndFanOut = withArgs('calculateFanInAndFanOut', 'torch.nn.init._calculate_fan_in_and_fan_out', 'tensor', calculateFanInAndFanOutImpl);
export const uniform_ = withArgs('uniform_', 'torch.nn.init.uniform_', 'tensor, a?, b?', uniform_Impl);
export const normal_ = withArgs('normal_', 'torch.nn.init.normal_', 'tensor, mean?, std?', normal_Impl);
export const truncNormal_ = withArgs('truncNormal_', 'torch.nn.init.trunc_normal_', 'tensor, mean?, std?, a?, b?', truncNormal_Impl);
export const constant_ = withArgs('constant_', 'torch.nn.init.constant_', 'tensor, val', constant_Impl);
export const ones_ = withArgs('ones_', 'torch.nn.init.ones_', 'tensor', onesImpl);
export const zeros_ = withArgs('zeros_', 'torch.nn.init.zeros_', 'tensor', zeros_Impl);
export const eye_ = withArgs('eye_', 'torch.nn.init.eye_', 'tensor', eye_Impl);
export const dirac_ = withArgs('dirac_', 'torch.nn.init.dirac_', 'tensor, groups?', dirac_Impl);
export const kaimingUniform_ = api<Kaiming>('kaimingUniform_', 'torch.nn.init.kaiming_uniform_', 'tensor; a, mode, nonlinearity', kaimingUniform_Impl);
export const kaimingNormal_ = api<Kaiming>('kaimingNormal_', 'torch.nn.init.kaiming_normal_', 'tensor; a, mode, nonlinearity', kaimingNormal_Impl);
export const xavierUniform_ = withArgs('xavierUniform_', 'torch.nn.init.xavier_uniform_', 'tensor, gain?', xavierUniform_Impl);
export const xavierNormal_ = withArgs('xavierNormal_', 'torch.nn.init.xavier_normal_', 'tensor, gain?', xavierNormal_Impl);
export const orthogonal_ = withArgs('orthogonal_', 'torch.nn.init.orthogonal_', 'tensor, gain?', orthogonal_Impl);
