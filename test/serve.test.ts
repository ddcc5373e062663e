// The model server end to end: a fine-tuning run's checkpoint (written by PyTorch, with the run's class names),
// served on a free port, sent real JPEGs (hymenoptera) and a GIF; its answers equal PyTorch's and `tstorch
// predict`'s for the same files. Bad uploads get 400s naming the problem while the server keeps serving; limits
// (body size, queue, timeout, API key) answer 413/503/504/401; routes, metrics, a model that fails to load,
// mounting the handler in another app, graceful close, and the `tstorch serve` command with SIGTERM.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createServer as createHttpServer, request as httpRequest, type IncomingMessage } from 'node:http';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runPython } from './helpers/pytorch.js';
import { cli } from './helpers/cli.js';
import { createServer, defaultModelWorkers, type ModelServer, type RequestLog } from '../src/vision/serve/server.js';
import { chooseModelWorkers } from '../src/vision/serve/thread-choice.js';
import * as blas from '../src/blas.js';
import { loadZooModel } from '../src/train/pretrained.js';
import { predictFiles } from '../src/train/predict.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const data = [process.env.TSTORCH_DATA, join(repo, '..', 'shared', 'data')].filter((r): r is string => r !== undefined)
  .map((r) => join(r, 'hymenoptera_data')).find((p) => existsSync(p));
assert.ok(data, 'hymenoptera_data not found under $TSTORCH_DATA or ../shared/data');
const pick = (sub: string, n: number): string[] => readdirSync(join(data, sub)).filter((f) => f.endsWith('.jpg')).sort().slice(0, n).map((f) => join(data, sub, f));
// Two ants and two bees (JPEG), and the data set's palette GIF.
const files = [...pick('val/ants', 2), ...pick('val/bees', 2), join(data, 'train', 'ants', 'imageNotFound.gif')];
const small = readdirSync(join(data, 'val', 'bees')).map((f) => join(data, 'val', 'bees', f))
  .map((f) => ({ f, n: readFileSync(f).length })).sort((p, q) => p.n - q.n)[0]!.f;

const dir = mkdtempSync(join(tmpdir(), 'tstorch-serve-'));
const run = join(dir, 'run');
mkdirSync(run);
// A fine-tuned MobileNet v3 (small) as `tstorch finetune` leaves it: best.pth and config.json with the classes.
const py = runPython(`
from PIL import Image
torch.manual_seed(5)
m = torchvision.models.mobilenet_v3_small()
m.classifier[3] = torch.nn.Linear(1024, 2)
torch.save(m.state_dict(), J['ckpt'])
m.eval()
tf = torchvision.models.MobileNet_V3_Small_Weights.DEFAULT.transforms()
x = torch.stack([tf(Image.open(f).convert('RGB')) for f in J['files']])
with torch.no_grad():
    OUT['p'] = m(x).softmax(1)
`, { json: { ckpt: join(run, 'best.pth'), files } });
writeFileSync(join(run, 'config.json'), JSON.stringify({ model: 'mobilenet_v3_small', dataset: 'hymenoptera', numClasses: 2, classes: ['ants', 'bees'] }));
const want = py.tensors.p!.toArray() as number[][];
const CLASSES = ['ants', 'bees'];

