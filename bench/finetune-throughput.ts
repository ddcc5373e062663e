// Fine-tuning throughput, tstorch vs PyTorch side by side in one run: images per second through the whole
// training pipeline (JPEG decode + RandomResizedCrop + flip + ToTensor/Normalize + AlexNet train step with
// SGD) at batch size 8 on an ImageFolder, the same number of DataLoader workers on both sides, same threads.
//
// The two sides alternate (--rounds): each round times `steps` steps in tstorch, then runs PyTorch's script
// for as many steps, because this VM's speed drifts by 10-30 % over seconds; the ratio compares the medians.
// Both sides time steady state: a round starts a fresh pass over the data and one untimed warm-up step (which
// includes starting the workers), and `steps` must stay under one epoch (244 images: 30 steps of 8).
//
//   node --import tsx bench/finetune-throughput.ts --data ../shared/data/hymenoptera_data [--steps 10]
//       [--rounds 3] [--workers 2] [--batch-size 8] [--model alexnet] [--threads N]
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as torch from '../src/index.js';
import { parseArgs } from '../src/cli/args.js';
import { getModel } from '../src/vision/models/index.js';
import { DataLoader } from '../src/data/dataloader.js';
import { finetuneTransforms, openImageFolders } from '../src/train/finetune-run.js';
import { replaceHead } from '../src/train/finetune.js';
import { imageFolderWorkers } from '../src/train/dataset-factories.js';
import { join } from 'node:path';
import { median } from './stats.js';
import { mkdirSync as makeOutFolder } from 'node:fs';
makeOutFolder(new URL('./out/', import.meta.url), { recursive: true }); // the default --out folder (git ignores it)

const PYTHON = process.env.TSTORCH_PYTHON ?? '/usr/bin/python3';
const a = parseArgs(process.argv.slice(2), {
  data: { type: 'string', help: 'ImageFolder root with train/ and val/' },
  model: { type: 'string', default: 'alexnet', help: 'alexnet or a model with an fc head' },
  steps: { type: 'number', default: 10, help: 'timed training steps per round (after one warm-up step)' },
  rounds: { type: 'number', default: 3, help: 'alternations of tstorch and PyTorch' },
  workers: { type: 'number', default: 2, help: 'DataLoader workers on both sides' },
  batchSize: { type: 'number', default: 8, help: 'batch size' },
  threads: { type: 'number', default: 0, help: 'intra-op threads for both (0: libtorch default)' },
  out: { type: 'string', default: 'bench/out/finetune-throughput.json', help: 'JSON report', path: 'outFile' },
}, 'finetune-throughput');
if (!a.data) throw new Error('--data DIR is required');
if (a.threads > 0) torch.setNumThreads(a.threads);
const threads = torch.getNumThreads();
const mean = [0.490, 0.449, 0.411], std = [0.231, 0.221, 0.230];

torch.manualSeed(0);
const tfArgs = { cropSize: 224, resizeSize: 256, mean, std, interpolation: 'bilinear' as const, augment: true };
const data = openImageFolders(a.data, finetuneTransforms(tfArgs));
// worker threads decode and augment, as PyTorch's worker processes do
const loader = new DataLoader(data.train, { batchSize: a.batchSize, shuffle: true, numWorkers: a.workers,
  workerDataset: a.workers > 0 ? imageFolderWorkers({ root: join(a.data, 'train'), transform: tfArgs, train: true }) : undefined });
const model = getModel(a.model!, { weights: null });
replaceHead(model, a.model!, data.train.classes.length);
model.train();
const opt = new torch.optim.SGD(model.parameters(), { lr: 1e-4, momentum: 0.9 });
const crit = new torch.nn.CrossEntropyLoss();

async function* batchesForever(): AsyncGenerator<[torch.Tensor, torch.Tensor]> {
  for (;;) for await (const b of loader as AsyncIterable<[torch.Tensor, torch.Tensor]>) yield b;
}
// Each round starts a new pass over the data, as the PyTorch script does: a fresh iterator (and workers), one
// warm-up step, then the timed steps, so both sides time steady state within an epoch.
if (a.steps + 1 > Math.floor(data.train.length / a.batchSize)) {
  throw new Error(`--steps ${a.steps}: a round (1 warm-up + ${a.steps} timed steps) must fit in one epoch of ${Math.floor(data.train.length / a.batchSize)} batches`);
}
let it = batchesForever();
const step = async (): Promise<number> => {
  const [x, y] = (await it.next()).value as [torch.Tensor, torch.Tensor];
  torch.tidy(() => {
    opt.zeroGrad();
    crit.call(model.call(x) as torch.Tensor, y).backward();
    opt.step();
  });
  const n = x.size(0);
  x.dispose(); y.dispose();
  return n;
};
const tsRates: number[] = [];
const ptRates: number[] = [];
for (let round = 0; round < a.rounds; round++) {
  await it.return(undefined);
  it = batchesForever();
  await step();
  let images = 0;
  const t0 = performance.now();
  for (let i = 0; i < a.steps; i++) images += await step();
  tsRates.push(images / ((performance.now() - t0) / 1000));
  const py = spawnSync(PYTHON, ['bench/pytorch/finetune_alexnet.py', '--data', a.data, '--model', a.model!, '--throughput', String(a.steps),
    '--workers', String(a.workers), '--batch-size', String(a.batchSize), '--threads', String(threads)], { encoding: 'utf8' });
  if (py.status !== 0) throw new Error(`PyTorch side failed:\n${py.stderr}`);
  ptRates.push((JSON.parse(py.stdout.trim().split('\n').pop()!) as { img_s: number }).img_s);
  console.error(`round ${round + 1}/${a.rounds}: tstorch ${tsRates.at(-1)!.toFixed(2)} img/s, PyTorch ${ptRates.at(-1)!.toFixed(2)} img/s`);
}
const tsRate = median(tsRates);
const ptRate = median(ptRates);
const command = `node --import tsx bench/finetune-throughput.ts ${process.argv.slice(2).join(' ')}`.trim();
const report = { command, model: a.model, batchSize: a.batchSize, workers: a.workers, threads, steps: a.steps, rounds: a.rounds,
  tstorch: { imgPerSec: tsRate, rounds: tsRates }, pytorch: { imgPerSec: ptRate, rounds: ptRates }, ratio: tsRate / ptRate };
mkdirSync('bench/out', { recursive: true });
writeFileSync(a.out!, JSON.stringify(report, null, 2) + '\n');
console.log(`\`${command}\` (${threads} thread(s), ${a.workers} worker(s), batch ${a.batchSize}, ${a.rounds} alternating rounds of ${a.steps} steps, medians)\n`);
console.log('| pipeline | tstorch img/s | PyTorch img/s | ratio |');
console.log('| --- | ---: | ---: | ---: |');
console.log(`| ${a.model} fine-tuning: decode + RandomResizedCrop + flip + normalise + train step | ${tsRate.toFixed(2)} | ${ptRate.toFixed(2)} | ${(tsRate / ptRate).toFixed(2)} |`);
console.log(`\nper round, tstorch: ${tsRates.map((r) => r.toFixed(2)).join(', ')}; PyTorch: ${ptRates.map((r) => r.toFixed(2)).join(', ')}`);
