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
