// Vision Transformers against torchvision 0.14: vit_b_16's state-dict keys, shapes and bit-identical seeded
// initialisation, eval and train-mode logits (dropout draws), a training step (loss and every gradient); the
// other sizes' structure; VisionTransformer's options (representation size, convolutional stem); image sizes
// other than 224 with interpolate_embeddings; pre-0.13 checkpoints (MLPBlock's linear_1/linear_2); printing.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as torch from '../src/index.js';
import * as models from '../src/vision/models/index.js';
import { runPython, assertClose } from './helpers/pytorch.js';
import { torchvisionReference, assertSameModel, assertLogitsClose, type RefSpec } from './helpers/zoo.js';
import { torchvisionStructure, HEAVY_TESTS } from './helpers/zoo-structure.js';
import { assertTrainStepMatches } from './helpers/train-parity.js';
import { loadZooModel } from '../src/train/pretrained.js';

const { nn } = torch;
const dir = mkdtempSync(join(tmpdir(), 'tstorch-vit-'));
after(() => rmSync(dir, { recursive: true, force: true }));

torch.manualSeed(31);
const x224 = torch.randn([1, 3, 224, 224]);
const x32 = torch.randn([2, 3, 32, 32]);
const x288 = torch.randn([1, 3, 288, 288]);
// torchvision zero-initialises the head; random head weights make the logits (and gradients) say something
const PY_RANDOM_HEAD = 'torch.manual_seed(77)\ntorch.nn.init.normal_(m.heads.head.weight, std=0.02)\n';
function randomHead(m: torch.nn.Module): void {
  torch.manualSeed(77);
  nn.init.normal_((m as models.VisionTransformer).heads.getSubmodule('head').getParameter('weight'), { std: 0.02 });
}

const specs: RefSpec[] = [
  { name: 'vit_b_16', seed: 40, hash: true, input: 'x224', train: true, pyAfterBuild: PY_RANDOM_HEAD, savePath: join(dir, 'vit_b_16.pth') },
];
const refs = torchvisionReference(specs, { x224 });
const structural = HEAVY_TESTS ? ['vit_b_32', 'vit_l_16', 'vit_l_32', 'vit_h_14'] : ['vit_b_32'];
const structure = torchvisionStructure(structural);
// the big ones (300M-630M parameters, a minute or more each to initialise): seeded init and eval logits when heavy
const bigSpecs: RefSpec[] = HEAVY_TESTS ? ['vit_b_32', 'vit_l_16', 'vit_l_32', 'vit_h_14'].map((name, i) => ({ name, seed: 45 + i, hash: true, input: 'x224', pyAfterBuild: PY_RANDOM_HEAD })) : [];
const bigRefs = bigSpecs.length ? torchvisionReference(bigSpecs, { x224 }) : [];

test('vit_b_16: same modules, seeded init, eval and train-mode logits as torchvision; its checkpoint loads', () => {
  torch.manualSeed(40);
  const m = models.vit_b_16();
  assertSameModel(m, refs[0]!, 'vit_b_16');
  assert.equal(m.numParameters(), models.ViT_B_16_Weights.DEFAULT.meta.numParams);
  randomHead(m);
  assertLogitsClose(torch.noGrad(() => m.eval().call(x224)), refs[0]!.eval!, 'vit_b_16 eval logits (fused attention)');
  torch.manualSeed(1234);
  assertLogitsClose(torch.noGrad(() => m.train().call(x224)), refs[0]!.train!['out']!, 'vit_b_16 train-mode logits');
  const loaded = models.vit_b_16({ weights: join(dir, 'vit_b_16.pth') });
  assertLogitsClose(torch.noGrad(() => loaded.eval().call(x224)), refs[0]!.eval!, 'vit_b_16 from the torchvision checkpoint');
  assert.throws(() => m.call(x32), /Wrong image height! Expected 224 but got 32!/);
});

test('vit_b_32 (vit_l_16, vit_l_32, vit_h_14): same keys, shapes and parameter counts as torchvision', () => {
  for (const name of structural) {
    const m = models.getModel(name);
    assertSameModel(m, structure[name]!, name);
    // the published count is the model at its weights' image size (vit_h_14's default weights: 518, so its
    // position embeddings are larger than those of the 224 model a builder without weights makes)
    const w = models.getModelWeights(name).DEFAULT;
    const sized = w.meta.minSize[0] === 224 ? m : models.getModel(name, { imageSize: w.meta.minSize[0] });
    assert.equal(sized.numParameters(), w.meta.numParams, `${name}: published parameter count (image size ${w.meta.minSize[0]})`);
    for (const p of new Set([...m.parameters(), ...sized.parameters()])) p.dispose();
  }
});

