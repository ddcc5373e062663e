// ReduceLROnPlateau: multiplies the lr by `factor` when a metric (given to each step) has not improved for
// `patience` epochs, then waits `cooldown` epochs before counting again.
import { installMethodArgs } from '../../args.js';
import { bindCtor, classArgs, type PyRest } from '../../args.js';
import { Optimizer, checkOptionNames } from '../optimizer.js';
import { Tensor } from '../../tensor.js';
import { entriesOf, formatE4, plain, type SchedulerStateDict } from './scheduler.js';

export interface ReduceLROnPlateauOptions {
  /** 'min': reduce when the metric stops decreasing; 'max': when it stops increasing. */
  mode?: 'min' | 'max';
  factor?: number;
  patience?: number;
  threshold?: number;
  thresholdMode?: 'rel' | 'abs';
  cooldown?: number;
  /** A lower bound on the lr, for all groups or one per group. */
  minLr?: number | number[];
  /** Changes of the lr smaller than this are skipped. */
  eps?: number;
  verbose?: boolean;
}

export class ReduceLROnPlateau {
  readonly optimizer: Optimizer<any>;
  factor: number;
  minLrs: number[];
  patience: number;
  verbose: boolean;
  cooldown: number;
  cooldownCounter = 0;
  mode: 'min' | 'max';
  threshold: number;
  thresholdMode: 'rel' | 'abs';
  best: number;
  numBadEpochs = 0;
  modeWorse: number;
  eps: number;
  lastEpoch = 0;
  private _lastLr: number[] | undefined;

  /** PyTorch's order (optimizer, mode, factor, patience, threshold, thresholdMode, cooldown, minLr, eps, verbose), or an options object after optimizer. */
  constructor(optimizer: Optimizer<any>, ...rest: PyRest<ReduceLROnPlateauOptions, ['mode', 'factor', 'patience', 'threshold', 'thresholdMode', 'cooldown', 'minLr', 'eps', 'verbose']>);
  constructor(...args: unknown[]) {
    const [optimizer, opts = {} as ReduceLROnPlateauOptions] = bindCtor(ReduceLROnPlateau, args) as [Optimizer<any>, ReduceLROnPlateauOptions];
    checkOptionNames('ReduceLROnPlateau', opts, ['mode', 'factor', 'patience', 'threshold', 'thresholdMode', 'cooldown', 'minLr', 'eps', 'verbose']);
    const {
      mode = 'min', factor = 0.1, patience = 10, threshold = 1e-4, thresholdMode = 'rel', cooldown = 0, minLr = 0,
      eps = 1e-8, verbose = false,
    } = opts;
    if (factor >= 1.0) throw new RangeError('ReduceLROnPlateau: factor should be < 1.0');
    if (!(optimizer instanceof Optimizer)) throw new TypeError('ReduceLROnPlateau: the first argument is not an Optimizer');
    this.factor = factor;
    this.optimizer = optimizer;
    const n = optimizer.paramGroups.length;
    if (Array.isArray(minLr)) {
      if (minLr.length !== n) throw new RangeError(`ReduceLROnPlateau: expected ${n} minLr values, got ${minLr.length}`);
      this.minLrs = [...minLr];
    } else {
      this.minLrs = new Array<number>(n).fill(minLr);
    }
    this.patience = patience;
    this.verbose = verbose;
    this.cooldown = cooldown;
    this.eps = eps;
    this.mode = mode;
    this.threshold = threshold;
    this.thresholdMode = thresholdMode;
    this.modeWorse = this.initIsBetter();
    this.best = this.modeWorse;
  }

  private initIsBetter(): number {
    if (this.mode !== 'min' && this.mode !== 'max') throw new RangeError(`ReduceLROnPlateau: mode ${String(this.mode)} is unknown`);
    if (this.thresholdMode !== 'rel' && this.thresholdMode !== 'abs') {
      throw new RangeError(`ReduceLROnPlateau: threshold mode ${String(this.thresholdMode)} is unknown`);
    }
    return this.mode === 'min' ? Infinity : -Infinity;
  }

