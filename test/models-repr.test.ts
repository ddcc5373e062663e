// Printed models read exactly as torchvision's print(model), and torchvision.ops' shared blocks
// (Conv2dNormActivation, SqueezeExcitation, FrozenBatchNorm2d) match torchvision's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../src/index.js';
import * as models from '../src/vision/models/index.js';
import { Conv2dNormActivation, SqueezeExcitation, FrozenBatchNorm2d } from '../src/vision/ops/index.js';
import { runPython, assertClose } from './helpers/pytorch.js';

const NAMES = ['alexnet', 'vgg11_bn', 'resnet18', 'resnext50_32x4d', 'densenet121', 'googlenet', 'inception_v3', 'squeezenet1_0'];
torch.manualSeed(4);
const x = torch.randn([2, 8, 6, 6]);

const ref = runPython(String.raw`
from torchvision.ops import Conv2dNormActivation, SqueezeExcitation, FrozenBatchNorm2d
reprs = {n: str(getattr(torchvision.models, n)(init_weights=False) if n in ('googlenet', 'inception_v3') else getattr(torchvision.models, n)()) for n in J}
outs = {}
blocks = [
    ('cna', lambda: Conv2dNormActivation(8, 16)),
    ('cna_opts', lambda: Conv2dNormActivation(8, 16, kernel_size=(3, 5), stride=2, groups=8, norm_layer=None, activation_layer=torch.nn.Hardswish, dilation=(1, 2))),
    ('se', lambda: SqueezeExcitation(8, 2)),
    ('se_hs', lambda: SqueezeExcitation(8, 4, activation=torch.nn.SiLU, scale_activation=torch.nn.Hardsigmoid)),
]
meta = {}
for i, (name, build) in enumerate(blocks):
    torch.manual_seed(50 + i)
    m = build().eval()
    meta[name] = {'keys': list(m.state_dict().keys()), 'repr': str(m)}
    with torch.no_grad():
        OUT[name] = m(T['x'])
bn = torch.nn.BatchNorm2d(8).eval()
torch.manual_seed(9)
for t in (bn.weight, bn.bias, bn.running_mean):
    t.data.uniform_(-1, 1)
bn.running_var.data.uniform_(0.5, 2)
f = FrozenBatchNorm2d(8)
f.load_state_dict(bn.state_dict())
OUT['frozen'] = f(T['x'])
OUT['bn_out'] = bn(T['x'])
for k, v in bn.state_dict().items():
    OUT['bn_' + k] = v
meta['frozen_repr'] = str(f)
OUT_J = {'reprs': reprs, 'meta': meta}
`, { tensors: { x }, json: NAMES });

test('print(model) is torchvision\'s, character for character', () => {
  for (const n of NAMES) {
    const opts = n === 'googlenet' || n === 'inception_v3' ? { initWeights: false } : {};
    assert.equal(String(models.getModel(n, opts)), ref.json.reprs[n], n);
  }
});

test('Conv2dNormActivation and SqueezeExcitation: keys, printing, seeded outputs', () => {
  const builds: [string, () => torch.nn.Module][] = [
    ['cna', () => new Conv2dNormActivation(8, 16)],
    ['cna_opts', () => new Conv2dNormActivation(8, 16, { kernelSize: [3, 5], stride: 2, groups: 8, normLayer: null, activationLayer: (o) => new torch.nn.Hardswish(o), dilation: [1, 2] })],
    ['se', () => new SqueezeExcitation(8, 2)],
    ['se_hs', () => new SqueezeExcitation(8, 4, { activation: (o) => new torch.nn.SiLU(o), scaleActivation: () => new torch.nn.Hardsigmoid() })],
  ];
  builds.forEach(([name, build], i) => {
    torch.manualSeed(50 + i);
    const m = build().eval();
    assert.deepEqual(Object.keys(m.stateDict()), ref.json.meta[name].keys, name);
    assert.equal(String(m), ref.json.meta[name].repr, `${name} repr`);
    assertClose(torch.noGrad(() => m.call(x)), ref.tensors[name]!, { what: name });
  });
  assert.equal(new Conv2dNormActivation(8, 16).outChannels, 16);
});

test('FrozenBatchNorm2d equals an eval-mode BatchNorm2d and drops num_batches_tracked on load', () => {
  const f = new FrozenBatchNorm2d(8);
  const sd: Record<string, torch.Tensor> = {};
  for (const k of ['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked']) sd[k] = ref.tensors[`bn_${k}`]!;
  f.loadStateDict(sd);
  assertClose(f.call(x), ref.tensors.frozen!, { what: 'frozen' });
  assertClose(f.call(x), ref.tensors.bn_out!, { what: 'frozen vs batchnorm' });
  assert.deepEqual(Object.keys(f.stateDict()), ['weight', 'bias', 'running_mean', 'running_var']);
  assert.equal(f.parameters().length, 0);
  assert.equal(String(f), ref.json.meta.frozen_repr);
});
