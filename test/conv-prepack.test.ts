// nn.Conv2d without autograd keeps its weight reordered for oneDNN (src/nn/modules/conv-prepack.ts): the same
// bits as aten::conv2d, taken only where libtorch itself uses oneDNN, never with gradients on, while tracing,
// with oneDNN disabled or for a weight that JavaScript or a collective can write, and made again whenever the
// weight changes. The model parity tests (models-*.test.ts) compare eval outputs under noGrad with torchvision's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../src/index.js';
import { profileOps } from '../src/autograd/op-profiler.js';
import { releaseKeptWeight } from '../src/nn/modules/conv-prepack.js';

const nn = torch.nn;

/** Whether m(x) ran the kept-weight path: aten::mkldnn_convolution called directly, without aten::conv2d. */
function usesKeptWeight(run: () => unknown): boolean {
  const { ops } = profileOps(run);
  const names = new Set(ops.map((o) => o.name));
  return names.has('aten::mkldnn_convolution') && !names.has('aten::conv2d') && !names.has('aten::conv3d');
}

test('the kept-weight convolution equals aten::conv2d bit for bit, at 1 and 2 threads', () => {
  torch.manualSeed(0);
  const before = torch.getNumThreads();
  let fast = 0;
  let cases = 0;
  try {
    for (const threads of [1, 2]) {
      torch.setNumThreads(threads);
      // [in, out, kernel, stride, padding, dilation, groups, bias]: ResNet's stem, 3x3, strided 1x1, depthwise, 1x1, dilated grouped, 5x5
      for (const [cin, cout, k, s, p, d, g, bias] of [[3, 16, 7, 2, 3, 1, 1, true], [16, 16, 3, 1, 1, 1, 1, false], [16, 32, 1, 2, 0, 1, 1, false],
        [16, 16, 3, 1, 1, 1, 16, true], [16, 24, 1, 1, 0, 1, 1, true], [16, 32, 3, 1, 2, 2, 2, true], [8, 8, 5, 1, 2, 1, 1, true]] as const) {
        for (const [bs, hw] of [[1, 7], [1, 40], [3, 9], [16, 4]] as const) {
          const m = new nn.Conv2d(cin, cout, k, { stride: s, padding: p, dilation: d, groups: g, bias }).eval();
          const x = torch.randn([bs, cin, hw, hw]);
          const ref = m.call(x).detach(); // gradients on: aten::conv2d
          // the copy made in inference mode (an inference tensor) then serves noGrad calls too
          const viaInference = torch.inferenceMode(() => m.call(x));
          const viaNoGrad = torch.noGrad(() => m.call(x));
          assert.ok(torch.equal(ref, viaNoGrad), `noGrad: threads ${threads}, conv ${cin}->${cout} k${k} s${s} p${p} d${d} g${g}, input ${bs}x${hw}x${hw}`);
          assert.ok(torch.equal(ref, viaInference), `inferenceMode: threads ${threads}, conv ${cin}->${cout} k${k}, input ${bs}x${hw}`);
          cases++;
          if (usesKeptWeight(() => torch.noGrad(() => m.call(x)))) fast++;
        }
      }
    }
  } finally {
    torch.setNumThreads(before);
  }
  // libtorch sends 1x1 convolutions at batch < 16 on one thread, and tiny single-image inputs, to its own kernels
  assert.ok(fast >= cases / 2 && fast < cases, `kept-weight path in ${fast} of ${cases} cases`);
});

test("nn.Conv3d too: the kept-weight path equals aten::conv3d bit for bit (R3D's stem and 3x3x3 blocks)", () => {
  torch.manualSeed(3);
  for (const [cin, cout, k, s, p] of [[3, 8, [3, 7, 7], [1, 2, 2], [1, 3, 3]], [8, 8, [3, 3, 3], [1, 1, 1], [1, 1, 1]], [8, 16, [1, 1, 1], [2, 2, 2], [0, 0, 0]]] as const) {
    const m = new nn.Conv3d(cin, cout, k as unknown as number[], { stride: s as unknown as number[], padding: p as unknown as number[], bias: false }).eval();
    const x = torch.randn([2, cin, 4, 12, 12]);
    const ref = m.call(x).detach();
    assert.ok(usesKeptWeight(() => torch.inferenceMode(() => m.call(x))), `conv3d ${cin}->${cout}: kept-weight path`);
    assert.ok(torch.equal(ref, torch.inferenceMode(() => m.call(x))), `conv3d ${cin}->${cout} k${k}`);
  }
});

