// A model server for zoo classifiers, with TorchServe's inference API where it fits:
//   POST|PUT /predictions/{model}[/{version}]   an image as the body, or multipart/form-data with images
//   GET /ping                                   health, never behind the API key
//   GET /models, GET /models/{model}[/{version}|/all]
//   GET /metrics                                Prometheus text
// Uploads are checked from their header before decoding (format, size, decompression bombs), decoded and
// preprocessed in threads (preprocess-pool.ts; or, with `workers: 0`, in the model worker that runs the batch),
// batched per model (batcher.ts) and run in the model's worker threads (model-host.ts: one per core by default,
// each with its own copy of the model and one batch at a time). Every limit is an answer, never unbounded memory: 413 for a body over the limit, 503
// with Retry-After when a model's queue is full, 504 past the per-request timeout, 400 with a JSON error naming
// the problem for every bad upload. `close()` stops taking requests and answers every one it took.
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { availableParallelism, hostname as osHostname } from 'node:os';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { TopK } from '../../train/predict.js';
import { ServeError, type ErrorKind } from './errors.js';
import { readBody, ClientGoneError } from './body.js';
import { parseMultipart, headerParams } from './multipart.js';
import { readImageHeader, decodeFailure, PIL_MAX_IMAGE_PIXELS } from './image-header.js';
import { PreprocessPool, DecodeError } from './preprocess-pool.js';
import { ModelHost, type ProbeReply } from './model-host.js';
import { chooseModelWorkers } from './thread-choice.js';
import { native } from '../../native/binding.js';
import { emptyCpuCache } from '../../memory.js';

/** src/native/cpu_cache.cc */
const serveMemory = native as unknown as { mallocTrim(): boolean };
import { Batcher, CancelledError, type BatchItem, type BatchResult } from './batcher.js';
import { DEFAULT_VERSION, parseModelSpec, specKey, type ModelSpec } from './model-spec.js';
import { Registry, PROMETHEUS_CONTENT_TYPE, type Counter, type Gauge, type Histogram } from './metrics.js';
import type { ModelInfo } from './model-protocol.js';
import { checkMemoryFormat, engineNames, type ServedMemoryFormat } from './engine.js';
import { bindOwn, classArgs, registerSignature } from '../../args.js';
import * as blas from '../../blas.js';

// PyTorch's argument binding (src/args.ts) for this module's functions: an extra positional argument or an
// unknown keyword is a TypeError naming it.
registerSignature(createServer, 'createServer', 'tstorch.vision.serve.createServer', '; *, models, maxBodyBytes, timeout, maxImagePixels, maxImagesPerRequest, topk, workers, apiKey, log, onProgress, batchSize, maxBatchDelay, queueSize, engine, threads, modelWorkers, memoryFormat, blasThreads');

/** Per-model settings; each falls back to the server's. */
export interface ModelOptions {
  batchSize?: number;
  maxBatchDelay?: number;
  queueSize?: number;
  engine?: string;
  threads?: number;
  /**
   * Worker threads per model (TorchServe's default_workers_per_model), each with its own copy of the model, each
   * running its own batches side by side. 0 (default): one per core (at most 4) when `threads` is 0, else as many
   * as `threads` fits in the cores.
   */
  modelWorkers?: number;
  /**
   * The eager engine's layout of the model's 4-d weights and of each batch (engine.ts): 'channelsLast' (PyTorch's
   * advice for CNN inference on CPU; a ResNet18 batch of 8 took 28 instead of 33 ms per image here), 'contiguous', or 'auto'
   * (default: channels last for a convolutional network: 2-d convolutions, no layer norm). The compiled engines take 'auto' or 'contiguous'.
   */
  memoryFormat?: ServedMemoryFormat;
}

export interface ServeOptions extends ModelOptions {
  /**
   * The models: command-line specs ('resnet18', 'ants=runs/ants/best.pth', 'r18@2.0=resnet18:FILE'), or spec
   * objects with their own settings.
   */
  models: readonly (string | (Partial<ModelSpec> & { name: string } & ModelOptions))[];
  /** Largest request body in bytes (413 above). Default 16 MiB. */
  maxBodyBytes?: number;
  /** Per-request time limit in ms, from arrival to answer (504 past it). Default 30 s. */
  timeout?: number;
  /** Largest image (width x height) accepted, checked from the header before decoding. Default: PIL's 89,478,485. */
  maxImagePixels?: number;
  /** Most images in one multipart request. Default 64. */
  maxImagesPerRequest?: number;
  /** Classes returned per image (TorchServe's default 5); a request may ask for fewer or more with ?topk=N. */
  topk?: number;
  /**
   * Preprocessing threads. Default: one per core but one, at least one, at most 4. 0: none, each model worker
   * decodes and preprocesses the images of its own batches.
   */
  workers?: number;
  /** When set, every route but /ping needs `Authorization: Bearer KEY` or `X-API-Key: KEY`. */
  apiKey?: string | null;
  /** Called with one structured record per request (the CLI prints them as JSON lines). */
  log?: ((entry: RequestLog) => void) | null;
  /** Called with a line per start-up step (models loading, loaded, failed). */
  onProgress?: ((line: string) => void) | null;
  /**
   * OpenBLAS's threads (torch.blas.setNumThreads; process-wide) for a batch's forward pass. Default 1: OpenBLAS's
   * pool (one thread per core as it starts) spins with sched_yield for about 0.1 s after every matrix product, and
   * between batches that took the core that decodes the next one: MobileNet v3 served 56-65 images/s at 8 clients
   * with the pool, 70-87 without (bench/serve-load.ts, BENCHMARKS.md). A lone image (nothing else in flight) keeps
   * the pool as the server found it, which runs its pass faster (11.6 against 13.8 ms). close() gives the pool
   * its count back. null: OpenBLAS is left alone. A count given where libtorch's BLAS is not OpenBLAS is an error.
   * The count can change a product's last bits (src/blas.ts), as the batch size can.
   */
  blasThreads?: number | null;
}

