// ONNX conversions of the ATen operators that tstorch's (and torchvision's) classification models record when
// traced: convolution, normalisation, pooling, linear layers, activations, arithmetic and the shape operators.
// Each follows what PyTorch 1.13's exporter emits (torch/onnx/symbolic_opset*.py) for the same operator.
import { registerSymbolic, type SymbolicContext } from './symbolic.js';
import type { OnnxValue } from './graph.js';
import { onnxDataType } from './proto.js';
import { full as fullTensor } from '../creation.js';
import { dtypeFromCode } from '../dtype.js';

type Ctx = SymbolicContext;

const same = (ctx: Ctx, v: OnnxValue): void => ctx.setOutput(0, v);
function pair(v: number | number[], n: number): number[] {
  if (typeof v === 'number') return Array(n).fill(v);
  if (v.length === 1 && n > 1) return Array(n).fill(v[0]);
  return v;
}
function rankOf(ctx: Ctx, v: OnnxValue, what: string): number {
  if (v.shape === null) ctx.fail(`the rank of ${what} is not known from the trace`);
  return v.shape!.length;
}
function normDim(d: number, rank: number): number { return d < 0 ? d + rank : d; }

// ---------- convolution -----------------------------------------------------------------------------------
function conv(ctx: Ctx, a: { stride: number; padding: number; dilation: number; groups: number; transposed?: number; outputPadding?: number }): void {
  const x = ctx.input(0);
  const w = ctx.input(1);
  const spatial = rankOf(ctx, w, 'the weight') - 2;
  if (a.transposed !== undefined && ctx.constant<boolean>(a.transposed, 'transposed')) {
    const outPad = pair(ctx.constant<number[]>(a.outputPadding!, 'output_padding'), spatial);
    const padding = pair(ctx.constant<number[]>(a.padding, 'padding'), spatial);
    const inputs: OnnxValue[] = [x, w];
    if (!ctx.isNone(2)) inputs.push(ctx.input(2));
    same(ctx, ctx.op('ConvTranspose', inputs, {
      strides: pair(ctx.constant<number[]>(a.stride, 'stride'), spatial), pads: [...padding, ...padding],
      dilations: pair(ctx.constant<number[]>(a.dilation, 'dilation'), spatial), group: ctx.constant<number>(a.groups, 'groups'),
      output_padding: outPad.some((p) => p !== 0) ? outPad : undefined, kernel_shape: w.shape!.slice(2),
    }, { out: 0 }));
    return;
  }
  const pad = ctx.constant<number[] | string>(a.padding, 'padding');
  let pads: number[] | undefined;
  let autoPad: string | undefined;
  if (typeof pad === 'string') {
    if (pad === 'valid') pads = Array(2 * spatial).fill(0);
    else autoPad = 'SAME_UPPER';
  } else {
    const p = pair(pad, spatial);
    pads = [...p, ...p];
  }
  const inputs: OnnxValue[] = [x, w];
  if (!ctx.isNone(2)) inputs.push(ctx.input(2));
  same(ctx, ctx.op('Conv', inputs, {
    kernel_shape: w.shape!.slice(2), strides: pair(ctx.constant<number[]>(a.stride, 'stride'), spatial), pads, auto_pad: autoPad,
    dilations: pair(ctx.constant<number[]>(a.dilation, 'dilation'), spatial), group: ctx.constant<number>(a.groups, 'groups'),
  }, { out: 0 }));
}
for (const k of ['aten::conv1d', 'aten::conv2d', 'aten::conv3d']) {
  registerSymbolic(k, (ctx) => conv(ctx, { stride: 3, padding: 4, dilation: 5, groups: 6 }));
}
registerSymbolic('aten::_convolution', (ctx) => conv(ctx, { stride: 3, padding: 4, dilation: 5, transposed: 6, outputPadding: 7, groups: 8 }));