test('vit_b_32, vit_l_16, vit_l_32, vit_h_14: seeded init and eval logits as torchvision (TSTORCH_HEAVY_TESTS=1)', { skip: !HEAVY_TESTS }, () => {
  bigSpecs.forEach((spec, i) => {
    torch.manualSeed(spec.seed!);
    const m = models.getModel(spec.name);
    assertSameModel(m, bigRefs[i]!, spec.name);
    randomHead(m);
    assertLogitsClose(torch.noGrad(() => torch.tidy(() => m.eval().call(x224))), bigRefs[i]!.eval!, `${spec.name} eval logits`);
    for (const p of m.parameters()) p.dispose();
  });
});

test('VisionTransformer options: representation size, convolutional stem, dropout draws; printing', () => {
  const small = { imageSize: 32, patchSize: 8, numLayers: 2, numHeads: 4, hiddenDim: 32, mlpDim: 64 };
  const cases: [string, models.VisionTransformerOptions][] = [
    ['representation_size=16, dropout=0.2, attention_dropout=0.1, num_classes=5',
      { ...small, representationSize: 16, dropout: 0.2, attentionDropout: 0.1, numClasses: 5 }],
    ['conv_stem_configs=[ConvStemConfig(16, 3, 2), ConvStemConfig(24, 3, 4, norm_layer=lambda c: nn.GroupNorm(4, c))]',
      { ...small, convStemConfigs: [{ outChannels: 16, kernelSize: 3, stride: 2 }, { outChannels: 24, kernelSize: 3, stride: 4, normLayer: (c) => new nn.GroupNorm(4, c) }] }],
  ];
  const ref = runPython(String.raw`
import hashlib
from torchvision.models.vision_transformer import VisionTransformer, ConvStemConfig
nn = torch.nn
res = []
for i, kw in enumerate(J):
    torch.manual_seed(50 + i)
    m = VisionTransformer(image_size=32, patch_size=8, num_layers=2, num_heads=4, hidden_dim=32, mlp_dim=64, **eval('dict(' + kw + ')'))
    sd = m.state_dict()
    res.append({'keys': list(sd.keys()), 'hashes': [hashlib.sha256(v.contiguous().numpy().tobytes()).hexdigest() for v in sd.values()], 'repr': str(m)})
    torch.manual_seed(77)
    torch.nn.init.normal_(m.heads.head.weight, std=0.02)
    with torch.no_grad():
        OUT[f'{i}_eval'] = m.eval()(T['x'])
        torch.manual_seed(1234)
        OUT[f'{i}_train'] = m.train()(T['x'])
OUT_J = res
`, { tensors: { x: x32 }, json: cases.map(([kw]) => kw) });
  cases.forEach(([kw, o], i) => {
    torch.manualSeed(50 + i);
    const m = new models.VisionTransformer(o);
    assert.deepEqual(Object.keys(m.stateDict()), ref.json[i].keys, `${kw}: keys`);
    assertSameModel(m, { ...ref.json[i], shapes: Object.values(m.stateDict()).map((t) => [...t.shape]), numParams: m.numParameters() }, kw);
    assert.equal(String(m), ref.json[i].repr, `${kw}: printed model`);
    randomHead(m);
    assertLogitsClose(torch.noGrad(() => m.eval().call(x32)), ref.tensors[`${i}_eval`]!, `${kw}: eval logits`);
    torch.manualSeed(1234);
    assertLogitsClose(torch.noGrad(() => m.train().call(x32)), ref.tensors[`${i}_train`]!, `${kw}: train-mode logits (dropout draws)`);
  });
  assert.throws(() => new models.VisionTransformer({ ...small, imageSize: 30 }), /indivisible by patch size/);
});

