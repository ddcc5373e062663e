// `tstorch serve` under load, side by side with Python peers serving the same model from the same weights file
// with PyTorch (bench/pytorch/serve_fastapi.py: FastAPI + uvicorn, batching-free `async` and `threads`
// endpoints, and a batching queue). The load is autocannon (npm) against 127.0.0.1: every connection sends
// real JPEGs (hymenoptera val, in turn) to POST /predictions/{model}, one request at a time.
//
// tstorch runs with its defaults (a queue of 100 images: 64 clients stay below it). Every server of a model runs at once (idle ones cost nothing); for each concurrency the sides take turns,
// in an order that alternates between rounds, because this shared machine's speed drifts. For each run:
// images/s (2xx answers / s), p50 and p99 latency, failed requests (errors, timeouts, non-2xx), and the
// server's RSS at the start, end and peak of the run, sampled every second from /proc.
//
//   node --import tsx bench/serve-load.ts [--models resnet18,mobilenet_v3_large] [--concurrency 1,8,64]
//       [--duration 60] [--rounds 1] [--sides tstorch,async,threads,batching,batching:2] [--batch-size 8]
//       (a tstorch variant: 'tstorch:t2' --threads 2, 'tstorch:w2' --workers 2, 'tstorch:m1' --model-workers 1, 'tstorch:b0' --blas-threads 0,
//       'tstorch:ejit' --engine jit, 'tstorch:fcontiguous' --memory-format contiguous,
//       'tstorch:NAME=VALUE' an environment variable; several join with ':')
//       [--max-batch-delay 10] [--data DIR]
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { parseArgs } from '../src/cli/args.js';
import { plotCurves } from '../src/vision/utils/plot.js';
import { mkdirSync as makeOutFolder } from 'node:fs';
makeOutFolder(new URL('./out/', import.meta.url), { recursive: true }); // the default --out folder (git ignores it)

const here = dirname(fileURLToPath(import.meta.url));
const PYTHON = process.env.TSTORCH_PYTHON ?? '/usr/bin/python3';
const a = parseArgs(process.argv.slice(2), {
  models: { type: 'string', default: 'resnet18,mobilenet_v3_large', help: 'zoo models' },
  concurrency: { type: 'string', default: '1,8,64', help: 'concurrent connections' },
  duration: { type: 'number', default: 60, help: 'seconds per run' },
  warmup: { type: 'number', default: 5, help: 'seconds of load before the first run of each server' },
  rounds: { type: 'number', default: 1, help: 'runs per side and concurrency' },
  sides: { type: 'string', default: 'tstorch,async,threads,batching', help: "tstorch and the Python modes; 'batching:2' gives the peer 2 torch threads (default: PyTorch's own choice)" },
  batchSize: { type: 'number', default: 8, help: 'batch size (tstorch and the batching peer)' },
  maxBatchDelay: { type: 'number', default: 10, help: 'ms (tstorch and the batching peer)' },
  images: { type: 'number', default: 32, help: 'distinct JPEGs sent in turn' },
  data: { type: 'string', help: 'folder with hymenoptera_data (default $TSTORCH_DATA or ../shared/data)' },
  out: { type: 'string', default: 'bench/out/serve-load.json', help: 'JSON report', path: 'outFile' },
}, 'serve-load');

const dataRoot = [a.data, process.env.TSTORCH_DATA, resolve(here, '..', '..', 'shared', 'data')]
  .filter((r): r is string => r !== undefined).map((r) => join(r, 'hymenoptera_data', 'val')).find((p) => existsSync(p));
if (!dataRoot) throw new Error('hymenoptera_data/val not found (pass --data or set TSTORCH_DATA)');
const files = ['ants', 'bees'].flatMap((c) => readdirSync(join(dataRoot, c)).sort().map((f) => join(dataRoot, c, f)));
const bodies = Array.from({ length: a.images }, (_, i) => readFileSync(files[(i * 7) % files.length]!));

