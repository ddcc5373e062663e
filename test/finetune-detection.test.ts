// `tstorch finetune <model> --task detection` on a small real-photo COCO data set made here: crops of bee photos
// pasted at known places onto ant photos (boxes and polygon masks are where the crops went). One short epoch from
// random weights (nothing to download) checks the run folder (config.json with the categories, metrics.jsonl with
// loss and box mAP, best.pth that `tstorch detect` loads with the categories) and the errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as torch from '../src/index.js';
import * as vision from '../src/vision/index.js';
import { cli } from './helpers/cli.js';

const data = [process.env.TSTORCH_DATA, resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'shared', 'data')]
  .filter((r): r is string => r !== undefined).map((r) => join(r, 'hymenoptera_data', 'train')).find((p) => existsSync(p));

/** n ant photos, each with a bee crop pasted at a seeded place; COCO instances with box, polygon, area. */
export function pastedCocoSet(dir: string, n: number): void {
  mkdirSync(join(dir, 'images'), { recursive: true });
  const ants = readdirSync(join(data!, 'ants')).sort();
  const bees = readdirSync(join(data!, 'bees')).sort();
  torch.manualSeed(7);
  const images: object[] = [];
  const annotations: object[] = [];
  for (let i = 0; i < n; i++) {
    const bg = vision.io.readImage(join(data!, 'ants', ants[i]!), 'RGB');
    const bee = vision.io.readImage(join(data!, 'bees', bees[i]!), 'RGB');
    const [H, W] = [bg.shape[1]!, bg.shape[2]!];
    const [h, w] = [Math.floor(H * 0.35), Math.floor(W * 0.3)];
    const crop = torch.nn.functional.interpolate(bee.unsqueeze(0).float(), { size: [h, w], mode: 'bilinear', antialias: true }).select(0, 0).round().clamp(0, 255).to('uint8');
    const y = torch.randint(0, H - h, [1]).item();
    const x = torch.randint(0, W - w, [1]).item();
    const img = bg.clone();
    img.slice(1, y, y + h).slice(2, x, x + w).copy_(crop);
    const file = `img${i}.png`;
    vision.io.writePng(img, join(dir, 'images', file));
    images.push({ id: i + 1, file_name: `images/${file}`, width: W, height: H });
    annotations.push({ id: i + 1, image_id: i + 1, category_id: 1, bbox: [x, y, w, h], area: w * h, iscrowd: 0,
      segmentation: [[x, y, x + w, y, x + w, y + h, x, y + h]] });
  }
  writeFileSync(join(dir, 'annotations.json'), JSON.stringify({ images, annotations, categories: [{ id: 1, name: 'bee', supercategory: 'insect' }] }));
}

test('tstorch finetune --task detection: run folder, metrics, best.pth usable by detect; errors', async () => {
  assert.ok(data, 'hymenoptera_data/train not found under $TSTORCH_DATA or ../shared/data');
  const dir = mkdtempSync(join(tmpdir(), 'tstorch-ftdet-'));
  try {
    const ds = join(dir, 'bees');
    pastedCocoSet(ds, 5);
    const out = join(dir, 'run');
    const r = await cli(['finetune', 'fasterrcnn_mobilenet_v3_large_320_fpn', '--task', 'detection', '--data', ds, '--weights', 'none',
      '--epochs', '1', '--max-steps', '2', '--batch-size', '2', '--min-size', '128', '--max-size', '160', '--out', out]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /epoch 1: loss [\d.]+, box mAP [\d.]+ \(AP50 [\d.]+\)/);
    const cfg = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    assert.deepEqual(cfg.categories, ['__background__', 'bee']);
    assert.equal(cfg.numClasses, 2);
    assert.equal(cfg.trainImages + cfg.valImages, 5);
    const rows = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(rows.length, 1);
    assert.ok(Number.isFinite(rows[0].loss) && rows[0].boxMap >= 0 && rows[0].boxMap <= 1);
    const sd = torch.load(join(out, 'best.pth')) as Record<string, torch.Tensor>;
    assert.deepEqual([...sd['roi_heads.box_predictor.cls_score.weight']!.shape], [2, 1024]);

    const d = await cli(['detect', 'fasterrcnn_mobilenet_v3_large_320_fpn', join(ds, 'images', 'img0.png'), '--weights', join(out, 'best.pth'),
      '--score-thresh', '0', '--min-size', '128', '--max-size', '160', '--out', join(dir, 'det')]);
    assert.equal(d.code, 0, d.err);
    const dets = JSON.parse(readFileSync(join(dir, 'det', 'detections.json'), 'utf8')) as { category_id: number }[];
    assert.ok(dets.every((x) => x.category_id === 1));

    const bad = await cli(['finetune', 'fasterrcnn_mobilenet_v3_large_320_fpn', '--task', 'detection', '--data', dir, '--weights', 'none']);
    assert.equal(bad.code, 1);
    assert.match(bad.err, /needs .*annotations\.json/);
    const task = await cli(['finetune', 'alexnet', '--task', 'segmentation', '--data', ds]);
    assert.equal(task.code, 1);
    assert.match(task.err, /--task must be 'classification' or 'detection'/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
