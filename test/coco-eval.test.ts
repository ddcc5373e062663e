// COCO evaluation (vision.coco) on hand-made cases with known answers. No pycocotools is installable here, so each
// case is built so that the official evaluator's result follows from one of its rules, named in the test. (During
// development the same code was also run against pycocotools' cocoeval.py with the official maskApi.c on random
// data sets, bbox, segm and keypoints: the stats, precision and recall arrays were bit-identical.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../src/index.js';
import { coco } from '../src/vision/index.js';

const { COCO, COCOeval, mask } = coco;
type Ann = Partial<coco.CocoAnnotation> & { bbox: number[] };

/** Ground truth of one 200 x 200 image per entry of `imgs`, annotations in [x, y, w, h]. */
function gtSet(anns: Ann[], opts: { cats?: number[]; imgs?: number[] } = {}): coco.COCO {
  const imgs = opts.imgs ?? [1];
  return new COCO({
    images: imgs.map((id) => ({ id, width: 200, height: 200 })),
    categories: (opts.cats ?? [1]).map((id) => ({ id, name: `c${id}` })),
    annotations: anns.map((a, i) => ({ id: i + 1, image_id: imgs[0]!, category_id: 1, iscrowd: 0, area: a.bbox[2]! * a.bbox[3]!, ...a }) as coco.CocoAnnotation),
  });
}

function evaluate(gt: coco.COCO, dets: coco.CocoResult[], iouType: coco.IouType = 'bbox'): { stats: number[]; ev: coco.COCOeval } {
  const ev = new COCOeval(gt, gt.loadRes(dets), iouType, { verbose: false });
  ev.evaluate();
  ev.accumulate();
  return { stats: ev.summarize(), ev };
}

const det = (bbox: number[], score: number, extra: Partial<coco.CocoResult> = {}): coco.CocoResult => ({ image_id: 1, category_id: 1, bbox, score, ...extra });
// Precision is tp / (fp + tp + eps) with eps = 2^-52 (np.spacing(1)), so a perfect AP is 1 - 1e-16, as in pycocotools.
const close = (a: number, b: number, what = 'value'): void => assert.ok(Math.abs(a - b) < 1e-12, `${what}: ${a} vs ${b}`);
const closeAll = (a: number[], b: number[], what = 'stats'): void => a.forEach((v, i) => close(v, b[i]!, `${what}[${i}]`));

test('perfect detections: AP and AR 1 in the populated area ranges, -1 in the empty ones', () => {
  // Rule: a matched detection is a true positive at every threshold; area ranges without ground truth are -1.
  const gt = gtSet([{ bbox: [10, 10, 50, 40] }, { bbox: [100, 90, 60, 70] }]);
  const { stats } = evaluate(gt, [det([10, 10, 50, 40], 0.9), det([100, 90, 60, 70], 0.8)]);
  // AP, AP50, AP75, APs, APm, APl, AR1, AR10, AR100, ARs, ARm, ARl: both boxes are medium (32^2 < area < 96^2).
  closeAll(stats, [1, 1, 1, -1, 1, -1, 0.5, 1, 1, -1, 1, -1]);
});

test('a box shifted to IoU 0.6 matches at thresholds 0.50, 0.55 and 0.60 only: AP 0.3, AP50 1, AP75 0', () => {
  // Rule: a detection matches when IoU >= threshold (pycocotools skips IoU < t); the thresholds are
  // linspace(0.5, 0.95, 10), whose third value is exactly 0.6. Shift 2.5 of a 10 x 10 box: 75 / 125 = 0.6.
  const gt = gtSet([{ bbox: [20, 20, 10, 10] }]);
  const { stats, ev } = evaluate(gt, [det([22.5, 20, 10, 10], 0.9)]);
  assert.deepEqual(ev.ious.get('1,1'), [[0.6]]);
  close(stats[0]!, 0.3, 'AP');
  close(stats[1]!, 1);
  assert.equal(stats[2], 0);
  // The ground truth is small (100 < 32^2): AR small = recall averaged over thresholds = 0.3.
  close(stats[9]!, 0.3, 'ARs');
});

