// The RoI operators and deformable convolution of vision.ops (native kernels in src/native/vision_ops.cc) against
// torchvision 0.14's compiled kernels: outputs and input gradients, float32 and float64, on random RoIs, RoIs partly
// or wholly outside the feature map, degenerate RoIs (zero or negative extent), both box formats, and bad input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../src/index.js';
import * as vision from '../src/vision/index.js';
import { compareWithPyTorch, type Case } from './nn-harness.js';
import { runPython } from './helpers/pytorch.js';

const ops = vision.ops;
type T = torch.Tensor;
const TV = "__import__('torchvision').ops";

torch.manualSeed(11);

/** RoIs [K, 5] over a batch of `n` feature maps of h x w: random, some partly or wholly outside, some degenerate. */
function rois(n: number, h: number, w: number, k: number, dtype: 'float32' | 'float64' = 'float32'): T {
  const rows: number[][] = [];
  const u = torch.rand([k, 4]).toArray() as number[][];
  for (let i = 0; i < k; i++) {
    const x1 = u[i]![0]! * (w + 4) - 3;
    const y1 = u[i]![1]! * (h + 4) - 3;
    rows.push([i % n, x1, y1, x1 + u[i]![2]! * w * 0.8, y1 + u[i]![3]! * h * 0.8]);
  }
  rows.push([0, 2, 2, 2, 5]); // zero width
  rows.push([n - 1, 5, 4, 3, 2]); // x2 < x1, y2 < y1
  rows.push([0, w + 3, h + 3, w + 9, h + 7]); // wholly outside
  rows.push([n - 1, -9, -6, -1, -2]); // wholly outside, negative
  rows.push([0, 0, 0, w, h]); // the whole map
  rows.push([n - 1, 1.5, 1.5, 1.5, 1.5]); // a point
  return torch.tensor(rows, { dtype });
}

const exact = { atol: 0, rtol: 0 };

test('roi_align equals torchvision (aligned or not, adaptive or fixed sampling, float32/float64), gradients too', () => {
  const cases: Case[] = [];
  for (const dtype of ['float32', 'float64'] as const) {
    const x = torch.randn([2, 6, 9, 11], { dtype }); // 6 channels: one block of four and two single ones
    const r = rois(2, 9, 11, 12, dtype);
    for (const aligned of [false, true]) {
      for (const sr of [-1, 0, 2]) {
        for (const scale of [1, 0.5]) {
          cases.push({
            name: `roi_align ${dtype} aligned=${aligned} sampling_ratio=${sr} scale=${scale}`,
            inputs: [x, r], grad: [true, false], ...exact,
            fn: (_m, [a, b]) => ops.roiAlign(a!, b!, [3, 4], { spatialScale: scale, samplingRatio: sr, aligned }),
            py: `${TV}.roi_align(x0, x1, (3, 4), spatial_scale=${scale}, sampling_ratio=${sr}, aligned=${aligned ? 'True' : 'False'})`,
          });
        }
      }
    }
  }
  const x = torch.randn([2, 4, 7, 8]);
  const list = [torch.tensor([[0, 0, 5, 5], [1, 2, 7, 6]]), torch.tensor([[3, 1, 4, 6.5]])];
  cases.push({
    name: 'roi_align with one box tensor per image', inputs: [x, list[0]!, list[1]!], grad: [true, false, false], ...exact,
    fn: (_m, [a, b0, b1]) => ops.roiAlign(a!, [b0!, b1!], 2, { spatialScale: 1, samplingRatio: 2 }),
    py: `${TV}.roi_align(x0, [x1, x2], 2, 1.0, 2)`,
  });
  cases.push({
    name: 'RoIAlign module and repr', inputs: [x, rois(2, 7, 8, 5)], grad: [true, false], repr: true, ...exact,
    build: () => new ops.RoIAlign([5, 5], 0.5, 2, true), pyBuild: `${TV}.RoIAlign((5, 5), 0.5, 2, True)`,
  });
  compareWithPyTorch(cases);
});

