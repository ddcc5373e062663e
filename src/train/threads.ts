// Choosing libtorch's intra-op threads for a training run. More threads help large batches and hurt small
// ones (OpenMP start-up and barriers outweigh the work of a batch of 8 CIFAR images), so `--threads 0`
// times a few steps of the actual model and batch size on random data with 1 thread and with all cores and
// keeps the faster. The generator's state is restored, so the choice never changes the run's random numbers.
import { availableParallelism } from 'node:os';
import * as torch from '../index.js';
import type { Module } from '../nn/module.js';
import { UserError } from '../cli/errors.js';

/**
 * torch.setNumThreads for a CLI flag: a count libtorch refuses is the user's to fix (one line, no stack trace).
 * 0 leaves the choice to the caller.
 */
export function useThreads(n: number, command: string): void {
  if (n === 0) return;
  try {
    torch.setNumThreads(n);
  } catch (e) {
    throw new UserError(`${command}: --threads ${n}: ${(e as Error).message}`);
  }
}

export function chooseThreads(makeModel: () => Module, inputShape: number[], numClasses: number, steps = 12): { threads: number; timings: Record<number, number> } {
  const max = availableParallelism();
  if (max <= 1) return { threads: 1, timings: {} };
  const rng = torch.getRngState();
  const before = torch.getNumThreads();
  const timings: Record<number, number> = {};
  try {
    const model = makeModel();
    const opt = new torch.optim.SGD(model.parameters(), { lr: 1e-6 });
    const crit = new torch.nn.CrossEntropyLoss();
    const x = torch.randn(...inputShape);
    const y = torch.randint(0, numClasses, [inputShape[0]!]);
    const step = (): void => torch.tidy(() => {
      opt.zeroGrad();
      (crit.call(model.call(x) as torch.Tensor, y) as torch.Tensor).backward();
      opt.step();
    });
    for (const n of [1, max, 1, max]) {
      torch.setNumThreads(n);
      step();
      const t0 = performance.now();
      for (let i = 0; i < steps; i++) step();
      const dt = performance.now() - t0;
      timings[n] = Math.min(timings[n] ?? Infinity, dt / steps);
    }
  } finally {
    torch.setRngState(rng);
    torch.setNumThreads(before);
  }
  return { threads: timings[1]! <= timings[max]! ? 1 : max, timings };
}