  get inCooldown(): boolean {
    return this.cooldownCounter > 0;
  }

  isBetter(a: number, best: number): boolean {
    if (this.mode === 'min' && this.thresholdMode === 'rel') return a < best * (1 - this.threshold);
    if (this.mode === 'min') return a < best - this.threshold;
    if (this.thresholdMode === 'rel') return a > best * (this.threshold + 1);
    return a > best + this.threshold;
  }

  /** Records this epoch's metric (a number or a one-element tensor) and reduces the lr on a plateau. */
  step(metrics: number | Tensor, epoch?: number): void {
    const current = metrics instanceof Tensor ? metrics.item() : Number(metrics);
    this.lastEpoch = epoch ?? this.lastEpoch + 1;
    if (this.isBetter(current, this.best)) {
      this.best = current;
      this.numBadEpochs = 0;
    } else {
      this.numBadEpochs++;
    }
    if (this.inCooldown) {
      this.cooldownCounter--;
      this.numBadEpochs = 0;
    }
    if (this.numBadEpochs > this.patience) {
      this.reduceLr(this.lastEpoch);
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
    this._lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }

  private reduceLr(epoch: number): void {
    this.optimizer.paramGroups.forEach((g, i) => {
      const oldLr = g.lr;
      const newLr = Math.max(oldLr * this.factor, this.minLrs[i]!);
      if (oldLr - newLr > this.eps) {
        g.lr = newLr;
        if (this.verbose) console.log(`Epoch ${String(epoch).padStart(5, '0')}: reducing learning rate of group ${i} to ${formatE4(newLr)}.`);
      }
    });
  }

  /** The groups' lrs after the last step (their current lrs before the first). */
  getLastLr(): number[] {
    return this._lastLr ? [...this._lastLr] : this.optimizer.paramGroups.map((g) => g.lr);
  }

  private static readonly FIELDS: [string, keyof ReduceLROnPlateau | '_lastLr'][] = [
    ['factor', 'factor'], ['min_lrs', 'minLrs'], ['patience', 'patience'], ['verbose', 'verbose'], ['cooldown', 'cooldown'],
    ['cooldown_counter', 'cooldownCounter'], ['mode', 'mode'], ['threshold', 'threshold'], ['threshold_mode', 'thresholdMode'],
    ['best', 'best'], ['num_bad_epochs', 'numBadEpochs'], ['mode_worse', 'modeWorse'], ['eps', 'eps'],
    ['last_epoch', 'lastEpoch'], ['_last_lr', '_lastLr'],
  ];

  /** The state under PyTorch's attribute names (Python's `scheduler.state_dict()`). */
  stateDict(): SchedulerStateDict {
    const self = this as unknown as Record<string, unknown>;
    const sd: SchedulerStateDict = {};
    for (const [key, field] of ReduceLROnPlateau.FIELDS) {
      if (self[field] !== undefined) sd[key] = structuredClone(self[field]);
    }
    return sd;
  }

  loadStateDict(sd: SchedulerStateDict | Map<string, unknown>): void {
    const get = entriesOf(sd, 'scheduler state dict');
    const self = this as unknown as Record<string, unknown>;
    for (const [key, field] of ReduceLROnPlateau.FIELDS) if (get.has(key)) self[field] = plain(get.get(key));
    this.modeWorse = this.initIsBetter();
  }
}

classArgs(ReduceLROnPlateau, 'torch.optim.lr_scheduler.ReduceLROnPlateau', 'optimizer; mode, factor, patience, threshold, thresholdMode, cooldown, minLr, eps, verbose');

installMethodArgs('ReduceLROnPlateau', ReduceLROnPlateau.prototype, {
  step: ['torch.optim.lr_scheduler.ReduceLROnPlateau.step', 'metrics, epoch?'],
  getLastLr: ['torch.optim.lr_scheduler.ReduceLROnPlateau.get_last_lr', ''],
  stateDict: ['torch.optim.lr_scheduler.ReduceLROnPlateau.state_dict', ''],
  loadStateDict: ['torch.optim.lr_scheduler.ReduceLROnPlateau.load_state_dict', 'stateDict:dict'],
});
