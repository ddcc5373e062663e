// Kill -9 and resume: `tstorch train` killed at random moments, while writing a checkpoint (as soon as its
// temporary file appears), and right after an epoch's metrics line (before its checkpoint), then resumed with
// --resume until it finishes. Afterwards metrics.jsonl has each epoch once, equal to an uninterrupted run's, no
// temporary files are left, and the final weights are bit-identical to the uninterrupted run's. A torn last metrics
// line (a write cut short) is repaired on resume.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, watch } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as torch from '../src/index.js';
import { tinyCifar } from './helpers/cifar.js';
import { rng } from './helpers/hostile-images.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'tstorch-kill-'));
test.after(() => rmSync(work, { recursive: true, force: true }));
const data = tinyCifar(work, 16, 16);
const EPOCHS = 4;
const args = (out: string, resume: boolean): string[] => ['--import', 'tsx', join(root, 'src/cli/main.ts'), 'train', 'lenet', '--data', data,
  '--epochs', String(EPOCHS), '--batch-size', '8', '--max-test', '16', '--threads', '1', '--seed', '3', '--log-every', '0', '--out', out,
  ...(resume ? ['--resume'] : [])];

type Strategy = 'random' | 'checkpoint-write' | 'after-metrics';

/** Runs the command; kills it per the strategy. Resolves with how it ended. */
function attempt(out: string, resume: boolean, strategy: Strategy | null, delayMs: number): Promise<{ killed: boolean; code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args(out, resume), { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    let killed = false;
    const kill = (): void => { if (!killed && child.exitCode === null) { killed = child.kill('SIGKILL'); } };
    let timer: NodeJS.Timeout | undefined;
    const watcher = strategy === 'checkpoint-write' || strategy === 'after-metrics' ? watch(out, (event, name) => {
      if (strategy === 'checkpoint-write' && name !== null && /^\.(last|best)\.pth\..*\.tmp$/.test(name)) kill();
      if (strategy === 'after-metrics' && event === 'change' && name === 'metrics.jsonl') kill();
    }) : undefined;
    if (strategy === 'random') timer = setTimeout(kill, delayMs);
    child.on('exit', (code) => {
      watcher?.close();
      if (timer !== undefined) clearTimeout(timer);
      resolve({ killed, code, stderr });
    });
  });
}

interface Metric { epoch: number; trainLoss: number; trainAccuracy: number; testLoss: number; testAccuracy: number; lr: number }
const metricsOf = (out: string): Metric[] => readFileSync(join(out, 'metrics.jsonl'), 'utf8').split('\n').filter((l) => l !== '')
  .map((l) => JSON.parse(l) as Metric).map(({ epoch, trainLoss, trainAccuracy, testLoss, testAccuracy, lr }) => ({ epoch, trainLoss, trainAccuracy, testLoss, testAccuracy, lr }));
const weightsOf = (p: string): Record<string, Buffer> => {
  const ck = torch.load(p) as { model?: Record<string, torch.Tensor> };
  const sd = (ck.model ?? ck) as Record<string, torch.Tensor>;
  return Object.fromEntries(Object.entries(sd).map(([k, t]) => [k, Buffer.from(t.contiguous().toBytes())]));
};

test('train killed with SIGKILL at random points and during checkpoint writes resumes to the uninterrupted run\'s metrics and bit-identical weights', { timeout: 900_000 }, async () => {
  const reference = join(work, 'reference');
  mkdirSync(reference);
  const ref = await attempt(reference, false, null, 0);
  assert.equal(ref.code, 0, ref.stderr);
  const refMetrics = metricsOf(reference);
  assert.deepEqual(refMetrics.map((m) => m.epoch), [1, 2, 3, 4]);

  const run = join(work, 'killed');
  mkdirSync(run);
  const r = rng(Number(process.env.TSTORCH_FUZZ_SEED ?? 7));
  const plan: Strategy[] = ['checkpoint-write', 'after-metrics', 'random', 'checkpoint-write', 'random', 'after-metrics', 'random', 'checkpoint-write'];
  const kills: Record<Strategy, number> = { random: 0, 'checkpoint-write': 0, 'after-metrics': 0 };
  let done = false, tornRepaired = false;
  for (let i = 0; i < 40 && !done; i++) {
    const strategy = plan[i] ?? null; // after the plan, runs are left to finish
    const resume = existsSync(join(run, 'last.pth'));
    // once, a torn last metrics line, as a write cut short would leave it
    if (resume && !tornRepaired && i >= 2) {
      appendFileSync(join(run, 'metrics.jsonl'), '{"epoch": 9, "trainLo');
      tornRepaired = true;
    }
    const res = await attempt(run, resume, strategy, 1500 + Math.floor(r() * 4000));
    if (res.killed) { kills[strategy!]++; continue; }
    assert.equal(res.code, 0, `attempt ${i} (${resume ? 'resumed' : 'fresh'}): ${res.stderr}`);
    done = true;
  }
  assert.ok(done, 'the run finished');
  assert.ok(tornRepaired, 'a torn metrics line was resumed over');
  for (const s of Object.keys(kills) as Strategy[]) assert.ok(kills[s] >= 1, `at least one kill by ${s}: ${JSON.stringify(kills)}`);
  // consistent metrics: each epoch once, the uninterrupted run's numbers
  assert.deepEqual(metricsOf(run), refMetrics);
  // no leftovers of interrupted writes
  assert.deepEqual(readdirSync(run).filter((n) => n.endsWith('.tmp')), []);
  // bit-identical final weights, and the same best weights
  assert.deepEqual(weightsOf(join(run, 'last.pth')), weightsOf(join(reference, 'last.pth')));
  assert.deepEqual(weightsOf(join(run, 'best.pth')), weightsOf(join(reference, 'best.pth')));
  if (process.env.TSTORCH_HOSTILE_REPORT === '1') console.log(`kills: ${JSON.stringify(kills)}`);
});