// ---------- normalisation ---------------------------------------------------------------------------------
registerSymbolic('aten::batch_norm', (ctx) => {
  if (ctx.constant<boolean>(5, 'training')) ctx.fail('batch norm in training mode (batch statistics) cannot be exported; export the eval-mode model');
  const x = ctx.input(0);
  const st = x.scalarType;
  const c = x.shape?.[1];
  if (c === undefined) ctx.fail('the channel count is not known from the trace');
  const ones = (v: number): OnnxValue => ctx.constantTensor(fill(c!, v, st), `${ctx.scope}.bn_default`);
  const weight = ctx.isNone(1) ? ones(1) : ctx.input(1);
  const bias = ctx.isNone(2) ? ones(0) : ctx.input(2);
  same(ctx, ctx.op('BatchNormalization', [x, weight, bias, ctx.input(3), ctx.input(4)],
    { epsilon: { float: ctx.constant<number>(7, 'eps') } }, { out: 0 }));
});

function fill(n: number, v: number, scalarType: number | null) {
  return fullTensor([n], v, { dtype: dtypeFromCode(scalarType ?? 6) });
}

registerSymbolic('aten::layer_norm', (ctx) => {
  const x = ctx.input(0);
  const normalized = ctx.constant<number[]>(1, 'normalized_shape');
  const eps = ctx.constant<number>(4, 'eps');
  const rank = rankOf(ctx, x, 'the input');
  const axis = rank - normalized.length;
  const st = x.scalarType ?? 6;
  const weight = ctx.isNone(2) ? null : ctx.input(2);
  const bias = ctx.isNone(3) ? null : ctx.input(3);
  if (ctx.opset >= 17) {
    const w = weight ?? ctx.constantTensor(fullTensor(normalized, 1, { dtype: dtypeFromCode(st) }));
    const inputs: OnnxValue[] = [x, w];
    if (bias) inputs.push(bias);
    same(ctx, ctx.op('LayerNormalization', inputs, { axis, epsilon: { float: eps } }, { out: 0 }));
    return;
  }
  // Before opset 17: (x - mean) / sqrt(var + eps) * weight + bias, as PyTorch's exporter decomposes it.
  const axes = normalized.map((_, i) => axis + i);
  const mean = ctx.op('ReduceMean', [x], { axes, keepdims: 1 });
  const d = ctx.op('Sub', [x, mean]);
  const sq = ctx.op('Mul', [d, d]);
  const variance = ctx.op('ReduceMean', [sq], { axes, keepdims: 1 });
  const std = ctx.op('Sqrt', [ctx.op('Add', [variance, ctx.scalar(eps, st)])]);
  let y = ctx.op('Div', [d, std]);
  if (weight) y = ctx.op('Mul', [y, weight]);
  if (bias) y = ctx.op('Add', [y, bias]);
  same(ctx, ctx.op('Identity', [y], {}, { out: 0 }));
});

// ---------- pooling ---------------------------------------------------------------------------------------
registerSymbolic('aten::max_pool2d', (ctx) => {
  const k = pair(ctx.constant<number[]>(1, 'kernel_size'), 2);
  const s = ctx.constant<number[]>(2, 'stride');
  const p = pair(ctx.constant<number[]>(3, 'padding'), 2);
  const d = pair(ctx.constant<number[]>(4, 'dilation'), 2);
  same(ctx, ctx.op('MaxPool', [ctx.input(0)], {
    kernel_shape: k, strides: s.length ? pair(s, 2) : k, pads: [...p, ...p], dilations: d,
    ceil_mode: ctx.constant<boolean>(5, 'ceil_mode') ? 1 : 0,
  }, { out: 0 }));
});

registerSymbolic('aten::avg_pool2d', (ctx) => {
  if (!ctx.isNone(6)) ctx.fail('divisor_override has no ONNX equivalent');
  const k = pair(ctx.constant<number[]>(1, 'kernel_size'), 2);
  const s = ctx.constant<number[]>(2, 'stride');
  const p = pair(ctx.constant<number[]>(3, 'padding'), 2);
  same(ctx, ctx.op('AveragePool', [ctx.input(0)], {
    kernel_shape: k, strides: s.length ? pair(s, 2) : k, pads: [...p, ...p],
    ceil_mode: ctx.constant<boolean>(4, 'ceil_mode') ? 1 : 0, count_include_pad: ctx.constant<boolean>(5, 'count_include_pad') ? 1 : 0,
  }, { out: 0 }));
});

