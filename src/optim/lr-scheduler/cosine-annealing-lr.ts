// CosineAnnealingLR: cosine annealing from the base lr to etaMin over tMax epochs (and back, periodically),
// in PyTorch's recursive form so that lr changes made by others between steps carry through.
import { bindCtor, classArgs, type PyRest } from '../../args.js';
import type { Optimizer } from '../optimizer.js';
import { LRScheduler, type SchedulerOptions, type StateFields } from './scheduler.js';
import { cos } from '../libm.js';
import { checkOptionNames } from '../optimizer.js';

export interface CosineAnnealingLROptions extends SchedulerOptions {
  /** PyTorch's T_max: epochs of a half cycle. */
  tMax: number;
  etaMin?: number;
}

export class CosineAnnealingLR extends LRScheduler {
  tMax: number;
  etaMin: number;

  /** PyTorch's order (optimizer, tMax, etaMin, lastEpoch, verbose), or an options object after optimizer. */
  constructor(optimizer: Optimizer<any>, ...rest: PyRest<CosineAnnealingLROptions, ['tMax', 'etaMin', 'lastEpoch', 'verbose']>);
  constructor(...args: unknown[]) {
    const [optimizer, opts = {} as CosineAnnealingLROptions] = bindCtor(CosineAnnealingLR, args) as [Optimizer<any>, CosineAnnealingLROptions];
    super(optimizer, opts.lastEpoch, opts.verbose);
    checkOptionNames('CosineAnnealingLR', opts, ['tMax', 'etaMin', 'lastEpoch', 'verbose']);
    if (!(opts.tMax > 0)) throw new RangeError(`CosineAnnealingLR: tMax must be positive, got ${opts.tMax}`);
    this.tMax = opts.tMax;
    this.etaMin = opts.etaMin ?? 0;
    this._initialStep();
  }

  protected override computeLr(): number[] {
    const groups = this.optimizer.paramGroups;
    const { lastEpoch: e, tMax: T, etaMin } = this;
    if (e === 0) return groups.map((g) => g.lr);
    if (this._stepCount === 1 && e > 0) {
      return this.baseLrs.map((b) => etaMin + (b - etaMin) * (1 + cos(e * Math.PI / T)) / 2);
    }
    if (pyMod(e - 1 - T, 2 * T) === 0) {
      return groups.map((g, i) => g.lr + (this.baseLrs[i]! - etaMin) * (1 - cos(Math.PI / T)) / 2);
    }
    return groups.map((g) => (1 + cos(Math.PI * e / T)) / (1 + cos(Math.PI * (e - 1) / T)) * (g.lr - etaMin) + etaMin);
  }

  protected override closedFormLr(): number[] {
    return this.baseLrs.map((b) => this.etaMin + (b - this.etaMin) * (1 + cos(Math.PI * this.lastEpoch / this.tMax)) / 2);
  }

  protected override stateFields(): StateFields {
    return [['T_max', 'tMax'], ['eta_min', 'etaMin'], ...super.stateFields()];
  }
}

/** Python's %: the result has the sign of the divisor. */
function pyMod(a: number, b: number): number {
  return ((a % b) + b) % b;
}

classArgs(CosineAnnealingLR, 'torch.optim.lr_scheduler.CosineAnnealingLR', 'optimizer; tMax, etaMin, lastEpoch, verbose');
