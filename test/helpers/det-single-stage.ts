// Parity of a single-stage detector (RetinaNet, FCOS, SSD, SSDlite) with torchvision's, in one Python run:
// torchvision builds the model from a seed (weights=None, weights_backbone=None) and saves its state dict;
// tstorch builds its own, checks keys and shapes, loads the file with strict: true; then both run eval on two
// real photos of different sizes (detections compared) and one training step on the same targets (the loss
// dict, every gradient and every buffer after the step compared).
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as torch from '../../src/index.js';
import * as vision from '../../src/vision/index.js';
import type { Module } from '../../src/nn/index.js';
import { runPython, assertClose } from './pytorch.js';
import { PY_GRADIENTS_AND_BUFFERS, assertGradientsAndBuffersMatch } from './train-parity.js';

const here = dirname(fileURLToPath(import.meta.url));
export const hymenoptera = [process.env.TSTORCH_DATA, resolve(here, '..', '..', '..', 'shared', 'data')]
  .filter((r): r is string => r !== undefined).map((r) => join(r, 'hymenoptera_data', 'val')).find((p) => existsSync(p));

/** hymenoptera_data/val ($TSTORCH_DATA or ../shared/data). */
export function photosDir(): string {
  assert.ok(hymenoptera, 'hymenoptera_data/val not found under $TSTORCH_DATA or ../shared/data');
  return hymenoptera;
}

/** Two real photos as float [3, H, W] in [0, 1]: an ant (375x500) and a bee cropped to 300x260. */
export function photos(): torch.Tensor[] {
  assert.ok(hymenoptera, 'hymenoptera_data/val not found under $TSTORCH_DATA or ../shared/data');
  const ant = vision.io.readImage(join(hymenoptera, 'ants', '10308379_1b6c72e180.jpg')).float().div(255);
  const bee = vision.io.readImage(join(hymenoptera, 'bees', '1032546534_06907fe3b3.jpg')).float().div(255).index(':', ':300', ':260').contiguous();
  return [ant, bee];
}

/** Training targets on the two photos: boxes in their pixels, COCO-style labels. */
export function targets(): { boxes: torch.Tensor; labels: torch.Tensor }[] {
  return [
    { boxes: torch.tensor([[50, 60, 200, 250], [220, 40, 400, 300], [10, 10, 60, 50]]), labels: torch.tensor([1, 5, 18], { dtype: 'int64' }) },
    { boxes: torch.tensor([[20, 30, 150, 180]]), labels: torch.tensor([3], { dtype: 'int64' }) },
  ];
}

export interface SingleStageParitySpec {
  /** Python expression building the model from `D` (torchvision.models.detection). */
  pyBuild: string;
  /** Builds the same architecture in tstorch. */
  build: () => Module;
  seed: number;
  stepSeed: number;
  /** How many of the best detections per image to compare (all when omitted). */
  topDetections?: number;
}

const CODE = String.raw`
import torchvision.models.detection as D
s = J
torch.manual_seed(s['seed'])
m = eval(s['build'])
sd = m.state_dict()
torch.save(sd, s['ckpt'])
keys = [[k, list(v.shape)] for k, v in sd.items()]
m.eval()
imgs = [T['img0'], T['img1']]
with torch.no_grad():
    dets = m(imgs)
for i, d in enumerate(dets):
    for k in ['boxes', 'scores', 'labels']:
        OUT[f'e{i}_{k}'] = d[k]
m.train()
torch.manual_seed(s['stepSeed'])
targets = [{'boxes': T['tb0'], 'labels': T['tl0']}, {'boxes': T['tb1'], 'labels': T['tl1']}]
losses = m(imgs, targets)
for k, v in losses.items():
    OUT['loss_' + k] = v.detach()
total = sum(losses.values())
total.backward()
${PY_GRADIENTS_AND_BUFFERS}
OUT_J = {'keys': keys, 'losses': list(losses.keys()), 'params': names, 'buffers': bnames, 'repr': str(m)}
`;

export interface SingleStageParityReport {
  numKeys: number;
  detections: number[];
  maxDetectionDiff: number;
  losses: Record<string, [number, number]>;
}

/** Runs the whole comparison; returns a summary for the test's log. */
export function assertSingleStageParity(name: string, spec: SingleStageParitySpec): SingleStageParityReport {
  const dir = mkdtempSync(join(tmpdir(), 'tstorch-det-'));
  try {
    const ckpt = join(dir, 'model.pth');
    const imgs = photos();
    const tg = targets();
    const ref = runPython(CODE, {
      tensors: { img0: imgs[0]!, img1: imgs[1]!, tb0: tg[0]!.boxes, tl0: tg[0]!.labels, tb1: tg[1]!.boxes, tl1: tg[1]!.labels },
      json: { build: spec.pyBuild, seed: spec.seed, stepSeed: spec.stepSeed, ckpt },
    }, { timeoutMs: 600_000 });

    torch.manualSeed(spec.seed);
    const m = spec.build();
    // state dict: the same keys in the same order with the same shapes, and torchvision's file loads strictly
    const ours = Object.entries(m.stateDict()).map(([k, v]) => [k, [...v.shape]]);
    assert.deepEqual(ours, ref.json.keys, `${name}: state-dict keys and shapes`);
    m.loadStateDict(torch.load(ckpt) as Record<string, torch.Tensor>, { strict: true });
    assert.equal(String(m), ref.json.repr, `${name}: printed model`);

    // eval on two photos of different sizes
    m.eval();
    const dets = torch.noGrad(() => m.call(imgs)) as { boxes: torch.Tensor; scores: torch.Tensor; labels: torch.Tensor }[];
    let maxDiff = 0;
    const counts: number[] = [];
    dets.forEach((d, i) => {
      const eb = ref.tensors[`e${i}_boxes`]!;
      assert.equal(d.boxes.shape[0], eb.shape[0], `${name}: number of detections in image ${i}`);
      const n = Math.min(spec.topDetections ?? eb.shape[0]!, eb.shape[0]!);
      counts.push(eb.shape[0]!);
      for (const k of ['boxes', 'scores', 'labels'] as const) {
        const a = d[k].slice(0, 0, n);
        const e = ref.tensors[`e${i}_${k}`]!.slice(0, 0, n);
        if (k === 'labels') assert.deepEqual(a.toArray(), e.toArray(), `${name}: labels of the ${n} best detections in image ${i}`);
        else {
          assertClose(a, e, { atol: 1e-4, rtol: 0, what: `${name}: ${k} of the ${n} best detections in image ${i}` });
          if (n > 0) maxDiff = Math.max(maxDiff, a.sub(e).abs().max().item());
        }
      }
    });

    // one training step
    m.train();
    torch.manualSeed(spec.stepSeed);
    const losses = m.call(imgs, tg) as Record<string, torch.Tensor>;
    assert.deepEqual(Object.keys(losses), ref.json.losses, `${name}: loss names`);
    const report: Record<string, [number, number]> = {};
    for (const k of Object.keys(losses)) {
      assertClose(losses[k]!.detach(), ref.tensors[`loss_${k}`]!, { atol: 1e-6, rtol: 1e-4, what: `${name}: loss ${k}` });
      report[k] = [losses[k]!.item(), ref.tensors[`loss_${k}`]!.item()];
    }
    let total = Object.values(losses)[0]!;
    for (const v of Object.values(losses).slice(1)) total = total.add(v);
    total.backward();
    assertGradientsAndBuffersMatch(m, ref as never, name);
    return { numKeys: ours.length, detections: counts, maxDetectionDiff: maxDiff, losses: report };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
