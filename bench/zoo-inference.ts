// Inference throughput of zoo models, tstorch vs PyTorch side by side in one run: eval mode under
// inferenceMode (PyTorch: eval() + torch.inference_mode()), same thread count, random weights and a random
// input of the weights' crop size (Inception v3: 299), batch sizes 1 and 8.
//
// This machine is a shared VM whose speed drifts by 10-30 % over seconds, so the two sides alternate: each
// round times every batch size in tstorch and in the PyTorch process (tstorch first in even rounds, PyTorch
// first in odd ones), and the report compares the median forward-pass time of all rounds (img/s = batch / median time). The minimum is printed too. The PyTorch side is
// one process for the whole run, started before tstorch times anything, so neither side forks between its timed
// passes (bench/python-peer.ts: a spawn per round restarted tstorch's OpenBLAS pool and write-protected its heap).
//
// Matrix products (linear layers, attention) run in OpenBLAS, whose own thread pool (one thread per core) works
// beside libtorch's intra-op threads on both sides: torch.set_num_threads does not bound it, in PyTorch as in
// tstorch. `--blas-threads N` pins it on both sides (OPENBLAS_NUM_THREADS for PyTorch, torch.blas.setNumThreads
// for tstorch); the report gives both sides' OpenBLAS thread counts.
//
//   node --import tsx bench/zoo-inference.ts [--models resnet50,vgg13,...] [--batch-sizes 1,8] [--rounds 3]
//       [--iters 10] [--warmup 2] [--threads N] [--blas-threads N]
import { bothSides, PythonPeer } from './python-peer.js';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as torch from '../src/index.js';
import { parseArgs } from '../src/cli/args.js';
import { getModel } from '../src/vision/models/index.js';
import { defaultPreset } from '../src/train/pretrained.js';
import { median } from './stats.js';
import { mkdirSync as makeOutFolder } from 'node:fs';
makeOutFolder(new URL('./out/', import.meta.url), { recursive: true }); // the default --out folder (git ignores it)

const a = parseArgs(process.argv.slice(2), {
  models: { type: 'string', default: 'resnet50,vgg13,densenet121,mobilenet_v2,googlenet,inception_v3', help: 'models' },
  batchSizes: { type: 'string', default: '1,8', help: 'batch sizes' },
  rounds: { type: 'number', default: 3, help: 'alternations of tstorch and PyTorch per model' },
  iters: { type: 'number', default: 10, help: 'timed forward passes per round, model and batch size' },
  warmup: { type: 'number', default: 2, help: 'untimed forward passes first, each round' },
  threads: { type: 'number', default: 0, help: 'intra-op threads for both (0: tstorch default, all cores)' },
  blasThreads: { type: 'number', default: 0, help: "OpenBLAS's own threads for both (0: the library's default, one per core)" },
  out: { type: 'string', default: 'bench/out/zoo-inference.json', help: 'JSON report', path: 'outFile' },
}, 'zoo-inference');
if (a.threads > 0) torch.setNumThreads(a.threads);
const threads = torch.getNumThreads();
if (a.blasThreads > 0) torch.blas.setNumThreads(a.blasThreads);
// started now, while this process is small and before any matrix product has started OpenBLAS's pool
const peer = new PythonPeer('bench/pytorch/zoo_inference.py', a.blasThreads > 0 ? { OPENBLAS_NUM_THREADS: String(a.blasThreads) } : {});
const blasThreads = { tstorch: torch.blas.getNumThreads(), pytorch: null as number | null };
const models = a.models!.split(',');
const batches = a.batchSizes!.split(',').map(Number);

interface Row { model: string; batch: number; size: number; tstorch: number[]; pytorch: number[] }
const rows: Row[] = [];
torch.manualSeed(0);
for (const name of models) {
  const size = defaultPreset(name).cropSize[0]!;
  // googlenet/inception without their training-only auxiliary heads, as loaded with published weights
  const extra = name === 'googlenet' || name === 'inception_v3' ? { auxLogits: false, initWeights: false } : {};
  const model = getModel(name, { weights: null, ...extra }).eval();
  const mine = batches.map((bs) => ({ model: name, batch: bs, size, tstorch: [] as number[], pytorch: [] as number[] }));
  rows.push(...mine);
  const inputs = batches.map((bs) => torch.randn([bs, 3, size, size]));
  const tstorchRound = (): void => {
    batches.forEach((bs, i) => {
      const run = (): void => torch.inferenceMode(() => torch.tidy(() => { model.call(inputs[i]!); }));
      for (let w = 0; w < a.warmup; w++) run();
      for (let it = 0; it < a.iters; it++) {
        const t0 = performance.now();
        run();
        mine[i]!.tstorch.push(performance.now() - t0);
      }
    });
  };
  const pytorchRound = async (): Promise<void> => {
    const py = await peer.run<{ batch: number; times_ms: number[]; blas_threads: number | null }>(['--models', name,
      '--batch-sizes', a.batchSizes!, '--iters', String(a.iters), '--warmup', String(a.warmup), '--threads', String(threads)]);
    for (const r of py) {
      mine.find((m) => m.batch === r.batch)!.pytorch.push(...r.times_ms);
      blasThreads.pytorch = r.blas_threads;
    }
  };
  for (let round = 0; round < a.rounds; round++) {
    await bothSides(round, tstorchRound, pytorchRound);
    for (const m of mine) {
      console.error(`round ${round + 1}/${a.rounds} ${name} batch ${m.batch}: median ms so far tstorch ` +
        `${median(m.tstorch).toFixed(1)}, PyTorch ${median(m.pytorch).toFixed(1)}`);
    }
  }
  for (const x of inputs) x.dispose();
}
await peer.close();

const report = rows.map((r) => {
  const ts = median(r.tstorch);
  const pt = median(r.pytorch);
  return {
    model: r.model, batch: r.batch, size: r.size,
    tstorchMedianMs: ts, pytorchMedianMs: pt, tstorchMinMs: Math.min(...r.tstorch), pytorchMinMs: Math.min(...r.pytorch),
    tstorchImgS: (r.batch * 1000) / ts, pytorchImgS: (r.batch * 1000) / pt, ratio: pt / ts,
    // every timed pass in order (rounds one after the other), to see warm-up and outliers behind a median
    tstorchTimesMs: r.tstorch.map((t) => Math.round(t * 10) / 10), pytorchTimesMs: r.pytorch.map((t) => Math.round(t * 10) / 10),
  };
});
const command = `node --import tsx bench/zoo-inference.ts ${process.argv.slice(2).join(' ')}`.trim();
mkdirSync('bench/out', { recursive: true });
writeFileSync(a.out!, JSON.stringify({ command, threads, blasThreads, rounds: a.rounds, iters: a.iters, warmup: a.warmup, rows: report }, null, 2) + '\n');
console.log(`\`${command}\` (${threads} thread(s), OpenBLAS threads tstorch ${blasThreads.tstorch} / PyTorch ${blasThreads.pytorch}; ${a.rounds} alternating rounds of ${a.iters} timed passes after ${a.warmup} warm-up)\n`);
console.log('| model | input | batch | tstorch img/s | PyTorch img/s | ratio | min ms tstorch / PyTorch |');
console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: |');
for (const r of report) {
  console.log(`| ${r.model} | ${r.size}x${r.size} | ${r.batch} | ${r.tstorchImgS.toFixed(2)} | ${r.pytorchImgS.toFixed(2)} | ` +
    `${r.ratio.toFixed(2)} | ${r.tstorchMinMs.toFixed(1)} / ${r.pytorchMinMs.toFixed(1)} |`);
}
