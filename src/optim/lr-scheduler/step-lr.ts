// StepLR: multiplies the lr by gamma every stepSize epochs.
import { bindCtor, classArgs, type PyRest } from '../../args.js';
import type { Optimizer } from '../optimizer.js';
import { LRScheduler, type SchedulerOptions, type StateFields } from './scheduler.js';
import { pow } from '../libm.js';
import { checkOptionNames } from '../optimizer.js';

export interface StepLROptions extends SchedulerOptions {
  stepSize: number;
  gamma?: number;
}

export class StepLR extends LRScheduler {
  stepSize: number;
  gamma: number;

  /** PyTorch's order (optimizer, stepSize, gamma, lastEpoch, verbose), or an options object after optimizer. */
  constructor(optimizer: Optimizer<any>, ...rest: PyRest<StepLROptions, ['stepSize', 'gamma', 'lastEpoch', 'verbose']>);
  constructor(...args: unknown[]) {
    const [optimizer, opts = {} as StepLROptions] = bindCtor(StepLR, args) as [Optimizer<any>, StepLROptions];
    super(optimizer, opts.lastEpoch, opts.verbose);
    checkOptionNames('StepLR', opts, ['stepSize', 'gamma', 'lastEpoch', 'verbose']);
    if (!Number.isInteger(opts.stepSize) || opts.stepSize <= 0) throw new RangeError(`StepLR: stepSize must be a positive integer, got ${opts.stepSize}`);
    this.stepSize = opts.stepSize;
    this.gamma = opts.gamma ?? 0.1;
    this._initialStep();
  }

  protected override computeLr(): number[] {
    const groups = this.optimizer.paramGroups;
    if (this.lastEpoch === 0 || this.lastEpoch % this.stepSize !== 0) return groups.map((g) => g.lr);
    return groups.map((g) => g.lr * this.gamma);
  }

  protected override closedFormLr(): number[] {
    return this.baseLrs.map((b) => b * pow(this.gamma, Math.floor(this.lastEpoch / this.stepSize)));
  }

  protected override stateFields(): StateFields {
    return [['step_size', 'stepSize'], ['gamma', 'gamma'], ...super.stateFields()];
  }
}

classArgs(StepLR, 'torch.optim.lr_scheduler.StepLR', 'optimizer; stepSize, gamma, lastEpoch, verbose');
