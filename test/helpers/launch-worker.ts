// A worker for the launcher tests (tstorch run, torchrun --no_python): prints the launcher's environment as
// JSON, joins the job's default group (env://) and prints the allreduce of rank + 1. With LAUNCH_TEST_PIDS it
// writes its pid to <dir>/pid<rank> and keeps allreducing for LAUNCH_TEST_SECONDS (a job to kill); with
// LAUNCH_TEST_FAIL_RANK, that rank exits with code 3 after joining.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as torch from '../../src/index.js';

const KEYS = ['RANK', 'LOCAL_RANK', 'WORLD_SIZE', 'LOCAL_WORLD_SIZE', 'GROUP_RANK', 'ROLE_RANK', 'ROLE_NAME', 'GROUP_WORLD_SIZE', 'ROLE_WORLD_SIZE',
  'MASTER_ADDR', 'MASTER_PORT', 'TORCHELASTIC_RESTART_COUNT', 'TORCHELASTIC_MAX_RESTARTS', 'TORCHELASTIC_RUN_ID',
  'TORCHELASTIC_USE_AGENT_STORE', 'OMP_NUM_THREADS'];

async function main(): Promise<void> {
  console.log(`env ${JSON.stringify(Object.fromEntries(KEYS.map((k) => [k, process.env[k] ?? null])))}`);
  const dist = torch.distributed;
  await dist.initProcessGroup({ backend: 'gloo', timeout: 60_000 });
  const rank = dist.getRank();
  const t = torch.tensor([rank + 1]);
  dist.allReduce(t);
  console.log(`sum ${t.item()} threads ${torch.getNumThreads()}`);
  if (process.env.LAUNCH_TEST_FAIL_RANK === String(rank)) {
    console.error('failing on purpose');
    process.exit(3);
  }
  if (process.env.LAUNCH_TEST_PIDS) {
    writeFileSync(join(process.env.LAUNCH_TEST_PIDS, `pid${rank}`), String(process.pid));
    const end = Date.now() + Number(process.env.LAUNCH_TEST_SECONDS ?? '60') * 1000;
    while (Date.now() < end) {
      dist.allReduce(torch.ones([1000]));
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  dist.barrier();
  dist.destroyProcessGroup();
}

main().catch((e) => {
  console.error(e instanceof Error ? e.stack ?? e.message : e);
  process.exit(1);
});
