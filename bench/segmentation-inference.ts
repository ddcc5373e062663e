// Inference time of a segmentation model on a photo, tstorch vs PyTorch side by side in one run: the weights'
// SemanticSegmentation preset (the photo's shorter side resized to 520, as the published weights expect), eval
// mode under inferenceMode (PyTorch: eval() + torch.inference_mode()), random weights, the same thread count.
// The two sides alternate, round by round (the machine's speed drifts), and the report compares medians. The
// PyTorch side is one process for the whole run (bench/python-peer.ts: a fresh process per round forked this one
// before each of tstorch's rounds, which restarted its OpenBLAS pool and write-protected its heap). The dilated
// convolutions (`_slow_conv2d_forward`) do their GEMMs in OpenBLAS, whose own threads torch.setNumThreads does
// not bound on either side; `--blas-threads N` pins them on both.
//
//   node --import tsx bench/segmentation-inference.ts [--model deeplabv3_resnet50] [--photo FILE]
//       [--batch-sizes 1] [--rounds 3] [--iters 5] [--warmup 1] [--threads N] [--blas-threads N]
// The photo defaults to an ants/bees one under $TSTORCH_DATA or ../shared/data.
import { bothSides, PythonPeer } from './python-peer.js';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as torch from '../src/index.js';
import { parseArgs } from '../src/cli/args.js';
import { getModel, getModelWeights } from '../src/vision/models/index.js';
import type { SemanticSegmentation } from '../src/vision/models/segmentation/preset.js';
import { openImageSync } from '../src/vision/io/index.js';
import { median } from './stats.js';
import { mkdirSync as makeOutFolder } from 'node:fs';
makeOutFolder(new URL('./out/', import.meta.url), { recursive: true }); // the default --out folder (git ignores it)

const a = parseArgs(process.argv.slice(2), {
  model: { type: 'string', default: 'deeplabv3_resnet50', help: 'a segmentation model' },
  photo: { type: 'string', help: 'the photo (default: hymenoptera val/ants/10308379_1b6c72e180.jpg)' },
  batchSizes: { type: 'string', default: '1', help: 'batch sizes (the photo repeated)' },
  rounds: { type: 'number', default: 3, help: 'alternations of tstorch and PyTorch' },
  iters: { type: 'number', default: 5, help: 'timed forward passes per round and batch size' },
  warmup: { type: 'number', default: 1, help: 'untimed forward passes first, each round' },
  threads: { type: 'number', default: 0, help: 'intra-op threads for both (0: tstorch default, all cores)' },
  blasThreads: { type: 'number', default: 0, help: "OpenBLAS's own threads for both (0: the library's default, one per core)" },
  out: { type: 'string', default: 'bench/out/segmentation-inference.json', help: 'JSON report', path: 'outFile' },
}, 'segmentation-inference');
const photo = a.photo ?? [process.env.TSTORCH_DATA, '../shared/data'].filter((d): d is string => !!d)
  .map((d) => join(d, 'hymenoptera_data', 'val', 'ants', '10308379_1b6c72e180.jpg')).find((p) => existsSync(p));
if (!photo) throw new Error('no photo: pass --photo FILE or set $TSTORCH_DATA');
if (a.threads > 0) torch.setNumThreads(a.threads);
const threads = torch.getNumThreads();
if (a.blasThreads > 0) torch.blas.setNumThreads(a.blasThreads);
// started now, while this process is small and before any matrix product has started OpenBLAS's pool
const peer = new PythonPeer('bench/pytorch/segmentation_inference.py', a.blasThreads > 0 ? { OPENBLAS_NUM_THREADS: String(a.blasThreads) } : {});
const blasThreads = { tstorch: torch.blas.getNumThreads(), pytorch: null as number | null };
const batches = a.batchSizes!.split(',').map(Number);

torch.manualSeed(0);
const model = getModel(a.model!, { weights: null, weightsBackbone: null }).eval();
const preset = getModelWeights(a.model!).DEFAULT.transforms() as SemanticSegmentation;
const x1 = (preset.call(openImageSync(photo, { mode: 'RGB' })) as torch.Tensor).unsqueeze(0);
const rows = batches.map((bs) => ({ batch: bs, shape: [bs, ...x1.shape.slice(1)], x: x1.expand(bs, -1, -1, -1).contiguous(), tstorch: [] as number[], pytorch: [] as number[],
  tstorchCpu: [] as number[], pytorchCpu: [] as number[], tstorchFaults: [] as number[], pytorchFaults: [] as number[] }));