function adaptivePool(ctx: Ctx, onnxGlobal: string, onnxPool: string): void {
  const x = ctx.input(0);
  const out = pair(ctx.constant<number[]>(1, 'output_size'), 2);
  const shape = x.shape;
  if (shape === null) ctx.fail('the input shape is not known from the trace');
  const spatial = shape!.slice(2);
  if (out.every((o) => o === 1)) {
    // Any input size, dynamic ones included.
    same(ctx, ctx.op(onnxGlobal, [x], {}, { out: 0 }));
    return;
  }
  if (x.dyn.slice(2).some((d) => d !== null)) ctx.fail('an output size other than 1 needs fixed spatial input sizes');
  if (spatial.some((n, i) => n % out[i]! !== 0)) {
    ctx.fail(`output size [${out}] is not a factor of the input size [${spatial}] (ONNX has no adaptive pooling; PyTorch's exporter refuses this too)`);
  }
  const k = spatial.map((n, i) => n / out[i]!);
  if (k.every((v) => v === 1)) {
    same(ctx, ctx.op('Identity', [x], {}, { out: 0 }));
    return;
  }
  same(ctx, ctx.op(onnxPool, [x], { kernel_shape: k, strides: k }, { out: 0 }));
}
registerSymbolic('aten::adaptive_avg_pool2d', (ctx) => adaptivePool(ctx, 'GlobalAveragePool', 'AveragePool'));
registerSymbolic('aten::adaptive_max_pool2d', (ctx) => adaptivePool(ctx, 'GlobalMaxPool', 'MaxPool'));

// ---------- linear layers ---------------------------------------------------------------------------------
registerSymbolic('aten::linear', (ctx) => {
  const x = ctx.input(0);
  const w = ctx.input(1);
  const bias = ctx.isNone(2) ? null : ctx.input(2);
  if (rankOf(ctx, x, 'the input') === 2) {
    same(ctx, ctx.op('Gemm', bias ? [x, w, bias] : [x, w], { transB: 1 }, { out: 0 }));
    return;
  }
  const wt = ctx.op('Transpose', [w], { perm: [1, 0] });
  const y = ctx.op('MatMul', [x, wt], {}, bias ? {} : { out: 0 });
  same(ctx, bias ? ctx.op('Add', [y, bias], {}, { out: 0 }) : y);
});
registerSymbolic('aten::addmm', (ctx) => {
  const beta = ctx.constant<number>(3, 'beta');
  const alpha = ctx.constant<number>(4, 'alpha');
  same(ctx, ctx.op('Gemm', [ctx.input(1), ctx.input(2), ctx.input(0)], { alpha: { float: alpha }, beta: { float: beta } }, { out: 0 }));
});
registerSymbolic('aten::matmul', (ctx) => same(ctx, ctx.op('MatMul', [ctx.input(0), ctx.input(1)], {}, { out: 0 })));
registerSymbolic('aten::t', (ctx) => same(ctx, ctx.op('Transpose', [ctx.input(0)], { perm: [1, 0] }, { out: 0 })));

// ---------- activations -----------------------------------------------------------------------------------
function unary(kind: string, opType: string, attrs: Record<string, number | { float: number }> = {}): void {
  registerSymbolic(`aten::${kind}`, (ctx) => same(ctx, ctx.op(opType, [ctx.input(0)], attrs, { out: 0 })));
  registerSymbolic(`aten::${kind}_`, (ctx) => same(ctx, ctx.op(opType, [ctx.input(0)], attrs, { out: 0 })));
}
unary('relu', 'Relu');
unary('sigmoid', 'Sigmoid');
unary('tanh', 'Tanh');
unary('exp', 'Exp');
unary('sqrt', 'Sqrt');
unary('neg', 'Neg');
unary('abs', 'Abs');
unary('hardsigmoid', 'HardSigmoid', { alpha: { float: 1 / 6 }, beta: { float: 0.5 } });

function clip(ctx: Ctx, lo: number | null, hi: number | null): void {
  const x = ctx.input(0);
  const st = x.scalarType ?? 6;
  same(ctx, ctx.op('Clip', [x, lo === null ? '' : ctx.scalar(lo, st), hi === null ? '' : ctx.scalar(hi, st)], {}, { out: 0 }));
}
for (const k of ['aten::hardtanh', 'aten::hardtanh_']) {
  registerSymbolic(k, (ctx) => clip(ctx, ctx.constant<number>(1, 'min_val'), ctx.constant<number>(2, 'max_val')));
}
for (const k of ['aten::relu6', 'aten::relu6_']) registerSymbolic(k, (ctx) => clip(ctx, 0, 6));
for (const k of ['aten::clamp', 'aten::clamp_']) {
  registerSymbolic(k, (ctx) => clip(ctx, ctx.isNone(1) ? null : ctx.constant<number>(1, 'min'), ctx.isNone(2) ? null : ctx.constant<number>(2, 'max')));
}

