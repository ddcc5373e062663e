// A rank of bench/allreduce.ts: joins the job (env://) and times allreduces (SUM, float32) of each size;
// rank 0 prints {"<MB>": [seconds per allreduce...]} as JSON. Its twin is bench/pytorch/allreduce.py.
//
// With a third argument, {"dir", "world", "pollMs"} as JSON (bench/allreduce.ts --paired), the rank waits for the
// marker file `go-<world>-<MB>-warm` before each size's warm-up and `go-<world>-<MB>-<i>` before timed call i, and
// writes `done-...-<rank>` after each: the bench hands those turns between two worlds that run at once. It stops
// with an error when the folder is gone (the bench stopped), instead of polling forever.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as torch from '../src/index.js';

const [sizesArg, itersArg, turnsArg] = process.argv.slice(2);
const labels = sizesArg!.split(',');
const iters = Number(itersArg);
const turns = turnsArg ? JSON.parse(turnsArg) as { dir: string; world: string; pollMs: number } : null;
const nap = new Int32Array(new SharedArrayBuffer(4));
/** Runs `body` in this world's turn `name` (at once without --paired). */
function inTurn<T>(name: string, body: () => T): T {
  if (!turns) return body();
  while (!existsSync(join(turns.dir, `go-${turns.world}-${name}`))) {
    if (!existsSync(turns.dir)) throw new Error(`allreduce-worker: the turn folder ${turns.dir} is gone (the bench stopped) before turn ${name}`);
    Atomics.wait(nap, 0, 0, turns.pollMs);
  }
  const r = body();
  writeFileSync(join(turns.dir, `done-${turns.world}-${name}-${torch.distributed.getRank()}`), '');
  return r;
}
torch.setNumThreads(1);
await torch.distributed.initProcessGroup({ backend: 'gloo' });
const out: Record<string, number[]> = {};
// turns and results are named by the size as given (its label), as in the Python twin
for (const label of labels) {
  const mb = Number(label);
  const t = torch.ones([Math.round((mb * 1e6) / 4)]);
  // About a second of warm-up calls, the same count on every rank and on both sides (bench/allreduce.ts)
  inTurn(`${label}-warm`, () => {
    for (let i = 0; i < Math.max(3, Math.ceil(1250 / mb)); i++) torch.distributed.allReduce(t);
  });
  const times: number[] = [];
  for (let i = 0; i < iters; i++) {
    inTurn(`${label}-${i}`, () => {
      torch.distributed.barrier();
      const t0 = performance.now();
      torch.distributed.allReduce(t);
      times.push((performance.now() - t0) / 1000);
    });
  }
  out[label] = times;
  t.dispose();
}
if (torch.distributed.getRank() === 0) console.log(JSON.stringify(out));
torch.distributed.destroyProcessGroup();
