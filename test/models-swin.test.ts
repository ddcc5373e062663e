// Swin Transformer V1 and V2 against torchvision 0.14: state-dict keys, shapes and bit-identical seeded
// initialisation of swin_t and swin_v2_t, eval logits and train-mode logits (stochastic depth draws) on a
// 96x96 input (windows padded, shifted and masked), a training step of swin_t (loss and every gradient), the
// larger sizes' structure, dropout options (applied in eval too, as torchvision does), printing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../src/index.js';
import * as models from '../src/vision/models/index.js';
import { runPython, assertClose } from './helpers/pytorch.js';
import { torchvisionReference, assertSameModel, assertLogitsClose, type RefSpec } from './helpers/zoo.js';
import { torchvisionStructure, HEAVY_TESTS } from './helpers/zoo-structure.js';
import { assertTrainStepMatches } from './helpers/train-parity.js';

torch.manualSeed(71);
// 96x96: stage maps of 24, 12, 6 and 3 patches, so windows of 7 (8) are padded, shifted and masked, or too big to shift
const x = torch.randn([2, 3, 96, 96]);

const specs: RefSpec[] = [
  { name: 'swin_t', seed: 72, hash: true, input: 'x', train: true },
  { name: 'swin_v2_t', seed: 73, hash: true, input: 'x', train: true },
  { name: 'swin_t', seed: 74, kwargs: 'num_classes=5, dropout=0.2, attention_dropout=0.1, mlp_ratio=2.0', hash: true, input: 'x', train: true },
];
const refs = torchvisionReference(specs, { x });
const structural = HEAVY_TESTS ? ['swin_s', 'swin_v2_s', 'swin_b', 'swin_v2_b'] : ['swin_s', 'swin_v2_s'];
const structure = torchvisionStructure(structural);
// every size's seeded initialisation and eval logits when heavy
const bigSpecs: RefSpec[] = HEAVY_TESTS ? structural.map((name, i) => ({ name, seed: 77 + i, hash: true, input: 'x' })) : [];
const bigRefs = bigSpecs.length ? torchvisionReference(bigSpecs, { x }) : [];

test('swin_t and swin_v2_t: same modules, seeded init, eval and train-mode logits as torchvision', () => {
  for (const [i, build] of [[0, models.swin_t], [1, models.swin_v2_t]] as const) {
    const name = specs[i]!.name;
    torch.manualSeed(specs[i]!.seed!);
    const m = build();
    assertSameModel(m, refs[i]!, name);
    assert.equal(m.numParameters(), models.getModelWeights(name).DEFAULT.meta.numParams, `${name}: published parameter count`);
    assertLogitsClose(torch.noGrad(() => m.eval().call(x)), refs[i]!.eval!, `${name} eval logits`);
    torch.manualSeed(1234);
    assertLogitsClose(torch.noGrad(() => m.train().call(x)), refs[i]!.train!['out']!, `${name} train-mode logits (stochastic depth)`);
  }
});

test('options: numClasses, dropout and attention dropout (active in eval, as in torchvision), MLP ratio; the stochastic depth is fixed', () => {
  torch.manualSeed(74);
  const m = models.swin_t({ numClasses: 5, dropout: 0.2, attentionDropout: 0.1, mlpRatio: 2.0 });
  assertSameModel(m, refs[2]!, 'swin_t(options)');
  // torchvision's eval pass draws its functional dropouts from the generator, which is where building left it
  assertLogitsClose(torch.noGrad(() => m.eval().call(x)), refs[2]!.eval!, 'swin_t(options) eval logits');
  torch.manualSeed(1234);
  assertLogitsClose(torch.noGrad(() => m.train().call(x)), refs[2]!.train!['out']!, 'swin_t(options) train-mode logits');
  const sd = m.modules().filter((c) => c instanceof models.SwinTransformerBlock).map((c) => (c as models.SwinTransformerBlock).stochastic_depth.p);
  assert.deepEqual(sd, sd.map((_, i) => (0.2 * i) / 11));
  assert.throws(() => models.swin_t({ stochasticDepthProb: 0.5 } as models.SwinBuilderOptions), /'stochasticDepthProb': fixed by this builder/);
});

