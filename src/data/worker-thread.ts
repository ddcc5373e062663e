// The body of a DataLoader worker thread (started by worker-pool.ts): builds its own dataset from the
// factory, draws from a private generator seeded as PyTorch seeds worker `id` (base seed + id), prepares
// the batches it is sent in order, and posts them as plain bytes (pack.ts).
import { parentPort, workerData } from 'node:worker_threads';
import { native } from '../native/binding.js';
import { setNumThreads } from '../config.js';
import { tidy } from '../memory.js';
import { Generator } from '../random.js';
import { getItem, isMapDataset, type MapDataset } from './dataset.js';
import { defaultCollate, defaultConvert } from './collate.js';
import { setWorkerInfo } from './worker-info.js';
import { pack } from './pack.js';
import type { Reply, Stop, Task, WorkerStart } from './worker-protocol.js';

const start = workerData as WorkerStart;
const flag = new Int32Array(start.flag);

function post(reply: Reply, transfer: ArrayBuffer[] = []): void {
  start.port.postMessage(reply, transfer);
  Atomics.add(flag, 0, 1);
  Atomics.notify(flag, 0);
}

function errorReply(e: unknown, k: number | null, index: number | null): Reply {
  const err = e instanceof Error ? e : new Error(String(e));
  return { type: 'error', k, index, message: err.message, stack: err.stack ?? err.message };
}

// A failure outside a batch (a rejected promise left behind by the dataset) must still reach the main thread,
// which may be blocked waiting for this worker.
process.on('uncaughtException', (e) => { post(errorReply(e, null, null)); process.exit(1); });
process.on('unhandledRejection', (e) => { post(errorReply(e, null, null)); process.exit(1); });
process.on('exit', () => {
  Atomics.store(flag, 1, 1);
  Atomics.add(flag, 0, 1);
  Atomics.notify(flag, 0);
});

// The main thread trains with libtorch's threads; a worker that also used them all would compete with it.
setNumThreads(1);

const isPromise = (v: unknown): v is Promise<unknown> =>
  v !== null && typeof v === 'object' && typeof (v as { then?: unknown }).then === 'function';

// The generator is this thread's baseline, so that draws after an await in an asynchronous dataset also
// come from it; `run` covers the synchronous parts so that a generator the dataset runs itself is undone
// back to it.
// Until the worker's own stream starts, a throwaway one: nothing in this thread may draw from the default
// generator, which the main thread trains with.
let generator = new Generator(start.seed);
native.useGenerator(generator._g);
function onGenerator<T>(g: Generator, fn: () => T): T {
  try {
    return g.run(fn);
  } finally {
    native.useGenerator(g._g);
  }
}

async function setUp(): Promise<MapDataset> {
  const mod = (await import(start.module)) as Record<string, unknown>;
  const factory = mod[start.exportName];
  if (typeof factory !== 'function') {
    throw new TypeError(`workerDataset: ${start.module} has no function export '${start.exportName}' (its exports: ${Object.keys(mod).join(', ') || 'none'})`);
  }
  // The factory draws (if it does) from a generator of its own, so that building the dataset does not
  // shift the worker's stream, which then starts where PyTorch's worker starts.
  const dataset = await onGenerator(new Generator(start.seed), () => (factory as (...a: unknown[]) => unknown)(...start.args));
  if (!isMapDataset(dataset)) {
    throw new TypeError(`workerDataset: ${start.exportName}(...) in ${start.module} did not return a map-style dataset (an object with length and get(i), or an array)`);
  }
  generator = new Generator(start.seed);
  native.useGenerator(generator._g);
  setWorkerInfo({ id: start.id, numWorkers: start.numWorkers, seed: start.seed, dataset });
  if (start.init !== null) {
    const init = mod[start.init];
    if (typeof init !== 'function') throw new TypeError(`workerDataset: ${start.module} has no function export '${start.init}' (the init hook)`);
    await onGenerator(generator, () => (init as (id: number) => unknown)(start.id));
  }
  return dataset;
}

async function prepare(dataset: MapDataset, task: Task): Promise<void> {
  const indices = typeof task.indices === 'number' ? [task.indices] : task.indices;
  let at: number | null = null;
  try {
    const finish = (samples: unknown[], transfer: ArrayBuffer[]): unknown => {
      if (start.mode === 'collate') return pack(defaultCollate(samples), transfer);
      if (start.mode === 'convert') return pack(defaultConvert(samples[0]), transfer);
      return pack(samples, transfer);
    };
    const transfer: ArrayBuffer[] = [];
    // Not in a tidy scope: an asynchronous get() may have made its sample's tensors before returning its
    // Promise. Collating and packing is, so the batch tensor is freed at once; the samples' tensors go with GC.
    const fetched = onGenerator(generator, () => indices.map((i) => { at = i; return getItem(dataset, i); }));
    // Each rejection is reported when its sample is awaited, in order, not as an unhandled rejection.
    for (const s of fetched) if (isPromise(s)) s.catch(() => undefined);
    const samples: unknown[] = [];
    for (let j = 0; j < fetched.length; j++) {
      at = indices[j]!;
      const s = fetched[j];
      samples.push(isPromise(s) ? await s : s);
    }
    at = null;
    const packed = onGenerator(generator, () => tidy(() => finish(samples, transfer)));
    post({ type: 'batch', k: task.k, data: packed }, transfer);
  } catch (e) {
    post(errorReply(e, task.k, at));
  }
}

try {
  const dataset = await setUp();
  post({ type: 'ready', length: dataset.length });
  let chain = Promise.resolve();
  let stopping = false;
  parentPort!.on('message', (m: Task | Stop) => {
    if ('stop' in m) {
      // With both ports closed and the queued batches skipped, the thread's event loop empties and it exits.
      stopping = true;
      parentPort!.close();
      void chain.then(() => start.port.close());
      return;
    }
    chain = chain.then(() => (stopping ? undefined : prepare(dataset, m)));
  });
} catch (e) {
  post(errorReply(e, null, null));
}
