// Autograd: gradients of a graph against PyTorch's, autograd.grad, grad modes, gradcheck.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../src/index.js';
import { runPython, assertClose } from './helpers/pytorch.js';

test('gradients of a mixed graph equal PyTorch\'s', () => {
  torch.manualSeed(11);
  const a = torch.randn(4, 5, { requiresGrad: true });
  const b = torch.randn(5, 3, { requiresGrad: true });
  const c = torch.randn(3, { requiresGrad: true });
  const go = torch.randn(4, 3);
  const h = a.matmul(b).add(c).tanh();
  const out = h.mul(h.sigmoid()).sub(a.sum(1, true).mul(0.1)).pow(2).div(3);
  out.backward(go);
  const loss2 = a.exp().mean().add(b.abs().sum().mul(0.5)).add(c.softmax(0).index(1));
  const [ga2, gb2, gc2] = torch.autograd.grad(loss2, [a, b, c]);
  const { tensors } = runPython(`
a, b, c, go = [T[k].requires_grad_(k != 'go') for k in ('a', 'b', 'c', 'go')]
h = torch.tanh(a @ b + c)
out = ((h * h.sigmoid() - a.sum(1, keepdim=True) * 0.1) ** 2) / 3
out.backward(go)
OUT.update({'ga': a.grad, 'gb': b.grad, 'gc': c.grad, 'out': out})
loss2 = a.exp().mean() + b.abs().sum() * 0.5 + c.softmax(0)[1]
ga2, gb2, gc2 = torch.autograd.grad(loss2, [a, b, c])
OUT.update({'ga2': ga2, 'gb2': gb2, 'gc2': gc2})
`, { tensors: { a, b, c, go } });
  assertClose(out, tensors.out!, { what: 'output' });
  assertClose(a.grad!, tensors.ga!, { what: 'a.grad' });
  assertClose(b.grad!, tensors.gb!, { what: 'b.grad' });
  assertClose(c.grad!, tensors.gc!, { what: 'c.grad' });
  assertClose(ga2!, tensors.ga2!, { what: 'grad a' });
  assertClose(gb2!, tensors.gb2!, { what: 'grad b' });
  assertClose(gc2!, tensors.gc2!, { what: 'grad c' });
});

test('leaf and graph metadata, retainGraph, detach', () => {
  const x = torch.ones(2, { requiresGrad: true });
  const y = x.mul(3).sum();
  assert.equal(x.isLeaf, true);
  assert.equal(y.isLeaf, false);
  assert.equal(y.gradFn?.name(), 'SumBackward0');
  y.backward(null, { retainGraph: true });
  y.backward();
  assert.deepEqual(x.grad!.toArray(), [6, 6], 'gradients accumulate');
  assert.throws(() => y.backward(), /Trying to backward through the graph a second time/);
  assert.equal(x.detach().requiresGrad, false);
  assert.throws(() => torch.ones(2).sum().backward(), /does not require grad/);
  x.grad = null;
  assert.equal(x.grad, null);
});

test('noGrad, enableGrad, inferenceMode', () => {
  const x = torch.ones(2, { requiresGrad: true });
  const y = torch.noGrad(() => x.mul(2));
  assert.equal(y.requiresGrad, false);
  const z = torch.noGrad(() => torch.enableGrad(() => x.mul(2)));
  assert.equal(z.requiresGrad, true);
  assert.equal(torch.isGradEnabled(), true);
  const w = torch.inferenceMode(() => x.mul(2));
  assert.equal(w.isInference(), true);
  assert.equal(torch.isInferenceModeEnabled(), false);
  assert.throws(() => torch.noGrad(() => { throw new Error('inner'); }), /inner/);
  assert.equal(torch.isGradEnabled(), true, 'grad mode restored after an exception');
});

test('gradcheck passes for correct gradients and catches a wrong one', () => {
  torch.manualSeed(0);
  const x = torch.randn(3, { dtype: 'float64', requiresGrad: true });
  const w = torch.randn(3, 2, { dtype: 'float64', requiresGrad: true });
  assert.equal(torch.autograd.gradcheck((a, b) => a.matmul(b).tanh(), [x, w]), true);
  // round() has a zero gradient almost everywhere, but finite differences across a step are not zero
  const s = torch.tensor([0.4999999], { dtype: 'float64', requiresGrad: true });
  assert.equal(torch.autograd.gradcheck((a) => a.mul(1).round(), [s], { raiseException: false }), false);
});