for (const k of ['aten::hardswish', 'aten::hardswish_']) {
  registerSymbolic(k, (ctx) => {
    const x = ctx.input(0);
    if (ctx.opset >= 14) {
      same(ctx, ctx.op('HardSwish', [x], {}, { out: 0 }));
      return;
    }
    const hs = ctx.op('HardSigmoid', [x], { alpha: { float: 1 / 6 }, beta: { float: 0.5 } });
    same(ctx, ctx.op('Mul', [x, hs], {}, { out: 0 }));
  });
}
for (const k of ['aten::silu', 'aten::silu_']) {
  registerSymbolic(k, (ctx) => {
    const x = ctx.input(0);
    same(ctx, ctx.op('Mul', [x, ctx.op('Sigmoid', [x])], {}, { out: 0 }));
  });
}
registerSymbolic('aten::gelu', (ctx) => {
  const x = ctx.input(0);
  const st = x.scalarType ?? 6;
  const approximate = ctx.numInputs > 1 ? ctx.constant<string>(1, 'approximate') : 'none';
  let inner: OnnxValue;
  if (approximate === 'tanh') {
    // 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
    const x3 = ctx.op('Mul', [ctx.op('Mul', [x, x]), x]);
    const arg = ctx.op('Mul', [ctx.op('Add', [x, ctx.op('Mul', [x3, ctx.scalar(0.044715, st)])]), ctx.scalar(Math.sqrt(2 / Math.PI), st)]);
    inner = ctx.op('Tanh', [arg]);
  } else {
    inner = ctx.op('Erf', [ctx.op('Div', [x, ctx.scalar(Math.SQRT2, st)])]);
  }
  const onePlus = ctx.op('Add', [inner, ctx.scalar(1, st)]);
  same(ctx, ctx.op('Mul', [ctx.op('Mul', [x, onePlus]), ctx.scalar(0.5, st)], {}, { out: 0 }));
});
for (const [k, opType] of [['aten::softmax', 'Softmax'], ['aten::log_softmax', 'LogSoftmax']] as const) {
  registerSymbolic(k, (ctx) => {
    const x = ctx.input(0);
    const rank = rankOf(ctx, x, 'the input');
    const dim = normDim(ctx.constant<number>(1, 'dim'), rank);
    if (!ctx.isNone(2)) ctx.fail('the dtype argument is not supported');
    if (ctx.opset < 13 && dim !== rank - 1) ctx.fail(`before opset 13 ONNX's ${opType} normalises over the last dimensions only`);
    same(ctx, ctx.op(opType, [x], { axis: dim }, { out: 0 }));
  });
}

// ---------- arithmetic ------------------------------------------------------------------------------------
// Operands are cast to the traced result type: ONNX's arithmetic takes one element type, and a Python number
// or a 0-dim tensor does not change the result type in PyTorch (it takes the tensor's).
function binary(kind: string, opType: string, withAlpha: boolean): void {
  const fn = (ctx: Ctx): void => {
    const st = ctx.traced(0).scalarType;
    const a = ctx.inputAs(0, st);
    let b = ctx.inputAs(1, st);
    if (withAlpha && ctx.numInputs > 2) {
      const alpha = ctx.constant<number>(2, 'alpha');
      if (alpha !== 1) b = ctx.op('Mul', [b, ctx.scalar(alpha, st ?? 6)]);
    }
    same(ctx, ctx.op(opType, [a, b], {}, { out: 0 }));
  };
  for (const suffix of ['', '_']) registerSymbolic(`aten::${kind}${suffix}`, fn);
}
binary('add', 'Add', true);
binary('sub', 'Sub', true);
binary('mul', 'Mul', false);
binary('div', 'Div', false);
registerSymbolic('aten::rsub', (ctx) => {
  const st = ctx.traced(0).scalarType;
  const alpha = ctx.numInputs > 2 ? ctx.constant<number>(2, 'alpha') : 1;
  let a = ctx.inputAs(0, st);
  if (alpha !== 1) a = ctx.op('Mul', [a, ctx.scalar(alpha, st ?? 6)]);
  same(ctx, ctx.op('Sub', [ctx.inputAs(1, st), a], {}, { out: 0 }));
});

