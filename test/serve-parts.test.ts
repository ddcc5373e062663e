// The model server's parts that need no server: reading an upload's header (format and size, against the files
// PIL writes; bombs, truncations and garbage refused with the right kind), multipart/form-data, the Prometheus
// text, model specs, and the batching rules (with a stand-in for the model's thread).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runPython } from './helpers/pytorch.js';
import { readImageHeader, sniffFormat, decodeFailure, PIL_MAX_IMAGE_PIXELS } from '../src/vision/serve/image-header.js';
import { ServeError } from '../src/vision/serve/errors.js';
import { parseMultipart, boundaryOf } from '../src/vision/serve/multipart.js';
import { Registry } from '../src/vision/serve/metrics.js';
import { parseModelSpec, ModelSpecError } from '../src/vision/serve/model-spec.js';
import { Batcher, CancelledError, type BatchItem } from '../src/vision/serve/batcher.js';
import type { ModelHost } from '../src/vision/serve/model-host.js';
import { DecodeError } from '../src/vision/serve/preprocess-pool.js';
import { answerJson, defaultModelWorkers } from '../src/vision/serve/server.js';

const dir = mkdtempSync(join(tmpdir(), 'tstorch-serve-parts-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

function kindOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ServeError, `expected a ServeError, got ${String(e)}`);
    assert.equal(e.status, 400);
    return e.kind;
  }
  return 'ok';
}

test('readImageHeader: the format and size of every kind of file PIL writes, from the header alone', () => {
  const py = runPython(`
from PIL import Image
rng = np.random.RandomState(1)
def img(w, h, mode='RGB'):
    return Image.fromarray(rng.randint(0, 256, (h, w, 3), dtype=np.uint8)).convert(mode)
out = {}
def save(name, im, **kw):
    p = os.path.join(J, name); im.save(p, **kw); out[name] = [im.size[0], im.size[1]]
save('a.jpg', img(37, 21), quality=90)
save('progressive.jpg', img(41, 29), progressive=True)
save('exif.jpg', img(23, 45), exif=Image.Exif())
save('grey.jpg', img(19, 17, 'L'))
save('a.png', img(33, 12))
save('rgba.png', img(15, 31, 'RGBA'))
save('a.gif', img(26, 14, 'P'))
save('a.bmp', img(11, 13))
save('a.tif', img(27, 8))
save('big-endian.tif', img(9, 35), compression='tiff_deflate')
save('lossy.webp', img(47, 25), quality=80)
save('lossless.webp', img(31, 22), lossless=True)
save('alpha.webp', img(18, 44, 'RGBA'), quality=80)
save('a.ppm', img(14, 9))
save('a.pgm', img(6, 30, 'L'))
OUT_J = out
`, { json: dir });
  const sizes = py.json as Record<string, [number, number]>;
  for (const [name, [w, h]] of Object.entries(sizes)) {
    const b = readFileSync(join(dir, name));
    const head = readImageHeader(b);
    assert.deepEqual([head.width, head.height], [w, h], name);
    const ext = name.split('.').pop()!;
    assert.equal(head.format, { jpg: 'jpeg', tif: 'tiff', ppm: 'netpbm', pgm: 'netpbm' }[ext] ?? ext, name);
  }
  // A big-endian TIFF (PIL writes little-endian): the same header with Motorola byte order.
  const be = Buffer.from([0x4d, 0x4d, 0x00, 0x2a, 0, 0, 0, 8, 0, 2, 1, 0, 0, 3, 0, 0, 0, 1, 0, 77, 0, 0, 1, 1, 0, 4, 0, 0, 0, 1, 0, 0, 0, 66]);
  assert.deepEqual(readImageHeader(be), { format: 'tiff', width: 77, height: 66 });

  // Every prefix of a real JPEG and PNG is refused with a 400 of the right kind, or read; never another error.
  for (const name of ['a.jpg', 'exif.jpg', 'a.png', 'lossy.webp', 'a.gif', 'a.tif']) {
    const b = readFileSync(join(dir, name));
    for (let n = 0; n < Math.min(b.length, 700); n++) {
      const k = kindOf(() => readImageHeader(b.subarray(0, n)));
      assert.ok(['ok', 'empty_body', 'not_an_image', 'truncated_image', 'corrupt_image'].includes(k), `${name}[:${n}]: ${k}`);
      if (n === 0) assert.equal(k, 'empty_body');
    }
  }
});