const logs: RequestLog[] = [];
let server: ModelServer;
let url: string;
test.before(async () => {
  server = await createServer({
    models: [`ants=${run}/best.pth`, `broken=mobilenet_v3_small:${join(dir, 'missing.pth')}`],
    threads: 1, workers: 1, batchSize: 4, maxBatchDelay: 50, log: (e) => logs.push(e),
  });
  url = (await server.listen({ port: 0 })).url;
});
test.after(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

async function post(path: string, body: Uint8Array | string | FormData, headers: Record<string, string> = { 'content-type': 'image/jpeg' }, method = 'POST'): Promise<{ status: number; json: any; headers: Headers }> {
  const r = await fetch(url + path, { method, body, headers });
  const text = await r.text();
  return { status: r.status, json: text ? JSON.parse(text) : null, headers: r.headers };
}

function assertAnswer(answer: Record<string, number>, probs: number[], what: string): void {
  const order = [0, 1].sort((p, q) => probs[q]! - probs[p]!);
  assert.deepEqual(Object.keys(answer), order.map((i) => CLASSES[i]), what);
  for (const i of order) assert.ok(Math.abs(answer[CLASSES[i]!]! - probs[i]!) < 1e-4, `${what}: ${CLASSES[i]} ${answer[CLASSES[i]!]} vs PyTorch ${probs[i]}`);
}

test('answers equal PyTorch and `tstorch predict` on the same checkpoint and files: raw body, PUT, multipart, topk, concurrent', async () => {
  for (const [i, f] of files.entries()) {
    const r = await post('/predictions/ants', readFileSync(f), { 'content-type': f.endsWith('.gif') ? 'image/gif' : 'image/jpeg' });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assertAnswer(r.json, want[i]!, f);
  }
  // tstorch predict on the same files: the same numbers
  const loaded = await loadZooModel('mobilenet_v3_small', join(run, 'best.pth'));
  const preds = await predictFiles(loaded.model, files, loaded.preprocess, { topk: 2, classes: loaded.classes });
  for (const [i, p] of preds.entries()) {
    const answer = (await post('/predictions/ants/1.0', readFileSync(files[i]!), {}, 'PUT')).json; // curl -T: PUT, no content type
    assert.deepEqual(Object.keys(answer), p.top.map((t) => t.label));
    p.top.forEach((t) => assert.ok(Math.abs(answer[t.label] - t.probability) < 1e-5, `${files[i]}: serve ${answer[t.label]} vs predict ${t.probability}`));
  }
  // multipart with every file: one answer per file part, in order; ?topk=1
  const form = new FormData();
  files.forEach((f, i) => form.append(i === 0 ? 'data' : `img${i}`, new Blob([readFileSync(f)]), f.split('/').pop()));
  const multi = await post('/predictions/ants?topk=1', form, {});
  assert.equal(multi.status, 200, JSON.stringify(multi.json));
  assert.equal(multi.json.length, files.length);
  multi.json.forEach((a: Record<string, number>, i: number) => {
    const best = want[i]![0]! >= want[i]![1]! ? 0 : 1;
    assert.deepEqual(Object.keys(a), [CLASSES[best]]);
    assert.ok(Math.abs(a[CLASSES[best]!]! - want[i]![best]!) < 1e-4);
  });
  // eight at once: all right, run in batches
  logs.length = 0;
  const many = await Promise.all(Array.from({ length: 8 }, (_, k) => post('/predictions/ants', readFileSync(files[k % 4]!))));
  many.forEach((r, k) => assertAnswer(r.json, want[k % 4]!, `concurrent ${k}`));
  assert.ok(logs.some((l) => (l.batchSize ?? 0) > 1), `some requests shared a forward pass (batch sizes ${logs.map((l) => l.batchSize).join(',')})`);
  const l = logs[0]!;
  assert.equal(l.status, 200);
  assert.equal(l.model, 'ants');
  for (const k of ['ms', 'queueMs', 'inferenceMs', 'preprocessMs', 'batchSize', 'bytes'] as const) assert.equal(typeof l[k], 'number', k);
});

test('the deployment engines serve the same answers: jit (traced, frozen TorchScript) and onnxruntime when installed', async () => {
  const { availableEngines } = await import('../src/inference/compile.js');
  const engines = (await availableEngines()).filter((e) => e !== 'eager');
  assert.ok(engines.includes('jit'));
  for (const engine of engines) {
    const s = await createServer({ models: [`ants=${run}/best.pth`], threads: 1, workers: 1, batchSize: 4, maxBatchDelay: 20, engine });
    try {
      const u = (await s.listen({ port: 0 })).url;
      const models = await (await fetch(`${u}/models/ants`)).json() as unknown;
      assert.match(JSON.stringify(models), new RegExp(engine), `${engine}: the model's description names its engine`);
      // one at a time, then four at once (a batch of a size other than the traced example's)
      for (const [i, f] of files.slice(0, 4).entries()) {
        const r = await fetch(`${u}/predictions/ants`, { method: 'POST', body: readFileSync(f), headers: { 'content-type': 'image/jpeg' } });
        assertAnswer(await r.json() as Record<string, number>, want[i]!, `${engine} ${f}`);
      }
      const many = await Promise.all(files.slice(0, 4).map((f) => fetch(`${u}/predictions/ants`, { method: 'POST', body: readFileSync(f) }).then((r) => r.json())));
      many.forEach((a, i) => assertAnswer(a as Record<string, number>, want[i]!, `${engine} concurrent ${i}`));
    } finally {
      await s.close();
    }
  }
});

test("the eager engine serves CNNs channels last ('auto'), with the contiguous layout's answers; 'contiguous' keeps PyTorch's layout", async () => {
  const { resolveMemoryFormat } = await import('../src/vision/serve/engine.js');
  const torch = await import('../src/index.js');
  assert.equal(resolveMemoryFormat(new torch.nn.Sequential(new torch.nn.Conv2d(3, 4, 3))), 'channelsLast');
  assert.equal(resolveMemoryFormat(new torch.nn.Sequential(new torch.nn.Linear(3, 4))), 'contiguous');
  // a transformer-style model (a patch-embedding convolution and layer norms: ViT, Swin, ConvNeXt) stays contiguous
  assert.equal(resolveMemoryFormat(new torch.nn.Sequential(new torch.nn.Conv2d(3, 4, 2, { stride: 2 }), new torch.nn.Flatten(2), new torch.nn.LayerNorm(4))), 'contiguous');
  assert.equal(resolveMemoryFormat(new torch.nn.Conv2d(3, 4, 3), 'contiguous'), 'contiguous');
  await assert.rejects(createServer({ models: [`ants=${run}/best.pth`], memoryFormat: 'nhwc' as never }), /memoryFormat must be one of 'auto', 'contiguous', 'channelsLast', got nhwc/);
  await assert.rejects(createServer({ models: [`ants=${run}/best.pth`], engine: 'jit', memoryFormat: 'channelsLast' }), /memoryFormat 'channelsLast' is the eager engine's; the jit engine runs the contiguous layout/);
  const answers: Record<string, Record<string, number>[]> = {};
  for (const memoryFormat of ['auto', 'contiguous'] as const) {
    const s = await createServer({ models: [`ants=${run}/best.pth`], threads: 1, workers: 1, modelWorkers: 1, batchSize: 4, maxBatchDelay: 20, memoryFormat, log: null });
    try {
      const u = (await s.listen({ port: 0 })).url;
      const [d] = await (await fetch(`${u}/models/ants`)).json() as { engine: string }[];
      assert.equal(d!.engine, memoryFormat === 'auto' ? 'eager, channels last' : 'eager', JSON.stringify(d));
      // four at once: a batch (of a size other than the example's), in the chosen layout
      answers[memoryFormat] = await Promise.all(files.slice(0, 4).map((f) => fetch(`${u}/predictions/ants`, { method: 'POST', body: readFileSync(f) }).then((r) => r.json() as Promise<Record<string, number>>)));
      answers[memoryFormat]!.forEach((a, i) => assertAnswer(a, want[i]!, `${memoryFormat} ${files[i]}`));
    } finally {
      await s.close();
    }
  }
  answers.auto!.forEach((a, i) => {
    const c = answers.contiguous![i]!;
    assert.deepEqual(Object.keys(a), Object.keys(c));
    for (const k of Object.keys(a)) assert.ok(Math.abs(a[k]! - c[k]!) < 1e-5, `${files[i]} ${k}: channels last ${a[k]} vs contiguous ${c[k]}`);
  });
});

test('a client that disconnects before its answer frees its place in the queue: its waiting images do not run', async () => {
  const entries: RequestLog[] = [];
  const s = await createServer({ models: [`ants=${run}/best.pth`], threads: 1, workers: 1, modelWorkers: 1, batchSize: 2, maxBatchDelay: 0, queueSize: 40, log: (e) => entries.push(e) });
  try {
    const u = (await s.listen({ port: 0 })).url;
    const body = readFileSync(files[0]!);
    const depth = async (): Promise<number> => ((await (await fetch(`${u}/models/ants`)).json() as { workers: { queueDepth: number }[] }[])[0]!.workers[0]!.queueDepth);
    // 30 clients that give up after 150 ms, while one worker runs two images at a time
    const abort = new AbortController();
    const sent = Array.from({ length: 30 }, () => fetch(`${u}/predictions/ants`, { method: 'POST', body, headers: { 'content-type': 'image/jpeg' }, signal: abort.signal }).then((r) => r.status, () => 'aborted'));
    await new Promise((r) => setTimeout(r, 150));
    abort.abort();
    const statuses = await Promise.all(sent);
    const t0 = performance.now();
    while (await depth() > 0) {
      assert.ok(performance.now() - t0 < 10_000, 'the abandoned requests still hold the queue after 10 s');
      await new Promise((r) => setTimeout(r, 20));
    }
    const ran = entries.filter((e) => e.status === 200).length;
    const gone = entries.filter((e) => e.status === 499);
    assert.ok(statuses.filter((x) => x === 'aborted').length > 0, `some requests were still waiting at the abort: ${statuses.join(',')}`);
    assert.ok(gone.some((e) => /disconnected before its answer/.test(e.message ?? '')), JSON.stringify(gone.slice(0, 3)));
    assert.ok(ran < 30, `${ran} of 30 images ran although their clients had gone`);
    // and the next client is served
    const r = await fetch(`${u}/predictions/ants`, { method: 'POST', body, headers: { 'content-type': 'image/jpeg' } });
    assertAnswer(await r.json() as Record<string, number>, want[0]!, 'after the abandoned ones');
  } finally {
    await s.close();
  }
});

test('bad uploads get a 400 with a JSON error naming the problem, and the server keeps serving', async () => {
  const jpeg = readFileSync(files[0]!);
  const bomb = Buffer.from(jpeg);
  const sof = bomb.findIndex((v, i) => v === 0xff && (bomb[i + 1] === 0xc0 || bomb[i + 1] === 0xc2));
  bomb.writeUInt16BE(40000, sof + 5);
  bomb.writeUInt16BE(40000, sof + 7);
  const pngBomb = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]), Buffer.from('IHDR'),
    Buffer.from([0, 1, 0, 0, 0, 1, 0, 0, 8, 2, 0, 0, 0, 0, 0, 0, 0]), Buffer.alloc(64)]);
  const emptyPart = new FormData();
  emptyPart.append('data', new Blob([]), 'empty.jpg');
  const textField = new FormData();
  textField.append('data', 'not a file');
  const cases: [string, Uint8Array | string | FormData, Record<string, string>, string, RegExp][] = [
    ['zero bytes', new Uint8Array(0), { 'content-type': 'image/jpeg' }, 'empty_body', /empty \(0 bytes\)/],
    ['text', 'hello, world', { 'content-type': 'image/jpeg' }, 'not_an_image', /not an image \(12 bytes starting 'hello, w'\)/],
    ['JSON content type', '{"url": "x"}', { 'content-type': 'application/json' }, 'content_type', /wrong content type 'application\/json'/],
    ['text content type', jpeg, { 'content-type': 'text/plain' }, 'content_type', /text\/plain/],
    ['truncated JPEG', jpeg.subarray(0, Math.floor(jpeg.length / 2)), { 'content-type': 'image/jpeg' }, 'truncated_image', /truncated/],
    ['JPEG header only', jpeg.subarray(0, sof + 4), { 'content-type': 'image/jpeg' }, 'truncated_image', /truncated JPEG/],
    ['JPEG bomb', bomb, { 'content-type': 'image/jpeg' }, 'image_too_large', /40000x40000 JPEG .* exceeds the limit of 89478485 pixels/],
    ['PNG bomb', pngBomb, { 'content-type': 'image/png' }, 'image_too_large', /65536x65536 PNG/],
    ['empty file part', emptyPart, {}, 'empty_body', /part 'data' \(empty\.jpg\) is empty/],
    ['text form field', textField, {}, 'multipart', /form field 'data' is not a file/],
    ['malformed multipart', 'garbage', { 'content-type': 'multipart/form-data; boundary=zzz' }, 'multipart', /no '--zzz' delimiter/],
    ['bad topk', jpeg, { 'content-type': 'image/jpeg', 'x-path': '?topk=0' }, 'bad_request', /topk must be a positive integer/],
    ['unknown parameter', jpeg, { 'content-type': 'image/jpeg', 'x-path': '?top=3' }, 'bad_request', /unknown query parameter 'top'/],
  ];
  for (const [what, body, headers, type, re] of cases) {
    const { 'x-path': q = '', ...h } = headers;
    const r = await post(`/predictions/ants${q}`, body, h);
    assert.equal(r.status, 400, `${what}: ${JSON.stringify(r.json)}`);
    assert.equal(r.json.code, 400);
    assert.equal(r.json.type, type, what);
    assert.match(r.json.message, re, what);
  }
  const ok = await post('/predictions/ants', jpeg);
  assert.equal(ok.status, 200);
  assertAnswer(ok.json, want[0]!, 'after the bad ones');
});

