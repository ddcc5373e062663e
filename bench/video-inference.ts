// Inference time of the video models, tstorch vs PyTorch side by side in one run: eval mode under
// inferenceMode (PyTorch: eval() + torch.inference_mode()), the same thread count, random weights and a random
// clip [N, 3, 16, 112, 112] (R3D-18's Kinetics input). The sides alternate round by round (a fresh PyTorch
// process each round) because this shared machine's speed drifts; the report compares median wall times and
// median process CPU times per forward pass. On a machine shared with other work the wall time measures the
// neighbours as much as the code; with --threads 1 the CPU time is the steadier measure of the work done.
//
//   node --import tsx bench/video-inference.ts [--models r3d_18,mc3_18,r2plus1d_18] [--batch-sizes 1]
//       [--frames 16] [--size 112] [--rounds 3] [--iters 5] [--warmup 1] [--threads N]
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import * as torch from '../src/index.js';
import { parseArgs } from '../src/cli/args.js';
import { getModel } from '../src/vision/models/index.js';
import { median } from './stats.js';
import { mkdirSync as makeOutFolder } from 'node:fs';
makeOutFolder(new URL('./out/', import.meta.url), { recursive: true }); // the default --out folder (git ignores it)

const PYTHON = process.env.TSTORCH_PYTHON ?? '/usr/bin/python3';
const a = parseArgs(process.argv.slice(2), {
  models: { type: 'string', default: 'r3d_18', help: 'video models' },
  batchSizes: { type: 'string', default: '1', help: 'clips per forward pass' },
  frames: { type: 'number', default: 16, help: 'frames per clip' },
  size: { type: 'number', default: 112, help: 'frame height and width' },
  rounds: { type: 'number', default: 3, help: 'alternations of tstorch and PyTorch per model' },
  iters: { type: 'number', default: 5, help: 'timed forward passes per round' },
  warmup: { type: 'number', default: 1, help: 'untimed forward passes first, each round' },
  threads: { type: 'number', default: 0, help: 'intra-op threads for both (0: tstorch default, all cores)' },
  out: { type: 'string', default: 'bench/out/video-inference.json', help: 'JSON report', path: 'outFile' },
}, 'video-inference');
if (a.threads > 0) torch.setNumThreads(a.threads);
const threads = torch.getNumThreads();
const models = a.models!.split(',');
const batches = a.batchSizes!.split(',').map(Number);
const load0 = loadavg()[0]!;

interface Row { model: string; batch: number; tstorch: number[]; pytorch: number[]; tstorchCpu: number[]; pytorchCpu: number[] }
const rows: Row[] = [];
torch.manualSeed(0);
for (const name of models) {
  const model = getModel(name, { weights: null }).eval();
  const mine: Row[] = batches.map((bs) => ({ model: name, batch: bs, tstorch: [], pytorch: [], tstorchCpu: [], pytorchCpu: [] }));
  rows.push(...mine);
  const inputs = batches.map((bs) => torch.randn([bs, 3, a.frames, a.size, a.size]));
  for (let round = 0; round < a.rounds; round++) {
    batches.forEach((bs, i) => {
      const run = (): void => torch.inferenceMode(() => torch.tidy(() => { model.call(inputs[i]!); }));
      for (let w = 0; w < a.warmup; w++) run();
      for (let it = 0; it < a.iters; it++) {
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        run();
        mine[i]!.tstorch.push(performance.now() - t0);
        const c = process.cpuUsage(c0);
        mine[i]!.tstorchCpu.push((c.user + c.system) / 1000);
      }
    });
    const py = spawnSync(PYTHON, ['bench/pytorch/video_inference.py', '--models', name, '--batch-sizes', a.batchSizes!,
      '--frames', String(a.frames), '--size', String(a.size), '--iters', String(a.iters), '--warmup', String(a.warmup),
      '--threads', String(threads)], { encoding: 'utf8' });
    if (py.status !== 0) throw new Error(`PyTorch side failed:\n${py.stderr}`);
    for (const l of py.stdout.split('\n').filter((l) => l.trim())) {
      const r = JSON.parse(l) as { batch: number; times_ms: number[]; cpu_ms: number[] };
      const m = mine.find((x) => x.batch === r.batch)!;
      m.pytorch.push(...r.times_ms);
      m.pytorchCpu.push(...r.cpu_ms);
    }
    for (const m of mine) {
      console.error(`round ${round + 1}/${a.rounds} ${name} batch ${m.batch}: median ms so far tstorch ` +
        `${median(m.tstorch).toFixed(1)}, PyTorch ${median(m.pytorch).toFixed(1)}`);
    }
  }
  for (const x of inputs) x.dispose();
}

const load1 = loadavg()[0]!;
const report = rows.map((r) => {
  const ts = median(r.tstorch);
  const pt = median(r.pytorch);
  return {
    model: r.model, batch: r.batch, frames: a.frames, size: a.size,
    tstorchMedianMs: ts, pytorchMedianMs: pt, tstorchMinMs: Math.min(...r.tstorch), pytorchMinMs: Math.min(...r.pytorch),
    tstorchClipsS: (r.batch * 1000) / ts, pytorchClipsS: (r.batch * 1000) / pt, ratio: pt / ts,
    tstorchCpuMs: median(r.tstorchCpu), pytorchCpuMs: median(r.pytorchCpu), cpuRatio: median(r.pytorchCpu) / median(r.tstorchCpu),
  };
});
const command = `node --import tsx bench/video-inference.ts ${process.argv.slice(2).join(' ')}`.trim();
mkdirSync('bench/out', { recursive: true });
writeFileSync(a.out!, JSON.stringify({ command, threads, rounds: a.rounds, iters: a.iters, warmup: a.warmup, loadavg: [load0, load1], rows: report }, null, 2) + '\n');
console.log(`\`${command}\` (${threads} thread(s); ${a.rounds} alternating rounds of ${a.iters} timed passes after ${a.warmup} warm-up; ` +
  `1-min load average ${load0.toFixed(1)} at the start, ${load1.toFixed(1)} at the end)\n`);
console.log('| model | clip | batch | wall ms tstorch / PyTorch (median) | ratio | min wall ms tstorch / PyTorch | CPU ms tstorch / PyTorch (median) | CPU ratio |');
console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const r of report) {
  console.log(`| ${r.model} | ${r.frames}x${r.size}x${r.size} | ${r.batch} | ${r.tstorchMedianMs.toFixed(0)} / ${r.pytorchMedianMs.toFixed(0)} | ` +
    `${r.ratio.toFixed(2)} | ${r.tstorchMinMs.toFixed(0)} / ${r.pytorchMinMs.toFixed(0)} | ${r.tstorchCpuMs.toFixed(0)} / ${r.pytorchCpuMs.toFixed(0)} | ${r.cpuRatio.toFixed(2)} |`);
}
console.log('\n(ratio: PyTorch time / tstorch time; above 1, tstorch is faster)');
