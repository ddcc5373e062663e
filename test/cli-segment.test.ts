// `tstorch segment` against torchvision: a checkpoint saved by torchvision, two photos through the weights'
// SemanticSegmentation preset, the class of every pixel (the -mask.png files) equal to torchvision's argmax scaled
// back with nearest neighbours, the per-class pixel counts, the picture (the overlay is torchvision's
// draw_segmentation_masks arithmetic), and one-line errors for the user's mistakes.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as torch from '../src/index.js';
import { openImageSync } from '../src/vision/io/index.js';
import { vocColormap } from '../src/train/segment.js';
import { drawSegmentationMasks } from '../src/vision/utils/index.js';
import { runPython } from './helpers/pytorch.js';
import { cli } from './helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'tstorch-segment-'));
const savedHome = process.env.TORCH_HOME;
process.env.TORCH_HOME = join(dir, 'torch-home');
after(() => {
  if (savedHome === undefined) delete process.env.TORCH_HOME; else process.env.TORCH_HOME = savedHome;
  rmSync(dir, { recursive: true, force: true });
});
const data = [process.env.TSTORCH_DATA, resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'shared', 'data')]
  .filter((r): r is string => r !== undefined).map((r) => join(r, 'hymenoptera_data', 'val')).find((p) => existsSync(p));
const photos = data ? [join(data, 'bees', '1032546534_06907fe3b3.jpg'), join(data, 'ants', '10308379_1b6c72e180.jpg')] : [];
const ckpt = join(dir, 'lraspp.pth');

test('segment: class maps and pixel counts equal torchvision\'s on the same checkpoint and photos', async () => {
  assert.ok(data, 'hymenoptera_data/val not found under $TSTORCH_DATA or ../shared/data');
  const ref = runPython(String.raw`
from PIL import Image
from torchvision.models import segmentation as S
torch.manual_seed(3)
m = S.lraspp_mobilenet_v3_large(weights_backbone=None)
# trained-looking statistics and a bolder classifier, so that the random model tells regions apart
for mod in m.modules():
    if isinstance(mod, torch.nn.BatchNorm2d):
        mod.running_mean.uniform_(-0.2, 0.2)
        mod.running_var.uniform_(0.5, 1.5)
torch.nn.init.normal_(m.classifier.low_classifier.weight, std=0.5)
torch.nn.init.normal_(m.classifier.high_classifier.weight, std=0.5)
torch.save(m.state_dict(), J['ckpt'])
m.eval()
tf = S.LRASPP_MobileNet_V3_Large_Weights.DEFAULT.transforms()
for i, f in enumerate(J['photos']):
    img = Image.open(f).convert('RGB')
    with torch.no_grad():
        out = m(tf(img).unsqueeze(0))['out']
    labels = out.argmax(1, keepdim=True).float()
    OUT[f'map{i}'] = torch.nn.functional.interpolate(labels, size=(img.height, img.width), mode='nearest')[0, 0].to(torch.uint8)
`, { json: { ckpt, photos } });
  const out = join(dir, 'out');
  const r = await cli(['segment', 'lraspp_mobilenet_v3_large', '--weights', ckpt, ...photos, '--out', out, '--json']);
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  assert.equal(j.weights, ckpt);
  assert.equal(j.classes.length, 21);
  photos.forEach((p, i) => {
    const stem = p.split('/').pop()!.replace(/\.jpg$/, '');
    const mask = openImageSync(join(out, `${stem}-mask.png`), { mode: 'unchanged' });
    const ours = torch.fromBytes(mask.data, [mask.height, mask.width], 'uint8');
    const want = ref.tensors[`map${i}`]!;
    const agree = ours.eq(want).to('float32').mean().item();
    // nearest-neighbour argmax maps: a pixel can flip only where two classes' scores tie to float rounding
    assert.ok(agree > 0.999, `${stem}: ${(100 * agree).toFixed(3)} % of the pixels have torchvision's class`);
    const counts = want.flatten().to('int64').bincount({ minlength: 21 }).toArray() as number[];
    const expected = Object.fromEntries(counts.flatMap((c, k) => (c > 0 ? [[j.classes[k], c]] : [])));
    assert.deepEqual(Object.keys(j.images[i].pixels), Object.keys(expected), `${stem}: classes present`);
    for (const [k, c] of Object.entries(expected)) assert.ok(Math.abs(j.images[i].pixels[k] - (c as number)) <= 0.001 * mask.width * mask.height, `${stem}: pixels of ${k}`);
    assert.ok(Object.keys(expected).length >= 2, `${stem}: the test model should tell at least two regions apart`);
    const pic = openImageSync(join(out, `${stem}.png`));
    assert.equal(pic.width, mask.width);
    assert.ok(pic.height > mask.height, 'the picture has a legend below the photo');
  });
  const text = await cli(['segment', 'lraspp_mobilenet_v3_large', '--weights', ckpt, photos[0]!, '--out', out, '--alpha', '0.5']);
  assert.equal(text.code, 0, text.err);
  assert.match(text.out, /lraspp_mobilenet_v3_large \(.*lraspp\.pth\):\n.*1032546534_06907fe3b3\.jpg \(366x500\)\n {2}\S+ +\d+ px +\d+\.\d\d %/);
  assert.ok(existsSync(join(out, '1032546534_06907fe3b3.png')));
});