test('duplicates: the best-scored one matches, the other is a false positive; its score decides the AP', () => {
  // Rules: detections are matched best score first, a matched ground truth is taken (not a crowd); precision is
  // made monotone from the right before it is read at the recall thresholds.
  const gt = gtSet([{ bbox: [50, 50, 40, 40] }]);
  // Duplicate scored lower: pr = [1, 0.5] at recall [1, 1] -> every recall threshold reads 1.
  close(evaluate(gt, [det([50, 50, 40, 40], 0.9), det([51, 50, 40, 40], 0.8)]).stats[1]!, 1);
  // Duplicate scored higher, and it matches first: the exact box then finds the ground truth taken.
  // Both have IoU >= 0.5, so the higher one matches: AP50 1. At 0.95 only the exact box qualifies: FP then TP,
  // pr = [0, 0.5], envelope [0.5, 0.5].
  const { ev } = evaluate(gt, [det([50, 50, 40, 40], 0.8), det([52, 50, 40, 40], 0.9)]);
  const p95 = Array.from({ length: 101 }, (_, r) => ev.eval!.precision.get(9, r, 0, 0, 2));
  assert.ok(p95.every((v) => Math.abs(v - 0.5) < 1e-12), `precision at IoU 0.95: ${p95.slice(0, 3)}`);
});

test('101-point interpolation: TP, FP, TP on two objects gives (51 * 1 + 50 * 2/3) / 101', () => {
  // Rule: precision [1, 1/2, 2/3] at recall [.5, .5, 1] becomes [1, 2/3, 2/3]; recall thresholds 0..0.5 (51 of
  // them) read the first detection, 0.51..1 (50) the third.
  const gt = gtSet([{ bbox: [10, 10, 40, 40] }, { bbox: [120, 120, 40, 40] }]);
  const { stats } = evaluate(gt, [det([10, 10, 40, 40], 0.9), det([60, 60, 40, 40], 0.8), det([120, 120, 40, 40], 0.7)]);
  close(stats[1]!, (51 * 1 + 50 * (2 / (3 + 2.220446049250313e-16))) / 101, 'AP50');
  assert.equal(stats[8], 1); // AR100 (recall has no eps)
});

test('crowd regions: detections inside them are ignored, their IoU is over the detection area, one crowd takes many', () => {
  // Rules: iscrowd ground truths are ignored (whatever their 'ignore' field says); a detection matched to an ignored
  // ground truth is ignored; IoU with a crowd divides by the detection's own area; crowds match repeatedly.
  const gt = gtSet([{ bbox: [10, 10, 40, 40] }, { bbox: [100, 100, 90, 90], iscrowd: 1, ignore: 0 }]);
  const dets = [det([110, 110, 20, 20], 0.95), det([150, 150, 20, 20], 0.93), det([10, 10, 40, 40], 0.9)];
  const { stats, ev } = evaluate(gt, dets);
  const ious = ev.ious.get('1,1')!; // [detection][ground truth], detections by score
  assert.equal(ious[0]![1], 1); // inside the crowd: 400 / 400
  close(stats[0]!, 1); // the two detections in the crowd count for nothing
  // The same region not marked crowd: IoU 400 / 8100 and two false positives ranked first.
  const plain = gtSet([{ bbox: [10, 10, 40, 40] }, { bbox: [100, 100, 90, 90] }]);
  const r = evaluate(plain, dets);
  assert.ok(Math.abs(r.ev.ious.get('1,1')![0]![1]! - 400 / 8100) < 1e-15);
  assert.ok(r.stats[1]! < 1);
});

