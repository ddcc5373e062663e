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
const EPOCHS = 6;
const args = (out: string, resume: boolean): string[] => ['--import', 'tsx', join(root, 'src/cli/main.ts'), 'train', 'lenet', '--data', data,
  '--epochs', String(EPOCHS), '--batch-size', '8', '--max-test', '16', '--threads', '1', '--seed', '3', '--log-every', '0', '--out', out,
  ...(resume ? ['--resume'] : [])];

type Strategy = 'random' | 'writing-last' | 'writing-best' | 'after-metrics';

/**
 * Runs the command and kills it on the strategy's event. 'random' kills after `delay.ms`, counted from the start, or,
 * with `delay.afterEpoch`, from the end of the attempt's first epoch (a random point of the next one, so that one
 * attempt never runs to the end). Resolves with what killed it (null: it ended by itself, which happens when the
 * event never comes, e.g. no better accuracy to save).
 */
function attempt(out: string, resume: boolean, strategy: Strategy | null, delay: { ms: number; afterEpoch: boolean }): Promise<{ killed: Strategy | null; code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args(out, resume), { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    let killed: Strategy | null = null;
    const kill = (by: Strategy = strategy!): void => { if (killed === null && child.exitCode === null && child.kill('SIGKILL')) killed = by; };
    let timer: NodeJS.Timeout | undefined;
    // while a checkpoint is written: as soon as its temporary file appears
    const watcher = strategy !== null ? watch(out, (event, name) => {
      if (strategy === 'writing-last' && name !== null && /^\.last\.pth\..*\.tmp$/.test(name)) kill();
      if (strategy === 'writing-best' && name !== null && /^\.best\.pth\..*\.tmp$/.test(name)) kill();
      if (strategy === 'after-metrics' && event === 'change' && name === 'metrics.jsonl') kill();
      if (strategy === 'random' && delay.afterEpoch && timer === undefined && event === 'change' && name === 'metrics.jsonl') {
        timer = setTimeout(() => kill('random'), delay.ms);
      }
    }) : undefined;
    // the event strategies wait for their event; random ones for the delay
    if (strategy === 'random' && !delay.afterEpoch) timer = setTimeout(() => kill('random'), delay.ms);
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

// TSTORCH_HEAVY_TESTS=1 repeats the kills with more seeds
const SEEDS = process.env.TSTORCH_HEAVY_TESTS === '1' ? [7, 11, 13, 17, 19] : [Number(process.env.TSTORCH_FUZZ_SEED ?? 7)];

test('train killed with SIGKILL at random points and during checkpoint writes resumes to the uninterrupted run\'s metrics and bit-identical weights', { timeout: 1_800_000 }, async () => {
  for (const seed of SEEDS) await killAndResume(seed);
});

async function killAndResume(seed: number): Promise<void> {
  const reference = join(work, `reference-${seed}`);
  mkdirSync(reference);
  // how long the uninterrupted run takes to start (its first metrics line) and to finish
  const t0 = performance.now();
  let firstEpochMs = 0;
  const w = watch(reference, (event, name) => { if (name === 'metrics.jsonl' && event === 'change' && firstEpochMs === 0) firstEpochMs = performance.now() - t0; });
  const ref = await attempt(reference, false, null, { ms: 0, afterEpoch: false });
  const runMs = performance.now() - t0;
  w.close();
  assert.equal(ref.code, 0, ref.stderr);
  assert.ok(firstEpochMs > 0);
  const refMetrics = metricsOf(reference);
  assert.deepEqual(refMetrics.map((m) => m.epoch), [1, 2, 3, 4, 5, 6]);

  const run = join(work, `killed-${seed}`);
  mkdirSync(run);
  const r = rng(seed);
  // kills while writing a checkpoint or right after a metrics line make no progress; random ones move it on a little
  const plan: Strategy[] = ['writing-best', 'random', 'writing-last', 'random', 'after-metrics', 'random', 'writing-last', 'random', 'after-metrics', 'random'];
  const kills: Record<Strategy, number> = { random: 0, 'writing-last': 0, 'writing-best': 0, 'after-metrics': 0 };
  let done = false, tornRepaired = false, resumes = 0;
  for (let i = 0; i < 40 && !done; i++) {
    const strategy = plan[i] ?? null; // after the plan, runs are left to finish
    const resume = existsSync(join(run, 'last.pth'));
    if (resume) resumes++;
    // once, a torn last metrics line, as a write cut short would leave it
    if (resume && !tornRepaired && existsSync(join(run, 'metrics.jsonl'))) {
      appendFileSync(join(run, 'metrics.jsonl'), '{"epoch": 9, "trainLo');
      tornRepaired = true;
    }
    // random kills: half during start-up and the first epoch, half somewhere in the epoch after the attempt's first
    // one (only while two epochs or more remain: with one left, the run could end before the kill)
    const linesSoFar = existsSync(join(run, 'metrics.jsonl')) ? readFileSync(join(run, 'metrics.jsonl'), 'utf8').split('\n').filter((l) => l.endsWith('}')).length : 0;
    const afterEpoch = r() < 0.5 && EPOCHS - linesSoFar >= 2;
    const ms = afterEpoch ? r() * (runMs - firstEpochMs) / EPOCHS : (0.3 + 0.7 * r()) * firstEpochMs;
    const res = await attempt(run, resume, strategy, { ms: Math.floor(ms), afterEpoch });
    if (process.env.TSTORCH_HOSTILE_REPORT === '1') {
      const epochs = existsSync(join(run, 'metrics.jsonl')) ? readFileSync(join(run, 'metrics.jsonl'), 'utf8').trim().split('\n').length : 0;
      console.log(`attempt ${i}: ${resume ? 'resume' : 'fresh'}, ${strategy ?? 'to the end'}: ${res.killed !== null ? `killed (${res.killed})` : `exit ${res.code}`}, metrics lines ${epochs}`);
    }
    if (res.killed !== null) { kills[res.killed]++; continue; }
    assert.equal(res.code, 0, `attempt ${i} (${resume ? 'resumed' : 'fresh'}): ${res.stderr}`);
    done = true;
  }
  assert.ok(done, 'the run finished');
  assert.ok(tornRepaired, 'a torn metrics line was resumed over');
  assert.ok(resumes >= 2, `${resumes} resumed runs`);
  // every kind of kill happened (a best.pth is written only when the accuracy improves, so that one may not)
  for (const s of ['random', 'writing-last', 'after-metrics'] as const) assert.ok(kills[s] >= 1, `at least one kill by ${s}: ${JSON.stringify(kills)}`);
  // consistent metrics: each epoch once, the uninterrupted run's numbers
  assert.deepEqual(metricsOf(run), refMetrics);
  // no leftovers of interrupted writes
  assert.deepEqual(readdirSync(run).filter((n) => n.endsWith('.tmp')), []);
  // bit-identical final weights, and the same best weights
  assert.deepEqual(weightsOf(join(run, 'last.pth')), weightsOf(join(reference, 'last.pth')));
  assert.deepEqual(weightsOf(join(run, 'best.pth')), weightsOf(join(reference, 'best.pth')));
  if (process.env.TSTORCH_HOSTILE_REPORT === '1') console.log(`seed ${seed}: kills ${JSON.stringify(kills)}, ${resumes} resumed runs`);
}
