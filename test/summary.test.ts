// summary(): per-layer output shapes and parameter counts against PyTorch forward hooks on torchvision's
// models, multiply-adds against the textbook count, totals against torchvision's published parameter counts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../src/index.js';
import * as models from '../src/vision/models/index.js';
import { summary } from '../src/vision/models/summary.js';
import { runPython } from './helpers/pytorch.js';

// torchvision's documented parameter counts (the issue quotes them); also checked against the weights table.
const PUBLISHED: [string, () => torch.nn.Module, number[], number][] = [
  ['alexnet', () => models.alexnet(), [1, 3, 64, 64], 61_100_840],
  ['vgg13', () => models.vgg13(), [1, 3, 32, 32], 133_047_848],
  ['googlenet', () => models.googlenet({ auxLogits: false }), [1, 3, 64, 64], 6_624_904],
  ['inception_v3', () => models.inception_v3(), [1, 3, 75, 75], 27_161_264],
  ['resnet50', () => models.resnet50(), [1, 3, 64, 64], 25_557_032],
  ['densenet121', () => models.densenet121(), [1, 3, 64, 64], 7_978_856],
];

test('summary totals equal torchvision\'s published parameter counts', () => {
  for (const [name, build, shape, expected] of PUBLISHED) {
    const s = summary(build(), shape);
    assert.equal(s.totalParams, expected, name);
    assert.equal(s.totalParams, models.getModelWeights(name).DEFAULT.meta.numParams, `${name} (weights table)`);
    assert.equal(s.trainableParams, expected);
    assert.match(s.toString(), new RegExp(`Total params: ${expected.toLocaleString('en-US')}\\n`));
  }
});

test('rows follow PyTorch\'s call order with the same output shapes, parameters and multiply-adds', () => {
  const m = models.resnet18({ numClasses: 10 });
  const s = summary(m, [2, 3, 64, 64], { depth: 10 });
  const { json } = runPython(String.raw`
m = torchvision.models.resnet18(num_classes=10).eval()
rows = []
def pre(mod, inp):
    rows.append({'cls': type(mod).__name__, 'own': sum(p.numel() for p in mod.parameters(recurse=False))})
    mod._row = rows[-1]
def post(mod, inp, out):
    r = [x for x in rows if x is not None and x.get('shape') is None and x['cls'] == type(mod).__name__][-1]
    r['shape'] = list(out.shape)
    if isinstance(mod, torch.nn.Conv2d):
        n, c, h, w = out.shape
        r['macs'] = n * h * w * mod.out_channels * (mod.in_channels // mod.groups) * mod.kernel_size[0] * mod.kernel_size[1] + (n * h * w * mod.out_channels if mod.bias is not None else 0)
    elif isinstance(mod, torch.nn.Linear):
        r['macs'] = out.shape[0] * (mod.in_features * mod.out_features + mod.out_features)
    elif isinstance(mod, torch.nn.BatchNorm2d):
        r['macs'] = out.shape[0] * 2 * mod.num_features
    else:
        r['macs'] = 0
for mod in m.modules():
    mod.register_forward_pre_hook(pre)
    mod.register_forward_hook(post)
with torch.no_grad():
    m(torch.zeros(2, 3, 64, 64))
OUT_J = rows
`);
  const ref = json as { cls: string; own: number; shape: number[]; macs: number }[];
  assert.deepEqual(s.rows.map((r) => r.className), ref.map((r) => r.cls));
  assert.deepEqual(s.rows.map((r) => r.outputShape), ref.map((r) => r.shape));
  assert.deepEqual(s.rows.map((r) => r.ownParams), ref.map((r) => r.own));
  assert.deepEqual(s.rows.filter((r) => r.isLeaf).map((r) => r.multAdds), ref.filter((_, i) => s.rows[i]!.isLeaf).map((r) => r.macs));
  assert.equal(s.totalMultAdds, ref.reduce((a, r) => a + r.macs, 0));
});

test('table layout, depth folding, training-mode outputs, restored mode and bad input', () => {
  const m = models.resnet18();
  const s = summary(m, [1, 3, 224, 224], { depth: 1 });
  const text = s.toString();
  // torchinfo's figure for resnet18 at 224x224.
  assert.match(text, /Total mult-adds \(G\): 1\.81/);
  assert.match(text, /├─Sequential: 1-5 +\[1, 64, 56, 56\] +147,968 /);
  assert.ok(!text.includes('BasicBlock'), 'depth 1 folds the blocks into their layer');
  assert.equal(m.training, true, 'the model\'s mode is restored');
  const g = models.googlenet({ numClasses: 5 });
  const sg = summary(g, [2, 3, 64, 64], { mode: 'train', depth: 1 });
  assert.deepEqual(sg.rows[0]!.outputShape, [[2, 5], [2, 5], [2, 5]]);
  assert.throws(() => summary(m, [1, 3, -4, 4]), /inputShape must be positive integers/);
});
