// OneCycleLR: the 1cycle policy. The lr anneals from maxLr/divFactor up to maxLr over pctStart of the steps,
// then down to initial/finalDivFactor (two phases, fastai's default, or three with threePhase), while the
// momentum (SGD/RMSprop `momentum`, Adam `betas[0]`) cycles inversely between maxMomentum and baseMomentum.
// Called once per batch. The group keys it adds (initialLr, maxLr, minLr, maxMomentum, baseMomentum) are
// PyTorch's (`initial_lr`...) in the optimizer's state dict.
import { bindCtor, classArgs, type PyRest } from '../../args.js';
import type { Optimizer } from '../optimizer.js';
import { snakeToCamel, checkOptionNames } from '../optimizer.js';
import { LRScheduler, type SchedulerOptions, type StateFields } from './scheduler.js';
import { cos } from '../libm.js';

export interface OneCycleLROptions extends SchedulerOptions {
  /** The peak lr, for all groups or one per group. */
  maxLr: number | number[];
  /** Total steps of the cycle, or give epochs and stepsPerEpoch. */
  totalSteps?: number;
  epochs?: number;
  stepsPerEpoch?: number;
  pctStart?: number;
  annealStrategy?: 'cos' | 'linear';
  cycleMomentum?: boolean;
  baseMomentum?: number | number[];
  maxMomentum?: number | number[];
  divFactor?: number;
  finalDivFactor?: number;
  threePhase?: boolean;
}

/** One phase of the cycle, as PyTorch keeps it (its state dict holds these; the values name group keys). */
export interface OneCyclePhase {
  end_step: number;
  start_lr: string;
  end_lr: string;
  start_momentum: string;
  end_momentum: string;
}

export class OneCycleLR extends LRScheduler {
  totalSteps: number;
  schedulePhases: OneCyclePhase[];
  annealStrategy: 'cos' | 'linear';
  cycleMomentum: boolean;
  useBeta1 = false;

  /** PyTorch's order (optimizer, maxLr, totalSteps, epochs, stepsPerEpoch, pctStart, annealStrategy, cycleMomentum, baseMomentum, maxMomentum, divFactor, finalDivFactor, threePhase, lastEpoch, verbose), or an options object after optimizer. */
  constructor(optimizer: Optimizer<any>, ...rest: PyRest<OneCycleLROptions, ['maxLr', 'totalSteps', 'epochs', 'stepsPerEpoch', 'pctStart', 'annealStrategy', 'cycleMomentum', 'baseMomentum', 'maxMomentum', 'divFactor', 'finalDivFactor', 'threePhase', 'lastEpoch', 'verbose']>);
  constructor(...args: unknown[]) {
    const [optimizer, opts = {} as OneCycleLROptions] = bindCtor(OneCycleLR, args) as [Optimizer<any>, OneCycleLROptions];
    checkOptionNames('OneCycleLR', opts, ['maxLr', 'totalSteps', 'epochs', 'stepsPerEpoch', 'pctStart', 'annealStrategy', 'cycleMomentum',
      'baseMomentum', 'maxMomentum', 'divFactor', 'finalDivFactor', 'threePhase', 'lastEpoch', 'verbose']);
    const {
      totalSteps, epochs, stepsPerEpoch, pctStart = 0.3, annealStrategy = 'cos', cycleMomentum = true,
      baseMomentum = 0.85, maxMomentum = 0.95, divFactor = 25, finalDivFactor = 1e4, threePhase = false, lastEpoch = -1,
    } = opts;
    let total: number;
    if (totalSteps === undefined && epochs === undefined && stepsPerEpoch === undefined) {
      throw new TypeError('OneCycleLR: give either totalSteps or (epochs and stepsPerEpoch)');
    } else if (totalSteps !== undefined) {
      if (!Number.isInteger(totalSteps) || totalSteps <= 0) throw new RangeError(`OneCycleLR: expected a positive integer totalSteps, got ${totalSteps}`);
      total = totalSteps;
    } else {
      if (!Number.isInteger(epochs) || epochs! <= 0) throw new RangeError(`OneCycleLR: expected a positive integer epochs, got ${epochs}`);
      if (!Number.isInteger(stepsPerEpoch) || stepsPerEpoch! <= 0) {
        throw new RangeError(`OneCycleLR: expected a positive integer stepsPerEpoch, got ${stepsPerEpoch}`);
      }
      total = epochs! * stepsPerEpoch!;
    }
    if (!(pctStart >= 0 && pctStart <= 1)) throw new RangeError(`OneCycleLR: expected pctStart between 0 and 1, got ${pctStart}`);
    if (annealStrategy !== 'cos' && annealStrategy !== 'linear') {
      throw new RangeError(`OneCycleLR: annealStrategy must be 'cos' or 'linear', got ${String(annealStrategy)}`);
    }
    // The group keys must exist before the base constructor reads `initialLr`.
    const groups = optimizer.paramGroups;
    const maxLrs = perGroup('maxLr', optimizer, opts.maxLr);
    if (lastEpoch === -1) {
      groups.forEach((g, i) => {
        g.initialLr = maxLrs[i]! / divFactor;
        g.maxLr = maxLrs[i]!;
        g.minLr = g.initialLr / finalDivFactor;
      });
    }
    let useBeta1 = false;
    if (cycleMomentum) {
      const d = optimizer.defaults as Record<string, unknown>;
      if (!('momentum' in d) && !('betas' in d)) throw new TypeError('OneCycleLR: optimizer must support momentum with `cycleMomentum` enabled');
      useBeta1 = 'betas' in d;
      const maxMs = perGroup('maxMomentum', optimizer, maxMomentum);
      const baseMs = perGroup('baseMomentum', optimizer, baseMomentum);
      if (lastEpoch === -1) {
        groups.forEach((g, i) => {
          if (useBeta1) g.betas = [maxMs[i]!, ...(g.betas as number[]).slice(1)];
          else g.momentum = maxMs[i]!;
          g.maxMomentum = maxMs[i]!;
          g.baseMomentum = baseMs[i]!;
        });
      }
    }
    super(optimizer, lastEpoch, opts.verbose);
    this.totalSteps = total;
    this.schedulePhases = threePhase
      ? [
        { end_step: pctStart * total - 1, start_lr: 'initial_lr', end_lr: 'max_lr', start_momentum: 'max_momentum', end_momentum: 'base_momentum' },
        { end_step: 2 * pctStart * total - 2, start_lr: 'max_lr', end_lr: 'initial_lr', start_momentum: 'base_momentum', end_momentum: 'max_momentum' },
        { end_step: total - 1, start_lr: 'initial_lr', end_lr: 'min_lr', start_momentum: 'max_momentum', end_momentum: 'max_momentum' },
      ]
      : [
        { end_step: pctStart * total - 1, start_lr: 'initial_lr', end_lr: 'max_lr', start_momentum: 'max_momentum', end_momentum: 'base_momentum' },
        { end_step: total - 1, start_lr: 'max_lr', end_lr: 'min_lr', start_momentum: 'base_momentum', end_momentum: 'max_momentum' },
      ];
    this.annealStrategy = annealStrategy;
    this.cycleMomentum = cycleMomentum;
    this.useBeta1 = useBeta1;
    this._initialStep();
  }

