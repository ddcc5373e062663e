// Step-by-step parity of `tstorch finetune` with PyTorch on the chapter's AlexNet exercise: the same starting
// weights file (made by python3-torchvision with a fixed seed), no random augmentation, no shuffling, dropout
// off, so both runs see the same batches and must produce the same losses. Compares every training step's
// loss (relative difference) and each epoch's validation accuracy.
//
//   node --import tsx bench/finetune-parity.ts --data ../shared/data/hymenoptera_data --epochs 2 [--max-steps N]
//
// --full runs the chapter's full recipe (random crops, flips, shuffling, dropout) on both sides instead and
// compares the best validation accuracy (within 3 points).
// --weights FILE uses an existing state dict; otherwise one is made with torch.manual_seed(--seed).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as torch from '../src/index.js';
import { parseArgs } from '../src/cli/args.js';
import { runFinetune } from '../src/train/finetune-run.js';
import { mkdirSync as makeOutFolder } from 'node:fs';
makeOutFolder(new URL('./out/', import.meta.url), { recursive: true }); // the default --out folder (git ignores it)

const CHAPTER_MEAN = [0.490, 0.449, 0.411];
const CHAPTER_STD = [0.231, 0.221, 0.230];

const a = parseArgs(process.argv.slice(2), {
  data: { type: 'string', help: 'ImageFolder root with train/ and val/' },
  model: { type: 'string', default: 'alexnet', help: 'alexnet, vgg*, or a model with an fc head' },
  weights: { type: 'string', help: 'starting state dict (default: made by torchvision with --seed)' },
  epochs: { type: 'number', default: 2, help: 'epochs' },
  batchSize: { type: 'number', default: 8, help: 'batch size' },
  lr: { type: 'number', default: 1e-4, help: 'SGD learning rate' },
  maxSteps: { type: 'number', default: 0, help: 'batches per phase (0: all)' },
  seed: { type: 'number', default: 0, help: 'seed of the starting weights and of the new head' },
  threads: { type: 'number', default: 0, help: 'intra-op threads for both (0: defaults)' },
  out: { type: 'string', default: 'bench/out/finetune-parity', help: 'folder for the run and the report' },
  full: { type: 'boolean', default: false, help: "the chapter's full recipe (augmentation, shuffling, dropout): compare validation accuracy only" },
}, 'finetune-parity');
const exact = !a.full;
if (!a.data) throw new Error('--data DIR is required');
mkdirSync(a.out!, { recursive: true });
const PY = '/usr/bin/python3';

let weights = a.weights;
if (!weights) {
  weights = join(a.out!, `${a.model}-seed${a.seed}.pth`);
  if (!existsSync(weights)) {
    execFileSync(PY, ['-c', `import torch, torchvision\ntorch.manual_seed(${a.seed})\n` +
      `torch.save(torchvision.models.get_model('${a.model}', weights=None).state_dict(), '${weights}')`], { stdio: 'inherit' });
  }
}
if (a.threads > 0) torch.setNumThreads(a.threads);

const t0 = performance.now();
const ts = await runFinetune({
  model: a.model!, data: a.data, weights, epochs: a.epochs, lr: a.lr, momentum: 0.9, batchSize: a.batchSize, freeze: [],
  out: join(a.out!, 'tstorch-run'), augment: !exact, shuffle: !exact, dropout: !exact, seed: a.seed, maxSteps: a.maxSteps,
  mean: CHAPTER_MEAN, std: CHAPTER_STD, showImages: 0,
});
const tsSeconds = (performance.now() - t0) / 1000;

const t1 = performance.now();
const py = spawnSync(PY, ['bench/pytorch/finetune_alexnet.py', '--data', a.data, '--model', a.model!, '--weights', weights,
  '--epochs', String(a.epochs), '--lr', String(a.lr), '--batch-size', String(a.batchSize), '--seed', String(a.seed),
  '--max-steps', String(a.maxSteps), '--threads', String(a.threads || torch.getNumThreads()),
  ...(exact ? ['--no-augment', '--no-shuffle', '--no-dropout'] : []), '--mean', CHAPTER_MEAN.join(','), '--std', CHAPTER_STD.join(',')],
{ encoding: 'utf8', maxBuffer: 64 << 20 });
if (py.status !== 0) throw new Error(`PyTorch run failed:\n${py.stderr}`);
const pySeconds = (performance.now() - t1) / 1000;
const rows = py.stdout.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as Record<string, number | string>);
const pySteps = rows.filter((r) => r.kind === 'step');
const pyEpochs = rows.filter((r) => r.kind === 'epoch');

