// A served model's worker thread: one of the places its forward passes run (one batch at a time each; a model has
// `replicas` of them, each with its own copy of the model, and their intra-op threads together fit the cores, so
// that concurrent batches never oversubscribe them). It loads the model (as `tstorch predict` does: a published
// weights name, a checkpoint with the class names of the run beside it, or 'none'), builds its engine, times the
// intra-op thread counts (and keeps choosing them per batch as it serves: thread-choice.ts), and then runs the
// batches the main thread sends, one at a time, answering with each image's top-k classes.
import { availableParallelism } from 'node:os';
import { workerData } from 'node:worker_threads';
import * as torch from '../../index.js';
import * as blas from '../../blas.js';
import { unpack } from '../../data/pack.js';
import { loadZooModel } from '../../train/pretrained.js';
import { topk } from '../../train/predict.js';
import { preprocessUpload } from './preprocess-image.js';
import { createEngine, type InferenceEngine } from './engine.js';
import { keptCandidates, ThreadChooser } from './thread-choice.js';
import type { DecodeBatch, DecodeRun, ModelInfo, ModelReply, ModelStart, Probe, RunBatch, SetReplicas, Stop } from './model-protocol.js';

const start = workerData as ModelStart;
const post = (r: ModelReply): void => start.port.postMessage(r);

/**
 * The thread counts a forward pass may get. A lone image (worker 0, every worker idle, nothing being decoded) may
 * use every core: 1, the cores the preprocessing threads leave, or all of them. A batch shares the cores with the
 * model's other workers: with one worker the same candidates, with several at most its share of the cores (1 each
 * with 2 workers on 2 cores). `threads > 0` fixes the count.
 */
function threadCandidates(lone: boolean, replicas = start.replicas): number[] {
  if (start.threads > 0) return [start.threads];
  const cores = Math.max(1, Math.min(availableParallelism(), start.maxThreads));
  const all = [...new Set([1, Math.max(1, cores - start.workers), cores])];
  if (lone || replicas === 1) return all;
  return [...new Set([1, shareOfCores(replicas)])];
}

/** A batch's thread count when `replicas` workers run batches side by side: its share of the cores. */
function shareOfCores(replicas: number): number {
  const cores = Math.max(1, Math.min(availableParallelism(), start.maxThreads));
  return Math.max(1, Math.floor(cores / replicas));
}

/**
 * OpenBLAS's thread count for the next pass (process-wide; server.ts's `blasThreads` says why): a lone image's
 * pass, with nothing else to do on the machine, gets the pool (its MobileNet v3 pass: 11.6 ms against 13.8 ms on
 * one OpenBLAS thread, served at 1 client), a batch's gets `blas.batch`, so that the pool's threads, which spin
 * for ~0.1 s after each product, do not take the core that decodes the next batch. Results can differ in the last
 * bits between the two counts (OpenBLAS picks kernels by it, src/blas.ts), as they do between batch sizes.
 */
function useBlas(lone: boolean): void {
  if (start.blas === null) return;
  const n = lone ? start.blas.lone : start.blas.batch;
  if (blas.getNumThreads() !== n) blas.setNumThreads(n);
}

/**
 * Seeds the chooser (thread-choice.ts) by timing the engine itself on zeros at a batch of `n` with every
 * candidate, twice in turn, keeping each one's best; from then on the served batches keep it up to date.
 */
async function timeThreads(engine: InferenceEngine, chooser: ThreadChooser, shape: number[], n: number, lone: boolean): Promise<Map<number, number>> {
  if (chooser.candidates.length === 1) return new Map();
  useBlas(lone);
  const x = torch.zeros([n, ...shape]);
  const best = new Map<number, number>();
  try {
    for (const t of [...chooser.candidates, ...chooser.candidates]) {
      torch.setNumThreads(t);
      if (!best.has(t)) (await engine.run(x)).dispose(); // warm-up at this size and thread count
      const t0 = performance.now();
      (await engine.run(x)).dispose();
      best.set(t, Math.min(best.get(t) ?? Infinity, performance.now() - t0));
    }
  } finally {
    x.dispose();
  }
  for (const [t, ms] of best) chooser.record(n, t, ms);
  return best;
}

/**
 * The chooser for lone images (worker 0's decode-runs): its candidates timed at batch 1, and those that lost
 * badly with more threads dropped (keptCandidates), so that serving never switches to them to re-measure.
 */
async function loneChooser(engine: InferenceEngine, shape: number[]): Promise<ThreadChooser> {
  const timing = new ThreadChooser(threadCandidates(true));
  const best = await timeThreads(engine, timing, shape, 1, true);
  const kept = best.size > 0 ? keptCandidates(best) : timing.candidates;
  if (kept.length === timing.candidates.length) return timing;
  const lone = new ThreadChooser(kept);
  for (const t of kept) lone.record(1, t, best.get(t)!);
  return lone;
}