export interface RequestLog {
  time: string;
  method: string;
  path: string;
  status: number;
  /** From arrival to answer. */
  ms: number;
  model?: string;
  version?: string;
  images?: number;
  /** The largest batch this request's images ran in. */
  batchSize?: number;
  queueMs?: number;
  inferenceMs?: number;
  /** libtorch threads of the forward pass (of the largest batch). */
  threads?: number;
  preprocessMs?: number;
  bytes?: number;
  error?: ErrorKind;
  message?: string;
}

export interface ModelStatus {
  name: string;
  version: string;
  arch: string;
  weights: string;
  status: 'READY' | 'FAILED';
  error: string | null;
  info: ModelInfo | null;
  batchSize: number;
  maxBatchDelay: number;
  queueSize: number;
  isDefault: boolean;
}

const DEFAULTS = {
  batchSize: 8, maxBatchDelay: 10, queueSize: 100, engine: 'eager', threads: 0, modelWorkers: 0, memoryFormat: 'auto' as ServedMemoryFormat,
  maxBodyBytes: 16 * 1024 * 1024, timeout: 30_000, maxImagePixels: PIL_MAX_IMAGE_PIXELS, maxImagesPerRequest: 64, topk: 5,
};

/** How the worker count was chosen, for the start line: ' (2 side by side: 1.9x one alone)'. */
function workerChoice(info: ModelInfo): string {
  const c = info.workerChoice;
  if (c === undefined) return '';
  return ` (timed: ${c.tried} side by side ${c.togetherImgPerS.toFixed(1)} img/s, one alone ${c.aloneImgPerS.toFixed(1)}: ${(c.togetherImgPerS / c.aloneImgPerS).toFixed(2)}x)`;
}

/** Raw-body content types taken as an image upload; the bytes themselves say which format it is. */
const RAW_TYPES = new Set(['application/octet-stream', 'application/x-www-form-urlencoded', '']);

/**
 * The model workers `modelWorkers: 0` means: one per core when the thread count is chosen per batch, else as many
 * as the fixed thread count fits in the cores; at most 4 (each is a copy of the model in memory). On 2 cores: two
 * workers at 1 thread each, which ran more images per second than one worker at 2 threads (BENCHMARKS.md).
 */
export function defaultModelWorkers(threads: number, cores = availableParallelism()): number {
  return Math.max(1, Math.min(4, threads > 0 ? Math.floor(cores / threads) : cores));
}

class ServedModel {
  /** The model's workers; the first also runs lone images. */
  readonly hosts: ModelHost[];
  batcher: Batcher;
  /** Images (or not yet parsed requests) admitted and not yet answered: the queue the limit bounds. */
  inflight = 0;
  info: ModelInfo | null = null;
  error: string | null = null;
  constructor(readonly spec: ModelSpec, readonly opts: Required<ModelOptions>, private readonly onBatch: (size: number, ms: number) => void, workers: number,
    blasCounts: { lone: number; batch: number } | null) {
    const replicas = opts.modelWorkers > 0 ? opts.modelWorkers : defaultModelWorkers(opts.threads);
    this.hosts = Array.from({ length: replicas }, (_, replica) => new ModelHost(spec, {
      engine: opts.engine, memoryFormat: opts.memoryFormat, threads: opts.threads, batchSize: opts.batchSize, maxThreads: availableParallelism(), workers, replica, replicas, blas: blasCounts,
    }));
    this.batcher = this.newBatcher();
  }
  /** The queue that hands batches to the current workers. */
  private newBatcher(): Batcher {
    return new Batcher(this.hosts, { batchSize: this.opts.batchSize, maxBatchDelay: this.opts.maxBatchDelay, onBatch: this.onBatch });
  }
  /** Served while every worker is: a worker that died fails the model, as a lone model thread did. */
  get ready(): boolean { return this.info !== null && this.hosts.every((h) => h.ready); }
  get failure(): string | null { return this.hosts.find((h) => h.failure !== null)?.failure ?? null; }

  /**
   * Starts the workers one after the other (each times its thread counts on a quiet machine); worker 0's info.
   * When the worker count is the server's to choose (`modelWorkers: 0` with `threads: 0`), it is timed here:
   * worker 0 alone, then all side by side, at the batch size (chooseModelWorkers); the workers that are not worth
   * their core are stopped (and their copy of the model freed).
   */
  async start(): Promise<ModelInfo> {
    let info: ModelInfo | null = null;
    let seconds = 0;
    for (const h of this.hosts) {
      const i = await h.start();
      info ??= i;
      seconds += i.loadSeconds;
    }
    info = { ...info!, loadSeconds: seconds };
    if (this.opts.modelWorkers === 0 && this.opts.threads === 0 && this.hosts.length > 1) {
      const t0 = performance.now();
      info = await this.chooseWorkers(info);
      info.loadSeconds += (performance.now() - t0) / 1000;
    }
    // The timing passes' (and any stopped worker's) activations stay in the CPU cache and glibc's arenas unless
    // given back (src/native/cpu_cache.cc): 770 -> 385 MiB at start for MobileNet v3 with its worker count timed.
    emptyCpuCache();
    serveMemory.mallocTrim();
    return info;
  }

