// torch.utils.data.get_worker_info(): what a DataLoader worker knows about itself. The in-process workers
// (dataloader.ts) and the worker threads (worker-thread.ts) both set it around their work.

/** What torch.utils.data.get_worker_info() returns inside a worker. */
import { withArgs } from '../args.js';
export interface WorkerInfo {
  id: number;
  numWorkers: number;
  /** The worker's seed (base seed + id). */
  seed: bigint;
  dataset: unknown;
}

let currentWorker: WorkerInfo | null = null;

/** Inside a worker's work (get, collate, the init hook): its id, count and seed; null outside workers. */
/** torch.utils.data.get_worker_info(): this worker's id, count, seed and dataset, or null in the main thread. */
export const getWorkerInfo = withArgs('getWorkerInfo', 'torch.utils.data.get_worker_info', '', (): WorkerInfo | null => currentWorker);

/** Sets what getWorkerInfo() returns; returns the previous value, to restore. */
export function setWorkerInfo(info: WorkerInfo | null): WorkerInfo | null {
  const saved = currentWorker;
  currentWorker = info;
  return saved;
}
