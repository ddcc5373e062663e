// A served model's thread: the one place its forward passes run, so that concurrent requests never run libtorch
// in parallel and oversubscribe the cores. It loads the model (as `tstorch predict` does: a published weights
// name, a checkpoint with the class names of the run beside it, or 'none'), builds its engine, chooses the
// intra-op threads, warms up, and then runs the batches the main thread sends, one at a time, answering with
// each image's top-k classes.
import { availableParallelism } from 'node:os';
import { workerData } from 'node:worker_threads';
import * as torch from '../../index.js';
import { unpack } from '../../data/pack.js';
import { loadZooModel } from '../../train/pretrained.js';
import { topk } from '../../train/predict.js';
import { createEngine, type InferenceEngine } from './engine.js';
import type { ModelInfo, ModelReply, ModelStart, RunBatch, Stop } from './model-protocol.js';

const start = workerData as ModelStart;
const post = (r: ModelReply): void => start.port.postMessage(r);

/** The fastest of 1 thread and all cores for a batch of `n`, timing the engine itself on zeros. */
async function chooseThreads(engine: InferenceEngine, shape: number[], n: number): Promise<number> {
  const max = availableParallelism();
  if (max <= 1) return 1;
  const x = torch.zeros([n, ...shape]);
  const best: Record<number, number> = {};
  try {
    for (const t of [1, max, 1, max]) {
      torch.setNumThreads(t);
      if (best[t] === undefined) (await engine.run(x)).dispose(); // warm-up at this size and thread count
      const t0 = performance.now();
      (await engine.run(x)).dispose();
      best[t] = Math.min(best[t] ?? Infinity, performance.now() - t0);
    }
  } finally {
    x.dispose();
  }
  return best[1]! <= best[max]! ? 1 : max;
}

async function load(): Promise<{ engine: InferenceEngine; info: ModelInfo; classes: string[] | null }> {
  const t0 = performance.now();
  const { spec } = start;
  const loaded = await loadZooModel(spec.arch, spec.weights, { progress: false });
  const p = loaded.preprocess;
  const crop = p.cropSize.length === 1 ? [p.cropSize[0]!, p.cropSize[0]!] : [p.cropSize[0]!, p.cropSize[1]!];
  const shape = [3, crop[0]!, crop[1]!];
  const example = torch.zeros([1, ...shape]);
  const engine = await createEngine(start.engine, loaded.model, { exampleInput: example });
  const out = await engine.run(example);
  const numClasses = out.shape[1]!;
  out.dispose();
  example.dispose();
  if (loaded.classes !== null && loaded.classes.length !== numClasses) {
    throw new Error(`${loaded.source} has ${numClasses} outputs but ${loaded.classes.length} class names`);
  }
  let threads: ModelInfo['threads'];
  if (start.threads > 0) {
    threads = { single: start.threads, batch: start.threads };
  } else {
    const single = await chooseThreads(engine, shape, 1);
    threads = { single, batch: start.batchSize > 1 ? await chooseThreads(engine, shape, start.batchSize) : single };
  }
  torch.setNumThreads(threads.batch);
  const info: ModelInfo = {
    arch: spec.arch, source: loaded.source, kind: loaded.kind, classes: loaded.classes, numClasses, preprocess: p,
    engine: engine.describe?.() ?? engine.engine, threads, loadSeconds: (performance.now() - t0) / 1000,
  };
  return { engine, info, classes: loaded.classes };
}

async function runBatch(engine: InferenceEngine, info: ModelInfo, classes: string[] | null, m: RunBatch): Promise<void> {
  const t0 = performance.now();
  let x: torch.Tensor | null = null;
  let out: torch.Tensor | null = null;
  try {
    x = torch.tidy(() => torch.stack(m.inputs.map((t) => unpack(t) as torch.Tensor)));
    torch.setNumThreads(m.inputs.length === 1 ? info.threads.single : info.threads.batch);
    out = await engine.run(x);
    const tops = topk(out, m.topk, classes);
    post({ type: 'result', id: m.id, tops, ms: performance.now() - t0 });
  } catch (e) {
    post({ type: 'error', id: m.id, message: e instanceof Error ? e.message : String(e) });
  } finally {
    x?.dispose();
    out?.dispose();
  }
}

try {
  const { engine, info, classes } = await load();
  // One batch at a time, in order, even when the engine's run() is asynchronous.
  let chain = Promise.resolve();
  start.port.on('message', (m: RunBatch | Stop) => {
    if (m.type === 'stop') {
      void chain.then(() => {
        engine.dispose?.();
        start.port.close();
      });
      return;
    }
    chain = chain.then(() => runBatch(engine, info, classes, m));
  });
  post({ type: 'ready', info });
} catch (e) {
  post({ type: 'load-failed', message: e instanceof Error ? e.message : String(e) });
  start.port.close();
}
