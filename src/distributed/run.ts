// torch.distributed.run (torchrun) for tstorch: `tstorch run [options] <script or command> [args]`. The flags
// and the workers' environment are torchrun's (PyTorch 1.13); the agent is ./elastic/agent.ts. A TypeScript
// script runs under Node with tsx, a JavaScript script under Node, anything else as a command as is (so a
// worker can be `/usr/bin/python3 train.py`); --no-python runs even scripts as commands.
//
// Differences from torchrun, each deliberate: every worker's lines are prefixed with "[rank<N>]:" (torchrun's
// --tee with a prefix); OMP_NUM_THREADS defaults to the cores divided among the node's workers (torchrun: 1);
// the rendezvous is always torchrun's static one (a c10d TCPStore on the master or --rdzv-endpoint), so
// --nnodes takes a fixed count (MIN:MAX only with MIN = MAX).
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { LocalAgent, LaunchError, type LaunchConfig } from './elastic/agent.js';

export { LocalAgent, LaunchError, type LaunchConfig };

interface Flag {
  kind: 'string' | 'number' | 'boolean';
  help: string;
  def?: string | number | boolean;
}

export const RUN_FLAGS: Record<string, Flag> = {
  nnodes: { kind: 'string', def: '1', help: 'number of nodes (N, or MIN:MAX with MIN = MAX)' },
  'nproc-per-node': { kind: 'string', def: '1', help: "workers per node: a number, 'cpu' or 'auto' (the cores)" },
  'node-rank': { kind: 'number', def: 0, help: "this node's rank, 0..nnodes-1" },
  'master-addr': { kind: 'string', def: '127.0.0.1', help: "address of node 0 (where the agents' TCPStore is served)" },
  'master-port': { kind: 'number', def: 29500, help: "port of node 0's TCPStore" },
  standalone: { kind: 'boolean', def: false, help: 'one node, a free port, no agent store (rank 0 serves the store)' },
  'max-restarts': { kind: 'number', def: 0, help: 'restart the whole job up to this many times when a worker fails' },
  'rdzv-backend': { kind: 'string', def: 'static', help: "'static' or 'c10d': both rendezvous on a c10d TCPStore at the endpoint" },
  'rdzv-endpoint': { kind: 'string', def: '', help: 'host[:port] of the rendezvous store (default: master-addr:master-port)' },
  'rdzv-id': { kind: 'string', def: 'none', help: 'the job id (TORCHELASTIC_RUN_ID)' },
  'monitor-interval': { kind: 'number', def: 0.1, help: 'seconds between checks of the other nodes' },
  'no-python': { kind: 'boolean', def: false, help: 'run the entry point as a command, even a .ts or .js script' },
};

export interface RunArgs {
  flags: Record<string, string | number | boolean>;
  entry: string;
  args: string[];
}

/** Splits `tstorch run` arguments: launcher flags up to the entry point, the worker's own arguments after it. */
export function parseRunArgs(argv: string[]): RunArgs {
  const flags: Record<string, string | number | boolean> = {};
  for (const [k, f] of Object.entries(RUN_FLAGS)) if (f.def !== undefined) flags[k] = f.def;
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) break;
    // torchrun spells its flags with - or _ (--nproc_per_node).
    let [name, value] = a.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
    name = name.replace(/_/g, '-');
    const f = RUN_FLAGS[name];
    if (!f) throw new LaunchError(`run: unknown option --${name} (see 'tstorch run --help')`);
    if (f.kind === 'boolean') {
      flags[name] = value === undefined ? true : !['false', '0', 'no'].includes(value);
      continue;
    }
    if (value === undefined) {
      value = argv[++i];
      if (value === undefined) throw new LaunchError(`run: option --${name} needs a value`);
    }
    if (f.kind === 'number') {
      const n = Number(value);
      if (!Number.isFinite(n)) throw new LaunchError(`run: option --${name} expects a number, got '${value}'`);
      flags[name] = n;
    } else {
      flags[name] = value;
    }
  }
  const entry = argv[i];
  if (entry === undefined) throw new LaunchError("run: name the training script or command, e.g. 'tstorch run --nproc-per-node 2 train.ts'");
  return { flags, entry, args: argv.slice(i + 1) };
}

function intFlag(v: unknown, name: string, min: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new LaunchError(`run: --${name} must be an integer >= ${min}, got '${v}'`);
  return n;
}

