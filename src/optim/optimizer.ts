// torch.optim.Optimizer: parameter groups, per-parameter state, zeroGrad, and state dicts in PyTorch's format.
//
// Hyper-parameters live in `paramGroups` under camelCase names (`weightDecay`); state dicts carry PyTorch's
// snake_case names (`weight_decay`) so that a state dict saved by torch.save loads in Python's
// `optimizer.load_state_dict`, and one from Python loads here. Per-parameter state keeps PyTorch's keys
// (`exp_avg`, `momentum_buffer`), as state-dict keys do elsewhere.
import { installMethodArgs } from '../args.js';
import { Tensor } from '../tensor.js';
import { cacheChunks } from './foreach.js';
import { tidy, keep, untrack } from '../memory.js';
import { noGrad, enableGrad } from '../autograd/grad-mode.js';
import { isFloatingPoint } from '../dtype.js';
import { native } from '../native/binding.js';

/** A value in one parameter's state: tensors, step counters, or null (SGD without momentum). */
export type StateValue = Tensor | number | boolean | null;
export type ParamState = Record<string, StateValue>;

/** A parameter group: its parameters and hyper-parameters (mutable; schedulers write `lr` here). */
export type ParamGroup<H extends object = HyperParams> = H & { params: Tensor[]; [key: string]: unknown };

export interface HyperParams {
  lr: number;
}

/** One group as given to a constructor or addParamGroup; hyper-parameters not given come from the defaults. */
export type ParamGroupInput<O extends object = object> = Partial<O> & { params: Iterable<Tensor> | Tensor; [key: string]: unknown };

/** Parameters as an optimizer takes them: tensors (one group), or groups with their own hyper-parameters. */
export type Params<O extends object = object> = Iterable<Tensor> | Iterable<ParamGroupInput<O>>;

/** PyTorch's optimizer state dict: state by parameter index, and the groups with `params` as indices. */
export interface OptimizerStateDict {
  state: Map<number, Record<string, unknown>>;
  param_groups: Record<string, unknown>[];
}

/** What loadStateDict accepts: the above, or state as an object with numeric-string keys (JSON, or a pickle). */
export interface OptimizerStateDictInput {
  state: Map<number | bigint | string, unknown> | Record<string, unknown>;
  param_groups: Record<string, unknown>[];
}