test('missing categories: no ground truth is -1 and left out of the mean; no detections is 0', () => {
  // Rule: precision is -1 for a category without ground truth and the summary averages entries > -1.
  const gt = new COCO({
    images: [{ id: 1, width: 100, height: 100 }],
    categories: [{ id: 1, name: 'a' }, { id: 2, name: 'b' }, { id: 3, name: 'c' }],
    annotations: [
      { id: 1, image_id: 1, category_id: 1, bbox: [0, 0, 50, 50], area: 2500, iscrowd: 0 },
      { id: 2, image_id: 1, category_id: 2, bbox: [50, 50, 50, 50], area: 2500, iscrowd: 0 },
    ],
  });
  const dets = [{ image_id: 1, category_id: 1, bbox: [0, 0, 50, 50], score: 0.9 }, { image_id: 1, category_id: 3, bbox: [10, 10, 5, 5], score: 0.9 }];
  const { stats, ev } = evaluate(gt, dets);
  close(stats[0]!, 0.5); // category 1: 1, category 2: 0, category 3: -1 (excluded)
  assert.equal(ev.eval!.precision.get(0, 0, 2, 0, 2), -1);
  assert.equal(ev.eval!.recall.get(0, 1, 0, 2), 0);
});

test('maxDets: AR@1 counts one detection per image, AR@10 ten', () => {
  // Rule: per image, only the maxDet best-scored detections are considered.
  const gt = gtSet([{ bbox: [0, 0, 40, 40] }, { bbox: [100, 100, 40, 40] }, { bbox: [50, 0, 40, 40] }]);
  const { stats } = evaluate(gt, [det([0, 0, 40, 40], 0.9), det([100, 100, 40, 40], 0.8), det([50, 0, 40, 40], 0.7)]);
  close(stats[6]!, 1 / 3, 'AR1');
  assert.equal(stats[7], 1);
});

test('area ranges use the ground truth area; an unmatched detection outside the range is ignored', () => {
  // Rules: a ground truth outside the range is ignored; unmatched detections outside it are ignored too.
  const gt = gtSet([{ bbox: [0, 0, 20, 20] }, { bbox: [100, 100, 100, 100] }]);
  const { stats } = evaluate(gt, [det([0, 0, 20, 20], 0.9), det([100, 100, 100, 100], 0.8), det([50, 50, 10, 10], 0.95)]);
  // all: the false positive (area 100) ranks first: pr [0, .5, 2/3] -> envelope [2/3, 2/3, 2/3].
  close(stats[1]!, 2 / (3 + 2.220446049250313e-16), 'AP50 all');
  close(stats[3]!, 0.5); // small: the FP is small too -> FP, TP: envelope 0.5
  close(stats[5]!, 1); // large: the small FP is outside the range and unmatched: ignored
  assert.equal(stats[4], -1); // no medium ground truth
});

test('segmentation: polygons, compressed and uncompressed RLEs; a mask shifted to a known IoU', () => {
  // Rule: segm IoU is computed on the masks (annToRLE: polygons merged, uncompressed RLE compressed).
  const gt = new COCO({
    images: [{ id: 1, width: 40, height: 30 }],
    categories: [{ id: 1, name: 'a' }],
    annotations: [
      { id: 1, image_id: 1, category_id: 1, bbox: [0, 0, 10, 10], area: 100, iscrowd: 0, segmentation: [[0, 0, 10, 0, 10, 10, 0, 10]] },
      { id: 2, image_id: 1, category_id: 1, bbox: [20, 0, 10, 10], area: 100, iscrowd: 0, segmentation: mask.encode(box(30, 40, 20, 0, 10, 10)) as coco.RLE },
      // An uncompressed crowd RLE over the bottom rows.
      { id: 3, image_id: 1, category_id: 1, bbox: [0, 20, 40, 10], area: 400, iscrowd: 1, segmentation: uncompressed(box(30, 40, 0, 20, 40, 10)) },
    ],
  });
  const dt = (x: number, y: number, w: number, h: number, score: number): coco.CocoResult =>
    ({ image_id: 1, category_id: 1, segmentation: mask.encode(box(30, 40, x, y, w, h)) as coco.RLE, score });
  // Exact masks, a mask over a quarter of the second one (IoU 25 / 100), one inside the crowd.
  const { stats, ev } = evaluate(gt, [dt(0, 0, 10, 10, 0.9), dt(20, 0, 5, 5, 0.85), dt(20, 0, 10, 10, 0.8), dt(5, 22, 4, 4, 0.95)], 'segm');
  const ious = ev.ious.get('1,1')!;
  assert.equal(ious[2]![1], 0.25); // the quarter mask (third by score) against the second object
  assert.equal(ious[0]![2], 1); // inside the crowd
  // TP, FP (the quarter), TP -> the same curve as the interpolation test.
  close(stats[1]!, (51 * 1 + 50 * (2 / (3 + 2.220446049250313e-16))) / 101, 'segm AP50');
});

