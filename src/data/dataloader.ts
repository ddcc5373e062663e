// torch.utils.data.DataLoader: samples indices, fetches samples and collates them into batches.
//
// Random numbers follow PyTorch: each epoch draws a base seed from the loader's generator (or the default
// one), a shuffling RandomSampler draws its own seed for a private generator, and transforms draw from the
// default generator. With numWorkers = N > 0, batch k is prepared under a private generator seeded with
// `baseSeed + k % N`, which is how PyTorch's worker k % N is seeded: the same seed gives PyTorch's
// augmentations for the same numWorkers, and prefetching never shifts the training loop's own draws.
//
// Workers come in two kinds. Given `workerDataset` (how to build the dataset in another thread: JavaScript
// cannot pickle a dataset as PyTorch does), they are worker threads (worker-pool.ts): batch k is prepared by
// thread k % N while the main thread trains, so CPU-bound decoding and augmentation overlap the training step.
// Without it they are in-process: batches are prepared in the main thread under the same generators, and
// `for await` requests up to numWorkers * prefetchFactor batches ahead, which overlaps only asynchronous
// datasets (file or network I/O). Both give the same batches. The sample order does not depend on
// numWorkers, except that (as in PyTorch) random transforms run with numWorkers = 0 advance the default
// generator from which the next epoch's shuffling seed is drawn.
import { bindCtor, classArgs, type PyRest } from '../args.js';
import { getItem, isIterableDataset, isMapDataset, type IterableDataset, type MapDataset } from './dataset.js';
import { BatchSampler, RandomSampler, SequentialSampler } from './sampler.js';
import { defaultCollate, defaultConvert } from './collate.js';
import { Generator, drawSeed, runOn } from './generator.js';
import { getWorkerInfo, setWorkerInfo, type WorkerInfo } from './worker-info.js';
import { WorkerPool, checkSpec, poolRegistry } from './worker-pool.js';
import type { PackMode, WorkerDatasetSpec } from './worker-protocol.js';
import { unpack } from './pack.js';

export { getWorkerInfo, type WorkerInfo, type WorkerDatasetSpec };

type IndexIterable<I> = Iterable<I> & { readonly length?: number };

/** Runs fn as worker `info` (its generator and its getWorkerInfo()), or in the main process when null. */
function asWorker<T>(info: WorkerInfo | null, generator: Generator | undefined, fn: () => T): T {
  const saved = setWorkerInfo(info);
  try {
    return runOn(generator, fn);
  } finally {
    setWorkerInfo(saved);
  }
}

export interface DataLoaderOptions<T = any, B = any> {
  /** Samples per batch (default 1); null turns batching off (each sample goes through defaultConvert). */
  batchSize?: number | null;
  /** Reshuffle the indices every epoch (a RandomSampler). */
  shuffle?: boolean;
  sampler?: IndexIterable<number>;
  batchSampler?: IndexIterable<number[]>;
  /**
   * Workers preparing batches (see the note at the top of this file): worker threads with workerDataset,
   * in-process otherwise; 0 prepares each batch in the main thread when it is asked for.
   */
  numWorkers?: number;
  /** Batches requested ahead per worker (default 2, numWorkers > 0 only). */
  prefetchFactor?: number;
  dropLast?: boolean;
  collateFn?: (batch: Awaited<T>[]) => B;
  /** Accepted for PyTorch compatibility; CPU tensors need no pinning. */
  pinMemory?: boolean;
  /** Seed of the loader's private generator (`generator=torch.Generator().manual_seed(seed)`). */
  seed?: number | bigint;
  generator?: Generator;
  /**
   * Called with the worker id at the start of every epoch, under that worker's generator (in-process workers
   * only: with workerDataset, name the hook as workerDataset.init, which runs in the worker thread).
   */
  workerInitFn?: (workerId: number) => void;
  /**
   * With numWorkers > 0: how each worker thread builds its own copy of the dataset (a module, its factory
   * export and the factory's JSON-like arguments). The dataset passed to the constructor must be the same
   * data (the worker's length is checked against it): it gives the length, and serves numWorkers = 0.
   * With a workerDataset, the default collate runs in the workers; a custom collateFn runs in the main thread.
   */
  workerDataset?: WorkerDatasetSpec;
  /**
   * Keep the workers from one epoch to the next (numWorkers > 0): as in PyTorch, the base seed is drawn once,
   * the workers' generators continue, and the init hook runs once. Worker threads are then stopped by
   * shutdownWorkers(), or when the loader is collected; they never keep the process alive.
   */
  persistentWorkers?: boolean;
}

