// End to end: the seed's LeNet, written with this API, trains; and it follows PyTorch step for step.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../src/index.js';
import { runPython, assertClose } from './helpers/pytorch.js';
import { PY_LENET } from './helpers/pytorch-lenet.js';

const { nn } = torch;
const F = nn.functional;

class Net extends nn.Module {
  conv1 = new nn.Conv2d(3, 6, 5);
  pool = new nn.MaxPool2d(2, 2);
  conv2 = new nn.Conv2d(6, 16, 5);
  fc1 = new nn.Linear(16 * 5 * 5, 120);
  fc2 = new nn.Linear(120, 84);
  fc3 = new nn.Linear(84, 10);
  override forward(x: torch.Tensor): torch.Tensor {
    x = this.pool.call(F.relu(this.conv1.call(x)));
    x = this.pool.call(F.relu(this.conv2.call(x)));
    x = torch.flatten(x, 1);
    x = F.relu(this.fc1.call(x));
    x = F.relu(this.fc2.call(x));
    return this.fc3.call(x);
  }
}

test('LeNet trains on random data: the loss falls', () => {
  torch.manualSeed(1);
  const net = new Net();
  const opt = new torch.optim.Adam(net.parameters(), { lr: 1e-3 });
  const crit = new nn.CrossEntropyLoss();
  const x = torch.randn(32, 3, 32, 32);
  const y = torch.randint(0, 10, [32]);
  const losses: number[] = [];
  for (let i = 0; i < 60; i++) {
    losses.push(torch.tidy(() => {
      opt.zeroGrad();
      const loss = crit.call(net.call(x), y);
      loss.backward();
      opt.step();
      return loss.item();
    }));
  }
  assert.ok(losses[59]! < 0.5 * losses[0]!, `loss fell from ${losses[0]} to ${losses[59]}`);
});

test('LeNet follows PyTorch step for step: same seed, same weights, same losses and final weights', () => {
  // One thread on both sides: the same reduction order, so float32 results agree to the last bits.
  const threads = torch.getNumThreads();
  torch.setNumThreads(1);
  torch.manualSeed(42);
  const net = new Net();
  const init = Object.fromEntries(Object.entries(net.stateDict()).map(([k, v]) => [k, v.clone()]));
  const opt = new torch.optim.Adam(net.parameters(), { lr: 1e-3 });
  const crit = new nn.CrossEntropyLoss();
  const xs = torch.randn(5, 8, 3, 32, 32);
  const ys = torch.randint(0, 10, [5, 8]);
  const losses: number[] = [];
  for (let i = 0; i < 5; i++) {
    losses.push(torch.tidy(() => {
      opt.zeroGrad();
      const loss = crit.call(net.call(xs.index(i)), ys.index(i));
      loss.backward();
      opt.step();
      return loss.item();
    }));
  }
  const { tensors, json } = runPython(PY_LENET + `
torch.manual_seed(42)
net = Net()
for k, v in net.state_dict().items():
    OUT['init.' + k] = v.clone()
opt = torch.optim.Adam(net.parameters(), lr=1e-3)
crit = nn.CrossEntropyLoss()
losses = []
for i in range(5):
    opt.zero_grad()
    loss = crit(net(T['xs'][i]), T['ys'][i])
    loss.backward()
    opt.step()
    losses.append(loss.item())
for k, v in net.state_dict().items():
    OUT['final.' + k] = v
OUT_J = losses
`, { tensors: { xs, ys } });
  for (const [k, v] of Object.entries(init)) assert.ok(v.equal(tensors[`init.${k}`]!), `initial ${k} is bit-identical (max diff ${v.sub(tensors[`init.${k}`]!).abs().max().item()}, ${v.flatten().index("0:3").toString()} vs ${tensors[`init.${k}`]!.flatten().index("0:3").toString()})`);
  (json as number[]).forEach((l, i) => assert.ok(Math.abs(l - losses[i]!) <= 1e-5 * Math.abs(l), `step ${i}: loss ${losses[i]} vs PyTorch ${l}`));
  for (const [k, v] of Object.entries(net.stateDict())) assertClose(v, tensors[`final.${k}`]!, { atol: 1e-6, rtol: 1e-5, what: `final ${k}` });
  torch.setNumThreads(threads);
});