// ---------- reductions ------------------------------------------------------------------------------------
function reduce(kind: string, opType: string): void {
  registerSymbolic(kind, (ctx) => {
    const x = ctx.input(0);
    const rank = rankOf(ctx, x, 'the input');
    if (ctx.numInputs > 3 && !ctx.isNone(3)) ctx.fail('the dtype argument is not supported');
    const dims = ctx.isNone(1) ? [] : ctx.constant<number[] | number>(1, 'dim');
    const axes = (typeof dims === 'number' ? [dims] : dims).map((d) => normDim(d, rank));
    const keepdims = ctx.constant<boolean>(2, 'keepdim') ? 1 : 0;
    const all = axes.length ? axes : x.dyn.map((_, d) => d);
    const y = opType === 'ReduceSum' && ctx.opset >= 13
      ? ctx.op(opType, axes.length ? [x, ctx.ints(axes)] : [x], { keepdims }, { out: 0 })
      : ctx.op(opType, [x], { axes: axes.length ? axes : undefined, keepdims }, { out: 0 });
    // Without keepdim, the dimensions after a reduced one move left.
    ctx.setOutput(0, y, keepdims ? x.dyn.map((d, k) => (all.includes(k) ? null : d)) : x.dyn.filter((_, k) => !all.includes(k)));
  });
}
reduce('aten::mean', 'ReduceMean');
reduce('aten::sum', 'ReduceSum');

// ---------- no-ops in inference ---------------------------------------------------------------------------
for (const k of ['aten::dropout', 'aten::dropout_', 'aten::feature_dropout', 'aten::feature_dropout_', 'aten::alpha_dropout', 'aten::alpha_dropout_']) {
  registerSymbolic(k, (ctx) => {
    if (ctx.constant<boolean>(2, 'train')) ctx.fail('dropout in training mode cannot be exported; export the eval-mode model');
    ctx.setOutput(0, ctx.input(0));
  });
}
for (const k of ['aten::contiguous', 'aten::detach', 'aten::clone', 'aten::detach_']) {
  registerSymbolic(k, (ctx) => ctx.setOutput(0, ctx.input(0)));
}
registerSymbolic('aten::to', (ctx) => {
  const x = ctx.input(0);
  const st = ctx.traced(0).scalarType;
  if (st === null || st === x.scalarType) ctx.setOutput(0, x);
  else same(ctx, ctx.op('Cast', [x], { to: onnxDataType(st, 'the result') }, { out: 0 }));
});

// ---------- shapes ----------------------------------------------------------------------------------------
/**
 * Reshape to a shape the trace recorded as numbers. A dimension that keeps a dynamic input dimension in place
 * (same position, same traced size) becomes 0, ONNX's "copy this dimension from the input", so that a batch
 * axis stays dynamic through a view such as ShuffleNet's channel shuffle.
 */