function checkCount(name: string, v: number, min: number): void {
  if (!Number.isInteger(v) || v < min) throw new RangeError(`DataLoader: ${name} should be an integer >= ${min}, but got ${name}=${v}`);
}

function isPromise(v: unknown): v is Promise<unknown> {
  return v !== null && typeof v === 'object' && typeof (v as { then?: unknown }).then === 'function';
}

export class DataLoader<T = any, B = any> implements Iterable<B>, AsyncIterable<B> {
  readonly dataset: MapDataset<T> | IterableDataset<T> | Iterable<T>;
  readonly batchSize: number | null;
  readonly dropLast: boolean;
  readonly numWorkers: number;
  readonly prefetchFactor: number;
  readonly pinMemory: boolean;
  readonly sampler: IndexIterable<number> | null;
  readonly batchSampler: IndexIterable<number[]> | null;
  readonly collateFn: (batch: Awaited<T>[]) => B;
  readonly generator: Generator | undefined;
  readonly workerInitFn: ((workerId: number) => void) | undefined;
  readonly workerDataset: WorkerDatasetSpec | undefined;
  private readonly iterable: boolean;
  private readonly customCollate: boolean;
  readonly persistentWorkers: boolean;
  private kept: { threads: WorkerPool | null; inProcess: [Generator, WorkerInfo][] | null; epoch: number } = { threads: null, inProcess: null, epoch: 0 };