function rssOf(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : NaN;
  } catch {
    return NaN;
  }
}

async function waitReady(url: string, proc: ChildProcess, what: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (proc.exitCode !== null) throw new Error(`${what} exited with code ${proc.exitCode}`);
    try {
      const r = await fetch(`${url}/ping`);
      if (r.ok) return;
    } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${what} did not answer /ping`);
}

/** CPU time (ms) of each of the process's threads, by thread name (threads of one name summed), from /proc. */
function cpuByThread(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  const tick = 1000 / 100; // USER_HZ
  let tids: string[] = [];
  try { tids = readdirSync(`/proc/${pid}/task`); } catch { return out; }
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const name = stat.slice(stat.indexOf('(') + 1, close).replace(/[0-9]+$/, '#');
      const f = stat.slice(close + 2).split(' ');
      out.set(name, (out.get(name) ?? 0) + (Number(f[11]) + Number(f[12])) * tick);
    } catch { /* the thread ended */ }
  }
  return out;
}

/** The process's minor page faults and system CPU time (ms) so far, from /proc/PID/stat. */
function faultsAndSys(pid: number): { minflt: number; sysMs: number } {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { minflt: Number(f[7]), sysMs: Number(f[12]) * 10 };
  } catch {
    return { minflt: NaN, sysMs: NaN };
  }
}

interface Run {
  model: string; side: string; connections: number; round: number; seconds: number;
  imagesPerSecond: number; p50: number; p99: number; ok: number; failed: number; non2xx: number;
  rssStartMiB: number; rssEndMiB: number; rssPeakMiB: number; load: number[];
  /** The server's RSS (MiB), once a second through the run. */
  rss: number[];
  /** The server's CPU time per answered image (ms), by thread name: where the cores went. */
  cpuMsPerImage: Record<string, number>;
  /** Of that, system time (ms per image), and the minor page faults per image: memory paged in afresh. */
  sysMsPerImage: number;
  minorFaultsPerImage: number;
}

async function load(url: string, model: string, connections: number, duration: number, pid: number): Promise<Omit<Run, 'model' | 'side' | 'round'>> {
  const samples: number[] = [rssOf(pid)];
  const timer = setInterval(() => samples.push(rssOf(pid)), 1000);
  const load0 = loadavg();
  const cpu0 = cpuByThread(pid);
  const fs0 = faultsAndSys(pid);
  const t0 = performance.now();
  const r = await autocannon({
    url, connections, duration, pipelining: 1, timeout: 60,
    requests: bodies.map((body) => ({ method: 'POST', path: `/predictions/${model}`, headers: { 'content-type': 'image/jpeg' }, body })),
  });
  const seconds = (performance.now() - t0) / 1000;
  clearInterval(timer);
  samples.push(rssOf(pid));
  const cpuMsPerImage: Record<string, number> = {};
  for (const [name, ms] of cpuByThread(pid)) {
    const d = ms - (cpu0.get(name) ?? 0);
    if (d > 0 && r['2xx'] > 0) cpuMsPerImage[name] = Math.round((d / r['2xx']) * 10) / 10;
  }
  const fs1 = faultsAndSys(pid);
  const perImage = (d: number): number => (r['2xx'] > 0 ? Math.round((d / r['2xx']) * 10) / 10 : NaN);
  const mib = (v: number): number => Math.round(v / 2 ** 20);
  return {
    connections, seconds: Math.round(seconds * 10) / 10,
    imagesPerSecond: Math.round((r['2xx'] / r.duration) * 10) / 10,
    p50: r.latency.p50, p99: r.latency.p99, ok: r['2xx'], failed: r.errors + r.timeouts + r.non2xx, non2xx: r.non2xx,
    rssStartMiB: mib(samples[0]!), rssEndMiB: mib(samples.at(-1)!), rssPeakMiB: mib(Math.max(...samples)), load: [...load0, ...loadavg()].map((v) => Math.round(v * 100) / 100),
    rss: samples.map(mib), cpuMsPerImage, sysMsPerImage: perImage(fs1.sysMs - fs0.sysMs), minorFaultsPerImage: perImage(fs1.minflt - fs0.minflt),
  };
}

/**
 * A tstorch side's variant, for comparing settings in one run: 'tstorch:t2:w2:ejit:OMP_WAIT_POLICY=passive'
 * serves with --threads 2, --workers 2 and --engine jit ('m2': --model-workers 2, 'fcontiguous': --memory-format contiguous), and that variable in the server's environment.
 */
function tstorchVariant(side: string): { args: string[]; env: Record<string, string> } {
  const args: string[] = [];
  const env: Record<string, string> = {};
  for (const part of side.split(':').slice(1)) {
    const kv = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(part);
    const flag = /^([twmb])(\d+)$/.exec(part);
    const engine = /^e([a-z]+)$/.exec(part);
    const format = /^f(auto|contiguous|channels-last)$/.exec(part);
    if (kv) env[kv[1]!] = kv[2]!;
    else if (flag) args.push({ t: '--threads', w: '--workers', m: '--model-workers', b: '--blas-threads' }[flag[1] as 't' | 'w' | 'm' | 'b'], flag[2]!);
    else if (engine) args.push('--engine', engine[1]!);
    else if (format) args.push('--memory-format', format[1]!);
    else throw new Error(`side '${side}': '${part}' is not tN (--threads), wN (--workers), mN (--model-workers), bN (--blas-threads), eNAME (--engine), fFORMAT (--memory-format) or NAME=VALUE (environment)`);
  }
  return { args, env };
}

const runs: Run[] = [];
const sides = a.sides!.split(',');
const work = mkdtempSync(join(tmpdir(), 'tstorch-serve-load-'));
const procs: ChildProcess[] = [];
process.on('exit', () => { for (const p of procs) p.kill('SIGKILL'); rmSync(work, { recursive: true, force: true }); });
try {
  for (const model of a.models!.split(',')) {
    // One weights file for every side: torchvision's seeded initialisation, saved by PyTorch.
    const weights = join(work, `${model}.pth`);
    const py = spawnSync(PYTHON, ['-c', `import torch, torchvision\ntorch.manual_seed(0)\ntorch.save(torchvision.models.get_model('${model}').state_dict(), '${weights}')`], { encoding: 'utf8' });
    if (py.status !== 0) throw new Error(`cannot write ${model}'s weights with PyTorch: ${py.stderr}`);
    const servers: Record<string, { url: string; proc: ChildProcess }> = {};
    let port = 18500;
    for (const side of sides) {
      port++;
      const url = `http://127.0.0.1:${port}`;
      const proc = side.split(':')[0] === 'tstorch'
        ? spawn(process.execPath, [join(here, '..', 'dist', 'cli', 'main.js'), 'serve', `${model}=${model}:${weights}`, '--port', String(port),
          '--batch-size', String(a.batchSize), '--max-batch-delay', String(a.maxBatchDelay), ...tstorchVariant(side).args],
        { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, ...tstorchVariant(side).env } })
        : spawn(PYTHON, [join(here, 'pytorch', 'serve_fastapi.py'), '--arch', model, '--weights', weights, '--port', String(port), '--mode', side.split(':')[0]!,
          '--threads', side.split(':')[1] ?? '0', '--batch-size', String(a.batchSize), '--max-batch-delay', String(a.maxBatchDelay)], { stdio: ['ignore', 'inherit', 'inherit'] });
      procs.push(proc);
      await waitReady(url, proc, `${side} (${model})`);
      servers[side] = { url, proc };
      if (a.warmup > 0) await load(url, model, 8, a.warmup, proc.pid!);
    }
    for (const connections of a.concurrency!.split(',').map(Number)) {
      for (let round = 0; round < a.rounds; round++) {
        const order = round % 2 === 0 ? sides : [...sides].reverse();
        for (const side of order) {
          const s = servers[side]!;
          const r = { model, side, round, ...(await load(s.url, model, connections, a.duration, s.proc.pid!)) };
          runs.push(r);
          console.log(JSON.stringify({ ...r, rss: undefined }));
        }
      }
    }
    for (const s of Object.values(servers)) {
      s.proc.kill('SIGTERM');
      await new Promise((r) => s.proc.once('exit', r));
    }
  }
} finally {
  mkdirSync(dirname(a.out!), { recursive: true });
  writeFileSync(a.out!, JSON.stringify({ date: new Date().toISOString(), args: a, runs }, null, 2));
}