test('the overlay: vision.utils.drawSegmentationMasks with the VOC colours equals torchvision\'s draw_segmentation_masks', () => {
  torch.manualSeed(4);
  const image = torch.randint(0, 256, [3, 9, 11], { dtype: 'uint8' });
  const labels = torch.randint(0, 4, [9, 11], { dtype: 'int64' });
  const masks = torch.stack([1, 2, 3].map((c) => labels.eq(c)));
  const colors = vocColormap(4).slice(1);
  const ours = drawSegmentationMasks(image, masks, { alpha: 0.6, colors });
  const ref = runPython(String.raw`
from torchvision.utils import draw_segmentation_masks
OUT['o'] = draw_segmentation_masks(T['image'], T['masks'], alpha=0.6, colors=[tuple(c) for c in J])
`, { tensors: { image, masks }, json: colors });
  assert.ok(ours.equal(ref.tensors.o!), 'painted, blended and truncated as torchvision');
  assert.deepEqual(vocColormap(21).slice(0, 4), [[0, 0, 0], [128, 0, 0], [0, 128, 0], [128, 128, 0]]);
  assert.deepEqual(vocColormap(21)[15], [192, 128, 128], 'person');
  assert.throws(() => drawSegmentationMasks(image, masks, { alpha: 0.5, colors: colors.slice(0, 2) }), /more masks \(3\) than colors \(2\)/);
});

test('segment: one-line errors', async () => {
  const bad = join(dir, 'not-a-checkpoint.pth');
  writeFileSync(bad, 'hello');
  const cases: [string[], RegExp][] = [
    [['segment'], /name a model/],
    [['segment', 'lraspp_mobilenet_v3_large', photos[0]!], /--out DIR is required/],
    [['segment', 'resnet50', photos[0]!, '--out', dir], /unknown segmentation model 'resnet50': expected one of deeplabv3_mobilenet_v3_large, .*lraspp_mobilenet_v3_large/],
    [['segment', 'lraspp_mobilenet_v3_large', join(dir, 'nope.jpg'), '--out', dir], /segment: no such file or folder/],
    [['segment', 'lraspp_mobilenet_v3_large', photos[0]!, '--out', dir, '--weights', join(dir, 'missing.pth')], /checkpoint file .*missing\.pth' does not exist/],
    [['segment', 'lraspp_mobilenet_v3_large', photos[0]!, '--out', dir, '--weights', bad], /does not fit lraspp_mobilenet_v3_large/],
    [['segment', 'deeplabv3_resnet50', photos[0]!, '--out', dir, '--weights', ckpt], /does not fit deeplabv3_resnet50: .*no 'classifier\.4\.weight'/],
    [['segment', 'lraspp_mobilenet_v3_large', photos[0]!, '--out', dir, '--weights', 'IMAGENET1K_V1'], /LRASPP_MobileNet_V3_Large_Weights has no weights 'IMAGENET1K_V1'/],
    [['segment', 'lraspp_mobilenet_v3_large', photos[0]!, '--out', dir, '--alpha', '2'], /--alpha must be (between 0 and 1|a number at least 0 and at most 1)/],
    [['segment', 'lraspp_mobilenet_v3_large', photos[0]!, '--out', dir, '--weights', 'DEFAULT'],
      /no pretrained weights can be had for LRASPP_MobileNet_V3_Large_Weights\.COCO_WITH_VOC_LABELS_V1: .*\n {2}Put lraspp_mobilenet_v3_large-d234d4ea\.pth into .*torch-home\/hub\/checkpoints/],
  ];
  for (const [argv, re] of cases) {
    const r = await cli(argv);
    assert.equal(r.code, 1, `${argv.join(' ')}: exit code`);
    assert.match(r.err, re, argv.join(' '));
    assert.ok(!r.err.includes('    at '), `${argv.join(' ')}: no stack trace`);
  }
});
