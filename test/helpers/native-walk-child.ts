// The child process of test/native-walk.test.ts: calls every function the addon exports with tensors of every
// layout libtorch 1.13 can make (strided of several dtypes and shapes, views, sparse COO/CSR/CSC/BSR/BSC, MKL-DNN,
// quantized, nested, meta, conjugate and negative views, autograd leaves and results, disposed handles) and with
// other hostile values (nothing, null, strings, objects, extreme numbers, typed arrays too short), then a set of
// operators through the boxed `call` path with every layout. Every call must return or throw a JavaScript error;
// one line per function goes to stdout first, so that a crash names the function that caused it.
import { readFileSync } from 'node:fs';
import { native, type Handle } from '../../src/native/binding.js';
import { op } from '../../src/native/ops.js';
import * as torch from '../../src/index.js';

const log = (s: string): void => { process.stdout.write(s + '\n'); };
const h = (t: torch.Tensor): Handle => t._h;

// every layout, made fresh for each call (dispose and in-place functions may consume them)
const makers: Record<string, () => Handle | null> = {
  float: () => h(torch.randn(3, 4)),
  int64: () => h(torch.tensor([[1, 2], [3, 4]], { dtype: 'int64' })),
  bool: () => h(torch.tensor([true, false])),
  complex: () => op('aten::view_as_complex')(h(torch.randn(3, 2))),
  half: () => h(torch.randn(2, 2).to('float16')),
  scalar0d: () => h(torch.tensor(3.5)),
  empty: () => h(torch.zeros(0, 3)),
  transposed: () => h(torch.randn(3, 4).t()),
  expanded: () => h(torch.randn(3, 1).expand(3, 4)),
  sparseCoo: () => op('aten::to_sparse')(h(torch.randn(3, 4))),
  sparseCsr: () => op('aten::to_sparse_csr')(h(torch.randn(3, 4))),
  sparseCsc: () => op('aten::to_sparse_csc')(h(torch.randn(3, 4))),
  sparseBsr: () => op('aten::to_sparse_bsr')(h(torch.randn(4, 4)), [2, 2]),
  sparseBsc: () => op('aten::to_sparse_bsc')(h(torch.randn(4, 4)), [2, 2]),
  mkldnn: () => op('aten::to_mkldnn')(h(torch.randn(3, 4))),
  quantized: () => op('aten::quantize_per_tensor')(h(torch.randn(3, 4)), 0.1, 0, 12),
  nested: () => op('aten::_nested_tensor_from_tensor_list')([h(torch.randn(2, 4)), h(torch.randn(3, 4))]),
  meta: () => op('aten::empty.memory_format')([2, 3], 6, undefined, 'meta'),
  conj: () => op('aten::conj')(op('aten::view_as_complex')(h(torch.randn(3, 2)))),
  neg: () => op('aten::_neg_view')(h(torch.randn(3))),
  leaf: () => h(torch.randn(3).requiresGrad_(true)),
  nonLeaf: () => h(torch.randn(3).requiresGrad_(true).mul(2)),
  disposed: () => { const t = torch.randn(2); const x = t._h; t.dispose(); return x; },
  undefinedTensor: () => null,
};

const others: unknown[] = [undefined, null, 0, -1, 1.5, NaN, Infinity, -Infinity, 2 ** 31, 2 ** 53, -(2 ** 63), 10n ** 30n,
  'x', '', {}, [], [[]], () => 1, Symbol('s'), new Uint8Array(3), new Float32Array(2), new Int32Array(4), new ArrayBuffer(8)];

// functions whose numeric arguments could stall the machine rather than fail (port bounds the thread count)
const noNumbers = new Set(['setNumThreads', 'manualSeed']);

let calls = 0, threw = 0;
function attempt(name: string, fn: (...a: unknown[]) => unknown, args: unknown[]): void {
  calls++;
  try {
    fn(...args);
  } catch (e) {
    threw++;
    if (!(e instanceof Error)) throw new Error(`${name} threw a non-Error: ${String(e)}`);
  }
}

const fns = Object.entries(native as unknown as Record<string, (...a: unknown[]) => unknown>).filter(([, f]) => typeof f === 'function');
for (const [name, fn] of fns) {
  log(`export ${name}`);
  for (const [layout, make] of Object.entries(makers)) {
    for (const argc of [1, 2, 3]) {
      attempt(`${name}(${layout} x${argc})`, fn, Array.from({ length: argc }, () => make()));
    }
    attempt(`${name}(${layout}, 0)`, fn, [make(), 0]);
    attempt(`${name}(${layout}, true)`, fn, [make(), true]);
  }
  for (const v of others) {
    if (noNumbers.has(name) && (typeof v === 'number' || typeof v === 'bigint')) continue;
    attempt(`${name}(${String(v)})`, fn, [v]);
    attempt(`${name}(tensor, ${String(v)})`, fn, [makers.float!(), v]);
  }
  attempt(`${name}()`, fn, []);
}
// inference mode entered by the walk is left again
while (native.isInferenceModeEnabled()) native.inferenceModeExit();
native.setGradEnabled(true);
native.useGenerator(null);

