// `tstorch run` (torchrun's twin) and tstorch workers under PyTorch's own torchrun: the workers' environment,
// rank-prefixed output, Python workers, fail-fast with the dead rank named, restarts that resume from the last
// checkpoint (tstorch train --nproc-per-node --max-restarts: the resumed job ends with the uninterrupted
// job's weights, bit for bit).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, readdirSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import * as torch from '../src/index.js';
import { ROOT, freePort } from './helpers/world.js';
import { PYTHON, requirePyTorch } from './helpers/pytorch.js';
import { tinyCifar } from './helpers/cifar.js';

interface Run { code: number | null; signal: string | null; out: string; err: string; child: ChildProcess; done: Promise<void>; }

/** Starts `tstorch <args>` (from sources) as a child process. */
function tstorch(args: string[], env: Record<string, string> = {}): Run {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const run = { code: null, signal: null, out: '', err: '', child } as unknown as Run;
  child.stdout!.on('data', (d) => { run.out += d; });
  child.stderr!.on('data', (d) => { run.err += d; });
  run.done = new Promise((resolve) => child.on('close', (code, signal) => { run.code = code; run.signal = signal; resolve(); }));
  return run;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

function envLines(out: string): Record<string, Record<string, string>> {
  const envs: Record<string, Record<string, string>> = {};
  for (const m of out.matchAll(/^\[rank(\d+)\]:env (.*)$/gm)) envs[m[1]!] = JSON.parse(m[2]!);
  return envs;
}

test("tstorch run gives each worker torchrun's environment, prefixes its lines with its rank, and the workers join one group", async () => {
  const port = await freePort();
  const r = tstorch(['run', '--nproc-per-node', '2', '--master-port', String(port), '--rdzv-id', 'job7', 'test/helpers/launch-worker.ts']);
  await r.done;
  assert.equal(r.code, 0, r.err);
  const envs = envLines(r.out);
  for (const rank of [0, 1]) {
    assert.deepEqual(envs[String(rank)], {
      RANK: String(rank), LOCAL_RANK: String(rank), WORLD_SIZE: '2', LOCAL_WORLD_SIZE: '2', GROUP_RANK: '0', ROLE_RANK: String(rank),
      ROLE_NAME: 'default', GROUP_WORLD_SIZE: '1', ROLE_WORLD_SIZE: '2', MASTER_ADDR: '127.0.0.1', MASTER_PORT: String(port),
      TORCHELASTIC_RESTART_COUNT: '0', TORCHELASTIC_MAX_RESTARTS: '0', TORCHELASTIC_RUN_ID: 'job7', TORCHELASTIC_USE_AGENT_STORE: 'True',
      OMP_NUM_THREADS: process.env.OMP_NUM_THREADS ?? String(Math.max(1, Math.floor(availableParallelism() / 2))),
    });
    assert.match(r.out, new RegExp(`^\\[rank${rank}\\]:sum 3 threads`, 'm'));
  }
  assert.match(r.err, /every worker finished successfully/);
});

test('tstorch run --standalone: rank 0 serves the store on a free port; a command that is not a script runs as is (PyTorch workers)', async () => {
  requirePyTorch();
  const r = tstorch(['run', '--standalone', '--nproc_per_node=2', PYTHON, 'test/helpers/launch_worker.py']);
  await r.done;
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^\[rank0\]:sum 3 python$/m);
  assert.match(r.out, /^\[rank1\]:sum 3 python$/m);
  assert.match(r.err, /\(standalone\)/);
});

