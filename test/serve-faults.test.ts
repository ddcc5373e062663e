// `tstorch serve` under faults, as a separate process (a crash would show as its exit), with TSTORCH_HEAVY_TESTS=1
// (a few minutes):
//   - 10,000 requests from 16 clients mixing good images (JPEGs, a GIF) with every kind of bad upload: each bad
//     one gets its 400 and kind, each good one the answer `tstorch predict --json` gives for the same file; the
//     server never restarts and its memory stays flat;
//   - overload (128 clients against a queue of 16 images): 503s with Retry-After, no other failure, flat memory;
//   - SIGTERM during load: every request the server took is answered (its log and the clients agree), exit 0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runPython } from './helpers/pytorch.js';
import { cli } from './helpers/cli.js';

const HEAVY = process.env.TSTORCH_HEAVY_TESTS === '1';
const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');

interface Server { proc: ChildProcess; url: string; out: () => string; err: () => string; exited: Promise<number | null> }

async function startServer(args: string[]): Promise<Server> {
  const proc = spawn(process.execPath, ['--import', 'tsx', join(repo, 'src/cli/main.ts'), 'serve', ...args, '--port', '0'], { cwd: repo });
  let out = '', err = '';
  proc.stdout!.on('data', (c: Buffer) => { out += c; });
  const exited = new Promise<number | null>((r) => proc.on('exit', (code) => r(code)));
  const url = await new Promise<string>((res, rej) => {
    proc.stderr!.on('data', (c: Buffer) => {
      err += c;
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(err);
      if (m) res(m[1]!);
    });
    void exited.then((code) => rej(new Error(`serve exited with ${code}: ${err}`)));
  });
  return { proc, url, out: () => out, err: () => err, exited };
}

function rss(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m![1]) / 1024;
}

/** `clients` loops sending request `next(i)` until `total` requests were sent (or `until` says stop). */
async function drive(clients: number, total: number, send: (i: number) => Promise<void>, until?: () => boolean): Promise<void> {
  let i = 0;
  await Promise.all(Array.from({ length: clients }, async () => {
    while (i < total && !(until?.() ?? false)) await send(i++);
  }));
}

