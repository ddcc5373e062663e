// `predict` against torchvision: the same checkpoint file and image files, the weights' preprocessing on PIL
// images (ResNet18_Weights.DEFAULT.transforms()), softmax top-k; folders walked in order, batching that does
// not change the results, a fine-tuned checkpoint's own class names, and the picture.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as torch from '../src/index.js';
import { openImageSync } from '../src/vision/io/decode.js';
import { writePng, writeJpeg } from '../src/vision/io/tensor-io.js';
import { createImage } from '../src/vision/io/image.js';
import { loadZooModel } from '../src/train/pretrained.js';
import { listImages, predictFiles, predictionGrid } from '../src/train/predict.js';
import { runPython } from './helpers/pytorch.js';

/** Smooth random pictures of odd sizes (so that resize and crop matter), as JPEG and PNG files. */
function makeImages(dir: string): string[] {
  torch.manualSeed(11);
  const sizes: [number, number][] = [[300, 260], [240, 320], [257, 257], [400, 230], [231, 300]];
  mkdirSync(join(dir, 'imgs', 'sub'), { recursive: true });
  return sizes.map(([w, h], i) => {
    const small = torch.rand([1, 3, 8, 8]);
    const t = torch.nn.functional.interpolate(small, { size: [h, w], mode: 'bilinear', alignCorners: false }).squeeze(0)
      .mul(255).round().clamp(0, 255).permute([1, 2, 0]).contiguous().to('uint8');
    const img = createImage(w, h, 3, new Uint8Array(t.toBytes()));
    const p = join(dir, 'imgs', i === 4 ? 'sub' : '', `im${i}.${i % 2 ? 'png' : 'jpg'}`);
    if (i % 2) writePng(img, p); else writeJpeg(img, p, 90);
    return p;
  });
}

test('predictFiles equals torchvision on the same checkpoint and files; batching and folders', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tstorch-pred-'));
  try {
    const files = makeImages(dir);
    const listed = listImages([join(dir, 'imgs')]);
    assert.deepEqual(listed, [...files.slice(0, 4), files[4]!].sort((a, b) => (a < b ? -1 : 1)));
    assert.ok(openImageSync(files[0]!).width === 300);
    const file = join(dir, 'resnet18.pth');
    const py = runPython(`
from PIL import Image
torch.manual_seed(2)
m = torchvision.models.resnet18()
torch.save(m.state_dict(), J['file'])
m.eval()
tf = torchvision.models.ResNet18_Weights.DEFAULT.transforms()
x = torch.stack([tf(Image.open(f).convert('RGB')) for f in J['files']])
with torch.no_grad():
    p = m(x).softmax(1)
v, i = p.topk(3, 1)
OUT['v'] = v
OUT['i'] = i
`, { json: { file, files: listed } });
    const loaded = await loadZooModel('resnet18', file);
    for (const bs of [1, 2, 8]) {
      const preds = await predictFiles(loaded.model, listed, loaded.preprocess, { topk: 3, batchSize: bs, classes: loaded.classes });
      assert.deepEqual(preds.map((p) => p.file), listed);
      const idx = preds.map((p) => p.top.map((t) => t.index));
      assert.deepEqual(idx, py.tensors.i!.toArray(), `batch size ${bs}`);
      const probs = preds.map((p) => p.top.map((t) => t.probability)).flat();
      const want = (py.tensors.v!.toArray() as number[][]).flat();
      probs.forEach((v, k) => assert.ok(Math.abs(v - want[k]!) < 1e-4, `prob ${k}: ${v} vs ${want[k]}`));
      assert.equal(preds[0]!.top[0]!.label, loaded.classes![idx[0]![0]!]);
    }
    // a picture of the images with their top-1 class
    const x = torch.stack(listed.map(() => torch.zeros([3, 224, 224])));
    const preds = await predictFiles(loaded.model, listed, loaded.preprocess, { topk: 1, classes: ['a'] });
    await predictionGrid(x, preds, loaded.preprocess, join(dir, 'grid.png'));
    assert.ok(existsSync(join(dir, 'grid.png')));
    assert.ok(preds.every((p) => p.top[0]!.label === 'a' || /^class \d+$/.test(p.top[0]!.label)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a fine-tuned checkpoint predicts with its own class names (config.json beside it)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tstorch-pred2-'));
  try {
    const files = makeImages(dir);
    const run = join(dir, 'run');
    mkdirSync(run);
    const py = runPython(`
from PIL import Image
torch.manual_seed(4)
m = torchvision.models.mobilenet_v2()
m.classifier[1] = torch.nn.Linear(1280, 3)
torch.save(m.state_dict(), J['file'])
m.eval()
tf = torchvision.models.MobileNet_V2_Weights.DEFAULT.transforms()
x = torch.stack([tf(Image.open(f).convert('RGB')) for f in J['files']])
with torch.no_grad():
    OUT['p'] = m(x).softmax(1)
`, { json: { file: join(run, 'best.pth'), files } });
    writeFileSync(join(run, 'config.json'), JSON.stringify({ model: 'mobilenet_v2', classes: ['ants', 'bees', 'wasps'] }));
    const loaded = await loadZooModel('mobilenet_v2', join(run, 'best.pth'));
    assert.deepEqual(loaded.classes, ['ants', 'bees', 'wasps']);
    const preds = await predictFiles(loaded.model, files, loaded.preprocess, { topk: 5, classes: loaded.classes });
    const want = py.tensors.p!.toArray() as number[][];
    preds.forEach((p, r) => {
      assert.equal(p.top.length, 3);
      const best = want[r]!.indexOf(Math.max(...want[r]!));
      assert.equal(p.top[0]!.label, ['ants', 'bees', 'wasps'][best]);
      for (const t of p.top) assert.ok(Math.abs(t.probability - want[r]![t.index]!) < 1e-4);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