test('image sizes other than 224: interpolateEmbeddings as torchvision, and a 224 checkpoint loads into vit_b_32 at 288', async () => {
  const ref = runPython(String.raw`
from torchvision.models.vision_transformer import interpolate_embeddings
from collections import OrderedDict
torch.manual_seed(60)
m = torchvision.models.vit_b_32(num_classes=4)
torch.nn.init.normal_(m.heads.head.weight, std=0.02)
sd = m.state_dict()
torch.save(sd, J['path'])
new = interpolate_embeddings(288, 32, OrderedDict(sd))
OUT['pos288'] = new['encoder.pos_embedding']
OUT['pos_bilinear'] = interpolate_embeddings(160, 32, OrderedDict(sd), interpolation_mode='bilinear')['encoder.pos_embedding']
OUT_J = {'reset': list(interpolate_embeddings(160, 32, OrderedDict(sd), reset_heads=True).keys())[-3:]}
m2 = torchvision.models.vit_b_32(num_classes=4, image_size=288)
m2.load_state_dict(new)
torch.save(m2.state_dict(), J['path288'])
with torch.no_grad():
    OUT['logits288'] = m2.eval()(T['x'])
`, { tensors: { x: x288 }, json: { path: join(dir, 'vit_b_32.pth'), path288: join(dir, 'vit_b_32-288.pth') } });
  const sd = torch.load(join(dir, 'vit_b_32.pth')) as Record<string, torch.Tensor>;
  assertClose(models.interpolateEmbeddings(288, 32, sd)['encoder.pos_embedding']!, ref.tensors.pos288!, { what: 'bicubic, align_corners' });
  assertClose(models.interpolateEmbeddings(160, 32, sd, { interpolationMode: 'bilinear' })['encoder.pos_embedding']!, ref.tensors.pos_bilinear!, { what: 'bilinear' });
  assert.deepEqual(Object.keys(models.interpolateEmbeddings(160, 32, sd, { resetHeads: true })).slice(-3), ref.json.reset);
  assert.equal(models.interpolateEmbeddings(224, 32, sd), sd, 'same size: unchanged');
  const m = models.vit_b_32({ numClasses: 4, imageSize: 288, weights: join(dir, 'vit_b_32.pth') });
  assert.deepEqual([...m.encoder.pos_embedding.shape], [1, 82, 768]);
  assertLogitsClose(torch.noGrad(() => m.eval().call(x288)), ref.tensors.logits288!, 'vit_b_32 at 288 from a 224 checkpoint');
  // the CLI's loader builds a ViT for the resolution its checkpoint was trained at, and preprocesses to match
  const zoo = await loadZooModel('vit_b_32', join(dir, 'vit_b_32-288.pth'));
  assert.equal((zoo.model as models.VisionTransformer).imageSize, 288);
  assert.deepEqual([zoo.preprocess.cropSize, zoo.preprocess.resizeSize], [[288], [329]]);
  assertLogitsClose(torch.noGrad(() => zoo.model.eval().call(x288)), ref.tensors.logits288!, 'vit_b_32 at 288 through loadZooModel');
  const none = await loadZooModel('maxvit_t', 'none');
  assert.deepEqual(none.preprocess.cropSize, [224]);
  assert.throws(() => models.vit_b_16({ weights: 'DEFAULT', imageSize: 288 }), /parameter 'imageSize' expected value 224 but got 288/);
});

test('pre-0.13 checkpoints (MLPBlock linear_1/linear_2) load; vit_b_16 training step matches torchvision', () => {
  torch.manualSeed(61);
  const small = new models.VisionTransformer({ imageSize: 32, patchSize: 16, numLayers: 1, numHeads: 2, hiddenDim: 8, mlpDim: 16 });
  const legacy = Object.fromEntries(Object.entries(small.stateDict()).map(([k, v]) => [k.replace(/mlp\.0\./, 'mlp.linear_1.').replace(/mlp\.3\./, 'mlp.linear_2.'), v.clone()]));
  assert.ok('encoder.layers.encoder_layer_0.mlp.linear_1.weight' in legacy);
  const fresh = new models.VisionTransformer({ imageSize: 32, patchSize: 16, numLayers: 1, numHeads: 2, hiddenDim: 8, mlpDim: 16 });
  fresh.loadStateDict(legacy);
  for (const [k, v] of Object.entries(small.stateDict())) assert.ok(v.equal(fresh.stateDict()[k]!), k);

  // vit_b_16's every layer at 64x64 (16 patches and the class token): the step costs a fifth of one at 224
  torch.manualSeed(62);
  const x = torch.randn([2, 3, 64, 64]);
  const y = torch.tensor([1, 8], { dtype: 'int64' });
  assertTrainStepMatches({ name: 'vit_b_16', kwargs: 'num_classes=10, image_size=64, dropout=0.1, attention_dropout=0.1', seed: 63, stepSeed: 64, pyAfterBuild: PY_RANDOM_HEAD },
    () => models.vit_b_16({ numClasses: 10, imageSize: 64, dropout: 0.1, attentionDropout: 0.1 }), x, y, randomHead);
});
