// `tstorch serve MODEL... [--port 8080]`: TorchServe's inference API for zoo classifiers, with dynamic batching.
// A progress line per model at start (a model that fails to load is reported and not served), one JSON line
// per request on stdout, and a graceful stop on SIGTERM or Ctrl-C: no new requests, every accepted one answered,
// exit 0.
import { parseArgs, helpText, type OptionSpec } from '../args.js';
import { UserError } from '../errors.js';
import { createServer, type ServeOptions } from '../../vision/serve/server.js';
import { ModelSpecError, parseModelSpec } from '../../vision/serve/model-spec.js';
import { engineNames, type ServedMemoryFormat } from '../../vision/serve/engine.js';
import { PIL_MAX_IMAGE_PIXELS } from '../../vision/serve/image-header.js';

const spec = {
  port: { type: 'number', default: 8080, help: 'port to listen on (0: any free port)' },
  host: { type: 'string', default: '127.0.0.1', help: "address to bind; '0.0.0.0' serves other machines too (then set an API key)" },
  batchSize: { type: 'number', default: 8, help: 'most images per forward pass' },
  maxBatchDelay: { type: 'number', default: 10, help: 'ms a batch may wait for more images while some are still on their way' },
  queueSize: { type: 'number', default: 100, help: "images a model may hold (uploading, preprocessing, waiting, running); beyond: 503 with Retry-After" },
  timeout: { type: 'number', default: 30000, help: 'ms from a request\'s arrival to its answer; beyond: 504' },
  maxBodyBytes: { type: 'number', default: 16 * 1024 * 1024, help: 'largest request body; beyond: 413' },
  maxImagePixels: { type: 'number', default: PIL_MAX_IMAGE_PIXELS, help: "largest image (width x height, read from the header before decoding; PIL's limit)" },
  maxImagesPerRequest: { type: 'number', default: 64, help: 'most images in one multipart request' },
  topk: { type: 'number', default: 5, help: 'classes per image in an answer (a request may pass ?topk=N)' },
  workers: { type: 'number', help: 'threads that decode and preprocess uploads (default: one per core but one, 1 to 4; 0: none, each model worker decodes its own batches)' },
  threads: { type: 'number', default: 0, help: 'libtorch threads per model (0: per batch, whichever of 1, the cores the preprocessing threads leave, and all cores runs that batch size fastest, measured as it serves)' },
  modelWorkers: { type: 'number', default: 0, help: 'worker threads per model, each with its own copy of the model, running batches side by side (0: timed at start: one per core, at most 4, each at its share of the cores for a batch, kept only if they run 1.75x one worker alone at the batch size (2 workers), else one; with --threads N: as many as N fits in the cores)' },
  blasThreads: { type: 'number', default: 1, help: "OpenBLAS's threads for a batch's forward pass; a lone image keeps OpenBLAS's pool (0: leave OpenBLAS as it starts, one thread per core, whose idle threads spin between matrix products and take a core from decoding)" },
  engine: { type: 'string', default: 'eager', help: `inference engine (${engineNames().join(', ')})` },
  memoryFormat: { type: 'string', default: 'auto', help: "the eager engine's layout of weights and batches: channels-last (PyTorch's advice for CNNs on CPU: oneDNN's NHWC convolutions, a ResNet18 batch of 8: 28 instead of 33 ms per image), contiguous, or auto (channels last for convolutional networks: 2-d convolutions, no layer norm)" },
  apiKey: { type: 'string', help: 'require Authorization: Bearer KEY (or X-API-Key) on every route but /ping (or set TSTORCH_SERVE_API_KEY)' },
  log: { type: 'boolean', default: true, help: 'print one JSON line per request on stdout (--no-log: none)' },
} satisfies Record<string, OptionSpec>;

export const help = helpText('serve', '<model>... [options]', spec) + `

Models:
  resnet18                       an architecture with its DEFAULT published weights, served as /predictions/resnet18
  ants=runs/ants/best.pth        a checkpoint; its architecture and class names from the run's config.json
  r18=resnet18:FILE|WEIGHTS|none an architecture with a checkpoint file, a published weights name, or random weights
  r18@2.0=resnet18:FILE          a version (default 1.0): /predictions/r18/2.0

Routes (TorchServe's inference API):
  POST|PUT /predictions/{model}[/{version}]   the image as the body, or multipart/form-data with image files
  GET /ping   GET /models   GET /models/{model}[/{version}|/all]   GET /metrics (Prometheus)

Threads: OpenMP's threads wait passively (OMP_WAIT_POLICY=passive unless set): on a busy machine, spinning
threads burn the time slices that their preempted team-mates need, and a 2-thread ResNet18 forward pass went
from 47 ms to seconds (bench/serve-load.ts, BENCHMARKS.md). Batches run OpenBLAS on one thread (--blas-threads):
its pool's idle threads spin for about 0.1 s after every matrix product, on the core that decodes the next batch.

Example:
  tstorch serve resnet18=resnet18:best.pth --port 8080 &
  curl -T photo.jpg http://127.0.0.1:8080/predictions/resnet18`;

