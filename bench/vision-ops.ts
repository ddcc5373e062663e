// vision.ops' native kernels against torchvision's compiled CPU kernels, side by side in one run on the same
// inputs: nms of 10,000 boxes (sparse and crowded), roi_align of 1,000 RoIs on a stride-4 FPN level of an
// 800x1088 image (Faster R-CNN's box head: 7x7, sampling ratio 2), forward and backward. Rounds alternate between
// the two sides; each side reports the median time per call of its round, and the table the median of rounds.
//
//   node --import tsx bench/vision-ops.ts [--rounds 5] [--iters 20] [--threads 1,2]
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as torch from '../src/index.js';
import * as vision from '../src/vision/index.js';
import { median } from './stats.js';

const PYTHON = process.env.TSTORCH_PYTHON ?? '/usr/bin/python3';
const arg = (name: string, def: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : def;
};
const rounds = Number(arg('rounds', '5'));
const iters = Number(arg('iters', '20'));
const threadList = arg('threads', '1,2').split(',').map(Number);

torch.manualSeed(0);
/** n boxes in a size x size image with sides up to maxSide. */
function boxes(n: number, size: number, maxSide: number): torch.Tensor {
  const xy = torch.rand([n, 2]).mul(size);
  const wh = torch.rand([n, 2]).mul(maxSide).add(1);
  return torch.cat([xy, xy.add(wh)], 1);
}
const data: Record<string, torch.Tensor> = {
  sparseBoxes: boxes(10_000, 1000, 60), sparseScores: torch.rand([10_000]),
  crowdedBoxes: boxes(10_000, 300, 120), crowdedScores: torch.rand([10_000]),
  feature: torch.randn([1, 256, 200, 272]),
  rois: torch.cat([torch.zeros([1000, 1]), boxes(1000, 800, 300)], 1),
};
type Case = { name: string; kind: 'nms' | 'roi_align' | 'roi_align_backward'; [k: string]: unknown };
const cases: Case[] = [
  { name: 'nms 10k sparse (iou 0.5)', kind: 'nms', boxes: 'sparseBoxes', scores: 'sparseScores', iou: 0.5 },
  { name: 'nms 10k crowded (iou 0.7)', kind: 'nms', boxes: 'crowdedBoxes', scores: 'crowdedScores', iou: 0.7 },
  { name: 'roi_align 1k RoIs forward', kind: 'roi_align', input: 'feature', rois: 'rois', output: [7, 7], scale: 0.25, sampling: 2, aligned: false },
  { name: 'roi_align 1k RoIs backward', kind: 'roi_align_backward', input: 'feature', rois: 'rois', output: [7, 7], scale: 0.25, sampling: 2, aligned: false },
];

const dir = mkdtempSync(join(tmpdir(), 'tstorch-bench-ops-'));
const meta: Record<string, unknown> = { cases };
for (const [k, t] of Object.entries(data)) {
  writeFileSync(join(dir, `${k}.bin`), t.contiguous().toBytes());
  meta[k] = t.shape;
}
writeFileSync(join(dir, 'meta.json'), JSON.stringify(meta));

function timed(fn: () => void): number {
  torch.tidy(fn);
  const times: number[] = [];
  for (let i = 0; i < iters; i++) {
    const t0 = performance.now();
    torch.tidy(fn);
    times.push(performance.now() - t0);
  }
  return median(times);
}

function tstorchRound(threads: number): Record<string, number> {
  torch.setNumThreads(threads);
  const out: Record<string, number> = {};
  for (const c of cases) {
    if (c.kind === 'nms') {
      const b = data[c.boxes as string]!;
      const s = data[c.scores as string]!;
      out[c.name] = timed(() => { vision.ops.nms(b, s, c.iou as number); });
    } else {
      const opts = { spatialScale: c.scale as number, samplingRatio: c.sampling as number, aligned: c.aligned as boolean };
      const rois = data[c.rois as string]!;
      if (c.kind === 'roi_align') {
        out[c.name] = timed(() => { vision.ops.roiAlign(data[c.input as string]!, rois, c.output as number[], opts); });
      } else {
        const x = data[c.input as string]!.clone().requiresGrad_();
        const y = vision.ops.roiAlign(x, rois, c.output as number[], opts);
        const g = torch.onesLike(y);
        out[c.name] = timed(() => { torch.autograd.grad([y], [x], { gradOutputs: [g], retainGraph: true }); });
      }
    }
  }
  return out;
}