// The report: per model and concurrency, each side's median over rounds, and tstorch's ratio to the best peer.
const med = (xs: number[]): number => { const s = [...xs].sort((p, q) => p - q); const m = s.length >> 1; return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2; };
console.log(`\n| model | clients | side | img/s | p50 ms | p99 ms | failed | RSS start→end (peak) MiB | load avg |`);
console.log(`| --- | --- | --- | --- | --- | --- | --- | --- | --- |`);
for (const model of a.models!.split(',')) {
  for (const c of a.concurrency!.split(',').map(Number)) {
    const best: Record<string, number> = {};
    for (const side of sides) {
      const rs = runs.filter((r) => r.model === model && r.connections === c && r.side === side);
      if (rs.length === 0) continue;
      best[side] = med(rs.map((r) => r.imagesPerSecond));
      const last = rs.at(-1)!;
      console.log(`| ${model} | ${c} | ${side} | ${best[side]} | ${med(rs.map((r) => r.p50))} | ${med(rs.map((r) => r.p99))} | ${rs.reduce((n, r) => n + r.failed, 0)} | ` +
        `${last.rssStartMiB}→${last.rssEndMiB} (${Math.max(...rs.map((r) => r.rssPeakMiB))}) | ${last.load.slice(0, 1).join('')} |`);
    }
    const peers = Object.entries(best).filter(([s]) => !s.startsWith('tstorch'));
    if (best.tstorch !== undefined && peers.length > 0) {
      const [bs, bv] = peers.reduce((p, q) => (q[1] > p[1] ? q : p));
      console.log(`| ${model} | ${c} | **tstorch / best peer (${bs})** | **${(best.tstorch / bv).toFixed(2)}x** | | | | | |`);
    }
  }
}