test('with threads and modelWorkers left to the server, the worker count is timed at start (one worker alone against all side by side) and the answers stay right; OpenBLAS runs one thread', async () => {
  const blasBefore = blas.getNumThreads();
  if (blasBefore !== null) blas.setNumThreads(2);
  await assert.rejects(createServer({ models: [`ants=${run}/best.pth`], blasThreads: 0 }), /blasThreads/);
  const s = await createServer({ models: [`ants=${run}/best.pth`], workers: 1, batchSize: 4, log: null });
  try {
    // OpenBLAS's idle pool threads would spin between batches on the core that decodes (server.ts).
    if (blasBefore !== null) assert.equal(blas.getNumThreads(), 1, 'the server runs OpenBLAS single-threaded by default');
    const u = (await s.listen({ port: 0 })).url;
    const [d] = await (await fetch(`${u}/models/ants`)).json() as any[];
    const tried = defaultModelWorkers(0);
    if (tried === 1) {
      assert.equal(d.workerChoice, null, 'one core: nothing to choose');
    } else {
      const c = d.workerChoice;
      assert.equal(c.tried, tried);
      assert.ok(c.aloneImgPerS > 0 && c.togetherImgPerS > 0, JSON.stringify(c));
      assert.equal(d.workers.length, chooseModelWorkers(c.aloneImgPerS, c.togetherImgPerS, tried), JSON.stringify(c));
    }
    // One at a time (the lone-image path), then all at once (batches).
    for (const [i, f] of files.entries()) {
      const r = await fetch(`${u}/predictions/ants`, { method: 'POST', body: readFileSync(f), headers: { 'content-type': 'image/jpeg' } });
      assert.equal(r.status, 200);
      assertAnswer(await r.json() as any, want[i]!, `timed workers, image ${i} alone`);
    }
    const rs = await Promise.all(files.map(async (f) => (await fetch(`${u}/predictions/ants`, { method: 'POST', body: readFileSync(f), headers: { 'content-type': 'image/jpeg' } })).json()));
    rs.forEach((j, i) => assertAnswer(j as any, want[i]!, `timed workers, image ${i} at once`));
  } finally {
    await s.close();
    if (blasBefore !== null) {
      assert.equal(blas.getNumThreads(), 2, 'close() gives OpenBLAS back the count the server found');
      blas.setNumThreads(blasBefore);
    }
  }
});

