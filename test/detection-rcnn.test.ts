// Faster, Mask and Keypoint R-CNN against torchvision 0.14, in one Python run per test: a checkpoint saved by
// python3-torchvision (seeded, weights=None, weights_backbone=None) loads with strict: true; same state-dict keys and
// shapes; in eval mode on two real photos of hymenoptera_data (different sizes, boxScoreThresh 0) the RPN proposals
// and the detections (boxes, scores, labels, masks, keypoints) equal torchvision's within 1e-4; in training mode, under
// the same seed (the samplers draw with torch.randperm, the transform with uniform_), the loss dict and the gradients
// equal torchvision's. CI runs three builders at small sizes, training steps of two (gradients compared in full for
// tensors under 300k elements, by sum of absolute values for the rest); TSTORCH_HEAVY_TESTS=1 runs all seven builders at torchvision's
// default sizes with every gradient compared in full.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as torch from '../src/index.js';
import * as vision from '../src/vision/index.js';
import { runPython, assertClose } from './helpers/pytorch.js';

const det = vision.models.detection;
type T = torch.Tensor;
const HEAVY = process.env.TSTORCH_HEAVY_TESTS === '1';

const dataRoot = [process.env.TSTORCH_DATA, resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'shared', 'data')]
  .filter((r): r is string => r !== undefined).map((r) => join(r, 'hymenoptera_data', 'val')).find((p) => existsSync(p));

function photos(): T[] {
  assert.ok(dataRoot, 'hymenoptera_data/val not found under $TSTORCH_DATA or ../shared/data');
  const a = vision.io.readImage(join(dataRoot, 'ants', '10308379_1b6c72e180.jpg')).float().div(255); // 375 x 500
  const b = vision.io.readImage(join(dataRoot, 'bees', '10870992_eebeeb3a12.jpg')).float().div(255);
  // A portrait crop, so that the batch holds two shapes and two aspect ratios.
  return [a, b.slice(2, 0, Math.min(b.shape[2]!, 280)).contiguous()];
}

interface Spec { name: string; seed: number; kwargs: Record<string, unknown>; pyKwargs: string; train: boolean }

const PY = String.raw`
import os
import torchvision.models.detection as D
OUT_J = {}
imgs = [T['img0'], T['img1']]
def targets_for(name):
    t = []
    for i, img in enumerate(imgs):
        h, w = img.shape[-2:]
        boxes = T['tboxes%d' % i] * torch.tensor([w, h, w, h], dtype=torch.float32)
        d = {'boxes': boxes, 'labels': T['tlabels%d' % i]}
        if 'maskrcnn' in name: d['masks'] = T['tmasks%d' % i]
        if 'keypoint' in name: d['keypoints'] = T['tkp%d' % i] * torch.tensor([w, h, 1], dtype=torch.float32)
        t.append(d)
    return t
for s in J['specs']:
    name = s['name']
    torch.manual_seed(s['seed'])
    m = getattr(D, name)(weights=None, weights_backbone=None, **eval('dict(' + s['pyKwargs'] + ')'))
    sd = m.state_dict()
    torch.save(sd, os.path.join(J['dir'], name + '.pth'))
    res = {'keys': [[k, list(v.shape)] for k, v in sd.items()]}
    m.eval()
    with torch.no_grad():
        il, _ = m.transform(imgs)
        props, _ = m.rpn(il, m.backbone(il.tensors))
        for i, p in enumerate(props): OUT['%s_prop%d' % (name, i)] = p
        out = m(imgs)
        for i, o in enumerate(out):
            for k, v in o.items(): OUT['%s_det%d_%s' % (name, i, k)] = v
    if s['train']:
        m.train()
        torch.manual_seed(s['seed'] + 1)
        losses = m(imgs, targets_for(name))
        res['loss_keys'] = list(losses.keys())
        for k, v in losses.items(): OUT['%s_loss_%s' % (name, k)] = v.detach()
        sum(losses.values()).backward()
        names = []
        for k, p in m.named_parameters():
            if p.grad is None: continue
            names.append(k)
            if J['full'] or p.numel() < 300000: OUT['%s_grad_%s' % (name, k)] = p.grad
            else: OUT['%s_gabs_%s' % (name, k)] = p.grad.double().abs().sum()
        res['grad_names'] = names
    OUT_J[name] = res
`;

