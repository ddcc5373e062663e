// torch.nn.init: the initialisers, with PyTorch's formulas and the same sequence of draws from the default
// generator, so that after the same manualSeed the initialised tensors are bit-identical to PyTorch's.
// Bounds are computed in double precision in the same order of operations as torch/nn/init.py.
import { Tensor } from '../tensor.js';
import { op } from '../native/ops.js';
import { noGrad } from '../autograd/grad-mode.js';
import { empty, scalarTensor } from '../creation.js';

const O = {
  erfinv_: op('aten::erfinv_'), erf: op('aten::erf'), qr: op('aten::linalg_qr'), eyeOut: op('aten::eye.m'),
};

export type Nonlinearity = 'linear' | 'conv1d' | 'conv2d' | 'conv3d' | 'conv_transpose1d' | 'conv_transpose2d'
  | 'conv_transpose3d' | 'sigmoid' | 'tanh' | 'relu' | 'leaky_relu' | 'selu';
export type FanMode = 'fan_in' | 'fan_out';

const LINEAR_FNS = ['linear', 'conv1d', 'conv2d', 'conv3d', 'conv_transpose1d', 'conv_transpose2d', 'conv_transpose3d'];

/** The recommended gain for a nonlinearity (`param` is leaky_relu's negative slope, default 0.01). */
export function calculateGain(nonlinearity: Nonlinearity, param?: number | null): number {
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
export function calculateFanInAndFanOut(tensor: Tensor): [number, number] {
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

export function uniform_(tensor: Tensor, a: number | { a?: number; b?: number } = 0, b = 1): Tensor {
  const [lo, hi] = typeof a === 'object' ? [a.a ?? 0, a.b ?? 1] : [a, b];
  inPlace(() => tensor.uniform_(lo, hi));
  return tensor;
}

export function normal_(tensor: Tensor, mean: number | { mean?: number; std?: number } = 0, std = 1): Tensor {
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
export function truncNormal_(tensor: Tensor, mean: number | TruncNormalOptions = 0, std = 1, a = -2, b = 2): Tensor {
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

export function constant_(tensor: Tensor, val: number): Tensor {
  inPlace(() => tensor.fill_(val));
  return tensor;
}
export const ones_ = (tensor: Tensor): Tensor => constant_(tensor, 1);
export function zeros_(tensor: Tensor): Tensor {
  inPlace(() => tensor.zero_());
  return tensor;
}

/** The identity matrix in a 2-d tensor. */
export function eye_(tensor: Tensor): Tensor {
  if (tensor.ndim !== 2) throw new RangeError(`eye_: only tensors with 2 dimensions are supported, got shape [${tensor.shape.join()}]`);
  inPlace(() => {
    const [n, m] = tensor.shape;
    tensor.copy_(new Tensor(O.eyeOut(n, m)));
  });
  return tensor;
}

/** The Dirac delta in a 3-, 4- or 5-d convolution weight: the layer passes its input through (per group). */
export function dirac_(tensor: Tensor, groups = 1): Tensor {
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

export function kaimingUniform_(tensor: Tensor, o: KaimingOptions = {}): Tensor {
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

export function kaimingNormal_(tensor: Tensor, o: KaimingOptions = {}): Tensor {
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

export function xavierUniform_(tensor: Tensor, gain = 1): Tensor {
  const [fanIn, fanOut] = calculateFanInAndFanOut(tensor);
  const std = gain * Math.sqrt(2.0 / (fanIn + fanOut));
  const a = Math.sqrt(3.0) * std;
  inPlace(() => tensor.uniform_(-a, a));
  return tensor;
}

export function xavierNormal_(tensor: Tensor, gain = 1): Tensor {
  const [fanIn, fanOut] = calculateFanInAndFanOut(tensor);
  const std = gain * Math.sqrt(2.0 / (fanIn + fanOut));
  inPlace(() => tensor.normal_(0, std));
  return tensor;
}

/** A (semi-)orthogonal matrix from the QR decomposition of a normal draw, sign-corrected as in PyTorch. */
export function orthogonal_(tensor: Tensor, gain = 1): Tensor {
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
