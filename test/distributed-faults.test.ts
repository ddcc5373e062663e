// Faults between ranks become JavaScript errors on the surviving ranks, within the group's timeout, naming
// what failed; none aborts Node. Two tstorch ranks (test/helpers/fault-worker.ts) disagree on purpose:
//   - TORCH_DISTRIBUTED_DEBUG=DETAIL: a different collective is caught before it runs, both collectives named;
//   - different sizes: Gloo's transport thread throws (outside any code of ours); the terminate handler of
//     src/native/distributed.cc keeps Node alive and the next wait fails at once with Gloo's message;
//   - a different collective of the same size, a missing peer: an error at the timeout, not a hang;
//   - a peer killed: "Connection closed by peer" at once;
//   - a rank that skips a newGroup: the store-based barrier times out naming its key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runWorld, type RankResult } from './helpers/world.js';

const TIMEOUT = 4000;

async function scenario(name: string, env: Record<string, string> = {}): Promise<RankResult[]> {
  const res = await runWorld(['ts', 'ts'], { ts: 'test/helpers/fault-worker.ts', py: '', args: [name, String(TIMEOUT)], env, deadlineMs: 60_000 });
  for (const r of res) {
    assert.ok(!r.timedOut, `${name}: rank ${r.rank} hung:\n${r.stdout}\n${r.stderr}`);
    assert.ok(r.signal === null || (name === 'dead-peer' && r.rank === 1), `${name}: rank ${r.rank} died of ${r.signal}:\n${r.stderr}`);
  }
  return res;
}

/** "caught after N ms: message" of a rank. */
function caught(r: RankResult): { ms: number; message: string } {
  const m = /caught after (\d+) ms: (.*)/.exec(r.stdout);
  assert.ok(m, `rank ${r.rank} caught no error:\n${r.stdout}\n${r.stderr}`);
  return { ms: Number(m[1]), message: m[2]! };
}

test('TORCH_DISTRIBUTED_DEBUG=DETAIL: a rank running a different collective gets an error naming both collectives', async () => {
  const [r0, r1] = await scenario('different-collective', { TORCH_DISTRIBUTED_DEBUG: 'DETAIL' });
  assert.match(caught(r0!).message, /allReduce on process group 0 \(rank 0 of 2\) failed: Detected mismatch between collectives on ranks\. Rank 0 is running collective: CollectiveFingerPrint\(OpType=ALLREDUCE.*but Rank 1 is running collective: CollectiveFingerPrint\(OpType=BROADCAST/);
  assert.match(caught(r1!).message, /broadcast on process group 0 \(rank 1 of 2\) failed: Detected mismatch between collectives on ranks\. Rank 1 is running collective: CollectiveFingerPrint\(OpType=BROADCAST/);
});

test("different sizes: Gloo's transport thread fails, Node does not abort, the collective fails at once with Gloo's message", async () => {
  const [r0, r1] = await scenario('different-sizes');
  const failed = [r0!, r1!].find((r) => /transport thread failed/.test(r.stdout))!;
  assert.ok(failed, `no rank saw the transport failure:\n${r0!.stdout}\n${r1!.stdout}`);
  assert.match(caught(failed).message, /allReduce on process group 0 \(rank \d of 2\) failed: Gloo's transport thread failed earlier \(a peer ran a different collective\?\): \[enforce fail at .*pair\.cc:\d+\] op\.preamble\.length <= op\.nbytes\. 4096 vs 16/);
  assert.match(failed.stderr, /tstorch: a Gloo transport thread failed/);
  assert.ok(caught(failed).ms < TIMEOUT, 'well before the timeout');
  const other = failed === r0 ? r1! : r0!;
  assert.match(caught(other).message, /allReduce on process group 0 \(rank \d of 2\) failed: /);
  assert.equal(failed.code, 0, 'the process ended normally after the error');
});

test('a different collective of the same size, and a missing peer: errors at the timeout, not hangs', async () => {
  // Whichever rank times out first exits; the other then sees its connection close (or times out too).
  const ranks = await scenario('different-collective');
  ranks.forEach((r, i) => {
    const c = caught(r);
    assert.match(c.message, new RegExp(`${i === 0 ? 'allReduce' : 'broadcast'} on process group 0 \\(rank ${i} of 2\\) failed: .*(Timed out waiting ${TIMEOUT}ms|Connection (closed|reset) by peer)`));
    assert.ok(c.ms < 2 * TIMEOUT, `rank ${i} failed after ${c.ms} ms`);
  });
  assert.ok(ranks.some((r) => new RegExp(`Timed out waiting ${TIMEOUT}ms`).test(caught(r).message)), 'one rank timed out');
  const [r0] = await scenario('missing-peer');
  assert.match(caught(r0!).message, new RegExp(`allReduce on process group 0 \\(rank 0 of 2\\) failed: .*Timed out waiting ${TIMEOUT}ms for recv`));
});

test('a peer that dies: the next collective fails at once saying the connection was closed', async () => {
  const [r0, r1] = await scenario('dead-peer');
  assert.equal(r1!.signal, 'SIGKILL');
  const c = caught(r0!);
  assert.match(c.message, /allReduce on process group 0 \(rank 0 of 2\) failed: .*(Connection closed by peer|Connection reset by peer)/);
  assert.ok(c.ms < TIMEOUT, `${c.ms} ms`);
});

test('a rank that skips newGroup: the group creation or the store-based barrier times out, naming the store key', async () => {
  const [b0] = await scenario('missing-barrier');
  assert.match(caught(b0!).message, new RegExp(`Timed out initializing process group in store based barrier on rank: 0, for key: store_based_barrier_key:2 \\(world_size=2, worker_count=1, timeout=${TIMEOUT / 1000}s\\)`));
  const [g0] = await scenario('missing-group');
  assert.match(caught(g0!).message, /Creating process group 1 \(rank 0 of 2, Gloo\) failed: .*store keys '1\/0\/<rank>'/);
});