test('readImageHeader: decompression bombs, garbage and zero sizes are 400s naming the problem', () => {
  const jpeg = readFileSync(join(dir, 'a.jpg'));
  // The same JPEG with its frame header promising 30000 x 30000 pixels (900 M, ten times PIL's limit).
  const bomb = Buffer.from(jpeg);
  const sof = bomb.findIndex((v, i) => v === 0xff && bomb[i + 1] === 0xc0);
  bomb.writeUInt16BE(30000, sof + 5);
  bomb.writeUInt16BE(30000, sof + 7);
  let e = (() => { try { readImageHeader(bomb); } catch (err) { return err as ServeError; } return null; })();
  assert.equal(e?.kind, 'image_too_large');
  assert.match(e!.message, /30000x30000 JPEG \(900000000 pixels\) exceeds the limit of 89478485 pixels/);
  // PNG: IHDR says 100000 x 100000.
  const png = Buffer.from(readFileSync(join(dir, 'a.png')));
  png.writeUInt32BE(100000, 16);
  png.writeUInt32BE(100000, 20);
  assert.equal(kindOf(() => readImageHeader(png)), 'image_too_large');
  // The limit is the caller's: PIL's by default, lower when asked.
  assert.equal(PIL_MAX_IMAGE_PIXELS, Math.floor(1024 * 1024 * 1024 / 4 / 3));
  assert.equal(kindOf(() => readImageHeader(jpeg, 37 * 21 - 1)), 'image_too_large');
  assert.equal(kindOf(() => readImageHeader(jpeg, 37 * 21)), 'ok');
  // GIF with a zero-width screen; text; JSON; an SVG document (never handed to a decoder).
  const gif = Buffer.from(readFileSync(join(dir, 'a.gif')));
  gif.writeUInt16LE(0, 6);
  assert.equal(kindOf(() => readImageHeader(gif)), 'corrupt_image');
  for (const text of ['hello', '{"image": "x"}', '<svg xmlns="http://www.w3.org/2000/svg"/>']) {
    e = (() => { try { readImageHeader(Buffer.from(text)); } catch (err) { return err as ServeError; } return null; })();
    assert.equal(e?.kind, 'not_an_image');
    assert.match(e!.message, /is not an image \(\d+ bytes starting '/);
  }
  assert.equal(sniffFormat(Buffer.from([0xff, 0xd8, 0xff, 0xe0])), 'jpeg');
  // Random bytes never escape as anything but a 400.
  let seed = 7;
  const rand = (): number => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed / 2 ** 31; };
  for (let i = 0; i < 2000; i++) {
    const n = 1 + Math.floor(rand() * 64);
    const b = Buffer.from(Array.from({ length: n }, () => Math.floor(rand() * 256)));
    if (i % 3 === 0) { b[0] = 0xff; b[1] = 0xd8; b[2] = 0xff; }
    if (i % 3 === 1) b.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a].slice(0, n));
    const k = kindOf(() => readImageHeader(b));
    assert.ok(['ok', 'not_an_image', 'truncated_image', 'corrupt_image', 'image_too_large'].includes(k), k);
  }
  // A decoder's message after a good header: truncated data or corrupt data.
  assert.equal(decodeFailure('VipsJpeg: premature end of JPEG image').kind, 'truncated_image');
  assert.equal(decodeFailure('VipsJpeg: Corrupt JPEG data: bad Huffman code').kind, 'corrupt_image');
});

