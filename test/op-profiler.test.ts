// autograd.profileOps (src/native/profiler.cc): per-operator totals from libtorch's RecordFunction hooks, the same
// events torch.autograd.profiler records. The same small network run in both must give the same operators with
// the same call counts (the dispatcher's path through conv2d -> convolution -> _convolution -> the kernel, batch
// norm, linear), and the times must nest (self <= total).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../src/index.js';
import { runPython } from './helpers/pytorch.js';

const { nn } = torch;

test('profileOps: the same operators and call counts as torch.autograd.profiler for a small conv net', () => {
  torch.manualSeed(0);
  const net = new nn.Sequential(new nn.Conv2d(3, 8, 3, { padding: 1 }), new nn.BatchNorm2d(8), new nn.ReLU(), new nn.Flatten(), new nn.Linear(8 * 6 * 6, 4)).eval();
  const x = torch.randn([2, 3, 6, 6]);
  // with gradients on, as without them nn.Conv2d calls aten::mkldnn_convolution itself (its weight kept reordered,
  // src/nn/modules/conv-prepack.ts) where PyTorch goes through aten::conv2d
  const { result, ops } = torch.autograd.profileOps(() => net.call(x) as torch.Tensor);
  assert.deepEqual([...result.shape], [2, 4]);
  for (const o of ops) {
    assert.ok(o.calls > 0 && o.totalMs >= 0 && o.selfMs <= o.totalMs + 1e-6, `${o.name}: ${JSON.stringify(o)}`);
  }
  const ours = Object.fromEntries(ops.map((o) => [o.name, o.calls]));
  const py = runPython(String.raw`
import torch.nn as nn
torch.manual_seed(0)
net = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.Flatten(), nn.Linear(8 * 6 * 6, 4)).eval()
x = torch.randn(2, 3, 6, 6)
net(x)
with torch.autograd.profiler.profile() as prof:
    net(x)
OUT_J = {e.key: e.count for e in prof.key_averages()}
`);
  const theirs = py.json as Record<string, number>;
  // the layers' own operators, as PyTorch dispatches them
  for (const name of ['aten::conv2d', 'aten::convolution', 'aten::_convolution', 'aten::batch_norm', 'aten::native_batch_norm', 'aten::relu', 'aten::linear', 'aten::addmm']) {
    assert.equal(ours[name], theirs[name], `${name}: ${ours[name]} calls in tstorch, ${theirs[name]} in PyTorch`);
  }
  // the convolution kernel libtorch chose is the same one
  const kernels = (m: Record<string, number>): string[] => Object.keys(m).filter((k) => /mkldnn_convolution|slow_conv2d|thnn_conv2d/.test(k)).sort();
  assert.deepEqual(kernels(ours), kernels(theirs));
});

test('profileOps: one profiled region at a time; the hooks are removed when the function throws', () => {
  assert.throws(() => torch.autograd.profileOps(() => torch.autograd.profileOps(() => 1)), /already running/);
  assert.throws(() => torch.autograd.profileOps(() => { torch.ones([2]).add(1); throw new Error('boom'); }), /boom/);
  // a later region starts afresh, counting only its own operators
  const { ops } = torch.autograd.profileOps(() => torch.ones([3]).mul(2));
  assert.equal(ops.find((o) => o.name === 'aten::mul')?.calls, 1);
  assert.equal(ops.find((o) => o.name === 'aten::add'), undefined);
});