function reshape(ctx: Ctx, x: OnnxValue, target: number[]): void {
  const shape = target.map((n, i) => (i < x.dyn.length && x.dyn[i] !== null && x.shape![i] === n ? 0 : n));
  const dyn = shape.map((n, i) => (n === 0 ? x.dyn[i]! : null));
  const y = ctx.op('Reshape', [x, ctx.ints(shape)], {}, { out: 0 });
  ctx.setOutput(0, y, dyn);
}
for (const k of ['aten::view', 'aten::reshape', 'aten::_reshape_alias']) {
  registerSymbolic(k, (ctx) => reshape(ctx, ctx.input(0), ctx.constant<number[]>(1, 'shape')));
}
registerSymbolic('aten::flatten', (ctx) => {
  const x = ctx.input(0);
  const rank = rankOf(ctx, x, 'the input');
  if (rank === 0) return reshape(ctx, x, [1]);
  const start = normDim(ctx.constant<number>(1, 'start_dim'), rank);
  const end = normDim(ctx.constant<number>(2, 'end_dim'), rank);
  if (start === 1 && end === rank - 1) {
    // PyTorch's exporter uses Flatten here: [N, prod(rest)].
    const y = ctx.op('Flatten', [x], { axis: 1 }, { out: 0 });
    ctx.setOutput(0, y, [x.dyn[0] ?? null, null]);
    return;
  }
  const target = [...x.shape!.slice(0, start), -1, ...x.shape!.slice(end + 1)];
  reshape(ctx, x, target);
});
registerSymbolic('aten::transpose', (ctx) => {
  const x = ctx.input(0);
  const rank = rankOf(ctx, x, 'the input');
  const a = normDim(ctx.constant<number>(1, 'dim0'), rank);
  const b = normDim(ctx.constant<number>(2, 'dim1'), rank);
  const perm = x.shape!.map((_, i) => i);
  perm[a] = b;
  perm[b] = a;
  const y = ctx.op('Transpose', [x], { perm }, { out: 0 });
  ctx.setOutput(0, y, perm.map((p) => x.dyn[p] ?? null));
});
registerSymbolic('aten::permute', (ctx) => {
  const x = ctx.input(0);
  const rank = rankOf(ctx, x, 'the input');
  const perm = ctx.constant<number[]>(1, 'dims').map((d) => normDim(d, rank));
  const y = ctx.op('Transpose', [x], { perm }, { out: 0 });
  ctx.setOutput(0, y, perm.map((p) => x.dyn[p] ?? null));
});
registerSymbolic('aten::cat', (ctx) => {
  const xs = ctx.tensorList(0);
  const st = ctx.traced(0).scalarType;
  const rank = xs[0]!.shape?.length ?? ctx.traced(0).shape?.length;
  if (rank === undefined) ctx.fail('the rank of the inputs is not known from the trace');
  const axis = normDim(ctx.constant<number>(1, 'dim'), rank!);
  const cast = xs.map((x) => (st !== null && x.scalarType !== null && x.scalarType !== st ? ctx.op('Cast', [x], { to: onnxDataType(st, 'the result') }) : x));
  const y = ctx.op('Concat', cast, { axis }, { out: 0 });
  const first = xs.find((x) => x.dyn.some((d) => d !== null)) ?? xs[0]!;
  ctx.setOutput(0, y, (ctx.traced(0).shape ?? []).map((_, d) => (d === axis ? null : first.dyn[d] ?? null)));
});
registerSymbolic('aten::stack', (ctx) => {
  const xs = ctx.tensorList(0);
  const rank = rankOf(ctx, xs[0]!, 'the inputs') + 1;
  const axis = normDim(ctx.constant<number>(1, 'dim'), rank);
  const un = xs.map((x) => unsqueeze(ctx, x, axis));
  const y = ctx.op('Concat', un, { axis }, { out: 0 });
  const d0 = xs[0]!.dyn;
  ctx.setOutput(0, y, [...d0.slice(0, axis), null, ...d0.slice(axis)]);
});
function unsqueeze(ctx: Ctx, x: OnnxValue, axis: number, out?: number): OnnxValue {
  return ctx.opset >= 13
    ? ctx.op('Unsqueeze', [x, ctx.ints([axis])], {}, out === undefined ? {} : { out })
    : ctx.op('Unsqueeze', [x], { axes: [axis] }, out === undefined ? {} : { out });
}
registerSymbolic('aten::unsqueeze', (ctx) => {
  const x = ctx.input(0);
  const rank = rankOf(ctx, x, 'the input') + 1;
  const axis = normDim(ctx.constant<number>(1, 'dim'), rank);
  ctx.setOutput(0, unsqueeze(ctx, x, axis, 0), [...x.dyn.slice(0, axis), null, ...x.dyn.slice(axis)]);
});
registerSymbolic('aten::squeeze', (ctx) => {
  const x = ctx.input(0);
  const rank = rankOf(ctx, x, 'the input');
  const axes = ctx.numInputs > 1 ? [normDim(ctx.constant<number>(1, 'dim'), rank)].filter((d) => x.shape![d] === 1)
    : x.shape!.map((n, d) => (n === 1 && x.dyn[d] === null ? d : -1)).filter((d) => d >= 0);
  if (axes.some((d) => x.dyn[d] !== null)) ctx.fail('squeezing a dynamic dimension');
  if (axes.length === 0) return ctx.setOutput(0, x);
  const y = ctx.opset >= 13 ? ctx.op('Squeeze', [x, ctx.ints(axes)], {}, { out: 0 }) : ctx.op('Squeeze', [x], { axes }, { out: 0 });
  ctx.setOutput(0, y, x.dyn.filter((_, d) => !axes.includes(d)));
});
registerSymbolic('aten::select', (ctx) => {
  const x = ctx.input(0);
  const rank = rankOf(ctx, x, 'the input');
  const dim = normDim(ctx.constant<number>(1, 'dim'), rank);
  if (x.dyn[dim] !== null) ctx.fail('selecting along a dynamic dimension');
  const index = ctx.constant<number>(2, 'index');
  const idx = ctx.scalar(index < 0 ? index + x.shape![dim]! : index, 4);
  const y = ctx.op('Gather', [x, idx], { axis: dim }, { out: 0 });
  ctx.setOutput(0, y, x.dyn.filter((_, d) => d !== dim));
});
registerSymbolic('aten::slice', (ctx) => {
  const x = ctx.input(0);
  const rank = rankOf(ctx, x, 'the input');
  const dim = normDim(ctx.constant<number>(1, 'dim'), rank);
  const start = ctx.isNone(2) ? 0 : ctx.constant<number>(2, 'start');
  const endRaw = ctx.isNone(3) ? Number.MAX_SAFE_INTEGER : ctx.constant<number>(3, 'end');
  const end = Math.min(endRaw, 9223372036854775807);
  const step = ctx.constant<number>(4, 'step');
  if (x.dyn[dim] !== null && !(start === 0 && end >= Number.MAX_SAFE_INTEGER && step === 1)) ctx.fail('slicing a dynamic dimension');
  if (start === 0 && end >= x.shape![dim]! && step === 1 && x.dyn[dim] === null) return ctx.setOutput(0, x);
  const y = ctx.op('Slice', [x, ctx.ints([start]), ctx.ints([end]), ctx.ints([dim]), ctx.ints([step])], {}, { out: 0 });
  ctx.setOutput(0, y, x.dyn.map((d, k) => (k === dim ? null : d)));
});
function split(ctx: Ctx, x: OnnxValue, sizes: number[], dim: number): void {
  const outs = ctx.opset >= 13
    ? ctx.opMulti('Split', [x, ctx.ints(sizes)], sizes.length, { axis: dim })
    : ctx.opMulti('Split', [x], sizes.length, { axis: dim, split: sizes });
  const traced = sizes.map((n) => x.shape!.map((s, k) => (k === dim ? n : s)));
  ctx.setOutputList(0, outs.map((o, i) => ({ ...o, scalarType: x.scalarType, shape: traced[i]!, dyn: x.dyn.map((d, k) => (k === dim ? null : d)) })));
}
registerSymbolic('aten::chunk', (ctx) => {
  const x = ctx.input(0);
  const rank = rankOf(ctx, x, 'the input');
  const chunks = ctx.constant<number>(1, 'chunks');
  const dim = normDim(ctx.constant<number>(2, 'dim'), rank);
  if (x.dyn[dim] !== null) ctx.fail('chunking a dynamic dimension');
  const n = x.shape![dim]!;
  const size = Math.ceil(n / chunks);
  const sizes: number[] = [];
  for (let s = 0; s < n; s += size) sizes.push(Math.min(size, n - s));
  split(ctx, x, sizes, dim);
});
registerSymbolic('aten::split', (ctx) => {
  const x = ctx.input(0);
  const rank = rankOf(ctx, x, 'the input');
  const dim = normDim(ctx.constant<number>(2, 'dim'), rank);
  if (x.dyn[dim] !== null) ctx.fail('splitting a dynamic dimension');
  const arg = ctx.constant<number | number[]>(1, 'split_size');
  const n = x.shape![dim]!;
  const sizes: number[] = [];
  if (typeof arg === 'number') for (let s = 0; s < n; s += arg) sizes.push(Math.min(arg, n - s));
  else sizes.push(...arg);
  split(ctx, x, sizes, dim);
});
registerSymbolic('aten::split_with_sizes', (ctx) => {
  const x = ctx.input(0);
  const dim = normDim(ctx.constant<number>(2, 'dim'), rankOf(ctx, x, 'the input'));
  if (x.dyn[dim] !== null) ctx.fail('splitting a dynamic dimension');
  split(ctx, x, ctx.constant<number[]>(1, 'split_sizes'), dim);
});
