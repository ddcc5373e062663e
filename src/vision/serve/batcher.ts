// Dynamic batching for one served model: preprocessed images wait here and run as one forward pass of up to
// `batchSize`. A batch leaves when it is full, when its oldest image has waited `maxBatchDelay` ms, or at once
// when no other image for the model is on its way (being uploaded or preprocessed): a lone client never waits
// for company that is not coming, and under load the queue fills while the previous batch runs. A model has one
// or more workers (model threads, each with its own copy of the weights, model-host.ts); each runs one batch at a
// time, so a batch leaves when a worker is idle, and with two workers on two cores two batches run side by side,
// each on one core (at 1 intra-op thread each, no OpenMP team waits at a barrier for a preempted member).
import type { TopK } from '../../train/predict.js';
import type { ClassificationTransformParams } from '../models/weights.js';
import type { ModelHost } from './model-host.js';

export interface BatchItem {
  /** A packed CHW tensor (data/pack.ts) from a preprocessing thread; or, without preprocessing threads, null with `bytes`. */
  tensor: unknown;
  /** The upload itself, decoded and preprocessed (`preprocess`) by the model worker that runs its batch. */
  bytes?: Uint8Array;
  preprocess?: ClassificationTransformParams;
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
  /** Decode and preprocess time, when the model's thread did them (runAlone, or a batch of uploads). */
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
  private readonly hosts: readonly ModelHost[];
  /** Workers running a batch now. */
  private readonly busy = new Set<ModelHost>();
  private timer: NodeJS.Timeout | null = null;
  /** Images for this model still being uploaded or preprocessed. */
  private upstream = 0;

  /** `hosts`: the model's workers; the first also runs the lone images (runAlone). */
  constructor(hosts: ModelHost | readonly ModelHost[], private readonly opts: BatcherOptions) {
    this.hosts = Array.isArray(hosts) ? [...(hosts as readonly ModelHost[])] : [hosts as ModelHost];
    if (this.hosts.length === 0) throw new RangeError('Batcher: a model needs at least one worker');
  }

  /** Images waiting for a batch. */
  get waiting(): number { return this.queue.length; }
  /** Whether any worker is running a batch. */
  get running(): boolean { return this.busy.size > 0; }

  /**
   * An idle worker for the next batch: the last idle one, so that the first worker (which also runs lone images,
   * at the thread count that suits a lone image) keeps its thread count unless every worker is needed.
   */
  private idleHost(): ModelHost | null {
    for (let i = this.hosts.length - 1; i >= 0; i--) if (!this.busy.has(this.hosts[i]!)) return this.hosts[i]!;
    return null;
  }

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
  get alone(): boolean { return this.busy.size === 0 && this.queue.length === 0 && this.upstream === 1; }

  /**
   * Runs one announced image (expect(1)) as a batch of 1, decoded and preprocessed in the model's thread; check
   * `alone` first. Rejects with the host's DecodeError for an image that cannot be decoded.
   */
  async runAlone(bytes: Uint8Array, preprocess: ClassificationTransformParams, topk: number): Promise<BatchResult> {
    if (!this.alone) throw new Error('runAlone: the model is busy or other images are on their way');
    const host = this.hosts[0]!;
    this.busy.add(host);
    this.upstream--;
    try {
      const r = await host.decodeAndRun(bytes, preprocess, topk);
      this.opts.onBatch?.(1, r.ms);
      return { top: r.tops[0]!.slice(0, topk), batchSize: 1, queueMs: 0, inferenceMs: r.ms, threads: r.threads, preprocessMs: r.preprocessMs };
    } finally {
      this.busy.delete(host);
      this.schedule();
    }
  }

  private schedule(): void {
    const host = this.idleHost();
    if (host === null) return;
    // Items whose requests gave up leave without running.
    while (this.queue.length > 0 && this.queue[0]!.item.cancelled) this.queue.shift()!.reject(new CancelledError('cancelled'));
    if (this.queue.length === 0) return;
    const age = performance.now() - this.queue[0]!.item.enqueuedAt;
    if (this.queue.length >= this.opts.batchSize || this.upstream <= 0 || age >= this.opts.maxBatchDelay) {
      this.dispatch(host);
      // Another idle worker may take what is left.
      if (this.queue.length > 0) this.schedule();
    } else if (this.timer === null) {
      this.timer = setTimeout(() => { this.timer = null; this.schedule(); }, Math.max(0, this.opts.maxBatchDelay - age));
    }
  }

  private dispatch(host: ModelHost): void {
    if (this.timer !== null) { clearTimeout(this.timer); this.timer = null; }
    const batch: Queued[] = [];
    while (batch.length < this.opts.batchSize && this.queue.length > 0) {
      const q = this.queue.shift()!;
      if (q.item.cancelled) q.reject(new CancelledError('cancelled'));
      else batch.push(q);
    }
    if (batch.length === 0) return;
    this.busy.add(host);
    const start = performance.now();
    const topk = Math.max(...batch.map((q) => q.item.topk));
    if (batch[0]!.item.bytes !== undefined) {
      // Uploads: decoded in the worker; an image the decoder refuses fails alone, the others get their answers.
      host.decodeAndRunBatch(batch.map((q) => q.item.bytes!), batch[0]!.item.preprocess!, topk).then(({ tops, ms, threads, preprocessMs }) => {
        const ran = tops.filter((t) => !(t instanceof Error)).length;
        if (ran > 0) this.opts.onBatch?.(ran, ms);
        batch.forEach((q, i) => {
          const t = tops[i]!;
          if (t instanceof Error) q.reject(t);
          else q.resolve({ top: t.slice(0, q.item.topk), batchSize: ran, queueMs: start - q.item.enqueuedAt, inferenceMs: ms, threads, preprocessMs });
        });
      }, (e: Error) => {
        for (const q of batch) q.reject(e);
      }).finally(() => {
        this.busy.delete(host);
        this.schedule();
      });
      return;
    }
    const transfer = batch.map((q) => (q.item.tensor as { bytes: ArrayBuffer }).bytes);
    host.run(batch.map((q) => q.item.tensor), topk, transfer).then(({ tops, ms, threads }) => {
      this.opts.onBatch?.(batch.length, ms);
      batch.forEach((q, i) => q.resolve({
        top: tops[i]!.slice(0, q.item.topk), batchSize: batch.length, queueMs: start - q.item.enqueuedAt, inferenceMs: ms, threads,
      }));
    }, (e: Error) => {
      for (const q of batch) q.reject(e);
    }).finally(() => {
      this.busy.delete(host);
      this.schedule();
    });
  }

  /** Fails everything still waiting (the model died). */
  failAll(e: Error): void {
    for (const q of this.queue.splice(0)) q.reject(e);
  }
}
