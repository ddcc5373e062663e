// The single-stage detectors against torchvision's, side by side in one run with the same weights (tstorch
// saves its seeded model, torchvision loads the file) on the same photo: eval at batch 1 of RetinaNet and FCOS
// at torchvision's default size (an 800-px short side), SSD300 and SSDlite320, and a training step of SSDlite
// at batch 2. Rounds alternate between the two sides; each side reports the median time of its round, the table
// the median of rounds. The machine's load matters: note `uptime` beside the numbers.
//
//   node --import tsx bench/detection-single-stage.ts [--rounds 3] [--iters 3] [--threads 2] [--cases retinanet,ssdlite]
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as torch from '../src/index.js';
import * as vision from '../src/vision/index.js';
import type { Module } from '../src/nn/index.js';
import { retinanet_resnet50_fpn } from '../src/vision/models/detection/retinanet.js';
import { fcos_resnet50_fpn } from '../src/vision/models/detection/fcos.js';
import { ssd300_vgg16 } from '../src/vision/models/detection/ssd.js';
import { ssdlite320_mobilenet_v3_large } from '../src/vision/models/detection/ssdlite.js';
import { median } from './stats.js';

const PYTHON = process.env.TSTORCH_PYTHON ?? '/usr/bin/python3';
const arg = (name: string, def: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : def;
};
const rounds = Number(arg('rounds', '3'));
const iters = Number(arg('iters', '3'));
const threads = Number(arg('threads', '2'));
const only = arg('cases', '').split(',').filter(Boolean);

const data = [process.env.TSTORCH_DATA, resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..', 'shared', 'data')]
  .filter((r): r is string => r !== undefined).find((r) => existsSync(join(r, 'hymenoptera_data')));
if (!data) throw new Error('hymenoptera_data not found under $TSTORCH_DATA or ../shared/data');
const photo = vision.io.readImage(join(data, 'hymenoptera_data', 'val', 'ants', '10308379_1b6c72e180.jpg')).float().div(255);

interface Case { name: string; key: string; builder: string; kind: 'eval' | 'train'; build: () => Module; pyKwargs: Record<string, unknown> }
const cases: Case[] = ([
  { name: 'retinanet_resnet50_fpn eval 800px b1', key: 'retinanet', builder: 'retinanet_resnet50_fpn', kind: 'eval', build: () => retinanet_resnet50_fpn({ weightsBackbone: null }), pyKwargs: {} },
  { name: 'fcos_resnet50_fpn eval 800px b1', key: 'fcos', builder: 'fcos_resnet50_fpn', kind: 'eval', build: () => fcos_resnet50_fpn({ weightsBackbone: null }), pyKwargs: {} },
  { name: 'ssd300_vgg16 eval b1', key: 'ssd', builder: 'ssd300_vgg16', kind: 'eval', build: () => ssd300_vgg16({ weightsBackbone: null }), pyKwargs: {} },
  { name: 'ssdlite320 eval b1', key: 'ssdlite', builder: 'ssdlite320_mobilenet_v3_large', kind: 'eval', build: () => ssdlite320_mobilenet_v3_large({ weightsBackbone: null }), pyKwargs: {} },
  { name: 'ssdlite320 train step b2', key: 'ssdlite-train', builder: 'ssdlite320_mobilenet_v3_large', kind: 'train', build: () => ssdlite320_mobilenet_v3_large({ weightsBackbone: null }), pyKwargs: {} },
] as Case[]).filter((c) => only.length === 0 || only.includes(c.key));

const dir = mkdtempSync(join(tmpdir(), 'tstorch-bench-det-'));
torch.manualSeed(0);
const models = new Map<string, Module>();
for (const c of cases) {
  if (!models.has(c.builder)) {
    const m = c.build();
    torch.save(m.stateDict(), join(dir, `${c.builder}.pth`));
    models.set(c.builder, m);
  }
}
writeFileSync(join(dir, 'photo.bin'), photo.contiguous().toBytes());
writeFileSync(join(dir, 'meta.json'), JSON.stringify({ photo: photo.shape, cases: cases.map(({ name, builder, kind, pyKwargs }) => ({ name, builder, kind, pyKwargs })) }));

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

const targets = [0, 1].map(() => ({ boxes: torch.tensor([[50, 60, 200, 250], [220, 40, 400, 300]]), labels: torch.tensor([1, 5], { dtype: 'int64' }) }));
function tstorchRound(): Record<string, number> {
  torch.setNumThreads(threads);
  const out: Record<string, number> = {};
  for (const c of cases) {
    const m = models.get(c.builder)!;
    if (c.kind === 'eval') {
      m.eval();
      out[c.name] = timed(() => { torch.noGrad(() => m.call([photo])); });
    } else {
      m.train();
      out[c.name] = timed(() => {
        m.zeroGrad();
        const losses = m.call([photo, photo], targets) as Record<string, torch.Tensor>;
        Object.values(losses).reduce((a, b) => a.add(b)).backward();
      });
    }
  }
  return out;
}

function pytorchRound(): Record<string, number> {
  const script = fileURLToPath(new URL('./pytorch/detection_single_stage.py', import.meta.url));
  return JSON.parse(execFileSync(PYTHON, [script, dir, String(threads), String(iters)], { encoding: 'utf8' })) as Record<string, number>;
}

const load = loadavg().map((v) => v.toFixed(2)).join(', ');
console.log(`load average at start: ${load}; threads ${threads}, ${rounds} rounds of ${iters} timed calls`);
const ts: Record<string, number[]> = {};
const py: Record<string, number[]> = {};
for (let r = 0; r < rounds; r++) {
  for (const side of r % 2 === 0 ? ['py', 'ts'] : ['ts', 'py']) {
    const res = side === 'py' ? pytorchRound() : tstorchRound();
    for (const [k, v] of Object.entries(res)) ((side === 'py' ? py : ts)[k] ??= []).push(v);
  }
}
const results = cases.map((c) => {
  const row = { case: c.name, tstorchMs: median(ts[c.name]!), pytorchMs: median(py[c.name]!), speedRatio: 0 };
  row.speedRatio = row.pytorchMs / row.tstorchMs;
  console.log(`${c.name.padEnd(38)} tstorch ${row.tstorchMs.toFixed(1).padStart(8)} ms   torchvision ${row.pytorchMs.toFixed(1).padStart(8)} ms   speed ratio ${row.speedRatio.toFixed(2)}`);
  return row;
});
console.log(`load average at end: ${loadavg().map((v) => v.toFixed(2)).join(', ')}`);
rmSync(dir, { recursive: true, force: true });
mkdirSync(fileURLToPath(new URL('./out/', import.meta.url)), { recursive: true });
writeFileSync(fileURLToPath(new URL('./out/detection-single-stage.json', import.meta.url)), JSON.stringify({ rounds, iters, threads, loadAtStart: load, results }, null, 2));
