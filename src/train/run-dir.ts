// A training run's folder: config.json (what was trained on what), metrics.jsonl (one line per epoch),
// last.pth (everything needed to resume), best.pth (the model's state dict, loadable by PyTorch),
// curves.png. Checkpoints are written atomically by torch.save.
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

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

export class RunDir {
  constructor(readonly path: string) {
    mkdirSync(path, { recursive: true });
  }
  get configPath(): string { return join(this.path, 'config.json'); }
  get metricsPath(): string { return join(this.path, 'metrics.jsonl'); }
  get lastPath(): string { return join(this.path, 'last.pth'); }
  get bestPath(): string { return join(this.path, 'best.pth'); }
  get curvesPath(): string { return join(this.path, 'curves.png'); }

  writeConfig(c: RunConfig): void { writeFileSync(this.configPath, JSON.stringify(c, null, 2) + '\n'); }

  appendMetrics(m: EpochMetrics): void { appendFileSync(this.metricsPath, JSON.stringify(m) + '\n'); }

  /** The metrics of epochs before `beforeEpoch` (a resumed run rewrites the rest). */
  readMetrics(beforeEpoch = Infinity): EpochMetrics[] {
    if (!existsSync(this.metricsPath)) return [];
    return readFileSync(this.metricsPath, 'utf8').split('\n').filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as EpochMetrics).filter((m) => m.epoch < beforeEpoch);
  }

  rewriteMetrics(ms: EpochMetrics[]): void {
    writeFileSync(this.metricsPath, ms.map((m) => JSON.stringify(m) + '\n').join(''));
  }
}

/** The run config stored beside a checkpoint (runs/NAME/best.pth -> runs/NAME/config.json), if any. */
export function configBeside(checkpoint: string): RunConfig | null {
  const p = join(checkpoint, '..', 'config.json');
  return existsSync(p) ? JSON.parse(readFileSync(p, 'utf8')) as RunConfig : null;
}