test('parseMultipart: parts, names, file names and types; malformed bodies named', () => {
  const b = 'XyZ-123';
  const body = Buffer.concat([
    Buffer.from(`preamble\r\n--${b}\r\nContent-Disposition: form-data; name="data"; filename="a b.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`),
    Buffer.from([0xff, 0xd8, 0x0d, 0x0a, 0x2d, 0x2d, 0x00]), // bytes that look like a line break and dashes
    Buffer.from(`\r\n--${b}\r\nContent-Disposition: form-data; name=second\r\n\r\nplain text\r\n--${b}--\r\nepilogue`),
  ]);
  const parts = parseMultipart(body, `multipart/form-data; boundary="${b}"`);
  assert.equal(parts.length, 2);
  assert.deepEqual({ ...parts[0], data: [...parts[0]!.data] }, { name: 'data', filename: 'a b.jpg', contentType: 'image/jpeg', data: [0xff, 0xd8, 0x0d, 0x0a, 0x2d, 0x2d, 0x00] });
  assert.deepEqual({ ...parts[1], data: Buffer.from(parts[1]!.data).toString() }, { name: 'second', filename: null, contentType: '', data: 'plain text' });
  // an empty file part
  const empty = parseMultipart(Buffer.from(`--${b}\r\nContent-Disposition: form-data; name="f"; filename="e.jpg"\r\n\r\n\r\n--${b}--`), `multipart/form-data; boundary=${b}`);
  assert.equal(empty[0]!.data.length, 0);
  const bad = (text: string, ct = `multipart/form-data; boundary=${b}`): string => {
    try {
      parseMultipart(Buffer.from(text), ct);
    } catch (e) {
      assert.ok(e instanceof ServeError && e.kind === 'multipart' && e.status === 400);
      return e.message;
    }
    return 'parsed';
  };
  assert.match(bad('x', 'multipart/form-data'), /no boundary parameter/);
  assert.match(bad('x', `multipart/form-data; boundary=${'a'.repeat(71)}`), /at most 70/);
  assert.match(bad('no delimiter at all'), /no '--XyZ-123' delimiter/);
  assert.match(bad(`--${b}\r\nContent-Disposition: form-data; name="a"\r\n\r\ndata without end`), /part 1 has no closing delimiter/);
  assert.match(bad(`--${b}\r\nContent-Type: image/png\r\n\r\nx\r\n--${b}--`), /part 1 has no Content-Disposition/);
  assert.match(bad(`--${b}\r\nContent-Disposition: form-data\r\n\r\nx\r\n--${b}--`), /has no name/);
  assert.match(bad(`--${b}\r\nContent-Disposition: form-data; name="a"\r\nx\r\n--${b}--`), /(no blank line|without a colon)/);
  assert.equal(boundaryOf('multipart/form-data; charset=utf-8; boundary=abc'), 'abc');
});

test('metrics: counters, gauges and histograms in the Prometheus text format', () => {
  const r = new Registry();
  const c = r.counter('reqs_total', 'Requests.');
  const h = r.histogram('lat_seconds', 'Latency.', [0.1, 1]);
  const g = r.gauge('depth', 'Depth.');
  c.inc({ model: 'a"b', code: '200' });
  c.inc({ model: 'a"b', code: '200' }, 2);
  h.observe({ m: 'x' }, 0.05);
  h.observe({ m: 'x' }, 0.5);
  h.observe({ m: 'x' }, 5);
  let depth = 3;
  g.set({}, () => depth);
  depth = 4;
  assert.equal(r.render(), [
    '# HELP reqs_total Requests.', '# TYPE reqs_total counter', 'reqs_total{model="a\\"b",code="200"} 3',
    '# HELP lat_seconds Latency.', '# TYPE lat_seconds histogram',
    'lat_seconds_bucket{m="x",le="0.1"} 1', 'lat_seconds_bucket{m="x",le="1"} 2', 'lat_seconds_bucket{m="x",le="+Inf"} 3',
    'lat_seconds_sum{m="x"} 5.55', 'lat_seconds_count{m="x"} 3',
    '# HELP depth Depth.', '# TYPE depth gauge', 'depth 4', '',
  ].join('\n'));
  assert.throws(() => r.counter('reqs_total', 'again'), /registered twice/);
  assert.throws(() => r.counter('bad name', 'x'), /bad metric name/);
});