  /**
   * PyTorch's order (dataset, batchSize, shuffle, sampler, batchSampler, numWorkers, collateFn, pinMemory,
   * dropLast, timeout, workerInitFn, multiprocessingContext, generator), or an options object after dataset.
   */
  constructor(dataset: MapDataset<T> | IterableDataset<T> | Iterable<T>, ...rest: PyRest<DataLoaderOptions<T, B> & { timeout?: number; multiprocessingContext?: null },
    ['batchSize', 'shuffle', 'sampler', 'batchSampler', 'numWorkers', 'collateFn', 'pinMemory', 'dropLast', 'timeout', 'workerInitFn', 'multiprocessingContext', 'generator']>);
  constructor(...args: unknown[]) {
    const [dataset, opts = {}] = bindCtor(DataLoader, args) as [MapDataset<T> | IterableDataset<T> | Iterable<T>, DataLoaderOptions<T, B> & { timeout?: number; multiprocessingContext?: unknown }];
    // PyTorch's timeout and multiprocessing_context have no meaning for worker threads: only their defaults are accepted
    if (opts.timeout !== undefined && opts.timeout !== 0) throw new TypeError(`DataLoader: timeout is not supported (worker threads wait for each batch), got ${opts.timeout}`);
    if (opts.multiprocessingContext !== undefined && opts.multiprocessingContext !== null) {
      throw new TypeError('DataLoader: multiprocessingContext is not supported (workers are threads)');
    }
    this.dataset = dataset;
    this.numWorkers = opts.numWorkers ?? 0;
    checkCount('numWorkers', this.numWorkers, 0);
    if (opts.prefetchFactor !== undefined && this.numWorkers === 0) {
      throw new RangeError('DataLoader: prefetchFactor option could only be specified in multiprocessing; let numWorkers > 0 to enable multiprocessing');
    }
    this.prefetchFactor = opts.prefetchFactor ?? 2;
    checkCount('prefetchFactor', this.prefetchFactor, 1);
    this.pinMemory = opts.pinMemory ?? false;
    this.generator = opts.generator ?? (opts.seed !== undefined ? new Generator(opts.seed) : undefined);
    this.workerInitFn = opts.workerInitFn;
    this.workerDataset = opts.workerDataset;
    this.persistentWorkers = opts.persistentWorkers ?? false;
    if (this.persistentWorkers && this.numWorkers === 0) throw new RangeError('DataLoader: persistentWorkers option needs numWorkers > 0');
    if (opts.workerDataset !== undefined) {
      checkSpec(opts.workerDataset);
      if (this.numWorkers > 0 && opts.workerInitFn) {
        throw new TypeError('DataLoader: workerInitFn cannot run in a worker thread; export the hook from the workerDataset module and name it as workerDataset.init');
      }
    }
    let batchSize = opts.batchSize === undefined ? 1 : opts.batchSize;
    let dropLast = opts.dropLast ?? false;
    const shuffle = opts.shuffle ?? false;

    if (isMapDataset(dataset)) {
      this.iterable = false;
    } else if (isIterableDataset(dataset)) {
      this.iterable = true;
      if (shuffle) throw new TypeError('DataLoader with IterableDataset: expected unspecified shuffle option, but got shuffle=true');
      if (opts.sampler) throw new TypeError('DataLoader with IterableDataset: expected unspecified sampler option');
      if (opts.batchSampler) throw new TypeError('DataLoader with IterableDataset: expected unspecified batchSampler option');
      if (opts.workerDataset) throw new TypeError('DataLoader: workerDataset needs a map-style dataset (length and get(i)); iterable datasets use in-process workers');
    } else {
      throw new TypeError('DataLoader: dataset must be a map-style dataset (length and get(i)), an array, or an iterable dataset');
    }

    let sampler: IndexIterable<number> | null = opts.sampler ?? null;
    let batchSampler: IndexIterable<number[]> | null = opts.batchSampler ?? null;
    if (sampler && shuffle) throw new TypeError('DataLoader: sampler option is mutually exclusive with shuffle');
    if (batchSampler) {
      if (batchSize !== 1 || shuffle || sampler || dropLast) {
        throw new TypeError('DataLoader: batchSampler option is mutually exclusive with batchSize, shuffle, sampler, and dropLast');
      }
      batchSize = null;
      dropLast = false;
    } else if (batchSize === null) {
      if (dropLast) throw new TypeError('DataLoader: batchSize=null option disables auto-batching and is mutually exclusive with dropLast');
    } else {
      checkCount('batchSize', batchSize, 1);
    }
    if (!this.iterable) {
      const ds = dataset as MapDataset<T>;
      if (!sampler) sampler = shuffle ? new RandomSampler(ds, { generator: this.generator }) : new SequentialSampler(ds);
      if (batchSize !== null && !batchSampler) batchSampler = new BatchSampler(sampler, batchSize, dropLast);
    }
    this.batchSize = batchSize;
    this.dropLast = dropLast;
    this.sampler = sampler;
    this.batchSampler = batchSampler;
    const autoCollation = batchSampler !== null || (this.iterable && batchSize !== null);
    this.collateFn = opts.collateFn ?? ((autoCollation ? defaultCollate : defaultConvert) as (batch: Awaited<T>[]) => B);
    this.customCollate = opts.collateFn !== undefined;
  }

  private get threaded(): boolean { return this.numWorkers > 0 && this.workerDataset !== undefined; }

  /** The number of batches per epoch. */
  get length(): number {
    if (this.iterable) {
      const n = (this.dataset as { length?: unknown }).length;
      if (typeof n !== 'number') throw new TypeError('DataLoader: the iterable dataset has no length');
      if (this.batchSize === null) return n;
      return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
    }
    const s = (this.batchSampler ?? this.sampler) as { length?: unknown };
    if (typeof s.length !== 'number') throw new TypeError('DataLoader: the sampler has no length');
    return s.length;
  }

  private startEpoch(): Epoch<T, B> {
    const keys: Iterator<number[] | number> | null = this.iterable ? null : (this.batchSampler ?? this.sampler)![Symbol.iterator]();
    if (this.kept.inProcess !== null) return new Epoch(this, keys, this.kept.inProcess);
    const baseSeed = drawSeed(this.generator);
    const workers: [Generator, WorkerInfo][] = [];
    if (this.persistentWorkers) this.kept.inProcess = workers;
    for (let w = 0; w < this.numWorkers; w++) {
      const seed = baseSeed + BigInt(w);
      const g = new Generator(seed);
      const info: WorkerInfo = { id: w, numWorkers: this.numWorkers, seed, dataset: this.dataset };
      if (this.workerInitFn) asWorker(info, g, () => this.workerInitFn!(w));
      workers.push([g, info]);
    }
    return new Epoch(this, keys, workers);
  }

