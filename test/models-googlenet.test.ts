// GoogLeNet against torchvision 0.14: structure, bit-identical truncated-normal init, eval logits,
// training-mode outputs with the auxiliary classifiers, transformInput.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../src/index.js';
import * as models from '../src/vision/models/index.js';
import { torchvisionReference, assertSameModel, assertLogitsClose, checkTrainOutputs, type RefSpec } from './helpers/zoo.js';

torch.manualSeed(9);
const x = torch.randn([2, 3, 64, 64]);
const specs: RefSpec[] = [
  { name: 'googlenet', seed: 41, kwargs: 'num_classes=10, init_weights=True', hash: true, input: 'x', train: true },
  { name: 'googlenet', seed: 42, kwargs: 'num_classes=10, init_weights=True, aux_logits=False, transform_input=True', hash: true, input: 'x', train: true },
];
const refs = torchvisionReference(specs, { x });

test('GoogLeNet with auxiliary heads: init, eval logits, {logits, aux2, aux1} in training', () => {
  torch.manualSeed(41);
  const m = models.googlenet({ numClasses: 10, initWeights: true });
  assertSameModel(m, refs[0]!, 'googlenet');
  assertLogitsClose(torch.noGrad(() => m.eval().call(x)), refs[0]!.eval!, 'googlenet eval');
  checkTrainOutputs(m, x, refs[0]!.train!, 'googlenet');
  assert.match(String(m), /\(aux1\): InceptionAux\(/);
  const out = m.train().call(x) as models.GoogLeNetOutputs;
  out.logits.sum().add(out.aux1!.sum()).add(out.aux2!.sum()).backward();
  assert.ok(m.aux1!.fc2.weight.grad !== null && m.aux2!.fc2.weight.grad !== null && m.conv1.conv.weight.grad !== null);
});

test('GoogLeNet without aux heads, with transformInput: a plain tensor in training too', () => {
  torch.manualSeed(42);
  const m = models.googlenet({ numClasses: 10, initWeights: true, auxLogits: false, transformInput: true });
  assertSameModel(m, refs[1]!, 'googlenet no aux');
  assertLogitsClose(torch.noGrad(() => m.eval().call(x)), refs[1]!.eval!, 'googlenet no-aux eval');
  checkTrainOutputs(m, x, refs[1]!.train!, 'googlenet no aux');
});
