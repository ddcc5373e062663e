// Box operations of vision.ops against torchvision 0.14: nms (ties, degenerate and identical boxes, thresholds),
// batched_nms on both of its paths, IoU and its variants, the box losses and the focal loss with gradients,
// conversions, clipping, small-box removal and boxes around masks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../src/index.js';
import * as vision from '../src/vision/index.js';
import { compareWithPyTorch, type Case } from './nn-harness.js';

const ops = vision.ops;
type T = torch.Tensor;
const TV = "__import__('torchvision').ops";

torch.manualSeed(5);

/** n random boxes (x1 < x2, y1 < y2) in a size x size image. */
function randomBoxes(n: number, size = 100, dtype: 'float32' | 'float64' = 'float32'): T {
  const xy = torch.rand([n, 2], { dtype }).mul(size);
  const wh = torch.rand([n, 2], { dtype }).mul(size / 4).add(1);
  return torch.cat([xy, xy.add(wh)], 1);
}

test('nms equals torchvision: random boxes, tied scores, identical and degenerate boxes, every threshold', () => {
  const cases: Case[] = [];
  for (const dtype of ['float32', 'float64'] as const) {
    const boxes = randomBoxes(300, 100, dtype);
    const scores = torch.rand([300], { dtype });
    for (const thr of [0, 0.3, 0.5, 0.7, 1]) {
      cases.push({ name: `nms ${dtype} iou ${thr}`, inputs: [boxes, scores], grad: [false, false],
        fn: (_m, [b, s]) => ops.nms(b!, s!, thr), py: `${TV}.nms(x0, x1, ${thr})`, atol: 0, rtol: 0 });
    }
  }
  // Scores drawn from 4 values only: torchvision's result depends on the order ATen's sort leaves ties in.
  const tied = randomBoxes(200, 60);
  const tiedScores = torch.randint(0, 4, [200]).float().div(4);
  cases.push({ name: 'nms with tied scores', inputs: [tied, tiedScores], grad: [false, false], atol: 0, rtol: 0,
    fn: (_m, [b, s]) => ops.nms(b!, s!, 0.4), py: `${TV}.nms(x0, x1, 0.4)` });
  // Identical boxes, zero-area boxes (IoU 0/0 = NaN never suppresses), a box inside another, all scores equal.
  const special = torch.tensor([[0, 0, 10, 10], [0, 0, 10, 10], [5, 5, 5, 5], [5, 5, 5, 5], [2, 2, 4, 4], [0, 0, 10, 10], [20, 20, 30, 25]]);
  cases.push({ name: 'nms special boxes, equal scores', inputs: [special, torch.ones([7])], grad: [false, false], atol: 0, rtol: 0,
    fn: (_m, [b, s]) => ops.nms(b!, s!, 0.5), py: `${TV}.nms(x0, x1, 0.5)` });
  // batched_nms: few coordinates take the coordinate trick, more than 4,000 one nms per category.
  for (const n of [120, 1500]) {
    const b = randomBoxes(n, 200);
    const s = torch.rand([n]);
    const idxs = torch.randint(0, 5, [n]);
    cases.push({ name: `batched_nms ${n} boxes`, inputs: [b, s, idxs], grad: [false, false, false], atol: 0, rtol: 0,
      fn: (_m, [bb, ss, ii]) => ops.batchedNms(bb!, ss!, ii!, 0.5), py: `${TV}.batched_nms(x0, x1, x2, 0.5)` });
  }
  // 4,000 boxes, many overlapping: the vectorised sweep against torchvision's loop.
  cases.push({ name: 'nms 4000 boxes', inputs: [randomBoxes(4000, 400), torch.rand([4000])], grad: [false, false], atol: 0, rtol: 0,
    fn: (_m, [b, s]) => ops.nms(b!, s!, 0.5), py: `${TV}.nms(x0, x1, 0.5)` });
  compareWithPyTorch(cases);
});

test('IoU, generalized, distance and complete IoU equal torchvision, with gradients; integer boxes are upcast', () => {
  const b1 = torch.cat([randomBoxes(6, 20, 'float64'), torch.tensor([[3, 3, 3, 8], [0, 0, 20, 20]], { dtype: 'float64' })]);
  const b2 = randomBoxes(5, 20, 'float64');
  const cases: Case[] = [];
  for (const [name, fn, py] of [
    ['box_iou', ops.boxIou, 'box_iou'], ['generalized_box_iou', ops.generalizedBoxIou, 'generalized_box_iou'],
    ['distance_box_iou', ops.distanceBoxIou, 'distance_box_iou'], ['complete_box_iou', ops.completeBoxIou, 'complete_box_iou'],
  ] as const) {
    cases.push({ name, inputs: [b1, b2], fn: (_m, [a, b]) => fn(a!, b!), py: `${TV}.${py}(x0, x1)`, atol: 1e-12, rtol: 1e-12 });
  }
  const i1 = torch.tensor([[0, 0, 10, 10], [5, 5, 15, 20]], { dtype: 'int16' });
  const i2 = torch.tensor([[2, 3, 9, 12]], { dtype: 'int16' });
  cases.push({ name: 'box_iou of int16 boxes', inputs: [i1, i2], fn: (_m, [a, b]) => ops.boxIou(a!, b!), py: `${TV}.box_iou(x0, x1)` });
  cases.push({ name: 'box_area of int16 boxes', inputs: [i1], fn: (_m, [a]) => ops.boxArea(a!), py: `${TV}.box_area(x0)` });
  cases.push({ name: 'complete_box_iou of int16 boxes', inputs: [i1, i2], fn: (_m, [a, b]) => ops.completeBoxIou(a!, b!), py: `${TV}.complete_box_iou(x0, x1)` });
  cases.push({ name: 'box_area float32', inputs: [randomBoxes(7)], fn: (_m, [a]) => ops.boxArea(a!), py: `${TV}.box_area(x0)` });
  compareWithPyTorch(cases);
});

