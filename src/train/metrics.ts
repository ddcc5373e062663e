// Classification metrics: a confusion matrix accumulated batch by batch, overall and per-class accuracy.
import { Tensor } from '../tensor.js';
import { noGrad } from '../autograd/grad-mode.js';
import { tidy } from '../memory.js';

export interface ClassificationReport {
  total: number;
  correct: number;
  accuracy: number;
  classes: string[];
  perClass: { name: string; correct: number; total: number; accuracy: number }[];
  /** confusion[t][p]: samples of true class t predicted as p. */
  confusion: number[][];
}

export class ConfusionMatrix {
  readonly counts: Float64Array;
  constructor(readonly classes: string[]) {
    this.counts = new Float64Array(classes.length * classes.length);
  }

  /** Adds a batch: `logits` [N, C] (or predicted indices [N]) and integer targets [N]. */
  update(logitsOrPred: Tensor, targets: Tensor): void {
    const c = this.classes.length;
    const bins = noGrad(() => tidy(() => {
      const pred = logitsOrPred.ndim === 2 ? logitsOrPred.argmax(1) : logitsOrPred;
      return targets.long().mul(c).add(pred.long()).bincount({ minlength: c * c }).dataSync() as BigInt64Array;
    }));
    for (let i = 0; i < c * c; i++) this.counts[i]! += Number(bins[i]!);
  }

  report(): ClassificationReport {
    const c = this.classes.length;
    const confusion = Array.from({ length: c }, (_, t) => Array.from({ length: c }, (_, p) => this.counts[t * c + p]!));
    const perClass = this.classes.map((name, t) => {
      const total = confusion[t]!.reduce((a, b) => a + b, 0);
      const correct = confusion[t]![t]!;
      return { name, correct, total, accuracy: total ? correct / total : 0 };
    });
    const total = perClass.reduce((a, r) => a + r.total, 0);
    const correct = perClass.reduce((a, r) => a + r.correct, 0);
    return { total, correct, accuracy: total ? correct / total : 0, classes: this.classes, perClass, confusion };
  }
}

/** The report as the chapter prints it, plus a confusion matrix. */
export function formatReport(r: ClassificationReport, opts: { confusion?: boolean } = {}): string {
  const lines = [`Accuracy of the network on the ${r.total} test images: ${(100 * r.accuracy).toFixed(1)} %`];
  const w = Math.max(5, ...r.classes.map((n) => n.length));
  for (const p of r.perClass) lines.push(`Accuracy for class: ${p.name.padEnd(w)} is ${(100 * p.accuracy).toFixed(1)} %`);
  if (opts.confusion ?? true) {
    const cw = Math.max(5, ...r.confusion.flat().map((v) => String(v).length)) + 1;
    lines.push('', 'Confusion matrix (rows: true class, columns: predicted class)');
    lines.push(' '.repeat(w + 1) + r.classes.map((n) => n.slice(0, cw - 1).padStart(cw)).join(''));
    r.confusion.forEach((row, t) => lines.push(r.classes[t]!.padEnd(w + 1) + row.map((v) => String(v).padStart(cw)).join('')));
  }
  return lines.join('\n');
}