test('model specs: architecture, checkpoint (architecture from its run), version, weights', () => {
  const run = join(dir, 'run');
  mkdirSync(run, { recursive: true });
  writeFileSync(join(run, 'best.pth'), '');
  writeFileSync(join(run, 'config.json'), JSON.stringify({ model: 'mobilenet_v3_small', classes: ['ants', 'bees'] }));
  assert.deepEqual(parseModelSpec('resnet18'), { name: 'resnet18', version: '1.0', arch: 'resnet18', weights: 'DEFAULT' });
  assert.deepEqual(parseModelSpec(`ants=${run}/best.pth`), { name: 'ants', version: '1.0', arch: 'mobilenet_v3_small', weights: `${run}/best.pth` });
  assert.deepEqual(parseModelSpec('r18@2.0=resnet18:IMAGENET1K_V1'), { name: 'r18', version: '2.0', arch: 'resnet18', weights: 'IMAGENET1K_V1' });
  assert.deepEqual(parseModelSpec('resnet18=/x/y.pth'), { name: 'resnet18', version: '1.0', arch: 'resnet18', weights: '/x/y.pth' });
  assert.deepEqual(parseModelSpec('m=mobilenet_v2'), { name: 'm', version: '1.0', arch: 'mobilenet_v2', weights: 'DEFAULT' });
  assert.deepEqual(parseModelSpec('resnet18=none'), { name: 'resnet18', version: '1.0', arch: 'resnet18', weights: 'none' });
  for (const [s, re] of [['notamodel', /not an architecture/], ['x=/some/file.pth', /cannot tell the architecture/], ['a b=resnet18', /must be letters/],
    ['r@=resnet18', /version '' must be/], ['r=', /nothing after '='/], ['r=resnet18:', /no weights after/]] as const) {
    assert.throws(() => parseModelSpec(s), (e: unknown) => e instanceof ModelSpecError && re.test(e.message), s);
  }
});

test('batching: a batch leaves full, after maxBatchDelay, or at once when nothing else is on its way', async () => {
  // A stand-in for the model's thread: answers each input {x} with class x; the first batch waits for release().
  const calls: number[] = [];
  let release: (() => void) | null = null;
  const host = {
    run: (inputs: unknown[], topk: number) => new Promise((resolve) => {
      calls.push(inputs.length);
      const tops = inputs.map((t) => [{ index: (t as { x: number }).x, label: `c${(t as { x: number }).x}`, probability: 1 }].slice(0, topk));
      const answer = (): void => resolve({ tops, ms: 1 });
      if (calls.length === 1) release = answer; else answer();
    }),
  } as unknown as ModelHost;
  const sizes: number[] = [];
  const b = new Batcher(host, { batchSize: 3, maxBatchDelay: 40, onBatch: (n) => sizes.push(n) });
  const item = (x: number, topk = 1): BatchItem => ({ tensor: { bytes: new ArrayBuffer(0), x }, topk, cancelled: false, enqueuedAt: performance.now() });

  // Nothing else on its way: a lone image runs at once.
  const t0 = performance.now();
  const first = b.submit(item(1));
  assert.deepEqual(calls, [1]);
  // While that batch runs, four more arrive (two more announced upstream): the queue fills.
  b.expect(2);
  const waiting = [b.submit(item(2)), b.submit(item(3)), b.submit(item(4, 2)), b.submit(item(5))];
  const cancelled = item(6);
  const p6 = b.submit(cancelled);
  cancelled.cancelled = true;
  assert.equal(b.waiting, 5);
  release!();
  assert.equal((await first).top[0]!.label, 'c1');
  // The first full batch leaves as soon as the running one is done.
  const r = await Promise.all(waiting.slice(0, 3));
  assert.deepEqual(r.map((x) => x.batchSize), [3, 3, 3]);
  assert.deepEqual(r[2]!.top.map((t) => t.label), ['c4']);
  assert.equal(calls[1], 3);
  // One image left, two announced: it waits for them up to maxBatchDelay, then leaves alone.
  const r5 = await waiting[3]!;
  assert.equal(r5.batchSize, 1);
  assert.ok(performance.now() - t0 >= 35, 'the last batch waited for maxBatchDelay');
  await assert.rejects(p6, CancelledError);
  // The two announced images arrive: the first waits for the second, which completes the batch at once.
  const s7 = b.submit(item(7), true);
  assert.equal(calls.length, 3, 'the first of two announced images waits');
  const s8 = b.submit(item(8), true);
  assert.equal(calls.length, 4, 'the second one sends the batch at once, without waiting for maxBatchDelay');
  const [r7, r8] = await Promise.all([s7, s8]);
  assert.deepEqual([r7.batchSize, r8.batchSize, r7.top[0]!.label, r8.top[0]!.label], [2, 2, 'c7', 'c8']);
  assert.deepEqual(sizes, [1, 3, 1, 2]);
});

