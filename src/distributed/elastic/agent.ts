// The launcher's agent (PyTorch's LocalElasticAgent, static rendezvous): one per node. It starts the node's
// workers with torchrun's environment, prefixes their output with their rank, watches them, stops all of
// them when one fails (on every node) and restarts the whole job up to maxRestarts times.
//
// Rendezvous, as torchrun's static backend: node 0's agent serves a TCPStore on masterAddr:masterPort
// (multi-tenant, waiting for every node's agent) and the workers join it as clients
// (TORCHELASTIC_USE_AGENT_STORE=True), their keys under /worker/attempt_<restart count>. The agents
// coordinate through keys of their own in that store (under tstorch_run/<run id>/): a barrier before each
// attempt, the first failure of an attempt, and the nodes that finished. With `standalone` there is no agent
// store: rank 0's worker serves the store on a free port, as torchrun --standalone does.
import { spawn, type ChildProcess } from 'node:child_process';
import { availableParallelism, hostname } from 'node:os';
import { TCPStore, PrefixStore, type Store } from '../store.js';

export interface LaunchConfig {
  nnodes: number;
  nprocPerNode: number;
  nodeRank: number;
  masterAddr: string;
  masterPort: number;
  standalone: boolean;
  maxRestarts: number;
  runId: string;
  /** The worker command and its arguments (already resolved: node + tsx for scripts, etc.). */
  command: string;
  args: string[];
  /** What the job is called in messages (the script). */
  name: string;
  /** Milliseconds the agents wait for each other (default 900 s, torchrun's rendezvous timeout). */
  rdzvTimeoutMs: number;
  /** Milliseconds between checks of the other nodes' state (default 100). */
  monitorIntervalMs: number;
  /** Milliseconds between SIGTERM and SIGKILL when stopping workers (torchrun: 30 s). */
  stopGraceMs: number;
  /** Write lines here instead of stdout/stderr (tests). */
  out?: (line: string, stream: 'stdout' | 'stderr') => void;
}

interface WorkerExit {
  localRank: number;
  rank: number;
  pid: number;
  code: number | null;
  signal: NodeJS.Signals | null;
}

export class LaunchError extends Error {
  override name = 'LaunchError';
  constructor(message: string, readonly exitCode = 1) { super(message); }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function describeExit(e: WorkerExit): string {
  return e.signal !== null ? `was killed by ${e.signal} (pid ${e.pid})` : `exited with code ${e.code} (pid ${e.pid})`;
}

/** Runs a job's workers on this node; resolves when the job succeeded, throws a LaunchError when it failed. */
export class LocalAgent {
  private store: Store | null = null;
  private children = new Map<number, ChildProcess>();
  private stopping = false;

  constructor(private readonly cfg: LaunchConfig) {}

  private print(line: string, stream: 'stdout' | 'stderr' = 'stderr'): void {
    if (this.cfg.out) this.cfg.out(line, stream);
    else (stream === 'stdout' ? process.stdout : process.stderr).write(line + '\n');
  }

  private log(msg: string): void { this.print(`[tstorch run] ${msg}`); }

  get worldSize(): number { return this.cfg.nnodes * this.cfg.nprocPerNode; }

  private async connect(): Promise<void> {
    const c = this.cfg;
    if (c.standalone) return;
    // Node 0 serves; every agent is a client counted by the server (torchrun's StaticTCPRendezvous).
    const tcp = await TCPStore.create(c.masterAddr, c.masterPort, {
      worldSize: c.nnodes, isMaster: c.nodeRank === 0, timeout: c.rdzvTimeoutMs, multiTenant: true, waitForWorkers: true,
    });
    this.store = new PrefixStore(`tstorch_run/${c.runId}`, tcp);
  }

  private async agentBarrier(key: string): Promise<void> {
    if (!this.store || this.cfg.nnodes === 1) return;
    this.store.add(key, 1);
    const start = Date.now();
    while (this.store.add(key, 0) < this.cfg.nnodes) {
      if (Date.now() - start > this.cfg.rdzvTimeoutMs) {
        throw new LaunchError(`timed out after ${this.cfg.rdzvTimeoutMs / 1000} s waiting for the other nodes' agents at ${key}`);
      }
      await sleep(this.cfg.monitorIntervalMs);
    }
  }

