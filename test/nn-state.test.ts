// State dicts, printing of whole networks, old BatchNorm checkpoints and gradient clipping, against PyTorch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../src/index.js';
import { runPython, assertClose } from './helpers/pytorch.js';

const { nn } = torch;
type T = torch.Tensor;

class SmallNet extends nn.Module {
  conv1 = new nn.Conv2d(3, 4, 3, { padding: 1, bias: false });
  bn1 = new nn.BatchNorm2d(4);
  relu = new nn.ReLU(true);
  pool = new nn.MaxPool2d(2, 2);
  features = new nn.Sequential(new nn.Conv2d(4, 4, 3, { groups: 2 }), new nn.BatchNorm2d(4, { momentum: null }), new nn.Hardswish());
  avgpool = new nn.AdaptiveAvgPool2d([1, 1]);
  classifier = new nn.Sequential(new nn.Dropout(0.2), new nn.Linear(4, 3), new nn.BatchNorm1d(3, { affine: false }));
  override forward(x: T): T {
    x = this.pool.call(this.relu.call(this.bn1.call(this.conv1.call(x))));
    x = this.avgpool.call(this.features.call(x)).flatten(1);
    return this.classifier.call(x);
  }
}

const PY_NET = String.raw`
import torch.nn as nn
class SmallNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 4, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(4)
        self.relu = nn.ReLU(inplace=True)
        self.pool = nn.MaxPool2d(2, 2)
        self.features = nn.Sequential(nn.Conv2d(4, 4, 3, groups=2), nn.BatchNorm2d(4, momentum=None), nn.Hardswish())
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.classifier = nn.Sequential(nn.Dropout(0.2), nn.Linear(4, 3), nn.BatchNorm1d(3, affine=False))
    def forward(self, x):
        x = self.pool(self.relu(self.bn1(self.conv1(x))))
        x = torch.flatten(self.avgpool(self.features(x)), 1)
        return self.classifier(x)
`;

test('a network with BatchNorm has PyTorch state-dict keys, dtypes, shapes, initial values and repr', () => {
  torch.manualSeed(11);
  const net = new SmallNet();
  const sd = net.stateDict();
  const { tensors, json } = runPython(PY_NET + String.raw`
torch.manual_seed(11)
net = SmallNet()
sd = net.state_dict()
OUT_J = {'keys': list(sd.keys()), 'dtypes': [str(v.dtype).replace('torch.', '') for v in sd.values()],
         'shapes': [list(v.shape) for v in sd.values()], 'repr': repr(net),
         'params': [k for k, _ in net.named_parameters()], 'buffers': [k for k, _ in net.named_buffers()]}
for k, v in sd.items():
    OUT[k] = v
`);
  assert.deepEqual(Object.keys(sd), json.keys);
  assert.deepEqual(Object.values(sd).map((v) => v.dtype.name), json.dtypes);
  assert.deepEqual(Object.values(sd).map((v) => [...v.shape]), json.shapes);
  assert.deepEqual(net.namedParameters().map(([k]) => k), json.params);
  assert.deepEqual(net.namedBuffers().map(([k]) => k), json.buffers);
  for (const [k, v] of Object.entries(sd)) assertClose(v, tensors[k]!, { atol: 0, rtol: 0, what: k });
  assert.equal(net.toString(), json.repr);
});

test('training steps and eval forward after loading PyTorch weights match PyTorch', () => {
  torch.manualSeed(5);
  const x = torch.randn([4, 3, 8, 8]);
  const { tensors } = runPython(PY_NET + String.raw`
torch.manual_seed(123)
net = SmallNet()
for k, v in net.state_dict().items():
    OUT['sd.' + k] = v.clone()
net.train()
torch.manual_seed(0)
for _ in range(2):
    y = net(T['x'])
OUT['train_y'] = y
y.sum().backward()
for k, p in net.named_parameters():
    OUT['grad.' + k] = p.grad
for k, v in net.state_dict().items():
    OUT['after.' + k] = v
net.eval()
OUT['eval_y'] = net(T['x'])
`, { tensors: { x } });
  const net = new SmallNet();
  const loaded: Record<string, T> = {};
  for (const [k, v] of Object.entries(tensors)) if (k.startsWith('sd.')) loaded[k.slice(3)] = v;
  net.loadStateDict(loaded);
  net.train();
  torch.manualSeed(0);
  let y!: T;
  for (let i = 0; i < 2; i++) y = net.call(x);
  assertClose(y, tensors.train_y!, { what: 'train output' });
  y.sum().backward();
  for (const [k, p] of net.namedParameters()) assertClose(p.grad!, tensors[`grad.${k}`]!, { what: `grad ${k}` });
  for (const [k, v] of Object.entries(net.stateDict())) assertClose(v, tensors[`after.${k}`]!, { what: `after training ${k}` });
  net.eval();
  assertClose(net.call(x), tensors.eval_y!, { what: 'eval output' });
});