if (!exact) {
  const pyBest = rows.find((r) => r.kind === 'best')!;
  const last = pyEpochs[pyEpochs.length - 1]!;
  const tsLast = ts.metrics[ts.metrics.length - 1]!;
  const report = {
    command: `node --import tsx bench/finetune-parity.ts ${process.argv.slice(2).join(' ')}`, model: a.model, weights, recipe: 'full',
    tstorch: { best: ts.bestAccuracy, bestEpoch: ts.bestEpoch, final: tsLast.testAccuracy, perEpoch: ts.metrics.map((m) => m.testAccuracy) },
    pytorch: { best: pyBest.val_acc, bestEpoch: pyBest.epoch, final: last.val_acc, perEpoch: pyEpochs.map((r) => r.val_acc) },
    bestPointsApart: 100 * Math.abs(ts.bestAccuracy - (pyBest.val_acc as number)), tsSeconds, pySeconds, threads: torch.getNumThreads(),
  };
  writeFileSync(join(a.out!, 'report-full.json'), JSON.stringify(report, null, 2) + '\n');
  console.log(`\nfull recipe, ${a.epochs} epochs: best val accuracy tstorch ${(100 * ts.bestAccuracy).toFixed(2)} % (epoch ${ts.bestEpoch}), ` +
    `PyTorch ${(100 * (pyBest.val_acc as number)).toFixed(2)} % (epoch ${pyBest.epoch}): ${report.bestPointsApart.toFixed(2)} points apart ` +
    `-> ${report.bestPointsApart <= 3 ? 'PASS' : 'FAIL'} (<= 3)`);
  console.log(`per epoch: tstorch ${report.tstorch.perEpoch.map((v) => (100 * v).toFixed(1)).join(' ')}; PyTorch ${report.pytorch.perEpoch.map((v) => (100 * (v as number)).toFixed(1)).join(' ')}`);
  console.log(`time: tstorch ${tsSeconds.toFixed(0)} s, PyTorch ${pySeconds.toFixed(0)} s`);
  process.exit(report.bestPointsApart <= 3 ? 0 : 1);
}
if (pySteps.length !== ts.steps.length) throw new Error(`step counts differ: tstorch ${ts.steps.length}, PyTorch ${pySteps.length}`);
let worst = 0, worstAt = '';
const perStep = ts.steps.map((s, i) => {
  const p = pySteps[i]!;
  const rel = Math.abs(s.loss - (p.loss as number)) / Math.max(Math.abs(p.loss as number), 1e-12);
  if (rel > worst) { worst = rel; worstAt = `epoch ${s.epoch} step ${s.step}`; }
  return { epoch: s.epoch, step: s.step, tstorch: s.loss, pytorch: p.loss, rel };
});
const epochs = ts.metrics.map((m, i) => {
  const p = pyEpochs[i]!;
  const n = p.val_images as number;
  return {
    epoch: m.epoch, tstorchValAcc: m.testAccuracy, pytorchValAcc: p.val_acc as number,
    imagesApart: Math.abs(Math.round(m.testAccuracy * n) - (p.val_correct as number)),
    tstorchValLoss: m.testLoss, pytorchValLoss: p.val_loss as number,
  };
});
const report = {
  command: `node --import tsx bench/finetune-parity.ts ${process.argv.slice(2).join(' ')}`,
  model: a.model, weights, steps: perStep.length, worstRelativeLossDiff: worst, worstAt,
  passLoss: worst <= 1e-3, passAccuracy: epochs.every((e) => e.imagesApart <= 1),
  epochs, tsSeconds, pySeconds, threads: torch.getNumThreads(), perStep,
};
writeFileSync(join(a.out!, 'report.json'), JSON.stringify(report, null, 2) + '\n');
console.log(`\n${perStep.length} steps compared: worst relative loss difference ${worst.toExponential(2)} (${worstAt}) -> ${report.passLoss ? 'PASS' : 'FAIL'} (<= 1e-3)`);
for (const e of epochs) {
  console.log(`epoch ${e.epoch}: val accuracy tstorch ${(100 * e.tstorchValAcc).toFixed(2)} %, PyTorch ${(100 * e.pytorchValAcc).toFixed(2)} % ` +
    `(${e.imagesApart} image(s) apart); val loss ${(e.tstorchValLoss ?? NaN).toFixed(5)} vs ${e.pytorchValLoss.toFixed(5)}`);
}
console.log(`time: tstorch ${tsSeconds.toFixed(0)} s, PyTorch ${pySeconds.toFixed(0)} s; report in ${join(a.out!, 'report.json')}`);
process.exitCode = report.passLoss && report.passAccuracy ? 0 : 1;
