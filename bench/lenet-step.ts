// Issue 2's step benchmark: one LeNet training step (zeroGrad, forward, CrossEntropyLoss, backward, Adam
// step), tstorch vs PyTorch, side by side in one run, same thread count, same pre-made random batches.
// Rounds alternate between the two to spread machine noise evenly; the median of each side is reported.
//
//   node --import tsx bench/lenet-step.ts [--steps 2000] [--rounds 3] [--threads 1,2] [--batches 8,64]
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as torch from '../src/index.js';
import { Net } from './lenet-model.js';

const PYTHON = process.env.TSTORCH_PYTHON ?? '/usr/bin/python3';
const arg = (name: string, def: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : def;
};
const steps = Number(arg('steps', '2000'));
const rounds = Number(arg('rounds', '3'));
const threadList = arg('threads', '1,2').split(',').map(Number);
const batchList = arg('batches', '8,64').split(',').map(Number);
const warmup = 100;

function tstorchStepsPerSecond(threads: number, batch: number): number {
  torch.setNumThreads(threads);
  torch.manualSeed(0);
  const net = new Net();
  const opt = new torch.optim.Adam(net.parameters(), { lr: 1e-3 });
  const crit = new torch.nn.CrossEntropyLoss();
  const data = Array.from({ length: 16 }, () => [torch.randn(batch, 3, 32, 32), torch.randint(0, 10, [batch])] as const);
  const step = (i: number): void => torch.tidy(() => {
    const [x, y] = data[i % data.length]!;
    opt.zeroGrad();
    const loss = crit.call(net.call(x), y) as torch.Tensor;
    loss.backward();
    opt.step();
  });
  for (let i = 0; i < warmup; i++) step(i);
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) step(i);
  return steps / ((performance.now() - t0) / 1000);
}

function pytorchStepsPerSecond(threads: number, batch: number): number {
  const script = fileURLToPath(new URL('./pytorch/lenet_step.py', import.meta.url));
  const out = execFileSync(PYTHON, [script, String(threads), String(batch), String(steps), String(warmup)], { encoding: 'utf8' });
  return (JSON.parse(out) as { steps_per_s: number }).steps_per_s;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const results: { threads: number; batch: number; tstorch: number; pytorch: number; ratio: number }[] = [];
for (const threads of threadList) {
  for (const batch of batchList) {
    const ts: number[] = [];
    const py: number[] = [];
    for (let r = 0; r < rounds; r++) {
      py.push(pytorchStepsPerSecond(threads, batch));
      ts.push(tstorchStepsPerSecond(threads, batch));
    }
    const row = { threads, batch, tstorch: median(ts), pytorch: median(py), ratio: median(ts) / median(py) };
    results.push(row);
    console.log(`threads ${threads} batch ${String(batch).padStart(3)}: tstorch ${row.tstorch.toFixed(0)} steps/s (${(row.tstorch * batch).toFixed(0)} img/s), ` +
      `PyTorch ${row.pytorch.toFixed(0)} steps/s (${(row.pytorch * batch).toFixed(0)} img/s), ratio ${row.ratio.toFixed(2)}`);
  }
}
mkdirSync(fileURLToPath(new URL('./out/', import.meta.url)), { recursive: true });
writeFileSync(fileURLToPath(new URL('./out/lenet-step.json', import.meta.url)), JSON.stringify({ steps, rounds, libtorch: torch.config().version, results }, null, 2));