test('an old checkpoint without num_batches_tracked loads into BatchNorm, as in PyTorch', () => {
  const bn = new nn.BatchNorm2d(3);
  torch.noGrad(() => bn.num_batches_tracked!.fill_(7));
  const old = { weight: torch.tensor([1, 2, 3]), bias: torch.tensor([0, 1, 0]), running_mean: torch.tensor([0.5, 0, -1]), running_var: torch.tensor([1, 2, 4]) };
  const res = bn.loadStateDict(old);
  assert.deepEqual([res.missingKeys, res.unexpectedKeys], [[], []]);
  assert.equal(String(res), '<All keys matched successfully>');
  const { json } = runPython(String.raw`
import torch.nn as nn
from collections import OrderedDict
bn = nn.BatchNorm2d(3)
bn.num_batches_tracked.fill_(7)
sd = OrderedDict((k, torch.tensor(v)) for k, v in J.items())
sd._metadata = {'': {'version': 1}}
r = bn.load_state_dict(sd)
OUT_J = {'nbt': int(bn.num_batches_tracked), 'missing': r.missing_keys, 'rm': bn.running_mean.tolist()}
`, { json: Object.fromEntries(Object.entries(old).map(([k, v]) => [k, v.toArray()])) });
  assert.equal(Number(bn.num_batches_tracked!.item()), json.nbt);
  assert.deepEqual(bn.running_mean!.toArray(), json.rm);
  assert.equal(bn.num_batches_tracked!.dtype.name, 'int64');
  // a checkpoint missing a real entry is still an error naming the key
  assert.throws(() => new nn.BatchNorm2d(3).loadStateDict({ weight: old.weight, bias: old.bias, running_mean: old.running_mean }), /Missing key\(s\) in state_dict: "running_var"/);
  // without running statistics there is nothing to add
  assert.deepEqual(Object.keys(new nn.BatchNorm2d(3, { trackRunningStats: false }).stateDict()), ['weight', 'bias']);
});

test('loss weights are buffers in the state dict, as in PyTorch', () => {
  const ce = new nn.CrossEntropyLoss({ weight: torch.tensor([1, 2]) });
  const bce = new nn.BCEWithLogitsLoss({ posWeight: torch.tensor([3]) });
  const { json } = runPython(String.raw`
import torch.nn as nn
OUT_J = [list(nn.CrossEntropyLoss(weight=torch.tensor([1., 2.])).state_dict().keys()),
         list(nn.BCEWithLogitsLoss(pos_weight=torch.tensor([3.])).state_dict().keys()),
         list(nn.MSELoss().state_dict().keys()), repr(nn.CrossEntropyLoss())]
`);
  assert.deepEqual([Object.keys(ce.stateDict()), Object.keys(bce.stateDict()), Object.keys(new nn.MSELoss().stateDict()),
    new nn.CrossEntropyLoss().toString()], json);
});