  private workerEnv(localRank: number, attempt: number, masterPort: number): NodeJS.ProcessEnv {
    const c = this.cfg;
    const rank = c.nodeRank * c.nprocPerNode + localRank;
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      LOCAL_RANK: String(localRank),
      RANK: String(rank),
      GROUP_RANK: String(c.nodeRank),
      ROLE_RANK: String(rank),
      ROLE_NAME: 'default',
      LOCAL_WORLD_SIZE: String(c.nprocPerNode),
      WORLD_SIZE: String(this.worldSize),
      GROUP_WORLD_SIZE: String(c.nnodes),
      ROLE_WORLD_SIZE: String(this.worldSize),
      MASTER_ADDR: c.masterAddr,
      MASTER_PORT: String(masterPort),
      TORCHELASTIC_RESTART_COUNT: String(attempt),
      TORCHELASTIC_MAX_RESTARTS: String(c.maxRestarts),
      TORCHELASTIC_RUN_ID: c.runId,
      TORCHELASTIC_USE_AGENT_STORE: c.standalone ? 'False' : 'True',
    };
    // Each worker's share of the cores, unless the user chose.
    if (process.env.OMP_NUM_THREADS === undefined) env.OMP_NUM_THREADS = String(Math.max(1, Math.floor(availableParallelism() / c.nprocPerNode)));
    return env;
  }

