// A rank of the fault tests (test/distributed-faults.test.ts): joins a 2-rank group with a short timeout and
// then does what the scenario (argv[2]) says, so that the ranks disagree. Prints "caught: <message>" when
// torch.distributed throws, and exits 0 then (the error was a JavaScript error, not an abort).
import * as torch from '../../src/index.js';

const scenario = process.argv[2]!;
const timeout = Number(process.argv[3] ?? '10000');
const dist = torch.distributed;

async function main(): Promise<void> {
  await dist.initProcessGroup({ backend: 'gloo', timeout });
  const rank = dist.getRank();
  const t0 = Date.now();
  try {
    switch (scenario) {
      case 'different-collective':
        // Rank 0 reduces, rank 1 broadcasts: the same sizes, different collectives.
        if (rank === 0) dist.allReduce(torch.ones([4]));
        else dist.broadcast(torch.ones([4]), 1);
        break;
      case 'different-sizes':
        // The same collective with different sizes: Gloo's transport thread sees a message larger than expected.
        dist.allReduce(torch.ones([rank === 0 ? 4096 : 16]));
        dist.allReduce(torch.ones([8]));
        break;
      case 'missing-peer':
        // Rank 1 never joins the collective: rank 0 times out.
        if (rank === 0) dist.allReduce(torch.ones([4]));
        else await new Promise((r) => setTimeout(r, timeout * 2));
        break;
      case 'dead-peer':
        if (rank === 1) process.kill(process.pid, 'SIGKILL');
        await new Promise((r) => setTimeout(r, 500));
        dist.allReduce(torch.ones([4]));
        break;
      case 'missing-barrier':
        // Rank 1 skips a newGroup call: rank 0 waits at the store-based barrier until the timeout.
        if (rank === 0) await dist.newGroup([0], { timeout });
        else await new Promise((r) => setTimeout(r, timeout * 2));
        break;
      case 'missing-group':
        // Rank 1 skips a newGroup call with both ranks: rank 0 waits for its address in the store.
        if (rank === 0) await dist.newGroup([0, 1], { timeout });
        else await new Promise((r) => setTimeout(r, timeout * 2));
        break;
      default:
        throw new Error(`unknown scenario ${scenario}`);
    }
    console.log(`no error after ${Date.now() - t0} ms`);
  } catch (e) {
    console.log(`caught after ${Date.now() - t0} ms: ${(e as Error).message.replace(/\n/g, ' | ')}`);
  }
  process.exit(0);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.stack ?? e.message : e);
  process.exit(1);
});
