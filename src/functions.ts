// torch.* functions that mirror Tensor methods: `torch.max(x, 1)` is `x.max(1)`, with the method's PyTorch
// signature behind `input` (positional order, options object, errors for extra or unknown arguments: see
// tensor-signatures.ts). Each is registered under its PyTorch name for the API reference and the API walk test.
import { Tensor, type TensorOrScalar, type Scalar, type ValuesIndices, type MinMax, type VarOptions, type ReduceOptions } from './tensor.js';
import { withArgs, implementationOf, type PyRest } from './args.js';
import type { CloseOptions, NanToNumOptions } from './tensor.js';
import { TENSOR_SIGNATURES } from './tensor-signatures.js';
import type { DTypeLike } from './dtype.js';

type Method = (this: Tensor, ...args: any[]) => any;

/** torch.<name>(input, ...): the Tensor method `method` on `input`, with the method's signature after `input`. */
function fromMethod<F>(name: string, method: string = name): F {
  const entry = TENSOR_SIGNATURES[method];
  // a method without an entry is one of tensor-signatures.ts's NO_ARGS methods: input is its only argument
  const spec = entry === undefined ? '' : entry[1];
  const pyName = entry === undefined ? `torch.${name}` : entry[0].replace('torch.Tensor.', 'torch.');
  const s = spec.trim();
  const full = s === '' ? 'input' : s.startsWith(';') ? `input${s}` : `input, ${s}`;
  const impl = function (input: Tensor, ...args: unknown[]): unknown {
    if (!(input instanceof Tensor)) throw new TypeError(`torch.${name}(): argument 'input' must be a Tensor, got ${input === null ? 'null' : typeof input}`);
    // the method's implementation: the arguments are already bound to the same signature
    return implementationOf((Tensor.prototype as unknown as Record<string, Method>)[method]!).apply(input, args);
  };
  Object.defineProperty(impl, 'name', { value: name });
  return withArgs(name, pyName, full, impl) as F;
}

export const add: (input: Tensor, other: TensorOrScalar, o?: { alpha?: Scalar }) => Tensor = fromMethod('add');
export const sub: (input: Tensor, other: TensorOrScalar, o?: { alpha?: Scalar }) => Tensor = fromMethod('sub');
export const rsub: (input: Tensor, other: TensorOrScalar, o?: { alpha?: Scalar }) => Tensor = fromMethod('rsub');
export const mul: (input: Tensor, other: TensorOrScalar) => Tensor = fromMethod('mul');
export const div: (input: Tensor, other: TensorOrScalar, o?: { roundingMode?: 'trunc' | 'floor' }) => Tensor = fromMethod('div');
export const floorDivide: (input: Tensor, other: TensorOrScalar) => Tensor = fromMethod('floorDivide');
export const remainder: (input: Tensor, other: TensorOrScalar) => Tensor = fromMethod('remainder');
export const fmod: (input: Tensor, other: TensorOrScalar) => Tensor = fromMethod('fmod');
export const pow: (input: Tensor, exponent: TensorOrScalar) => Tensor = fromMethod('pow');
export const matmul: (input: Tensor, other: Tensor) => Tensor = fromMethod('matmul');
export const mm: (input: Tensor, mat2: Tensor) => Tensor = fromMethod('mm');
export const bmm: (input: Tensor, mat2: Tensor) => Tensor = fromMethod('bmm');
export const mv: (input: Tensor, vec: Tensor) => Tensor = fromMethod('mv');
export const dot: (input: Tensor, other: Tensor) => Tensor = fromMethod('dot');
export const outer: (input: Tensor, vec2: Tensor) => Tensor = fromMethod('outer');
export const addmm: (input: Tensor, mat1: Tensor, mat2: Tensor, o?: { beta?: Scalar; alpha?: Scalar }) => Tensor = fromMethod('addmm');
export const addcmul: (input: Tensor, tensor1: Tensor, tensor2: Tensor, o?: { value?: Scalar }) => Tensor = fromMethod('addcmul');
export const addcdiv: (input: Tensor, tensor1: Tensor, tensor2: Tensor, o?: { value?: Scalar }) => Tensor = fromMethod('addcdiv');
export const lerp: (input: Tensor, end: Tensor, weight: number) => Tensor = fromMethod('lerp');
export const atan2: (input: Tensor, other: Tensor) => Tensor = fromMethod('atan2');

