// MobileNet V2 against torchvision 0.14: state-dict keys and shapes, bit-identical seeded initialisation,
// eval logits (default and widthMult / custom settings), a training step's logits, printing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../src/index.js';
import * as models from '../src/vision/models/index.js';
import { torchvisionReference, assertSameModel, assertLogitsClose, type RefSpec } from './helpers/zoo.js';
import { runPython } from './helpers/pytorch.js';

torch.manualSeed(15);
const x = torch.randn([2, 3, 64, 64]);
const setting = [[1, 16, 1, 1], [6, 24, 2, 2], [4, 40, 2, 2]];
const specs: RefSpec[] = [
  { name: 'mobilenet_v2', seed: 70, hash: true, input: 'x', train: true },
  { name: 'mobilenet_v2', seed: 71, kwargs: 'width_mult=1.4, num_classes=9', hash: true, input: 'x' },
  { name: 'mobilenet_v2', seed: 72, kwargs: `width_mult=0.35, round_nearest=4, dropout=0.0, inverted_residual_setting=${JSON.stringify(setting)}`, hash: true, input: 'x' },
];
const refs = torchvisionReference(specs, { x });

test('mobilenet_v2: same modules, seeded init, eval and train-mode logits as torchvision', () => {
  torch.manualSeed(70);
  const m = models.mobilenet_v2();
  assertSameModel(m, refs[0]!, 'mobilenet_v2');
  assertLogitsClose(torch.noGrad(() => m.eval().call(x)), refs[0]!.eval!, 'mobilenet_v2 logits');
  assert.equal(m.numParameters(), models.MobileNet_V2_Weights.DEFAULT.meta.numParams);
  // the reference ran eval first, then train mode from seed 1234 (dropout draws)
  torch.manualSeed(1234);
  assertLogitsClose(torch.noGrad(() => m.train().call(x)), refs[0]!.train!['out']!, 'mobilenet_v2 train-mode logits');
});

test('widthMult, roundNearest, invertedResidualSetting, dropout and numClasses options', () => {
  torch.manualSeed(71);
  const a = models.mobilenet_v2({ widthMult: 1.4, numClasses: 9 });
  assertSameModel(a, refs[1]!, 'mobilenet_v2(width_mult=1.4)');
  assertLogitsClose(torch.noGrad(() => a.eval().call(x)), refs[1]!.eval!, 'mobilenet_v2(width_mult=1.4) logits');
  torch.manualSeed(72);
  const b = models.mobilenet_v2({ widthMult: 0.35, roundNearest: 4, dropout: 0.0, invertedResidualSetting: setting });
  assertSameModel(b, refs[2]!, 'mobilenet_v2(custom setting)');
  assertLogitsClose(torch.noGrad(() => b.eval().call(x)), refs[2]!.eval!, 'mobilenet_v2(custom setting) logits');
  assert.throws(() => new models.MobileNetV2({ invertedResidualSetting: [[1, 16, 1]] }), /4-element list/);
  assert.throws(() => new models.MobileNetV2InvertedResidual(16, 16, 3, 6), /stride should be 1 or 2/);
});

test('printing matches torchvision', () => {
  const r = runPython('OUT_J = str(torchvision.models.mobilenet_v2())');
  torch.manualSeed(0);
  assert.equal(String(models.mobilenet_v2()), r.json);
});
