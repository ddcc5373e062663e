// torch.jit against PyTorch 1.13: tstorch models traced with libtorch's tracer and saved load in Python's
// torch.jit.load with the same outputs; TorchScript that Python scripted or traced (torchvision models, a module
// with extra methods, attributes and submodules) loads and runs here with Python's outputs; freeze and
// optimize_for_inference; the errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as torch from '../src/index.js';
import * as models from '../src/vision/models/index.js';
import { runPython, assertClose } from './helpers/pytorch.js';

const dir = mkdtempSync(join(tmpdir(), 'tstorch-jit-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const builders = models as unknown as Record<string, (o?: any) => torch.nn.Module>;

// The round trips: tstorch -> trace -> torch.jit.save -> Python torch.jit.load, equal to 1e-5.
const roundTrips: [string, number[]][] = [
  ['lenet', [2, 3, 32, 32]],
  ['resnet18', [2, 3, 64, 64]],
  ['mobilenet_v3_large', [2, 3, 64, 64]],
  ['efficientnet_b0', [2, 3, 64, 64]],
  ['googlenet', [2, 3, 64, 64]],
];

test('tstorch -> trace -> jit.save -> Python jit.load: same outputs (1e-5), same parameter names', () => {
  const inputs: Record<string, torch.Tensor> = {};
  const expected: Record<string, torch.Tensor> = {};
  const keys: Record<string, string[]> = {};
  roundTrips.forEach(([name, shape], i) => {
    torch.manualSeed(10 + i);
    const m = builders[name]!().eval();
    const x = torch.randn(shape);
    const traced = torch.jit.trace(m, x);
    const eager = torch.noGrad(() => m.call(x));
    // The ScriptModule runs the recorded graph on the model's own tensors.
    assertClose(torch.noGrad(() => traced.call(x)), eager, { atol: 1e-6, rtol: 0, what: `${name}: traced vs eager` });
    assert.deepEqual(Object.keys(traced.stateDict()), Object.keys(m.stateDict()), `${name}: state-dict keys`);
    torch.jit.save(traced, join(dir, `${name}.pt`));
    inputs[name] = x;
    expected[name] = eager;
    keys[name] = Object.keys(m.stateDict());
  });
  const { tensors, json } = runPython(`
OUT_J = {}
for name in J['names']:
    m = torch.jit.load(J['dir'] + '/' + name + '.pt')
    m.eval()
    with torch.no_grad():
        OUT[name] = m(T[name])
    OUT_J[name] = {'keys': list(m.state_dict().keys()), 'code': m.code, 'training': m.training}
`, { tensors: inputs, json: { dir, names: roundTrips.map(([n]) => n) } });
  for (const [name] of roundTrips) {
    assertClose(tensors[name]!, expected[name]!, { atol: 1e-5, rtol: 1e-5, what: `${name}: Python's torch.jit.load vs tstorch` });
    assert.deepEqual(json[name].keys, keys[name], `${name}: Python sees the same parameter and buffer names`);
    assert.match(json[name].code, /def forward\(self,/);
  }
});

test('TorchScript that Python wrote: scripted ResNet18, traced DenseNet121, a module with methods, attributes, submodules', () => {
  const { tensors, json } = runPython(`
import torchvision
from typing import List, Dict
torch.manual_seed(0)
r = torchvision.models.resnet18(num_classes=10).eval()
torch.jit.save(torch.jit.script(r), J['dir'] + '/resnet18_scripted.pt')
d = torchvision.models.densenet121(num_classes=10).eval()
x = torch.randn(2, 3, 64, 64)
torch.jit.save(torch.jit.trace(d, x), J['dir'] + '/densenet121_traced.pt')
class Head(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(4, 3)
        self.register_buffer('offset', torch.arange(3.0))
    def forward(self, x):
        return self.fc(x) + self.offset
class Net(torch.nn.Module):
    scale: float
    labels: List[str]
    def __init__(self):
        super().__init__()
        self.head = Head()
        self.scale = 2.5
        self.labels = ['ant', 'bee', 'wasp']
        self.counts: Dict[str, int] = {'calls': 0}
    def forward(self, x):
        if x.dim() == 1:
            x = x.unsqueeze(0)
        return self.head(x) * self.scale
    @torch.jit.export
    def top(self, x, k: int = 2) -> List[str]:
        idx: List[int] = self.forward(x)[0].topk(k).indices.tolist()
        return [self.labels[i] for i in idx]
n = torch.jit.script(Net().eval())
torch.jit.save(n, J['dir'] + '/net_scripted.pt')
v = torch.randn(4)
with torch.no_grad():
    OUT['x'] = x
    OUT['resnet'] = r(x)
    OUT['densenet'] = d(x)
    OUT['v'] = v
    OUT['net'] = n(v)
OUT_J = {'top': n.top(v), 'top1': n.top(v, 1), 'resnet_keys': list(r.state_dict().keys()),
         'densenet_keys': list(d.state_dict().keys()), 'net_keys': list(n.state_dict().keys())}
`, { json: { dir } });
  const x = tensors.x!;
  const resnet = torch.jit.load(join(dir, 'resnet18_scripted.pt'));
  assert.equal(resnet.training, false);
  assert.equal(resnet.originalName, 'ResNet');
  assertClose(torch.noGrad(() => resnet.call(x)), tensors.resnet!, { atol: 1e-5, rtol: 1e-5, what: 'scripted ResNet18' });
  assert.deepEqual(Object.keys(resnet.stateDict()), json.resnet_keys);
  assert.match(resnet.code, /def forward/);

  const densenet = torch.jit.load(join(dir, 'densenet121_traced.pt'));
  assertClose(torch.noGrad(() => densenet.call(x)), tensors.densenet!, { atol: 1e-5, rtol: 1e-5, what: 'traced DenseNet121' });
  assert.deepEqual(Object.keys(densenet.stateDict()), json.densenet_keys);

  const net = torch.jit.load(join(dir, 'net_scripted.pt'));
  assertClose(net.call(tensors.v!), tensors.net!, { atol: 1e-6, rtol: 0, what: 'scripted Net' });
  assert.deepEqual(net.runMethod('top', tensors.v!), json.top);
  assert.deepEqual(net.runMethod('top', tensors.v!, 1), json.top1);
  assert.ok(net.methods().includes('top'));
  assert.equal(net.attr('scale'), 2.5);
  assert.deepEqual(net.attr('labels'), ['ant', 'bee', 'wasp']);
  assert.deepEqual(net.attr('counts'), new Map([['calls', 0]]));
  assert.deepEqual(Object.keys(net.stateDict()), json.net_keys);
  const head = net.getSubmodule('head') as torch.jit.ScriptModule;
  assert.equal(head.originalName, 'Head');
  assertClose(head.attr('offset'), torch.arange(3), { what: 'buffer through attr()' });
  // Attributes keep their declared types; a new state dict changes the outputs as in Python.
  net.setAttr('scale', 1);
  assert.equal(net.attr('scale'), 1);
  const sd = net.stateDict();
  net.loadStateDict({ ...sd, 'head.fc.bias': torch.zeros(3), 'head.fc.weight': torch.zeros(3, 4) });
  assertClose(net.call(tensors.v!), torch.arange(3).unsqueeze(0), { what: 'after loadStateDict' });
  assert.throws(() => net.runMethod('missing'), /has no method 'missing' \(methods: .*forward.*top/);
  assert.throws(() => net.runMethod('top', tensors.v!, 1.5), /argument 'k'.*integer/);
  assert.throws(() => net.runMethod('top', 'not a tensor'), /argument 'x'.*Tensor/);
  assert.throws(() => net.setAttr('scale', 'big'), /attribute 'scale'.*float/);
});

test('trace: submodules become methods, graph and code print, train/eval reach every submodule', () => {
  torch.manualSeed(1);
  const m = models.lenet().eval();
  const x = torch.randn(1, 3, 32, 32);
  const traced = torch.jit.trace(m, x);
  assert.match(traced.graph, /prim::CallMethod\[name="forward"\]/);
  assert.match(traced.inlinedGraph, /aten::conv2d|aten::_convolution/);
  assert.match(traced.code, /\(self\.conv1\)\.forward|conv1 = self\.conv1/);
  const conv1 = traced.getSubmodule('conv1') as torch.jit.ScriptModule;
  assert.match(conv1.code, /torch\.conv2d|torch\._convolution/);
  assert.equal(String(traced).split('\n')[0], 'RecursiveScriptModule(');
  traced.train();
  assert.ok(traced.modules().every((s) => s.training));
  assert.equal((traced.getSubmodule('conv1') as torch.jit.ScriptModule).attr('training'), true);
  traced.eval();
  assert.equal((traced.getSubmodule('fc3') as torch.jit.ScriptModule).attr('training'), false);
  // A function traces too; tensors it makes are constants, its input a graph input.
  const f = torch.jit.trace((a: torch.Tensor) => a.mul(2).add(1), torch.ones(3));
  assertClose(f.call(torch.arange(3)), torch.tensor([1, 3, 5]), { what: 'traced function' });
});

test('freeze and optimizeForInference: constants in the graph, batch norm folded, same outputs', () => {
  torch.manualSeed(2);
  const m = models.resnet18({ numClasses: 10 }).eval();
  const x = torch.randn(2, 3, 64, 64);
  const eager = torch.noGrad(() => m.call(x));
  const traced = torch.jit.trace(m, x);
  const frozen = torch.jit.freeze(traced);
  assert.doesNotMatch(frozen.inlinedGraph, /prim::GetAttr/);
  assert.doesNotMatch(frozen.inlinedGraph, /aten::batch_norm/, 'conv-batchnorm folding');
  assertClose(torch.noGrad(() => frozen.call(x)), eager, { atol: 1e-4, rtol: 1e-4, what: 'frozen' });
  const fast = torch.jit.optimizeForInference(traced);
  assertClose(torch.noGrad(() => fast.call(x)), eager, { atol: 1e-4, rtol: 1e-4, what: 'optimize_for_inference' });
  // ReLU6 is traced with integral bounds (JavaScript numbers); the oneDNN pass needs Python's doubles.
  const mv2 = models.mobilenet_v2({ numClasses: 10 }).eval();
  const x2 = torch.randn(1, 3, 32, 32);
  const mv2Fast = torch.jit.optimizeForInference(torch.jit.trace(mv2, x2));
  assertClose(torch.noGrad(() => mv2Fast.call(x2)), torch.noGrad(() => mv2.call(x2)), { atol: 1e-4, rtol: 1e-4, what: 'MobileNet v2 optimized' });
  traced.train();
  assert.throws(() => torch.jit.freeze(traced), /eval mode/);
});

test('errors: files that are not TorchScript, bad inputs, nothing aborts', () => {
  const junk = join(dir, 'junk.pt');
  writeFileSync(junk, 'not a zip');
  assert.throws(() => torch.jit.load(junk), new RegExp(`${junk.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is not a TorchScript archive`));
  assert.throws(() => torch.jit.load(join(dir, 'missing.pt')), /cannot read .*missing\.pt/);
  const weights = join(dir, 'weights.pth');
  torch.save(models.lenet().stateDict(), weights);
  assert.throws(() => torch.jit.load(weights), /is not a TorchScript archive/);
  const m = models.lenet();
  assert.throws(() => torch.jit.trace(m, [torch.randn(1, 3, 32, 32), 3 as never]), /exampleInputs must be/);
  assert.throws(() => torch.jit.trace(m, torch.randn(1, 3, 8, 8)), /LeNet: expected input of shape/);
  assert.equal(torch.jit.isTracing(), false, 'a failed trace leaves no tracing state behind');
  assert.throws(() => torch.jit.trace(() => ({}) as never, torch.ones(1)), /must return a Tensor/);
  assert.throws(() => torch.jit.save(m as never, join(dir, 'x.pt')), /expected a ScriptModule/);
});