  private async chooseWorkers(info: ModelInfo): Promise<ModelInfo> {
    const tried = this.hosts.length;
    const rate = (r: ProbeReply): number => (r.images * 1000) / r.ms;
    // At least 3 passes and half a second each way (ResNet18 at batch 8 on 1 thread: about 3 s in all).
    const alone = rate(await this.hosts[0]!.probe(tried, 3, 500));
    const together = (await Promise.all(this.hosts.map((h) => h.probe(tried, 3, 500)))).reduce((sum, r) => sum + rate(r), 0);
    const n = chooseModelWorkers(alone, together, tried);
    const workerChoice = { tried, aloneImgPerS: alone, togetherImgPerS: together };
    if (n === tried) return { ...info, workerChoice };
    const extra = this.hosts.splice(n);
    await Promise.all(extra.map((h) => h.close()));
    this.batcher = this.newBatcher();
    const r = await this.hosts[0]!.setReplicas(n);
    return { ...info, workers: n, threads: { ...info.threads, batch: r.batchThreads, adaptive: r.adaptive }, workerChoice };
  }
}

function positiveInt(what: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new RangeError(`serve: ${what} must be a positive integer, got ${String(v)}`);
  return v;
}

function nonNegative(what: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new RangeError(`serve: ${what} must be a non-negative number, got ${String(v)}`);
  return v;
}

const MODEL_OPTION_KEYS = ['batchSize', 'maxBatchDelay', 'queueSize', 'engine', 'threads', 'modelWorkers', 'memoryFormat'] as const;
const SERVER_OPTION_KEYS = new Set<string>([...MODEL_OPTION_KEYS, 'models', 'maxBodyBytes', 'timeout', 'maxImagePixels', 'maxImagesPerRequest', 'topk', 'workers', 'apiKey', 'log', 'onProgress', 'blasThreads']);
const SPEC_KEYS = new Set<string>([...MODEL_OPTION_KEYS, 'name', 'version', 'arch', 'weights']);

function modelOptions(o: ModelOptions, base: Required<ModelOptions>, where: string): Required<ModelOptions> {
  const r = { ...base };
  if (o.batchSize !== undefined) r.batchSize = positiveInt(`${where}batchSize`, o.batchSize);
  if (o.maxBatchDelay !== undefined) r.maxBatchDelay = nonNegative(`${where}maxBatchDelay`, o.maxBatchDelay);
  if (o.queueSize !== undefined) r.queueSize = positiveInt(`${where}queueSize`, o.queueSize);
  if (o.threads !== undefined) {
    if (o.threads !== 0) positiveInt(`${where}threads`, o.threads);
    r.threads = o.threads;
  }
  if (o.modelWorkers !== undefined) {
    if (o.modelWorkers !== 0) positiveInt(`${where}modelWorkers`, o.modelWorkers);
    r.modelWorkers = o.modelWorkers;
  }
  if (o.engine !== undefined) {
    if (!engineNames().includes(o.engine)) throw new RangeError(`serve: ${where}engine '${o.engine}' is not available (engines: ${engineNames().join(', ')})`);
    r.engine = o.engine;
  }
  if (o.memoryFormat !== undefined) r.memoryFormat = o.memoryFormat;
  try {
    checkMemoryFormat(r.engine, r.memoryFormat);
  } catch (e) {
    throw new RangeError(`serve: ${where}${(e as Error).message}`);
  }
  return r;
}

function toSpec(m: ServeOptions['models'][number]): { spec: ModelSpec; opts: ModelOptions } {
  if (typeof m === 'string') return { spec: parseModelSpec(m), opts: {} };
  if (m === null || typeof m !== 'object' || typeof m.name !== 'string') throw new TypeError('serve: each model is a spec string or an object with a name');
  for (const k of Object.keys(m)) if (!SPEC_KEYS.has(k)) throw new RangeError(`serve: model '${m.name}' has an unknown option '${k}' (known: ${[...SPEC_KEYS].join(', ')})`);
  const parsed = parseModelSpec(m.arch !== undefined ? `${m.name}=${m.arch}:${m.weights ?? 'DEFAULT'}` : m.weights !== undefined ? `${m.name}=${m.weights}` : m.name);
  return { spec: { ...parsed, version: m.version ?? DEFAULT_VERSION }, opts: m };
}

/**
 * The answer's JSON: per image, TorchServe's `{label: probability}`, best first (a repeated label keeps its best);
 * one object for one image, an array of them for several. Written by hand because a JavaScript object would put
 * integer-like labels ('0', '1', ...: a class folder's names) in numeric order instead of by probability.
 */
export function answerJson(tops: readonly (readonly TopK[])[]): string {
  const one = (top: readonly TopK[]): string => {
    const seen = new Set<string>();
    const parts: string[] = [];
    for (const t of top) {
      if (seen.has(t.label)) continue;
      seen.add(t.label);
      parts.push(`${JSON.stringify(t.label)}:${JSON.stringify(t.probability)}`);
    }
    return `{${parts.join(',')}}`;
  };
  return tops.length === 1 ? one(tops[0]!) : `[${tops.map(one).join(',')}]`;
}

/** A body already serialised as JSON. */
class RawJson {
  constructor(readonly text: string) {}
}

/** TorchServe's metrics carry the host name. */
const HOST = osHostname();

function digest(s: string): Buffer { return createHash('sha256').update(s).digest(); }

interface Ctx {
  started: number;
  entry: RequestLog;
  /** Set when the answer has been sent (by the route, or by the timeout). */
  answered: boolean;
  /** Set when the client closed its connection before its answer. */
  gone?: boolean;
}

