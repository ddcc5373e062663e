// torchvision's references/segmentation/utils.py ConfusionMatrix: counts (target, prediction) pairs over every
// pixel whose target is a class (255 and other out-of-range values are ignored), and computes the global pixel
// accuracy, each class's accuracy (recall) and intersection over union, and their mean, as the reference
// evaluation prints them.
import { Tensor } from '../../../tensor.js';
import { zeros } from '../../../creation.js';
import { inferenceMode } from '../../../autograd/grad-mode.js';
import { keep, tidy } from '../../../memory.js';
import { bindOwn, classArgs, registerSignature } from '../../../args.js';

// PyTorch's argument binding (src/args.ts) for this module's functions: an extra positional argument or an
// unknown keyword is a TypeError naming it.
registerSignature(pyFixed, 'pyFixed', 'tstorch.vision.references.segmentation.pyFixed', 'x, digits');

/** Python's '{:.1f}'.format(x): the exact binary value rounded half-to-even (JavaScript's toFixed rounds half up). */
export function pyFixed(x: number, digits: number): string {
  [x, digits] = bindOwn(pyFixed, arguments) as Parameters<typeof pyFixed>;
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'nan' : x > 0 ? 'inf' : '-inf';
  const exact = Math.abs(x).toFixed(Math.min(100, digits + 60));
  const [int, frac] = exact.split('.') as [string, string];
  const kept = frac.slice(0, digits), rest = frac.slice(digits);
  let s = x.toFixed(digits);
  if (/^50*$/.test(rest)) {
    // a tie: JavaScript rounded away from zero; Python keeps the even digit
    const lastDigit = Number((digits ? kept : int).slice(-1));
    if (lastDigit % 2 === 0) s = `${x < 0 ? '-' : ''}${int}${digits ? '.' + kept : ''}`;
  }
  return s;
}

export interface SegmentationMetrics {
  /** Pixel accuracy over every counted pixel. */
  accGlobal: Tensor;
  /** Per class: correct pixels / pixels of that class (NaN for a class absent from the targets). */
  acc: Tensor;
  /** Per class: intersection over union (NaN for a class absent from targets and predictions). */
  iu: Tensor;
}

export class ConfusionMatrix {
  /** (numClasses, numClasses) int64 counts: row = target class, column = predicted class; null before update. */
  mat: Tensor | null = null;

  readonly numClasses: number;
  constructor(numClasses: number) {
    [numClasses] = bindOwn(ConfusionMatrix, arguments) as ConstructorParameters<typeof ConfusionMatrix>;
    this.numClasses = numClasses;
    if (!Number.isInteger(numClasses) || numClasses < 1) throw new RangeError(`ConfusionMatrix: numClasses must be a positive integer, got ${numClasses}`);
  }

  /** Adds the pairs (a[i], b[i]): `a` the targets, `b` the predictions (flattened class indices, as in the reference). */
  update(a: Tensor, b: Tensor): void {
    const n = this.numClasses;
    if (a.numel() !== b.numel()) throw new RangeError(`ConfusionMatrix.update: ${a.numel()} targets but ${b.numel()} predictions`);
    if (this.mat === null) this.mat = keep(zeros([n, n], { dtype: 'int64', device: a.device }));
    const mat = this.mat;
    inferenceMode(() => tidy(() => {
      const k = a.ge(0).logicalAnd(a.lt(n));
      const inds = a.index(k).to('int64').mul(n).add(b.index(k));
      mat.add_(inds.bincount({ minlength: n ** 2 }).reshape(n, n));
    }));
  }

  reset(): void {
    this.mat?.zero_();
  }

  compute(): SegmentationMetrics {
    if (this.mat === null) throw new Error('ConfusionMatrix.compute: no update yet');
    const h = this.mat.float();
    const d = h.diag();
    return {
      accGlobal: d.sum().div(h.sum()),
      acc: d.div(h.sum(1)),
      iu: d.div(h.sum(1).add(h.sum(0)).sub(d)),
    };
  }

  /** The reference's printout: global correct, per-class accuracy and IoU in percent, mean IoU. */
  toString(): string {
    const { accGlobal, acc, iu } = this.compute();
    const list = (t: Tensor): string => `[${(t.mul(100).toArray() as number[]).map((v) => `'${pyFixed(v, 1)}'`).join(', ')}]`;
    return `global correct: ${pyFixed(accGlobal.item() * 100, 1)}\naverage row correct: ${list(acc)}\nIoU: ${list(iu)}\n` +
      `mean IoU: ${pyFixed(iu.mean().item() * 100, 1)}`;
  }
}
classArgs(ConfusionMatrix, 'tstorch.vision.references.segmentation.ConfusionMatrix', 'numClasses');
