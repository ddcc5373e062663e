// Datasets that DataLoader worker threads build in the tests (test/data-workers*.test.ts).
import * as torch from '../../src/index.js';

/** Samples draw from the thread's generator, as random transforms do: [rand(2) + i, i]. */
export class Noisy {
  constructor(readonly length: number, readonly failAt: number | null = null) {}
  get(i: number): [torch.Tensor, number] {
    if (i === this.failAt) throw new Error(`sample ${i} is unreadable`);
    return [torch.rand(2).add(i), i];
  }
}

export function makeNoisy(n: number, failAt: number | null = null): Noisy { return new Noisy(n, failAt); }

/** Like Noisy, but get() resolves later, as a dataset reading files asynchronously does. */
export function makeAsyncNoisy(n: number): { length: number; get(i: number): Promise<[torch.Tensor, number]> } {
  const base = new Noisy(n);
  return { length: n, get: async (i) => { const s = base.get(i); await new Promise((r) => setTimeout(r, 1)); return s; } };
}

/** The worker init hook: a draw from the worker's generator, kept for the samples to show. */
let initDraw = 0;
export function initHook(id: number): void {
  const info = torch.utils.data.getWorkerInfo();
  if (info === null || info.id !== id) throw new Error('init hook called outside its worker');
  initDraw = torch.rand(1).item();
}
export function makeInitProbe(n: number): { length: number; get(i: number): [number, number, string] } {
  return { length: n, get: (i) => { const w = torch.utils.data.getWorkerInfo()!; return [initDraw, i, `${w.id}/${w.numWorkers}/${w.seed}`]; } };
}

export function exitsDuringBatch(n: number): { length: number; get(i: number): number } {
  return { length: n, get: (i) => { if (i === 3) process.exit(3); return i; } };
}

export function notADataset(): number { return 3; }