export class ModelServer {
  readonly metrics = new Registry();
  private readonly models = new Map<string, ServedModel[]>();
  /** The preprocessing threads; null with `workers: 0` (the model workers decode their own batches). */
  private readonly pool: PreprocessPool | null;
  private readonly o: Omit<Required<ServeOptions>, 'models' | keyof ModelOptions> & { model: Required<ModelOptions> };
  private http: Server | null = null;
  private shuttingDown = false;
  private active = 0;
  private idleWaiters: (() => void)[] = [];
  private readonly expectContinue = new WeakSet<IncomingMessage>();
  private readonly apiKeyDigest: Buffer | null;
  /**
   * OpenBLAS's thread counts for a lone image's pass (the pool as the server found it) and a batch's
   * (`blasThreads`), which the model threads set before each pass; null: OpenBLAS is left alone.
   */
  private readonly blasCounts: { lone: number; batch: number } | null;
  private readonly m: {
    requests: Counter; latency: Histogram; batch: Histogram; inference: Histogram; queue: Gauge; errors: Counter;
    images: Counter; tsRequests: Counter; tsLatency: Counter; tsQueue: Counter;
  };

  /** Use createServer(), which also loads the models. */
  constructor(opts: ServeOptions) {
    [opts] = bindOwn(ModelServer, arguments) as ConstructorParameters<typeof ModelServer>;
    if (opts === null || typeof opts !== 'object') throw new TypeError('serve: options must be an object');
    for (const k of Object.keys(opts)) if (!SERVER_OPTION_KEYS.has(k)) throw new RangeError(`serve: unknown option '${k}'`);
    if (!Array.isArray(opts.models) || opts.models.length === 0) throw new RangeError('serve: name at least one model');
    const model = modelOptions(opts, { batchSize: DEFAULTS.batchSize, maxBatchDelay: DEFAULTS.maxBatchDelay, queueSize: DEFAULTS.queueSize, engine: DEFAULTS.engine, threads: DEFAULTS.threads, modelWorkers: DEFAULTS.modelWorkers, memoryFormat: DEFAULTS.memoryFormat }, '');
    this.o = {
      model,
      maxBodyBytes: positiveInt('maxBodyBytes', opts.maxBodyBytes ?? DEFAULTS.maxBodyBytes),
      timeout: positiveInt('timeout', opts.timeout ?? DEFAULTS.timeout),
      maxImagePixels: positiveInt('maxImagePixels', opts.maxImagePixels ?? DEFAULTS.maxImagePixels),
      maxImagesPerRequest: positiveInt('maxImagesPerRequest', opts.maxImagesPerRequest ?? DEFAULTS.maxImagesPerRequest),
      topk: positiveInt('topk', opts.topk ?? DEFAULTS.topk),
      workers: opts.workers === 0 ? 0 : positiveInt('workers', opts.workers ?? Math.max(1, Math.min(4, availableParallelism() - 1))),
      apiKey: opts.apiKey ?? null,
      log: opts.log ?? null,
      onProgress: opts.onProgress ?? null,
      blasThreads: opts.blasThreads === null ? null : positiveInt('blasThreads', opts.blasThreads ?? 1),
    };
    if (this.o.apiKey !== null && (typeof this.o.apiKey !== 'string' || this.o.apiKey === '')) throw new RangeError('serve: apiKey must be a non-empty string');
    this.apiKeyDigest = this.o.apiKey !== null ? digest(this.o.apiKey) : null;
    const pool = this.o.blasThreads === null ? null : blas.getNumThreads();
    if (pool === null && opts.blasThreads !== undefined && opts.blasThreads !== null) {
      throw new RangeError('serve: blasThreads: the BLAS libtorch uses in this process is not OpenBLAS, so there is no OpenBLAS pool to size');
    }
    this.blasCounts = pool === null || this.o.blasThreads === null ? null : { lone: pool, batch: this.o.blasThreads };

    const r = this.metrics;
    this.m = {
      requests: r.counter('tstorch_serve_requests_total', 'Prediction requests by model, version and HTTP status.'),
      latency: r.histogram('tstorch_serve_request_duration_seconds', 'Prediction request latency, from arrival to answer.',
        [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]),
      batch: r.histogram('tstorch_serve_batch_size', 'Images per forward pass.', [1, 2, 4, 8, 16, 32, 64, 128]),
      inference: r.histogram('tstorch_serve_inference_duration_seconds', 'Forward pass time per batch (with top-k).',
        [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]),
      queue: r.gauge('tstorch_serve_queue_depth', 'Images admitted and not yet answered (uploading, preprocessing, waiting, running).'),
      errors: r.counter('tstorch_serve_errors_total', 'Error answers by kind.'),
      images: r.counter('tstorch_serve_images_total', 'Images classified.'),
      tsRequests: r.counter('ts_inference_requests_total', 'Total number of inference requests (TorchServe\'s name).'),
      tsLatency: r.counter('ts_inference_latency_microseconds', 'Cumulative inference duration in microseconds (TorchServe\'s name).'),
      tsQueue: r.counter('ts_queue_latency_microseconds', 'Cumulative queue duration in microseconds (TorchServe\'s name).'),
    };
    const rss = r.gauge('process_resident_memory_bytes', 'Resident memory size in bytes.');
    rss.set({}, () => process.memoryUsage.rss());

    for (const m of opts.models) {
      const { spec, opts: mo } = toSpec(m);
      const key = specKey(spec);
      const list = this.models.get(spec.name) ?? [];
      if (list.some((s) => s.spec.version === spec.version)) throw new RangeError(`serve: model ${key} is named twice`);
      const labels = { model: spec.name, version: spec.version };
      const served: ServedModel = new ServedModel(spec, modelOptions(mo, model, `model ${key}: `), (size, ms) => {
        this.m.batch.observe(labels, size);
        this.m.inference.observe(labels, ms / 1000);
      }, this.o.workers, this.blasCounts);
      this.m.queue.set(labels, () => served.inflight);
      this.m.requests.touch({ ...labels, code: '200' });
      list.push(served);
      this.models.set(spec.name, list);
    }
    this.pool = this.o.workers > 0 ? new PreprocessPool(this.o.workers) : null;
  }

