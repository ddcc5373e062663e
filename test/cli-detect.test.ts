// `tstorch detect`: annotated PNGs, detections.json in COCO's results format and images.json from a real photo
// (random weights, so that no download is needed; the numbers are the model's, checked for format and agreement
// with the model called directly), and one-line errors for a bad path, an unknown model, a file that is not an
// image and a checkpoint of another architecture.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as torch from '../src/index.js';
import * as vision from '../src/vision/index.js';
import { cli } from './helpers/cli.js';

const dataRoot = [process.env.TSTORCH_DATA, resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'shared', 'data')]
  .filter((r): r is string => r !== undefined).map((r) => join(r, 'hymenoptera_data', 'val')).find((p) => existsSync(p));

test('tstorch detect: annotated PNG, COCO results JSON, and clear errors', async () => {
  assert.ok(dataRoot, 'hymenoptera_data/val not found under $TSTORCH_DATA or ../shared/data');
  const dir = mkdtempSync(join(tmpdir(), 'tstorch-detect-'));
  try {
    const imgs = join(dir, 'imgs');
    const out = join(dir, 'out');
    await import('node:fs').then((fs) => fs.mkdirSync(imgs));
    copyFileSync(join(dataRoot, 'ants', '10308379_1b6c72e180.jpg'), join(imgs, 'ant.jpg'));
    const args = ['fasterrcnn_mobilenet_v3_large_320_fpn', imgs, '--weights', 'none', '--score-thresh', '0', '--min-size', '160', '--max-size', '224', '--out', out];
    const r = await cli(['detect', ...args]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /detection\(s\) with score >= 0 in 1 image\(s\)/);
    const png = vision.io.readImage(join(out, 'ant.png'));
    assert.deepEqual([...png.shape], [3, 375, 500]);
    const images = JSON.parse(readFileSync(join(out, 'images.json'), 'utf8'));
    assert.deepEqual(images.map((i: { id: number; width: number; height: number }) => [i.id, i.width, i.height]), [[1, 500, 375]]);
    const dets = JSON.parse(readFileSync(join(out, 'detections.json'), 'utf8')) as { image_id: number; category_id: number; bbox: number[]; score: number }[];
    assert.ok(dets.length > 0);
    for (const d of dets) {
      assert.equal(d.image_id, 1);
      assert.ok(Number.isInteger(d.category_id) && d.category_id >= 1 && d.category_id <= 90);
      assert.equal(d.bbox.length, 4);
      assert.ok(d.bbox[2]! >= 0 && d.bbox[3]! >= 0 && d.bbox[0]! + d.bbox[2]! <= 500.01 && d.bbox[1]! + d.bbox[3]! <= 375.01);
    }

    writeFileSync(join(dir, 'notes.jpg'), 'not an image');
    const bad = await cli(['detect', 'fasterrcnn_mobilenet_v3_large_320_fpn', join(dir, 'notes.jpg'), '--weights', 'none', '--out', out]);
    assert.equal(bad.code, 1);
    assert.match(bad.err, /^tstorch: detect: '.*notes\.jpg' is not an image/m);
    const missing = await cli(['detect', 'fasterrcnn_mobilenet_v3_large_320_fpn', join(dir, 'nope'), '--out', out]);
    assert.equal(missing.code, 1);
    assert.match(missing.err, /no such file or folder/);
    const unknown = await cli(['detect', 'yolo_v9', imgs, '--out', out]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.err, /unknown detection model 'yolo_v9'/);
    const ckpt = join(dir, 'resnet18.pth');
    torch.save(vision.models.resnet18().stateDict(), ckpt);
    const other = await cli(['detect', 'fasterrcnn_mobilenet_v3_large_320_fpn', imgs, '--weights', ckpt, '--out', out]);
    assert.equal(other.code, 1);
    assert.match(other.err, /checkpoint '.*resnet18\.pth' does not fit fasterrcnn_mobilenet_v3_large_320_fpn/);
    assert.equal(other.err.split('\n').length, 1, 'a one-line error');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// The single-stage detectors drop boxes below their own score threshold before NMS (RetinaNet 0.05, FCOS 0.2):
// --score-thresh reaches below it for them too, and a checkpoint with another number of classes loads, its class
// count read from the family's classification head (RetinaNet's and FCOS's cls_logits, SSDlite's module_list).
test('tstorch detect: --score-thresh and fine-tuned class counts for RetinaNet, FCOS and SSDlite', async () => {
  assert.ok(dataRoot, 'hymenoptera_data/val not found under $TSTORCH_DATA or ../shared/data');
  const dir = mkdtempSync(join(tmpdir(), 'tstorch-detect1-'));
  const det = vision.models.detection;
  try {
    const img = join(dir, 'ant.jpg');
    copyFileSync(join(dataRoot, 'ants', '10308379_1b6c72e180.jpg'), img);
    const small = ['--min-size', '128', '--max-size', '160'];
    const readDets = (out: string) => JSON.parse(readFileSync(join(out, 'detections.json'), 'utf8')) as { category_id: number; bbox: number[]; score: number }[];

    // RetinaNet with 3 classes (seeded random weights), its categories in a config.json beside it, as finetune writes
    torch.manualSeed(3);
    const retina = det.retinanet_resnet50_fpn({ weights: null, weightsBackbone: null, numClasses: 3 });
    const ckpt = join(dir, 'run', 'best.pth');
    await import('node:fs').then((fs) => fs.mkdirSync(join(dir, 'run')));
    torch.save(retina.stateDict(), ckpt);
    writeFileSync(join(dir, 'run', 'config.json'), JSON.stringify({ categories: ['__background__', 'ant', 'bee'] }));
    const r = await cli(['detect', 'retinanet_resnet50_fpn', img, '--weights', ckpt, '--score-thresh', '0', ...small, '--out', join(dir, 'o1')]);
    assert.equal(r.code, 0, r.err);
    const dets = readDets(join(dir, 'o1'));
    // the model called directly with its threshold at 0 gives the same detections
    const ref = det.retinanet_resnet50_fpn({ weights: null, weightsBackbone: null, numClasses: 3, scoreThresh: 0, minSize: 128, maxSize: 160 });
    ref.loadStateDict(torch.load(ckpt) as Record<string, torch.Tensor>, { strict: true });
    ref.eval();
    const [want] = torch.noGrad(() => ref.call([vision.io.readImage(img, 'RGB').float().div(255)])) as Record<string, torch.Tensor>[];
    assert.equal(dets.length, want!.boxes!.shape[0], 'detections: CLI vs the model called directly');
    assert.ok(dets.length > 0);
    const wantScores = want!.scores!.toArray() as number[];
    const wantLabels = want!.labels!.toArray() as number[];
    const wantBoxes = want!.boxes!.toArray() as number[][];
    dets.forEach((d, i) => {
      assert.ok(Math.abs(d.score - wantScores[i]!) <= 1e-5, `score ${i}`);
      assert.equal(d.category_id, wantLabels[i]);
      const [x1, y1, x2, y2] = wantBoxes[i]!;
      d.bbox.forEach((v, j) => assert.ok(Math.abs(v - [x1!, y1!, x2! - x1!, y2! - y1!][j]!) <= 0.01, `box ${i}`));
    });
    assert.ok(dets.every((d) => d.category_id >= 0 && d.category_id <= 2));
    assert.ok(dets.some((d) => d.score < 0.05), "detections below RetinaNet's own 0.05 threshold (random weights score about 0.01)");
    const above = await cli(['detect', 'retinanet_resnet50_fpn', img, '--weights', ckpt, '--score-thresh', '0.0101', ...small, '--out', join(dir, 'o1b')]);
    assert.equal(above.code, 0, above.err);
    assert.deepEqual(readDets(join(dir, 'o1b')).map((d) => d.score), dets.filter((d) => d.score >= 0.0101).map((d) => d.score));

    // FCOS, random weights: scores about sqrt(0.01 * 0.5), all below its own 0.2
    const f = await cli(['detect', 'fcos_resnet50_fpn', img, '--weights', 'none', '--score-thresh', '0', ...small, '--out', join(dir, 'o2')]);
    assert.equal(f.code, 0, f.err);
    const fd = readDets(join(dir, 'o2'));
    assert.ok(fd.length > 0, 'FCOS detections below its own threshold');
    assert.ok(fd.every((d) => d.score < 0.2 && d.category_id >= 0 && d.category_id <= 90));

    // SSDlite with 3 classes; its fixed input size refuses --min-size
    const lite = det.ssdlite320_mobilenet_v3_large({ weights: null, weightsBackbone: null, numClasses: 3 });
    const liteCkpt = join(dir, 'lite3.pth');
    torch.save(lite.stateDict(), liteCkpt);
    const s = await cli(['detect', 'ssdlite320_mobilenet_v3_large', img, '--weights', liteCkpt, '--score-thresh', '0', '--out', join(dir, 'o3')]);
    assert.equal(s.code, 0, s.err);
    const sd = readDets(join(dir, 'o3'));
    assert.ok(sd.length > 0 && sd.every((d) => d.category_id === 1 || d.category_id === 2), 'SSD labels: the 2 non-background classes');
    const fixed = await cli(['detect', 'ssdlite320_mobilenet_v3_large', img, '--weights', liteCkpt, ...small, '--out', join(dir, 'o3')]);
    assert.equal(fixed.code, 1);
    assert.match(fixed.err, /^tstorch: detect: ssdlite320_mobilenet_v3_large has a fixed input size; --min-size and --max-size cannot be used with it$/);

    // checkpoints of another architecture: one line naming the file and the model
    for (const [model, file] of [['fcos_resnet50_fpn', ckpt], ['ssd300_vgg16', liteCkpt], ['retinanet_resnet50_fpn', liteCkpt]] as const) {
      const other = await cli(['detect', model, img, '--weights', file, '--out', join(dir, 'o4')]);
      assert.equal(other.code, 1, model);
      assert.match(other.err, new RegExp(`^tstorch: detect: checkpoint '.*${file.endsWith('best.pth') ? 'best' : 'lite3'}\\.pth' does not fit ${model}: `));
      assert.equal(other.err.split('\n').length, 1, 'a one-line error');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
