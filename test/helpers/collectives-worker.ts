// One rank of the collectives test (test/distributed-collectives.test.ts): every torch.distributed collective
// in a fixed order, with inputs that depend on the rank, results as JSON in <out>/rank<r>.json. Its twin
// test/helpers/collectives_worker.py does the same calls in PyTorch, so ranks of both kinds form one world.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as torch from '../../src/index.js';

const dist = torch.distributed;
const out = process.argv[2]!;
const results: Record<string, unknown> = {};
const list = (t: torch.Tensor): number[] => Array.from(t.dataSync() as ArrayLike<number | bigint>, Number);

/** The c10d part of an error (tstorch prefixes the collective, group and rank). */
function errorOf(f: () => unknown): { error: string } {
  try {
    f();
  } catch (e) {
    const m = (e as Error).message;
    return { error: m.includes(' failed: ') ? m.slice(m.indexOf(' failed: ') + 9) : m };
  }
  return { error: 'no error' };
}

async function main(): Promise<void> {
  await dist.initProcessGroup({ backend: 'gloo', timeout: 60_000 });
  const r = dist.getRank();
  const w = dist.getWorldSize();
  results.rank = r;
  results.world = w;
  results.isInitialized = dist.isInitialized();
  results.backend = dist.getBackend();

  let t = torch.tensor([r + 1, 2 * (r + 1)]);
  dist.allReduce(t);
  results.allReduceSum = list(t);
  for (const op of ['PRODUCT', 'MIN', 'MAX'] as const) {
    t = torch.tensor([r + 2, 0 - r]); // 0 - r: never -0 (Python's -r of an int)
    dist.allReduce(t, { op: dist.ReduceOp[op] });
    results[`allReduce${op}`] = list(t);
  }
  for (const op of ['BAND', 'BOR', 'BXOR'] as const) {
    t = torch.tensor([BigInt(r + 1), BigInt(3 * r + 5)], { dtype: 'int64' });
    dist.allReduce(t, { op: dist.ReduceOp[op] });
    results[`allReduce${op}`] = list(t);
  }
  results.allReduceAVG = errorOf(() => dist.allReduce(torch.ones([2]), { op: dist.ReduceOp.AVG }));

  t = r === w - 1 ? torch.tensor([7, 8, 9]) : torch.zeros([3]);
  dist.broadcast(t, w - 1);
  results.broadcast = list(t);

  t = torch.tensor([r + 1]);
  dist.reduce(t, 1, { op: dist.ReduceOp.SUM });
  if (r === 1) results.reduce = list(t);

  const gathered = Array.from({ length: w }, () => torch.zeros([2]));
  dist.allGather(gathered, torch.tensor([r, r * 10]));
  results.allGather = gathered.map(list);

  // Gloo has no _allgather_base in PyTorch 1.13: the same error on both sides.
  results.allGatherIntoTensor = errorOf(() => dist.allGatherIntoTensor(torch.zeros([2 * w]), torch.tensor([r, -r])));

  const gl = r === 0 ? Array.from({ length: w }, () => torch.zeros([1])) : null;
  dist.gather(torch.tensor([r * 3]), { gatherList: gl, dst: 0 });
  if (r === 0) results.gather = gl!.map(list);

  t = torch.zeros([1]);
  dist.scatter(t, { scatterList: r === 0 ? Array.from({ length: w }, (_, i) => torch.tensor([i * 100 + 1])) : null, src: 0 });
  results.scatter = list(t);

  results.reduceScatter = errorOf(() => dist.reduceScatter(torch.zeros([1]), Array.from({ length: w }, () => torch.ones([1]))));

  const a2aOut = torch.zeros([w]);
  dist.allToAllSingle(a2aOut, torch.arange(w).float().add(r * 10));
  results.allToAllSingle = list(a2aOut);

  const n = (w * (w + 1)) / 2;
  const uneven = torch.zeros([w * (r + 1)]);
  dist.allToAllSingle(uneven, torch.arange(n).float().add(r * 100), {
    outputSplitSizes: Array.from({ length: w }, () => r + 1), inputSplitSizes: Array.from({ length: w }, (_, j) => j + 1),
  });
  results.allToAllSingleUneven = list(uneven);

  results.allToAll = errorOf(() => dist.allToAll(Array.from({ length: w }, () => torch.zeros([1])), Array.from({ length: w }, () => torch.ones([1]))));

  // A ring: send to the next rank, receive from the previous one.
  const recvd = torch.zeros([1]);
  const sendWork = dist.isend(torch.tensor([r * 1.5]), (r + 1) % w, { tag: 3 });
  const from = dist.recv(recvd, { src: (r - 1 + w) % w, tag: 3 });
  sendWork!.waitSync();
  results.ring = { from, value: list(recvd) };

  // Receive from any source on rank 0.
  if (r === 0) {
    const got: [number, number][] = [];
    for (let k = 1; k < w; k++) {
      const b = torch.zeros([1]);
      const src = dist.recv(b, { tag: 5 });
      got.push([src, list(b)[0]!]);
    }
    results.recvAny = got.sort((x, y) => x[0] - y[0]);
  } else {
    dist.send(torch.tensor([r + 0.25]), 0, { tag: 5 });
  }

  dist.barrier();
  t = torch.tensor([r]);
  const work = dist.allReduce(t, { asyncOp: true })!;
  results.asyncWait = await work.wait();
  results.asyncResult = list(t);

  const pair = await dist.newGroup([0, w - 1]);
  if (pair instanceof dist.ProcessGroup) {
    t = torch.tensor([r + 1]);
    dist.allReduce(t, { group: pair });
    results.pairGroup = { rank: dist.getRank(pair), size: dist.getWorldSize(pair), sum: list(t) };
  } else {
    results.pairGroup = { rank: dist.getRank(pair), size: dist.getWorldSize(pair) };
  }
  const all = await dist.newGroup();
  t = r === 1 ? torch.tensor([42]) : torch.zeros([1]);
  dist.broadcast(t, 1, { group: all as torch.distributed.ProcessGroup });
  results.allGroupBroadcast = list(t);

  const objs: torch.distributed.JsonValue[] = r === 0 ? [{ a: 1, b: [1, 2, 'x'] }, 'str', 3.5, null, true] : [null, null, null, null, null];
  dist.broadcastObjectList(objs, { src: 0 });
  results.broadcastObjectList = objs;
  const everyone: torch.distributed.JsonValue[] = Array.from({ length: w }, () => null);
  dist.allGatherObject(everyone, { rank: r, name: 'x'.repeat(r + 1) });
  results.allGatherObject = everyone;
  const atZero: torch.distributed.JsonValue[] | null = r === 0 ? Array.from({ length: w }, () => null) : null;
  dist.gatherObject([r, `rank ${r}`], { objectGatherList: atZero, dst: 0 });
  if (r === 0) results.gatherObject = atZero;

  dist.monitoredBarrier({ timeout: 60_000 });
  results.done = true;
  writeFileSync(join(out, `rank${r}.json`), JSON.stringify(results));
  dist.destroyProcessGroup();
  results.isInitializedAfterDestroy = dist.isInitialized();
}

main().catch((e) => {
  console.error(e instanceof Error ? e.stack ?? e.message : e);
  process.exit(1);
});