// the pixel loops with sizes that do not match their arrays, or that overflow when multiplied
log('pixel loops');
const big = [0, -1, 1, 3, 2 ** 31 - 1, 2 ** 31, 2 ** 32 + 1, 2 ** 53, 2 ** 62, -(2 ** 62), NaN, Infinity];
const u8 = (n: number): Uint8Array => new Uint8Array(n);
const i32 = (xs: number[]): Int32Array => Int32Array.from(xs);
for (const a of big) {
  for (const b of big) {
    attempt('resampleHorizontal', native.resampleHorizontal as never, [u8(12), a, 3, 0, 1, b, i32([0, 1, 0, 2 ** 31 - 1]), i32([1, 1]), 1, u8(12)]);
    attempt('resampleHorizontal', native.resampleHorizontal as never, [u8(12), 4, a, b, 1, 1, i32([2 ** 31 - 1, 2 ** 31 - 1]), i32([1]), 1, u8(3)]);
    attempt('resampleVertical', native.resampleVertical as never, [u8(12), a, b, 1, i32([0, 1]), i32([1]), 1, u8(12)]);
    attempt('resampleVertical', native.resampleVertical as never, [u8(12), 4, 0, a, i32([b, 1]), i32([1]), b, u8(4)]);
    attempt('imageToCHW', native.imageToCHW as never, [u8(12), a, b, 3, null]);
    attempt('imageToCHW', native.imageToCHW as never, [u8(12), 2, 2, 3, new Float32Array(a === 3 ? 768 : 5)]);
    attempt('flipImage', native.flipImage as never, [u8(12), a, b, 3, u8(12)]);
    attempt('fromBytes', native.fromBytes as never, [u8(8), [a, b], 6]);
    attempt('decodeJpeg', native.decodeJpeg as never, [Uint8Array.of(0xff, 0xd8, 0xff, 0xc0, 0, 17, 8, 0xff, 0xff, 0xff, 0xff, 3), a]);
  }
}

// operators through the boxed path, with every layout (libtorch's own errors must come back as exceptions)
log('operators');
const ops: [string, (t: Handle) => unknown[]][] = [
  ['aten::add.Tensor', (t) => [t, t]], ['aten::mul.Tensor', (t) => [t, 2]], ['aten::sum', (t) => [t]], ['aten::mean', (t) => [t]],
  ['aten::clone', (t) => [t]], ['aten::contiguous', (t) => [t]], ['aten::to_dense', (t) => [t]], ['aten::t', (t) => [t]],
  ['aten::reshape', (t) => [t, [-1]]], ['aten::view', (t) => [t, [-1]]], ['aten::abs', (t) => [t]], ['aten::relu', (t) => [t]],
  ['aten::matmul', (t) => [t, t]], ['aten::index_select', (t) => [t, 0, h(torch.tensor([0], { dtype: 'int64' }))]],
  ['aten::select.int', (t) => [t, 0, 5]], ['aten::narrow', (t) => [t, 0, 0, 1]], ['aten::max', (t) => [t]], ['aten::sort', (t) => [t]],
  ['aten::_local_scalar_dense', (t) => [t]], ['aten::copy_', (t) => [t, h(torch.randn(3, 4))]], ['aten::fill_.Scalar', (t) => [t, 1]],
  ['aten::as_strided', (t) => [t, [2, 2], [1, 1], 0]], ['aten::cat', (t) => [[t, t]]], ['aten::stack', (t) => [[t, t]]],
  ['aten::to.dtype', (t) => [t, 6]], ['aten::detach', (t) => [t]], ['aten::numel', (t) => [t]], ['aten::softmax.int', (t) => [t, 0]],
];
for (const [name, args] of ops) {
  log(`op ${name}`);
  const f = op(name);
  for (const make of Object.values(makers)) {
    const t = make();
    attempt(name, f, args(t as Handle));
  }
}
// with TSTORCH_WALK_OPS=<file>: every operator listed there (one schema name a line, unary or binary), with every layout
const sweep = process.env.TSTORCH_WALK_OPS;
if (sweep) {
  for (const name of readFileSync(sweep, 'utf8').split('\n').filter((n) => n !== '')) {
    log(`op ${name}`);
    for (const make of Object.values(makers)) {
      const t = make();
      attempt(name, op(name), [t]);
      attempt(name, op(name), [t, t]);
      attempt(name, op(name), [make(), h(torch.randn(3, 4))]);
    }
  }
}

