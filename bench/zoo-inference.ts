// Inference throughput of zoo models, tstorch vs PyTorch side by side in one run: eval mode under
// inferenceMode (PyTorch: eval() + torch.inference_mode()), same thread count, random weights and a random
// input of the weights' crop size (Inception v3: 299), batch sizes 1 and 8. Reports img/s and the ratio.
//
//   node --import tsx bench/zoo-inference.ts [--models resnet50,vgg13,...] [--batch-sizes 1,8] [--iters 5]
//       [--warmup 2] [--threads N]
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as torch from '../src/index.js';
import { parseArgs } from '../src/cli/args.js';
import { getModel } from '../src/vision/models/index.js';
import { defaultPreset } from '../src/train/pretrained.js';

const PYTHON = process.env.TSTORCH_PYTHON ?? '/usr/bin/python3';
const a = parseArgs(process.argv.slice(2), {
  models: { type: 'string', default: 'resnet50,vgg13,densenet121,mobilenet_v2,googlenet,inception_v3', help: 'models' },
  batchSizes: { type: 'string', default: '1,8', help: 'batch sizes' },
  iters: { type: 'number', default: 5, help: 'timed iterations per model and batch size' },
  warmup: { type: 'number', default: 2, help: 'untimed iterations first' },
  threads: { type: 'number', default: 0, help: 'intra-op threads for both (0: libtorch default)' },
  out: { type: 'string', default: 'bench/out/zoo-inference.json', help: 'JSON report' },
}, 'zoo-inference');
if (a.threads > 0) torch.setNumThreads(a.threads);
const threads = torch.getNumThreads();
const models = a.models!.split(',');
const batches = a.batchSizes!.split(',').map(Number);

interface Row { model: string; batch: number; size: number; img_s: number }
const ts: Row[] = [];
const pt: Row[] = [];
// Model by model, tstorch then PyTorch, so that both sides of a row meet the same machine load.
torch.manualSeed(0);
for (const name of models) {
  const size = defaultPreset(name).cropSize[0]!;
  // googlenet/inception without their training-only auxiliary heads, as loaded with published weights
  const extra = name === 'googlenet' || name === 'inception_v3' ? { auxLogits: false, initWeights: false } : {};
  const model = getModel(name, { weights: null, ...extra }).eval();
  for (const bs of batches) {
    const x = torch.randn([bs, 3, size, size]);
    const run = (): void => torch.inferenceMode(() => torch.tidy(() => { model.call(x); }));
    for (let i = 0; i < a.warmup; i++) run();
    const t0 = performance.now();
    for (let i = 0; i < a.iters; i++) run();
    const secs = (performance.now() - t0) / 1000;
    ts.push({ model: name, batch: bs, size, img_s: (bs * a.iters) / secs });
    console.error(`tstorch ${name} batch ${bs}: ${((bs * a.iters) / secs).toFixed(2)} img/s`);
    x.dispose();
  }
  const py = spawnSync(PYTHON, ['bench/pytorch/zoo_inference.py', '--models', name, '--batch-sizes', a.batchSizes!,
    '--iters', String(a.iters), '--warmup', String(a.warmup), '--threads', String(threads)], { encoding: 'utf8' });
  if (py.status !== 0) throw new Error(`PyTorch side failed:\n${py.stderr}`);
  for (const l of py.stdout.split('\n').filter((l) => l.trim())) {
    const r = JSON.parse(l) as Row;
    pt.push(r);
    console.error(`PyTorch ${name} batch ${r.batch}: ${r.img_s.toFixed(2)} img/s`);
  }
}

const rows = ts.map((r) => {
  const p = pt.find((q) => q.model === r.model && q.batch === r.batch)!;
  return { model: r.model, batch: r.batch, size: r.size, tstorch: r.img_s, pytorch: p.img_s, ratio: r.img_s / p.img_s };
});
const command = `node --import tsx bench/zoo-inference.ts ${process.argv.slice(2).join(' ')}`.trim();
mkdirSync('bench/out', { recursive: true });
writeFileSync(a.out!, JSON.stringify({ command, threads, iters: a.iters, warmup: a.warmup, rows }, null, 2) + '\n');
console.log(`\`${command}\` (${threads} thread(s), ${a.iters} timed iterations after ${a.warmup} warm-up)\n`);
console.log('| model | input | batch | tstorch img/s | PyTorch img/s | ratio |');
console.log('| --- | --- | ---: | ---: | ---: | ---: |');
for (const r of rows) {
  console.log(`| ${r.model} | ${r.size}x${r.size} | ${r.batch} | ${r.tstorch.toFixed(2)} | ${r.pytorch.toFixed(2)} | ${r.ratio.toFixed(2)} |`);
}
