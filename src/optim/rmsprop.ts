// torch.optim.RMSprop, as PyTorch 1.13's single-tensor algorithm (torch/optim/rmsprop.py): a running
// average of squared gradients (alpha), optionally centered by the running average of gradients, with
// optional momentum, weight decay and maximize.
import { bindCtor, classArgs, type PyRest } from '../args.js';
import { Tensor } from '../tensor.js';
import { zerosLike } from '../creation.js';
import { Optimizer, checkOptionNames, type Params, type ParamGroup } from './optimizer.js';
import * as F from './foreach.js';

export interface RMSpropHyperParams {
  lr: number;
  momentum: number;
  alpha: number;
  eps: number;
  centered: boolean;
  weightDecay: number;
  /** Kept for PyTorch's state-dict format; tstorch has one implementation. */
  foreach: boolean | null;
  maximize: boolean;
  differentiable: boolean;
}

export interface RMSpropOptions {
  lr?: number;
  alpha?: number;
  eps?: number;
  weightDecay?: number;
  momentum?: number;
  centered?: boolean;
  maximize?: boolean;
}

export class RMSprop extends Optimizer<RMSpropHyperParams> {
  /** PyTorch's order (params, lr, alpha, eps, weightDecay, momentum, centered), or an options object after params. */
  constructor(params: Params<RMSpropOptions>, ...rest: PyRest<RMSpropOptions, ['lr', 'alpha', 'eps', 'weightDecay', 'momentum', 'centered']>);
  constructor(...args: unknown[]) {
    const [params, opts = {}] = bindCtor(RMSprop, args) as [Params<RMSpropOptions>, RMSpropOptions];
    checkOptionNames('RMSprop', opts, ['lr', 'alpha', 'eps', 'weightDecay', 'momentum', 'centered', 'maximize']);
    const { lr = 1e-2, alpha = 0.99, eps = 1e-8, weightDecay = 0, momentum = 0, centered = false, maximize = false } = opts;
    if (!(lr >= 0)) throw new RangeError(`Invalid learning rate: ${lr}`);
    if (!(eps >= 0)) throw new RangeError(`Invalid epsilon value: ${eps}`);
    if (!(momentum >= 0)) throw new RangeError(`Invalid momentum value: ${momentum}`);
    if (!(weightDecay >= 0)) throw new RangeError(`Invalid weight_decay value: ${weightDecay}`);
    if (!(alpha >= 0)) throw new RangeError(`Invalid alpha value: ${alpha}`);
    super(params as Params<RMSpropHyperParams>, {
      lr, momentum, alpha, eps, centered, weightDecay, foreach: null, maximize, differentiable: false,
    });
  }

  protected override updateParams(group: ParamGroup<RMSpropHyperParams>, params: Tensor[], grads: Tensor[]): void {
    const { lr, alpha, eps, momentum, centered } = group;
    const states = params.map((p) => {
      const s = this.stateOf(p);
      if (Object.keys(s).length === 0) {
        s.step = 0;
        s.square_avg = this.persist(zerosLike(p));
        if (momentum > 0) s.momentum_buffer = this.persist(zerosLike(p));
        if (centered) s.grad_avg = this.persist(zerosLike(p));
      }
      // Momentum or centering switched on later (a scheduler cycling momentum): PyTorch would fail; start from zeros.
      if (momentum > 0 && !(s.momentum_buffer instanceof Tensor)) s.momentum_buffer = this.persist(zerosLike(p));
      if (centered && !(s.grad_avg instanceof Tensor)) s.grad_avg = this.persist(zerosLike(p));
      s.step = (s.step as number) + 1;
      return s;
    });
    const g = F.effectiveGrads(params, grads, group.maximize, group.weightDecay);
    const squareAvgs = states.map((s) => s.square_avg as Tensor);
    F.mul_(squareAvgs, alpha);
    F.addcmul_(squareAvgs, g, g, 1 - alpha);
    let avg: Tensor[];
    if (centered) {
      const gradAvgs = states.map((s) => s.grad_avg as Tensor);
      F.mul_(gradAvgs, alpha);
      F.add_(gradAvgs, g, 1 - alpha);
      avg = F.addcmul(squareAvgs, gradAvgs, gradAvgs, -1);
      F.sqrt_(avg);
    } else {
      avg = F.sqrt(squareAvgs);
    }
    F.addScalar_(avg, eps);
    if (momentum > 0) {
      const bufs = states.map((s) => s.momentum_buffer as Tensor);
      F.mul_(bufs, momentum);
      F.addcdiv_(bufs, g, avg);
      F.add_(params, bufs, -lr);
    } else {
      F.addcdiv_(params, g, avg, -lr);
    }
  }
}

classArgs(RMSprop, 'torch.optim.RMSprop', 'params; lr, alpha, eps, weightDecay, momentum, centered, *, maximize');
