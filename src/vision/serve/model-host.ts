// A served model's worker seen from the main thread: its thread (model-thread.ts), started through the same
// bootstrap as the DataLoader's workers, loads the model and then runs one batch at a time (a model has one or
// more workers; the batcher hands each its own batches). `start` resolves with what was
// loaded or rejects with why it could not be; a thread that dies fails its batch and marks the model dead.
import { Worker, MessageChannel, type MessagePort } from 'node:worker_threads';
import { BOOTSTRAP, threadEntry } from '../../worker-bootstrap.js';
import type { TopK } from '../../train/predict.js';
import type { ModelSpec } from './model-spec.js';
import type { ClassificationTransformParams } from '../models/weights.js';
import { DecodeError } from './preprocess-pool.js';
import type { ServedMemoryFormat } from './engine.js';
import { MODEL_START_FAILED, type DecodeBatch, type DecodeRun, type ModelInfo, type ModelReply, type ModelStart, type Probe, type RunBatch, type SetReplicas } from './model-protocol.js';

export interface BatchReply { tops: TopK[][]; ms: number; threads: number; preprocessMs?: number }
/** A batch decoded in the model's thread: per image its top-k, or the DecodeError of an image the decoder refused. */
export interface DecodedBatchReply { tops: (TopK[] | DecodeError)[]; ms: number; threads: number; preprocessMs: number }

/** A probe's count of images and the time they took (ms). */
export interface ProbeReply { images: number; ms: number }
/** The batch thread count timed for the new worker count. */
export interface ReplicasReply { batchThreads: number; adaptive: boolean }

export interface ModelHostOptions {
  engine: string;
  /** The eager engine's memory format (engine.ts); default 'auto'. */
  memoryFormat?: ServedMemoryFormat;
  threads: number;
  batchSize: number;
  /** The most intra-op threads `threads: 0` may choose. */
  maxThreads: number;
  /** The server's preprocessing threads. */
  workers: number;
  /** This worker's index among the model's `replicas` workers (default: the only one). */
  replica?: number;
  replicas?: number;
  /** OpenBLAS's thread count for lone images and for batches (model-protocol.ts); default null: left alone. */
  blas?: { lone: number; batch: number } | null;
}

export class ModelHost {
  private worker: Worker | null = null;
  private port: MessagePort | null = null;
  private pending = new Map<number, { resolve: (r: BatchReply | DecodedBatchReply | ProbeReply | ReplicasReply) => void; reject: (e: Error) => void }>();
  private nextId = 1;
  /** Why the model cannot run (failed to load, its thread died), or null. */
  failure: string | null = null;
  info: ModelInfo | null = null;

  constructor(readonly spec: ModelSpec, private readonly opts: ModelHostOptions) {}

  /** Starts the thread and loads the model. */
  start(): Promise<ModelInfo> {
    const { port1, port2 } = new MessageChannel();
    const { entry, tsx } = threadEntry(import.meta.url, 'model-thread');
    const data: ModelStart = {
      entry, tsx, port: port2, flag: new SharedArrayBuffer(4),
      failure: { type: 'load-failed', message: MODEL_START_FAILED }, failureField: 'message',
      spec: this.spec, engine: this.opts.engine, memoryFormat: this.opts.memoryFormat ?? 'auto', threads: this.opts.threads, batchSize: this.opts.batchSize, maxThreads: this.opts.maxThreads, workers: this.opts.workers,
      replica: this.opts.replica ?? 0, replicas: this.opts.replicas ?? 1, blas: this.opts.blas ?? null,
    };
    const worker = new Worker(BOOTSTRAP, { eval: true, workerData: data, transferList: [port2], name: `serve model ${this.spec.name}@${this.spec.version}${(this.opts.replicas ?? 1) > 1 ? ` worker ${this.opts.replica ?? 0}` : ''}` });
    this.worker = worker;
    this.port = port1;
    this.exited = new Promise((r) => worker.once('exit', () => r()));
    return new Promise((resolve, reject) => {
      const die = (why: string): void => {
        const first = this.failure === null;
        this.failure ??= why;
        for (const p of this.pending.values()) p.reject(new Error(why));
        this.pending.clear();
        port1.close();
        if (first && this.info === null) reject(new Error(why));
      };
      port1.on('message', (r: ModelReply) => {
        switch (r.type) {
          case 'ready':
            this.info = r.info;
            resolve(r.info);
            break;
          case 'load-failed':
            // The thread closes its port and exits by itself (terminating it inside an addon call could abort).
            die(r.message);
            break;
          case 'result': case 'error': case 'decode-error': case 'decoded': case 'probed': case 'replicas-set': {
            const p = this.pending.get(r.id);
            if (p === undefined) break;
            this.pending.delete(r.id);
            if (r.type === 'probed') p.resolve({ images: r.images, ms: r.ms });
            else if (r.type === 'replicas-set') p.resolve({ batchThreads: r.batchThreads, adaptive: r.adaptive });
            else if (r.type === 'decoded') {
              p.resolve({ tops: r.tops.map((t, i) => t ?? new DecodeError(r.errors[i] ?? 'cannot decode image')), ms: r.ms, threads: r.threads, preprocessMs: r.preprocessMs });
            } else if (r.type === 'result') p.resolve({ tops: r.tops, ms: r.ms, threads: r.threads, preprocessMs: r.preprocessMs });
            else if (r.type === 'decode-error') p.reject(new DecodeError(r.message));
            else p.reject(new Error(r.message));
            break;
          }
        }
      });
      worker.on('error', (e) => die(`the model's thread failed: ${e.message}`));
      worker.on('exit', (code) => { if (this.failure === null && !this.stopping) die(`the model's thread exited with code ${code}`); });
    });
  }