test('keypoints: OKS with the COCO sigmas; no-keypoint ground truths are ignored; a known similarity', () => {
  // Rules: OKS = mean over labelled keypoints of exp(-d^2 / (2 (area + eps) (2 sigma)^2)); a ground truth with
  // num_keypoints 0 is ignored; keypoint evaluation uses maxDets 20 and the medium/large ranges.
  const kps = Array.from({ length: 17 }, (_, j) => [20 + j * 3, 30 + j * 2, 2]).flat();
  const gt = new COCO({
    images: [{ id: 1, width: 200, height: 200 }],
    categories: [{ id: 1, name: 'person' }],
    annotations: [
      { id: 1, image_id: 1, category_id: 1, bbox: [20, 30, 60, 40], area: 2000, iscrowd: 0, keypoints: kps, num_keypoints: 17 },
      { id: 2, image_id: 1, category_id: 1, bbox: [120, 120, 40, 40], area: 1600, iscrowd: 0, keypoints: new Array(51).fill(0), num_keypoints: 0 },
    ],
  });
  // Keypoint 0 (the nose, sigma 0.026) moved by 6 pixels, the others exact.
  const moved = [...kps];
  moved[0] = kps[0]! + 6;
  const { stats, ev } = evaluate(gt, [{ image_id: 1, category_id: 1, keypoints: moved, score: 0.9 }], 'keypoints');
  const e0 = 36 / (2 * 0.026) ** 2 / (2000 + 2.220446049250313e-16) / 2;
  const oks = ev.ious.get('1,1')![0]![0]!;
  assert.ok(Math.abs(oks - (Math.exp(-e0) + 16) / 17) < 1e-15, `OKS ${oks}`);
  // OKS = (exp(-3.33) + 16) / 17 = 0.943: matched at thresholds 0.50 .. 0.90 (9 of 10), and the other ground
  // truth is ignored, so AP = 9 / 10 (times the 1 - 1e-16 of the precision).
  close(stats[0]!, 0.9, 'keypoint AP');
  close(stats[1]!, 1);
});

