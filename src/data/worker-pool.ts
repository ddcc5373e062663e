// The worker threads of one DataLoader iterator. Batch k goes to worker k % N (PyTorch's round-robin) and
// each worker answers in the order it was asked, so reading batch k is reading worker k % N's next reply:
// no reordering buffer is needed. Replies are read with receiveMessageOnPort, waiting on a shared counter,
// which serves both `for...of` (Atomics.wait) and `for await` (Atomics.waitAsync).
import { Worker, MessageChannel, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BOOTSTRAP, threadEntry } from '../worker-bootstrap.js';
import { START_FAILED, type PackMode, type Reply, type Stop, type Task, type WorkerDatasetSpec, type WorkerStart } from './worker-protocol.js';

const STOP_TIMEOUT_MS = 10_000;

let live = 0;
/** Worker threads started by DataLoaders and not yet exited (for tests and diagnostics). */
export function liveWorkerThreads(): number { return live; }

/** A module specifier a worker thread can import, from a path (relative to the current directory) or URL. */
export function moduleHref(module: string | URL): string {
  if (module instanceof URL) return module.href;
  if (/^[a-z][a-z0-9+.-]*:/i.test(module) && !/^[a-z]:[\\/]/i.test(module)) return module;
  if (isAbsolute(module) || module.startsWith('.')) return pathToFileURL(resolve(module)).href;
  return module;
}

export function checkSpec(spec: WorkerDatasetSpec): void {
  if (spec === null || typeof spec !== 'object') throw new TypeError('DataLoader: workerDataset must be an object {module, export, args?, init?}');
  if (!(spec.module instanceof URL) && (typeof spec.module !== 'string' || spec.module === '')) {
    throw new TypeError('DataLoader: workerDataset.module must be a module path or URL (e.g. import.meta.url)');
  }
  if (typeof spec.export !== 'string' || spec.export === '') throw new TypeError('DataLoader: workerDataset.export must name the factory export');
  if (spec.args !== undefined && !Array.isArray(spec.args)) throw new TypeError('DataLoader: workerDataset.args must be an array of the factory\'s arguments');
  if (spec.init !== undefined && typeof spec.init !== 'string') throw new TypeError('DataLoader: workerDataset.init must name an export of the module');
  try {
    structuredClone(spec.args ?? []);
  } catch (e) {
    throw new TypeError(`DataLoader: workerDataset.args cannot be sent to a worker thread (${(e as Error).message}); pass JSON-like values`);
  }
}

interface Slot {
  worker: Worker;
  port: MessagePort;
  flag: Int32Array;
  ready: boolean;
  /** Batches sent and not yet answered. */
  outstanding: number;
  failure?: Error;
}

export class WorkerError extends Error {}

// Node 16+ has Atomics.waitAsync; the TypeScript lib this project targets does not declare it yet.
const waitAsync = (Atomics as unknown as {
  waitAsync(a: Int32Array, index: number, value: number): { async: boolean; value: Promise<string> | string };
}).waitAsync;

export class WorkerPool {
  private readonly slots: Slot[];
  private closed_ = false;

  constructor(private readonly spec: WorkerDatasetSpec, numWorkers: number, baseSeed: bigint, mode: PackMode,
    private readonly expectedLength: number) {
    const { entry, tsx } = threadEntry(import.meta.url, 'worker-thread');
    // A worker whose module cannot load answers with this error (see worker-bootstrap.ts).
    const failure = { type: 'error', k: null, index: null, message: START_FAILED, stack: '' };
    this.slots = [];
    try {
      for (let id = 0; id < numWorkers; id++) {
        const { port1, port2 } = new MessageChannel();
        const sab = new SharedArrayBuffer(8);
        const start: WorkerStart = {
          entry, tsx, flag: sab, port: port2, failure, failureField: 'message', module: moduleHref(spec.module), exportName: spec.export,
          args: [...(spec.args ?? [])], init: spec.init ?? null, id, numWorkers, seed: baseSeed + BigInt(id), mode,
        };
        const worker = new Worker(BOOTSTRAP, { eval: true, workerData: start, transferList: [port2], name: `DataLoader worker ${id}` });
        live++;
        const slot: Slot = { worker, port: port1, flag: new Int32Array(sab), ready: false, outstanding: 0 };
        worker.on('error', (e) => { slot.failure ??= e; this.wake(slot); });
        worker.on('exit', (code) => {
          live--;
          slot.failure ??= new Error(`exited with code ${code}`);
          this.wake(slot);
        });
        // An iterator that is dropped without being finished must not keep the process alive; while the main
        // thread waits for a batch, the worker is ref'd again (receive).
        worker.unref();
        port1.unref();
        this.slots.push(slot);
      }
    } catch (e) {
      this.close();
      throw e;
    }
  }

