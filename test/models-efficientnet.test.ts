// EfficientNet B0-B7 and V2 S/M/L against torchvision 0.14: state-dict keys and shapes, bit-identical seeded
// initialisation and eval logits for the small variants, structure and parameter counts for the large ones,
// one training step of B0 with stochastic depth and dropout active, printing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../src/index.js';
import * as models from '../src/vision/models/index.js';
import { torchvisionReference, assertSameModel, assertLogitsClose, type RefSpec } from './helpers/zoo.js';
import { assertTrainStepMatches } from './helpers/train-parity.js';
import { torchvisionStructure, HEAVY_TESTS } from './helpers/zoo-structure.js';

torch.manualSeed(12);
const x = torch.randn([2, 3, 64, 64]);
const builders = models as unknown as Record<string, (o?: any) => torch.nn.Module>;

const full = ['efficientnet_b0', 'efficientnet_b1', 'efficientnet_b2', 'efficientnet_b3', 'efficientnet_b4', 'efficientnet_b5', 'efficientnet_v2_s'];
// B7 (66M parameters) and V2-L (118M) take tens of seconds to initialise: TSTORCH_HEAVY_TESTS=1
const structural = ['efficientnet_b6', 'efficientnet_v2_m',
  ...(HEAVY_TESTS ? ['efficientnet_b7', 'efficientnet_v2_l'] : [])];
const structure = torchvisionStructure(structural);
const specs: RefSpec[] = [
  ...full.map((name, i) => ({ name, seed: 30 + i, hash: true, input: 'x' })),
  { name: 'efficientnet_b0', seed: 5, kwargs: 'num_classes=5, stochastic_depth_prob=0.5', hash: true, input: 'x' },
];
const refs = torchvisionReference(specs, { x });

test('B0-B5 and V2-S: same modules, seeded init and eval logits as torchvision', () => {
  full.forEach((name, i) => {
    torch.manualSeed(30 + i);
    const m = builders[name]!();
    assertSameModel(m, refs[i]!, name);
    assertLogitsClose(torch.noGrad(() => m.eval().call(x)), refs[i]!.eval!, `${name} logits`);
    assert.equal(m.numParameters(), models.getModelWeights(name).DEFAULT.meta.numParams, `${name}: published parameter count`);
  });
});

test('B6 and V2-M (B7, V2-L): same keys, shapes and parameter counts as torchvision', () => {
  structural.forEach((name) => {
    const m = builders[name]!();
    assertSameModel(m, structure[name]!, name);
    assert.equal(m.numParameters(), models.getModelWeights(name).DEFAULT.meta.numParams, `${name}: published parameter count`);
    // B5-B7 keep the TensorFlow BatchNorm settings of their ported checkpoints; V2 uses eps 1e-3
    const bn = m.modules().find((c) => c instanceof torch.nn.BatchNorm2d) as torch.nn.BatchNorm2d;
    const expected = { efficientnet_b4: [1e-5, 0.1], efficientnet_b5: [1e-3, 0.01], efficientnet_b6: [1e-3, 0.01], efficientnet_b7: [1e-3, 0.01],
      efficientnet_v2_m: [1e-3, 0.1], efficientnet_v2_l: [1e-3, 0.1] }[name]!;
    assert.deepEqual([bn.eps, bn.momentum], expected, `${name}: BatchNorm eps and momentum`);
  });
});

test('stochasticDepthProb and numClasses options; drop probabilities grow with depth', () => {
  torch.manualSeed(5);
  const m = models.efficientnet_b0({ numClasses: 5, stochasticDepthProb: 0.5 });
  const ref = refs[refs.length - 1]!;
  assertSameModel(m, ref, 'efficientnet_b0(stochastic_depth_prob=0.5)');
  assertLogitsClose(torch.noGrad(() => m.eval().call(x)), ref.eval!, 'efficientnet_b0 logits');
  const ps = m.modules().filter((c) => c instanceof models.MBConv).map((c) => (c as models.MBConv).stochastic_depth.p);
  assert.deepEqual(ps, ps.map((_, i) => (0.5 * i) / 16));
});

test('efficientnet_b0 training step (stochastic depth and dropout active) matches PyTorch; printing matches', () => {
  const y = torch.tensor([1, 4], { dtype: 'int64' });
  const { repr } = assertTrainStepMatches({ name: 'efficientnet_b0', kwargs: 'num_classes=10, stochastic_depth_prob=0.5', seed: 41, stepSeed: 42 },
    () => models.efficientnet_b0({ numClasses: 10, stochasticDepthProb: 0.5 }), x, y);
  torch.manualSeed(0);
  assert.equal(String(models.efficientnet_b0({ numClasses: 10, stochasticDepthProb: 0.5 })), repr);
});

test('bad configurations are refused', () => {
  assert.throws(() => new models.EfficientNet([], 0.2), /should not be empty/);
  assert.throws(() => models.efficientnet_b0({ weights: 'IMAGENET1K_V9' }), /EfficientNet_B0_Weights has no weights 'IMAGENET1K_V9'/);
});