test('without preprocessing threads (workers: 0) each model worker decodes its own batches: the same answers, a bad image in a batch gets its 400 alone', async () => {
  const s = await createServer({ models: [`ants=${run}/best.pth`], threads: 1, workers: 0, modelWorkers: 2, batchSize: 4, maxBatchDelay: 200, log: null });
  try {
    const u = (await s.listen({ port: 0 })).url;
    const [d] = await (await fetch(`${u}/models/ants`)).json() as any[];
    assert.equal(d.workers.length, 2);
    const jpeg = readFileSync(files[0]!);
    const truncated = jpeg.subarray(0, Math.floor(jpeg.length / 2));
    // Everything at once: the uploads share batches (up to 4, waiting up to 200 ms), one of them truncated.
    const bodies = [...files.map((f) => readFileSync(f)), truncated, ...files.slice(0, 2).map((f) => readFileSync(f))];
    const rs = await Promise.all(bodies.map(async (body) => {
      const r = await fetch(`${u}/predictions/ants`, { method: 'POST', body, headers: { 'content-type': 'image/jpeg' } });
      return { status: r.status, json: await r.json() as any };
    }));
    rs.forEach((r, i) => {
      if (i === files.length) {
        assert.equal(r.status, 400, JSON.stringify(r.json));
        assert.equal(r.json.type, 'truncated_image');
      } else {
        assert.equal(r.status, 200, JSON.stringify(r.json));
        assertAnswer(r.json, want[i % files.length]!, `workers 0, image ${i}`);
      }
    });
    const batches = await (await fetch(`${u}/metrics`)).text();
    const ofOne = Number(/tstorch_serve_batch_size_bucket\{model="ants",version="1.0",le="1"\} (\d+)/.exec(batches)![1]);
    const passes = Number(/tstorch_serve_batch_size_count\{model="ants",version="1.0"\} (\d+)/.exec(batches)![1]);
    assert.ok(passes >= 2 && ofOne < passes, `some uploads shared a forward pass (${ofOne} of ${passes} passes ran one image)`);
    // A multipart request with a truncated part: a 400 naming the part.
    const form = new FormData();
    form.append('a', new Blob([readFileSync(files[1]!)]), 'a.jpg');
    form.append('b', new Blob([truncated]), 'b.jpg');
    const m = await fetch(`${u}/predictions/ants`, { method: 'POST', body: form });
    const mj = await m.json() as any;
    assert.equal(m.status, 400, JSON.stringify(mj));
    assert.match(mj.message, /part 'b' \(b\.jpg\)/);
  } finally {
    await s.close();
  }
});