test('RLE: pycocotools strings, area, box, merge, iou; polygons rasterised as maskApi.c does', () => {
  // Known answers from the official maskApi.c: a 2x2 mask of ones is "04"; a 2x4 block at rows 1-2, columns 2-5 of a
  // 5x7 mask is ";23000004"; the polygon below in a 12x14 image is "61740001O001O001OO1M3MU1" with 57 pixels.
  assert.deepEqual(mask.encode(torch.ones([2, 2])), { size: [2, 2], counts: '04' });
  const m = torch.zeros([5, 7], { dtype: 'uint8' });
  m.indexPut_(['1:3', '2:6'], 1);
  const r = mask.encode(m) as coco.RLE;
  assert.equal(r.counts, ';23000004');
  assert.equal(mask.area(r), 8);
  assert.deepEqual(mask.toBbox(r), [2, 1, 4, 2]);
  assert.ok(mask.decode(r).equal(m));
  const poly = mask.frPyObjects([[1.2, 1.5, 10.7, 2.3, 8.1, 9.9, 0.4, 6.6]], 12, 14) as coco.RLE[];
  assert.equal(poly[0]!.counts, '61740001O001O001OO1M3MU1');
  assert.equal(mask.area(poly[0]!), 57);
  // Round trips over many sizes, runs longer than 31 (multi-character numbers) and negative deltas.
  torch.manualSeed(3);
  for (const [h, w] of [[1, 1], [3, 50], [64, 64], [7, 300]] as const) {
    const a = torch.rand([h, w]).gt(0.5).to('uint8');
    const ra = mask.encode(a) as coco.RLE;
    assert.ok(mask.decode(ra).equal(a));
    assert.equal(mask.area(ra), a.sum().item());
  }
  const big = torch.zeros([100, 100], { dtype: 'uint8' });
  big.indexPut_(['10:90', '5:95'], 1);
  const rb = mask.encode(big) as coco.RLE;
  assert.ok(mask.decode(rb).equal(big));
  // Merge and IoU: two overlapping squares.
  const sq1 = mask.encode(box(20, 20, 0, 0, 10, 10)) as coco.RLE;
  const sq2 = mask.encode(box(20, 20, 5, 5, 10, 10)) as coco.RLE;
  assert.equal(mask.area(mask.merge([sq1, sq2])), 175);
  assert.equal(mask.area(mask.merge([sq1, sq2], true)), 25);
  assert.deepEqual(mask.iou([sq1], [sq2], [0]), [[25 / 175]]);
  assert.deepEqual(mask.iou([sq1], [sq2], [1]), [[25 / 100]]);
  assert.deepEqual(mask.iou([[0, 0, 10, 10]], [[5, 5, 10, 10]], [0]), [[25 / 175]]);
  assert.throws(() => mask.decode({ size: [2, 2], counts: [1, 2] }), /add up to 3 pixels, not 2 x 2 = 4/);
  assert.throws(() => mask.iou([sq1], [[0, 0, 1, 1]], [0]), /same data type/);
});

test('CocoEvaluator scores model outputs (corner boxes, mask probabilities) and convertToCocoApi makes the ground truth', () => {
  const target: coco.DetectionTarget = {
    boxes: torch.tensor([[10, 10, 50, 40], [60, 60, 90, 100]]), labels: torch.tensor([1, 2], { dtype: 'int64' }), image_id: 7,
    area: torch.tensor([1200, 1200]), iscrowd: torch.tensor([0, 0], { dtype: 'int64' }),
    masks: torch.stack([box(120, 100, 10, 10, 40, 30), box(120, 100, 60, 60, 30, 40)]),
  };
  const gt = coco.convertToCocoApi([[torch.zeros([3, 120, 100]), target]]);
  assert.deepEqual(gt.getCatIds(), [1, 2]);
  assert.deepEqual(gt.loadAnns(1)[0]!.bbox, [10, 10, 40, 30]);
  const ev = new coco.CocoEvaluator(gt, ['bbox', 'segm'], { verbose: false });
  ev.update(new Map([[7, {
    boxes: target.boxes, labels: target.labels, scores: torch.tensor([0.9, 0.8]),
    masks: target.masks!.unsqueeze(1).float().mul(0.9),
  }]]));
  ev.accumulate();
  const stats = ev.summarize();
  close(stats.get('bbox')![0]!, 1);
  close(stats.get('segm')![0]!, 1);
});

/** A uint8 [h, w] mask with the rectangle at (x, y) of size w x h set. */
function box(H: number, W: number, x: number, y: number, w: number, h: number): torch.Tensor {
  const m = torch.zeros([H, W], { dtype: 'uint8' });
  m.indexPut_([`${y}:${y + h}`, `${x}:${x + w}`], 1);
  return m;
}

/** An uncompressed RLE (column-major counts) of a mask. */
function uncompressed(m: torch.Tensor): coco.UncompressedRLE {
  const [h, w] = [m.shape[0]!, m.shape[1]!];
  const data = m.contiguous().dataSync() as Uint8Array;
  const counts: number[] = [];
  let p = 0;
  let c = 0;
  for (let x = 0; x < w; x++) for (let y = 0; y < h; y++) {
    const v = data[y * w + x]! ? 1 : 0;
    if (v !== p) { counts.push(c); c = 0; p = v; }
    c++;
  }
  counts.push(c);
  return { size: [h, w], counts };
}
