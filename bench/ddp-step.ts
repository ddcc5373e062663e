// DistributedDataParallel step time, 2 ranks, tstorch vs PyTorch: ResNet18 (10 classes) on CIFAR-10 batches
// of 32 per rank, SGD with momentum, one thread per rank, the ranks on 127.0.0.1. The same job as the DDP
// parity tests (test/helpers/ddp-worker.ts and ddp_reference.py, which also prove the two runs compute the
// same bits). A step is zeroGrad, forward, loss, backward (with the bucket allreduces) and the optimizer
// step; the first 3 steps (warm-up, the bucket rebuild) are left out. Rounds alternate between a tstorch
// world and a PyTorch world; medians of every timed step of rank 0, and each round's ratio of medians.
//
// --paired: each round starts a tstorch world and a PyTorch world at once and hands steps between them (step k of
// one world, then step k of the other, who goes first alternating), so that both sample the same minutes of a shared
// machine whose speed drifts; a waiting world's ranks, and this script, sleep 5 ms between polls. The ratio is then of
// steps taken seconds apart rather than of worlds taken a minute apart. (A poll costs about 70 us of CPU in Node and in
// Python: at 1 ms, the two idle ranks and this script took about 18 % of a core from the world taking its step.)
//
//   node --import tsx bench/ddp-step.ts [--data ../shared/data/cifar-10-batches-bin] [--steps 15] [--batch 32] [--rounds 3] [--ranks 2] [--paired]
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { median } from './stats.js';
import { runWorld, takeTurn } from './distributed-world.js';
import type { Turns } from '../test/helpers/ddp-worker.js';

const arg = (name: string, def: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : def;
};
const data = arg('data', process.env.TSTORCH_DATA ? join(process.env.TSTORCH_DATA, 'cifar-10-batches-bin') : '../shared/data/cifar-10-batches-bin');
const steps = Number(arg('steps', '15'));
const batch = Number(arg('batch', '32'));
const rounds = Number(arg('rounds', '3'));
const ranks = Number(arg('ranks', '2')); // 1: the same step with DDP's bookkeeping but no peer to wait for
const paired = process.argv.includes('--paired');
const WARMUP = 3;
const script = { ts: 'test/helpers/ddp-worker.ts', py: 'test/helpers/ddp_reference.py' };

const times: Record<'tstorch' | 'pytorch', number[]> = { tstorch: [], pytorch: [] };
// rank 0's process CPU time per step (every thread, Gloo's included): less moved by other jobs than wall time
const cpu: Record<'tstorch' | 'pytorch', number[]> = { tstorch: [], pytorch: [] };
type Phases = { forward: number; backward: number; step: number };
const phases: Record<'tstorch' | 'pytorch', Phases[]> = { tstorch: [], pytorch: [] };
// each world's median step: a round's two worlds ran back to back, so their ratio is less moved by the machine's drift
const perRound: Record<'tstorch' | 'pytorch', number[]> = { tstorch: [], pytorch: [] };
const load = [loadavg()[0]!];
// --paired: the polling interval of this script and of the waiting ranks (passed to them as turns.pollMs)
const POLL_MS = 5;
// --paired: lets the worlds take steps in turn through marker files (test/helpers/ddp-worker.ts's `turns`)
async function handTurns(dir: string, order: ('tstorch' | 'pytorch')[]): Promise<void> {
  for (let step = 0; step < steps; step++) {
    for (const kind of step % 2 ? [...order].reverse() : order) await takeTurn(dir, kind, String(step), ranks, POLL_MS);
  }
}
function collect(kind: 'tstorch' | 'pytorch', out: string): void {
  const rank0 = JSON.parse(readFileSync(join(out, 'rank0.json'), 'utf8')) as { times: number[]; cpuTimes: number[]; phases: Phases[] };
  times[kind].push(...rank0.times.slice(WARMUP));
  perRound[kind].push(median(rank0.times.slice(WARMUP)));
  phases[kind].push(...rank0.phases.slice(WARMUP));
  cpu[kind].push(...rank0.cpuTimes.slice(WARMUP));
  rmSync(out, { recursive: true, force: true });
}
// a worker's config (test/helpers/ddp-worker.ts's Config, read by ddp_reference.py too)
const cfgOf = (out: string, turns?: Turns): string =>
  JSON.stringify({ data, out, steps, batch, lr: 0.01, momentum: 0.9, seed: 1, model: 'resnet18', turns });