test('routes: ping, models, a model that failed to load, unknown names, methods', async () => {
  assert.deepEqual(await (await fetch(`${url}/ping`)).json(), { status: 'Partial Healthy' });
  assert.deepEqual(await (await fetch(`${url}/models`)).json(), { models: [{ modelName: 'ants', modelUrl: `${run}/best.pth` }, { modelName: 'broken', modelUrl: join(dir, 'missing.pth') }] });
  const [d] = await (await fetch(`${url}/models/ants`)).json() as any[];
  assert.equal(d.modelName, 'ants');
  assert.equal(d.modelVersion, '1.0');
  assert.equal(d.arch, 'mobilenet_v3_small');
  assert.equal(d.status, 'READY');
  assert.equal(d.classes, 2);
  assert.equal(d.batchSize, 4);
  assert.deepEqual(d.preprocess.cropSize, [224]);
  // threads: 1 and no modelWorkers: one worker per core (2 on 2 cores, at most 4), each named in the description
  assert.equal(d.minWorkers, defaultModelWorkers(1));
  assert.equal(d.workers.length, defaultModelWorkers(1));
  assert.equal((await (await fetch(`${url}/models/ants/all`)).json() as unknown[]).length, 1);
  const [b] = await (await fetch(`${url}/models/broken/1.0`)).json() as any[];
  assert.equal(b.status, 'FAILED');
  assert.match(b.error, /missing\.pth' does not exist/);
  const r = await post('/predictions/broken', readFileSync(files[0]!));
  assert.equal(r.status, 503);
  assert.equal(r.json.type, 'model_unavailable');
  assert.match(r.json.message, /broken@1\.0 is not served: .*does not exist/);
  for (const [method, path, status, type] of [['POST', '/predictions/nope', 404, 'not_found'], ['POST', '/predictions/ants/9.9', 404, 'not_found'],
    ['GET', '/predictions/ants', 405, 'method_not_allowed'], ['GET', '/nothing/here', 404, 'not_found'], ['POST', '/ping', 405, 'method_not_allowed'],
    ['GET', '/models/nope', 404, 'not_found'], ['GET', '/models?limit=3', 400, 'bad_request']] as const) {
    const res = await fetch(url + path, { method, body: method === 'POST' ? readFileSync(files[0]!) : undefined });
    const j = await res.json() as { type: string; message: string };
    assert.equal(res.status, status, `${method} ${path}: ${j.message}`);
    assert.equal(j.type, type, `${method} ${path}`);
    if (status === 405) assert.ok(res.headers.get('allow'));
  }
});

test('metrics: requests by status, latency histogram, batch sizes, queue depth, errors by kind (Prometheus text)', async () => {
  const res = await fetch(`${url}/metrics`);
  assert.equal(res.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
  const text = await res.text();
  const value = (re: RegExp): number => Number(re.exec(text)?.[1] ?? NaN);
  assert.ok(value(/^tstorch_serve_requests_total\{model="ants",version="1\.0",code="200"\} (\d+)$/m) >= 20);
  assert.ok(value(/^tstorch_serve_requests_total\{model="ants",version="1\.0",code="400"\} (\d+)$/m) >= 13);
  assert.equal(value(/^tstorch_serve_requests_total\{model="broken",version="1\.0",code="503"\} (\d+)$/m), 1);
  assert.equal(value(/^tstorch_serve_errors_total\{kind="image_too_large"\} (\d+)$/m), 2);
  assert.equal(value(/^tstorch_serve_errors_total\{kind="truncated_image"\} (\d+)$/m), 2);
  const images = value(/^tstorch_serve_images_total\{model="ants",version="1\.0"\} (\d+)$/m);
  assert.equal(value(/^tstorch_serve_batch_size_sum\{model="ants",version="1\.0"\} (\d+)$/m), images);
  assert.ok(value(/^tstorch_serve_batch_size_count\{model="ants",version="1\.0"\} (\d+)$/m) < images, 'some batches held more than one image');
  assert.equal(value(/^tstorch_serve_queue_depth\{model="ants",version="1\.0"\} (\d+)$/m), 0);
  assert.ok(value(/^tstorch_serve_request_duration_seconds_count\{model="ants",version="1\.0"\} (\d+)$/m) >= 33);
  assert.match(text, /^tstorch_serve_request_duration_seconds_bucket\{model="ants",version="1\.0",le="\+Inf"\} \d+$/m);
  assert.match(text, /^ts_inference_requests_total\{model_name="ants",model_version="1\.0",hostname="[^"]+"\} \d+$/m);
  assert.ok(value(/^process_resident_memory_bytes (\d+)$/m) > 0);
});

/** A request whose body is sent in two halves, the second only when `finish` is called. */
function heldRequest(port: number, path: string, body: Buffer, headers: Record<string, string>): { response: Promise<{ status: number; json: any }>; finish: () => void } {
  let finish!: () => void;
  const response = new Promise<{ status: number; json: any }>((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method: 'POST', headers: { ...headers, 'content-type': 'image/jpeg', 'content-length': String(body.length) } }, (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, json: JSON.parse(Buffer.concat(chunks).toString()) }));
    });
    req.on('error', reject);
    req.write(body.subarray(0, body.length >> 1));
    finish = () => req.end(body.subarray(body.length >> 1));
  });
  return { response, finish };
}