function pytorchRound(threads: number): Record<string, number> {
  const script = fileURLToPath(new URL('./pytorch/vision_ops.py', import.meta.url));
  return JSON.parse(execFileSync(PYTHON, [script, dir, String(threads), String(iters)], { encoding: 'utf8' })) as Record<string, number>;
}

// The two sides must compute the same thing before their speeds are compared: the same kept boxes, and roi_align
// outputs equal element for element (both at one thread).
torch.setNumThreads(1);
const check = runPythonCheck();
const keptSparse = vision.ops.nms(data.sparseBoxes!, data.sparseScores!, 0.5);
const keptCrowded = vision.ops.nms(data.crowdedBoxes!, data.crowdedScores!, 0.7);
const pooled = vision.ops.roiAlign(data.feature!, data.rois!, [7, 7], { spatialScale: 0.25, samplingRatio: 2 });
const same = JSON.stringify(keptSparse.toArray()) === JSON.stringify(check.sparse)
  && JSON.stringify(keptCrowded.toArray()) === JSON.stringify(check.crowded)
  && pooled.equal(torch.fromBytes(check.roi, pooled.shape, 'float32'));
console.log(`outputs equal torchvision's: ${same} (nms kept ${keptSparse.shape[0]} and ${keptCrowded.shape[0]} of 10,000 boxes)`);

function runPythonCheck(): { sparse: number[]; crowded: number[]; roi: Uint8Array } {
  const out = JSON.parse(execFileSync(PYTHON, ['-c', `
import json, sys, numpy as np, torch, torchvision
torch.set_num_threads(1)
d = sys.argv[1]; m = json.load(open(d + '/meta.json'))
L = lambda n: torch.from_numpy(np.fromfile(d + '/' + n + '.bin', dtype=np.float32).reshape(m[n]))
torchvision.ops.roi_align(L('feature'), L('rois'), (7, 7), 0.25, 2).numpy().tofile(d + '/roi_out.bin')
print(json.dumps({'sparse': torchvision.ops.nms(L('sparseBoxes'), L('sparseScores'), 0.5).tolist(),
  'crowded': torchvision.ops.nms(L('crowdedBoxes'), L('crowdedScores'), 0.7).tolist()}))`, dir], { encoding: 'utf8' }));
  return { ...out, roi: new Uint8Array(readFileSync(join(dir, 'roi_out.bin'))) };
}

const results: { threads: number; case: string; tstorchMs: number; pytorchMs: number; speedup: number }[] = [];
for (const threads of threadList) {
  const ts: Record<string, number[]> = {};
  const py: Record<string, number[]> = {};
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? ['py', 'ts'] : ['ts', 'py'];
    for (const side of order) {
      const res = side === 'py' ? pytorchRound(threads) : tstorchRound(threads);
      for (const [k, v] of Object.entries(res)) ((side === 'py' ? py : ts)[k] ??= []).push(v);
    }
  }
  for (const c of cases) {
    const row = { threads, case: c.name, tstorchMs: median(ts[c.name]!), pytorchMs: median(py[c.name]!), speedup: 0 };
    row.speedup = row.pytorchMs / row.tstorchMs;
    results.push(row);
    console.log(`threads ${threads} ${c.name.padEnd(28)} tstorch ${row.tstorchMs.toFixed(2).padStart(8)} ms   torchvision ${row.pytorchMs.toFixed(2).padStart(8)} ms   speed ratio ${row.speedup.toFixed(2)}`);
  }
}
rmSync(dir, { recursive: true, force: true });
mkdirSync(fileURLToPath(new URL('./out/', import.meta.url)), { recursive: true });
writeFileSync(fileURLToPath(new URL('./out/vision-ops.json', import.meta.url)), JSON.stringify({ rounds, iters, outputsEqual: same, results }, null, 2));
