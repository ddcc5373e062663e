// SequentialLR: runs one scheduler after another, switching at the milestone epochs (the next scheduler
// restarts from its epoch 0 there).
import { bindCtor, classArgs, type PyRest } from '../../args.js';
import type { Optimizer } from '../optimizer.js';
import { LRScheduler, entriesOf, type SchedulerOptions, type SchedulerStateDict, type StateFields } from './scheduler.js';
import { checkOptionNames } from '../optimizer.js';

export interface SequentialLROptions extends SchedulerOptions {
  schedulers: LRScheduler[];
  milestones: number[];
}

export class SequentialLR extends LRScheduler {
  readonly schedulers: LRScheduler[];
  milestones: number[];

  /** PyTorch's order (optimizer, schedulers, milestones, lastEpoch, verbose), or an options object after optimizer. */
  constructor(optimizer: Optimizer<any>, ...rest: PyRest<SequentialLROptions, ['schedulers', 'milestones', 'lastEpoch', 'verbose']>);
  constructor(...args: unknown[]) {
    const [optimizer, opts = {} as SequentialLROptions] = bindCtor(SequentialLR, args) as [Optimizer<any>, SequentialLROptions];
    const { schedulers, milestones, lastEpoch = -1 } = opts;
    super(optimizer, -1, opts.verbose);
    checkOptionNames('SequentialLR', opts, ['schedulers', 'milestones', 'lastEpoch', 'verbose']);
    if (!Array.isArray(schedulers) || schedulers.length === 0) throw new TypeError('SequentialLR: schedulers must be a non-empty array');
    schedulers.forEach((s, i) => {
      if (s.optimizer !== optimizer) {
        throw new RangeError(`SequentialLR expects all schedulers to belong to the same optimizer, but the scheduler at index ${i} has another one`);
      }
    });
    if (milestones.length !== schedulers.length - 1) {
      throw new RangeError(`SequentialLR expects one milestone fewer than schedulers, but got ${schedulers.length} schedulers and ${milestones.length} milestones`);
    }
    this.schedulers = schedulers;
    this.milestones = [...milestones];
    this.lastEpoch = lastEpoch + 1;
    for (const g of optimizer.paramGroups) g.lr = g.initialLr as number;
    for (const s of schedulers) s.lastEpoch -= 1;
    schedulers[0]!._initialStep();
    this._lastLr = schedulers[0]!.getLastLr();
  }

  protected override computeLr(): number[] {
    return this.getLastLr();
  }

  override step(): void {
    this.lastEpoch++;
    const idx = bisectRight(this.milestones, this.lastEpoch);
    const scheduler = this.schedulers[idx]!;
    if (idx > 0 && this.milestones[idx - 1] === this.lastEpoch) scheduler.step(0);
    else scheduler.step();
    this._lastLr = scheduler.getLastLr();
  }

  protected override stateFields(): StateFields {
    return [['_milestones', 'milestones'], ['last_epoch', 'lastEpoch'], ['_last_lr', '_lastLr']];
  }

  override stateDict(): SchedulerStateDict {
    return { ...super.stateDict(), _schedulers: this.schedulers.map((s) => s.stateDict()) };
  }

  override loadStateDict(sd: SchedulerStateDict | Map<string, unknown>): void {
    super.loadStateDict(sd);
    const subs = entriesOf(sd, 'scheduler state dict').get('_schedulers');
    if (subs === undefined) return;
    if (!Array.isArray(subs) || subs.length !== this.schedulers.length) {
      throw new RangeError(`loadStateDict: _schedulers must list ${this.schedulers.length} state dicts`);
    }
    subs.forEach((s, i) => this.schedulers[i]!.loadStateDict(s as SchedulerStateDict));
  }
}

function bisectRight(a: readonly number[], x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (x < a[mid]!) hi = mid; else lo = mid + 1;
  }
  return lo;
}

classArgs(SequentialLR, 'torch.optim.lr_scheduler.SequentialLR', 'optimizer; schedulers, milestones, lastEpoch, verbose');