  private pipe(stream: NodeJS.ReadableStream, prefix: string, kind: 'stdout' | 'stderr'): void {
    let pending = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      pending += chunk;
      let i;
      while ((i = pending.indexOf('\n')) >= 0) {
        this.print(prefix + pending.slice(0, i).replace(/\r/g, ''), kind);
        pending = pending.slice(i + 1);
      }
    });
    stream.on('end', () => { if (pending) this.print(prefix + pending, kind); });
  }

  private spawnWorkers(attempt: number, masterPort: number): Promise<WorkerExit>[] {
    // masterPort: where rank 0's worker (standalone) or node 0's agent serves the store.
    const c = this.cfg;
    const exits: Promise<WorkerExit>[] = [];
    for (let localRank = 0; localRank < c.nprocPerNode; localRank++) {
      const rank = c.nodeRank * c.nprocPerNode + localRank;
      const child = spawn(c.command, c.args, { env: this.workerEnv(localRank, attempt, masterPort), stdio: ['ignore', 'pipe', 'pipe'] });
      this.children.set(localRank, child);
      this.pipe(child.stdout!, `[rank${rank}]:`, 'stdout');
      this.pipe(child.stderr!, `[rank${rank}]:`, 'stderr');
      exits.push(new Promise<WorkerExit>((resolve) => {
        child.on('error', (err) => {
          this.print(`[rank${rank}]: could not start ${c.command}: ${err.message}`, 'stderr');
          resolve({ localRank, rank, pid: child.pid ?? -1, code: 127, signal: null });
        });
        child.on('exit', (code, signal) => resolve({ localRank, rank, pid: child.pid ?? -1, code, signal }));
      }));
    }
    return exits;
  }

  /** SIGTERM to every live worker, SIGKILL to those still alive after the grace period. */
  private async stopWorkers(exits: Promise<WorkerExit>[]): Promise<void> {
    const live = [...this.children.values()].filter((ch) => ch.exitCode === null && ch.signalCode === null);
    for (const ch of live) ch.kill('SIGTERM');
    const all = Promise.all(exits);
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(false), this.cfg.stopGraceMs); });
    const done = await Promise.race([all.then(() => true), grace]);
    clearTimeout(timer); // a pending grace timer would keep the launcher alive after the workers are gone
    if (!done) {
      for (const ch of live) if (ch.exitCode === null && ch.signalCode === null) ch.kill('SIGKILL');
      await all;
    }
  }

  /** Forwards SIGINT/SIGTERM to the workers and ends the job. */
  private installSignalHandlers(): () => void {
    const onSignal = (sig: NodeJS.Signals) => {
      if (this.stopping) return;
      this.stopping = true;
      this.log(`received ${sig}: stopping the workers`);
      for (const ch of this.children.values()) if (ch.exitCode === null && ch.signalCode === null) ch.kill(sig);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    return () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    };
  }

  /** One attempt: resolves null when every worker of every node succeeded, else the failure's description. */
  private async runAttempt(attempt: number): Promise<string | null> {
    const c = this.cfg;
    await this.agentBarrier(`attempt_${attempt}/start`);
    this.children.clear();
    const exits = this.spawnWorkers(attempt, c.masterPort);
    const failKey = `attempt_${attempt}/failure`;
    let failure: string | null = null;
    let remaining = exits.length;
    const firstFailure = new Promise<WorkerExit | null>((resolve) => {
      for (const p of exits) {
        p.then((e) => {
          remaining--;
          if (e.code !== 0 || e.signal !== null) resolve(e);
          else if (remaining === 0) resolve(null);
        });
      }
    });
    // Watch the local workers and (on several nodes) the other nodes' failures.
    let localDone = false;
    const localFailure = firstFailure.then((e) => { localDone = true; return e; });
    for (;;) {
      const e = await Promise.race([localFailure, sleep(c.monitorIntervalMs).then(() => undefined)]);
      if (e !== undefined) {
        if (e === null) break; // every local worker succeeded
        failure = `rank ${e.rank} (local rank ${e.localRank}) on node ${c.nodeRank} (${hostname()}) ${describeExit(e)}`;
        if (this.store) this.store.compareSet(failKey, '', failure);
        break;
      }
      if (this.stopping) {
        failure = 'the launcher was interrupted';
        break;
      }
      if (this.store && c.nnodes > 1 && this.store.check([failKey])) {
        failure = (await this.store.get(failKey)).toString();
        break;
      }
    }
    if (failure !== null) {
      if (!localDone || remaining > 0) this.log(`${failure}: stopping the other workers`);
      await this.stopWorkers(exits);
      return failure;
    }
    // This node's workers finished: wait for the other nodes (or their failure).
    if (this.store && c.nnodes > 1) {
      const doneKey = `attempt_${attempt}/done`;
      this.store.add(doneKey, 1);
      const start = Date.now();
      while (this.store.add(doneKey, 0) < c.nnodes) {
        if (this.store.check([failKey])) return (await this.store.get(failKey)).toString();
        if (Date.now() - start > c.rdzvTimeoutMs) return `timed out waiting for the other nodes to finish`;
        await sleep(c.monitorIntervalMs);
      }
      // Node 0 serves the store: it leaves last, once every agent has seen the job finish.
      const exitKey = `attempt_${attempt}/exit`;
      this.store.add(exitKey, 1);
      while (c.nodeRank === 0 && this.store.add(exitKey, 0) < c.nnodes) {
        if (Date.now() - start > c.rdzvTimeoutMs) break;
        await sleep(c.monitorIntervalMs);
      }
    }
    return null;
  }

  /** Runs the job: every attempt until one succeeds or the restarts are spent. */
  async run(): Promise<void> {
    const c = this.cfg;
    const uninstall = this.installSignalHandlers();
    try {
      await this.connect();
      this.log(`${c.name}: ${this.worldSize} worker${this.worldSize === 1 ? '' : 's'} (${c.nnodes} node${c.nnodes === 1 ? '' : 's'} x ${c.nprocPerNode}), `
        + `node ${c.nodeRank}, master ${c.masterAddr}:${c.masterPort}${c.standalone ? ' (standalone)' : ''}, up to ${c.maxRestarts} restart${c.maxRestarts === 1 ? '' : 's'}`);
      for (let attempt = 0; ; attempt++) {
        const failure = await this.runAttempt(attempt);
        if (failure === null) {
          this.log(`${c.name}: every worker finished successfully`);
          return;
        }
        if (this.stopping) throw new LaunchError(`${c.name} FAILED: ${failure}`, 130);
        if (attempt >= c.maxRestarts) {
          throw new LaunchError(`${c.name} FAILED: ${failure}${c.maxRestarts > 0 ? ` (after ${c.maxRestarts} restart${c.maxRestarts === 1 ? '' : 's'})` : ''}`);
        }
        this.log(`${failure}: restarting the job (restart ${attempt + 1} of ${c.maxRestarts})`);
      }
    } finally {
      uninstall();
    }
  }
}
