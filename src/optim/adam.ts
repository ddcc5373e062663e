// torch.optim.Adam, as PyTorch 1.13's single-tensor algorithm (torch/optim/adam.py): L2 weight decay added
// to the gradient, bias-corrected moments, AMSGrad and maximize. AdamW shares the update (adamw.ts).
import { bindCtor, classArgs, type PyRest } from '../args.js';
import { Tensor } from '../tensor.js';
import { zerosLike, scalarTensor } from '../creation.js';
import { Optimizer, checkOptionNames, type Params, type ParamGroup, type ParamState } from './optimizer.js';
import * as F from './foreach.js';
import { pow } from './libm.js';

export interface AdamHyperParams {
  lr: number;
  betas: [number, number];
  eps: number;
  weightDecay: number;
  amsgrad: boolean;
  maximize: boolean;
  /** Kept for PyTorch's state-dict format; tstorch has one implementation. */
  foreach: boolean | null;
  capturable: boolean;
  differentiable: boolean;
  fused: boolean;
}

export interface AdamOptions {
  lr?: number;
  betas?: [number, number];
  eps?: number;
  weightDecay?: number;
  amsgrad?: boolean;
  maximize?: boolean;
}

export function checkAdamOptions(lr: number, betas: readonly number[], eps: number, weightDecay: number): void {
  if (!(lr >= 0)) throw new RangeError(`Invalid learning rate: ${lr}`);
  if (!(eps >= 0)) throw new RangeError(`Invalid epsilon value: ${eps}`);
  if (!Array.isArray(betas) || betas.length !== 2) throw new TypeError('betas must be a pair [beta1, beta2]');
  if (!(betas[0]! >= 0 && betas[0]! < 1)) throw new RangeError(`Invalid beta parameter at index 0: ${betas[0]}`);
  if (!(betas[1]! >= 0 && betas[1]! < 1)) throw new RangeError(`Invalid beta parameter at index 1: ${betas[1]}`);
  if (!(weightDecay >= 0)) throw new RangeError(`Invalid weight_decay value: ${weightDecay}`);
}

/** What the update reads from an Adam or AdamW group. */
type AdamGroupLike = Pick<AdamHyperParams, 'lr' | 'betas' | 'eps' | 'weightDecay' | 'amsgrad' | 'maximize'>;

/**
 * One Adam/AdamW step over a group's parameters that have gradients. `decoupled` is AdamW: the parameter
 * shrinks by `1 - lr * weightDecay` instead of the gradient getting `weightDecay * param`.
 */
export function adamUpdate(
  params: Tensor[], grads: Tensor[], group: AdamGroupLike, stateOf: (p: Tensor) => ParamState,
  persist: (t: Tensor) => Tensor, decoupled: boolean,
): void {
  if (params.length === 0) return;
  const { lr, eps, amsgrad } = group;
  const [beta1, beta2] = group.betas;
  const states = params.map((p) => {
    const s = stateOf(p);
    if (Object.keys(s).length === 0) {
      s.step = persist(scalarTensor(0, { dtype: 'float32' }));
      s.exp_avg = persist(zerosLike(p));
      s.exp_avg_sq = persist(zerosLike(p));
      if (amsgrad) s.max_exp_avg_sq = persist(zerosLike(p));
    } else if (amsgrad && !(s.max_exp_avg_sq instanceof Tensor)) {
      // amsgrad switched on after the first step: PyTorch would fail; start the maximum from zeros.
      s.max_exp_avg_sq = persist(zerosLike(p));
    }
    return s;
  });
  const steps = states.map((s) => s.step as Tensor);
  F.addScalar_(steps, 1);

  let g: Tensor[];
  if (decoupled) {
    F.mul_(params, 1 - lr * group.weightDecay);
    g = group.maximize ? F.neg(grads) : grads;
  } else {
    g = F.effectiveGrads(params, grads, group.maximize, group.weightDecay);
  }
  const expAvgs = states.map((s) => s.exp_avg as Tensor);
  const expAvgSqs = states.map((s) => s.exp_avg_sq as Tensor);
  F.mul_(expAvgs, beta1);
  F.add_(expAvgs, g, 1 - beta1);
  F.mul_(expAvgSqs, beta2);
  F.addcmul_(expAvgSqs, g, g, 1 - beta2);

  // The bias corrections depend on each parameter's step count; parameters share one update per count.
  for (const [step, idx] of F.groupByValue(steps)) {
    const biasCorrection1 = 1 - pow(beta1, step);
    const biasCorrection2 = 1 - pow(beta2, step);
    const stepSize = lr / biasCorrection1;
    const biasCorrection2Sqrt = Math.sqrt(biasCorrection2);
    let denom: Tensor[];
    if (amsgrad) {
      const maxSqs = idx.map((i) => states[i]!.max_exp_avg_sq as Tensor);
      F.maximum_(maxSqs, idx.map((i) => expAvgSqs[i]!));
      denom = F.sqrt(maxSqs);
    } else {
      denom = F.sqrt(idx.map((i) => expAvgSqs[i]!));
    }
    F.divScalar_(denom, biasCorrection2Sqrt);
    F.addScalar_(denom, eps);
    F.addcdiv_(idx.map((i) => params[i]!), idx.map((i) => expAvgs[i]!), denom, -stepSize);
  }
}

/** PyTorch before 1.12 saved `step` as a number; the algorithm now keeps it as a float32 tensor. */
export function stepsToTensors(state: Map<Tensor, ParamState>, persist: (t: Tensor) => Tensor): void {
  for (const s of state.values()) {
    if (typeof s.step === 'number') s.step = persist(scalarTensor(s.step, { dtype: 'float32' }));
  }
}

export class Adam extends Optimizer<AdamHyperParams> {
  /** PyTorch's order (params, lr, betas, eps, weightDecay, amsgrad), or an options object after params. */
  constructor(params: Params<AdamOptions>, ...rest: PyRest<AdamOptions, ['lr', 'betas', 'eps', 'weightDecay', 'amsgrad']>);
  constructor(...args: unknown[]) {
    const [params, opts = {}] = bindCtor(Adam, args) as [Params<AdamOptions>, AdamOptions];
    checkOptionNames('Adam', opts, ['lr', 'betas', 'eps', 'weightDecay', 'amsgrad', 'maximize']);
    const { lr = 1e-3, betas = [0.9, 0.999], eps = 1e-8, weightDecay = 0, amsgrad = false, maximize = false } = opts;
    checkAdamOptions(lr, betas, eps, weightDecay);
    super(params as Params<AdamHyperParams>, {
      lr, betas: [betas[0], betas[1]], eps, weightDecay, amsgrad, maximize,
      foreach: null, capturable: false, differentiable: false, fused: false,
    });
  }

  protected override updateParams(group: ParamGroup<AdamHyperParams>, params: Tensor[], grads: Tensor[]): void {
    adamUpdate(params, grads, group, (p) => this.stateOf(p), (t) => this.persist(t), false);
  }

  protected override afterLoad(): void {
    stepsToTensors(this.state, (t) => this.persist(t));
  }
}

classArgs(Adam, 'torch.optim.Adam', 'params; lr, betas, eps, weightDecay, amsgrad, *, maximize');
