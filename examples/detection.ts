// The chapter's last page: "PyTorch provides pretrained models for all three variants"
//
//   faster_rcnn = models.detection.fasterrcnn_resnet50_fpn()
//   mask_rcnn = models.detection.maskrcnn_resnet50_fpn()
//   keypoint_rcnn = models.detection.keypointrcnn_resnet50_fpn()
//
// in tstorch, run on a photo and drawn; then a short fine-tuning run in the way of torchvision's detection tutorial:
// a model's box predictor swapped for our classes, trained with SGD on a small data set made by pasting crops of
// bee photos at known places onto ant photos, and scored with COCO's box AP before and after.
//
//   node --import tsx examples/detection.ts --data ../shared/data/hymenoptera_data --out det-out [--pretrained]
//
// --pretrained loads torchvision's COCO weights (a download into the hub cache); without it the models start from
// random weights (nothing to download) and the detections mean nothing, but every step runs the same way.
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as torch from '../src/index.js';
import * as vision from '../src/vision/index.js';

const { values: a } = parseArgs({
  options: {
    data: { type: 'string', default: '../shared/data/hymenoptera_data' },
    out: { type: 'string', default: 'detection-out' },
    pretrained: { type: 'boolean', default: false },
    steps: { type: 'string', default: '30' },
    images: { type: 'string', default: '8' },
    size: { type: 'string', default: '320' },
  },
});
const models = vision.models;
const det = vision.models.detection;
mkdirSync(a.out!, { recursive: true });
torch.manualSeed(0);

// --- The chapter's three lines -------------------------------------------------------------------------------
const w = a.pretrained ? { weights: 'DEFAULT' } : { weightsBackbone: null };
const small = { minSize: Number(a.size), maxSize: Math.round(Number(a.size) * 4 / 3) };
const fasterRcnn = models.detection.fasterrcnn_resnet50_fpn({ ...w, ...small });
const maskRcnn = models.detection.maskrcnn_resnet50_fpn({ ...w, ...small });
const keypointRcnn = models.detection.keypointrcnn_resnet50_fpn({ ...w, ...small });

const photo = vision.io.readImage(join(a.data!, 'val', 'ants', '10308379_1b6c72e180.jpg'), 'RGB');
const x = photo.float().div(255);
for (const [name, model, cats] of [['faster_rcnn', fasterRcnn, det.COCO_CATEGORIES], ['mask_rcnn', maskRcnn, det.COCO_CATEGORIES],
  ['keypoint_rcnn', keypointRcnn, det.COCO_PERSON_CATEGORIES]] as const) {
  model.eval();
  const [d] = torch.noGrad(() => model.call([x])) as Record<string, torch.Tensor>[];
  const top = d!.scores!.argsort({ descending: true }).slice(0, 0, 5);
  const boxes = d!.boxes!.index(top);
  const labels = (d!.labels!.index(top).toArray() as number[]).map((l, i) => `${cats[l]} ${(d!.scores!.index(top).toArray() as number[])[i]!.toFixed(2)}`);
  let pic = vision.utils.drawBoundingBoxes(photo, boxes, { labels, width: 2 });
  if (d!.masks) pic = vision.utils.drawSegmentationMasks(pic, d!.masks.index(top).select(1, 0).gt(0.5), { alpha: 0.5 });
  if (d!.keypoints) pic = vision.utils.drawKeypoints(pic, d!.keypoints.index(top), { connectivity: det.COCO_PERSON_SKELETON, colors: 'blue' });
  vision.io.writePng(pic, join(a.out!, `${name}.png`));
  console.log(`${name}: ${model.numParameters()} parameters, ${d!.boxes!.shape[0]} detections; top: ${labels.join(', ') || '(none)'}`);
}