test('limits: API key, body size (413), full queue (503 + Retry-After), timeout (504)', async () => {
  const s = await createServer({ models: [`ants=${run}/best.pth`], threads: 1, workers: 1, maxBodyBytes: 60_000, queueSize: 1, timeout: 3000, apiKey: 'sekret' });
  const { url: u, port } = await s.listen();
  try {
    const key = { authorization: 'Bearer sekret' };
    assert.equal((await fetch(`${u}/ping`)).status, 200);
    for (const h of [{}, { authorization: 'Bearer wrong' }, { 'x-api-key': 'sekre' }] as Record<string, string>[]) {
      const r = await fetch(`${u}/models`, { headers: h });
      assert.equal(r.status, 401);
      assert.equal(r.headers.get('www-authenticate'), 'Bearer');
      assert.equal((await r.json() as { type: string }).type, 'unauthorized');
    }
    assert.equal((await fetch(`${u}/models`, { headers: key })).status, 200);
    assert.equal((await fetch(`${u}/metrics`, { headers: { 'x-api-key': 'sekret' } })).status, 200);
    const body = readFileSync(small);
    assert.ok(body.length < 60_000);
    assert.equal((await fetch(`${u}/predictions/ants`, { method: 'POST', body, headers: key })).status, 200);
    // over the limit: declared, and streamed without a length
    const big = readFileSync(files[0]!.length > 60_000 ? files[0]! : files[1]!);
    assert.ok(big.length > 60_000);
    let r = await fetch(`${u}/predictions/ants`, { method: 'POST', body: big, headers: key });
    assert.equal(r.status, 413);
    assert.match((await r.json() as { message: string }).message, /exceeds the limit of 60000 bytes/);
    const stream = new ReadableStream({ start(c) { for (let i = 0; i < big.length; i += 16384) c.enqueue(big.subarray(i, i + 16384)); c.close(); } });
    r = await fetch(`${u}/predictions/ants`, { method: 'POST', body: stream, headers: key, duplex: 'half' } as RequestInit);
    assert.equal(r.status, 413);
    // a request uploading slowly holds the only place in the queue: the next one is turned away
    const held = heldRequest(port, '/predictions/ants', body, key);
    const depth = async (): Promise<number> => Number(/tstorch_serve_queue_depth\{[^}]*\} (\d+)/.exec(await (await fetch(`${u}/metrics`, { headers: key })).text())![1]);
    while (await depth() === 0) await new Promise((res) => setTimeout(res, 10));
    r = await fetch(`${u}/predictions/ants`, { method: 'POST', body, headers: key });
    assert.equal(r.status, 503);
    assert.equal(r.headers.get('retry-after'), '1');
    assert.equal((await r.json() as { type: string }).type, 'queue_full');
    held.finish();
    assert.equal((await held.response).status, 200);
    // an upload that never finishes is answered 504 when the time is up
    const stuck = heldRequest(port, '/predictions/ants', body, key);
    const t0 = performance.now();
    const timedOut = await stuck.response;
    assert.equal(timedOut.status, 504);
    assert.equal(timedOut.json.type, 'timeout');
    assert.ok(performance.now() - t0 >= 2900);
    // its place in the queue is freed once the upload ends and the work it started is done
    stuck.finish();
    while (await depth() > 0) await new Promise((res) => setTimeout(res, 10));
    assert.equal((await fetch(`${u}/predictions/ants`, { method: 'POST', body, headers: key })).status, 200);
  } finally {
    await s.close();
  }
});

