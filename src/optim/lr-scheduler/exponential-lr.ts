// ExponentialLR: multiplies the lr by gamma every epoch.
import { bindCtor, classArgs, type PyRest } from '../../args.js';
import type { Optimizer } from '../optimizer.js';
import { LRScheduler, type SchedulerOptions, type StateFields } from './scheduler.js';
import { pow } from '../libm.js';
import { checkOptionNames } from '../optimizer.js';

export interface ExponentialLROptions extends SchedulerOptions {
  gamma: number;
}

export class ExponentialLR extends LRScheduler {
  gamma: number;

  /** PyTorch's order (optimizer, gamma, lastEpoch, verbose), or an options object after optimizer. */
  constructor(optimizer: Optimizer<any>, ...rest: PyRest<ExponentialLROptions, ['gamma', 'lastEpoch', 'verbose']>);
  constructor(...args: unknown[]) {
    const [optimizer, opts = {} as ExponentialLROptions] = bindCtor(ExponentialLR, args) as [Optimizer<any>, ExponentialLROptions];
    super(optimizer, opts.lastEpoch, opts.verbose);
    checkOptionNames('ExponentialLR', opts, ['gamma', 'lastEpoch', 'verbose']);
    if (typeof opts.gamma !== 'number') throw new TypeError('ExponentialLR: gamma must be a number');
    this.gamma = opts.gamma;
    this._initialStep();
  }

  protected override computeLr(): number[] {
    const groups = this.optimizer.paramGroups;
    if (this.lastEpoch === 0) return groups.map((g) => g.lr);
    return groups.map((g) => g.lr * this.gamma);
  }

  protected override closedFormLr(): number[] {
    return this.baseLrs.map((b) => b * pow(this.gamma, this.lastEpoch));
  }

  protected override stateFields(): StateFields {
    return [['gamma', 'gamma'], ...super.stateFields()];
  }
}

classArgs(ExponentialLR, 'torch.optim.lr_scheduler.ExponentialLR', 'optimizer; gamma, lastEpoch, verbose');
