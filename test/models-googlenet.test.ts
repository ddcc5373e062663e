// GoogLeNet against torchvision 0.14: structure, bit-identical truncated-normal init, eval logits,
// training-mode outputs with the auxiliary classifiers, transformInput.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../src/index.js';
import * as models from '../src/vision/models/index.js';
import { torchvisionReference, assertSameModel, assertLogitsClose, type RefSpec } from './helpers/zoo.js';

torch.manualSeed(9);
const x = torch.randn([2, 3, 64, 64]);
const specs: RefSpec[] = [
  { name: 'googlenet', seed: 41, kwargs: 'num_classes=10, init_weights=True', hash: true, input: 'x', train: true },
  { name: 'googlenet', seed: 42, kwargs: 'num_classes=10, init_weights=True, aux_logits=False, transform_input=True', hash: true, input: 'x', train: true },
];
const refs = torchvisionReference(specs, { x });

function trainOutputs(m: torch.nn.Module, input: torch.Tensor): Record<string, torch.Tensor> {
  m.train();
  torch.manualSeed(1234); // the same dropout masks as the reference
  const out = m.call(input);
  if (out instanceof torch.Tensor) return { out };
  return Object.fromEntries(Object.entries(out as Record<string, torch.Tensor | null>).filter(([, v]) => v !== null)) as Record<string, torch.Tensor>;
}

// torchvision's field names -> ours.
const FIELD: Record<string, string> = { logits: 'logits', aux_logits2: 'aux2', aux_logits1: 'aux1', aux_logits: 'auxLogits', out: 'out' };

function checkTrain(m: torch.nn.Module, input: torch.Tensor, ref: Record<string, torch.Tensor>, what: string): void {
  const ours = trainOutputs(m, input);
  assert.deepEqual(Object.keys(ours).sort(), Object.keys(ref).map((k) => FIELD[k]!).sort(), `${what}: output fields`);
  for (const [k, v] of Object.entries(ref)) assertLogitsClose(ours[FIELD[k]!]!, v, `${what} train ${k}`);
}

test('GoogLeNet with auxiliary heads: init, eval logits, {logits, aux2, aux1} in training', () => {
  torch.manualSeed(41);
  const m = models.googlenet({ numClasses: 10, initWeights: true });
  assertSameModel(m, refs[0]!, 'googlenet');
  assertLogitsClose(torch.noGrad(() => m.eval().call(x)), refs[0]!.eval!, 'googlenet eval');
  checkTrain(m, x, refs[0]!.train!, 'googlenet');
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
  checkTrain(m, x, refs[1]!.train!, 'googlenet no aux');
});