/** The chooser for batches, for `replicas` workers side by side, timed at the batch size. */
async function batchChooser(engine: InferenceEngine, shape: number[], replicas: number): Promise<ThreadChooser> {
  const batch = new ThreadChooser(threadCandidates(false, replicas));
  if (start.batchSize > 1) await timeThreads(engine, batch, shape, start.batchSize, false);
  return batch;
}

/** Thread choices for a lone image (decode-run) and for batches (run, decode-batch); batches of 1 use the latter. */
interface Choosers { lone: ThreadChooser; batch: ThreadChooser }

/**
 * A timed run for the choice of the model's worker count (server.ts): forward passes of zeros at the batch size,
 * at the thread count a batch gets with `replicas` workers, for at least `passes` passes and `ms` milliseconds.
 */
async function probe(engine: InferenceEngine, m: Probe, shape: number[]): Promise<void> {
  const x = torch.zeros([start.batchSize, ...shape]);
  try {
    torch.setNumThreads(shareOfCores(m.replicas));
    useBlas(false);
    (await engine.run(x)).dispose(); // the pass after a switch pays for it
    let passes = 0;
    const t0 = performance.now();
    while (passes < m.passes || performance.now() - t0 < m.ms) {
      (await engine.run(x)).dispose();
      passes++;
    }
    post({ type: 'probed', id: m.id, images: passes * start.batchSize, ms: performance.now() - t0 });
  } catch (e) {
    post({ type: 'error', id: m.id, message: e instanceof Error ? e.message : String(e) });
  } finally {
    x.dispose();
  }
}

/** What the start line and /models report of the choosers: their best counts so far, and whether they re-measure. */
function threadsInfo({ lone, batch }: Choosers): ModelInfo['threads'] {
  return {
    single: lone.best(1) ?? lone.candidates[0]!, batch: batch.best(start.batchSize) ?? batch.candidates[0]!,
    adaptive: lone.candidates.length > 1 || batch.candidates.length > 1,
  };
}

async function load(): Promise<{ engine: InferenceEngine; info: ModelInfo; classes: string[] | null; choosers: Choosers; shape: number[] }> {
  const t0 = performance.now();
  const { spec } = start;
  const loaded = await loadZooModel(spec.arch, spec.weights, { progress: false });
  const p = loaded.preprocess;
  const crop = p.cropSize.length === 1 ? [p.cropSize[0]!, p.cropSize[0]!] : [p.cropSize[0]!, p.cropSize[1]!];
  const shape = [3, crop[0]!, crop[1]!];
  const example = torch.zeros([1, ...shape]);
  const engine = await createEngine(start.engine, loaded.model, { exampleInput: example, memoryFormat: start.memoryFormat });
  const out = await engine.run(example);
  const numClasses = out.shape[1]!;
  out.dispose();
  example.dispose();
  if (loaded.classes !== null && loaded.classes.length !== numClasses) {
    throw new Error(`${loaded.source} has ${numClasses} outputs but ${loaded.classes.length} class names`);
  }
  // Only worker 0 runs lone images; the others' lone chooser is never asked.
  const lone = start.replica === 0 ? await loneChooser(engine, shape) : new ThreadChooser([1]);
  const batch = await batchChooser(engine, shape, start.replicas);
  const threads = threadsInfo({ lone, batch });
  const info: ModelInfo = {
    arch: spec.arch, source: loaded.source, kind: loaded.kind, classes: loaded.classes, numClasses, preprocess: p,
    engine: engine.describe?.() ?? engine.engine, threads, workers: start.replicas, loadSeconds: (performance.now() - t0) / 1000,
  };
  return { engine, info, classes: loaded.classes, choosers: { lone, batch }, shape };
}

/**
 * A decode-run's image as a batch of 1, decoded and preprocessed exactly as a preprocessing thread does it
 * (preprocess-thread.ts); null with the decoder's message posted when the image cannot be decoded. It runs at
 * the thread count of the last forward pass: at::set_num_threads also rebuilds libtorch's pthreadpool, so
 * switching to 1 and back for every lone request would cost more than the preprocessing's few parallel loops.
 */
async function decodeOne(m: DecodeRun): Promise<torch.Tensor | null> {
  try {
    return await preprocessUpload(m.bytes, m.preprocess, (x) => x.unsqueeze(0));
  } catch (e) {
    post({ type: 'decode-error', id: m.id, message: e instanceof Error ? e.message : String(e) });
    return null;
  }
}