test('taken only without autograd, outside tracing, with oneDNN enabled, for plain NCHW float tensors', () => {
  const m = new nn.Conv2d(8, 8, 3, { padding: 1 }).eval();
  const x = torch.randn([2, 8, 10, 10]);
  assert.equal(usesKeptWeight(() => torch.noGrad(() => m.call(x))), true, 'noGrad');
  assert.equal(usesKeptWeight(() => torch.inferenceMode(() => m.call(x))), true, 'inferenceMode');
  assert.equal(usesKeptWeight(() => m.call(x)), false, 'gradients on: autograd needs aten::conv2d');
  assert.equal(usesKeptWeight(() => torch.noGrad(() => m.call(x.contiguous({ memoryFormat: 'channelsLast' })))), false, 'channels-last input');
  const m64 = new nn.Conv2d(8, 8, 3, { padding: 1 }).double().eval();
  assert.equal(usesKeptWeight(() => torch.noGrad(() => m64.call(x.double()))), false, 'float64');
  torch.backends.mkldnn.enabled = false;
  try {
    assert.equal(usesKeptWeight(() => torch.noGrad(() => m.call(x))), false, 'torch.backends.mkldnn.enabled = false');
  } finally {
    torch.backends.mkldnn.enabled = true;
  }
  // the trace records aten::_convolution, as Python's does
  const traced = torch.noGrad(() => torch.jit.trace(m, [x]));
  assert.match(traced.graph, /aten::_convolution/);
  assert.doesNotMatch(traced.graph, /mkldnn/);
  assert.ok(torch.equal(torch.noGrad(() => traced.call(x)), m.call(x).detach()));
  assert.equal(releaseKeptWeight(m), true);
});

test('the kept weight is made again after every change of the weight', () => {
  torch.manualSeed(1);
  const m = new nn.Conv2d(4, 6, 3, { padding: 1 }).eval();
  const x = torch.randn([2, 4, 12, 12]);
  const check = (what: string): void => {
    assert.ok(usesKeptWeight(() => torch.noGrad(() => m.call(x))), `${what}: kept-weight path`);
    assert.ok(torch.equal(torch.noGrad(() => m.call(x)), m.call(x).detach()), `${what}: equals aten::conv2d`);
  };
  check('first call');
  const v0 = m.weight._version;
  torch.noGrad(() => m.weight.mul_(2)); // in place: the version counter
  assert.ok(m.weight._version > v0, 'mul_ bumps the version counter');
  check('after mul_');
  const opt = new torch.optim.SGD(m.parameters(), { lr: 0.5 });
  m.call(x).sum().backward();
  opt.step();
  check('after an optimizer step');
  m.loadStateDict(new nn.Conv2d(4, 6, 3, { padding: 1 }).stateDict());
  check('after loadStateDict');
  m.weight.data = torch.randn([6, 4, 3, 3]); // new memory, same Parameter
  check('after weight.data = ...');
  m.weight = new nn.Parameter(torch.randn([6, 4, 3, 3])); // another Parameter
  check('after assigning a new Parameter');
  torch.noGrad(() => m.weight.view(-1).narrow(0, 0, 10).fill_(0)); // through a view: shares the version counter
  check('after writing through a view');
});

test('a weight JavaScript can write (numpy(), toBuffer()) is never kept reordered', () => {
  torch.manualSeed(2);
  const m = new nn.Conv2d(4, 4, 3, { padding: 1 }).eval();
  const x = torch.randn([2, 4, 8, 8]);
  torch.noGrad(() => m.call(x)); // a kept copy exists
  const view = m.weight.detach().numpy() as Float32Array;
  view.fill(0.25); // no ATen operator, no version bump
  assert.equal(usesKeptWeight(() => torch.noGrad(() => m.call(x))), false);
  const y = torch.noGrad(() => m.call(x));
  assert.ok(torch.equal(y, m.call(x).detach()), 'the write is seen');
  assert.ok(torch.allclose(y.sub(m.bias!.view(1, 4, 1, 1)), torch.nn.functional.conv2d(x, torch.full([4, 4, 3, 3], 0.25), null, 1, 1)));
  const m2 = new nn.Conv2d(4, 4, 3, { padding: 1 }).eval();
  const buf = m2.weight.toBuffer();
  torch.noGrad(() => m2.call(x));
  assert.equal(usesKeptWeight(() => torch.noGrad(() => m2.call(x))), false, 'toBuffer');
  buf.fill(0);
  assert.ok(torch.equal(torch.noGrad(() => m2.call(x)), m2.bias!.view(1, 4, 1, 1).expand(2, 4, 8, 8)));
});