test('roi_pool, ps_roi_align and ps_roi_pool equal torchvision, gradients too', () => {
  const cases: Case[] = [];
  for (const dtype of ['float32', 'float64'] as const) {
    const x = torch.randn([2, 8, 9, 10], { dtype });
    const r = rois(2, 9, 10, 10, dtype);
    for (const scale of [1, 0.5]) {
      cases.push({
        name: `roi_pool ${dtype} scale=${scale}`, inputs: [x, r], grad: [true, false], ...exact,
        fn: (_m, [a, b]) => ops.roiPool(a!, b!, [2, 3], scale), py: `${TV}.roi_pool(x0, x1, (2, 3), ${scale})`,
      });
      cases.push({
        name: `ps_roi_pool ${dtype} scale=${scale}`, inputs: [x, r], grad: [true, false], ...exact,
        fn: (_m, [a, b]) => ops.psRoiPool(a!, b!, 2, scale), py: `${TV}.ps_roi_pool(x0, x1, 2, ${scale})`,
      });
      for (const sr of [-1, 2]) {
        cases.push({
          name: `ps_roi_align ${dtype} scale=${scale} sampling_ratio=${sr}`, inputs: [x, finiteForPs(r)], grad: [true, false], ...exact,
          fn: (_m, [a, b]) => ops.psRoiAlign(a!, b!, [2, 2], scale, sr), py: `${TV}.ps_roi_align(x0, x1, (2, 2), ${scale}, ${sr})`,
        });
      }
    }
  }
  const x = torch.randn([1, 4, 6, 6]);
  const r = rois(1, 6, 6, 4);
  cases.push({ name: 'RoIPool repr', inputs: [x, r], grad: [true, false], repr: true, ...exact,
    build: () => new ops.RoIPool(3, 0.25), pyBuild: `${TV}.RoIPool(3, 0.25)` });
  cases.push({ name: 'PSRoIAlign repr', inputs: [x, r], grad: [true, false], repr: true, ...exact,
    build: () => new ops.PSRoIAlign(2, 0.5, 2), pyBuild: `${TV}.PSRoIAlign(2, 0.5, 2)` });
  cases.push({ name: 'PSRoIPool repr', inputs: [x, r], grad: [true, false], repr: true, ...exact,
    build: () => new ops.PSRoIPool(2, 1.0), pyBuild: `${TV}.PSRoIPool(2, 1.0)` });
  compareWithPyTorch(cases);
});

/**
 * ps_roi_align does not widen RoIs of zero (or, scaled, small negative) extent to one pixel as roi_align does: their
 * bins average zero samples, 0 / 0 = NaN, in torchvision as here (checked in the next test). These rows are left out
 * of the exact comparisons.
 */
function finiteForPs(r: T): T {
  const w = r.select(1, 3).sub(r.select(1, 1));
  const h = r.select(1, 4).sub(r.select(1, 2));
  return r.index(w.gt(0).logicalAnd(h.gt(0)));
}

test('ps_roi_align of zero-extent RoIs is NaN where torchvision gives NaN, and equal elsewhere', () => {
  const x = torch.randn([1, 4, 6, 6]);
  const r = torch.tensor([[0, 2, 2, 2, 5], [0, 1.5, 1.5, 1.5, 1.5], [0, 1, 1, 4, 5]]);
  const y = ops.psRoiAlign(x, r, 2, 1.0, -1);
  const py = runPython(`OUT['y'] = torchvision.ops.ps_roi_align(T['x'], T['r'], 2, 1.0, -1)`, { tensors: { x, r } }).tensors.y!;
  assert.ok(y.isnan().any().item(), 'some bins are NaN');
  assert.ok(y.isnan().equal(py.isnan()), 'NaN in the same bins');
  assert.ok(y.nanToNum({ nan: 0 }).equal(py.nanToNum({ nan: 0 })), 'equal elsewhere');
});

test('roi_align in float16 equals torchvision', () => {
  const x = torch.randn([1, 5, 6, 7]).half();
  const r = torch.tensor([[0, 0.5, 1, 5, 5.5], [0, 2, 0, 6, 3]]).half();
  compareWithPyTorch([{ name: 'roi_align half', inputs: [x, r], grad: [false, false], ...exact,
    fn: (_m, [a, b]) => ops.roiAlign(a!, b!, 2, { samplingRatio: 2 }), py: `${TV}.roi_align(x0, x1, 2, sampling_ratio=2)` }]);
});

