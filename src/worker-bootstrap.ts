// Starting a worker thread on one of tstorch's own modules (the DataLoader's workers, the synchronous image
// decoder), from sources or compiled. Compiled (dist/), the module is JavaScript; run from sources under tsx, it
// is TypeScript, and Node 20 does not pass tsx's loader on to workers, so the bootstrap registers it first. A
// module that fails to load posts the caller's failure reply on the thread's port and bumps its shared flag,
// so that a caller waiting for the first answer is told instead of left asleep.
import type { MessagePort } from 'node:worker_threads';

/** What every bootstrapped thread gets in its workerData (besides the caller's own fields). */
export interface BootstrapData {
  /** The module the thread runs (URL). */
  entry: string;
  /** tsx's registration API when running from sources, else null. */
  tsx: string | null;
  port: MessagePort;
  /** [0] is bumped (and notified) when the failure reply has been posted. */
  flag: SharedArrayBuffer;
  /** Posted on `port` if the module cannot be loaded, with `failureField` set to the reason. */
  failure: Record<string, unknown>;
  failureField: string;
}

/** The source of the bootstrap, for `new Worker(BOOTSTRAP, { eval: true, workerData })`. */
export const BOOTSTRAP = `
const { workerData } = require('node:worker_threads');
(async () => {
  try {
    if (workerData.tsx) (await import(workerData.tsx)).register();
    await import(workerData.entry);
  } catch (e) {
    workerData.port.postMessage({ ...workerData.failure, [workerData.failureField]: workerData.failure[workerData.failureField] + ': ' + (e && e.message), stack: String(e && e.stack) });
    const f = new Int32Array(workerData.flag);
    Atomics.add(f, 0, 1);
    Atomics.notify(f, 0);
  }
})();
`;

/** The thread module `name` beside the module at `base` (an import.meta.url), and tsx's API when from sources. */
export function threadEntry(base: string, name: string): { entry: string; tsx: string | null } {
  const fromTs = base.endsWith('.ts');
  const entry = new URL(`./${name}${fromTs ? '.ts' : '.js'}`, base).href;
  let tsx: string | null = null;
  if (fromTs) {
    try {
      tsx = import.meta.resolve('tsx/esm/api');
    } catch {
      // Another TypeScript loader may be in use; a thread that cannot load its module says so in its failure.
    }
  }
  return { entry, tsx };
}
