// DenseNet-121/161/169/201 against torchvision 0.14, and loading a checkpoint with the legacy "norm.1" keys.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as torch from '../src/index.js';
import * as models from '../src/vision/models/index.js';
import { torchvisionReference, assertSameModel, assertLogitsClose, type RefSpec } from './helpers/zoo.js';

const dir = mkdtempSync(join(tmpdir(), 'tstorch-densenet-'));
const legacy = join(dir, 'densenet121-legacy.pth');
torch.manualSeed(5);
const x = torch.randn([2, 3, 64, 64]);
const structural = ['densenet161', 'densenet169', 'densenet201'];
const specs: RefSpec[] = [
  { name: 'densenet121', seed: 31, kwargs: 'num_classes=10', hash: true, input: 'x' },
  ...structural.map((name) => ({ name })),
  // As the LuaTorch-era checkpoints are: keys like "denselayer1.norm.1.weight", no BatchNorm counters.
  { name: 'densenet121', seed: 32, kwargs: 'num_classes=10, drop_rate=0.2', input: 'x', savePath: legacy,
    saveKeyExpr: String.raw`None if k.endswith('num_batches_tracked') else re.sub(r'(denselayer\d+\.(?:norm|relu|conv))([12])\.', r'\1.\2.', k)` },
];
const refs = torchvisionReference(specs, { x });

test('densenet121: same modules, same seeded init, same eval logits', () => {
  torch.manualSeed(31);
  const m = models.densenet121({ numClasses: 10 });
  assertSameModel(m, refs[0]!, 'densenet121');
  assertLogitsClose(torch.noGrad(() => m.eval().call(x)), refs[0]!.eval!, 'densenet121 logits');
  assert.match(String(m), /\(denseblock1\): _DenseBlock\(\n\s+\(denselayer1\): _DenseLayer\(/);
  assert.match(String(m), /\(transition1\): _Transition\(/);
});

test('densenet161/169/201: same keys, shapes and published parameter counts', () => {
  structural.forEach((name, j) => {
    const m = (models as any)[name]() as torch.nn.Module;
    assertSameModel(m, refs[1 + j]!, name);
    assert.equal(m.numParameters(), models.getModelWeights(name).DEFAULT.meta.numParams);
  });
});

test('a checkpoint with legacy "norm.1" keys loads (torchvision _load_state_dict remapping)', () => {
  const m = models.densenet121({ weights: legacy, numClasses: 10, dropRate: 0.2 });
  assertLogitsClose(torch.noGrad(() => m.eval().call(x)), refs[refs.length - 1]!.eval!, 'legacy densenet121 logits');
  assert.deepEqual(
    Object.keys(models.remapLegacyDenseNetKeys({ 'features.denseblock1.denselayer1.norm.1.weight': torch.zeros([1]), 'features.norm5.weight': torch.zeros([1]) })),
    ['features.denseblock1.denselayer1.norm1.weight', 'features.norm5.weight']);
  rmSync(dir, { recursive: true, force: true });
});

test('dense layer dropout is active in training only; backward runs', () => {
  torch.manualSeed(0);
  const m = models.densenet121({ numClasses: 3, dropRate: 0.5 });
  const xi = torch.randn([2, 3, 32, 32]);
  const y = m.train().call(xi) as torch.Tensor;
  y.sum().backward();
  assert.ok(m.classifier.weight.grad !== null);
  assert.throws(() => models.densenet121({ memoryEfficient: true }), /memoryEfficient/);
});