  private stopping = false;
  private exited: Promise<void> = Promise.resolve();

  get ready(): boolean { return this.info !== null && this.failure === null; }

  /** Runs one batch of packed tensors; each image's top `topk` classes. */
  run(inputs: unknown[], topk: number, transfer: ArrayBuffer[]): Promise<BatchReply> {
    const id = this.nextId++;
    return this.send({ type: 'run', id, inputs, topk }, transfer) as Promise<BatchReply>;
  }

  /**
   * Decodes and preprocesses a batch of uploads in the model's thread and runs the ones that decode as one
   * forward pass; each image's top-k or its DecodeError. Each image is copied into a buffer of its own, which is moved.
   */
  decodeAndRunBatch(images: Uint8Array[], preprocess: ClassificationTransformParams, topk: number): Promise<DecodedBatchReply> {
    const copies = images.map((b) => new Uint8Array(b).buffer);
    const id = this.nextId++;
    return this.send({ type: 'decode-batch', id, images: copies, preprocess, topk }, copies) as Promise<DecodedBatchReply>;
  }

  /**
   * Decodes and preprocesses one image in the model's thread and runs it alone (see DecodeRun); rejects with a
   * DecodeError for an image the decoder refuses. `bytes` is copied into a buffer of its own, which is moved.
   */
  decodeAndRun(bytes: Uint8Array, preprocess: ClassificationTransformParams, topk: number): Promise<BatchReply> {
    const copy = new Uint8Array(bytes);
    const id = this.nextId++;
    return this.send({ type: 'decode-run', id, bytes: copy.buffer, preprocess, topk }, [copy.buffer]) as Promise<BatchReply>;
  }

  /**
   * Times forward passes of zeros at the batch size, at the thread count a batch gets with `replicas` workers (at
   * least `passes` passes and `ms` ms); for the choice of the model's worker count.
   */
  probe(replicas: number, passes: number, ms: number): Promise<ProbeReply> {
    const id = this.nextId++;
    return this.send({ type: 'probe', id, replicas, passes, ms }, []) as Promise<ProbeReply>;
  }

  /** Tells the worker that the model runs `replicas` workers from now on; its batch thread count, timed again. */
  setReplicas(replicas: number): Promise<ReplicasReply> {
    const id = this.nextId++;
    return this.send({ type: 'replicas', id, replicas }, []) as Promise<ReplicasReply>;
  }

  private send(msg: RunBatch | DecodeRun | DecodeBatch | Probe | SetReplicas, transfer: ArrayBuffer[]): Promise<BatchReply | DecodedBatchReply | ProbeReply | ReplicasReply> {
    if (!this.ready || this.port === null) return Promise.reject(new Error(this.failure ?? 'the model is not loaded'));
    return new Promise((resolve, reject) => {
      this.pending.set(msg.id, { resolve, reject });
      this.port!.postMessage(msg, transfer);
    });
  }

  /** Stops the thread once its current batch is done. */
  async close(): Promise<void> {
    const w = this.worker;
    if (w === null || this.stopping) return;
    this.stopping = true;
    if (this.failure === null) this.port?.postMessage({ type: 'stop' });
    // A thread stuck in its model (a forward pass that never ends) is terminated after a while.
    const timer = setTimeout(() => void w.terminate(), 10_000);
    await this.exited;
    clearTimeout(timer);
    this.port?.close();
  }
}
