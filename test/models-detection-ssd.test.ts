// SSD300 VGG16 and SSDlite320 MobileNetV3 against torchvision 0.14: state dict, strict loading of torchvision's
// file, eval detections on two real photos, one training step (losses, gradients, buffers). The default boxes
// against torchvision's DefaultBoxGenerator. Builder option errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../src/index.js';
import { DefaultBoxGenerator } from '../src/vision/models/detection/default-box-generator.js';
import { ImageList } from '../src/vision/models/detection/image-list.js';
import { ssd300_vgg16 } from '../src/vision/models/detection/ssd.js';
import { ssdlite320_mobilenet_v3_large } from '../src/vision/models/detection/ssdlite.js';
import { runPython } from './helpers/pytorch.js';
import { assertSingleStageParity } from './helpers/det-single-stage.js';

const heavy = process.env.TSTORCH_HEAVY_TESTS === '1';

test('DefaultBoxGenerator: SSD300 and SSDlite default boxes equal torchvision\'s bit for bit, and its repr', () => {
  const ref = runPython(String.raw`
from torchvision.models.detection.anchor_utils import DefaultBoxGenerator
from torchvision.models.detection.image_list import ImageList
g1 = DefaultBoxGenerator([[2], [2, 3], [2, 3], [2, 3], [2], [2]], scales=[0.07, 0.15, 0.33, 0.51, 0.69, 0.87, 1.05], steps=[8, 16, 32, 64, 100, 300])
g2 = DefaultBoxGenerator([[2, 3] for _ in range(6)], min_ratio=0.2, max_ratio=0.95)
il = ImageList(torch.zeros(2, 3, 300, 300), [(300, 300), (300, 300)])
f1 = [torch.zeros(1, 1, s, s) for s in [38, 19, 10, 5, 3, 1]]
OUT['a'] = g1(il, f1)[1]
il2 = ImageList(torch.zeros(1, 3, 320, 320), [(320, 320)])
f2 = [torch.zeros(1, 1, s, s) for s in [20, 10, 5, 3, 2, 1]]
OUT['b'] = g2(il2, f2)[0]
OUT_J = [repr(g1), repr(g2), g2.num_anchors_per_location()]
`);
  const g1 = new DefaultBoxGenerator([[2], [2, 3], [2, 3], [2, 3], [2], [2]], { scales: [0.07, 0.15, 0.33, 0.51, 0.69, 0.87, 1.05], steps: [8, 16, 32, 64, 100, 300] });
  const g2 = new DefaultBoxGenerator(Array.from({ length: 6 }, () => [2, 3]), { minRatio: 0.2, maxRatio: 0.95 });
  const a = g1.call(new ImageList(torch.zeros(2, 3, 300, 300), [[300, 300], [300, 300]]), [38, 19, 10, 5, 3, 1].map((s) => torch.zeros(1, 1, s, s)))[1];
  const b = g2.call(new ImageList(torch.zeros(1, 3, 320, 320), [[320, 320]]), [20, 10, 5, 3, 2, 1].map((s) => torch.zeros(1, 1, s, s)))[0];
  assert.equal(a.shape[0], 8732);
  assert.ok(a.equal(ref.tensors['a']!), 'SSD300 default boxes');
  assert.ok(b.equal(ref.tensors['b']!), 'SSDlite default boxes');
  assert.equal(String(g1), ref.json[0]);
  assert.equal(String(g2), ref.json[1]);
  assert.deepEqual(g2.numAnchorsPerLocation(), ref.json[2]);
  assert.throws(() => new DefaultBoxGenerator([[2], [2]], { steps: [8] }), /same length/);
});

test('ssdlite320_mobilenet_v3_large equals torchvision: keys, strict load, eval detections on photos, one training step', () => {
  const r = assertSingleStageParity('ssdlite320_mobilenet_v3_large', {
    pyBuild: 'D.ssdlite320_mobilenet_v3_large(weights=None, weights_backbone=None, score_thresh=0.0)',
    build: () => ssdlite320_mobilenet_v3_large({ weights: null, weightsBackbone: null, scoreThresh: 0 }),
    seed: 0, stepSeed: 1,
  });
  console.log('ssdlite320_mobilenet_v3_large', JSON.stringify(r));
});

test('ssd300_vgg16 equals torchvision: keys, strict load, eval detections on photos, one training step', { skip: !heavy && 'TSTORCH_HEAVY_TESTS=1 (35M parameters)' }, () => {
  const r = assertSingleStageParity('ssd300_vgg16', {
    pyBuild: 'D.ssd300_vgg16(weights=None, weights_backbone=None, score_thresh=0.0)',
    build: () => ssd300_vgg16({ weights: null, weightsBackbone: null, scoreThresh: 0 }),
    seed: 0, stepSeed: 1,
  });
  console.log('ssd300_vgg16', JSON.stringify(r));
});

test('SSD builders: options they cannot use are errors naming them', () => {
  assert.throws(() => ssdlite320_mobilenet_v3_large({ weightsBackbone: null, size: [300, 300] } as never), /size/);
  assert.throws(() => ssdlite320_mobilenet_v3_large({ weightsBackbone: null, boxScoreThresh: 0.1 } as never), /unknown option 'boxScoreThresh'/);
  assert.throws(() => ssd300_vgg16({ weightsBackbone: null, minSize: 100 } as never), /unknown option 'minSize'/);
  assert.throws(() => ssdlite320_mobilenet_v3_large({ weights: 'COCO_V1', numClasses: 3 }), /numClasses/);
});

test('tstorch detect runs SSDlite: annotated PNG and COCO results JSON (random weights)', async () => {
  const { cli } = await import('./helpers/cli.js');
  const { photosDir } = await import('./helpers/det-single-stage.js');
  const { mkdtempSync, readFileSync, rmSync, copyFileSync, mkdirSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'tstorch-detect-ssd-'));
  try {
    mkdirSync(join(dir, 'imgs'));
    copyFileSync(join(photosDir(), 'ants', '10308379_1b6c72e180.jpg'), join(dir, 'imgs', 'ant.jpg'));
    const r = await cli(['detect', 'ssdlite320_mobilenet_v3_large', join(dir, 'imgs'), '--weights', 'none', '--score-thresh', '0', '--out', join(dir, 'out')]);
    assert.equal(r.code, 0, r.err);
    const dets = JSON.parse(readFileSync(join(dir, 'out', 'detections.json'), 'utf8')) as { image_id: number; category_id: number; bbox: number[]; score: number }[];
    assert.equal(dets.length, 300, 'SSDlite keeps detectionsPerImg = 300 with a score threshold of 0.001');
    for (const d of dets) assert.ok(d.image_id === 1 && d.category_id >= 1 && d.category_id <= 90 && d.bbox.length === 4 && d.score > 0.001);
    const png = (await import('../src/vision/index.js')).io.readImage(join(dir, 'out', 'ant.png'));
    assert.deepEqual([...png.shape], [3, 375, 500]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
