// Allreduce bandwidth between two local processes, tstorch vs PyTorch (both on libtorch's ProcessGroupGloo):
// float32 SUM allreduces of 25 MB and 100 MB, each timed between barriers after about a second of warm-up calls
// (max(3, ceil(1250 / MB)) on both sides, so that no timed call overlaps the end of a rank's start-up: a tstorch
// rank's V8 goes on compiling and collecting in the background for a while, on the same two cores); rounds
// alternate between a tstorch world and a PyTorch world; medians of every timed call, and each round's ratio of
// medians (the two worlds of a round ran back to back).
//
//   node --import tsx bench/allreduce.ts [--sizes 25,100] [--iters 10] [--rounds 3]
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { median } from './stats.js';
import { runWorld } from './distributed-world.js';

const arg = (name: string, def: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : def;
};
const sizes = arg('sizes', '25,100');
const iters = arg('iters', '10');
const rounds = Number(arg('rounds', '3'));
const script = { ts: 'bench/allreduce-worker.ts', py: 'bench/pytorch/allreduce.py' };

const times: Record<'tstorch' | 'pytorch', Record<string, number[]>> = { tstorch: {}, pytorch: {} };
// Each round's median per side and size: the machine's speed drifts between rounds (other jobs on the two
// cores), so each round's ratio compares two worlds that ran back to back, and their median is the steadier figure.
const perRound: Record<'tstorch' | 'pytorch', Record<string, number[]>> = { tstorch: {}, pytorch: {} };
const load = [loadavg()[0]!];
for (let r = 0; r < rounds; r++) {
  const order: ('tstorch' | 'pytorch')[] = r % 2 ? ['tstorch', 'pytorch'] : ['pytorch', 'tstorch'];
  for (const kind of order) {
    const got = JSON.parse(await runWorld(kind, 2, script, [sizes, iters])) as Record<string, number[]>;
    for (const [mb, ts] of Object.entries(got)) {
      (times[kind][mb] ??= []).push(...ts);
      (perRound[kind][mb] ??= []).push(median(ts));
    }
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
writeFileSync('bench/out/allreduce.json', JSON.stringify({ rows, load, times, perRound }, null, 2));