test('clipGradNorm_ and clipGradValue_ match PyTorch', () => {
  torch.manualSeed(8);
  const grads = [torch.randn([3, 4]).mul(3), torch.randn([5]), torch.randn([2, 2, 2]).mul(0.1)];
  const make = (): torch.nn.Parameter[] => grads.map((g) => {
    const p = new nn.Parameter(torch.zeros(g.shape));
    p.grad = g.clone();
    return p;
  });
  const settings: [number, number][] = [[1.0, 2], [100, 2], [0.5, 1], [0.7, Infinity], [2, 3]];
  const ours = settings.map(([maxNorm, normType]) => {
    const ps = make();
    const total = nn.utils.clipGradNorm_(ps, maxNorm, normType);
    return { total, grads: ps.map((p) => p.grad!) };
  });
  const vps = make();
  vps.push(new nn.Parameter(torch.zeros([2]))); // no grad: skipped
  nn.utils.clipGradValue_(vps, 0.25);
  const tensors: Record<string, T> = {};
  grads.forEach((g, i) => { tensors[`g${i}`] = g; });
  const { tensors: py } = runPython(String.raw`
from torch.nn.utils import clip_grad_norm_, clip_grad_value_
def make():
    ps = []
    for i in range(3):
        p = torch.nn.Parameter(torch.zeros(T['g%d' % i].shape))
        p.grad = T['g%d' % i].clone()
        ps.append(p)
    return ps
for s, (mx, nt) in enumerate(J):
    ps = make()
    OUT['total%d' % s] = clip_grad_norm_(ps, mx, float('inf') if nt is None else nt)
    for i, p in enumerate(ps):
        OUT['s%d_%d' % (s, i)] = p.grad
ps = make()
clip_grad_value_(ps, 0.25)
for i, p in enumerate(ps):
    OUT['v%d' % i] = p.grad
`, { tensors, json: settings.map(([m, n]) => [m, Number.isFinite(n) ? n : null]) });
  ours.forEach(({ total, grads: gs }, s) => {
    assertClose(total, py[`total${s}`]!, { atol: 0, rtol: 1e-6, what: `total norm ${settings[s]}` });
    gs.forEach((g, i) => assertClose(g, py[`s${s}_${i}`]!, { atol: 0, rtol: 1e-6, what: `clipped grad ${i} ${settings[s]}` }));
  });
  vps.slice(0, 3).forEach((p, i) => assertClose(p.grad!, py[`v${i}`]!, { atol: 0, rtol: 0, what: `value-clipped grad ${i}` }));
  assert.equal(vps[3]!.grad, null);
  assert.equal(nn.utils.clipGradNorm_([new nn.Parameter(torch.zeros([2]))], 1).item(), 0);
});

test("Module.to({ memoryFormat: 'channelsLast' }) re-lays out 4-d parameters and buffers only, and gives PyTorch's outputs", () => {
  torch.manualSeed(0);
  const net = new SmallNet().eval();
  const x = torch.randn([2, 3, 8, 8]);
  const sd = Object.fromEntries(Object.entries(net.stateDict()).map(([k, v]) => [k, v.clone()]));
  const before = torch.noGrad(() => net.call(x));
  assert.equal(net.to({ memoryFormat: 'channelsLast' }), net);
  const layouts = Object.fromEntries(net.namedParameters().map(([k, p]) => [k, [p.isContiguous(), p.isContiguous('channelsLast')]]));
  const { json, tensors } = runPython(PY_NET + String.raw`
net = SmallNet().eval()
net.load_state_dict({k: T[k] for k in T if k != 'x'})
net.to(memory_format=torch.channels_last)
OUT_J = {k: [p.is_contiguous(), p.is_contiguous(memory_format=torch.channels_last)] for k, p in net.named_parameters()}
with torch.no_grad():
    OUT['y'] = net(T['x'].contiguous(memory_format=torch.channels_last))
`, { tensors: { ...sd, x } });
  assert.deepEqual(layouts, json);
  assert.equal(net.conv1.weight.isContiguous(), false, 'a 4-d weight is channels last');
  const after = torch.noGrad(() => net.call(x.contiguous({ memoryFormat: 'channelsLast' })));
  assertClose(after, tensors.y!, { atol: 1e-5 });
  assertClose(after, before, { atol: 1e-5 });
  // the state dict still has PyTorch's keys and values
  for (const [k, v] of Object.entries(net.stateDict())) assert.ok(torch.equal(v, sd[k]!), k);
  assert.throws(() => net.to({ memoryFormat: 'channels_last' as never }), /memoryFormat must be one of 'contiguous', 'preserve', 'channelsLast', 'channelsLast3d'/);
  assert.throws(() => net.to({ memory_format: 'channelsLast' } as never), /unexpected option 'memory_format'/);
  // as in PyTorch, a 5-d weight cannot be channels last (2-d)
  assert.throws(() => new nn.Conv3d(2, 2, 1).to({ memoryFormat: 'channelsLast' }), /rank 4/);
});
