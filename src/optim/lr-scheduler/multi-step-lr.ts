// MultiStepLR: multiplies the lr by gamma at each milestone epoch (a milestone listed twice applies twice).
import { bindCtor, classArgs, type PyRest } from '../../args.js';
import type { Optimizer } from '../optimizer.js';
import { LRScheduler, type SchedulerOptions, type StateFields } from './scheduler.js';
import { pow } from '../libm.js';
import { checkOptionNames } from '../optimizer.js';

export interface MultiStepLROptions extends SchedulerOptions {
  milestones: number[];
  gamma?: number;
}

export class MultiStepLR extends LRScheduler {
  /** Milestone epoch -> how many times it was listed (PyTorch's Counter; a dict in the state dict). */
  milestones: Map<number, number>;
  gamma: number;

  /** PyTorch's order (optimizer, milestones, gamma, lastEpoch, verbose), or an options object after optimizer. */
  constructor(optimizer: Optimizer<any>, ...rest: PyRest<MultiStepLROptions, ['milestones', 'gamma', 'lastEpoch', 'verbose']>);
  constructor(...args: unknown[]) {
    const [optimizer, opts = {} as MultiStepLROptions] = bindCtor(MultiStepLR, args) as [Optimizer<any>, MultiStepLROptions];
    super(optimizer, opts.lastEpoch, opts.verbose);
    checkOptionNames('MultiStepLR', opts, ['milestones', 'gamma', 'lastEpoch', 'verbose']);
    if (!Array.isArray(opts.milestones)) throw new TypeError('MultiStepLR: milestones must be an array of epochs');
    this.milestones = new Map();
    for (const m of opts.milestones) this.milestones.set(m, (this.milestones.get(m) ?? 0) + 1);
    this.gamma = opts.gamma ?? 0.1;
    this._initialStep();
  }

  protected override computeLr(): number[] {
    const groups = this.optimizer.paramGroups;
    const count = this.milestones.get(this.lastEpoch);
    if (count === undefined) return groups.map((g) => g.lr);
    return groups.map((g) => g.lr * pow(this.gamma, count));
  }

  protected override closedFormLr(): number[] {
    let passed = 0;
    for (const [m, c] of this.milestones) if (m <= this.lastEpoch) passed += c;
    return this.baseLrs.map((b) => b * pow(this.gamma, passed));
  }

  protected override stateFields(): StateFields {
    return [['milestones', 'milestones'], ['gamma', 'gamma'], ...super.stateFields()];
  }

  protected override loadValue(key: string, value: unknown): unknown {
    if (key !== 'milestones') return value;
    const entries = value instanceof Map ? [...value.entries()] : Object.entries(value as object);
    return new Map(entries.map(([k, c]) => [Number(k), Number(c)]));
  }
}

classArgs(MultiStepLR, 'torch.optim.lr_scheduler.MultiStepLR', 'optimizer; milestones, gamma, lastEpoch, verbose');
