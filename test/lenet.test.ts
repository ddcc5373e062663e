import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../src/index.js';
import { LeNet } from '../src/vision/models/lenet.js';
import { runPython, assertClose } from './helpers/pytorch.js';
import { PY_LENET } from './helpers/pytorch-lenet.js';

test('LeNet: initial weights, output and gradients equal the tutorial Net in PyTorch with the same seed', () => {
  torch.manualSeed(2024);
  const net = new LeNet();
  const x = torch.randn(4, 3, 32, 32);
  const y = torch.tensor([3, 1, 0, 9], { dtype: 'int64' });
  const out = net.call(x);
  const loss = new torch.nn.CrossEntropyLoss().call(out, y);
  loss.backward();

  const py = runPython(PY_LENET + String.raw`
torch.manual_seed(2024)
net = Net()
x = torch.randn(4, 3, 32, 32)
out = net(x)
loss = nn.CrossEntropyLoss()(out, T['y'])
loss.backward()
OUT['x'] = x; OUT['out'] = out; OUT['loss'] = loss
for k, v in net.state_dict().items(): OUT['p.' + k] = v
for k, p in net.named_parameters(): OUT['g.' + k] = p.grad
OUT_J = {'keys': list(net.state_dict().keys()), 'repr': repr(net)}
`, { tensors: { y } });

  assert.ok(x.equal(py.tensors.x!), 'the input draws differ: the seeds do not line up');
  const sd = net.stateDict();
  assert.deepEqual(Object.keys(sd), py.json.keys);
  for (const k of py.json.keys as string[]) assert.ok(sd[k]!.equal(py.tensors[`p.${k}`]!), `initial ${k} differs`);
  assertClose(out, py.tensors.out!, { atol: 1e-5, rtol: 1e-5, what: 'output' });
  assertClose(loss, py.tensors.loss!, { atol: 1e-6, rtol: 1e-6, what: 'loss' });
  for (const [k, p] of net.namedParameters()) assertClose(p.grad!, py.tensors[`g.${k}`]!, { atol: 1e-6, rtol: 1e-5, what: `grad of ${k}` });
  assert.equal(String(net).replace(/^LeNet/, 'Net'), py.json.repr);
});

test('LeNet rejects inputs of the wrong shape', () => {
  const net = new LeNet();
  assert.throws(() => net.call(torch.zeros(2, 1, 28, 28)), /\[N, 3, 32, 32\].*\[2, 1, 28, 28\]/);
});