test('Tensor._version counts in-place operations as PyTorch does', () => {
  const t = torch.zeros([3]);
  const v = t._version;
  t.add_(1);
  t.mul_(2);
  assert.equal(t._version, v + 2);
  const view = t.narrow(0, 0, 2);
  view.zero_();
  assert.equal(t._version, v + 3, 'a view shares its base counter');
  t.add(1);
  assert.equal(t._version, v + 3, 'an out-of-place operation does not count');
});

test('a memory format name libtorch does not know is an error, not the default layout', () => {
  const x = torch.randn([2, 3, 4, 5]);
  assert.deepEqual(x.contiguous({ memoryFormat: 'channelsLast' }).stride(), [60, 1, 15, 3]);
  assert.throws(() => x.contiguous({ memoryFormat: 'channels_last' as never }), /memoryFormat must be one of 'contiguous', 'preserve', 'channelsLast', 'channelsLast3d'.*got 'channels_last'/);
  assert.throws(() => x.clone({ memoryFormat: 'nhwc' as never }), /memoryFormat must be one of/);
  assert.throws(() => x.isContiguous('channels_last' as never), /memoryFormat must be one of/);
});

test('a convolution marked for oneDNN channels last (the served eager engine) runs every channels-last call there, 1x1 on one thread included; unmarked ones keep PyTorch\'s choice bit for bit', async () => {
  const { useOneDnnChannelsLast } = await import('../src/nn/modules/conv-prepack.js');
  torch.manualSeed(1);
  const before = torch.getNumThreads();
  torch.setNumThreads(1);
  try {
    for (const [cin, cout, k, s, p, g] of [[16, 24, 1, 1, 0, 1], [16, 16, 3, 1, 1, 16], [8, 16, 3, 2, 1, 1]] as const) {
      const plain = new nn.Conv2d(cin, cout, k, { stride: s, padding: p, groups: g }).eval().to({ memoryFormat: 'channelsLast' });
      const marked = new nn.Conv2d(cin, cout, k, { stride: s, padding: p, groups: g }).eval();
      marked.loadStateDict(plain.stateDict());
      marked.to({ memoryFormat: 'channelsLast' });
      useOneDnnChannelsLast(marked);
      const x = torch.randn([4, cin, 12, 12]).contiguous({ memoryFormat: 'channelsLast' });
      const ref = plain.call(x).detach(); // gradients on: aten::conv2d, libtorch's own choice
      assert.ok(torch.equal(ref, torch.noGrad(() => plain.call(x))), `unmarked ${cin}->${cout} k${k}: PyTorch's bits`);
      const names = new Set(profileOps(() => torch.noGrad(() => marked.call(x))).ops.map((o) => o.name));
      assert.ok(names.has('aten::mkldnn_convolution') && !names.has('aten::conv2d'), `marked ${cin}->${cout} k${k}: ${[...names].join(', ')}`);
      const y = torch.noGrad(() => marked.call(x));
      assert.ok(y.isContiguous('channelsLast'), 'the output stays channels last');
      assert.ok(y.sub(ref).abs().max().item() < 1e-5, `marked ${cin}->${cout} k${k}: ${y.sub(ref).abs().max().item()}`);
      // with gradients on, or on a contiguous input, the usual path
      assert.ok(torch.equal(marked.call(x).detach(), ref));
      assert.ok(torch.equal(torch.noGrad(() => marked.call(x.contiguous())), torch.noGrad(() => plain.call(x.contiguous()))));
    }
  } finally {
    torch.setNumThreads(before);
  }
});
