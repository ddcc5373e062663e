// pow and cos as CPython computes them (the C library's), for bit-identical hyper-parameters: V8's own
// Math.pow/`**` and Math.cos differ from glibc's in the last bit for some inputs (0.9 ** 4, for one),
// and those bits reach the parameters through Adam's bias corrections and the schedulers' lrs.
// libtorch's pow kernel calls std::pow on a one-element float64 tensor. Its real cos kernel is vectorized
// (SLEEF, 1 ulp), but the complex one calls std::cos(std::complex), which is glibc's ccos: for a real
// argument exactly glibc's cos.
import { Tensor } from '../tensor.js';
import { op } from '../native/ops.js';
import { dtypeCode } from '../dtype.js';

const scalarTensor = op('aten::scalar_tensor');
const powScalarBase = op('aten::pow.Scalar');
const cosOp = op('aten::cos');
const realOp = op('aten::real');
const F64 = dtypeCode('float64');
const C128 = dtypeCode('complex128');

function evaluate(make: () => unknown, input: Tensor): number {
  const out = new Tensor(make() as never);
  try {
    return out.item();
  } finally {
    out.dispose();
    input.dispose();
  }
}

/** Python's `base ** exponent` for floats. */
export function pow(base: number, exponent: number): number {
  if (Number.isInteger(exponent) && exponent >= 0 && exponent <= 1) return exponent === 0 ? 1 : base;
  const e = new Tensor(scalarTensor(exponent, F64));
  return evaluate(() => powScalarBase(base, e._h), e);
}

/** Python's `math.cos(x)`. */
export function cos(x: number): number {
  const z = new Tensor(scalarTensor(x, C128));
  const c = new Tensor(cosOp(z._h));
  z.dispose();
  return evaluate(() => realOp(c._h), c);
}
