// StepLR: multiplies the lr by gamma every stepSize epochs.
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

  constructor(optimizer: Optimizer<any>, opts: StepLROptions) {
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