test('the handler mounts in another node:http app (a prefix, and next() for the paths it does not serve)', async () => {
  const app = createHttpServer((req, res) => {
    if (!req.url!.startsWith('/ml/')) { res.writeHead(200).end('the app'); return; }
    req.url = req.url!.slice(3); // as Express does for app.use('/ml', handler)
    server.handler(req, res, () => { res.writeHead(404).end('the app has no ' + req.url); });
  });
  await new Promise<void>((r) => app.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
  try {
    const r = await fetch(`${base}/ml/predictions/ants`, { method: 'POST', body: readFileSync(files[2]!) });
    assertAnswer(await r.json() as Record<string, number>, want[2]!, 'mounted');
    assert.equal(await (await fetch(`${base}/ml/other`)).text(), 'the app has no /other');
    assert.equal(await (await fetch(`${base}/`)).text(), 'the app');
  } finally {
    await new Promise((r) => app.close(r));
  }
});

test('close() answers every request it took, then stops listening', async () => {
  const taken: RequestLog[] = [];
  const s = await createServer({ models: [`ants=${run}/best.pth`], threads: 1, workers: 1, batchSize: 2, log: (e) => { if (e.path !== '/metrics') taken.push(e); } });
  const { url: u } = await s.listen();
  const body = readFileSync(files[3]!);
  const pending = Array.from({ length: 6 }, () => fetch(`${u}/predictions/ants`, { method: 'POST', body }).then(async (r) => ({ status: r.status, json: await r.json() as Record<string, number> })));
  const depth = async (): Promise<number> => Number(/tstorch_serve_queue_depth\{[^}]*\} (\d+)/.exec(await (await fetch(`${u}/metrics`)).text())![1]);
  while (await depth() < 3) await new Promise((res) => setTimeout(res, 5));
  await s.close();
  const answers = await Promise.allSettled(pending);
  const answered = answers.filter((a): a is PromiseFulfilledResult<{ status: number; json: Record<string, number> }> => a.status === 'fulfilled').map((a) => a.value);
  // Every request the server took was answered: with its classes, or (arriving after close began) with 503.
  assert.equal(answered.length, taken.length);
  assert.ok(answered.filter((a) => a.status === 200).length >= 3);
  for (const a of answered) {
    if (a.status === 200) assertAnswer(a.json, want[3]!, 'during close');
    else assert.equal(a.status, 503);
  }
  await assert.rejects(fetch(`${u}/ping`));
});

