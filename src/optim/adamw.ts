// torch.optim.AdamW: Adam with decoupled weight decay (the parameter shrinks by lr * weightDecay each step),
// as PyTorch 1.13's single-tensor algorithm (torch/optim/adamw.py).
import { bindCtor, classArgs, type PyRest } from '../args.js';
import { Optimizer, checkOptionNames, type Params, type ParamGroup } from './optimizer.js';
import type { Tensor } from '../tensor.js';
import { adamUpdate, checkAdamOptions, stepsToTensors } from './adam.js';

export interface AdamWHyperParams {
  lr: number;
  betas: [number, number];
  eps: number;
  weightDecay: number;
  amsgrad: boolean;
  /** Kept for PyTorch's state-dict format; tstorch has one implementation. */
  foreach: boolean | null;
  maximize: boolean;
  capturable: boolean;
}

export interface AdamWOptions {
  lr?: number;
  betas?: [number, number];
  eps?: number;
  /** Default 1e-2, as in PyTorch. */
  weightDecay?: number;
  amsgrad?: boolean;
  maximize?: boolean;
}

export class AdamW extends Optimizer<AdamWHyperParams> {
  /** PyTorch's order (params, lr, betas, eps, weightDecay, amsgrad), or an options object after params. */
  constructor(params: Params<AdamWOptions>, ...rest: PyRest<AdamWOptions, ['lr', 'betas', 'eps', 'weightDecay', 'amsgrad']>);
  constructor(...args: unknown[]) {
    const [params, opts = {}] = bindCtor(AdamW, args) as [Params<AdamWOptions>, AdamWOptions];
    checkOptionNames('AdamW', opts, ['lr', 'betas', 'eps', 'weightDecay', 'amsgrad', 'maximize']);
    const { lr = 1e-3, betas = [0.9, 0.999], eps = 1e-8, weightDecay = 1e-2, amsgrad = false, maximize = false } = opts;
    checkAdamOptions(lr, betas, eps, weightDecay);
    super(params as Params<AdamWHyperParams>, {
      lr, betas: [betas[0], betas[1]], eps, weightDecay, amsgrad, foreach: null, maximize, capturable: false,
    });
  }

  protected override updateParams(group: ParamGroup<AdamWHyperParams>, params: Tensor[], grads: Tensor[]): void {
    adamUpdate(params, grads, group, (p) => this.stateOf(p), (t) => this.persist(t), true);
  }

  protected override afterLoad(): void {
    stepsToTensors(this.state, (t) => this.persist(t));
  }
}

classArgs(AdamW, 'torch.optim.AdamW', 'params; lr, betas, eps, weightDecay, amsgrad, *, maximize');