test('batching: a lone image on an idle model runs alone in the model\'s thread; what arrives meanwhile queues behind it', async () => {
  const calls: string[] = [];
  let release: (() => void) | null = null;
  const host = {
    decodeAndRun: (bytes: Uint8Array, _p: unknown, topk: number) => new Promise((resolve, reject) => {
      calls.push(`alone ${bytes.length}`);
      if (bytes.length === 0) return reject(new DecodeError('cannot decode image (empty): no bytes'));
      release = () => resolve({ tops: [[{ index: 0, label: 'c0', probability: 1 }, { index: 1, label: 'c1', probability: 0 }].slice(0, topk)], ms: 2, threads: 1, preprocessMs: 3 });
    }),
    run: (inputs: unknown[]) => {
      calls.push(`batch ${inputs.length}`);
      return Promise.resolve({ tops: inputs.map(() => [{ index: 9, label: 'c9', probability: 1 }]), ms: 1, threads: 2 });
    },
  } as unknown as ModelHost;
  const b = new Batcher(host, { batchSize: 4, maxBatchDelay: 1000 });
  const item = (): BatchItem => ({ tensor: { bytes: new ArrayBuffer(0) }, topk: 1, cancelled: false, enqueuedAt: performance.now() });
  b.expect(1);
  assert.equal(b.alone, true, 'idle, nothing waiting, only this image on its way');
  const alone = b.runAlone(new Uint8Array(5), {} as never, 2);
  assert.equal(b.alone, false, 'the model is busy');
  assert.equal(b.running, true);
  b.expect(1);
  await assert.rejects(b.runAlone(new Uint8Array(5), {} as never, 1), /runAlone: the model is busy/);
  const queued = b.submit(item(), true);
  assert.deepEqual(calls, ['alone 5']);
  release!();
  const r = await alone;
  assert.deepEqual([r.batchSize, r.queueMs, r.preprocessMs, r.threads, r.top.map((t) => t.label)], [1, 0, 3, 1, ['c0', 'c1']]);
  // The queued image leaves when the lone run is done (nothing else is on its way).
  assert.equal((await queued).threads, 2);
  assert.deepEqual(calls, ['alone 5', 'batch 1']);
  // A decoder's refusal comes back as the host's DecodeError, and the model is idle again.
  b.expect(1);
  await assert.rejects(b.runAlone(new Uint8Array(0), {} as never, 1), DecodeError);
  b.expect(1);
  assert.equal(b.alone, true);
});