test('deform_conv2d equals torchvision: groups, offset groups, mask, stride, padding, dilation; all gradients', () => {
  const cases: Case[] = [];
  const cfgs = [
    { n: 2, cin: 4, cout: 6, k: [3, 3], groups: 1, og: 1, mask: false, stride: 1, pad: 1, dil: 1 },
    { n: 3, cin: 4, cout: 4, k: [3, 2], groups: 2, og: 2, mask: true, stride: [2, 1], pad: [1, 0], dil: [1, 2] },
    { n: 1, cin: 6, cout: 3, k: [1, 1], groups: 3, og: 3, mask: true, stride: 1, pad: 0, dil: 1 },
  ];
  for (const c of cfgs) {
    const H = 7;
    const W = 8;
    const st = typeof c.stride === 'number' ? [c.stride, c.stride] : c.stride;
    const pd = typeof c.pad === 'number' ? [c.pad, c.pad] : c.pad;
    const dl = typeof c.dil === 'number' ? [c.dil, c.dil] : c.dil;
    const oh = Math.floor((H + 2 * pd[0]! - (dl[0]! * (c.k[0]! - 1) + 1)) / st[0]!) + 1;
    const ow = Math.floor((W + 2 * pd[1]! - (dl[1]! * (c.k[1]! - 1) + 1)) / st[1]!) + 1;
    const input = torch.randn([c.n, c.cin, H, W], { dtype: 'float64' });
    // Offsets up to +-3 pixels: many sampling points fall between pixels and some outside the input.
    const offset = torch.rand([c.n, 2 * c.og * c.k[0]! * c.k[1]!, oh, ow], { dtype: 'float64' }).mul(6).sub(3);
    const weight = torch.randn([c.cout, c.cin / c.groups, c.k[0]!, c.k[1]!], { dtype: 'float64' });
    const bias = torch.randn([c.cout], { dtype: 'float64' });
    const mask = torch.rand([c.n, c.og * c.k[0]! * c.k[1]!, oh, ow], { dtype: 'float64' });
    const inputs = c.mask ? [input, offset, weight, bias, mask] : [input, offset, weight, bias];
    const py = `${TV}.deform_conv2d(x0, x1, x2, x3, stride=${JSON.stringify(st)}, padding=${JSON.stringify(pd)}, dilation=${JSON.stringify(dl)}${c.mask ? ', mask=x4' : ''})`;
    cases.push({
      name: `deform_conv2d ${JSON.stringify(c)}`, inputs, atol: 1e-10, rtol: 1e-10,
      fn: (_m, xs) => ops.deformConv2d(xs[0]!, xs[1]!, xs[2]!, { bias: xs[3]!, stride: st, padding: pd, dilation: dl, mask: c.mask ? xs[4]! : null }),
      py,
    });
  }
  cases.push({
    name: 'DeformConv2d module (float32) and repr', repr: true,
    inputs: [torch.randn([2, 4, 6, 6]), torch.randn([2, 18, 3, 3])],
    build: () => new ops.DeformConv2d(4, 5, 3, { stride: 2, padding: 1 }), pyBuild: `${TV}.DeformConv2d(4, 5, 3, stride=2, padding=1)`,
  });
  compareWithPyTorch(cases);
});