function targets(name: string, imgs: T[]): Record<string, T>[] {
  return imgs.map((img, i) => {
    const [h, w] = [img.shape[1]!, img.shape[2]!];
    const d: Record<string, T> = { boxes: TB[i]!.mul(torch.tensor([w, h, w, h])), labels: TL[i]! };
    if (name.includes('maskrcnn')) d.masks = TM[i]!;
    if (name.includes('keypoint')) d.keypoints = TK[i]!.mul(torch.tensor([w, h, 1]));
    return d;
  });
}

// Ground truth for the training step, in relative coordinates (scaled to each image on both sides).
let TB: T[] = [];
let TL: T[] = [];
let TM: T[] = [];
let TK: T[] = [];
function makeTargets(imgs: T[]): Record<string, T> {
  TB = [torch.tensor([[0.1, 0.2, 0.6, 0.9], [0.5, 0.1, 0.95, 0.5]]), torch.tensor([[0.2, 0.3, 0.8, 0.7]])];
  TL = [torch.tensor([1, 1], { dtype: 'int64' }), torch.tensor([1], { dtype: 'int64' })];
  TM = imgs.map((img, i) => {
    const [h, w] = [img.shape[1]!, img.shape[2]!];
    const m = torch.zeros([TB[i]!.shape[0]!, h, w], { dtype: 'uint8' });
    (TB[i]!.tolist() as number[][]).forEach((b, j) => {
      // An ellipse-ish blob inside each box: a mask that is not the box itself.
      const y0 = Math.floor(b[1]! * h), y1 = Math.floor(b[3]! * h), x0 = Math.floor(b[0]! * w), x1 = Math.floor(b[2]! * w);
      m.select(0, j).slice(0, y0 + 3, y1 - 3).slice(1, x0 + 5, x1 - 2).fill_(1);
    });
    return m;
  });
  TK = TB.map((b) => {
    const n = b.shape[0]!;
    const xy = torch.rand([n, 17, 2]);
    const bx = b.unsqueeze(1);
    const x = bx.select(2, 0).add(xy.select(2, 0).mul(bx.select(2, 2).sub(bx.select(2, 0))));
    const y = bx.select(2, 1).add(xy.select(2, 1).mul(bx.select(2, 3).sub(bx.select(2, 1))));
    const vis = torch.rand([n, 17]).gt(0.2).float().mul(2);
    return torch.stack([x, y, vis], 2);
  });
  const out: Record<string, T> = {};
  imgs.forEach((_, i) => { out[`tboxes${i}`] = TB[i]!; out[`tlabels${i}`] = TL[i]!; out[`tmasks${i}`] = TM[i]!; out[`tkp${i}`] = TK[i]!; });
  return out;
}

type Builder = (o: Record<string, unknown>) => torch.nn.Module;
const BUILDERS: Record<string, Builder> = {
  fasterrcnn_resnet50_fpn: det.fasterrcnn_resnet50_fpn as Builder,
  fasterrcnn_resnet50_fpn_v2: det.fasterrcnn_resnet50_fpn_v2 as Builder,
  fasterrcnn_mobilenet_v3_large_fpn: det.fasterrcnn_mobilenet_v3_large_fpn as Builder,
  fasterrcnn_mobilenet_v3_large_320_fpn: det.fasterrcnn_mobilenet_v3_large_320_fpn as Builder,
  maskrcnn_resnet50_fpn: det.maskrcnn_resnet50_fpn as Builder,
  maskrcnn_resnet50_fpn_v2: det.maskrcnn_resnet50_fpn_v2 as Builder,
  keypointrcnn_resnet50_fpn: det.keypointrcnn_resnet50_fpn as Builder,
};