export function camelToSnake(key: string): string {
  return key.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase());
}
export function snakeToCamel(key: string): string {
  return key.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

/** Rejects options an optimizer or scheduler does not know, pointing PyTorch's snake_case names to ours. */
export function checkOptionNames(what: string, opts: object | undefined, known: readonly string[]): void {
  if (opts === undefined || opts === null) return;
  if (typeof opts !== 'object') throw new TypeError(`${what}: options must be an object`);
  for (const k of Object.keys(opts)) {
    if (known.includes(k)) continue;
    const hint = known.includes(snakeToCamel(k)) ? `; tstorch spells it '${snakeToCamel(k)}'` : `; known options: ${known.join(', ')}`;
    throw new TypeError(`${what}: unknown option '${k}'${hint}`);
  }
}

/**
 * The base of all optimizers (torch.optim.Optimizer). A subclass passes its defaults to the constructor and
 * implements updateParams(group, params, grads), which runs inside noGrad and a tidy scope: temporaries are
 * freed after each step, and tensors kept as state go through persist(). It is given a group's parameters
 * that have a gradient a cache-sized range at a time (see updateGroup()).
 *
 *   const opt = new torch.optim.SGD([{ params: model.features.parameters() },
 *     { params: model.classifier.parameters(), lr: 1e-3 }], { lr: 1e-4, momentum: 0.9 });
 *   opt.zeroGrad(); loss.backward(); opt.step();
 */
export abstract class Optimizer<H extends HyperParams = HyperParams> {
  /** The hyper-parameters a group gets when it does not set them. */
  readonly defaults: H;
  paramGroups: ParamGroup<H>[] = [];
  /** Per-parameter state, keyed by the parameter tensor, in the order parameters were first stepped. */
  state = new Map<Tensor, ParamState>();
  /** Calls of step(), read by the lr schedulers to warn when they run ahead of the optimizer. */
  _stepCount = 0;

  protected constructor(params: Params<H>, defaults: H) {
    this.defaults = defaults;
    if (params instanceof Tensor) {
      throw new TypeError('params given to the optimizer should be an iterable of Tensors or parameter groups, but got a Tensor');
    }
    const list = [...(params as Iterable<Tensor | ParamGroupInput<H>>)];
    if (list.length === 0) throw new RangeError('optimizer got an empty parameter list');
    const groups: ParamGroupInput<H>[] = list[0] instanceof Tensor ? [{ params: list as Tensor[] } as unknown as ParamGroupInput<H>] : list as ParamGroupInput<H>[];
    for (const g of groups) this.addParamGroup(g);
  }

  /** Adds a group (e.g. layers unfrozen during fine-tuning); hyper-parameters not given come from the defaults. */
  addParamGroup(group: ParamGroupInput<H>): void {
    if (group === null || typeof group !== 'object' || group instanceof Tensor || !('params' in group)) {
      throw new TypeError('a parameter group must be an object with a `params` entry');
    }
    const raw = group.params;
    if (raw instanceof Set) {
      throw new TypeError('optimizer parameters need a deterministic order, but a Set was given: pass an array');
    }
    const params = raw instanceof Tensor ? [raw] : [...raw];
    params.forEach((p, i) => {
      if (!(p instanceof Tensor)) throw new TypeError(`the optimizer can only optimize Tensors, but params[${i}] is ${typeof p}`);
      if (!p.isLeaf && !p.retainsGrad) throw new RangeError(`can't optimize a non-leaf Tensor (params[${i}])`);
    });
    for (const k of Object.keys(group)) {
      // A group may carry keys of the user's own (PyTorch allows it), but PyTorch's spelling of ours is a mistake.
      if (k.includes('_') && snakeToCamel(k) in this.defaults) {
        throw new TypeError(`parameter group option '${k}': tstorch spells it '${snakeToCamel(k)}'`);
      }
    }
    const g: Record<string, unknown> = { ...group, params };
    for (const [k, v] of Object.entries(this.defaults)) {
      if (g[k] === undefined) {
        if (v === undefined) throw new TypeError(`parameter group didn't specify a value of required optimization parameter ${k}`);
        g[k] = Array.isArray(v) ? [...v] : v;
      }
    }
    if (new Set(params).size !== params.length) {
      process.emitWarning('optimizer contains a parameter group with duplicate parameters; in future, this will cause an error');
    }
    for (const other of this.paramGroups) {
      for (const p of other.params) {
        if (params.includes(p)) throw new RangeError('some parameters appear in more than one parameter group');
      }
    }
    this.paramGroups.push(g as ParamGroup<H>);
  }

  /**
   * Resets the gradients of all optimized tensors: to zeros (the default of PyTorch 1.13, the libtorch linked
   * here), or to null with `setToNone: true` (PyTorch 2's default). Optimizers skip parameters whose gradient is
   * null, but step with a zero gradient (momentum and weight decay still move them).
   */
  zeroGrad(opts: { setToNone?: boolean } = {}): void {
    const setToNone = opts.setToNone ?? false;
    // PyTorch 1.13's loop (a gradient with a grad_fn detached, otherwise its requires_grad cleared, then zeroed),
    // in one native call for all parameters rather than five per parameter (ResNet-18: 7.6-7.7 ms, 7.9 before;
    // PyTorch 6.9-7.7; the memset of the gradients is most of it).
    for (const group of this.paramGroups) native.zeroGrads(group.params.map((p) => p._h), setToNone);
  }

  /**
   * One optimization step. `closure` re-evaluates the model and returns the loss (run with gradients on);
   * its result is returned. The update itself runs without autograd and frees its temporaries.
   */
  step<L = undefined>(closure?: () => L): L | undefined {
    this._stepCount++;
    let loss: L | undefined;
    if (closure !== undefined) loss = enableGrad(closure);
    noGrad(() => tidy(() => {
      for (const group of this.paramGroups) this.updateGroup(group);
    }));
    return loss;
  }

  /**
   * Updates one group's parameters that have a gradient, passing them to updateParams() in ranges of at most
   * 256 KB of parameters. An update is several foreach passes (SGD with momentum: the buffer's scale, the
   * gradient's sum, the parameter's step); range by range, each pass finds the range's tensors still in the
   * core's cache from the pass before, as PyTorch's single-tensor loop does parameter by parameter, instead
   * of reading every parameter, buffer and gradient from memory again for each pass (ResNet-18's SGD step,
   * back-to-back runs at load ~1: 10.4-11.1 ms in one range, 9.0-9.5 in ranges; under more load the two were
   * within the spread between processes, BENCHMARKS.md). The arithmetic per element is the same either way.
   * Runs inside noGrad and tidy; override it for an update that needs the whole group at once (SGD overrides
   * it to update most parameters in one native pass each, src/optim/sgd.ts).
   */
  protected updateGroup(group: ParamGroup<H>): void {
    const { params, grads } = this.withGrads(group);
    for (const [start, end] of cacheChunks(params, 256 * 1024)) {
      this.updateParams(group, params.slice(start, end), grads.slice(start, end));
    }
  }

  /** Updates `params` (some of `group`'s, each with its gradient in `grads`, never empty). Runs inside noGrad and tidy. */
  protected abstract updateParams(group: ParamGroup<H>, params: Tensor[], grads: Tensor[]): void;

  /** The group's parameters that have gradients, with those gradients (handles freed by the step's tidy). */
  protected withGrads(group: ParamGroup<H>): { params: Tensor[]; grads: Tensor[] } {
    const params: Tensor[] = [];
    const grads: Tensor[] = [];
    for (const p of group.params) {
      const g = p.grad;
      if (g === null) continue;
      params.push(p);
      grads.push(g);
    }
    return { params, grads };
  }

  /** The state of a parameter, created empty on first use. */
  protected stateOf(p: Tensor): ParamState {
    let s = this.state.get(p);
    if (s === undefined) {
      s = {};
      this.state.set(p, s);
    }
    return s;
  }

  /** Makes a tensor live as optimizer state: exempt from the step's tidy scope. */
  protected persist(t: Tensor): Tensor {
    keep(t);
    untrack(t);
    return t;
  }

  /**
   * The optimizer's state in PyTorch's format: `state` maps parameter indices (counted across groups in
   * order) to their state, `param_groups` lists each group's hyper-parameters under PyTorch's names with
   * `params` as those indices. Tensors share memory with the live state (as in PyTorch, no copies) through
   * handles of their own, so disposing or loading over one side leaves the other valid.
   */
  stateDict(): OptimizerStateDict {
    const index = new Map<Tensor, number>();
    let next = 0;
    const paramGroups = this.paramGroups.map((group) => {
      const packed: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(group)) {
        if (k === 'params') continue;
        packed[camelToSnake(k)] = Array.isArray(v) ? [...v] : v;
      }
      const ids: number[] = [];
      for (const p of group.params) {
        if (!index.has(p)) index.set(p, next++);
        ids.push(index.get(p)!);
      }
      packed.params = ids;
      return packed;
    });
    const state = new Map<number, Record<string, unknown>>();
    for (const [p, s] of this.state) {
      const i = index.get(p);
      if (i === undefined) continue;
      const entry: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(s)) entry[k] = v instanceof Tensor ? v.detach() : v;
      state.set(i, entry);
    }
    return { state, param_groups: paramGroups };
  }

  /**
   * Loads a state dict from stateDict() or from Python's `optimizer.state_dict()` (after torch.load).
   * Tensors are copied, floating-point ones cast to their parameter's dtype (except `step`) and moved to its
   * device; the groups' hyper-parameters are replaced by the saved ones.
   */
  loadStateDict(sd: OptimizerStateDictInput): void {
    if (sd === null || typeof sd !== 'object' || !('state' in sd) || !('param_groups' in sd)) {
      throw new TypeError("loadStateDict: expected an object with 'state' and 'param_groups'");
    }
    const saved = sd.param_groups;
    if (!Array.isArray(saved)) throw new TypeError("loadStateDict: 'param_groups' must be an array");
    if (saved.length !== this.paramGroups.length) {
      throw new RangeError(`loadStateDict: the state dict has ${saved.length} parameter groups, the optimizer has ${this.paramGroups.length}`);
    }
    const idMap = new Map<number, Tensor>();
    saved.forEach((sg, gi) => {
      const ids = sg.params;
      if (!Array.isArray(ids)) throw new TypeError(`loadStateDict: param_groups[${gi}].params must be an array of indices`);
      const mine = this.paramGroups[gi]!.params;
      if (ids.length !== mine.length) {
        throw new RangeError(`loadStateDict: param_groups[${gi}] has ${ids.length} parameters in the state dict, ${mine.length} in the optimizer`);
      }
      ids.forEach((id, k) => idMap.set(toIndex(id, `param_groups[${gi}].params[${k}]`), mine[k]!));
    });

    const entries: [number, unknown][] = [];
    if (sd.state instanceof Map) {
      for (const [k, v] of sd.state) entries.push([toIndex(k, 'state key'), v]);
    } else {
      for (const [k, v] of Object.entries(sd.state)) entries.push([toIndex(k, 'state key'), v]);
    }
    const state = new Map<Tensor, ParamState>();
    for (const [id, value] of entries) {
      const p = idMap.get(id);
      if (p === undefined) throw new RangeError(`loadStateDict: state for parameter index ${id}, which no parameter group lists`);
      if (value === null || typeof value !== 'object') throw new TypeError(`loadStateDict: state[${id}] must be an object`);
      const entry: ParamState = {};
      const fields = value instanceof Map ? [...value.entries()] as [string, unknown][] : Object.entries(value);
      for (const [key, v] of fields) entry[key] = this.castState(p, key, v, id);
      state.set(p, entry);
    }

    const groups = saved.map((sg, gi) => {
      const g: Record<string, unknown> = { params: this.paramGroups[gi]!.params };
      for (const [k, v] of Object.entries(sg)) {
        if (k === 'params') continue;
        g[snakeToCamel(k)] = plainValue(v);
      }
      // Like PyTorch's __setstate__: a state dict from an older version may lack newer options.
      for (const [k, v] of Object.entries(this.defaults)) if (g[k] === undefined && v !== undefined) g[k] = v;
      return g as ParamGroup<H>;
    });

    for (const s of this.state.values()) for (const v of Object.values(s)) if (v instanceof Tensor) v.dispose();
    this.state = state;
    this.paramGroups = groups;
    this.afterLoad();
  }

  private castState(p: Tensor, key: string, v: unknown, id: number): StateValue {
    if (v instanceof Tensor) {
      let t: Tensor;
      if (key === 'step') t = v.clone();
      else {
        t = isFloatingPoint(p.dtype) && v.isFloatingPoint() ? v.to({ dtype: p.dtype, device: p.device, copy: true }) : v.to({ device: p.device, copy: true });
      }
      return this.persist(t);
    }
    if (typeof v === 'bigint') return Number(v);
    if (v === null || typeof v === 'number' || typeof v === 'boolean') return v;
    throw new TypeError(`loadStateDict: state[${id}].${key} is ${typeof v}; expected a Tensor, a number or null`);
  }

  /** Adapts loaded state from older PyTorch versions (Adam's `step` as a number becomes a tensor). */
  protected afterLoad(): void {}

  /** PyTorch's repr: the class name and each group's hyper-parameters in sorted order. */
  toString(): string {
    let s = `${this.constructor.name} (`;
    this.paramGroups.forEach((g, i) => {
      s += `\nParameter Group ${i}\n`;
      for (const k of Object.keys(g).map(camelToSnake).sort()) {
        if (k === 'params') continue;
        s += `    ${k}: ${pyRepr(g[snakeToCamel(k)])}\n`;
      }
    });
    return s + ')';
  }
}

