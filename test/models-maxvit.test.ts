// MaxViT-T against torchvision 0.14: state-dict keys, shapes and bit-identical seeded initialisation, eval and
// train-mode logits (stochastic depth draws, BatchNorm with momentum 0.99), a training step (loss, every
// gradient, the running statistics), other input sizes and the divisibility check, printing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../src/index.js';
import * as models from '../src/vision/models/index.js';
import { runPython } from './helpers/pytorch.js';
import { torchvisionReference, assertSameModel, assertLogitsClose, type RefSpec } from './helpers/zoo.js';
import { assertTrainStepMatches } from './helpers/train-parity.js';

torch.manualSeed(81);
const x224 = torch.randn([1, 3, 224, 224]);

const specs: RefSpec[] = [
  { name: 'maxvit_t', seed: 82, hash: true, input: 'x224', train: true },
  { name: 'maxvit_t', seed: 83, kwargs: 'num_classes=6, mlp_dropout=0.2, attention_dropout=0.1, squeeze_ratio=0.5, expansion_ratio=2, mlp_ratio=2', hash: true, input: 'x224', train: true },
];
const refs = torchvisionReference(specs, { x224 });

test('maxvit_t: same modules, seeded init, eval and train-mode logits as torchvision', () => {
  torch.manualSeed(82);
  const m = models.maxvit_t();
  assertSameModel(m, refs[0]!, 'maxvit_t');
  assert.equal(m.numParameters(), models.MaxVit_T_Weights.DEFAULT.meta.numParams);
  assertLogitsClose(torch.noGrad(() => m.eval().call(x224)), refs[0]!.eval!, 'maxvit_t eval logits');
  torch.manualSeed(1234);
  assertLogitsClose(torch.noGrad(() => m.train().call(x224)), refs[0]!.train!['out']!, 'maxvit_t train-mode logits (stochastic depth)');
});

test('options: numClasses, dropouts, squeeze, expansion and MLP ratios; input sizes; printing', () => {
  torch.manualSeed(83);
  const m = models.maxvit_t({ numClasses: 6, mlpDropout: 0.2, attentionDropout: 0.1, squeezeRatio: 0.5, expansionRatio: 2, mlpRatio: 2 });
  assertSameModel(m, refs[1]!, 'maxvit_t(options)');
  assertLogitsClose(torch.noGrad(() => m.eval().call(x224)), refs[1]!.eval!, 'maxvit_t(options) eval logits');
  torch.manualSeed(1234);
  assertLogitsClose(torch.noGrad(() => m.train().call(x224)), refs[1]!.train!['out']!, 'maxvit_t(options) train-mode logits (dropout draws)');
  const ref = runPython(String.raw`
torch.manual_seed(0)
m = torchvision.models.maxvit_t(num_classes=3)
try:
    torchvision.models.maxvit_t(input_size=(112, 112))
    err = None
except ValueError as e:
    err = str(e)
OUT_J = {'repr': str(m), 'err': err, 'p': [b.stochastic_dropout.p for b in m.modules() if type(b).__name__ == 'PartitionAttentionLayer']}
`);
  torch.manualSeed(0);
  const small = models.maxvit_t({ numClasses: 3 });
  assert.equal(String(small), ref.json.repr);
  assert.deepEqual(small.modules().filter((b) => b instanceof models.PartitionAttentionLayer).map((b) => (b as models.PartitionAttentionLayer).stochastic_dropout.p), ref.json.p,
    'numpy.linspace probabilities, to the last bit');
  assert.throws(() => models.maxvit_t({ inputSize: [112, 112] }), (e: Error) => e.message === ref.json.err);
  assert.throws(() => models.maxvit_t({ weights: 'DEFAULT', inputSize: [448, 448] }), /'inputSize' expected value \[224,224\] but got \[448,448\]/);
  assert.throws(() => models.maxvit_t({ headDim: 16 } as models.MaxVitBuilderOptions), /'headDim': fixed by this builder/);
});

test('maxvit_t training step (stochastic depth, BatchNorm momentum 0.99) matches torchvision', () => {
  // one 224x224 image (the smallest input whose maps 7x7 partitions divide): BatchNorm still sees 49+ values per channel
  const y = torch.tensor([5], { dtype: 'int64' });
  assertTrainStepMatches({ name: 'maxvit_t', kwargs: 'num_classes=10', seed: 84, stepSeed: 85 }, () => models.maxvit_t({ numClasses: 10 }), x224, y);
});
