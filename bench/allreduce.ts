// Allreduce bandwidth between two local processes, tstorch vs PyTorch (both on libtorch's ProcessGroupGloo):
// float32 SUM allreduces of 25 MB and 100 MB, each timed between barriers after about a second of warm-up calls
// (max(3, ceil(1250 / MB)) on both sides, so that no timed call overlaps the end of a rank's start-up: a tstorch
// rank's V8 goes on compiling and collecting in the background for a while, on the same two cores); rounds
// alternate between a tstorch world and a PyTorch world; medians of every timed call, and each round's ratio of
// medians (the two worlds of a round ran back to back).
//
// --paired: the two worlds of a round run at once and take turns through marker files, as bench/ddp-step.ts
// --paired does for training steps: each size's warm-up in one world and then the other, then timed call i in
// one world and then in the other, the order swapped every call. Worlds run back to back sample different
// minutes of this machine, and rounds spread by 0.83-1.10 that way; paired, both sides sample the same seconds.
//
//   node --import tsx bench/allreduce.ts [--sizes 25,100] [--iters 10] [--rounds 3] [--paired]
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { median } from './stats.js';
import { runWorld, takeTurn } from './distributed-world.js';

const arg = (name: string, def: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : def;
};
const sizes = arg('sizes', '25,100');
const iters = arg('iters', '10');
const rounds = Number(arg('rounds', '3'));
const paired = process.argv.includes('--paired');
const script = { ts: 'bench/allreduce-worker.ts', py: 'bench/pytorch/allreduce.py' };

const times: Record<'tstorch' | 'pytorch', Record<string, number[]>> = { tstorch: {}, pytorch: {} };
// Each round's median per side and size: the machine's speed drifts between rounds (other jobs on the two
// cores), so each round's ratio compares two worlds that ran back to back, and their median is the steadier figure.
const perRound: Record<'tstorch' | 'pytorch', Record<string, number[]>> = { tstorch: {}, pytorch: {} };
const load = [loadavg()[0]!];
type Kind = 'tstorch' | 'pytorch';
function record(kind: Kind, stdout: string): void {
  const got = JSON.parse(stdout) as Record<string, number[]>;
  for (const [mb, ts] of Object.entries(got)) {
    (times[kind][mb] ??= []).push(...ts);
    (perRound[kind][mb] ??= []).push(median(ts));
  }
}
// --paired: the polling interval of this script and of the waiting ranks
const POLL_MS = 5;
// --paired: hands each world its turns (the workers' `go-` / `done-` files, bench/allreduce-worker.ts)
async function handTurns(dir: string, order: Kind[]): Promise<void> {
  for (const label of sizes.split(',')) {
    for (const kind of order) await takeTurn(dir, kind, `${label}-warm`, 2, POLL_MS);
    for (let i = 0; i < Number(iters); i++) {
      for (const kind of i % 2 ? [...order].reverse() : order) await takeTurn(dir, kind, `${label}-${i}`, 2, POLL_MS);
    }
  }
}
for (let r = 0; r < rounds; r++) {
  const order: Kind[] = r % 2 ? ['tstorch', 'pytorch'] : ['pytorch', 'tstorch'];
  if (paired) {
    const dir = mkdtempSync(join(tmpdir(), 'tstorch-allreduce-turns-'));
    try {
      const [outs] = await Promise.all([
        Promise.all(order.map((kind) => runWorld(kind, 2, script, [sizes, iters, JSON.stringify({ dir, world: kind, pollMs: POLL_MS })]))),
        handTurns(dir, order),
      ]);
      order.forEach((kind, i) => record(kind, outs[i]!));
    } finally {
      // also what tells the other world's waiting ranks, and handTurns, to stop when one world failed
      rmSync(dir, { recursive: true, force: true });
    }
  } else {
    for (const kind of order) record(kind, await runWorld(kind, 2, script, [sizes, iters]));
  }
  load.push(loadavg()[0]!);
}
const rows = sizes.split(',').map((mb) => {
  const ts = median(times.tstorch[mb]!), py = median(times.pytorch[mb]!);
  const roundRatios = perRound.pytorch[mb]!.map((p, r) => p / perRound.tstorch[mb]![r]!);
  return {
    mb: Number(mb), tstorchMs: ts * 1000, pytorchMs: py * 1000, tstorchGBs: Number(mb) / 1000 / ts, pytorchGBs: Number(mb) / 1000 / py, ratio: py / ts,
    roundRatios, medianRoundRatio: median(roundRatios), roundsAhead: roundRatios.filter((x) => x >= 1).length,
  };
});
console.log(`load average during the run: ${load.map((l) => l.toFixed(1)).join(', ')}`);
console.log('| size | tstorch ms (GB/s) | PyTorch ms (GB/s) | tstorch speed / PyTorch | median of round ratios (rounds tstorch ahead) | round ratios |');
console.log('|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(`| ${r.mb} MB | ${r.tstorchMs.toFixed(1)} (${r.tstorchGBs.toFixed(2)}) | ${r.pytorchMs.toFixed(1)} (${r.pytorchGBs.toFixed(2)}) | ${r.ratio.toFixed(2)} | ` +
    `${r.medianRoundRatio.toFixed(2)} (${r.roundsAhead} of ${r.roundRatios.length}) | ${r.roundRatios.map((x) => x.toFixed(2)).join(', ')} |`);
}
mkdirSync('bench/out', { recursive: true });
writeFileSync(`bench/out/allreduce${paired ? '-paired' : ''}.json`, JSON.stringify({ paired, rows, load, times, perRound }, null, 2));