function toIndex(k: unknown, what: string): number {
  const n = typeof k === 'bigint' ? Number(k) : typeof k === 'string' && /^\d+$/.test(k) ? Number(k) : k;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) throw new TypeError(`loadStateDict: ${what} ${String(k)} is not a parameter index`);
  return n;
}

function plainValue(v: unknown): unknown {
  if (typeof v === 'bigint') return Number(v);
  if (Array.isArray(v)) return v.map(plainValue);
  return v;
}

function pyRepr(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (Array.isArray(v)) return `(${v.map(pyRepr).join(', ')})`;
  if (typeof v === 'number') return pyNumber(v);
  return String(v);
}

/** Python's repr of a number: exponent notation below 1e-4 and from 1e16, with two exponent digits. */
function pyNumber(x: number): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'nan' : x > 0 ? 'inf' : '-inf';
  if (Number.isInteger(x) && Math.abs(x) < 1e16) return String(x);
  const [mantissa, e] = x.toExponential().split('e') as [string, string];
  const exp = Number(e);
  if (exp < -4 || exp >= 16) return `${mantissa}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  return String(x);
}

// PyTorch's argument binding for the optimizers' methods (see args.ts).
installMethodArgs('Optimizer', Optimizer.prototype, {
  addParamGroup: ['torch.optim.Optimizer.add_param_group', 'paramGroup:dict'],
  zeroGrad: ['torch.optim.Optimizer.zero_grad', '; setToNone'],
  step: ['torch.optim.Optimizer.step', 'closure?'],
  stateDict: ['torch.optim.Optimizer.state_dict', ''],
  loadStateDict: ['torch.optim.Optimizer.load_state_dict', 'stateDict:dict'],
});