  [Symbol.iterator](): Iterator<B> {
    if (this.threaded) return this.threadIterator();
    const epoch = this.startEpoch();
    return {
      next: (): IteratorResult<B> => {
        const r = epoch.nextSamples();
        if (r === null) return { done: true, value: undefined };
        const [k, samples] = r;
        if (samples.some(isPromise)) {
          throw new TypeError('DataLoader: the dataset returned a Promise from get(); iterate with `for await (const batch of loader)`');
        }
        return { done: false, value: epoch.collate(k, samples as Awaited<T>[]) };
      },
      [Symbol.iterator]() { return this; },
    } as IterableIterator<B>;
  }

  [Symbol.asyncIterator](): AsyncIterator<B> {
    if (this.threaded) return this.threadAsyncIterator();
    return this.inProcessAsync();
  }

  private async *inProcessAsync(): AsyncGenerator<B> {
    const epoch = this.startEpoch();
    const depth = this.numWorkers > 0 ? this.numWorkers * this.prefetchFactor : 1;
    const queue: Promise<B>[] = [];
    let exhausted = false;
    const refill = (): void => {
      while (!exhausted && queue.length < depth) {
        const r = epoch.nextSamples();
        if (r === null) { exhausted = true; break; }
        const [k, samples] = r;
        const p = Promise.all(samples).then((s) => epoch.collate(k, s as Awaited<T>[]));
        p.catch(() => undefined); // rejections are rethrown when this batch is awaited
        queue.push(p);
      }
    };
    refill();
    while (queue.length > 0) {
      const batch = await queue.shift()!;
      // Without workers the next batch draws from the default generator, so it must wait for the consumer.
      if (this.numWorkers > 0) refill();
      yield batch;
      if (this.numWorkers === 0) refill();
    }
  }

  /**
   * One pass with worker threads: the main thread draws the epoch's seeds and indices exactly as the
   * in-process workers do, and sends batch k's indices to thread k % N, keeping at most
   * numWorkers * prefetchFactor batches in flight.
   */
  private startThreads(): ThreadEpoch<B> {
    const keys = (this.batchSampler ?? this.sampler)![Symbol.iterator]();
    const unbatched = this.batchSize === null && this.batchSampler === null;
    const mode: PackMode = this.customCollate ? 'raw' : unbatched ? 'convert' : 'collate';
    let pool = this.kept.threads;
    if (pool !== null && !pool.closed) {
      try {
        pool.drain();
      } catch (e) {
        // A worker died between epochs: the next epoch starts new ones.
        this.shutdownWorkers();
        throw e;
      }
    } else {
      pool = new WorkerPool(this.workerDataset!, this.numWorkers, drawSeed(this.generator), mode, (this.dataset as MapDataset<T>).length);
      if (this.persistentWorkers) {
        this.kept.threads = pool;
        poolRegistry.register(this, pool);
      }
    }
    const epoch = ++this.kept.epoch;
    const persistent = this.persistentWorkers;
    // A persistent pool serves one epoch at a time: an older iterator stops when a newer one starts (without
    // persistence, each iterator has its own threads and several can run at once).
    const current = (): boolean => !persistent || epoch === this.kept.epoch;
    const end = (failed: boolean): void => {
      if (!persistent || failed) pool!.close();
    };
    let sent = 0;
    let received = 0;
    let exhausted = false;
    const fill = (): void => {
      while (!exhausted && sent - received < this.numWorkers * this.prefetchFactor) {
        const r = keys.next();
        if (r.done) { exhausted = true; break; }
        pool.send({ k: sent, indices: r.value });
        sent++;
      }
    };
    const finish = (data: unknown): B => {
      const v = unpack(data);
      if (mode !== 'raw') return v as B;
      const samples = v as Awaited<T>[];
      return unbatched ? (this.collateFn as unknown as (s: Awaited<T>) => B)(samples[0]!) : this.collateFn(samples);
    };
    try {
      fill();
    } catch (e) {
      end(true);
      throw e;
    }
    return {
      pool,
      end,
      next: () => {
        if (!current()) throw new Error('DataLoader: this iterator was superseded by a newer one of the same loader (persistentWorkers serves one epoch at a time)');
        if (received === sent) return null;
        const k = received;
        return { k, done: (data: unknown) => { received++; fill(); return finish(data); } };
      },
    };
  }

