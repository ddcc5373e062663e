// The server's preprocessing threads, seen from the main thread: each image goes to the thread with the fewest
// images outstanding, and comes back as a packed tensor. Threads start through the same bootstrap as the
// DataLoader's workers (worker-bootstrap.ts: from sources under tsx, or compiled) and use its packing of
// tensors into transferable bytes (data/pack.ts). A thread that dies fails its own images and is replaced.
import { Worker, MessageChannel, type MessagePort } from 'node:worker_threads';
import { BOOTSTRAP, threadEntry } from '../../worker-bootstrap.js';
import type { ClassificationTransformParams } from '../models/weights.js';
import { PREPROCESS_START_FAILED, type PreprocessReply, type PreprocessStart, type PreprocessTask } from './preprocess-protocol.js';

interface Pending {
  resolve: (r: { tensor: unknown; ms: number }) => void;
  reject: (e: Error) => void;
}

interface Slot {
  worker: Worker;
  port: MessagePort;
  pending: Map<number, Pending>;
}

/** A failure of the thread itself (not of the image): the server answers 500. */
export class PreprocessThreadError extends Error {}

/** The decoder's message for an image it could not decode (the server answers 400). */
export class DecodeError extends Error {}

export class PreprocessPool {
  private readonly slots: (Slot | null)[];
  private nextId = 1;
  private closed = false;
  private broken: PreprocessThreadError | null = null;

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`preprocessing threads must be a positive integer, got ${size}`);
    this.slots = Array.from({ length: size }, () => null);
    for (let i = 0; i < size; i++) this.slots[i] = this.spawn(i);
  }

  private spawn(index: number): Slot {
    const { port1, port2 } = new MessageChannel();
    const { entry, tsx } = threadEntry(import.meta.url, 'preprocess-thread');
    const start: PreprocessStart = {
      entry, tsx, port: port2, flag: new SharedArrayBuffer(4), id: index,
      // A thread whose module cannot load answers with this (see worker-bootstrap.ts); it has no task id.
      failure: { id: -1, ok: false, message: PREPROCESS_START_FAILED }, failureField: 'message',
    };
    const worker = new Worker(BOOTSTRAP, { eval: true, workerData: start, transferList: [port2], name: `serve preprocess ${index}` });
    const slot: Slot = { worker, port: port1, pending: new Map() };
    port1.on('message', (r: PreprocessReply) => {
      if (r.id === -1 && !r.ok) {
        // The thread's module could not load: another thread would fail the same way, so none is started.
        this.broken = new PreprocessThreadError(r.message);
        return this.fail(index, slot, this.broken);
      }
      const p = slot.pending.get(r.id);
      if (p === undefined) return;
      slot.pending.delete(r.id);
      if (r.ok) p.resolve({ tensor: r.tensor, ms: r.ms });
      else p.reject(new DecodeError(r.message));
    });
    worker.on('error', (e) => this.fail(index, slot, new PreprocessThreadError(`preprocessing thread ${index} failed: ${e.message}`)));
    worker.on('exit', (code) => this.fail(index, slot, new PreprocessThreadError(`preprocessing thread ${index} exited with code ${code}`)));
    return slot;
  }

  private fail(index: number, slot: Slot, e: Error): void {
    for (const p of slot.pending.values()) p.reject(e);
    slot.pending.clear();
    if (this.slots[index] !== slot) return;
    slot.port.close();
    void slot.worker.terminate();
    this.slots[index] = this.closed || this.broken !== null ? null : this.spawn(index);
  }

  /** Images sent to the threads and not yet answered. */
  get outstanding(): number {
    return this.slots.reduce((n, s) => n + (s?.pending.size ?? 0), 0);
  }

  /**
   * Decodes and preprocesses one image. `bytes` is copied into a buffer of its own (so that a view into a larger
   * body or Node's shared pool is never detached), which is then moved to the thread without a second copy.
   */
  run(bytes: Uint8Array, preprocess: ClassificationTransformParams): Promise<{ tensor: unknown; ms: number }> {
    if (this.closed) return Promise.reject(new PreprocessThreadError('the preprocessing threads are closed'));
    let slot: Slot | null = null;
    for (const s of this.slots) if (s !== null && (slot === null || s.pending.size < slot.pending.size)) slot = s;
    if (slot === null) return Promise.reject(this.broken ?? new PreprocessThreadError('no preprocessing thread is running'));
    const copy = new Uint8Array(bytes);
    const id = this.nextId++;
    const task: PreprocessTask = { id, bytes: copy.buffer, preprocess };
    return new Promise((resolve, reject) => {
      slot.pending.set(id, { resolve, reject });
      slot.port.postMessage(task, [copy.buffer]);
    });
  }

  /** Lets the threads finish what they were sent, then stops them. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.slots.map(async (s) => {
      if (s === null) return;
      const exited = new Promise<void>((r) => s.worker.once('exit', () => r()));
      s.port.postMessage({ stop: true });
      const timer = setTimeout(() => void s.worker.terminate(), 10_000);
      await exited;
      clearTimeout(timer);
    }));
  }
}
