// The messages between a DataLoader and its worker threads (worker-pool.ts <-> worker-thread.ts).
import type { BootstrapData } from '../worker-bootstrap.js';

/** How a worker thread builds its own copy of the dataset: `(await import(module))[export](...args)`. */
export interface WorkerDatasetSpec {
  /** The module: a file path (absolute, or relative to the current directory), a file: URL such as `import.meta.url`, or a package name. */
  module: string | URL;
  /** The name of the module's factory export, called with `args`; it may return a Promise of the dataset. */
  export: string;
  /** The factory's arguments: JSON-like values (anything structured clone copies). */
  args?: readonly unknown[];
  /**
   * The name of another export of the module, called as `init(workerId)` in each worker after the dataset is
   * built and the worker seeded (PyTorch's worker_init_fn, which runs in the worker).
   */
  init?: string;
}

/** What the worker does with a batch's samples before sending it: collate it, convert the lone sample, or send the samples as they are (a custom collateFn runs in the main thread). */
export type PackMode = 'collate' | 'convert' | 'raw';

export interface WorkerStart extends BootstrapData {
  /** [0]: messages posted on `port` so far; [1]: 1 once the worker has exited. */
  flag: SharedArrayBuffer;
  module: string;
  exportName: string;
  args: unknown[];
  init: string | null;
  id: number;
  numWorkers: number;
  seed: bigint;
  mode: PackMode;
}

/** Main -> worker: prepare batch k from these dataset indices (a single index when batching is off). */
export interface Task { k: number; indices: number[] | number }

/** Main -> worker: finish the current batch, skip the rest, and exit. */
export interface Stop { stop: true }

export type Reply =
  | { type: 'ready'; length: number | null }
  | { type: 'batch'; k: number; data: unknown }
  | { type: 'error'; k: number | null; index: number | null; message: string; stack: string };

export const START_FAILED = 'the worker thread failed to start';