// --- Fine-tuning on pasted crops -------------------------------------------------------------------------------
// Each sample: an ant photo with 1-2 bee crops pasted at random places; the targets are the pasted rectangles.
const ants = readdirSync(join(a.data!, 'train', 'ants')).sort();
const bees = readdirSync(join(a.data!, 'train', 'bees')).sort();
function sample(i: number): [torch.Tensor, Record<string, torch.Tensor>] {
  const bg = vision.io.readImage(join(a.data!, 'train', 'ants', ants[i % ants.length]!), 'RGB').float().div(255);
  const [H, W] = [bg.shape[1]!, bg.shape[2]!];
  const boxes: number[][] = [];
  const img = bg.clone();
  for (let k = 0; k < 1 + (i % 2); k++) {
    const src = vision.io.readImage(join(a.data!, 'train', 'bees', bees[(i * 2 + k) % bees.length]!), 'RGB').float().div(255);
    const [h, w] = [Math.floor(H * 0.3), Math.floor(W * 0.3)];
    const crop = torch.nn.functional.interpolate(src.unsqueeze(0), { size: [h, w], mode: 'bilinear', antialias: true }).select(0, 0);
    const y0 = torch.randint(0, H - h, [1]).item(), x0 = torch.randint(0, W - w, [1]).item();
    img.slice(1, y0, y0 + h).slice(2, x0, x0 + w).copy_(crop);
    boxes.push([x0, y0, x0 + w, y0 + h]);
  }
  const b = torch.tensor(boxes);
  return [img, {
    boxes: b, labels: torch.ones([boxes.length], { dtype: 'int64' }), image_id: torch.tensor(i, { dtype: 'int64' }),
    area: vision.ops.boxArea(b), iscrowd: torch.zeros([boxes.length], { dtype: 'int64' }),
  }];
}
const n = Number(a.images);
const train = Array.from({ length: n }, (_, i) => sample(i));
const val = Array.from({ length: Math.max(2, n / 2) }, (_, i) => sample(1000 + i));

// torchvision's tutorial: the smallest Faster R-CNN, its box predictor replaced for 2 classes (background, bee).
const model = det.fasterrcnn_mobilenet_v3_large_320_fpn(a.pretrained ? { weights: 'DEFAULT' } : { weightsBackbone: null });
const inFeatures = (model.roi_heads.box_predictor as InstanceType<typeof det.FastRCNNPredictor>).cls_score.inFeatures;
model.roi_heads.box_predictor = new det.FastRCNNPredictor(inFeatures, 2);
const params = model.parameters().filter((p) => p.requiresGrad);
const optimizer = new torch.optim.SGD(params, { lr: 0.01, momentum: 0.9, weightDecay: 0.0005 });

function boxMap(): number {
  model.eval();
  const gt = vision.coco.convertToCocoApi(val.map(([img, t]) => [img, t as never]));
  const ev = new vision.coco.CocoEvaluator(gt, ['bbox'], { verbose: false });
  for (const [img, t] of val) {
    const [d] = torch.noGrad(() => model.call([img])) as Record<string, torch.Tensor>[];
    ev.update(new Map([[t.image_id!.item(), d as never]]));
  }
  ev.accumulate();
  return ev.summarize().get('bbox')![0]!;
}

console.log(`box mAP before fine-tuning: ${boxMap().toFixed(3)}`);
const steps = Number(a.steps);
for (let step = 1; step <= steps; step++) {
  model.train();
  const batch = [train[(2 * step) % n]!, train[(2 * step + 1) % n]!];
  const losses = model.call(batch.map(([img]) => img), batch.map(([, t]) => t)) as Record<string, torch.Tensor>;
  const loss = Object.values(losses).reduce((s, v) => s.add(v));
  optimizer.zeroGrad();
  loss.backward();
  optimizer.step();
  if (step % 10 === 0 || step === steps) console.log(`step ${step}: loss ${loss.item().toFixed(4)} (${Object.entries(losses).map(([k, v]) => `${k} ${v.item().toFixed(3)}`).join(', ')})`);
}
console.log(`box mAP after fine-tuning: ${boxMap().toFixed(3)}`);
