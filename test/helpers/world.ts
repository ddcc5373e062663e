// Runs a distributed "world" for a test: one process per rank, each a tstorch script (under tsx) or a
// PyTorch script (Debian's /usr/bin/python3), with torch.distributed's env:// variables set, on 127.0.0.1
// and a free port. Resolves with every rank's exit code and output once all have exited (or the deadline
// has passed: then the survivors are killed and reported as timed out).
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { PYTHON } from './pytorch.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export type RankKind = 'ts' | 'py';

export interface RankResult {
  rank: number;
  kind: RankKind;
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** A free TCP port on 127.0.0.1 (bound and released: a tiny window in which another process could take it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

export interface WorldOptions {
  /** tstorch script (relative to the repo root) and PyTorch script, each run with `args`. */
  ts: string;
  py: string;
  args: string[];
  env?: Record<string, string>;
  /** Per-rank extra environment. */
  rankEnv?: (rank: number) => Record<string, string>;
  deadlineMs?: number;
  port?: number;
}

export async function runWorld(kinds: RankKind[], o: WorldOptions): Promise<RankResult[]> {
  const port = o.port ?? await freePort();
  const deadline = o.deadlineMs ?? 120_000;
  return Promise.all(kinds.map((kind, rank) => new Promise<RankResult>((resolve) => {
    const env = {
      ...process.env, OMP_NUM_THREADS: '1', MASTER_ADDR: '127.0.0.1', MASTER_PORT: String(port), WORLD_SIZE: String(kinds.length),
      RANK: String(rank), LOCAL_RANK: String(rank), ...o.env, ...o.rankEnv?.(rank),
    };
    const [cmd, argv] = kind === 'ts' ? [process.execPath, ['--import', 'tsx', o.ts, ...o.args]] : [PYTHON, [o.py, ...o.args]];
    const child = spawn(cmd, argv, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    let timedOut = false;
    const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, deadline);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ rank, kind, code, signal, stdout, stderr, timedOut });
    });
  })));
}

/** A readable summary of a world's failures for an assertion message. */
export function failures(results: RankResult[]): string {
  return results.filter((r) => r.code !== 0).map((r) => `rank ${r.rank} (${r.kind}) exited ${r.code ?? r.signal}${r.timedOut ? ' (timed out)' : ''}:\n${r.stderr.slice(-3000)}\n${r.stdout.slice(-1000)}`).join('\n');
}