  private threadIterator(): Iterator<B> {
    const epoch = this.startThreads();
    const it: IterableIterator<B> = {
      next: (): IteratorResult<B> => {
        try {
          const n = epoch.next();
          if (n === null) { epoch.end(false); return { done: true, value: undefined }; }
          return { done: false, value: n.done(epoch.pool.receiveSync(n.k)) };
        } catch (e) {
          epoch.end(true);
          throw e;
        }
      },
      return: (): IteratorResult<B> => { epoch.end(false); return { done: true, value: undefined }; },
      [Symbol.iterator]() { return this; },
    };
    if (!this.persistentWorkers) poolRegistry.register(it, epoch.pool);
    return it;
  }

  private threadAsyncIterator(): AsyncIterator<B> {
    const epoch = this.startThreads();
    const it = (async function* (): AsyncGenerator<B> {
      try {
        for (let n = epoch.next(); n !== null; n = epoch.next()) yield n.done(await epoch.pool.receive(n.k));
      } catch (e) {
        epoch.end(true);
        throw e;
      } finally {
        // Also on a break (return()), which is not a failure.
        epoch.end(false);
      }
    })();
    if (!this.persistentWorkers) poolRegistry.register(it, epoch.pool);
    return it;
  }

  /** Stops the worker threads kept by persistentWorkers (the next epoch starts new ones, with a new base seed). */
  shutdownWorkers(): void {
    this.kept.threads?.close();
    this.kept.threads = null;
  }
}

interface ThreadEpoch<B> {
  pool: WorkerPool;
  /** Ends the epoch: stops the workers unless they persist (and the epoch did not fail). */
  end(failed: boolean): void;
  /** The next batch to read (its number, and what turns its data into the batch), or null at the end. */
  next(): { k: number; done(data: unknown): B } | null;
}

/** One pass over the data: the index stream, the worker generators and the batch counter. */
class Epoch<T, B> {
  private k = 0;
  private readonly source: Iterator<T> | null;
  constructor(private readonly loader: DataLoader<T, B>, private readonly keys: Iterator<number[] | number> | null,
    private readonly workers: [Generator, WorkerInfo][]) {
    this.source = keys === null ? (loader.dataset as Iterable<T>)[Symbol.iterator]() : null;
  }

  /** Runs fn as the worker that prepares batch k (PyTorch hands batches to workers round-robin). */
  private inWorker<R>(k: number, fn: () => R): R {
    if (this.workers.length === 0) return fn();
    const [g, info] = this.workers[k % this.workers.length]!;
    return asWorker(info, g, fn);
  }

  /** The next batch's raw samples (possibly Promises), fetched under its worker's generator; null at the end. */
  nextSamples(): [number, (T | Promise<T>)[]] | null {
    const k = this.k;
    if (this.keys !== null) {
      const r = this.keys.next();
      if (r.done) return null;
      const ds = this.loader.dataset as MapDataset<T>;
      const samples = this.inWorker(k, () => (typeof r.value === 'number' ? [getItem(ds, r.value)] : r.value.map((i) => getItem(ds, i))));
      this.k++;
      return [k, samples];
    }
    const bs = this.loader.batchSize ?? 1;
    const samples = this.inWorker(k, () => {
      const out: T[] = [];
      while (out.length < bs) {
        const r = this.source!.next();
        if (r.done) break;
        out.push(r.value);
      }
      return out;
    });
    if (samples.length === 0 || (this.loader.dropLast && samples.length < bs)) return null;
    this.k++;
    return [k, samples];
  }

  collate(k: number, samples: Awaited<T>[]): B {
    const unbatched = this.loader.batchSize === null && this.loader.batchSampler === null;
    return this.inWorker(k, () => (unbatched
      ? (this.loader.collateFn as unknown as (s: Awaited<T>) => B)(samples[0]!)
      : this.loader.collateFn(samples)));
  }
}

classArgs(DataLoader, 'torch.utils.data.DataLoader', 'dataset:dict; batchSize, shuffle, sampler, batchSampler, numWorkers, collateFn, pinMemory, dropLast, timeout, workerInitFn, multiprocessingContext, generator, *, prefetchFactor, persistentWorkers, seed, workerDataset');