// torchvision's kernels (src/native/vision_ops.cc) through the dispatcher: valid arguments, then each tensor
// argument replaced by every layout, each number by a hostile one (sizes stay small: a huge pooled size would be a
// legitimate huge allocation, not a bug)
log('torchvision operators');
const f32 = (...shape: number[]): Handle => h(torch.rand(...shape));
const i32z = (...shape: number[]): Handle => h(torch.zeros(shape, { dtype: 'int32' })); // argmax, channel_mapping
const rois = (): Handle => h(torch.tensor([[0, 0, 0, 4, 4], [0, 1, 1, 5, 3]]));
const tvOps: [string, () => unknown[]][] = [
  ['torchvision::nms', () => [h(torch.tensor([[0, 0, 2, 2], [1, 1, 3, 3], [0, 0, 2, 2.5]])), f32(3), 0.5]],
  ['torchvision::roi_align', () => [f32(1, 2, 6, 6), rois(), 1.0, 2, 2, 2, false]],
  ['torchvision::_roi_align_backward', () => [f32(2, 2, 2, 2), rois(), 1.0, 2, 2, 1, 2, 6, 6, 2, false]],
  ['torchvision::roi_pool', () => [f32(1, 2, 6, 6), rois(), 1.0, 2, 2]],
  ['torchvision::_roi_pool_backward', () => [f32(2, 2, 2, 2), rois(), i32z(2, 2, 2, 2), 1.0, 2, 2, 1, 2, 6, 6]],
  ['torchvision::ps_roi_align', () => [f32(1, 8, 6, 6), rois(), 1.0, 2, 2, 2]],
  ['torchvision::_ps_roi_align_backward', () => [f32(2, 2, 2, 2), rois(), i32z(2, 2, 2, 2), 1.0, 2, 2, 2, 1, 8, 6, 6]],
  ['torchvision::ps_roi_pool', () => [f32(1, 8, 6, 6), rois(), 1.0, 2, 2]],
  ['torchvision::_ps_roi_pool_backward', () => [f32(2, 2, 2, 2), rois(), i32z(2, 2, 2, 2), 1.0, 2, 2, 1, 8, 6, 6]],
  ['torchvision::deform_conv2d', () => [f32(1, 2, 5, 5), f32(3, 2, 3, 3), f32(1, 18, 3, 3), f32(1, 9, 3, 3), f32(3), 1, 1, 0, 0, 1, 1, 1, 1, true]],
  ['torchvision::_deform_conv2d_backward', () => [f32(1, 3, 3, 3), f32(1, 2, 5, 5), f32(3, 2, 3, 3), f32(1, 18, 3, 3), f32(1, 9, 3, 3), f32(3), 1, 1, 0, 0, 1, 1, 1, 1, true]],
];
for (const [name, valid] of tvOps) {
  log(`op ${name}`);
  const f = op(name);
  attempt(name, f, valid());
  const n = valid().length;
  for (let i = 0; i < n; i++) {
    const kind = typeof valid()[i];
    if (kind === 'object') {
      for (const make of Object.values(makers)) { const a = valid(); a[i] = make(); attempt(name, f, a); }
      for (const bad of [f32(0), f32(7), f32(2, 2), h(torch.full([2, 5], NaN)), h(torch.tensor([[5, 0, 0, 1, 1], [-1, 0, 0, 1, 1]]))]) { const a = valid(); a[i] = bad; attempt(name, f, a); }
    } else if (kind === 'number') {
      for (const v of [-1, 0, 7, NaN, Infinity, -(2 ** 31)]) { const a = valid(); a[i] = v; attempt(name, f, a); }
    }
  }
}

// and the Tensor class over each layout: shape, printing, data
log('tensor class');
for (const [layout, make] of Object.entries(makers)) {
  const x = make();
  if (x === null) continue;
  const t = new torch.Tensor(x);
  for (const f of [() => t.shape, () => t.stride(), () => t.dtype, () => t.device, () => String(t), () => t.toArray(), () => t.toBytes(), () => t.isContiguous(), () => t.numel()]) {
    attempt(`Tensor(${layout})`, f, []);
  }
}
log(JSON.stringify({ done: true, calls, threw, exports: fns.length }));
