// Inception v3 against torchvision 0.14: structure, bit-identical truncated-normal init, eval logits,
// training-mode outputs with the auxiliary classifier, transformInput.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../src/index.js';
import * as models from '../src/vision/models/index.js';
import { torchvisionReference, assertSameModel, assertLogitsClose, checkTrainOutputs, type RefSpec } from './helpers/zoo.js';

torch.manualSeed(9);
// 75x75 is Inception v3's minimum; its auxiliary head (5x5 pooling on the 17x17 grid) needs 299x299.
const x75 = torch.randn([2, 3, 75, 75]);
const x299 = torch.randn([2, 3, 299, 299]);
const specs: RefSpec[] = [
  { name: 'inception_v3', seed: 43, kwargs: 'num_classes=10, init_weights=True', hash: true, input: 'x299', train: true },
  { name: 'inception_v3', seed: 44, kwargs: 'init_weights=True, aux_logits=False, transform_input=True', input: 'x75' },
];
const refs = torchvisionReference(specs, { x75, x299 });

test('Inception v3: init (fc stddev 0.001 quirk included), eval logits, {logits, auxLogits} in training', () => {
  torch.manualSeed(43);
  const m = models.inception_v3({ numClasses: 10, initWeights: true });
  assertSameModel(m, refs[0]!, 'inception_v3');
  assertLogitsClose(torch.noGrad(() => m.eval().call(x299)), refs[0]!.eval!, 'inception_v3 eval');
  checkTrainOutputs(m, x299, refs[0]!.train!, 'inception_v3');
});

test('Inception v3 (1000 classes, no aux, transformInput): eval logits; a plain tensor in training', () => {
  torch.manualSeed(44);
  const m = models.inception_v3({ initWeights: true, auxLogits: false, transformInput: true });
  assertSameModel(m, refs[1]!, 'inception_v3 no aux');
  assertLogitsClose(torch.noGrad(() => m.eval().call(x75)), refs[1]!.eval!, 'inception_v3 no-aux eval');
  // Not compared numerically: training-mode BatchNorm over 2 values per channel (1x1 maps at 75x75) amplifies
  // float32 rounding ~100x per block (checked in float64: 1e-8 agreement), so the numbers are ill-conditioned.
  const y = m.train().call(x75);
  assert.ok(y instanceof torch.Tensor);
  assert.deepEqual([...y.shape], [2, 1000]);
});
