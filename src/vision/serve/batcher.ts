// Dynamic batching for one served model: preprocessed images wait here and run as one forward pass of up to
// `batchSize`. A batch leaves when it is full, when its oldest image has waited `maxBatchDelay` ms, or at once
// when no other image for the model is on its way (being uploaded or preprocessed): a lone client never waits
// for company that is not coming, and under load the queue fills while the previous batch runs. One batch is
// in the model's thread at a time, so the forward passes never compete for the cores.
import type { TopK } from '../../train/predict.js';
import type { ClassificationTransformParams } from '../models/weights.js';
import type { ModelHost } from './model-host.js';

export interface BatchItem {
  /** A packed CHW tensor (data/pack.ts) from a preprocessing thread. */
  tensor: unknown;
  topk: number;
  /** Set when the request gave up (timeout, client gone): the item is dropped instead of run. */
  cancelled: boolean;
  enqueuedAt: number;
}

export interface BatchResult {
  top: TopK[];
  /** The size of the batch the image ran in. */
  batchSize: number;
  /** Time in the queue and in the forward pass (ms). */
  queueMs: number;
  inferenceMs: number;
  /** libtorch threads of the forward pass. */
  threads: number;
  /** Decode and preprocess time, when the model's thread did them (runAlone). */
  preprocessMs?: number;
}

interface Queued {
  item: BatchItem;
  resolve: (r: BatchResult) => void;
  reject: (e: Error) => void;
}

export interface BatcherOptions {
  batchSize: number;
  maxBatchDelay: number;
  /** Called after every batch (for metrics). */
  onBatch?: (size: number, inferenceMs: number) => void;
}

export class CancelledError extends Error {}

export class Batcher {
  private queue: Queued[] = [];
  private busy = false;
  private timer: NodeJS.Timeout | null = null;
  /** Images for this model still being uploaded or preprocessed. */
  private upstream = 0;

  constructor(private readonly host: ModelHost, private readonly opts: BatcherOptions) {}

  /** Images waiting for a batch. */
  get waiting(): number { return this.queue.length; }
  get running(): boolean { return this.busy; }

  /** Counts images on their way (n > 0) or no longer on their way (n < 0); see the header. */
  expect(n: number): void {
    this.upstream += n;
    if (n < 0) this.schedule();
  }

  /** Queues an image; `announced`: it was counted with expect(1), and stops counting as on its way now. */
  submit(item: BatchItem, announced = false): Promise<BatchResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (announced) this.upstream--;
      this.schedule();
    });
  }

  /**
   * Whether an announced image may skip the preprocessing threads and the queue (runAlone): the model is idle,
   * nothing waits, and no other image is on its way, so no batch could form around it anyway.
   */
  get alone(): boolean { return !this.busy && this.queue.length === 0 && this.upstream === 1; }

  /**
   * Runs one announced image (expect(1)) as a batch of 1, decoded and preprocessed in the model's thread; check
   * `alone` first. Rejects with the host's DecodeError for an image that cannot be decoded.
   */
  async runAlone(bytes: Uint8Array, preprocess: ClassificationTransformParams, topk: number): Promise<BatchResult> {
    if (!this.alone) throw new Error('runAlone: the model is busy or other images are on their way');
    this.busy = true;
    this.upstream--;
    try {
      const r = await this.host.decodeAndRun(bytes, preprocess, topk);
      this.opts.onBatch?.(1, r.ms);
      return { top: r.tops[0]!.slice(0, topk), batchSize: 1, queueMs: 0, inferenceMs: r.ms, threads: r.threads, preprocessMs: r.preprocessMs };
    } finally {
      this.busy = false;
      this.schedule();
    }
  }

  private schedule(): void {
    if (this.busy) return;
    // Items whose requests gave up leave without running.
    while (this.queue.length > 0 && this.queue[0]!.item.cancelled) this.queue.shift()!.reject(new CancelledError('cancelled'));
    if (this.queue.length === 0) return;
    const age = performance.now() - this.queue[0]!.item.enqueuedAt;
    if (this.queue.length >= this.opts.batchSize || this.upstream <= 0 || age >= this.opts.maxBatchDelay) {
      this.dispatch();
    } else if (this.timer === null) {
      this.timer = setTimeout(() => { this.timer = null; this.schedule(); }, Math.max(0, this.opts.maxBatchDelay - age));
    }
  }

  private dispatch(): void {
    if (this.timer !== null) { clearTimeout(this.timer); this.timer = null; }
    const batch: Queued[] = [];
    while (batch.length < this.opts.batchSize && this.queue.length > 0) {
      const q = this.queue.shift()!;
      if (q.item.cancelled) q.reject(new CancelledError('cancelled'));
      else batch.push(q);
    }
    if (batch.length === 0) return;
    this.busy = true;
    const start = performance.now();
    const topk = Math.max(...batch.map((q) => q.item.topk));
    const transfer = batch.map((q) => (q.item.tensor as { bytes: ArrayBuffer }).bytes);
    this.host.run(batch.map((q) => q.item.tensor), topk, transfer).then(({ tops, ms, threads }) => {
      this.opts.onBatch?.(batch.length, ms);
      batch.forEach((q, i) => q.resolve({
        top: tops[i]!.slice(0, q.item.topk), batchSize: batch.length, queueMs: start - q.item.enqueuedAt, inferenceMs: ms, threads,
      }));
    }, (e: Error) => {
      for (const q of batch) q.reject(e);
    }).finally(() => {
      this.busy = false;
      this.schedule();
    });
  }

  /** Fails everything still waiting (the model died). */
  failAll(e: Error): void {
    for (const q of this.queue.splice(0)) q.reject(e);
  }
}
