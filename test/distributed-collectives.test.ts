// torch.distributed's collectives between processes: every collective (test/helpers/collectives-worker.ts and
// its PyTorch twin collectives_worker.py) in worlds of 2 and 3 ranks, all tstorch and mixed with PyTorch
// processes (tstorch as rank 0 and as a non-zero rank). Every rank's results must equal the same rank's in
// every other world (so tstorch's equal PyTorch's), and the values what the collective defines. Where Gloo
// in PyTorch 1.13 refuses a collective (AVG, all_gather_into_tensor, reduce_scatter, all_to_all), tstorch
// refuses it with the same c10d message. TSTORCH_HEAVY_TESTS=1 adds the all-PyTorch worlds and more mixes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runWorld, failures, type RankKind } from './helpers/world.js';
import { requirePyTorch } from './helpers/pytorch.js';

const HEAVY = process.env.TSTORCH_HEAVY_TESTS === '1';

type Results = Record<string, any>;

async function world(kinds: RankKind[]): Promise<Results[]> {
  const out = mkdtempSync(join(tmpdir(), 'tstorch-coll-'));
  try {
    const res = await runWorld(kinds, { ts: 'test/helpers/collectives-worker.ts', py: 'test/helpers/collectives_worker.py', args: [out], deadlineMs: 180_000 });
    assert.ok(res.every((r) => r.code === 0), `world ${kinds.join(',')} failed:\n${failures(res)}`);
    // Re-serialised: JSON.stringify writes -0 as 0 (tstorch ranks), Python as -0.0; the zeros are equal.
    return kinds.map((_, i) => JSON.parse(JSON.stringify(JSON.parse(readFileSync(join(out, `rank${i}.json`), 'utf8')))) as Results);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

// What each collective must give on rank r of w (independent of who computes it).
function expected(r: number, w: number): Results {
  const ranks = Array.from({ length: w }, (_, i) => i);
  const sum = (f: (i: number) => number) => ranks.reduce((s, i) => s + f(i), 0);
  const e: Results = {
    rank: r, world: w, isInitialized: true, backend: 'gloo',
    allReduceSum: [sum((i) => i + 1), sum((i) => 2 * (i + 1))],
    allReducePRODUCT: [ranks.reduce((p, i) => p * (i + 2), 1), 0], // 0 * -1 * ... is -0 or 0: equal after JSON
    allReduceMIN: [2, -(w - 1)],
    allReduceMAX: [w + 1, 0],
    allReduceBAND: [ranks.reduce((p, i) => p & (i + 1), -1), ranks.reduce((p, i) => p & (3 * i + 5), -1)],
    allReduceBOR: [ranks.reduce((p, i) => p | (i + 1), 0), ranks.reduce((p, i) => p | (3 * i + 5), 0)],
    allReduceBXOR: [ranks.reduce((p, i) => p ^ (i + 1), 0), ranks.reduce((p, i) => p ^ (3 * i + 5), 0)],
    allReduceAVG: { error: 'Cannot use ReduceOp.AVG with Gloo' },
    broadcast: [7, 8, 9],
    allGather: ranks.map((i) => [i, i * 10]),
    allGatherIntoTensor: { error: 'no support for _allgather_base in Gloo process group' },
    scatter: [r * 100 + 1],
    reduceScatter: { error: 'ProcessGroupGloo does not support reduce_scatter' },
    allToAllSingle: ranks.map((i) => r + i * 10),
    // Rank i sends ranks j its elements r(r+1)/2 .. r(r+1)/2 + r (input i*100 + k).
    allToAllSingleUneven: ranks.flatMap((i) => Array.from({ length: r + 1 }, (_, m) => i * 100 + (r * (r + 1)) / 2 + m)),
    allToAll: { error: 'ProcessGroup gloo does not support alltoall' },
    ring: { from: (r - 1 + w) % w, value: [((r - 1 + w) % w) * 1.5] },
    asyncWait: true,
    asyncResult: [sum((i) => i)],
    pairGroup: r === 0 || r === w - 1 ? { rank: r === 0 ? 0 : 1, size: 2, sum: [1 + w] } : { rank: -1, size: -1 },
    allGroupBroadcast: [42],
    broadcastObjectList: [{ a: 1, b: [1, 2, 'x'] }, 'str', 3.5, null, true],
    allGatherObject: ranks.map((i) => ({ rank: i, name: 'x'.repeat(i + 1) })),
    done: true,
  };
  if (r === 1) e.reduce = [sum((i) => i + 1)];
  if (r === 0) {
    e.gather = ranks.map((i) => [i * 3]);
    e.recvAny = ranks.slice(1).map((i) => [i, i + 0.25]);
    e.gatherObject = ranks.map((i) => [i, `rank ${i}`]);
  }
  return e;
}

function check(worlds: Record<string, Results[]>, w: number): void {
  for (const [name, ranks] of Object.entries(worlds)) {
    ranks.forEach((got, r) => assert.deepEqual(got, expected(r, w), `world ${name}, rank ${r}`));
  }
}

const kindsOf = (s: string): RankKind[] => s.split('').map((c) => (c === 't' ? 'ts' : 'py'));

test('every collective, 2 ranks: all tstorch, tstorch rank 0 + PyTorch rank 1, PyTorch rank 0 + tstorch rank 1', async () => {
  requirePyTorch();
  const names = HEAVY ? ['pp', 'tt', 'tp', 'pt'] : ['tt', 'tp', 'pt'];
  const worlds: Record<string, Results[]> = {};
  for (const n of names) worlds[n] = await world(kindsOf(n));
  check(worlds, 2);
});

test('every collective, 3 ranks: all tstorch, and PyTorch rank 0 between tstorch ranks', async () => {
  requirePyTorch();
  const names = HEAVY ? ['ppp', 'ttt', 'tpt', 'ptp', 'tpp'] : ['ttt', 'ptp'];
  const worlds: Record<string, Results[]> = {};
  for (const n of names) worlds[n] = await world(kindsOf(n));
  check(worlds, 3);
});
