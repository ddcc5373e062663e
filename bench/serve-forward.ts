// Where a model server's cores go, outside the server: forward-pass throughput (images/s) of a zoo classifier
// at batch 1..8 run three ways — one thread at 1 intra-op thread (`1x1`), one thread at 2 (`1x2`), and two
// threads side by side at 1 intra-op thread each, each with its own copy of the model (`2x1`: what two model
// workers do) — tstorch and PyTorch (bench/pytorch/serve_forward.py: the same three ways, Python threads,
// which run in parallel because PyTorch releases the GIL in its forward pass). Sides alternate per round.
//
//   node --import tsx bench/serve-forward.ts [--models resnet18,mobilenet_v3_large] [--batch-sizes 1,2,4,8]
//       [--seconds 2] [--rounds 1]
import { spawnSync } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from '../src/cli/args.js';

const PYTHON = process.env.TSTORCH_PYTHON ?? '/usr/bin/python3';
const a = parseArgs(process.argv.slice(2), {
  models: { type: 'string', default: 'resnet18,mobilenet_v3_large', help: 'zoo models' },
  batchSizes: { type: 'string', default: '1,2,4,8', help: 'batch sizes' },
  seconds: { type: 'number', default: 2, help: 'seconds of forward passes per measurement' },
  rounds: { type: 'number', default: 1, help: 'alternations of tstorch and PyTorch' },
}, 'serve-forward');

// One measuring thread: loads the model, warms up, then runs forward passes for `seconds` and answers images/s.
const WORKER = `
const { workerData, parentPort } = require('node:worker_threads');
(async () => {
  const torch = await import(workerData.index);
  const { getModel } = await import(workerData.models);
  torch.setNumThreads(workerData.threads);
  torch.manualSeed(0);
  const model = getModel(workerData.arch, { weights: null }).eval();
  const x = torch.randn([workerData.batch, 3, 224, 224]);
  const run = () => torch.inferenceMode(() => torch.tidy(() => { model.call(x); }));
  run(); run();
  parentPort.postMessage('warm');
  await new Promise((r) => parentPort.once('message', r));
  let n = 0; const t0 = performance.now();
  while (performance.now() - t0 < workerData.seconds * 1000) { run(); n += workerData.batch; }
  parentPort.postMessage(n / ((performance.now() - t0) / 1000));
})();`;

async function tstorch(arch: string, batch: number, threads: number, copies: number): Promise<number> {
  const data = { index: new URL('../dist/index.js', import.meta.url).href, models: new URL('../dist/vision/models/index.js', import.meta.url).href, arch, batch, threads, seconds: a.seconds };
  const ws = Array.from({ length: copies }, () => new Worker(WORKER, { eval: true, workerData: data }));
  await Promise.all(ws.map((w) => new Promise((r) => w.once('message', r))));
  const rates = ws.map((w) => new Promise<number>((r) => w.once('message', r)));
  for (const w of ws) w.postMessage('go');
  const total = (await Promise.all(rates)).reduce((s, v) => s + v, 0);
  await Promise.all(ws.map((w) => w.terminate()));
  return total;
}

const ways: [string, number, number][] = [['1x1', 1, 1], ['1x2', 2, 1], ['2x1', 1, 2]];
const batches = a.batchSizes!.split(',').map(Number);
console.log(`load average ${loadavg().map((v) => v.toFixed(2)).join(' ')}`);
console.log('| model | batch | way | tstorch img/s | PyTorch img/s | ratio |');
console.log('| --- | --- | --- | --- | --- | --- |');
for (const arch of a.models!.split(',')) {
  for (const batch of batches) {
    for (const [way, threads, copies] of ways) {
      const mine: number[] = []; const theirs: number[] = [];
      for (let r = 0; r < a.rounds; r++) {
        mine.push(await tstorch(arch, batch, threads, copies));
        const py = spawnSync(PYTHON, [fileURLToPath(new URL('./pytorch/serve_forward.py', import.meta.url)), arch, String(batch), String(threads), String(copies), String(a.seconds)], { encoding: 'utf8' });
        if (py.status !== 0) throw new Error(`PyTorch side failed:\n${py.stderr}`);
        theirs.push(Number(py.stdout.trim()));
      }
      const m = Math.max(...mine); const t = Math.max(...theirs);
      console.log(`| ${arch} | ${batch} | ${way} | ${m.toFixed(1)} | ${t.toFixed(1)} | ${(m / t).toFixed(2)} |`);
    }
  }
}
console.log(`load average ${loadavg().map((v) => v.toFixed(2)).join(' ')}`);