  /** Loads every model, one after the other, in its own thread; a model that fails is reported and not served. */
  async load(): Promise<void> {
    const b = this.blasCounts;
    if (b !== null) {
      blas.setNumThreads(b.batch); // checks the count (OpenBLAS's MAX_THREADS) before any model thread uses it
      this.o.onProgress?.(`OpenBLAS: ${b.lone} thread${b.lone > 1 ? 's' : ''} for a lone image, ${b.batch} for a batch`);
    }
    const all = [...this.models.values()].flat();
    for (const [i, s] of all.entries()) {
      const what = `${specKey(s.spec)} (${s.spec.arch}, weights ${s.spec.weights})`;
      this.o.onProgress?.(`[${i + 1}/${all.length}] loading ${what}`);
      try {
        s.info = await s.start();
        const t = s.info.threads;
        this.o.onProgress?.(`[${i + 1}/${all.length}] ready ${specKey(s.spec)}: ${s.info.source}, ${s.info.numClasses} classes, engine ${s.info.engine}, ` +
          `threads ${t.single} (1 image) / ${t.batch} (batch ${s.opts.batchSize}${s.info.workers > 1 ? ' per worker' : ''})${t.adaptive ? ' at start, re-measured per batch' : ''}, ` +
          `${s.info.workers} worker${s.info.workers > 1 ? 's' : ''}${workerChoice(s.info)}, ${s.info.loadSeconds.toFixed(1)} s`);
      } catch (e) {
        s.error = (e as Error).message;
        this.o.onProgress?.(`[${i + 1}/${all.length}] FAILED ${what}: ${s.error} (not served)`);
      }
    }
  }

  /** Every model version named at start, with its state. */
  status(): ModelStatus[] {
    return [...this.models.values()].flat().map((s) => ({
      name: s.spec.name, version: s.spec.version, arch: s.spec.arch, weights: s.spec.weights,
      status: s.ready ? 'READY' : 'FAILED', error: s.error ?? s.failure, info: s.info,
      batchSize: s.opts.batchSize, maxBatchDelay: s.opts.maxBatchDelay, queueSize: s.opts.queueSize,
      isDefault: this.models.get(s.spec.name)![0] === s,
    }));
  }

  /** The Prometheus exposition text. */
  metricsText(): string { return this.metrics.render(); }

  /**
   * The request handler, for node:http (`http.createServer(server.handler)`) or as Express middleware
   * (`app.use('/ml', server.handler)`): paths it does not serve go to `next` when given, else get a 404.
   */
  readonly handler = (req: IncomingMessage, res: ServerResponse, next?: (err?: unknown) => void): void => {
    void this.handle(req, res, next);
  };