test('box losses and the sigmoid focal loss equal torchvision, every reduction, with gradients', () => {
  const p = randomBoxes(8, 30, 'float64');
  const g = torch.cat([p.narrow(0, 0, 4).add(torch.randn([4, 4], { dtype: 'float64' })), randomBoxes(4, 30, 'float64')]);
  const cases: Case[] = [];
  for (const reduction of ['none', 'mean', 'sum'] as const) {
    for (const [fn, py] of [[ops.generalizedBoxIouLoss, 'generalized_box_iou_loss'], [ops.distanceBoxIouLoss, 'distance_box_iou_loss'],
      [ops.completeBoxIouLoss, 'complete_box_iou_loss']] as const) {
      cases.push({ name: `${py} ${reduction}`, inputs: [p, g], atol: 1e-12, rtol: 1e-12,
        fn: (_m, [a, b]) => fn(a!, b!, { reduction, eps: 1e-6 }), py: `${TV}.${py}(x0, x1, reduction='${reduction}', eps=1e-6)` });
    }
    const logits = torch.randn([5, 7]);
    const targets = torch.randint(0, 2, [5, 7]).float();
    cases.push({ name: `sigmoid_focal_loss ${reduction}`, inputs: [logits, targets], grad: [true, false],
      fn: (_m, [a, b]) => ops.sigmoidFocalLoss(a!, b!, { alpha: 0.3, gamma: 1.5, reduction }),
      py: `${TV}.sigmoid_focal_loss(x0, x1, alpha=0.3, gamma=1.5, reduction='${reduction}')` });
  }
  const logits = torch.randn([4, 3]);
  const targets = torch.randint(0, 2, [4, 3]).float();
  cases.push({ name: 'sigmoid_focal_loss defaults, alpha < 0', inputs: [logits, targets], grad: [true, false],
    fn: (_m, [a, b]) => ops.sigmoidFocalLoss(a!, b!, { alpha: -1 }), py: `${TV}.sigmoid_focal_loss(x0, x1, alpha=-1)` });
  cases.push({ name: 'giou loss of no boxes, mean', inputs: [torch.zeros([0, 4]), torch.zeros([0, 4])],
    fn: (_m, [a, b]) => ops.generalizedBoxIouLoss(a!, b!, { reduction: 'mean' }), py: `${TV}.generalized_box_iou_loss(x0, x1, reduction='mean')` });
  compareWithPyTorch(cases);
  assert.throws(() => ops.generalizedBoxIouLoss(p, g, { reduction: 'avg' as never }), /reduction must be 'none', 'mean' or 'sum', got 'avg'/);
  assert.throws(() => ops.sigmoidFocalLoss(p, g, { reduction: 'batchmean' as never }), /reduction must be/);
});

test('box_convert, clip_boxes_to_image, remove_small_boxes and masks_to_boxes equal torchvision', () => {
  const b = randomBoxes(6, 50);
  const cases: Case[] = [];
  const fmts = ['xyxy', 'xywh', 'cxcywh'] as const;
  for (const a of fmts) for (const z of fmts) {
    cases.push({ name: `box_convert ${a} -> ${z}`, inputs: [b], fn: (_m, [x]) => ops.boxConvert(x!, a, z), py: `${TV}.box_convert(x0, '${a}', '${z}')` });
  }
  const wide = torch.tensor([[-5, -3, 40, 30], [10, 12, 70, 90], [60, 61, 65, 62]]);
  cases.push({ name: 'clip_boxes_to_image', inputs: [wide], fn: (_m, [x]) => ops.clipBoxesToImage(x!, [50, 64]), py: `${TV}.clip_boxes_to_image(x0, (50, 64))` });
  cases.push({ name: 'clip_boxes_to_image batched', inputs: [wide.unsqueeze(0).expand(2, 3, 4)], fn: (_m, [x]) => ops.clipBoxesToImage(x!, [20, 30]),
    py: `${TV}.clip_boxes_to_image(x0, (20, 30))` });
  cases.push({ name: 'remove_small_boxes', inputs: [wide], grad: [false], fn: (_m, [x]) => ops.removeSmallBoxes(x!, 5), py: `${TV}.remove_small_boxes(x0, 5)` });
  const masks = torch.zeros([3, 12, 15], { dtype: 'bool' });
  masks.indexPut_([0, '2:5', '3:9'], true);
  masks.indexPut_([1, 7, 14], true);
  masks.indexPut_([2, '0:12', '1:2'], true);
  cases.push({ name: 'masks_to_boxes', inputs: [masks], grad: [false], fn: (_m, [x]) => ops.masksToBoxes(x!), py: `${TV}.masks_to_boxes(x0)` });
  cases.push({ name: 'masks_to_boxes of no masks', inputs: [torch.zeros([0, 4, 4])], grad: [false], fn: (_m, [x]) => ops.masksToBoxes(x!), py: `${TV}.masks_to_boxes(x0)` });
  compareWithPyTorch(cases);
  assert.throws(() => ops.masksToBoxes(torch.zeros([1, 3, 3])), /mask 0 has no pixel set/);
  assert.throws(() => ops.boxConvert(b, 'xyxy', 'yxyx' as never), /unsupported box formats/);
  assert.throws(() => ops.boxIou(torch.zeros([2, 5]), b), /boxes1 must have shape \[N, 4\]/);
});