test('faults, overload and SIGTERM under load (TSTORCH_HEAVY_TESTS=1)', { skip: !HEAVY && 'set TSTORCH_HEAVY_TESTS=1' }, async () => {
  const data = [process.env.TSTORCH_DATA, join(repo, '..', 'shared', 'data')].filter((r): r is string => r !== undefined)
    .map((r) => join(r, 'hymenoptera_data')).find((p) => existsSync(p));
  assert.ok(data, 'hymenoptera_data not found');
  const dir = mkdtempSync(join(tmpdir(), 'tstorch-serve-faults-'));
  try {
    const run = join(dir, 'run');
    mkdirSync(run);
    runPython(`
torch.manual_seed(9)
m = torchvision.models.mobilenet_v3_small()
m.classifier[3] = torch.nn.Linear(1024, 2)
torch.save(m.state_dict(), J)
`, { json: join(run, 'best.pth') });
    writeFileSync(join(run, 'config.json'), JSON.stringify({ model: 'mobilenet_v3_small', classes: ['ants', 'bees'] }));
    const val = ['ants', 'bees'].flatMap((c) => readdirSync(join(data, 'val', c)).sort().slice(0, 6).map((f) => join(data, 'val', c, f)));
    const goodFiles = [...val, join(data, 'train', 'ants', 'imageNotFound.gif')];
    // What `tstorch predict` says about each good file.
    const p = await cli(['predict', 'mobilenet_v3_small', '--weights', join(run, 'best.pth'), ...goodFiles, '--topk', '2', '--json', '--threads', '1']);
    assert.equal(p.code, 0, p.err);
    const expected = (JSON.parse(p.out) as { predictions: { file: string; top: { label: string; probability: number }[] }[] }).predictions;

    const jpeg = readFileSync(val[0]!);
    const sof = jpeg.findIndex((v, i) => v === 0xff && (jpeg[i + 1] === 0xc0 || jpeg[i + 1] === 0xc2));
    const bomb = Buffer.from(jpeg);
    bomb.writeUInt16BE(50000, sof + 5);
    bomb.writeUInt16BE(50000, sof + 7);
    const pngBomb = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]), Buffer.from('IHDR'),
      Buffer.from([0, 2, 0, 0, 0, 2, 0, 0, 8, 2, 0, 0, 0, 0, 0, 0, 0])]);
    const bad: { body: Buffer; type: string; kind: string }[] = [
      { body: Buffer.alloc(0), type: 'image/jpeg', kind: 'empty_body' },
      { body: Buffer.from('this is not an image'), type: 'image/jpeg', kind: 'not_an_image' },
      { body: Buffer.from('{"image": 1}'), type: 'application/json', kind: 'content_type' },
      { body: jpeg, type: 'text/html', kind: 'content_type' },
      { body: bomb, type: 'image/jpeg', kind: 'image_too_large' },
      { body: pngBomb, type: 'image/png', kind: 'image_too_large' },
      ...[0.1, 0.3, 0.5, 0.8, 0.95].map((f) => ({ body: jpeg.subarray(0, Math.floor(jpeg.length * f)), type: 'image/jpeg', kind: 'truncated_image' })),
      { body: jpeg.subarray(0, sof + 3), type: 'image/jpeg', kind: 'truncated_image' },
      { body: Buffer.from('--b\r\nContent-Disposition: form-data; name="x"\r\n\r\nunfinished'), type: 'multipart/form-data; boundary=b', kind: 'multipart' },
    ];
    const goodBodies = goodFiles.map((f) => readFileSync(f));

    // 1. 10,000 requests, every third good.
    const s = await startServer([`ants=${run}/best.pth`, '--threads', '1', '--workers', '1', '--queue-size', '1000']);
    const rss0 = rss(s.proc.pid!);
    const failures: string[] = [];
    const counts = { good: 0, bad: 0 };
    const rssSamples: number[] = [];
    await drive(16, 10_000, async (i) => {
      if (i % 500 === 0) rssSamples.push(rss(s.proc.pid!));
      const good = i % 3 === 0;
      const g = (i / 3) % goodBodies.length, b = bad[i % bad.length]!;
      const r = await fetch(`${s.url}/predictions/ants`, { method: 'POST', body: good ? goodBodies[g]! : b.body, headers: { 'content-type': good ? 'image/jpeg' : b.type } });
      const j = await r.json() as Record<string, unknown>;
      if (good) {
        counts.good++;
        const want = expected[g]!.top;
        const ok = r.status === 200 && JSON.stringify(Object.keys(j)) === JSON.stringify(want.map((t) => t.label)) &&
          want.every((t) => Math.abs((j[t.label] as number) - t.probability) < 1e-5);
        if (!ok) failures.push(`request ${i} (${goodFiles[g]}): ${r.status} ${JSON.stringify(j)} vs predict ${JSON.stringify(want)}`);
      } else {
        counts.bad++;
        if (r.status !== 400 || j.type !== b.kind) failures.push(`request ${i} (${b.kind}): ${r.status} ${JSON.stringify(j)}`);
      }
    });
    assert.deepEqual(failures.slice(0, 5), []);
    assert.equal(counts.good + counts.bad, 10_000);
    assert.equal((await fetch(`${s.url}/ping`)).status, 200);
    const metrics = await (await fetch(`${s.url}/metrics`)).text();
    assert.match(metrics, new RegExp(`code="200"\\} ${counts.good}\\n`));
    assert.match(metrics, new RegExp(`code="400"\\} ${counts.bad}\\n`));
    const rss1 = rss(s.proc.pid!);
    // Flat: the second half of the run holds no more than the first half's peak plus a little.
    const half = rssSamples.slice(0, rssSamples.length >> 1), rest = rssSamples.slice(rssSamples.length >> 1);
    assert.ok(Math.max(...rest) < Math.max(...half) + 64, `RSS ${rssSamples.map(Math.round).join(' ')} MiB`);
    console.log(`faults: ${counts.good} good + ${counts.bad} bad requests, all right; RSS ${rss0.toFixed(0)} -> ${rss1.toFixed(0)} MiB (samples ${rssSamples.map(Math.round).join(' ')})`);
    s.proc.kill('SIGTERM');
    assert.equal(await s.exited, 0);

    // 2. Overload: 128 clients against 16 places.
    const o = await startServer([`ants=${run}/best.pth`, '--threads', '1', '--workers', '1', '--queue-size', '16', '--no-log']);
    const statuses = new Map<string, number>();
    const overloadRss: number[] = [];
    const t0 = performance.now();
    let sent = 0;
    const sampler = setInterval(() => overloadRss.push(rss(o.proc.pid!)), 1000);
    await drive(128, Infinity, async () => {
      sent++;
      const r = await fetch(`${o.url}/predictions/ants`, { method: 'POST', body: goodBodies[sent % goodBodies.length], headers: { 'content-type': 'image/jpeg' } });
      const j = await r.json() as { type?: string };
      const key = r.status === 503 ? `503 ${j.type} retry-after=${r.headers.get('retry-after')}` : String(r.status);
      statuses.set(key, (statuses.get(key) ?? 0) + 1);
    }, () => performance.now() - t0 > 20_000);
    clearInterval(sampler);
    const seen = Object.fromEntries(statuses);
    assert.deepEqual(Object.keys(seen).sort(), ['200', '503 queue_full retry-after=1'], JSON.stringify(seen));
    const h = overloadRss.length >> 1;
    assert.ok(Math.max(...overloadRss.slice(h)) < Math.max(...overloadRss.slice(0, h)) + 64, `RSS ${overloadRss.map(Math.round).join(' ')} MiB`);
    console.log(`overload: ${JSON.stringify(seen)} in 20 s; RSS ${overloadRss.map(Math.round).join(' ')} MiB`);
    o.proc.kill('SIGTERM');
    assert.equal(await o.exited, 0);

    // 3. SIGTERM during load: what the server logged as answered, the clients received.
    const t = await startServer([`ants=${run}/best.pth`, '--threads', '1', '--workers', '1']);
    const received: number[] = [];
    let refused = 0;
    let stop = false;
    const load = drive(32, Infinity, async (i) => {
      try {
        const r = await fetch(`${t.url}/predictions/ants`, { method: 'POST', body: goodBodies[i % goodBodies.length], headers: { 'content-type': 'image/jpeg' } });
        await r.json();
        received.push(r.status);
      } catch {
        refused++; // the server had stopped listening: never taken
        stop = true;
      }
    }, () => stop);
    await new Promise((r) => setTimeout(r, 3000));
    t.proc.kill('SIGTERM');
    const code = await t.exited;
    stop = true;
    await load;
    assert.equal(code, 0, t.err());
    const logged = t.out().trim().split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as { status: number; path: string }).filter((l) => l.path.startsWith('/predictions'));
    const ok = received.filter((s) => s === 200).length;
    assert.equal(logged.filter((l) => l.status === 200).length, ok, 'every request answered 200 in the log reached its client');
    assert.ok(received.every((s) => s === 200 || s === 503), `statuses ${[...new Set(received)].join(',')}`);
    assert.equal(logged.length, received.length, 'every request the server took was answered');
    console.log(`SIGTERM under load: ${ok} answered 200, ${received.length - ok} answered 503 (shutting down), ${refused} connections refused after the stop, exit ${code}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