test('tstorch workers run under PyTorch\'s torchrun --no_python', async () => {
  requirePyTorch();
  const logs = mkdtempSync(join(tmpdir(), 'tstorch-torchrun-'));
  try {
    const port = await freePort();
    // Debian's torchrun fails with its default --redirects; NOTES.md has the workaround used here.
    const out = execFileSync(PYTHON, ['-m', 'torch.distributed.run', '--nproc_per_node', '2', '--master_port', String(port), '--no_python',
      '--redirects', '0:1,1:1', '--tee', '0:1,1:1', '--log_dir', logs, process.execPath, '--import', 'tsx', 'test/helpers/launch-worker.ts'],
    { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
    assert.match(out, /^\[default0\]:sum 3 threads/m);
    assert.match(out, /^\[default1\]:sum 3 threads/m);
    assert.match(out, /"TORCHELASTIC_USE_AGENT_STORE":"True"/);
  } finally {
    rmSync(logs, { recursive: true, force: true });
  }
});

test('a worker that fails stops the job: the others are stopped, the launcher exits non-zero naming the rank and its exit', async () => {
  const port = await freePort();
  const r = tstorch(['run', '--nproc-per-node', '2', '--master-port', String(port), 'test/helpers/launch-worker.ts'],
    { LAUNCH_TEST_FAIL_RANK: '1', LAUNCH_TEST_PIDS: mkdtempSync(join(tmpdir(), 'tstorch-pids-')), LAUNCH_TEST_SECONDS: '120' });
  const t0 = Date.now();
  await r.done;
  assert.equal(r.code, 1);
  assert.match(r.err, /FAILED: rank 1 \(local rank 1\) on node 0 .* exited with code 3/);
  assert.ok(Date.now() - t0 < 60_000, 'rank 0 was stopped long before its 120 s of work');
});

test('kill -9 of a rank mid-job: the launcher stops the rest and exits non-zero naming the dead rank within 60 s', async (t) => {
  const pids = mkdtempSync(join(tmpdir(), 'tstorch-pids-'));
  const port = await freePort();
  const r = tstorch(['run', '--nproc-per-node', '2', '--master-port', String(port), 'test/helpers/launch-worker.ts'],
    { LAUNCH_TEST_PIDS: pids, LAUNCH_TEST_SECONDS: '300' });
  await waitFor(() => existsSync(join(pids, 'pid1')) && existsSync(join(pids, 'pid0')), 120_000, 'the workers to start');
  const rank0 = Number(readFileSync(join(pids, 'pid0'), 'utf8'));
  const killedAt = Date.now();
  process.kill(Number(readFileSync(join(pids, 'pid1'), 'utf8')), 'SIGKILL');
  await r.done;
  const seconds = (Date.now() - killedAt) / 1000;
  assert.equal(r.code, 1);
  assert.match(r.err, /FAILED: rank 1 \(local rank 1\) on node 0 .* was killed by SIGKILL/);
  assert.ok(seconds < 60, `the launcher took ${seconds} s to stop`);
  t.diagnostic(`the launcher exited ${seconds.toFixed(2)} s after the kill`);
  assert.throws(() => process.kill(rank0, 0), 'rank 0 is gone too');
  rmSync(pids, { recursive: true, force: true });
});

test('tstorch train --nproc-per-node 2 --max-restarts 1: a rank killed mid-training restarts the job from the last checkpoint, which ends as the uninterrupted job', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tstorch-restart-'));
  try {
    const data = tinyCifar(dir, 200, 40);
    const common = ['train', 'lenet', '--dataset', 'cifar10', '--data', data, '--download=false', '--nproc-per-node', '2', '--epochs', '3',
      '--batch-size', '8', '--max-test', '40', '--log-every', '0', '--workers', '0', '--optimizer', 'sgd', '--lr', '0.01'];
    const whole = tstorch([...common, '--out', join(dir, 'whole'), '--master-port', String(await freePort())]);
    await whole.done;
    assert.equal(whole.code, 0, whole.err + whole.out);

    const out = join(dir, 'killed');
    const r = tstorch([...common, '--out', out, '--max-restarts', '1', '--master-port', String(await freePort())]);
    // Once epoch 1's checkpoint exists, kill rank 1 (a child of the launcher, found by its RANK).
    await waitFor(() => existsSync(join(out, 'last.pth')), 120_000, 'the first checkpoint');
    const children = execFileSync('pgrep', ['-P', String(r.child.pid)], { encoding: 'utf8' }).trim().split('\n').map(Number);
    const rank1 = children.find((pid) => readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes('RANK=1'));
    assert.ok(rank1, 'found rank 1');
    process.kill(rank1!, 'SIGKILL');
    await r.done;
    assert.equal(r.code, 0, r.err + r.out);
    assert.match(r.err, /rank 1 \(local rank 1\) on node 0 .* was killed by SIGKILL .*: restarting the job \(restart 1 of 1\)/);
    assert.match(r.out, /\[rank0\]:restart 1: resuming .* after epoch \d \(sampler epoch \d\)/);
    const epochs = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).epoch);
    assert.deepEqual(epochs, [1, 2, 3]);
    const a = torch.load(join(dir, 'whole', 'last.pth')) as { model: Record<string, torch.Tensor> };
    const b = torch.load(join(out, 'last.pth')) as { model: Record<string, torch.Tensor> };
    for (const [k, v] of Object.entries(a.model)) assert.ok(v.equal(b.model[k]!), `${k}: the resumed job's weights equal the uninterrupted job's`);
    assert.deepEqual(readdirSync(out).sort(), ['best.pth', 'config.json', 'curves.png', 'last.pth', 'metrics.jsonl']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('tstorch run refuses what it cannot do, naming it', async () => {
  const cases: [string[], RegExp][] = [
    [['run', '--nnodes', '1:2', 'x.ts'], /elastic node counts are not supported/],
    [['run', '--nproc-per-node', 'gpu', 'x.ts'], /no CUDA/],
    [['run', '--node-rank', '1', 'x.ts'], /--node-rank 1 must be less than --nnodes 1/],
    [['run', '--bogus', 'x.ts'], /unknown option --bogus/],
    [['run', '--nproc-per-node', '2'], /name the training script/],
  ];
  for (const [args, re] of cases) {
    const r = tstorch(args);
    await r.done;
    assert.equal(r.code, 1, args.join(' '));
    assert.match(r.err, re, args.join(' '));
  }
});

test('launch configuration: --rdzv-endpoint is the store the agents meet at; scripts run under node (tsx for .ts)', async () => {
  const { launchConfig, parseRunArgs } = await import('../src/distributed/run.js');
  const c = await launchConfig(parseRunArgs(['--nnodes=2:2', '--node-rank', '1', '--rdzv-backend', 'c10d', '--rdzv-endpoint', 'trainer0:4567', '--rdzv_id', 'j1', 'train.ts', '--lr', '0.1']));
  assert.deepEqual([c.nnodes, c.nodeRank, c.masterAddr, c.masterPort, c.runId], [2, 1, 'trainer0', 4567, 'j1']);
  assert.equal(c.command, process.execPath);
  assert.deepEqual(c.args.slice(0, 1), ['--import']);
  assert.match(c.args[1]!, /tsx\/dist\/loader\.mjs$/);
  assert.equal(c.args[2], join(process.cwd(), 'train.ts'));
  assert.deepEqual(c.args.slice(3), ['--lr', '0.1']);
  const d = await launchConfig(parseRunArgs(['--rdzv-endpoint', 'h', 'job.js']));
  assert.deepEqual([d.masterAddr, d.masterPort, d.args.length], ['h', 29400, 1]);
  const p = await launchConfig(parseRunArgs(['--no-python', 'job.ts']));
  assert.deepEqual([p.command, p.args], ['job.ts', []]);
});