// Pictures: throughput against clients, and each server's RSS through all of its runs (flat is the goal).
for (const model of a.models!.split(',')) {
  const cs = a.concurrency!.split(',').map(Number);
  const mine = runs.filter((r) => r.model === model);
  if (mine.length === 0) continue;
  const base = a.out!.replace(/\.json$/, '');
  await plotCurves({
    title: `${model}: images/s by concurrent clients (load avg ${mine[0]!.load[0]})`, xLabel: 'log2(clients)', yLabel: 'images/s',
    x: cs.map((c) => Math.log2(c)),
    series: Object.fromEntries(sides.map((side) => [side, cs.map((c) => med(mine.filter((r) => r.side === side && r.connections === c).map((r) => r.imagesPerSecond)))])),
    path: `${base}-${model}-throughput.png`,
  });
  const rssOf = (side: string): number[] => mine.filter((r) => r.side === side).flatMap((r) => r.rss);
  const longest = Math.max(...sides.map((side) => rssOf(side).length));
  await plotCurves({
    title: `${model}: server RSS through its runs (MiB)`, xLabel: 'seconds under load', yLabel: 'MiB',
    x: Array.from({ length: longest }, (_, i) => i),
    series: Object.fromEntries(sides.map((side) => { const v = rssOf(side); return [side, Array.from({ length: longest }, (_, i) => v[i] ?? NaN)]; })),
    path: `${base}-${model}-rss.png`,
  });
  console.log(`pictures: ${base}-${model}-throughput.png, ${base}-${model}-rss.png`);
}