test('bad RoIs and shapes are errors that name the problem, never a crash', () => {
  const x = torch.randn([2, 3, 5, 5]);
  const cases: [() => unknown, RegExp][] = [
    [() => ops.roiAlign(x, torch.tensor([[2, 0, 0, 3, 3]]), 2), /RoI 0 has batch index 2 outside the batch of 2/],
    [() => ops.roiAlign(x, torch.tensor([[-1, 0, 0, 3, 3]]), 2), /batch index -1/],
    [() => ops.roiAlign(x, torch.tensor([[0, 0, NaN, 3, 3]]), 2), /RoI 0 has a non-finite value/],
    [() => ops.roiAlign(x, torch.tensor([[0, 0, 0, Infinity, 3]]), 2), /non-finite/],
    [() => ops.roiAlign(x, torch.tensor([[0, 0, 0, 1e30, 3]]), 2), /sampling points per bin side/],
    [() => ops.roiAlign(x, torch.tensor([[0, 0, 0, 3]]), 2), /shape \[K, 5\]/],
    [() => ops.roiAlign(x, torch.tensor([[0, 0, 0, 3, 3]], { dtype: 'float64' }), 2), /must have the dtype of the input/],
    [() => ops.roiAlign(x.select(0, 0), torch.tensor([[0, 0, 0, 3, 3]]), 2), /4-d/],
    [() => ops.roiAlign(x, torch.tensor([[0, 0, 0, 3, 3]]), 0), /output_size must be positive/],
    [() => ops.roiAlign(x, torch.tensor([[0, 0, 0, 3, 3]]), 2, { spatialScale: NaN }), /spatial_scale must be finite/],
    [() => ops.roiPool(x, torch.tensor([[5, 0, 0, 3, 3]]), 2), /batch index 5/],
    [() => ops.roiPool(x, torch.tensor([[0, 0, 0, 3e12, 3]]), 2), /outside the range of pixel indices/],
    [() => ops.psRoiAlign(x, torch.tensor([[0, 0, 0, 3, 3]]), 2), /multiple of pooling height \* pooling width/],
    [() => ops.psRoiPool(torch.randn([1, 4, 5, 5]), torch.tensor([[1, 0, 0, 3, 3]]), 2), /batch index 1/],
    [() => ops.nms(torch.randn([3, 4]), torch.randn([2]), 0.5), /same number of elements/],
    [() => ops.nms(torch.randn([3, 5]), torch.randn([3]), 0.5), /4 elements in dimension 1/],
    [() => ops.deformConv2d(torch.randn([1, 2, 5, 5]), torch.randn([1, 17, 3, 3]), torch.randn([3, 2, 3, 3])), /offset tensor at dimension 1 is not valid/],
    [() => ops.deformConv2d(torch.randn([1, 2, 5, 5]), torch.randn([1, 19, 3, 3]), torch.randn([3, 2, 3, 3])), /offset.shape\[1\] is not valid: got: 19 expected: 18/],
    [() => ops.deformConv2d(torch.randn([1, 2, 5, 5]), torch.randn([1, 18, 4, 4]), torch.randn([3, 2, 3, 3])), /offset output dims/],
    [() => ops.deformConv2d(torch.randn([1, 2, 5, 5]), torch.randn([1, 18, 3, 3]), torch.randn([3, 2, 3, 3]), { mask: torch.randn([1, 8, 3, 3]) }), /mask.shape\[1\] is not valid/],
  ];
  for (const [f, re] of cases) assert.throws(f, re);
  // The backward operators check the tensors a caller could hand them.
  const bw = torch.op('torchvision::_roi_pool_backward');
  assert.throws(() => bw(torch.randn([1, 3, 2, 2])._h, torch.tensor([[0, 0, 0, 3, 3]])._h, torch.full([1, 3, 2, 2], 99, { dtype: 'int32' })._h,
    1.0, 2, 2, 2, 3, 5, 5), /argmax entry 0 is 99, outside \[-1, 25\)/);
  const psbw = torch.op('torchvision::_ps_roi_align_backward');
  assert.throws(() => psbw(torch.randn([1, 1, 2, 2])._h, torch.tensor([[0, 0, 0, 3, 3]])._h, torch.full([1, 1, 2, 2], -4, { dtype: 'int32' })._h,
    1.0, 2, 2, 2, 1, 4, 5, 5), /channel_mapping entry 0 is -4/);
  // Double backward is refused as in torchvision.
  const inp = torch.randn([1, 1, 4, 4]).requiresGrad_();
  const out = ops.roiAlign(inp, torch.tensor([[0, 0, 0, 3, 3]]), 2);
  // The gradient of out^2 depends on the input, so the gradient's own graph goes through roi_align's backward.
  const [g] = torch.autograd.grad([out.pow(2).sum()], [inp], { createGraph: true });
  assert.throws(() => g!.sum().backward(), /double backwards on roi_align not supported/);
});