type Unary = (input: Tensor) => Tensor;
export const exp: Unary = fromMethod('exp');
export const exp2: Unary = fromMethod('exp2');
export const expm1: Unary = fromMethod('expm1');
export const log: Unary = fromMethod('log');
export const log2: Unary = fromMethod('log2');
export const log10: Unary = fromMethod('log10');
export const log1p: Unary = fromMethod('log1p');
export const sqrt: Unary = fromMethod('sqrt');
export const rsqrt: Unary = fromMethod('rsqrt');
export const square: Unary = fromMethod('square');
export const abs: Unary = fromMethod('abs');
export const neg: Unary = fromMethod('neg');
export const sign: Unary = fromMethod('sign');
export const reciprocal: Unary = fromMethod('reciprocal');
export const sin: Unary = fromMethod('sin');
export const cos: Unary = fromMethod('cos');
export const tan: Unary = fromMethod('tan');
export const asin: Unary = fromMethod('asin');
export const acos: Unary = fromMethod('acos');
export const atan: Unary = fromMethod('atan');
export const sinh: Unary = fromMethod('sinh');
export const cosh: Unary = fromMethod('cosh');
export const tanh: Unary = fromMethod('tanh');
export const sigmoid: Unary = fromMethod('sigmoid');
export const relu: Unary = fromMethod('relu');
export const erf: Unary = fromMethod('erf');
export const floor: Unary = fromMethod('floor');
export const ceil: Unary = fromMethod('ceil');
export const round: Unary = fromMethod('round');
export const trunc: Unary = fromMethod('trunc');
export const frac: Unary = fromMethod('frac');
export const isnan: Unary = fromMethod('isnan');
export const isinf: Unary = fromMethod('isinf');
export const isfinite: Unary = fromMethod('isfinite');
export const isposinf: Unary = fromMethod('isposinf');
export const isneginf: Unary = fromMethod('isneginf');
export const logicalNot: Unary = fromMethod('logicalNot');
export const bitwiseNot: Unary = fromMethod('bitwiseNot');
export const logicalAnd: (input: Tensor, other: Tensor) => Tensor = fromMethod('logicalAnd');
export const logicalOr: (input: Tensor, other: Tensor) => Tensor = fromMethod('logicalOr');
export const logicalXor: (input: Tensor, other: Tensor) => Tensor = fromMethod('logicalXor');
export const nanToNum: (input: Tensor, ...rest: PyRest<NanToNumOptions, ['nan', 'posinf', 'neginf']>) => Tensor = fromMethod('nanToNum');
export const clamp: (input: Tensor, min?: Scalar | null | Tensor, max?: Scalar | null | Tensor) => Tensor = fromMethod('clamp');
export const clip: (input: Tensor, min?: Scalar | null | Tensor, max?: Scalar | null | Tensor) => Tensor = fromMethod('clip');

type Compare = (input: Tensor, other: TensorOrScalar) => Tensor;
export const eq: Compare = fromMethod('eq');
export const ne: Compare = fromMethod('ne');
export const lt: Compare = fromMethod('lt');
export const le: Compare = fromMethod('le');
export const gt: Compare = fromMethod('gt');
export const ge: Compare = fromMethod('ge');
export const maximum: (input: Tensor, other: Tensor) => Tensor = fromMethod('maximum');
export const minimum: (input: Tensor, other: Tensor) => Tensor = fromMethod('minimum');
export const equal: (input: Tensor, other: Tensor) => boolean = fromMethod('equal');
export const allclose: (input: Tensor, other: Tensor, ...rest: PyRest<CloseOptions, ['rtol', 'atol', 'equalNan']>) => boolean = fromMethod('allclose');
export const isclose: (input: Tensor, other: Tensor, ...rest: PyRest<CloseOptions, ['rtol', 'atol', 'equalNan']>) => Tensor = fromMethod('isclose');

interface Reduce {
  (input: Tensor, dim?: number | number[] | null, keepdim?: boolean, o?: { dtype?: DTypeLike }): Tensor;
  (input: Tensor, o: ReduceOptions): Tensor;
}
export const sum: Reduce = fromMethod('sum');
export const mean: Reduce = fromMethod('mean');
export const nanmean: Reduce = fromMethod('nanmean');
export const prod: (input: Tensor, dim?: number | null, keepdim?: boolean, o?: { dtype?: DTypeLike }) => Tensor = fromMethod('prod');
interface VarFn<R> {
  (input: Tensor, dim?: number | number[] | null, unbiased?: boolean, keepdim?: boolean): R;
  (input: Tensor, o: VarOptions): R;
}
/** torch.std(input, dim, unbiased, keepdim): PyTorch's order (unbiased before keepdim), or an options object. */
export const std: VarFn<Tensor> = fromMethod('std');
export const var_: VarFn<Tensor> = fromMethod('var', 'var');
export const stdMean: VarFn<[Tensor, Tensor]> = fromMethod('stdMean');
export const varMean: VarFn<[Tensor, Tensor]> = fromMethod('varMean');