function runSpecs(specs: Spec[]): void {
  torch.manualSeed(0);
  const imgs = photos();
  const tin = makeTargets(imgs);
  const dir = mkdtempSync(join(tmpdir(), 'tstorch-det-'));
  try {
    const py = runPython(PY, { tensors: { img0: imgs[0]!, img1: imgs[1]!, ...tin }, json: { specs, dir, full: HEAVY } }, { timeoutMs: 3 * 3_600_000 });
    const P = py.tensors;
    for (const s of specs) {
      const what = s.name;
      const build = BUILDERS[s.name]!;
      torch.manualSeed(s.seed);
      const m = build({ weights: null, weightsBackbone: null, ...s.kwargs }) as InstanceType<typeof det.GeneralizedRCNN>;
      const sd = m.stateDict();
      assert.deepEqual(Object.entries(sd).map(([k, v]) => [k, [...v.shape]]), py.json[s.name].keys, `${what}: state-dict keys and shapes`);
      // Same seed, same initialisation: the torchvision checkpoint equals our fresh state dict...
      const ckpt = torch.load(join(dir, `${s.name}.pth`)) as Record<string, T>;
      const differ = Object.keys(sd).filter((k) => !sd[k]!.equal(ckpt[k]!));
      assert.deepEqual(differ, [], `${what}: initial parameters under the same seed`);
      // ...and it loads strictly (into a model built from another seed).
      torch.manualSeed(s.seed + 100);
      const m2 = build({ weights: join(dir, `${s.name}.pth`), ...s.kwargs }) as InstanceType<typeof det.GeneralizedRCNN>;
      assert.ok(m2.stateDict()[Object.keys(sd)[0]!]!.equal(ckpt[Object.keys(sd)[0]!]!), `${what}: checkpoint loaded through weights: FILE`);
      m.loadStateDict(ckpt, { strict: true });

      m.eval();
      torch.noGrad(() => {
        const props = m.proposals(imgs);
        props.forEach((p, i) => assertClose(p, P[`${s.name}_prop${i}`]!, { atol: 1e-4, rtol: 0, what: `${what}: RPN proposals of image ${i}` }));
        const out = m.call(imgs) as Record<string, T>[];
        out.forEach((o, i) => {
          const pyKeys = Object.keys(P).filter((k) => k.startsWith(`${s.name}_det${i}_`)).map((k) => k.slice(`${s.name}_det${i}_`.length));
          const ours = Object.keys(o).map((k) => (k === 'keypointsScores' ? 'keypoints_scores' : k));
          assert.deepEqual(ours.sort(), pyKeys.sort(), `${what}: output keys of image ${i}`);
          assert.ok(o.boxes!.shape[0]! > 0, `${what}: detections with boxScoreThresh 0`);
          for (const k of Object.keys(o)) {
            const ref = P[`${s.name}_det${i}_${k === 'keypointsScores' ? 'keypoints_scores' : k}`]!;
            if (k === 'labels') assert.ok(o[k]!.equal(ref), `${what}: labels of image ${i}`);
            else assertClose(o[k]!, ref, { atol: 1e-4, rtol: 0, what: `${what}: ${k} of image ${i}` });
          }
        });
      });

      if (s.train) {
        m.train();
        torch.manualSeed(s.seed + 1);
        const losses = m.call(imgs, targets(s.name, imgs)) as Record<string, T>;
        assert.deepEqual(Object.keys(losses), py.json[s.name].loss_keys, `${what}: loss names`);
        for (const [k, v] of Object.entries(losses)) assertClose(v.detach(), P[`${s.name}_loss_${k}`]!, { atol: 1e-5, rtol: 1e-4, what: `${what}: ${k}` });
        let total = torch.zeros([]);
        for (const v of Object.values(losses)) total = total.add(v);
        total.backward();
        const named = m.namedParameters().filter(([, p]) => p.grad !== null);
        assert.deepEqual(named.map(([k]) => k), py.json[s.name].grad_names, `${what}: parameters with gradients`);
        const scale = Math.max(...named.map(([k]) => P[`${s.name}_grad_${k}`]?.abs().max().item() ?? 0));
        const bad: string[] = [];
        for (const [k, p] of named) {
          const full = P[`${s.name}_grad_${k}`];
          try {
            if (full) assertClose(p.grad!, full, { atol: 1e-5 * scale, rtol: 1e-3, what: k });
            else assertClose(p.grad!.double().abs().sum(), P[`${s.name}_gabs_${k}`]!, { atol: 0, rtol: 1e-4, what: `${k} (sum |grad|)` });
          } catch (e) { bad.push((e as Error).message); }
        }
        assert.deepEqual(bad, [], `${what}: gradients that differ from torchvision's`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const SMALL = { minSize: 160, maxSize: 224, boxScoreThresh: 0 };
const SMALL_PY = 'min_size=160, max_size=224, box_score_thresh=0.0';

test('Faster R-CNN MobileNetV3 320, Mask R-CNN and Keypoint R-CNN equal torchvision: checkpoint, eval on photos, one training step (Keypoint R-CNN\'s with TSTORCH_HEAVY_TESTS)', () => {
  runSpecs([
    { name: 'fasterrcnn_mobilenet_v3_large_320_fpn', seed: 1, kwargs: { boxScoreThresh: 0 }, pyKwargs: 'box_score_thresh=0.0', train: true },
    { name: 'maskrcnn_resnet50_fpn', seed: 2, kwargs: { ...SMALL, boxBatchSizePerImage: 64 }, pyKwargs: SMALL_PY + ', box_batch_size_per_image=64', train: true },
    { name: 'keypointrcnn_resnet50_fpn', seed: 3, kwargs: { ...SMALL, boxBatchSizePerImage: 64 }, pyKwargs: SMALL_PY + ', box_batch_size_per_image=64', train: HEAVY },
  ]);
});

// TSTORCH_DET_SWEEP=name,... runs part of the sweep; TSTORCH_DET_SIZE=N runs it at minSize N (maxSize 4N/3).
test('every R-CNN builder at torchvision\'s default sizes (TSTORCH_HEAVY_TESTS=1)', { skip: !HEAVY }, () => {
  const names = process.env.TSTORCH_DET_SWEEP ? process.env.TSTORCH_DET_SWEEP.split(',') : Object.keys(BUILDERS);
  const size = Number(process.env.TSTORCH_DET_SIZE ?? 0);
  const kw = size > 0 ? { minSize: size, maxSize: Math.round(size * 4 / 3) } : {};
  const pyKw = size > 0 ? `, min_size=${size}, max_size=${Math.round(size * 4 / 3)}` : '';
  runSpecs(names.map((name, i) => ({ name, seed: 10 + i, kwargs: { boxScoreThresh: 0, ...kw }, pyKwargs: 'box_score_thresh=0.0' + pyKw, train: true })));
});

test('R-CNN builders: options as torchvision\'s, errors naming the argument', () => {
  assert.throws(() => det.fasterrcnn_mobilenet_v3_large_320_fpn({ weightsBackbone: null, boxScoreThreshold: 0.1 } as never), /unknown option 'boxScoreThreshold'/);
  assert.throws(() => det.fasterrcnn_mobilenet_v3_large_320_fpn({ weights: 'COCO_V1', numClasses: 3 }), /'numClasses' expected value 91 but got 3/);
  assert.throws(() => det.fasterrcnn_mobilenet_v3_large_320_fpn({ weights: 'COCO_V2' }), /has no weights 'COCO_V2'/);
  const m = det.fasterrcnn_mobilenet_v3_large_320_fpn({ weightsBackbone: null, numClasses: 5 });
  assert.equal((m.roi_heads.box_predictor as InstanceType<typeof det.FastRCNNPredictor>).cls_score.outFeatures, 5);
  m.train();
  assert.throws(() => m.call([torch.rand([3, 64, 64])]), /targets should not be none/);
  assert.throws(() => m.call([torch.rand([3, 64, 64])], [{ boxes: torch.tensor([[10, 10, 5, 20]]), labels: torch.tensor([1], { dtype: 'int64' }) }]),
    /positive height and width\. Found invalid box \[50, 50, 25, 100\] for target at index 0/);
  assert.throws(() => m.call([torch.rand([3, 64, 64])], [{ boxes: torch.tensor([10, 10, 5, 20]), labels: torch.tensor([1], { dtype: 'int64' }) }]),
    /shape \[N, 4\]/);
  assert.throws(() => new det.FasterRCNN(new torch.nn.ReLU(), { numClasses: 3 }), /outChannels/);
  assert.throws(() => new det.FasterRCNN(new torch.nn.Conv2d(3, 4, 1)), /numClasses should not be None/);
});
