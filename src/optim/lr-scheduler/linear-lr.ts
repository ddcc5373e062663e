// LinearLR: scales the lr by a factor moving linearly from startFactor to endFactor over totalIters epochs.
import { bindCtor, classArgs, type PyRest } from '../../args.js';
import type { Optimizer } from '../optimizer.js';
import { LRScheduler, type SchedulerOptions, type StateFields } from './scheduler.js';
import { checkOptionNames } from '../optimizer.js';

export interface LinearLROptions extends SchedulerOptions {
  startFactor?: number;
  endFactor?: number;
  totalIters?: number;
}

export class LinearLR extends LRScheduler {
  startFactor: number;
  endFactor: number;
  totalIters: number;

  /** PyTorch's order (optimizer, startFactor, endFactor, totalIters, lastEpoch, verbose), or an options object after optimizer. */
  constructor(optimizer: Optimizer<any>, ...rest: PyRest<LinearLROptions, ['startFactor', 'endFactor', 'totalIters', 'lastEpoch', 'verbose']>);
  constructor(...args: unknown[]) {
    const [optimizer, opts = {} as LinearLROptions] = bindCtor(LinearLR, args) as [Optimizer<any>, LinearLROptions];
    super(optimizer, opts.lastEpoch, opts.verbose);
    checkOptionNames('LinearLR', opts, ['startFactor', 'endFactor', 'totalIters', 'lastEpoch', 'verbose']);
    const { startFactor = 1 / 3, endFactor = 1, totalIters = 5 } = opts;
    if (startFactor > 1 || startFactor < 0) throw new RangeError('LinearLR: startFactor must be between 0 and 1');
    if (endFactor > 1 || endFactor < 0) throw new RangeError('LinearLR: endFactor must be between 0 and 1');
    this.startFactor = startFactor;
    this.endFactor = endFactor;
    this.totalIters = totalIters;
    this._initialStep();
  }

  protected override computeLr(): number[] {
    const groups = this.optimizer.paramGroups;
    const { startFactor: s, endFactor: e, totalIters: n } = this;
    if (this.lastEpoch === 0) return groups.map((g) => g.lr * s);
    if (this.lastEpoch > n) return groups.map((g) => g.lr);
    return groups.map((g) => g.lr * (1 + (e - s) / (n * s + (this.lastEpoch - 1) * (e - s))));
  }

  protected override closedFormLr(): number[] {
    const { startFactor: s, endFactor: e, totalIters: n } = this;
    return this.baseLrs.map((b) => b * (s + (e - s) * Math.min(n, this.lastEpoch) / n));
  }

  protected override stateFields(): StateFields {
    return [['start_factor', 'startFactor'], ['end_factor', 'endFactor'], ['total_iters', 'totalIters'], ...super.stateFields()];
  }
}

classArgs(LinearLR, 'torch.optim.lr_scheduler.LinearLR', 'optimizer; startFactor, endFactor, totalIters, lastEpoch, verbose');
