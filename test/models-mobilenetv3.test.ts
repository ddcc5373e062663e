// MobileNet V3 small and large against torchvision 0.14: state-dict keys and shapes, bit-identical seeded
// initialisation, eval logits, one training step (loss, every gradient, BN statistics), printing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as torch from '../src/index.js';
import * as models from '../src/vision/models/index.js';
import { torchvisionReference, assertSameModel, assertLogitsClose, type RefSpec } from './helpers/zoo.js';
import { assertTrainStepMatches } from './helpers/train-parity.js';
import { runPython } from './helpers/pytorch.js';

torch.manualSeed(11);
const x = torch.randn([2, 3, 64, 64]);

const specs: RefSpec[] = [
  { name: 'mobilenet_v3_small', seed: 1, hash: true, input: 'x' },
  { name: 'mobilenet_v3_large', seed: 2, hash: true, input: 'x' },
  // the detection/segmentation variants: narrower, halved tail, dilated tail
  { name: 'mobilenet_v3_large', seed: 3, kwargs: 'width_mult=0.75, reduced_tail=True, dilated=True, num_classes=7', hash: true, input: 'x' },
  { name: 'mobilenet_v3_small', seed: 4, kwargs: 'dropout=0.5, num_classes=3', hash: true },
];
const refs = torchvisionReference(specs, { x });

test('mobilenet_v3_small and mobilenet_v3_large: same modules, seeded init and eval logits as torchvision', () => {
  for (const [i, build] of [[0, models.mobilenet_v3_small], [1, models.mobilenet_v3_large]] as const) {
    torch.manualSeed(specs[i]!.seed!);
    const m = build();
    assertSameModel(m, refs[i]!, specs[i]!.name);
    assertLogitsClose(torch.noGrad(() => m.eval().call(x)), refs[i]!.eval!, `${specs[i]!.name} logits`);
    assert.equal(m.numParameters(), models.getModelWeights(specs[i]!.name).DEFAULT.meta.numParams, `${specs[i]!.name}: published parameter count`);
  }
});

test('widthMult, reducedTail, dilated, dropout and numClasses options', () => {
  torch.manualSeed(3);
  const m = models.mobilenet_v3_large({ widthMult: 0.75, reducedTail: true, dilated: true, numClasses: 7 });
  assertSameModel(m, refs[2]!, 'mobilenet_v3_large(width_mult=0.75, reduced_tail, dilated)');
  assertLogitsClose(torch.noGrad(() => m.eval().call(x)), refs[2]!.eval!, 'dilated mobilenet_v3_large logits');
  torch.manualSeed(4);
  const s = models.mobilenet_v3_small({ dropout: 0.5, numClasses: 3 });
  assertSameModel(s, refs[3]!, 'mobilenet_v3_small(dropout=0.5)');
  assert.equal((s.classifier.at(2) as any).p, 0.5);
});

test('mobilenet_v3_small training step (dropout and all) matches PyTorch; printing matches', () => {
  const y = torch.tensor([3, 7], { dtype: 'int64' });
  const { repr } = assertTrainStepMatches({ name: 'mobilenet_v3_small', kwargs: 'num_classes=10', seed: 21, stepSeed: 22 },
    () => models.mobilenet_v3_small({ numClasses: 10 }), x, y);
  torch.manualSeed(0);
  assert.equal(String(models.mobilenet_v3_small({ numClasses: 10 })), repr);
});

test('registry and weights', () => {
  assert.ok(models.listModels().includes('mobilenet_v3_small'));
  assert.equal(models.getModelWeights('mobilenet_v3_large').DEFAULT.name, 'IMAGENET1K_V2');
  assert.throws(() => models.mobilenet_v3_small({ weights: 'IMAGENET1K_V1', numClasses: 10 }), /numClasses/);
  assert.throws(() => new models.MobileNetV3([], 1024), /should not be empty/);
});

test("published weights: 'DEFAULT' loads the checkpoint from torch.hub's cache ($TORCH_HOME/hub/checkpoints)", () => {
  const home = mkdtempSync(join(tmpdir(), 'tstorch-hub-'));
  const saved = process.env.TORCH_HOME;
  try {
    const dir = join(home, 'hub', 'checkpoints');
    mkdirSync(dir, { recursive: true });
    const w = models.MobileNet_V3_Small_Weights.DEFAULT;
    // a stand-in for the published file, under its published name (a cached file is not hash-checked, as in torch.hub)
    const r = runPython(String.raw`
torch.manual_seed(31)
m = torchvision.models.mobilenet_v3_small().eval()
torch.save(m.state_dict(), J)
with torch.no_grad():
    OUT['y'] = m(T['x'])
`, { tensors: { x }, json: join(dir, w.fileName) });
    process.env.TORCH_HOME = home;
    const m = models.mobilenet_v3_small({ weights: 'DEFAULT' });
    assertLogitsClose(torch.noGrad(() => m.eval().call(x)), r.tensors['y']!, 'mobilenet_v3_small with DEFAULT weights');
    assert.equal(models.getModel('mobilenet_v3_small', { weights: models.MobileNet_V3_Small_Weights.IMAGENET1K_V1 }).numParameters(), w.meta.numParams);
  } finally {
    if (saved === undefined) delete process.env.TORCH_HOME; else process.env.TORCH_HOME = saved;
    rmSync(home, { recursive: true, force: true });
  }
});
