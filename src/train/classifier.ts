// The training and evaluation loops of an image classifier, shared by `tstorch train`, `tstorch finetune`
// and the examples: a train phase, an evaluation phase, progress, and the numbers each reports.
import * as torch from '../index.js';
import type { Module } from '../nn/module.js';
import type { Optimizer } from '../optim/optimizer.js';
import { ConfusionMatrix } from './metrics.js';
import { ProgressBar } from '../utils/progress.js';

export type Batch = [torch.Tensor, torch.Tensor];
/** A loader of (images, labels) batches: a DataLoader, or anything iterable/async-iterable with a length. */
export type BatchSource = (Iterable<Batch> | AsyncIterable<Batch>) & { readonly length: number };
export type Criterion = { call(input: torch.Tensor, target: torch.Tensor): torch.Tensor };

async function* take(src: BatchSource, limit: number): AsyncGenerator<Batch> {
  if (limit <= 0) return;
  let i = 0;
  for await (const b of src as AsyncIterable<Batch>) {
    yield b;
    if (++i >= limit) return;
  }
}

/** A line on stdout; on a terminal the progress bar (on stderr) is cleared first so they do not mix. */
function logAbove(line: string): void {
  if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
  console.log(line);
}

/** Model output to logits: GoogLeNet/Inception return {logits, aux...} in training mode. */
export function logitsOf(out: unknown): torch.Tensor {
  if (out instanceof torch.Tensor) return out;
  const o = out as { logits?: unknown } | null;
  if (o && o.logits instanceof torch.Tensor) return o.logits;
  throw new TypeError('the model returned neither a Tensor nor an object with `logits`');
}

export interface PhaseResult {
  loss: number;
  accuracy: number;
  images: number;
  seconds: number;
  imagesPerSecond: number;
}

export interface TrainEpochOptions {
  model: Module;
  loader: BatchSource;
  optimizer: Optimizer;
  criterion: Criterion;
  epoch: number;
  /** Stop the epoch after this many steps (tests, CI, quick looks). */
  maxSteps?: number;
  /** Print the chapter's `[epoch, step] loss: x` line every this many steps (0: never). */
  logEvery?: number;
  /** Loss of a batch from the model's output (default: the criterion on the logits). */
  lossFn?: (out: unknown, y: torch.Tensor) => torch.Tensor;
  label?: string;
  /** Called after every step with its loss (for step-by-step comparisons). */
  onStep?: (step: number, loss: number) => void;
  /** No progress bar (a distributed job's ranks other than 0). */
  quiet?: boolean;
}

/** One epoch of training: zeroGrad, forward, loss, backward, step for every batch, freeing each step's tensors. */
export async function trainEpoch(o: TrainEpochOptions): Promise<PhaseResult> {
  const { model, optimizer, criterion } = o;
  const steps = Math.min(o.loader.length, o.maxSteps ?? Infinity);
  const bar = new ProgressBar({ total: steps, desc: o.label ?? `epoch ${o.epoch} train`, unit: 'batch', disable: o.quiet });
  const lossFn = o.lossFn ?? ((out: unknown, y: torch.Tensor) => criterion.call(logitsOf(out), y));
  model.train();
  let lossSum = 0, correct = 0, seen = 0, step = 0, running = 0;
  const t0 = performance.now();
  for await (const [x, y] of take(o.loader, steps)) {
    const n = y.size(0);
    const [loss, right] = torch.tidy(() => {
      optimizer.zeroGrad();
      const out = model.call(x);
      const l = lossFn(out, y);
      l.backward();
      optimizer.step();
      const r = torch.noGrad(() => logitsOf(out).argmax(1).eq(y).sum().item());
      return [l.item(), r] as const;
    });
    x.dispose();
    y.dispose();
    step++;
    o.onStep?.(step, loss);
    lossSum += loss * n;
    correct += right;
    seen += n;
    running += loss;
    if (o.logEvery && step % o.logEvery === 0) {
      logAbove(`[${o.epoch}, ${String(step).padStart(5)}] loss: ${(running / o.logEvery).toFixed(3)}`);
      running = 0;
    }
    const secs = (performance.now() - t0) / 1000;
    bar.setPostfix({ loss: (lossSum / seen).toFixed(3), 'img/s': (seen / secs).toFixed(0) }, false);
    bar.update(1);
  }
  bar.close();
  const seconds = (performance.now() - t0) / 1000;
  return { loss: seen ? lossSum / seen : NaN, accuracy: seen ? correct / seen : 0, images: seen, seconds, imagesPerSecond: seen / seconds };
}

export interface EvaluateOptions {
  model: Module;
  loader: BatchSource;
  classes: string[];
  criterion?: Criterion;
  maxSteps?: number;
  label?: string;
}

/** Accuracy, per-class accuracy and confusion matrix of a model on a loader, in eval mode without autograd. */
export async function evaluate(o: EvaluateOptions): Promise<PhaseResult & { confusion: ConfusionMatrix }> {
  const steps = Math.min(o.loader.length, o.maxSteps ?? Infinity);
  const bar = new ProgressBar({ total: steps, desc: o.label ?? 'evaluate', unit: 'batch' });
  const cm = new ConfusionMatrix(o.classes);
  const wasTraining = o.model.training;
  o.model.eval();
  let lossSum = 0, seen = 0;
  const t0 = performance.now();
  for await (const [x, y] of take(o.loader, steps)) {
    const n = y.size(0);
    torch.inferenceMode(() => torch.tidy(() => {
      const logits = logitsOf(o.model.call(x));
      cm.update(logits, y);
      if (o.criterion) lossSum += o.criterion.call(logits, y).item() * n;
    }));
    x.dispose();
    y.dispose();
    seen += n;
    bar.setPostfix({ 'img/s': (seen / ((performance.now() - t0) / 1000)).toFixed(0) }, false);
    bar.update(1);
  }
  bar.close();
  o.model.train(wasTraining);
  const seconds = (performance.now() - t0) / 1000;
  const r = cm.report();
  return { loss: o.criterion && seen ? lossSum / seen : NaN, accuracy: r.accuracy, images: seen, seconds, imagesPerSecond: seen / seconds, confusion: cm };
}