function parseNnodes(v: string): number {
  const [lo, hi] = v.split(':');
  const min = intFlag(lo, 'nnodes', 1);
  if (hi !== undefined && intFlag(hi, 'nnodes', 1) !== min) {
    throw new LaunchError(`run: --nnodes ${v}: elastic node counts are not supported (tstorch run's rendezvous is static); give one number`);
  }
  return min;
}

function parseNproc(v: string): number {
  if (v === 'cpu' || v === 'auto') return availableParallelism();
  if (v === 'gpu') throw new LaunchError("run: --nproc-per-node gpu: this libtorch has no CUDA (use a number, 'cpu' or 'auto')");
  return intFlag(v, 'nproc-per-node', 1);
}

/** tsx's loader for TypeScript workers: from the working directory's packages, else tstorch's own. */
function tsxLoader(): string {
  for (const base of [join(process.cwd(), 'noop.js'), import.meta.url]) {
    try {
      const pkg = createRequire(base).resolve('tsx/package.json');
      return pathToFileURL(join(pkg, '..', 'dist', 'loader.mjs')).href;
    } catch {
      // not installed there
    }
  }
  throw new LaunchError('run: a TypeScript worker needs tsx (npm install --save-dev tsx), or compile it and run the .js file');
}

/** The command that runs the entry point: node (+tsx) for scripts, the entry itself otherwise. */
export function workerCommand(entry: string, args: string[], noPython: boolean): { command: string; args: string[] } {
  if (!noPython && /\.(ts|mts|cts|tsx)$/.test(entry)) return { command: process.execPath, args: ['--import', tsxLoader(), resolve(entry), ...args] };
  if (!noPython && /\.(js|mjs|cjs)$/.test(entry)) return { command: process.execPath, args: [resolve(entry), ...args] };
  return { command: entry, args };
}

/** A free TCP port on `host`. */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.on('error', rej);
    srv.listen(0, host, () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => res(port));
    });
  });
}

/** The launch configuration from parsed flags. */
export async function launchConfig(p: RunArgs, opts: Partial<LaunchConfig> = {}): Promise<LaunchConfig> {
  const f = p.flags;
  let nnodes = parseNnodes(String(f.nnodes));
  const nprocPerNode = parseNproc(String(f['nproc-per-node']));
  let nodeRank = intFlag(f['node-rank'], 'node-rank', 0);
  let masterAddr = String(f['master-addr']);
  let masterPort = intFlag(f['master-port'], 'master-port', 0);
  const standalone = f.standalone === true;
  const backend = String(f['rdzv-backend']);
  if (backend !== 'static' && backend !== 'c10d') throw new LaunchError(`run: --rdzv-backend ${backend}: tstorch run rendezvous on a c10d TCPStore ('static' or 'c10d')`);
  const endpoint = String(f['rdzv-endpoint']);
  if (endpoint && !standalone) {
    const m = /^\[?([^\]]*?)\]?(?::(\d+))?$/.exec(endpoint);
    if (!m || !m[1]) throw new LaunchError(`run: --rdzv-endpoint '${endpoint}' is not host[:port]`);
    masterAddr = m[1];
    masterPort = m[2] ? Number(m[2]) : 29400;
  }
  let runId = String(f['rdzv-id']);
  if (standalone) {
    // torchrun --standalone: one node, a private rendezvous, rank 0's worker serves the store on a free port.
    nnodes = 1;
    nodeRank = 0;
    masterAddr = '127.0.0.1';
    masterPort = await freePort(masterAddr);
    runId = randomUUID();
  }
  if (nodeRank >= nnodes) throw new LaunchError(`run: --node-rank ${nodeRank} must be less than --nnodes ${nnodes}`);
  if (masterPort > 65535) throw new LaunchError(`run: --master-port ${masterPort} is not a port`);
  const maxRestarts = intFlag(f['max-restarts'], 'max-restarts', 0);
  const interval = Number(f['monitor-interval']);
  if (!(interval > 0)) throw new LaunchError(`run: --monitor-interval must be positive, got ${interval}`);
  const cmd = workerCommand(p.entry, p.args, f['no-python'] === true);
  return {
    nnodes, nprocPerNode, nodeRank, masterAddr, masterPort, standalone, maxRestarts, runId,
    command: cmd.command, args: cmd.args, name: p.entry,
    rdzvTimeoutMs: 900_000, monitorIntervalMs: interval * 1000, stopGraceMs: 30_000, ...opts,
  };
}

/** `tstorch run`: launches the job and resolves when it succeeded (throws a LaunchError when it failed). */
export async function run(argv: string[]): Promise<void> {
  await new LocalAgent(await launchConfig(parseRunArgs(argv))).run();
}