interface MaxMin {
  (input: Tensor): Tensor;
  (input: Tensor, dim: number, keepdim?: boolean): ValuesIndices;
  (input: Tensor, o: { dim: number; keepdim?: boolean }): ValuesIndices;
  (input: Tensor, other: Tensor): Tensor;
}
/** torch.max: of all elements, the `(values, indices)` named tuple along a dim, or the elementwise maximum. */
export const max: MaxMin = fromMethod('max');
export const min: MaxMin = fromMethod('min');
interface DimNamedTuple {
  (input: Tensor): Tensor;
  (input: Tensor, dim: number, keepdim?: boolean): ValuesIndices;
  (input: Tensor, o: { dim: number; keepdim?: boolean }): ValuesIndices;
}
export const median: DimNamedTuple = fromMethod('median');
export const nanmedian: DimNamedTuple = fromMethod('nanmedian');
export const mode: (input: Tensor, dim?: number | { dim?: number; keepdim?: boolean }, keepdim?: boolean) => ValuesIndices = fromMethod('mode');
export const kthvalue: (input: Tensor, k: number, dim?: number | { dim?: number; keepdim?: boolean }, keepdim?: boolean) => ValuesIndices = fromMethod('kthvalue');
export const aminmax: (input: Tensor, o?: { dim?: number | null; keepdim?: boolean }) => MinMax = fromMethod('aminmax');
export const amax: (input: Tensor, dim?: number | number[], keepdim?: boolean) => Tensor = fromMethod('amax');
export const amin: (input: Tensor, dim?: number | number[], keepdim?: boolean) => Tensor = fromMethod('amin');
export const argmax: (input: Tensor, dim?: number | null | { dim?: number | null; keepdim?: boolean }, keepdim?: boolean) => Tensor = fromMethod('argmax');
export const argmin: (input: Tensor, dim?: number | null | { dim?: number | null; keepdim?: boolean }, keepdim?: boolean) => Tensor = fromMethod('argmin');
interface TopK {
  (input: Tensor, k: number, dim?: number, largest?: boolean, sorted?: boolean): ValuesIndices;
  (input: Tensor, k: number, o: { dim?: number; largest?: boolean; sorted?: boolean }): ValuesIndices;
}
export const topk: TopK = fromMethod('topk');
interface Sort<R> {
  (input: Tensor, dim?: number, descending?: boolean): R;
  (input: Tensor, o: { dim?: number; descending?: boolean; stable?: boolean }): R;
}
export const sort: Sort<ValuesIndices> = fromMethod('sort');
export const argsort: Sort<Tensor> = fromMethod('argsort');
export const msort: Unary = fromMethod('msort');
export const cumsum: (input: Tensor, dim: number, o?: { dtype?: DTypeLike }) => Tensor = fromMethod('cumsum');
export const cumprod: (input: Tensor, dim: number, o?: { dtype?: DTypeLike }) => Tensor = fromMethod('cumprod');
export const cummax: (input: Tensor, dim: number) => ValuesIndices = fromMethod('cummax');
export const cummin: (input: Tensor, dim: number) => ValuesIndices = fromMethod('cummin');
export const logsumexp: (input: Tensor, dim: number | number[], keepdim?: boolean) => Tensor = fromMethod('logsumexp');
export const all: (input: Tensor, dim?: number, keepdim?: boolean) => Tensor = fromMethod('all');
export const any: (input: Tensor, dim?: number, keepdim?: boolean) => Tensor = fromMethod('any');
export const countNonzero: (input: Tensor, dim?: number | number[]) => Tensor = fromMethod('countNonzero');
export const norm: (input: Tensor, p?: number | 'fro' | null, dim?: number | number[] | null, keepdim?: boolean, dtype?: DTypeLike) => Tensor = fromMethod('norm');
export const softmax: (input: Tensor, dim: number, dtype?: DTypeLike) => Tensor = fromMethod('softmax');
export const logSoftmax: (input: Tensor, dim: number, dtype?: DTypeLike) => Tensor = fromMethod('logSoftmax');