const tstorchRound = (): void => {
  for (const r of rows) {
    const run = (): void => torch.inferenceMode(() => torch.tidy(() => { model.call(r.x); }));
    for (let w = 0; w < a.warmup; w++) run();
    for (let it = 0; it < a.iters; it++) {
      const t0 = performance.now();
      const r0 = process.resourceUsage();
      run();
      r.tstorch.push(performance.now() - t0);
      // process CPU time (user + system) and minor page faults: steadier than wall time on a shared machine
      const r1 = process.resourceUsage();
      r.tstorchCpu.push((r1.userCPUTime + r1.systemCPUTime - r0.userCPUTime - r0.systemCPUTime) / 1000);
      r.tstorchFaults.push(r1.minorPageFault - r0.minorPageFault);
    }
  }
};
const pytorchRound = async (): Promise<void> => {
  const py = await peer.run<{ batch: number; times_ms: number[]; cpu_ms: number[]; minflt: number[]; blas_threads: number | null }>(['--model',
    a.model!, '--photo', photo, '--batch-sizes', a.batchSizes!, '--iters', String(a.iters), '--warmup', String(a.warmup), '--threads', String(threads)]);
  for (const p of py) {
    blasThreads.pytorch = p.blas_threads;
    const row = rows.find((r) => r.batch === p.batch)!;
    row.pytorch.push(...p.times_ms);
    row.pytorchCpu.push(...p.cpu_ms);
    row.pytorchFaults.push(...p.minflt);
  }
};
for (let round = 0; round < a.rounds; round++) {
  await bothSides(round, tstorchRound, pytorchRound);
  for (const r of rows) {
    console.error(`round ${round + 1}/${a.rounds} batch ${r.batch}: median ms so far tstorch ${median(r.tstorch).toFixed(1)}, PyTorch ${median(r.pytorch).toFixed(1)}`);
  }
}
await peer.close();
const report = rows.map((r) => ({
  model: a.model, batch: r.batch, shape: r.shape, tstorchMedianMs: median(r.tstorch), pytorchMedianMs: median(r.pytorch),
  tstorchMinMs: Math.min(...r.tstorch), pytorchMinMs: Math.min(...r.pytorch), ratio: median(r.pytorch) / median(r.tstorch),
  tstorchCpuMs: median(r.tstorchCpu), pytorchCpuMs: median(r.pytorchCpu), cpuRatio: median(r.pytorchCpu) / median(r.tstorchCpu),
  tstorchMinCpuMs: Math.min(...r.tstorchCpu), pytorchMinCpuMs: Math.min(...r.pytorchCpu),
  tstorchPageFaults: median(r.tstorchFaults), pytorchPageFaults: median(r.pytorchFaults),
  tstorchTimesMs: r.tstorch.map((t) => Math.round(t)), pytorchTimesMs: r.pytorch.map((t) => Math.round(t)),
}));
const command = `node --import tsx bench/segmentation-inference.ts ${process.argv.slice(2).join(' ')}`.trim();
mkdirSync('bench/out', { recursive: true });
writeFileSync(a.out!, JSON.stringify({ command, photo, threads, blasThreads, rounds: a.rounds, iters: a.iters, warmup: a.warmup, rows: report }, null, 2) + '\n');
console.log(`\`${command}\` (${threads} thread(s), OpenBLAS threads tstorch ${blasThreads.tstorch} / PyTorch ${blasThreads.pytorch}; ${a.rounds} alternating rounds of ${a.iters} timed passes after ${a.warmup} warm-up)\n`);
console.log('| model | input | tstorch ms | PyTorch ms | ratio (PyTorch / tstorch time) | min ms tstorch / PyTorch | CPU ms tstorch / PyTorch (median) | CPU ratio | min CPU ms | page faults per pass |');
console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const r of report) {
  console.log(`| ${r.model} | ${r.shape.join('x')} | ${r.tstorchMedianMs.toFixed(0)} | ${r.pytorchMedianMs.toFixed(0)} | ${r.ratio.toFixed(2)} | ` +
    `${r.tstorchMinMs.toFixed(0)} / ${r.pytorchMinMs.toFixed(0)} | ${r.tstorchCpuMs.toFixed(0)} / ${r.pytorchCpuMs.toFixed(0)} | ${r.cpuRatio.toFixed(2)} | ` +
    `${r.tstorchMinCpuMs.toFixed(0)} / ${r.pytorchMinCpuMs.toFixed(0)} | ${r.tstorchPageFaults.toFixed(0)} / ${r.pytorchPageFaults.toFixed(0)} |`);
}
