// Where the time of one inference pass goes, operator by operator, in tstorch and in PyTorch: both sides run the
// same model (seed 0, random weights, eval, inference mode, the same photo) once under libtorch's RecordFunction
// hooks (tstorch: autograd.profileOps, src/native/profiler.cc; PyTorch: torch.autograd.profiler.profile) and
// print per-operator self time side by side, largest difference first. Also the wall time of unprofiled passes
// and the time outside any operator (JavaScript / Python, allocation), which is wall time minus the top-level
// operators' inclusive time.
//
//   node --import tsx bench/op-profile.ts --model fasterrcnn_resnet50_fpn --kind detection [--threads 1] [--top 25]
//   node --import tsx bench/op-profile.ts --model deeplabv3_resnet50 --kind segmentation
//   node --import tsx bench/op-profile.ts --model raft_small --kind raft [--height 520 --width 960 --updates 12]
//   node --import tsx bench/op-profile.ts --model swin_t --kind classification [--batch 8]
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as torch from '../src/index.js';
import * as vision from '../src/vision/index.js';
import { parseArgs } from '../src/cli/args.js';
import { getModel, getModelWeights } from '../src/vision/models/index.js';
import type { SemanticSegmentation } from '../src/vision/models/segmentation/preset.js';
import { openImageSync } from '../src/vision/io/index.js';
import { profileOps, type OpTotals } from '../src/autograd/op-profiler.js';
import { median } from './stats.js';

const PYTHON = process.env.TSTORCH_PYTHON ?? '/usr/bin/python3';
const a = parseArgs(process.argv.slice(2), {
  model: { type: 'string', default: 'fasterrcnn_resnet50_fpn', help: 'a detection or segmentation model' },
  kind: { type: 'string', default: 'detection', help: 'detection | segmentation | raft | classification' },
  photo: { type: 'string', help: 'the photo (default: hymenoptera val/ants/10308379_1b6c72e180.jpg)' },
  threads: { type: 'number', default: 1, help: 'intra-op threads for both' },
  passes: { type: 'number', default: 2, help: 'unprofiled timed passes per side' },
  top: { type: 'number', default: 25, help: 'operators to list' },
  height: { type: 'number', default: 520, help: 'raft: image height (multiple of 8)' },
  width: { type: 'number', default: 960, help: 'raft: image width (multiple of 8)' },
  updates: { type: 'number', default: 12, help: 'raft: flow updates' },
  batch: { type: 'number', default: 1, help: 'classification: batch size (224-px random images)' },
}, 'op-profile');
const photo = a.photo ?? [process.env.TSTORCH_DATA, '../shared/data'].filter((d): d is string => !!d)
  .map((d) => join(d, 'hymenoptera_data', 'val', 'ants', '10308379_1b6c72e180.jpg')).find((p) => existsSync(p));
if (!photo) throw new Error('no photo: pass --photo FILE or set $TSTORCH_DATA');
if (!['detection', 'segmentation', 'raft', 'classification'].includes(a.kind!)) {
  throw new Error(`--kind must be detection, segmentation, raft or classification, got ${a.kind}`);
}
torch.setNumThreads(a.threads);

torch.manualSeed(0);
let run: () => void;
if (a.kind === 'detection') {
  const model = vision.models.getModelBuilder(a.model!)({ weights: null, weightsBackbone: null }) as torch.nn.Module;
  model.eval();
  const img = vision.io.readImage(photo, 'RGB').float().div(255);
  run = () => torch.inferenceMode(() => torch.tidy(() => { model.call([img]); }));
} else if (a.kind === 'raft') {
  // the pair of bench/raft-inference.ts: random images in [-1, 1] drawn after the weights (seed 0 on both sides)
  const model = getModel(a.model!, { weights: null }).eval();
  const x1 = torch.rand([1, 3, a.height!, a.width!]).mul(2).sub(1);
  const x2 = torch.rand([1, 3, a.height!, a.width!]).mul(2).sub(1);
  run = () => torch.inferenceMode(() => torch.tidy(() => { model.call(x1, x2, a.updates); }));
} else if (a.kind === 'classification') {
  const model = getModel(a.model!, { weights: null }).eval();
  const x = torch.rand([a.batch!, 3, 224, 224]);
  run = () => torch.inferenceMode(() => torch.tidy(() => { model.call(x); }));
} else {
  const model = getModel(a.model!, { weights: null, weightsBackbone: null }).eval();
  const preset = getModelWeights(a.model!).DEFAULT.transforms() as SemanticSegmentation;
  const x = (preset.call(openImageSync(photo, { mode: 'RGB' })) as torch.Tensor).unsqueeze(0);
  run = () => torch.inferenceMode(() => torch.tidy(() => { model.call(x); }));
}
run();
const wall: number[] = [];
for (let i = 0; i < a.passes; i++) {
  const t0 = performance.now();
  run();
  wall.push(performance.now() - t0);
}
const t0 = performance.now();
const { ops } = profileOps(run);
const profiled = performance.now() - t0;

const py = spawnSync(PYTHON, ['bench/pytorch/op_profile.py', '--model', a.model!, '--kind', a.kind!, '--photo', photo,
  '--threads', String(a.threads), '--passes', String(a.passes), '--height', String(a.height), '--width', String(a.width),
  '--updates', String(a.updates), '--batch', String(a.batch)], { encoding: 'utf8', maxBuffer: 1 << 26 });
if (py.status !== 0) throw new Error(`PyTorch side failed:\n${py.stderr}`);
const theirs = JSON.parse(py.stdout.trim().split('\n').pop()!) as { wallMs: number[]; profiledMs: number; ops: OpTotals[] };

const sum = (rows: OpTotals[]): number => rows.reduce((s, r) => s + r.selfMs, 0);
console.log(`${a.model}, ${a.threads} thread(s): unprofiled pass median ${median(wall).toFixed(0)} ms tstorch, ` +
  `${median(theirs.wallMs).toFixed(0)} ms PyTorch; profiled pass ${profiled.toFixed(0)} / ${theirs.profiledMs.toFixed(0)} ms; ` +
  `sum of operator self times ${sum(ops).toFixed(0)} / ${sum(theirs.ops).toFixed(0)} ms; outside operators ` +
  `${(profiled - sum(ops)).toFixed(0)} / ${(theirs.profiledMs - sum(theirs.ops)).toFixed(0)} ms\n`);
const byName = new Map<string, { t?: OpTotals; p?: OpTotals }>();
for (const o of ops) byName.set(o.name, { t: o });
for (const o of theirs.ops) byName.set(o.name, { ...byName.get(o.name), p: o });
const rows = [...byName.entries()].map(([name, { t, p }]) => ({ name, t, p, diff: (t?.selfMs ?? 0) - (p?.selfMs ?? 0) }));
rows.sort((x, y) => Math.abs(y.diff) - Math.abs(x.diff));
console.log('| operator | calls tstorch / PyTorch | self ms tstorch | self ms PyTorch | difference ms |');
console.log('| --- | ---: | ---: | ---: | ---: |');
for (const r of rows.slice(0, a.top)) {
  console.log(`| ${r.name} | ${r.t?.calls ?? 0} / ${r.p?.calls ?? 0} | ${(r.t?.selfMs ?? 0).toFixed(1)} | ${(r.p?.selfMs ?? 0).toFixed(1)} | ${r.diff.toFixed(1)} |`);
}
