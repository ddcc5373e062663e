// The PyTorch side of a side-by-side benchmark as ONE long-lived Python process, started before tstorch times
// anything and asked for each round over a pipe, instead of a fresh `spawnSync(python3 ...)` per round.
//
// Why: spawning a child forks the benchmark's own process, and a fork between tstorch's rounds changes the
// conditions of tstorch's next round only. OpenBLAS (Debian's libopenblas0-pthread, which libtorch's matrix
// products call) registers pthread_atfork(blas_thread_shutdown): every fork stops its worker thread and the next
// GEMM starts a new one (a new thread id after each spawn, none after an equally long wait without one). The fork
// also write-protects the parent's heap (copy-on-write until the child execs): Swin-T batch-1 passes took
// 4,600-7,500 page faults each in the 6 passes after a spawn against ~200 without. PyTorch's side, a fresh process
// each round, met neither. In alternating A/B runs (BENCHMARKS.md, "Swin-T, OpenBLAS's pool and the bench's
// forks") the medians moved less than the machine's drift, so this is about like-for-like conditions, not a
// measured speed-up. With one peer spawned at the start, neither side forks between its timed passes and both
// stay warm across rounds (models built once).
//
// Protocol (the Python script's `--serve` mode): one JSON array of command-line arguments per line on stdin; the
// script answers with its usual JSON result lines, then `{"done": true}`.
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';

const PYTHON = process.env.TSTORCH_PYTHON ?? '/usr/bin/python3';

export class PythonPeer {
  /** The Python process (its pid lets a probe read its threads' CPU time). */
  readonly proc: ChildProcessByStdio<Writable, Readable, null>;
  private readonly pending: string[] = [];
  private wake: (() => void) | null = null;
  private exited: string | null = null;

  /** Starts `python3 script --serve` with `env` added to this process's environment. */
  constructor(readonly script: string, env: Record<string, string> = {}) {
    this.proc = spawn(PYTHON, [script, '--serve'], { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, ...env } });
    createInterface({ input: this.proc.stdout }).on('line', (l) => { this.pending.push(l); this.wake?.(); });
    this.proc.on('exit', (code, signal) => { this.exited = `${script} exited (${signal ?? `code ${code}`})`; this.wake?.(); });
    this.proc.on('error', (e) => { this.exited = `${script}: ${e.message}`; this.wake?.(); });
  }

  /** Runs the script once with these arguments; resolves to its JSON result lines. */
  async run<T>(args: string[]): Promise<T[]> {
    if (this.exited) throw new Error(`PyTorch side: ${this.exited}`);
    this.proc.stdin.write(JSON.stringify(args) + '\n');
    const out: T[] = [];
    for (;;) {
      const line = this.pending.shift();
      if (line === undefined) {
        if (this.exited) throw new Error(`PyTorch side: ${this.exited} before answering ${JSON.stringify(args)} (its stderr is above)`);
        await new Promise<void>((resolve) => { this.wake = resolve; });
        this.wake = null;
        continue;
      }
      if (!line.trim()) continue;
      const v = JSON.parse(line) as T & { done?: boolean };
      if (v.done === true) return out;
      out.push(v);
    }
  }

  /** Ends the peer (closes its stdin) and waits for it to exit. */
  async close(): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((resolve) => this.proc.once('exit', () => resolve()));
    this.proc.stdin.end();
    await gone;
  }
}

/**
 * One round of a side-by-side benchmark: tstorch first in even rounds, PyTorch first in odd ones. On a machine whose
 * speed drifts one way over a run (another job ending), the side that always ran second would always get the
 * quieter half.
 */
export async function bothSides(round: number, tstorch: () => void, pytorch: () => Promise<void>): Promise<void> {
  if (round % 2 === 0) {
    tstorch();
    await pytorch();
  } else {
    await pytorch();
    tstorch();
  }
}
