// ConvNeXt tiny/small/base/large against torchvision 0.14 (state-dict keys and shapes, bit-identical seeded
// initialisation and eval logits for tiny, structure and parameter counts for the others), and the
// torchvision.ops pieces it is made of: StochasticDepth (same draws as PyTorch), Permute, LayerNorm2d.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../src/index.js';
import * as models from '../src/vision/models/index.js';
import * as ops from '../src/vision/ops/index.js';
import { runPython, assertClose } from './helpers/pytorch.js';
import { torchvisionReference, assertSameModel, assertLogitsClose, type RefSpec } from './helpers/zoo.js';
import { torchvisionStructure, HEAVY_TESTS } from './helpers/zoo-structure.js';

torch.manualSeed(17);
const x = torch.randn([2, 3, 64, 64]);
const builders = models as unknown as Record<string, (o?: any) => torch.nn.Module>;
// base (88M parameters) and large (198M) take half a minute each to initialise: TSTORCH_HEAVY_TESTS=1
const structural = HEAVY_TESTS ? ['convnext_small', 'convnext_base', 'convnext_large'] : ['convnext_small'];
const structure = torchvisionStructure(structural);
const specs: RefSpec[] = [
  { name: 'convnext_tiny', seed: 90, hash: true, input: 'x', train: true },
  { name: 'convnext_tiny', seed: 91, kwargs: 'num_classes=5, layer_scale=0.5, stochastic_depth_prob=0.3', hash: true, input: 'x', train: true },
];
const refs = torchvisionReference(specs, { x });

test('convnext_tiny: same modules, seeded init, eval logits and train-mode logits (stochastic depth draws) as torchvision', () => {
  torch.manualSeed(90);
  const m = models.convnext_tiny();
  assertSameModel(m, refs[0]!, 'convnext_tiny');
  assertLogitsClose(torch.noGrad(() => m.eval().call(x)), refs[0]!.eval!, 'convnext_tiny logits');
  assert.equal(m.numParameters(), models.ConvNeXt_Tiny_Weights.DEFAULT.meta.numParams);
  // the reference runs train mode from seed 1234 after its eval pass
  torch.manualSeed(1234);
  assertLogitsClose(torch.noGrad(() => m.train().call(x)), refs[0]!.train!['out']!, 'convnext_tiny train-mode logits');
});

test('layerScale, stochasticDepthProb and numClasses options', () => {
  torch.manualSeed(91);
  const m = models.convnext_tiny({ numClasses: 5, layerScale: 0.5, stochasticDepthProb: 0.3 });
  const ref = refs[refs.length - 1]!;
  assertSameModel(m, ref, 'convnext_tiny(layer_scale=0.5, stochastic_depth_prob=0.3)');
  assertLogitsClose(torch.noGrad(() => m.eval().call(x)), ref.eval!, 'convnext_tiny options: eval logits');
  torch.manualSeed(1234);
  assertLogitsClose(torch.noGrad(() => m.train().call(x)), ref.train!['out']!, 'convnext_tiny options: train-mode logits');
  const ps = m.modules().filter((c) => c instanceof models.CNBlock).map((c) => (c as models.CNBlock).stochastic_depth.p);
  assert.deepEqual(ps, ps.map((_, i) => (0.3 * i) / 17));
});

test('small (base, large): same keys, shapes and parameter counts as torchvision', () => {
  structural.forEach((name) => {
    const m = builders[name]!();
    assertSameModel(m, structure[name]!, name);
    assert.equal(m.numParameters(), models.getModelWeights(name).DEFAULT.meta.numParams, `${name}: published parameter count`);
    for (const p of m.parameters()) p.dispose();
  });
});

test('StochasticDepth, Permute, LayerNorm2d match torchvision.ops and convnext.LayerNorm2d; printing matches', () => {
  const t = torch.randn([6, 4, 3, 3]);
  torch.manualSeed(5);
  const row = ops.stochasticDepth(t, 0.5, 'row');
  torch.manualSeed(6);
  const batch = ops.stochasticDepth(t, 0.4, 'batch');
  const sd = new ops.StochasticDepth(0.25, 'row');
  torch.manualSeed(7);
  const train = sd.call(t) as torch.Tensor;
  const evalOut = sd.eval().call(t) as torch.Tensor;
  const ln = new ops.LayerNorm2d(4, { eps: 1e-6 });
  torch.noGrad(() => { ln.weight!.normal_(); ln.bias!.normal_(); });
  const r = runPython(String.raw`
from torchvision.ops import stochastic_depth, StochasticDepth, Permute
from torchvision.models.convnext import LayerNorm2d
t = T['t']
torch.manual_seed(5); OUT['row'] = stochastic_depth(t, 0.5, 'row')
torch.manual_seed(6); OUT['batch'] = stochastic_depth(t, 0.4, 'batch')
sd = StochasticDepth(0.25, 'row')
torch.manual_seed(7); OUT['train'] = sd(t)
OUT['eval'] = sd.eval()(t)
OUT['perm'] = Permute([0, 2, 3, 1])(t)
ln = LayerNorm2d(4, eps=1e-6)
with torch.no_grad():
    ln.weight.copy_(T['w']); ln.bias.copy_(T['b'])
OUT['ln'] = ln(t)
torch.manual_seed(0)
OUT_J = {'sd': repr(sd), 'ln': repr(ln), 'model': str(torchvision.models.convnext_tiny(num_classes=3))}
`, { tensors: { t, w: ln.weight!.detach(), b: ln.bias!.detach() } });
  assert.ok(row.equal(r.tensors['row']!), 'row mode: same rows dropped and scaled');
  assert.ok(batch.equal(r.tensors['batch']!), 'batch mode');
  assert.ok(train.equal(r.tensors['train']!) && evalOut.equal(r.tensors['eval']!), 'StochasticDepth module, train and eval');
  assert.ok((new ops.Permute([0, 2, 3, 1]).call(t) as torch.Tensor).equal(r.tensors['perm']!));
  assertClose(ln.call(t) as torch.Tensor, r.tensors['ln']!, { atol: 1e-6, rtol: 1e-5, what: 'LayerNorm2d' });
  assert.equal(String(sd), r.json.sd);
  assert.equal(String(ln), r.json.ln);
  torch.manualSeed(0);
  assert.equal(String(models.convnext_tiny({ numClasses: 3 })), r.json.model);
  assert.throws(() => ops.stochasticDepth(t, 1.5, 'row'), /between 0 and 1, but got 1.5/);
  assert.throws(() => ops.stochasticDepth(t, 0.5, 'col' as any), /mode has to be either 'batch' or 'row'/);
  assert.ok(ops.stochasticDepth(t, 0.5, 'row', false) === t);
  assert.throws(() => new models.ConvNeXt([]), /should not be empty/);
});