export const flatten: (input: Tensor, startDim?: number, endDim?: number) => Tensor = fromMethod('flatten');
export const unflatten: (input: Tensor, dim: number, sizes: number[]) => Tensor = fromMethod('unflatten');
export const reshape: (input: Tensor, shape: readonly number[]) => Tensor = fromMethod('reshape');
export const transpose: (input: Tensor, dim0: number, dim1: number) => Tensor = fromMethod('transpose');
export const swapaxes: (input: Tensor, axis0: number, axis1: number) => Tensor = fromMethod('swapaxes');
export const t: Unary = fromMethod('t');
export const permute: (input: Tensor, dims: readonly number[]) => Tensor = fromMethod('permute');
export const squeeze: (input: Tensor, dim?: number) => Tensor = fromMethod('squeeze');
export const unsqueeze: (input: Tensor, dim: number) => Tensor = fromMethod('unsqueeze');
export const split: (input: Tensor, splitSize: number | number[], dim?: number) => Tensor[] = fromMethod('split');
export const chunk: (input: Tensor, chunks: number, dim?: number) => Tensor[] = fromMethod('chunk');
export const unbind: (input: Tensor, dim?: number) => Tensor[] = fromMethod('unbind');
export const narrow: (input: Tensor, dim: number, start: number, length: number) => Tensor = fromMethod('narrow');
export const select: (input: Tensor, dim: number, index: number) => Tensor = fromMethod('select');
export const indexSelect: (input: Tensor, dim: number, index: Tensor) => Tensor = fromMethod('indexSelect');
export const gather: (input: Tensor, dim: number, index: Tensor) => Tensor = fromMethod('gather');
export const scatter: (input: Tensor, dim: number, index: Tensor, src: TensorOrScalar) => Tensor = fromMethod('scatter');
export const scatterAdd: (input: Tensor, dim: number, index: Tensor, src: Tensor) => Tensor = fromMethod('scatterAdd');
export const maskedFill: (input: Tensor, mask: Tensor, value: TensorOrScalar) => Tensor = fromMethod('maskedFill');
export const maskedSelect: (input: Tensor, mask: Tensor) => Tensor = fromMethod('maskedSelect');
export const flip: (input: Tensor, dims: readonly number[]) => Tensor = fromMethod('flip');
export const roll: (input: Tensor, shifts: number | number[], dims?: number | number[]) => Tensor = fromMethod('roll');
export const tril: (input: Tensor, diagonal?: number) => Tensor = fromMethod('tril');
export const triu: (input: Tensor, diagonal?: number) => Tensor = fromMethod('triu');
export const diag: (input: Tensor, diagonal?: number) => Tensor = fromMethod('diag');
export const trace: Unary = fromMethod('trace');
interface Nonzero {
  (input: Tensor): Tensor;
  (input: Tensor, o: { asTuple: true }): Tensor[];
}
export const nonzero: Nonzero = fromMethod('nonzero');
interface Unique {
  (input: Tensor, sorted?: boolean, returnInverse?: false, returnCounts?: false, dim?: number | null): Tensor;
  (input: Tensor, o: { sorted?: boolean; returnInverse?: false; returnCounts?: false; dim?: number | null }): Tensor;
  (input: Tensor, sorted: boolean | undefined, returnInverse: boolean, returnCounts?: boolean, dim?: number | null): Tensor | Tensor[];
  (input: Tensor, o: { sorted?: boolean; returnInverse?: boolean; returnCounts?: boolean; dim?: number | null }): Tensor | Tensor[];
}
export const unique: Unique = fromMethod('unique');
export const bincount: (input: Tensor, weights?: Tensor | null, minlength?: number) => Tensor = fromMethod('bincount');
export const repeatInterleave: (input: Tensor, repeats: number, dim?: number) => Tensor = fromMethod('repeatInterleave');
export const numel: (input: Tensor) => number = fromMethod('numel');
export const isFloatingPoint: (input: Tensor) => boolean = fromMethod('isFloatingPoint');
export const isComplex: (input: Tensor) => boolean = fromMethod('isComplex');
export const clone: (input: Tensor, o?: { memoryFormat?: 'contiguous' | 'preserve' | 'channelsLast' | 'channelsLast3d' }) => Tensor = fromMethod('clone');