test('empty inputs: no RoIs, no channels, an empty batch of deformable convolution', () => {
  const x = torch.randn([2, 3, 5, 5]).requiresGrad_();
  const y = ops.roiAlign(x, torch.zeros([0, 5]), 2);
  assert.deepEqual([...y.shape], [0, 3, 2, 2]);
  y.sum().backward();
  assert.equal(x.grad!.abs().sum().item(), 0);
  assert.deepEqual([...ops.roiPool(torch.randn([1, 0, 4, 4]), torch.tensor([[0, 0, 0, 2, 2]]), 2).shape], [1, 0, 2, 2]);
  assert.deepEqual([...ops.nms(torch.zeros([0, 4]), torch.zeros([0]), 0.5).shape], [0]);
  assert.deepEqual([...ops.deformConv2d(torch.randn([0, 2, 5, 5]), torch.randn([0, 18, 3, 3]), torch.randn([3, 2, 3, 3])).shape], [0, 3, 3, 3]);
});

// TSTORCH_HEAVY_TESTS=1: many random shapes, scales and sampling ratios, at zero tolerance, with several threads
// (the kernels split work over threads; the sums must not change), and nms of 20,000 boxes.
const heavy = process.env.TSTORCH_HEAVY_TESTS === '1';
test('heavy: random RoI operator configurations and large nms equal torchvision exactly', { skip: !heavy }, () => {
  const threads = torch.getNumThreads();
  torch.setNumThreads(2);
  const cases: Case[] = [];
  for (let i = 0; i < 24; i++) {
    const n = 1 + (i % 3);
    const c = 4 * (1 + (i % 4));
    const h = 5 + ((i * 7) % 23);
    const w = 5 + ((i * 11) % 29);
    const x = torch.randn([n, c, h, w], { dtype: i % 2 ? 'float64' : 'float32' });
    const r = rois(n, h * 2, w * 2, 40, i % 2 ? 'float64' : 'float32');
    const scale = [0.5, 0.25, 1][i % 3]!;
    const sr = [-1, 1, 2, 3][i % 4]!;
    const aligned = i % 5 < 2;
    cases.push({ name: `roi_align ${i}`, inputs: [x, r], grad: [true, false], ...exact,
      fn: (_m, [a, b]) => ops.roiAlign(a!, b!, [2 + (i % 3), 3], { spatialScale: scale, samplingRatio: sr, aligned }),
      py: `${TV}.roi_align(x0, x1, (${2 + (i % 3)}, 3), ${scale}, ${sr}, ${aligned ? 'True' : 'False'})` });
    cases.push({ name: `roi_pool ${i}`, inputs: [x, r], grad: [true, false], ...exact,
      fn: (_m, [a, b]) => ops.roiPool(a!, b!, [2, 2], scale), py: `${TV}.roi_pool(x0, x1, (2, 2), ${scale})` });
  }
  const boxes = torch.rand([20000, 2]).mul(1000);
  const big = torch.cat([boxes, boxes.add(torch.rand([20000, 2]).mul(80).add(1))], 1);
  cases.push({ name: 'nms 20000', inputs: [big, torch.rand([20000])], grad: [false, false], ...exact,
    fn: (_m, [b, s]) => ops.nms(b!, s!, 0.6), py: `${TV}.nms(x0, x1, 0.6)` });
  compareWithPyTorch(cases);
  torch.setNumThreads(threads);
});

test('a training-style loop over the native ops keeps native memory flat', () => {
  const x = torch.randn([1, 8, 16, 16]);
  const r = rois(1, 16, 16, 20);
  const step = (): void => torch.tidy(() => {
    const inp = x.clone().requiresGrad_();
    const y = ops.roiAlign(inp, r, 3, { samplingRatio: 2 }).sum().add(ops.roiPool(inp, r, 2).sum());
    y.backward();
    ops.nms(r.narrow(1, 1, 4), r.select(1, 1), 0.5);
  });
  for (let i = 0; i < 5; i++) step();
  const before = torch.memoryStats();
  for (let i = 0; i < 200; i++) step();
  const after = torch.memoryStats();
  // No growth (the collector may meanwhile free tensors that earlier tests left to it).
  assert.ok(after.liveTensors <= before.liveTensors, `live tensors ${before.liveTensors} -> ${after.liveTensors}`);
  assert.ok(after.liveBytes <= before.liveBytes, `live bytes ${before.liveBytes} -> ${after.liveBytes}`);
});
