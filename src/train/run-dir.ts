// A training run's folder: config.json (what was trained on what), metrics.jsonl (one line per epoch),
// last.pth (everything needed to resume), best.pth (the model's state dict, loadable by PyTorch),
// curves.png. Checkpoints are written atomically by torch.save, and so are config.json and the metrics when
// they are rewritten. A run killed at any point resumes consistently: the folder is checked before anything is
// created, temporary files of interrupted writes are removed, a torn last metrics line is dropped, and on resume
// the metrics are cut back to the checkpoint's epoch, so that no epoch is counted twice.
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { writeTextAtomic } from '../serialization/atomic.js';
import { outputDirProblem } from '../utils/output-path.js';
import { UserError } from '../cli/errors.js';

export interface RunConfig {
  model: string;
  dataset: string;
  numClasses: number;
  classes: string[];
  [key: string]: unknown;
}

export interface EpochMetrics {
  epoch: number;
  trainLoss: number;
  trainAccuracy?: number;
  testLoss?: number;
  testAccuracy: number;
  imagesPerSecond: number;
  lr: number;
  seconds: number;
}

// writeFileAtomic's temporary files: .<name>.<pid>.<random hex>.tmp
const TEMPORARY = /^\.(.+)\.(\d+)\.[0-9a-f]+\.tmp$/;

function alive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class RunDir {
  /** Temporary files of interrupted writes that were removed when the folder was opened. */
  readonly removedLeftovers: string[];

  constructor(readonly path: string) {
    const why = outputDirProblem(path);
    if (why !== null) throw new UserError(`run folder ${path}: ${why}`);
    mkdirSync(path, { recursive: true });
    this.removedLeftovers = this.removeLeftovers();
  }
  get configPath(): string { return join(this.path, 'config.json'); }
  get metricsPath(): string { return join(this.path, 'metrics.jsonl'); }
  get lastPath(): string { return join(this.path, 'last.pth'); }
  get bestPath(): string { return join(this.path, 'best.pth'); }
  get curvesPath(): string { return join(this.path, 'curves.png'); }

  /** Removes the temporary files a killed process left (not those of a process still writing). */
  private removeLeftovers(): string[] {
    const removed: string[] = [];
    for (const name of readdirSync(this.path)) {
      const m = TEMPORARY.exec(name);
      if (m === null || alive(Number(m[2]))) continue;
      try {
        unlinkSync(join(this.path, name));
        removed.push(name);
      } catch { /* gone already */ }
    }
    return removed;
  }

  writeConfig(c: RunConfig): void { writeTextAtomic(this.configPath, JSON.stringify(c, null, 2) + '\n'); }

  appendMetrics(m: EpochMetrics): void { appendFileSync(this.metricsPath, JSON.stringify(m) + '\n'); }

  /**
   * The metrics of epochs before `beforeEpoch`. A last line cut short by a kill is dropped (the epoch it began to
   * record was not checkpointed); any other line that is not a metrics record is an error naming the file.
   */
  readMetrics(beforeEpoch = Infinity): EpochMetrics[] {
    if (!existsSync(this.metricsPath)) return [];
    const text = readFileSync(this.metricsPath, 'utf8');
    const lines = text.split('\n');
    const out: EpochMetrics[] = [];
    lines.forEach((line, i) => {
      if (line.trim() === '') return;
      let m: EpochMetrics | undefined;
      try {
        m = JSON.parse(line) as EpochMetrics;
      } catch { /* below */ }
      if (m === undefined || typeof m !== 'object' || m === null || !Number.isInteger(m.epoch)) {
        const torn = lines.slice(i + 1).every((l) => l.trim() === '') && !text.endsWith('\n');
        if (torn) return;
        throw new UserError(`${this.metricsPath}: line ${i + 1} is not a metrics record; move the file away to start the metrics afresh`);
      }
      if (m.epoch < beforeEpoch) out.push(m);
    });
    return out;
  }

  /** Replaces metrics.jsonl (atomically) with these records. */
  rewriteMetrics(ms: EpochMetrics[]): void {
    writeTextAtomic(this.metricsPath, ms.map((m) => JSON.stringify(m) + '\n').join(''));
  }
}

/** The run config stored beside a checkpoint (runs/NAME/best.pth -> runs/NAME/config.json), if any. */
export function configBeside(checkpoint: string): RunConfig | null {
  const p = join(checkpoint, '..', 'config.json');
  if (!existsSync(p)) return null;
  try {
    const c = JSON.parse(readFileSync(p, 'utf8')) as unknown;
    return c !== null && typeof c === 'object' && !Array.isArray(c) ? c as RunConfig : null;
  } catch (e) {
    throw new UserError(`${p} (beside ${checkpoint}) is not valid JSON: ${(e as Error).message}`);
  }
}