  get size(): number { return this.slots.length; }
  get closed(): boolean { return this.closed_; }

  private wake(slot: Slot): void {
    Atomics.add(slot.flag, 0, 1);
    Atomics.notify(slot.flag, 0);
  }

  send(task: Task): void {
    const slot = this.slots[task.k % this.slots.length]!;
    slot.worker.postMessage(task);
    slot.outstanding++;
  }

  /**
   * Waits for the answers to batches sent in an epoch that was left unfinished, and drops them: a persistent
   * worker prepares them anyway (drawing from its generator, as PyTorch's do) before the next epoch's.
   */
  drain(): void {
    this.slots.forEach((slot, w) => {
      while (slot.outstanding > 0) {
        const seen = Atomics.load(slot.flag, 0);
        const r = this.poll(w);
        if (r === undefined) { Atomics.wait(slot.flag, 0, seen, 1000); continue; }
        if (r.type === 'ready') this.accept(w, -1, r);
        else slot.outstanding--;
      }
    });
  }

  private describe(w: number): string {
    return `DataLoader worker ${w} (dataset ${String(this.spec.export)} from ${moduleHref(this.spec.module)})`;
  }

  /** Handles a reply: the batch data, or null for a 'ready' reply (which is checked); errors are thrown. */
  private accept(w: number, k: number, r: Reply): unknown {
    const slot = this.slots[w]!;
    if (r.type !== 'ready') slot.outstanding--;
    if (r.type === 'error') {
      const where = r.index !== null ? ` on sample index ${r.index} (batch ${r.k})` : r.k !== null ? ` while collating batch ${r.k}` : '';
      throw new WorkerError(`${this.describe(w)} failed${where}: ${r.message}`, { cause: r.stack });
    }
    if (r.type === 'ready') {
      slot.ready = true;
      if (r.length !== this.expectedLength) {
        throw new WorkerError(`${this.describe(w)}: its dataset has ${r.length} samples but the DataLoader's dataset has ${this.expectedLength}; the factory must build the same dataset`);
      }
      return null;
    }
    if (r.k !== k) throw new WorkerError(`${this.describe(w)}: expected batch ${k}, got batch ${r.k}`);
    return r.data;
  }

  private poll(w: number): Reply | undefined {
    const slot = this.slots[w]!;
    const m = receiveMessageOnPort(slot.port);
    if (m !== undefined) return m.message as Reply;
    if (slot.failure !== undefined || Atomics.load(slot.flag, 1) === 1) {
      // The worker may have posted its last reply just before exiting.
      const late = receiveMessageOnPort(slot.port);
      if (late !== undefined) return late.message as Reply;
      throw new WorkerError(`${this.describe(w)} stopped unexpectedly: ${slot.failure?.message ?? 'it exited'}`);
    }
    return undefined;
  }

  /** Batch k's data, blocking the thread until worker k % N has it. */
  receiveSync(k: number): unknown {
    const w = k % this.slots.length;
    const slot = this.slots[w]!;
    for (;;) {
      const seen = Atomics.load(slot.flag, 0);
      const r = this.poll(w);
      if (r !== undefined) {
        const data = this.accept(w, k, r);
        if (r.type === 'batch') return data;
        continue;
      }
      Atomics.wait(slot.flag, 0, seen, 1000);
    }
  }

  /** Batch k's data, without blocking the thread. */
  async receive(k: number): Promise<unknown> {
    const w = k % this.slots.length;
    const slot = this.slots[w]!;
    for (;;) {
      const seen = Atomics.load(slot.flag, 0);
      const r = this.poll(w);
      if (r !== undefined) {
        const data = this.accept(w, k, r);
        if (r.type === 'batch') return data;
        continue;
      }
      const waiting = waitAsync(slot.flag, 0, seen);
      if (waiting.async) {
        slot.worker.ref();
        try { await waiting.value; } finally { if (!this.closed_) slot.worker.unref(); }
      }
    }
  }

  /** Stops every worker (idempotent). */
  close(): void {
    if (this.closed_) return;
    this.closed_ = true;
    for (const s of this.slots) {
      s.port.close();
      // A worker stops after its current batch rather than being terminated: terminating a thread inside an
      // addon call makes the addon throw past N-API (an abort), and so does a process exit during the thread's
      // teardown, so the process is also held until the thread is gone. A worker stuck in its dataset is
      // terminated after a while.
      s.worker.postMessage({ stop: true } satisfies Stop);
      s.worker.ref();
      const timer = setTimeout(() => void s.worker.terminate(), STOP_TIMEOUT_MS);
      timer.unref();
      s.worker.once('exit', () => clearTimeout(timer));
    }
  }
}

// Iterators dropped unfinished (never returned) still stop their workers once collected.
export const poolRegistry = new FinalizationRegistry<WorkerPool>((pool) => pool.close());