  private anneal(start: number, end: number, pct: number): number {
    if (this.annealStrategy === 'cos') {
      const cosOut = cos(Math.PI * pct) + 1;
      return end + (start - end) / 2.0 * cosOut;
    }
    return (end - start) * pct + start;
  }

  protected override computeLr(): number[] {
    const stepNum = this.lastEpoch;
    if (stepNum > this.totalSteps) {
      throw new RangeError(`OneCycleLR: tried to step ${stepNum + 1} times; the specified number of total steps is ${this.totalSteps}`);
    }
    const phases = this.schedulePhases;
    return this.optimizer.paramGroups.map((group) => {
      const num = (key: string): number => group[snakeToCamel(key)] as number;
      let startStep = 0;
      let lr = 0;
      let momentum = 0;
      for (let i = 0; i < phases.length; i++) {
        const phase = phases[i]!;
        const endStep = phase.end_step;
        if (stepNum <= endStep || i === phases.length - 1) {
          const pct = (stepNum - startStep) / (endStep - startStep);
          lr = this.anneal(num(phase.start_lr), num(phase.end_lr), pct);
          if (this.cycleMomentum) momentum = this.anneal(num(phase.start_momentum), num(phase.end_momentum), pct);
          break;
        }
        startStep = phase.end_step;
      }
      if (this.cycleMomentum) {
        if (this.useBeta1) group.betas = [momentum, ...(group.betas as number[]).slice(1)];
        else group.momentum = momentum;
      }
      return lr;
    });
  }

  protected override stateFields(): StateFields {
    // PyTorch's state dict also holds `anneal_func`, a bound method; the strategy is a constructor option here.
    return [
      ['total_steps', 'totalSteps'], ['_schedule_phases', 'schedulePhases'], ['cycle_momentum', 'cycleMomentum'],
      ['use_beta1', 'useBeta1'], ...super.stateFields(),
    ];
  }
}

function perGroup(name: string, optimizer: Optimizer<any>, v: number | number[]): number[] {
  const n = optimizer.paramGroups.length;
  if (Array.isArray(v)) {
    if (v.length !== n) throw new RangeError(`OneCycleLR: expected ${n} values for ${name}, got ${v.length}`);
    return [...v];
  }
  return new Array<number>(n).fill(v);
}

classArgs(OneCycleLR, 'torch.optim.lr_scheduler.OneCycleLR', 'optimizer; maxLr, totalSteps, epochs, stepsPerEpoch, pctStart, annealStrategy, cycleMomentum, baseMomentum, maxMomentum, divFactor, finalDivFactor, threePhase, lastEpoch, verbose');