test('tstorch serve: progress at start, a JSON line per request, SIGTERM stops it with exit code 0; bad arguments exit 1', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', join(repo, 'src/cli/main.ts'), 'serve', `ants=${run}/best.pth`, '--port', '0', '--threads', '1', '--workers', '1', '--model-workers', '1'], { cwd: repo });
  let out = '', err = '';
  child.stdout.on('data', (c: Buffer) => { out += c; });
  const listening = new Promise<string>((res, rej) => {
    child.stderr.on('data', (c: Buffer) => {
      err += c;
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(err);
      if (m) res(m[1]!);
    });
    child.on('exit', (code) => rej(new Error(`exited with ${code}: ${err}`)));
  });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  try {
    const u = await listening;
    assert.match(err, /\[1\/1\] loading ants@1\.0 \(mobilenet_v3_small, weights .*best\.pth\)/);
    assert.match(err, /\[1\/1\] ready ants@1\.0: .*best\.pth, 2 classes, engine eager, channels last, threads 1 .*, 1 worker, /);
    const r = await fetch(`${u}/predictions/ants`, { method: 'PUT', body: readFileSync(files[1]!) });
    assertAnswer(await r.json() as Record<string, number>, want[1]!, 'CLI');
    child.kill('SIGTERM');
    assert.equal(await exited, 0, err);
  } finally {
    child.kill('SIGKILL');
  }
  assert.match(err, /SIGTERM: finishing the requests in progress, then stopping\nserve: stopped/);
  const line = JSON.parse(out.trim().split('\n')[0]!) as RequestLog;
  assert.equal(line.method, 'PUT');
  assert.equal(line.status, 200);
  assert.equal(line.batchSize, 1);
  assert.ok(line.ms > 0);

  let c = await cli(['serve']);
  assert.equal(c.code, 1);
  assert.match(c.err, /name at least one model/);
  c = await cli(['serve', 'nonsense']);
  assert.equal(c.code, 1);
  assert.match(c.err, /'nonsense' is not an architecture/);
  c = await cli(['serve', 'ants=mobilenet_v3_small:' + join(dir, 'missing.pth'), '--threads', '1', '--workers', '1']);
  assert.equal(c.code, 1);
  assert.match(c.err, /no model could be loaded/);
});

test('examples/serve-in-app.ts: the handler under /ml in an app, its own client, graceful stop', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(repo, 'examples/serve-in-app.ts'), '--model', `ants=${run}/best.pth`, '--port', '0',
    '--threads', '1', '--images', ...files.slice(0, 4)], { cwd: repo, encoding: 'utf8', timeout: 300_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /listening on http:\/\/127\.0\.0\.1:\d+\/ml\/predictions\/ants/);
  files.slice(0, 4).forEach((f, i) => {
    const best = want[i]![0]! >= want[i]![1]! ? 'ants' : 'bees';
    assert.match(r.stdout, new RegExp(`${f.split('/').pop()!.replace('.', '\\.')}: ${best} \\d+\\.\\d %, (ants|bees) \\d+\\.\\d %`));
  });
  assert.match(r.stdout, /tstorch_serve_images_total\{model="ants",version="1\.0"\} 4/);
});