export async function run(argv: string[]): Promise<void> {
  const a = parseArgs(argv, spec, 'serve', { max: Infinity });
  if (a._.length === 0) throw new UserError("serve: name at least one model, e.g. 'tstorch serve resnet18=runs/r18/best.pth' (see 'tstorch serve --help')");
  const models = a._.map((m) => {
    try {
      parseModelSpec(m);
    } catch (e) {
      if (e instanceof ModelSpecError) throw new UserError(`serve: ${e.message}`);
      throw e;
    }
    return m;
  });
  if (!Number.isInteger(a.port) || a.port < 0 || a.port > 65535) throw new UserError(`serve: --port must be 0 to 65535, got ${a.port}`);
  const host = a.host!;
  const formats: Record<string, ServedMemoryFormat> = { auto: 'auto', contiguous: 'contiguous', 'channels-last': 'channelsLast', channelsLast: 'channelsLast', channels_last: 'channelsLast' };
  const memoryFormat = formats[a.memoryFormat!];
  if (memoryFormat === undefined) throw new UserError(`serve: --memory-format must be auto, contiguous or channels-last, got '${a.memoryFormat}'`);
  const apiKey = a.apiKey ?? process.env.TSTORCH_SERVE_API_KEY ?? null;
  const progress = (line: string): void => { console.error(`serve: ${line}`); };
  const opts: ServeOptions = {
    models, batchSize: a.batchSize, maxBatchDelay: a.maxBatchDelay, queueSize: a.queueSize, timeout: a.timeout,
    maxBodyBytes: a.maxBodyBytes, maxImagePixels: a.maxImagePixels, maxImagesPerRequest: a.maxImagesPerRequest, topk: a.topk,
    threads: a.threads, modelWorkers: a.modelWorkers, blasThreads: a.blasThreads === 0 ? null : a.blasThreads, engine: a.engine, memoryFormat, apiKey: apiKey === '' ? null : apiKey,
    log: a.log ? (e) => { process.stdout.write(JSON.stringify(e) + '\n'); } : null,
    onProgress: progress,
    ...(a.workers !== undefined ? { workers: a.workers } : {}),
  };
  // Signals are taken from the start: one that arrives while the models load stops the server once they have.
  let signalled: string | null = null;
  let onSignal: ((signal: string) => void) | null = null;
  const handle = (signal: string): void => {
    if (signalled !== null) {
      if (signal === 'SIGINT') process.exit(130);
      return;
    }
    signalled = signal;
    onSignal?.(signal);
  };
  const onTerm = (): void => handle('SIGTERM');
  const onInt = (): void => handle('SIGINT');
  process.on('SIGTERM', onTerm);
  process.on('SIGINT', onInt);
  try {
    let server;
    try {
      server = await createServer(opts);
    } catch (e) {
      if (e instanceof RangeError || e instanceof TypeError || e instanceof ModelSpecError) throw new UserError(e.message);
      throw e;
    }
    const ready = server.status().filter((s) => s.status === 'READY');
    if (ready.length === 0 || signalled !== null) {
      await server.close();
      if (signalled !== null) return progress(`${signalled}: stopped before serving`);
      throw new UserError('serve: no model could be loaded (see the lines above)');
    }
    let address;
    try {
      address = await server.listen({ port: a.port, host });
    } catch (e) {
      await server.close();
      throw new UserError(`serve: cannot listen on ${host}:${a.port}: ${(e as Error).message}`);
    }
    if (!/^(127\.|::1$|localhost$)/.test(host) && opts.apiKey === null) {
      progress(`warning: listening on ${host} without an API key: anyone who can reach this machine can use the models`);
    }
    progress(`listening on ${address.url} (${ready.map((s) => `/predictions/${s.name}${s.isDefault ? '' : `/${s.version}`}`).join(', ')}); Ctrl-C or SIGTERM stops`);
    const stopped = new Promise<string>((resolve) => { onSignal = resolve; if (signalled !== null) resolve(signalled); });
    const signal = await stopped;
    progress(`${signal}: finishing the requests in progress, then stopping`);
    await server.close();
    progress('stopped');
  } finally {
    process.off('SIGTERM', onTerm);
    process.off('SIGINT', onInt);
  }
}