test('swin_s, swin_v2_s (swin_b, swin_v2_b): same keys, shapes and parameter counts as torchvision', () => {
  for (const name of structural) {
    const m = models.getModel(name);
    assertSameModel(m, structure[name]!, name);
    assert.equal(m.numParameters(), models.getModelWeights(name).DEFAULT.meta.numParams, `${name}: published parameter count`);
    for (const p of m.parameters()) p.dispose();
  }
});

test('swin_s, swin_v2_s, swin_b, swin_v2_b: seeded init and eval logits as torchvision (TSTORCH_HEAVY_TESTS=1)', { skip: !HEAVY_TESTS }, () => {
  bigSpecs.forEach((spec, i) => {
    torch.manualSeed(spec.seed!);
    const m = models.getModel(spec.name);
    assertSameModel(m, bigRefs[i]!, spec.name);
    assertLogitsClose(torch.noGrad(() => torch.tidy(() => m.eval().call(x))), bigRefs[i]!.eval!, `${spec.name} eval logits`);
    for (const p of m.parameters()) p.dispose();
  });
});

test('building blocks and printing match torchvision', () => {
  const t = torch.randn([2, 5, 7, 4]);
  const ref = runPython(String.raw`
from torchvision.models.swin_transformer import _patch_merging_pad, ShiftedWindowAttentionV2
OUT['merged'] = _patch_merging_pad(T['t'])
torch.manual_seed(3)
a = ShiftedWindowAttentionV2(4, [3, 3], [1, 1], 2)
OUT['coords'] = a.relative_coords_table
OUT['index'] = a.relative_position_index
OUT['bias'] = a.get_relative_position_bias().detach()
torch.manual_seed(0)
OUT_J = {'t': str(torchvision.models.swin_t(num_classes=3)), 'v2': str(torchvision.models.swin_v2_t(num_classes=3))}
`, { tensors: { t } });
  assert.ok(models.patchMergingPad(t).equal(ref.tensors.merged!), 'odd sizes padded, 2x2 neighbourhoods stacked');
  torch.manualSeed(3);
  const a = new models.ShiftedWindowAttentionV2(4, [3, 3], [1, 1], 2);
  assertClose(a.relative_coords_table, ref.tensors.coords!, { atol: 0, rtol: 0, what: 'log-spaced relative coordinates' });
  assert.ok(a.relative_position_index.equal(ref.tensors.index!), 'relative position index');
  assertClose(a.getRelativePositionBias(), ref.tensors.bias!, { what: 'continuous position bias' });
  torch.manualSeed(0);
  assert.equal(String(models.swin_t({ numClasses: 3 })), ref.json.t);
  assert.equal(String(models.swin_v2_t({ numClasses: 3 })), ref.json.v2);
  assert.throws(() => new models.ShiftedWindowAttention(4, [3], [1, 1], 2), /window_size and shift_size must be of length 2/);
});

test('swin_t training step (stochastic depth and all) matches torchvision', () => {
  const y = torch.tensor([4, 9], { dtype: 'int64' });
  assertTrainStepMatches({ name: 'swin_t', kwargs: 'num_classes=10', seed: 75, stepSeed: 76 }, () => models.swin_t({ numClasses: 10 }), x, y);
});

test('the shifted-window attention mask is made once per shape, and the same in eval, inference mode and training', () => {
  torch.manualSeed(0);
  const block = new models.SwinTransformerBlock(8, 2, [4, 4], [2, 2]);
  const x = torch.randn([2, 8, 8, 8]);
  const train = block.call(x) as torch.Tensor; // training mode, with autograd: the mask is a constant
  train.sum().backward();
  block.eval();
  const first = torch.inferenceMode(() => block.call(x) as torch.Tensor);
  const { ops } = torch.autograd.profileOps(() => torch.noGrad(() => block.call(x)));
  assert.equal(ops.find((o) => o.name === 'aten::masked_fill'), undefined, 'no mask operators once the shape has been seen');
  const again = torch.noGrad(() => block.call(x) as torch.Tensor);
  assert.ok(torch.equal(first, again));
  assert.ok(ops.some((o) => o.name === 'aten::roll'), 'the block did shift');
});
