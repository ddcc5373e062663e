// Semantic segmentation against torchvision 0.14 (torchvision.models.segmentation): for every builder the
// state-dict keys, shapes and bit-identical seeded initialisation, a checkpoint saved by torchvision loading
// strictly (class count and auxiliary head read from the file), the `out` and `aux` maps of a photo (through the
// SemanticSegmentation preset, itself compared with torchvision's); the training step of deeplabv3_resnet50 and
// lraspp_mobilenet_v3_large with torchvision's reference criterion (loss, every gradient, BN statistics); the
// weights entries, the VOC names, IntermediateLayerGetter and the builders' argument checks.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as torch from '../src/index.js';
import * as models from '../src/vision/models/index.js';
import { openImageSync } from '../src/vision/io/index.js';
import { runPython, assertClose } from './helpers/pytorch.js';
import { stateHashes, assertLogitsClose } from './helpers/zoo.js';
import { assertGradientsAndBuffersMatch, PY_GRADIENTS_AND_BUFFERS } from './helpers/train-parity.js';
import { HEAVY_TESTS } from './helpers/zoo-structure.js';

const seg = models.segmentation;
type BuilderOptions = models.segmentation.SegmentationBuilderOptions;
type SegmentationOutput = models.segmentation.SegmentationOutput;
const builders = seg as unknown as Record<string, (o?: BuilderOptions) => torch.nn.Module>;
const dir = mkdtempSync(join(tmpdir(), 'tstorch-seg-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const photo = [process.env.TSTORCH_DATA, resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'shared', 'data')]
  .filter((r): r is string => r !== undefined).map((r) => join(r, 'hymenoptera_data', 'val', 'bees', '1032546534_06907fe3b3.jpg')).find((p) => existsSync(p));

interface Spec { name: string; kwargs: string; seed: number; opts: BuilderOptions }
// the ResNet-101 models cost a few seconds more each: their structure and initialisation always, their maps when heavy
const specs: Spec[] = [
  { name: 'fcn_resnet50', kwargs: 'aux_loss=True', seed: 1, opts: { auxLoss: true } },
  { name: 'deeplabv3_resnet50', kwargs: 'aux_loss=True', seed: 2, opts: { auxLoss: true } },
  { name: 'deeplabv3_mobilenet_v3_large', kwargs: 'aux_loss=True, num_classes=7', seed: 3, opts: { auxLoss: true, numClasses: 7 } },
  { name: 'lraspp_mobilenet_v3_large', kwargs: '', seed: 4, opts: {} },
  { name: 'fcn_resnet101', kwargs: 'num_classes=5', seed: 5, opts: { numClasses: 5 } },
  { name: 'deeplabv3_resnet101', kwargs: 'aux_loss=True', seed: 6, opts: { auxLoss: true } },
];
const withMaps = (s: Spec): boolean => HEAVY_TESTS || !s.name.includes('101');

// One Python process: the preset on the photo, then each model built, hashed, saved and run on the preset's output.
assert.ok(photo, 'hymenoptera_data/val/bees not found under $TSTORCH_DATA or ../shared/data');
const ref = runPython(String.raw`
import hashlib
from PIL import Image
from torchvision.models import segmentation as S
from torchvision.transforms._presets import SemanticSegmentation
img = Image.open(J['photo']).convert('RGB')
# a shorter side of 120 instead of the weights' 520 keeps the test fast; the weights' own preset is compared below
x = SemanticSegmentation(resize_size=120)(img).unsqueeze(0)
OUT['x'] = x
OUT['preset520'] = S.DeepLabV3_ResNet50_Weights.DEFAULT.transforms()(img)
res = []
for i, s in enumerate(J['specs']):
    torch.manual_seed(s['seed'])
    m = getattr(S, s['name'])(weights_backbone=None, **eval('dict(' + s['kwargs'] + ')'))
    sd = m.state_dict()
    res.append({'keys': list(sd.keys()), 'shapes': [list(v.shape) for v in sd.values()],
                'hashes': [hashlib.sha256(v.contiguous().numpy().tobytes()).hexdigest() for v in sd.values()]})
    # trained-looking BN statistics, so that eval mode is not the identity
    for mod in m.modules():
        if isinstance(mod, torch.nn.BatchNorm2d):
            mod.running_mean.uniform_(-0.1, 0.1)
            mod.running_var.uniform_(0.5, 1.5)
    torch.save(m.state_dict(), s['path'])
    if s['maps']:
        with torch.no_grad():
            out = m.eval()(x)
        for k, v in out.items():
            OUT[f'{i}_{k}'] = v
    del m, sd
OUT_J = {'specs': res, 'repr': str(S.lraspp_mobilenet_v3_large(weights_backbone=None)), 'voc': S.DeepLabV3_ResNet50_Weights.DEFAULT.meta['categories'],
         'presetRepr': repr(S.FCN_ResNet50_Weights.DEFAULT.transforms())}
`, { json: { photo, specs: specs.map((s) => ({ ...s, path: join(dir, `${s.name}.pth`), maps: withMaps(s) })) } }, { timeoutMs: 600_000 });
const x = ref.tensors.x!;

test('the SemanticSegmentation preset equals torchvision on a photo', () => {
  const img = openImageSync(photo!, { mode: 'RGB' });
  const preset = seg.DeepLabV3_ResNet50_Weights.DEFAULT.transforms();
  assert.ok(preset instanceof seg.SemanticSegmentation);
  assertClose(preset.call(img) as torch.Tensor, ref.tensors.preset520!, { atol: 1e-5, rtol: 0, what: 'resize 520, to float, normalise' });
  assertClose(new seg.SemanticSegmentation({ resizeSize: [120], mean: preset.mean, std: preset.std, interpolation: 'bilinear' }).call(img) as torch.Tensor,
    x.squeeze(0), { atol: 1e-5, rtol: 0, what: 'resize 120' });
  assert.equal(String(seg.FCN_ResNet50_Weights.DEFAULT.transforms()), ref.json.presetRepr);
});

for (const [i, s] of specs.entries()) {
  test(`${s.name}: same modules and seeded init as torchvision; its checkpoint loads strictly${withMaps(s) ? ' and gives its out/aux maps of a photo' : ''}`, () => {
    torch.manualSeed(s.seed);
    const m = builders[s.name]!({ ...s.opts, weightsBackbone: null });
    const r = ref.json.specs[i];
    const sd = m.stateDict();
    assert.deepEqual(Object.keys(sd), r.keys, `${s.name}: state-dict keys`);
    assert.deepEqual(Object.values(sd).map((t) => [...t.shape]), r.shapes, `${s.name}: shapes`);
    const h = stateHashes(m);
    assert.deepEqual(r.keys.filter((_: string, j: number) => h[j] !== r.hashes[j]), [], `${s.name}: tensors whose seeded values differ`);
    // the file says how many classes and whether there is an auxiliary head
    const loaded = builders[s.name]!({ weights: join(dir, `${s.name}.pth`) });
    if (withMaps(s)) {
      const out = torch.noGrad(() => loaded.eval().call(x)) as SegmentationOutput;
      assert.deepEqual(Object.keys(out), Object.keys(ref.tensors).filter((k) => k.startsWith(`${i}_`)).map((k) => k.slice(`${i}_`.length)), `${s.name}: output maps`);
      assertLogitsClose(out.out, ref.tensors[`${i}_out`]!, `${s.name} out`);
      if (out.aux) assertLogitsClose(out.aux, ref.tensors[`${i}_aux`]!, `${s.name} aux`);
    }
    for (const p of [...m.parameters(), ...loaded.parameters()]) p.dispose();
  });
}

const PY_STEP = String.raw`
from torchvision.models import segmentation as S
s = J
torch.manual_seed(s['seed'])
m = getattr(S, s['name'])(weights_backbone=None, **eval('dict(' + s['kwargs'] + ')'))
x = T['x']
if s['double']:
    m, x = m.double(), x.double()
m.train()
torch.manual_seed(s['stepSeed'])
out = m(x)
# torchvision's references/segmentation/train.py criterion
losses = {k: torch.nn.functional.cross_entropy(v, T['y'], ignore_index=255) for k, v in out.items()}
loss = losses['out'] if len(losses) == 1 else losses['out'] + 0.5 * losses['aux']
loss.backward()
OUT['loss'] = loss.detach()
for k, v in out.items():
    OUT['out_' + k] = v.detach()
${PY_GRADIENTS_AND_BUFFERS}OUT_J = {'params': names, 'buffers': bnames}
`;

function checkStep(name: string, kwargs: string, build: () => torch.nn.Module, double = false): void {
  torch.manualSeed(91);
  const x32 = torch.randn([2, 3, 64, 64]);
  // VOC-style targets: classes 0..20 and 255 ("ignore") along the borders
  const y = torch.randint(0, 21, [2, 64, 64], { dtype: 'int64' });
  y.index(':', '0:4').fill_(255);
  const r = runPython(PY_STEP, { tensors: { x: x32, y }, json: { name, kwargs, seed: 92, stepSeed: 93, double } }, { timeoutMs: 300_000 });
  torch.manualSeed(92);
  const m = build();
  const xs = double ? x32.double() : x32;
  if (double) m.double();
  m.train();
  torch.manualSeed(93);
  const out = m.call(xs) as SegmentationOutput;
  const ce = (t: torch.Tensor): torch.Tensor => torch.nn.functional.crossEntropy(t, y, { ignoreIndex: 255 });
  const loss = out.aux ? ce(out.out).add(ce(out.aux).mul(0.5)) : ce(out.out);
  loss.backward();
  assertClose(out.out.detach(), r.tensors.out_out!, { atol: 1e-6, rtol: 1e-4, what: `${name}: train-mode out` });
  if (out.aux) assertClose(out.aux.detach(), r.tensors.out_aux!, { atol: 1e-6, rtol: 1e-4, what: `${name}: train-mode aux` });
  assert.equal(out.aux === undefined, r.tensors.out_aux === undefined, `${name}: aux present on both sides`);
  assertClose(loss.detach(), r.tensors.loss!, { atol: 0, rtol: 1e-5, what: `${name}: loss` });
  assertGradientsAndBuffersMatch(m, r, name);
}

test('deeplabv3_resnet50 training step (out + 0.5 aux, ignore index 255, dropout) matches torchvision (float64)', () => {
  // float64 on both sides: ASPP's image-pooling branch normalises 2 values per channel (1x1 maps, batch 2), which
  // turns float32 rounding differences (thread counts, summation order) into gradient differences of ~1% of the
  // largest one in the backbone, as DenseNet's and Inception's training tests found.
  checkStep('deeplabv3_resnet50', 'aux_loss=True', () => seg.deeplabv3_resnet50({ auxLoss: true, weightsBackbone: null }), true);
});

test('lraspp_mobilenet_v3_large training step matches torchvision', () => {
  checkStep('lraspp_mobilenet_v3_large', 'num_classes=21', () => seg.lraspp_mobilenet_v3_large({ numClasses: 21, weightsBackbone: null }));
});

test('weights entries, VOC categories, registry, printing and the builders\' argument checks', () => {
  assert.deepEqual(seg.VOC_CATEGORIES, ref.json.voc);
  const w = seg.DeepLabV3_ResNet50_Weights.COCO_WITH_VOC_LABELS_V1;
  assert.equal(seg.DeepLabV3_ResNet50_Weights.DEFAULT, w);
  assert.equal(w.url, 'https://download.pytorch.org/models/deeplabv3_resnet50_coco-cd0a2569.pth');
  assert.equal(w.meta.numParams, 42004074);
  assert.deepEqual(w.meta.metrics, { 'COCO-val2017-VOC-labels': { miou: 66.4, pixel_acc: 92.4 } });
  assert.deepEqual(w.meta.categories, seg.VOC_CATEGORIES);
  assert.deepEqual(models.listModels({ module: seg }), ['deeplabv3_mobilenet_v3_large', 'deeplabv3_resnet101', 'deeplabv3_resnet50', 'fcn_resnet101', 'fcn_resnet50', 'lraspp_mobilenet_v3_large']);
  assert.ok(!models.listModels({ module: models }).includes('fcn_resnet50'), 'vision.models lists the classification models');
  assert.ok(models.listModels().includes('fcn_resnet50'), 'the registry knows every model, as torchvision.models.list_models()');
  assert.equal(models.getModelWeights('lraspp_mobilenet_v3_large').DEFAULT.meta.numParams, 3221538);
  assert.equal(String(models.getWeight('FCN_ResNet101_Weights.COCO_WITH_VOC_LABELS_V1')), 'FCN_ResNet101_Weights.COCO_WITH_VOC_LABELS_V1');
  torch.manualSeed(0);
  assert.equal(String(seg.lraspp_mobilenet_v3_large({ weightsBackbone: null })), ref.json.repr);
  assert.throws(() => seg.lraspp_mobilenet_v3_large({ auxLoss: true, weightsBackbone: null }), /does not use auxiliary loss/);
  assert.throws(() => seg.fcn_resnet50({ weights: 'DEFAULT', numClasses: 10 }), /parameter 'numClasses' expected value 21 but got 10/);
  assert.throws(() => seg.fcn_resnet50({ weights: 'DEFAULT', auxLoss: false }), /parameter 'auxLoss' expected value true but got false/);
  assert.throws(() => seg.fcn_resnet50({ weights: 'IMAGENET1K_V1' }), /FCN_ResNet50_Weights has no weights 'IMAGENET1K_V1'/);
  assert.throws(() => seg.fcn_resnet50({ weights: join(dir, 'lraspp_mobilenet_v3_large.pth') }), /no 'classifier\.4\.weight' in the checkpoint: not a FCN_ResNet50 state dict/);
  const getter = new models.IntermediateLayerGetter(models.resnet18(), { layer1: 'feat1', layer3: 'feat2' });
  assert.deepEqual(getter.keys(), ['conv1', 'bn1', 'relu', 'maxpool', 'layer1', 'layer2', 'layer3']);
  const feats = torch.noGrad(() => getter.eval().call(torch.randn([1, 3, 64, 64]))) as Record<string, torch.Tensor>;
  assert.deepEqual(Object.fromEntries(Object.entries(feats).map(([k, v]) => [k, [...v.shape]])), { feat1: [1, 64, 16, 16], feat2: [1, 256, 4, 4] });
  assert.throws(() => new models.IntermediateLayerGetter(models.resnet18(), { layer5: 'x' }), /return_layers are not present in model: layer5/);
});
