// What `tstorch train` needs to run as a distributed job: launching itself as N workers (the launcher's agent,
// as `tstorch run` does), knowing when it is one of those workers, and the per-rank numbers of an epoch
// summed over the job.
import * as torch from '../index.js';
import { LocalAgent, launchConfig, parseRunArgs, LaunchError } from '../distributed/run.js';
import { UserError } from '../cli/errors.js';

/** The launcher's flags `tstorch train` accepts (and strips before starting its workers). */
export const LAUNCH_FLAGS = ['nproc-per-node', 'nnodes', 'node-rank', 'master-addr', 'master-port', 'max-restarts'] as const;

/** Whether this process is a worker of a launched job with more than one rank (tstorch run or torchrun). */
export function isDistributedWorker(): boolean {
  return process.env.RANK !== undefined && Number(process.env.WORLD_SIZE ?? '1') > 1;
}

/** argv without the launcher's flags (and their values). */
export function withoutLaunchFlags(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const name = a.startsWith('--') ? a.slice(2).split('=')[0]! : '';
    if ((LAUNCH_FLAGS as readonly string[]).includes(name)) {
      if (!a.includes('=')) i++;
      continue;
    }
    out.push(a);
  }
  return out;
}

/**
 * Runs this command as a distributed job: `command argv` (without the launch flags) on every worker, with
 * torchrun's environment. Resolves when the job succeeded.
 */
export async function launchSelf(command: string, argv: string[], launch: Record<(typeof LAUNCH_FLAGS)[number], string | number>): Promise<void> {
  const script = process.argv[1];
  if (!script) throw new UserError(`${command}: cannot find the tstorch command to start the workers with`);
  const flags = LAUNCH_FLAGS.flatMap((k) => [`--${k}`, String(launch[k])]);
  const cfg = await launchConfig(parseRunArgs([...flags, '--no-python', process.execPath]));
  cfg.args = [...process.execArgv, script, command, ...withoutLaunchFlags(argv)];
  cfg.name = `tstorch ${command}`;
  try {
    await new LocalAgent(cfg).run();
  } catch (e) {
    if (e instanceof LaunchError) throw new UserError(e.message);
    throw e;
  }
}

/** Sums per-rank counts over the job (a collective). */
export function sumOverRanks(values: number[]): number[] {
  const t = torch.tensor(values, { dtype: 'float64' });
  torch.distributed.allReduce(t);
  return Array.from(t.dataSync() as Float64Array);
}