/** One forward pass of the batch x at the thread count the chooser picks for its size, timed for the chooser. */
async function forward(engine: InferenceEngine, chooser: ThreadChooser, x: torch.Tensor, lone = false): Promise<{ out: torch.Tensor; threads: number }> {
  const n = x.shape[0]!;
  const threads = chooser.choose(n);
  useBlas(lone);
  // at::set_num_threads sets this thread's OpenMP team size; libtorch's parallel regions read it per region.
  const switched = threads !== torch.getNumThreads();
  if (switched) torch.setNumThreads(threads);
  const f0 = performance.now();
  const out = await engine.run(x);
  // The first pass after a switch pays for it (libtorch's pthreadpool and oneDNN's kernels for that thread
  // count are rebuilt): measured, 1-thread MobileNet v3 passes right after 2-thread ones took 5x their time.
  if (!switched) chooser.record(n, threads, performance.now() - f0);
  return { out, threads };
}

/**
 * A decode-batch: each image decoded and preprocessed as a preprocessing thread does it, the ones that decode run
 * as one forward pass; an image the decoder refuses gets its message, the others their answers.
 */
async function runDecodedBatch(engine: InferenceEngine, chooser: ThreadChooser, classes: string[] | null, m: DecodeBatch): Promise<void> {
  const t0 = performance.now();
  const xs: (torch.Tensor | null)[] = [];
  const errors: (string | null)[] = [];
  let x: torch.Tensor | null = null;
  let out: torch.Tensor | null = null;
  try {
    for (const bytes of m.images) {
      try {
        xs.push(await preprocessUpload(bytes, m.preprocess, (t) => t));
        errors.push(null);
      } catch (e) {
        xs.push(null);
        errors.push(e instanceof Error ? e.message : String(e));
      }
    }
    const preprocessMs = performance.now() - t0;
    const good = xs.filter((t): t is torch.Tensor => t !== null);
    let tops: ReturnType<typeof topk> = [];
    let threads = torch.getNumThreads();
    const f0 = performance.now();
    if (good.length > 0) {
      x = torch.stack(good);
      const r = await forward(engine, chooser, x);
      out = r.out;
      threads = r.threads;
      tops = topk(out, m.topk, classes);
    }
    let k = 0;
    post({ type: 'decoded', id: m.id, tops: xs.map((t) => (t === null ? null : tops[k++]!)), errors, ms: performance.now() - f0, threads, preprocessMs });
  } catch (e) {
    post({ type: 'error', id: m.id, message: e instanceof Error ? e.message : String(e) });
  } finally {
    for (const t of xs) t?.dispose();
    x?.dispose();
    out?.dispose();
  }
}

async function runBatch(engine: InferenceEngine, choosers: Choosers, classes: string[] | null, m: RunBatch | DecodeRun | DecodeBatch): Promise<void> {
  if (m.type === 'decode-batch') return runDecodedBatch(engine, choosers.batch, classes, m);
  const chooser = m.type === 'decode-run' ? choosers.lone : choosers.batch;
  let t0 = performance.now();
  let preprocessMs: number | undefined;
  let x: torch.Tensor | null = null;
  let out: torch.Tensor | null = null;
  try {
    if (m.type === 'decode-run') {
      x = await decodeOne(m);
      if (x === null) return;
      preprocessMs = performance.now() - t0;
      t0 = performance.now();
    } else {
      x = torch.tidy(() => torch.stack(m.inputs.map((t) => unpack(t) as torch.Tensor)));
    }
    const r = await forward(engine, chooser, x, m.type === 'decode-run');
    out = r.out;
    const threads = r.threads;
    const tops = topk(out, m.topk, classes);
    post({ type: 'result', id: m.id, tops, ms: performance.now() - t0, threads, ...(preprocessMs !== undefined ? { preprocessMs } : {}) });
  } catch (e) {
    post({ type: 'error', id: m.id, message: e instanceof Error ? e.message : String(e) });
  } finally {
    x?.dispose();
    out?.dispose();
  }
}

try {
  const { engine, info, classes, choosers, shape } = await load();
  // One batch at a time, in order, even when the engine's run() is asynchronous.
  let chain = Promise.resolve();
  start.port.on('message', (m: RunBatch | DecodeRun | DecodeBatch | Probe | SetReplicas | Stop) => {
    if (m.type === 'stop') {
      void chain.then(() => {
        engine.dispose?.();
        start.port.close();
      });
      return;
    }
    if (m.type === 'probe') {
      chain = chain.then(() => probe(engine, m, shape));
      return;
    }
    if (m.type === 'replicas') {
      // The server settled on another worker count: batches get another share of the cores, timed again.
      chain = chain.then(async () => {
        try {
          choosers.batch = await batchChooser(engine, shape, m.replicas);
          const t = threadsInfo(choosers);
          post({ type: 'replicas-set', id: m.id, batchThreads: t.batch, adaptive: t.adaptive });
        } catch (e) {
          post({ type: 'error', id: m.id, message: e instanceof Error ? e.message : String(e) });
        }
      });
      return;
    }
    chain = chain.then(() => runBatch(engine, choosers, classes, m));
  });
  post({ type: 'ready', info });
} catch (e) {
  post({ type: 'load-failed', message: e instanceof Error ? e.message : String(e) });
  start.port.close();
}
