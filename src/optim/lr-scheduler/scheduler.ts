// The base of the epoch-indexed lr schedulers (PyTorch 1.13's _LRScheduler): `lastEpoch` counts step()
// calls, construction performs the first step (epoch 0), and each step writes the new lr into every
// parameter group. Subclasses compute the chained form (from the groups' current lr) in getLr() and, where
// PyTorch has one, the closed form (from the base lrs) used by step(epoch).
import { installMethodArgs } from '../../args.js';
import { Optimizer } from '../optimizer.js';

export interface SchedulerOptions {
  /** The index of the last epoch when resuming; -1 (the default) starts the schedule. */
  lastEpoch?: number;
  /** Print each lr change, as PyTorch's verbose=True. */
  verbose?: boolean;
}

/** A scheduler's state dict: PyTorch's attribute names, so that it round-trips with Python's. */
export type SchedulerStateDict = Record<string, unknown>;

/** The keys of a scheduler's state dict and the fields they come from. */
export type StateFields = [pythonKey: string, field: string][];

export abstract class LRScheduler {
  readonly optimizer: Optimizer<any>;
  baseLrs: number[];
  lastEpoch: number;
  verbose: boolean;
  protected _stepCount = 0;
  protected _getLrCalledWithinStep = false;
  protected _lastLr: number[] = [];
  private warnedOrder = false;

  protected constructor(optimizer: Optimizer<any>, lastEpoch = -1, verbose = false) {
    if (!(optimizer instanceof Optimizer)) throw new TypeError(`${describe(optimizer)} is not an Optimizer`);
    this.optimizer = optimizer;
    if (lastEpoch === -1) {
      for (const g of optimizer.paramGroups) if (g.initialLr === undefined) g.initialLr = g.lr;
    } else {
      optimizer.paramGroups.forEach((g, i) => {
        if (g.initialLr === undefined) {
          throw new RangeError(`paramGroups[${i}] has no initialLr (PyTorch's 'initial_lr'), needed when resuming with lastEpoch=${lastEpoch}`);
        }
      });
    }
    this.baseLrs = optimizer.paramGroups.map((g) => g.initialLr as number);
    this.lastEpoch = lastEpoch;
    this.verbose = verbose;
  }

  /** Resets the step counts and takes the first step; subclasses call it at the end of their constructor. */
  _initialStep(): void {
    this.optimizer._stepCount = 0;
    this._stepCount = 0;
    this.step();
  }

  /** The lrs of the current epoch in the chained form (from the groups' current lrs). */
  getLr(): number[] {
    if (!this._getLrCalledWithinStep) {
      process.emitWarning('To get the last learning rate computed by the scheduler, please use `getLastLr()`.');
    }
    return this.computeLr();
  }

  protected abstract computeLr(): number[];

  /** The lrs of epoch `lastEpoch` from the base lrs, for step(epoch); null where PyTorch has no closed form. */
  protected closedFormLr(): number[] | null {
    return null;
  }

  /** Advances one epoch (or jumps to `epoch`, with the closed form where there is one) and sets the groups' lr. */
  step(epoch?: number): void {
    if (this._stepCount === 1 && this.optimizer._stepCount < 1 && !this.warnedOrder) {
      this.warnedOrder = true;
      process.emitWarning('Detected call of `lrScheduler.step()` before `optimizer.step()`. Call them in the opposite order: '
        + '`optimizer.step()` before `lrScheduler.step()`, or the first value of the learning rate schedule is skipped.');
    }
    this._stepCount++;
    this._getLrCalledWithinStep = true;
    let values: number[];
    try {
      if (epoch === undefined) {
        this.lastEpoch++;
        values = this.computeLr();
      } else {
        this.lastEpoch = epoch;
        values = this.closedFormLr() ?? this.computeLr();
      }
    } finally {
      this._getLrCalledWithinStep = false;
    }
    this.optimizer.paramGroups.forEach((g, i) => {
      g.lr = values[i]!;
      if (this.verbose) printLr(i, g.lr, epoch);
    });
    this._lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }

  /** The lrs set by the last step, one per parameter group. */
  getLastLr(): number[] {
    return [...this._lastLr];
  }

  protected stateFields(): StateFields {
    return [
      ['base_lrs', 'baseLrs'], ['last_epoch', 'lastEpoch'], ['verbose', 'verbose'], ['_step_count', '_stepCount'],
      ['_get_lr_called_within_step', '_getLrCalledWithinStep'], ['_last_lr', '_lastLr'],
    ];
  }

  /** The scheduler's state under PyTorch's attribute names (Python's `scheduler.state_dict()`). */
  stateDict(): SchedulerStateDict {
    const self = this as unknown as Record<string, unknown>;
    const sd: SchedulerStateDict = {};
    for (const [key, field] of this.stateFields()) sd[key] = structuredClone(self[field]);
    return sd;
  }

  /** Loads a state dict from stateDict() or from Python's `scheduler.state_dict()`; other keys are ignored. */
  loadStateDict(sd: SchedulerStateDict | Map<string, unknown>): void {
    const get = entriesOf(sd, 'scheduler state dict');
    const self = this as unknown as Record<string, unknown>;
    for (const [key, field] of this.stateFields()) {
      if (get.has(key)) self[field] = this.loadValue(key, plain(get.get(key)));
    }
  }

  /** Converts one loaded value (after bigints became numbers) to the field's form. */
  protected loadValue(_key: string, value: unknown): unknown {
    return value;
  }
}

/** Reads a state dict given as a Map or a plain object. */
export function entriesOf(sd: unknown, what: string): Map<string, unknown> {
  if (sd instanceof Map) return new Map([...sd.entries()].map(([k, v]) => [String(k), v]));
  if (sd !== null && typeof sd === 'object' && !Array.isArray(sd)) return new Map(Object.entries(sd));
  throw new TypeError(`loadStateDict: expected the ${what} as an object or a Map`);
}

/** A deep copy with bigints (int64 from a pickle) as numbers. */
export function plain(v: unknown): unknown {
  if (typeof v === 'bigint') return Number(v);
  if (Array.isArray(v)) return v.map(plain);
  if (v instanceof Map) return new Map([...v.entries()].map(([k, x]) => [plain(k), plain(x)]));
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  }
  return v;
}

function describe(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  return typeof v === 'object' ? (v.constructor?.name ?? 'object') : typeof v;
}

/** Python's '{:.4e}'.format(x): at least two exponent digits. */
export function formatE4(x: number): string {
  return x.toExponential(4).replace(/e([+-])(\d)$/, 'e$10$2');
}

function printLr(group: number, lr: number, epoch?: number): void {
  if (epoch === undefined) {
    console.log(`Adjusting learning rate of group ${group} to ${formatE4(lr)}.`);
  } else {
    const e = Number.isInteger(epoch) ? String(epoch).padStart(5, '0') : epoch.toFixed(2);
    console.log(`Epoch ${e}: adjusting learning rate of group ${group} to ${formatE4(lr)}.`);
  }
}

// PyTorch's argument binding for the schedulers' methods (see args.ts).
installMethodArgs('LRScheduler', LRScheduler.prototype, {
  getLr: ['torch.optim.lr_scheduler._LRScheduler.get_lr', ''],
  step: ['torch.optim.lr_scheduler._LRScheduler.step', 'epoch?'],
  getLastLr: ['torch.optim.lr_scheduler._LRScheduler.get_last_lr', ''],
  stateDict: ['torch.optim.lr_scheduler._LRScheduler.state_dict', ''],
  loadStateDict: ['torch.optim.lr_scheduler._LRScheduler.load_state_dict', 'stateDict:dict'],
});
