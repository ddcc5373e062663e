// Starting a 2-rank world for the distributed benchmarks: one process per rank on 127.0.0.1, tstorch (tsx)
// or PyTorch (Debian's /usr/bin/python3), env:// variables set. Resolves with rank 0's stdout.
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

export const PYTHON = process.env.TSTORCH_PYTHON ?? '/usr/bin/python3';
const ROOT = fileURLToPath(new URL('..', import.meta.url));

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

export async function runWorld(kind: 'tstorch' | 'pytorch', ranks: number, script: { ts: string; py: string }, args: string[]): Promise<string> {
  const port = await freePort();
  const outs = await Promise.all(Array.from({ length: ranks }, (_, rank) => new Promise<string>((resolve, reject) => {
    const env = { ...process.env, OMP_NUM_THREADS: '1', MASTER_ADDR: '127.0.0.1', MASTER_PORT: String(port), WORLD_SIZE: String(ranks), RANK: String(rank) };
    const [cmd, argv] = kind === 'tstorch' ? [process.execPath, ['--import', 'tsx', script.ts, ...args]] : [PYTHON, [script.py, ...args]];
    const child = spawn(cmd, argv, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${kind} rank ${rank} exited with ${code}`))));
  })));
  return outs[0]!;
}

/**
 * The --paired benches (ddp-step.ts, allreduce.ts): gives world `kind` its turn `name` by writing the marker file
 * `go-<kind>-<name>` in `dir`, and waits until each of its `ranks` has written `done-<kind>-<name>-<rank>`,
 * polling every `pollMs`. Fails once `dir` is gone: the bench removes it when a world failed.
 */
export async function takeTurn(dir: string, kind: string, name: string, ranks: number, pollMs: number): Promise<void> {
  writeFileSync(join(dir, `go-${kind}-${name}`), '');
  for (let rank = 0; rank < ranks; rank++) {
    while (!existsSync(join(dir, `done-${kind}-${name}-${rank}`))) {
      if (!existsSync(dir)) throw new Error(`stopped at turn ${name} of the ${kind} world: a world failed`);
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  }
}