  /** Listens on `host` (127.0.0.1 unless told) and `port` (0: any free port). */
  listen(opts: { port?: number; host?: string } = {}): Promise<{ port: number; host: string; url: string }> {
    if (this.http !== null) return Promise.reject(new Error('serve: the server is already listening'));
    const host = opts.host ?? '127.0.0.1';
    const server = createHttpServer({ keepAliveTimeout: 5_000 }, this.handler);
    // Expect: 100-continue is answered only once the request is admitted, so a full queue or a body over the
    // limit is refused before the client sends it.
    server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
      this.expectContinue.add(req);
      this.handler(req, res);
    });
    server.requestTimeout = this.o.timeout + 5_000;
    this.http = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port ?? 0, host, () => {
        server.off('error', reject);
        const a = server.address() as AddressInfo;
        const h = a.family === 'IPv6' ? `[${a.address}]` : a.address;
        resolve({ port: a.port, host: a.address, url: `http://${h}:${a.port}` });
      });
    });
  }

  /** The node:http server once listening. */
  get httpServer(): Server | null { return this.http; }

  /**
   * Graceful shutdown: stops accepting connections, answers new requests on open connections with 503, finishes
   * every request already taken, then stops the threads.
   */
  async close(): Promise<void> {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    const http = this.http;
    const closed = http !== null ? new Promise<void>((r) => http.close(() => r())) : Promise.resolve();
    http?.closeIdleConnections();
    if (this.active > 0) await new Promise<void>((r) => this.idleWaiters.push(r));
    // Answers sent during the shutdown carry `Connection: close`, so their connections end once the answer is
    // out; connections left idle are closed now, and any a client holds open without a request after a while.
    http?.closeIdleConnections();
    const force = setTimeout(() => http?.closeAllConnections(), 5_000);
    await closed;
    clearTimeout(force);
    await this.pool?.close();
    await Promise.all([...this.models.values()].flat().flatMap((s) => s.hosts.map((h) => h.close())));
    // OpenBLAS's pool is the process's: it goes back to the count the server found.
    if (this.blasCounts !== null) blas.setNumThreads(this.blasCounts.lone);
  }

  // ---------------------------------------------------------------------------------------------------------

  private authorized(req: IncomingMessage): boolean {
    if (this.apiKeyDigest === null) return true;
    const auth = req.headers.authorization;
    const m = typeof auth === 'string' ? /^Bearer\s+(.+)$/i.exec(auth.trim()) : null;
    const given = m ? m[1]! : typeof req.headers['x-api-key'] === 'string' ? req.headers['x-api-key'] : null;
    return given !== null && timingSafeEqual(digest(given), this.apiKeyDigest);
  }

  private send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}, type = 'application/json'): void {
    if (res.headersSent || res.writableEnded) return;
    const text = body instanceof RawJson ? body.text + '\n' : type === 'application/json' ? JSON.stringify(body) + '\n' : String(body);
    const h: Record<string, string | number> = { 'Content-Type': type, 'Content-Length': Buffer.byteLength(text), ...headers };
    if (this.shuttingDown) h.Connection = 'close';
    res.writeHead(status, h);
    res.end(text);
  }

  private sendError(res: ServerResponse, ctx: Ctx, e: ServeError): void {
    if (ctx.answered) return;
    ctx.entry.error = e.kind;
    ctx.entry.message = e.message;
    this.m.errors.inc({ kind: e.kind });
    this.answer(res, ctx, e.status, e.toJSON(), e.headers);
  }

  private answer(res: ServerResponse, ctx: Ctx, status: number, body: unknown, headers: Record<string, string> = {}, type?: string): void {
    if (ctx.answered) return;
    ctx.answered = true;
    this.send(res, status, body, headers, type);
    ctx.entry.status = status;
  }

  private async handle(req: IncomingMessage, res: ServerResponse, next?: (err?: unknown) => void): Promise<void> {
    const started = performance.now();
    const method = req.method ?? 'GET';
    const ctx: Ctx = { started, answered: false, entry: { time: new Date().toISOString(), method, path: req.url ?? '/', status: 0, ms: 0 } };
    this.active++;
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
      ctx.entry.path = url.pathname;
      await this.route(req, res, url, ctx, next);
    } catch (e) {
      if (e instanceof ClientGoneError) {
        if (!ctx.answered) {
          ctx.entry.error = 'bad_request';
          ctx.entry.message = e.message;
          ctx.entry.status = 499; // nginx's "client closed request": nobody to answer
          ctx.answered = true;
        }
      } else if (e instanceof ServeError) {
        this.sendError(res, ctx, e);
      } else {
        const err = e as Error;
        this.sendError(res, ctx, new ServeError('internal', `internal error: ${err.message}`));
        process.stderr.write(`serve: internal error on ${method} ${req.url}: ${err.stack ?? err.message}\n`);
      }
    } finally {
      ctx.entry.ms = Math.round((performance.now() - started) * 1000) / 1000;
      if (ctx.entry.model !== undefined) this.countPrediction(ctx);
      if (ctx.entry.status !== 0) this.o.log?.(ctx.entry);
      if (--this.active === 0) for (const w of this.idleWaiters.splice(0)) w();
    }
  }

  private async route(req: IncomingMessage, res: ServerResponse, url: URL, ctx: Ctx, next?: (err?: unknown) => void): Promise<void> {
    let parts: string[];
    try {
      parts = url.pathname.split('/').filter((p) => p !== '').map(decodeURIComponent);
    } catch {
      throw new ServeError('bad_request', `malformed path '${url.pathname}'`);
    }
    const method = req.method ?? 'GET';
    const allow = (methods: string[]): void => {
      if (!methods.includes(method)) throw new ServeError('method_not_allowed', `${method} is not allowed on ${url.pathname} (allowed: ${methods.join(', ')})`, { Allow: methods.join(', ') });
    };
    const noQuery = (): void => {
      const k = [...url.searchParams.keys()][0];
      if (k !== undefined) throw new ServeError('bad_request', `unknown query parameter '${k}' on ${url.pathname}`);
    };
    const [first, ...rest] = parts;
    const known = (first === 'ping' || first === 'metrics') && rest.length === 0 || first === 'models' && rest.length <= 2 || first === 'predictions' && (rest.length === 1 || rest.length === 2);
    if (!known) {
      if (next) { ctx.answered = true; next(); return; }
      throw new ServeError('not_found', `no such route: ${method} ${url.pathname} (routes: /ping, /models, /metrics, /predictions/{model}[/{version}])`);
    }
    if (first === 'ping') {
      allow(['GET', 'HEAD']);
      noQuery();
      const states = this.status();
      const up = states.filter((s) => s.status === 'READY').length;
      const healthy = !this.shuttingDown && up > 0;
      this.answer(res, ctx, healthy ? 200 : 503, { status: !healthy ? 'Unhealthy' : up === states.length ? 'Healthy' : 'Partial Healthy' });
      return;
    }
    if (!this.authorized(req)) {
      throw new ServeError('unauthorized', 'missing or wrong API key: send Authorization: Bearer KEY (or X-API-Key: KEY)', { 'WWW-Authenticate': 'Bearer' });
    }
    if (first === 'metrics') {
      allow(['GET', 'HEAD']);
      noQuery();
      this.answer(res, ctx, 200, this.metricsText(), {}, PROMETHEUS_CONTENT_TYPE);
      return;
    }
    if (first === 'models') {
      allow(['GET', 'HEAD']);
      noQuery();
      if (rest.length === 0) {
        const models = [...this.models.keys()].map((name) => ({ modelName: name, modelUrl: this.models.get(name)![0]!.spec.weights }));
        this.answer(res, ctx, 200, { models });
        return;
      }
      const versions = this.versionsOf(rest[0]!);
      const chosen = rest[1] === undefined ? [versions[0]!] : rest[1] === 'all' ? versions : [this.version(rest[0]!, versions, rest[1])];
      this.answer(res, ctx, 200, chosen.map((s) => this.describe(s)));
      return;
    }
    allow(['POST', 'PUT']);
    await this.predict(req, res, url, rest[0]!, rest[1], ctx);
  }

  private countPrediction(ctx: Ctx): void {
    const labels = { model: ctx.entry.model!, version: ctx.entry.version! };
    this.m.requests.inc({ ...labels, code: String(ctx.entry.status) });
    this.m.latency.observe(labels, ctx.entry.ms / 1000);
    this.m.tsRequests.inc({ model_name: labels.model, model_version: labels.version, hostname: HOST });
  }

  private versionsOf(name: string): ServedModel[] {
    const list = this.models.get(name);
    if (list === undefined) throw new ServeError('not_found', `no model named '${name}' (served: ${[...this.models.keys()].join(', ')})`);
    return list;
  }

  private version(name: string, list: ServedModel[], version: string): ServedModel {
    const s = list.find((m) => m.spec.version === version);
    if (s === undefined) throw new ServeError('not_found', `model '${name}' has no version '${version}' (versions: ${list.map((m) => m.spec.version).join(', ')})`);
    return s;
  }

  private describe(s: ServedModel): Record<string, unknown> {
    const st = this.status().find((x) => x.name === s.spec.name && x.version === s.spec.version)!;
    return {
      modelName: s.spec.name, modelVersion: s.spec.version, modelUrl: s.spec.weights, runtime: 'tstorch', engine: s.info?.engine ?? s.opts.engine,
      arch: s.spec.arch, weights: s.info?.source ?? s.spec.weights, isDefault: st.isDefault,
      minWorkers: s.hosts.length, maxWorkers: s.hosts.length, batchSize: s.opts.batchSize, maxBatchDelay: s.opts.maxBatchDelay, queueSize: s.opts.queueSize,
      loadedAtStartup: true, status: st.status, error: st.error,
      classes: s.info?.numClasses ?? null, preprocess: s.info?.preprocess ?? null, threads: s.info?.threads ?? null,
      workerChoice: s.info?.workerChoice ?? null,
      workers: s.ready ? s.hosts.map((_, i) => ({ id: `${s.spec.name}@${s.spec.version}${s.hosts.length > 1 ? `/${i}` : ''}`, status: 'READY', queueDepth: s.inflight })) : [],
    };
  }

  private async predict(req: IncomingMessage, res: ServerResponse, url: URL, name: string, version: string | undefined, ctx: Ctx): Promise<void> {
    const list = this.versionsOf(name);
    const model = version === undefined ? list[0]! : this.version(name, list, version);
    ctx.entry.model = model.spec.name;
    ctx.entry.version = model.spec.version;
    if (this.shuttingDown) throw new ServeError('shutting_down', 'the server is shutting down', { 'Retry-After': '1' });
    if (!model.ready) throw new ServeError('model_unavailable', `model ${specKey(model.spec)} is not served: ${model.error ?? model.failure ?? 'it is not loaded'}`);
    let topk = this.o.topk;
    for (const [k, v] of url.searchParams) {
      if (k !== 'topk') throw new ServeError('bad_request', `unknown query parameter '${k}' (known: topk)`);
      topk = Number(v);
      if (!/^\d+$/.test(v) || topk < 1) throw new ServeError('bad_request', `topk must be a positive integer, got '${v}'`);
    }
    const contentType = req.headers['content-type'] ?? '';
    const { value: mime } = headerParams(contentType);
    const multipart = mime === 'multipart/form-data';
    if (!multipart && !RAW_TYPES.has(mime) && !mime.startsWith('image/')) {
      throw new ServeError('content_type', `wrong content type '${mime}': send the image's bytes (image/*, application/octet-stream) or multipart/form-data`);
    }
    await this.admitted(model, async (reserve) => {
      const items: BatchItem[] = [];
      const timer = setTimeout(() => {
        this.sendError(res, ctx, new ServeError('timeout', `no answer within ${this.o.timeout} ms`));
        for (const it of items) it.cancelled = true;
      }, this.o.timeout);
      // A client that disconnects before its answer (a load generator stopping, a user giving up): its images
      // still waiting leave the queue without running, and free their slots; a batch already running finishes.
      // Without this, a client that reconnects at once finds the queue still holding its abandoned requests.
      const onClose = (): void => {
        if (ctx.answered || res.writableFinished) return;
        ctx.gone = true;
        for (const it of items) it.cancelled = true;
      };
      res.on('close', onClose);
      try {
        await this.runPrediction(req, res, ctx, model, multipart ? contentType : null, topk, reserve, items);
      } finally {
        clearTimeout(timer);
        res.off('close', onClose);
      }
    });
  }

  /** Runs `fn` holding one slot of the model's queue (503 when there is none); `reserve(n)` takes n more. */
  private async admitted(model: ServedModel, fn: (reserve: (n: number) => void) => Promise<void>): Promise<void> {
    const full = (): ServeError => new ServeError('queue_full', `model ${specKey(model.spec)}'s queue is full (${model.opts.queueSize} images); retry later`, { 'Retry-After': '1' });
    if (model.inflight + 1 > model.opts.queueSize) throw full();
    let held = 1;
    model.inflight += 1;
    try {
      await fn((n) => {
        if (model.inflight + n > model.opts.queueSize) throw full();
        model.inflight += n;
        held += n;
      });
    } finally {
      model.inflight -= held;
    }
  }

  private async runPrediction(req: IncomingMessage, res: ServerResponse, ctx: Ctx, model: ServedModel, multipartType: string | null,
    topk: number, reserve: (n: number) => void, items: BatchItem[]): Promise<void> {
    const b = model.batcher;
    let upstream = 1;
    b.expect(1);
    try {
      const body = await readBody(req, this.o.maxBodyBytes, () => { if (this.expectContinue.has(req)) res.writeContinue(); });
      ctx.entry.bytes = body.length;
      const images: { data: Uint8Array; name: string }[] = [];
      if (multipartType !== null) {
        for (const p of parseMultipart(body, multipartType)) {
          const isFile = p.filename !== null || (p.contentType !== '' && p.contentType !== 'text/plain');
          if (!isFile) {
            throw new ServeError('multipart', `form field '${p.name}' is not a file; send images as file parts (curl -F 'data=@photo.jpg')`);
          }
          images.push({ data: p.data, name: `part '${p.name}'${p.filename ? ` (${p.filename})` : ''}` });
        }
        if (images.length === 0) throw new ServeError('multipart', 'the multipart body holds no file part');
      } else {
        images.push({ data: body, name: 'the body' });
      }
      if (images.length > this.o.maxImagesPerRequest) throw new ServeError('bad_request', `${images.length} images in one request; at most ${this.o.maxImagesPerRequest}`);
      ctx.entry.images = images.length;
      reserve(images.length - 1);
      b.expect(images.length - 1);
      upstream = images.length;
      // Every header is checked before anything is decoded.
      for (const im of images) readImageHeader(im.data, this.o.maxImagePixels, images.length > 1 || multipartType !== null ? im.name : 'the body');
      const preprocess = model.info!.preprocess;
      const settled = await Promise.allSettled(images.map(async (im) => {
        if (images.length === 1 && b.alone) {
          // A lone image on an idle model: decoded and run in the model's thread (two thread crossings, not four).
          upstream--;
          try {
            const result = await b.runAlone(im.data, preprocess, topk);
            return { result, ms: result.preprocessMs ?? 0 };
          } catch (e) {
            if (e instanceof DecodeError) throw decodeFailure(e.message.replace(/^cannot decode image \([^)]*\): /, ''), im.name);
            throw e;
          }
        }
        if (this.pool === null) {
          // No preprocessing threads: the image waits as it came, and the model worker that runs its batch decodes it.
          const item: BatchItem = { tensor: null, bytes: im.data, preprocess, topk, cancelled: ctx.answered || ctx.gone === true, enqueuedAt: performance.now() };
          items.push(item);
          upstream--;
          try {
            const result = await b.submit(item, true);
            return { result, ms: result.preprocessMs ?? 0 };
          } catch (e) {
            if (e instanceof DecodeError) {
              for (const it of items) it.cancelled = true;
              throw decodeFailure(e.message.replace(/^cannot decode image \([^)]*\): /, ''), im.name);
            }
            throw e;
          }
        }
        let preprocessed;
        try {
          preprocessed = await this.pool.run(im.data, preprocess);
        } catch (e) {
          b.expect(-1); // this image will not reach the batcher
          upstream--;
          // The other images of the request are not worth running any more.
          for (const it of items) it.cancelled = true;
          if (e instanceof DecodeError) throw decodeFailure(e.message.replace(/^cannot decode image \([^)]*\): /, ''), im.name);
          throw e;
        }
        const item: BatchItem = { tensor: preprocessed.tensor, topk, cancelled: ctx.answered || ctx.gone === true, enqueuedAt: performance.now() };
        items.push(item);
        upstream--;
        return { result: await b.submit(item, true), ms: preprocessed.ms };
      }));
      const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
      if (failed !== undefined) throw failed.reason;
      const done = settled.map((s) => (s as PromiseFulfilledResult<{ result: BatchResult; ms: number }>).value);
      const results = done.map((d) => d.result);
      ctx.entry.batchSize = Math.max(...results.map((r) => r.batchSize));
      ctx.entry.queueMs = round(Math.max(...results.map((r) => r.queueMs)));
      ctx.entry.inferenceMs = round(Math.max(...results.map((r) => r.inferenceMs)));
      ctx.entry.threads = results.reduce((p, r) => (r.batchSize > p.batchSize ? r : p)).threads;
      ctx.entry.preprocessMs = round(Math.max(...done.map((d) => d.ms)));
      const labels = { model_name: model.spec.name, model_version: model.spec.version, hostname: HOST };
      this.m.images.inc({ model: model.spec.name, version: model.spec.version }, results.length);
      this.m.tsLatency.inc(labels, Math.round(Math.max(...results.map((r) => r.inferenceMs)) * 1000));
      this.m.tsQueue.inc(labels, Math.round(Math.max(...results.map((r) => r.queueMs)) * 1000));
      this.answer(res, ctx, 200, new RawJson(answerJson(results.map((r) => r.top))));
    } catch (e) {
      // answered by the timeout already, or nobody left to answer (handle() logs it as 499)
      if (e instanceof CancelledError) {
        if (ctx.gone === true) throw new ClientGoneError('the client disconnected before its answer');
        return;
      }
      throw e;
    } finally {
      b.expect(-upstream);
    }
  }
}
classArgs(ModelServer, 'tstorch.vision.serve.ModelServer', '; *, models, maxBodyBytes, timeout, maxImagePixels, maxImagesPerRequest, topk, workers, apiKey, log, onProgress, batchSize, maxBatchDelay, queueSize, engine, threads, modelWorkers, memoryFormat, blasThreads');

const round = (v: number): number => Math.round(v * 1000) / 1000;

/**
 * Starts a model server: validates the options, starts the preprocessing threads, and loads every model in its
 * own thread (a model that fails is reported through onProgress and in status(), and not served). Call
 * `listen()` to serve on 127.0.0.1, or mount `handler` in your own node:http or Express app.
 */
export async function createServer(opts: ServeOptions): Promise<ModelServer> {
  [opts] = bindOwn(createServer, arguments) as Parameters<typeof createServer>;
  const s = new ModelServer(opts);
  try {
    await s.load();
  } catch (e) {
    await s.close();
    throw e;
  }
  return s;
}