test('batching with two model workers: two batches run side by side; lone images go to the first worker, batches to the last idle one', async () => {
  // Two stand-ins for model workers: each records its calls and holds its batch until released.
  const calls: string[] = [];
  const held: (() => void)[] = [];
  const worker = (name: string): ModelHost => ({
    run: (inputs: unknown[], topk: number) => new Promise((resolve) => {
      calls.push(`${name} batch ${inputs.length}`);
      held.push(() => resolve({ tops: inputs.map((t) => [{ index: (t as { x: number }).x, label: `c${(t as { x: number }).x}`, probability: 1 }].slice(0, topk)), ms: 1, threads: 1 }));
    }),
    decodeAndRun: (_bytes: Uint8Array, _p: unknown, topk: number) => new Promise((resolve) => {
      calls.push(`${name} alone`);
      held.push(() => resolve({ tops: [[{ index: 0, label: 'c0', probability: 1 }].slice(0, topk)], ms: 1, threads: 2, preprocessMs: 1 }));
    }),
  }) as unknown as ModelHost;
  const sizes: number[] = [];
  const b = new Batcher([worker('w0'), worker('w1')], { batchSize: 2, maxBatchDelay: 1000, onBatch: (n) => sizes.push(n) });
  const item = (x: number): BatchItem => ({ tensor: { bytes: new ArrayBuffer(0), x }, topk: 1, cancelled: false, enqueuedAt: performance.now() });
  const release = async (): Promise<void> => { for (const r of held.splice(0)) r(); await new Promise((r) => setImmediate(r)); };

  // A lone image: the first worker, decoded there.
  b.expect(1);
  assert.equal(b.alone, true);
  const lone = b.runAlone(new Uint8Array(3), {} as never, 1);
  assert.deepEqual(calls, ['w0 alone']);
  assert.equal(b.alone, false, 'a worker is busy: the next image is not alone');
  await release();
  assert.equal((await lone).threads, 2);
  // Five images at once (one more announced): the last worker takes the first full batch, the first worker the
  // second one at the same time, and the fifth waits for whichever finishes first.
  b.expect(1);
  const rs = [1, 2, 3, 4, 5].map((x) => b.submit(item(x)));
  assert.deepEqual(calls.slice(1), ['w1 batch 2', 'w0 batch 2'], 'two batches run side by side');
  assert.equal(b.waiting, 1);
  assert.equal(b.running, true);
  held.shift()!(); // w1 finishes
  await new Promise((r) => setImmediate(r));
  const firstTwo = await Promise.all(rs.slice(0, 2));
  assert.deepEqual(firstTwo.map((r) => r.top[0]!.label), ['c1', 'c2']);
  // The announced image has not come: the fifth waits (maxBatchDelay) until it is no longer expected.
  assert.deepEqual(calls.slice(1), ['w1 batch 2', 'w0 batch 2']);
  b.expect(-1);
  assert.deepEqual(calls.slice(1), ['w1 batch 2', 'w0 batch 2', 'w1 batch 1'], 'the idle worker takes it, the busy one keeps running');
  await release();
  const rest = await Promise.all(rs.slice(2));
  assert.deepEqual(rest.map((r) => [r.top[0]!.label, r.batchSize]), [['c3', 2], ['c4', 2], ['c5', 1]]);
  assert.deepEqual(sizes.sort(), [1, 1, 2, 2]);
  assert.equal(b.running, false);
  assert.throws(() => new Batcher([], { batchSize: 1, maxBatchDelay: 0 }), /at least one worker/);
});

test('model workers: one per core when threads are chosen per batch, else as many as the threads fit; at most 4', () => {
  assert.equal(defaultModelWorkers(0, 1), 1);
  assert.equal(defaultModelWorkers(0, 2), 2);
  assert.equal(defaultModelWorkers(0, 16), 4);
  assert.equal(defaultModelWorkers(1, 2), 2);
  assert.equal(defaultModelWorkers(2, 2), 1);
  assert.equal(defaultModelWorkers(4, 2), 1);
  assert.equal(defaultModelWorkers(3, 12), 4);
  assert.equal(defaultModelWorkers(1, 16), 4);
});

test('answers: {label: probability} best first, integer-like labels included; one object per image', () => {
  const t = (label: string, probability: number, index = 0): { index: number; label: string; probability: number } => ({ index, label, probability });
  // Class folders named 0..9: a JavaScript object would reorder these keys numerically.
  assert.equal(answerJson([[t('7', 0.5), t('10', 0.3), t('2', 0.2)]]), '{"7":0.5,"10":0.3,"2":0.2}');
  assert.deepEqual(Object.keys(JSON.parse(answerJson([[t('b', 0.6), t('a', 0.4)]]))), ['b', 'a']);
  // ImageNet repeats a few names (two 'crane's): the better one stays, as a dict keeps one entry per key.
  assert.equal(answerJson([[t('crane', 0.5, 134), t('crane', 0.3, 517), t('x"y', 0.2)]]), '{"crane":0.5,"x\\"y":0.2}');
  assert.deepEqual(JSON.parse(answerJson([[t('a', 1)], [t('b', 1)]])), [{ a: 1 }, { b: 1 }]);
});