for (let r = 0; r < rounds; r++) {
  const order: ('tstorch' | 'pytorch')[] = r % 2 ? ['tstorch', 'pytorch'] : ['pytorch', 'tstorch'];
  if (paired) {
    const dir = mkdtempSync(join(tmpdir(), 'tstorch-ddp-turns-'));
    const outs = order.map(() => mkdtempSync(join(tmpdir(), 'tstorch-ddp-bench-')));
    try {
      await Promise.all([
        ...order.map((kind, i) => runWorld(kind, ranks, script, [cfgOf(outs[i]!, { dir, world: kind, pollMs: POLL_MS })])),
        handTurns(dir, order),
      ]);
      order.forEach((kind, i) => collect(kind, outs[i]!));
    } finally {
      // also what tells the other world's waiting ranks, and handTurns, to stop when one world failed
      for (const d of [dir, ...outs]) rmSync(d, { recursive: true, force: true });
    }
  } else {
    for (const kind of order) {
      const out = mkdtempSync(join(tmpdir(), 'tstorch-ddp-bench-'));
      await runWorld(kind, ranks, script, [cfgOf(out)]);
      collect(kind, out);
    }
  }
  load.push(loadavg()[0]!);
}
const ts = median(times.tstorch), py = median(times.pytorch);
console.log(`load average during the run: ${load.map((l) => l.toFixed(1)).join(', ')}`);
const tsCpu = median(cpu.tstorch), pyCpu = median(cpu.pytorch);
console.log('| ranks | batch per rank | tstorch s/step (img/s) | PyTorch s/step (img/s) | tstorch speed / PyTorch | CPU s/step tstorch / PyTorch | CPU ratio |');
console.log('|---|---|---|---|---|---|---|');
console.log(`| ${ranks} | ${batch} | ${ts.toFixed(3)} (${((ranks * batch) / ts).toFixed(0)}) | ${py.toFixed(3)} (${((ranks * batch) / py).toFixed(0)}) | ${(py / ts).toFixed(2)} | ${tsCpu.toFixed(3)} / ${pyCpu.toFixed(3)} | ${(pyCpu / tsCpu).toFixed(2)} |`);
const roundRatios = perRound.pytorch.map((p, r) => p / perRound.tstorch[r]!);
console.log(`\nround ratios (PyTorch / tstorch median step): ${roundRatios.map((x) => x.toFixed(2)).join(', ')}; median ${median(roundRatios).toFixed(2)}, tstorch ahead in ${roundRatios.filter((x) => x >= 1).length} of ${roundRatios.length}`);
// Where a step's time goes (medians over steps, ms): the rest is zeroGrad and the batch's indexing
console.log('\n| phase (median ms) | tstorch | PyTorch |\n|---|---|---|');
for (const p of ['forward', 'backward', 'step'] as const) {
  const ms = (k: 'tstorch' | 'pytorch'): string => (1000 * median(phases[k].map((x) => x[p]))).toFixed(1);
  console.log(`| ${p === 'backward' ? 'backward (with the allreduces)' : p === 'step' ? 'optimizer step' : 'forward (with the loss)'} | ${ms('tstorch')} | ${ms('pytorch')} |`);
}
mkdirSync('bench/out', { recursive: true });
writeFileSync(`bench/out/ddp-step${paired ? '-paired' : ''}.json`, JSON.stringify({ ranks, batch, steps, paired, load, times, cpu, phases, perRound }, null, 2));
