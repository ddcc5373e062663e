// `tstorch run [options] <script|command> [args]`: torchrun's twin (src/distributed/run.ts). Starts N workers
// per node with torchrun's environment, prefixes their output with their rank, stops them all and exits
// non-zero when one fails (naming it), restarts the job up to --max-restarts times.
import { UserError } from '../errors.js';
import { RUN_FLAGS, run as launch, LaunchError } from '../../distributed/run.js';

export const help = [
  'Usage: tstorch run [options] <script.ts|script.js|command> [script arguments]',
  '',
  "Launches a distributed job as PyTorch's torchrun does: each worker gets RANK, LOCAL_RANK, WORLD_SIZE,",
  'LOCAL_WORLD_SIZE, GROUP_RANK, MASTER_ADDR, MASTER_PORT, TORCHELASTIC_RESTART_COUNT, TORCHELASTIC_RUN_ID',
  "and OMP_NUM_THREADS (the node's cores divided among its workers), so torch.distributed.initProcessGroup()",
  "(env://) joins the job. A .ts script runs under Node with tsx, a .js script under Node, anything else as",
  'a command (e.g. /usr/bin/python3 train.py: PyTorch workers).',
  '',
  'Options (torchrun accepts them with _ too):',
  ...Object.entries(RUN_FLAGS).map(([k, f]) => `  --${k.padEnd(20)} ${f.help}${f.def !== undefined && f.def !== '' && f.def !== false ? ` (default: ${f.def})` : ''}`),
  '',
  'Examples:',
  '  tstorch run --nproc-per-node 2 train.ts --epochs 3',
  '  tstorch run --nnodes 2 --node-rank 0 --master-addr HOST --master-port 29500 --nproc-per-node 4 train.ts',
  '  tstorch run --nproc-per-node 2 --max-restarts 1 train.ts      # restart the job once if a worker fails',
].join('\n');

/** Options end at the entry point: what follows belongs to the worker (its --help included). */
export function optionsEnd(argv: string[]): number {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) return i;
    const name = a.slice(2).split('=')[0]!.replace(/_/g, '-');
    const f = RUN_FLAGS[name];
    if (f && f.kind !== 'boolean' && !a.includes('=')) i++;
  }
  return argv.length;
}

export async function run(argv: string[]): Promise<void> {
  try {
    await launch(argv);
  } catch (e) {
    if (e instanceof LaunchError) {
      throw new UserError(e.message);
    }
    throw e;
  }
}
