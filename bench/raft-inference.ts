// RAFT inference on an image pair, tstorch vs PyTorch side by side in one run: eval mode under inferenceMode,
// the same thread count, random weights, a random 520 x 960 pair (torchvision's optical-flow example size),
// 12 flow updates. The sides alternate round by round (a fresh PyTorch process each round); the report gives
// median wall and process CPU times per forward pass (on this shared machine the CPU time at one thread is the
// steadier measure of the work) and the minor page faults per pass (memory paged in afresh rather than reused).
//
//   node --import tsx bench/raft-inference.ts [--model raft_small] [--height 520] [--width 960] [--updates 12]
//       [--rounds 3] [--iters 2] [--warmup 1] [--threads 1]
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
  model: { type: 'string', default: 'raft_small', help: 'raft_small or raft_large' },
  height: { type: 'number', default: 520, help: 'image height (multiple of 8)' },
  width: { type: 'number', default: 960, help: 'image width (multiple of 8)' },
  updates: { type: 'number', default: 12, help: 'flow updates' },
  rounds: { type: 'number', default: 3, help: 'alternations of tstorch and PyTorch' },
  iters: { type: 'number', default: 2, help: 'timed forward passes per round' },
  warmup: { type: 'number', default: 1, help: 'untimed forward passes first, each round' },
  threads: { type: 'number', default: 1, help: 'intra-op threads for both' },
  out: { type: 'string', default: 'bench/out/raft-inference.json', help: 'JSON report', path: 'outFile' },
}, 'raft-inference');
torch.setNumThreads(a.threads);
const load0 = loadavg()[0]!;
torch.manualSeed(0);
const model = getModel(a.model!, { weights: null }).eval();
const x1 = torch.rand([1, 3, a.height, a.width]).mul(2).sub(1);
const x2 = torch.rand([1, 3, a.height, a.width]).mul(2).sub(1);
const r = { ts: [] as number[], py: [] as number[], tsCpu: [] as number[], pyCpu: [] as number[], tsFaults: [] as number[], pyFaults: [] as number[] };
const run = (): void => torch.inferenceMode(() => torch.tidy(() => { model.call(x1, x2, a.updates); }));
for (let round = 0; round < a.rounds; round++) {
  for (let w = 0; w < a.warmup; w++) run();
  for (let it = 0; it < a.iters; it++) {
    const r0 = process.resourceUsage();
    const t0 = performance.now();
    run();
    r.ts.push(performance.now() - t0);
    const r1 = process.resourceUsage();
    r.tsCpu.push((r1.userCPUTime + r1.systemCPUTime - r0.userCPUTime - r0.systemCPUTime) / 1000);
    r.tsFaults.push(r1.minorPageFault - r0.minorPageFault);
  }
  const py = spawnSync(PYTHON, ['bench/pytorch/raft_inference.py', '--model', a.model!, '--height', String(a.height), '--width', String(a.width),
    '--updates', String(a.updates), '--iters', String(a.iters), '--warmup', String(a.warmup), '--threads', String(a.threads)], { encoding: 'utf8' });
  if (py.status !== 0) throw new Error(`PyTorch side failed:\n${py.stderr}`);
  const j = JSON.parse(py.stdout) as { times_ms: number[]; cpu_ms: number[]; minflt: number[] };
  r.py.push(...j.times_ms);
  r.pyCpu.push(...j.cpu_ms);
  r.pyFaults.push(...j.minflt);
  console.error(`round ${round + 1}/${a.rounds}: median ms tstorch ${median(r.ts).toFixed(0)}, PyTorch ${median(r.py).toFixed(0)}; CPU ms ${median(r.tsCpu).toFixed(0)} / ${median(r.pyCpu).toFixed(0)}`);
}
const load1 = loadavg()[0]!;
const report = {
  model: a.model, height: a.height, width: a.width, updates: a.updates, threads: a.threads,
  tstorchMedianMs: median(r.ts), pytorchMedianMs: median(r.py), tstorchCpuMs: median(r.tsCpu), pytorchCpuMs: median(r.pyCpu),
  ratio: median(r.py) / median(r.ts), cpuRatio: median(r.pyCpu) / median(r.tsCpu),
  tstorchMinMs: Math.min(...r.ts), pytorchMinMs: Math.min(...r.py), tstorchMinCpuMs: Math.min(...r.tsCpu), pytorchMinCpuMs: Math.min(...r.pyCpu),
  tstorchPageFaults: median(r.tsFaults), pytorchPageFaults: median(r.pyFaults),
  samples: r,
};
const command = `node --import tsx bench/raft-inference.ts ${process.argv.slice(2).join(' ')}`.trim();
mkdirSync('bench/out', { recursive: true });
writeFileSync(a.out!, JSON.stringify({ command, loadavg: [load0, load1], ...report }, null, 2) + '\n');
console.log(`\`${command}\` (${a.threads} thread(s); ${a.rounds} alternating rounds of ${a.iters} timed passes after ${a.warmup} warm-up; ` +
  `1-min load average ${load0.toFixed(1)} at the start, ${load1.toFixed(1)} at the end)\n`);
console.log('| model | pair | updates | wall ms tstorch / PyTorch (median) | ratio | min wall ms | CPU ms tstorch / PyTorch (median) | CPU ratio | min CPU ms | page faults per pass |');
console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
console.log(`| ${a.model} | ${a.height}x${a.width} | ${a.updates} | ${report.tstorchMedianMs.toFixed(0)} / ${report.pytorchMedianMs.toFixed(0)} | ${report.ratio.toFixed(2)} | ` +
  `${report.tstorchMinMs.toFixed(0)} / ${report.pytorchMinMs.toFixed(0)} | ` +
  `${report.tstorchCpuMs.toFixed(0)} / ${report.pytorchCpuMs.toFixed(0)} | ${report.cpuRatio.toFixed(2)} | ` +
  `${report.tstorchMinCpuMs.toFixed(0)} / ${report.pytorchMinCpuMs.toFixed(0)} | ${report.tstorchPageFaults.toFixed(0)} / ${report.pytorchPageFaults.toFixed(0)} |`);
console.log('\n(ratio: PyTorch time / tstorch time; above 1, tstorch is faster)');
