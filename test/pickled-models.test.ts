// torch.load of whole models that Python saved with torch.save(model): the module tree is rebuilt from an
// allow-list of torch.nn and torchvision classes, nothing in the file runs, and the rebuilt model computes what
// the Python model computes. Classes off the list are refused by name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as torch from '../src/index.js';
import '../src/vision/index.js';
import { runPython } from './helpers/pytorch.js';

const dir = mkdtempSync(join(tmpdir(), 'tstorch-pickled-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

const HEAVY = process.env.TSTORCH_HEAVY_TESTS === '1';
const MODELS = ['resnet18', 'mobilenet_v3_small', 'squeezenet1_1', 'shufflenet_v2_x0_5', 'mnasnet0_5',
  ...(HEAVY ? ['alexnet', 'vgg11_bn', 'resnext50_32x4d', 'densenet121', 'googlenet', 'inception_v3', 'mobilenet_v2',
    'efficientnet_b0', 'efficientnet_v2_s', 'regnet_y_400mf', 'regnet_x_400mf', 'convnext_tiny'] : [])];

const py = runPython(`
import torch, torchvision, torch.nn as nn
d, names = J
torch.manual_seed(0)
for n in names:
    kw = {'aux_logits': True, 'init_weights': True} if n in ('googlenet', 'inception_v3') else {}
    m = getattr(torchvision.models, n)(**kw).eval()
    torch.save(m, f'{d}/{n}.pt')
    x = torch.randn(1, 3, 96, 96) if n != 'inception_v3' else torch.randn(1, 3, 80, 80)
    with torch.no_grad():
        y = m(x)
    OUT['x_' + n] = x
    OUT['y_' + n] = y[0] if isinstance(y, tuple) else y
# transfer learning: a torchvision model with a replaced head, saved whole after a training step
m = torchvision.models.resnet18()
m.fc = nn.Linear(m.fc.in_features, 2)
opt = torch.optim.SGD(m.parameters(), lr=0.1)
x = torch.randn(2, 3, 64, 64)
m(x).sum().backward(); opt.step()
m.train()
torch.save(m, f'{d}/ft.pt')
OUT['x_ft'] = x
with torch.no_grad():
    OUT['y_ft'] = m.eval()(x)
# torch.nn only, with buffers, a non-persistent buffer and containers
seq = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1, bias=False), nn.BatchNorm2d(4), nn.ReLU(inplace=True),
                    nn.MaxPool2d(2, 2), nn.Flatten(), nn.ModuleList([nn.Linear(64, 10)])[0], nn.LogSoftmax(dim=1))
seq.eval()
torch.save(seq, f'{d}/seq.pt')
x = torch.randn(2, 3, 8, 8)
OUT['x_seq'] = x
OUT['y_seq'] = seq(x).detach()
# a model whose class Python finds in __main__: off the allow-list
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(2, 2)
    def forward(self, x):
        return self.fc(x)
torch.save(Net(), f'{d}/net.pt')
# a module inside a checkpoint dict
torch.save({'model': seq, 'epoch': 3}, f'{d}/ckpt.pt')
`, { json: [dir, MODELS] });

test('torchvision models saved whole by Python load and compute the same logits', () => {
  for (const n of MODELS) {
    const m = torch.load(join(dir, `${n}.pt`)) as torch.nn.Module;
    assert.ok(m instanceof torch.nn.Module, n);
    assert.equal(m.training, false, `${n} was saved in eval mode`);
    const y = torch.noGrad(() => m.call(py.tensors[`x_${n}`]!)) as torch.Tensor | torch.Tensor[];
    const out = Array.isArray(y) ? y[0]! : y;
    assert.ok(out.allclose(py.tensors[`y_${n}`]!, { rtol: 1e-4, atol: 1e-5 }), `${n}: max |diff| ${out.sub(py.tensors[`y_${n}`]!).abs().max().item()}`);
  }
});

test('a fine-tuned model with a replaced head loads with its training flag and its parameters', () => {
  const m = torch.load(join(dir, 'ft.pt')) as torch.nn.Module & { fc: torch.nn.Linear };
  assert.equal(m.training, true);
  assert.equal(m.fc.outFeatures, 2);
  assert.equal(m.fc.weight.requiresGrad, true);
  const y = torch.noGrad(() => m.eval().call(py.tensors.x_ft!)) as torch.Tensor;
  assert.ok(y.allclose(py.tensors.y_ft!, { rtol: 1e-4, atol: 1e-5 }));
  // the state dict keys are PyTorch's, so the model can be saved the recommended way
  assert.ok(Object.keys(m.stateDict()).includes('layer4.1.bn2.num_batches_tracked'));
});

test('torch.nn containers, buffers and layers rebuild with their hyper-parameters', () => {
  const seq = torch.load(join(dir, 'seq.pt')) as torch.nn.Sequential;
  assert.equal(String(seq), [
    'Sequential(',
    '  (0): Conv2d(3, 4, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), bias=False)',
    '  (1): BatchNorm2d(4, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)',
    '  (2): ReLU(inplace=True)',
    '  (3): MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)',
    '  (4): Flatten(start_dim=1, end_dim=-1)',
    '  (5): Linear(in_features=64, out_features=10, bias=True)',
    '  (6): LogSoftmax(dim=1)',
    ')',
  ].join('\n'));
  const y = torch.noGrad(() => seq.call(py.tensors.x_seq!)) as torch.Tensor;
  assert.ok(y.allclose(py.tensors.y_seq!, { rtol: 1e-5, atol: 1e-6 }));
  const ckpt = torch.load(join(dir, 'ckpt.pt')) as { model: torch.nn.Module; epoch: number };
  assert.equal(ckpt.epoch, 3);
  assert.ok(ckpt.model instanceof torch.nn.Sequential);
});

test('a class off the allow-list is refused by name, without running anything', () => {
  assert.throws(() => torch.load(join(dir, 'net.pt')), /refusing to load global '__main__\.Net'.*state_dict/s);
});
