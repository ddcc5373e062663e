// torch.optim.Adagrad, as PyTorch 1.13's single-tensor algorithm (torch/optim/adagrad.py) for dense
// gradients: the sum of squared gradients scales each step, the lr decays as lr / (1 + (step - 1) * lrDecay).
import { bindCtor, classArgs, type PyRest } from '../args.js';
import { Tensor } from '../tensor.js';
import { fullLike, scalarTensor } from '../creation.js';
import { Optimizer, checkOptionNames, type Params, type ParamGroup, type ParamGroupInput } from './optimizer.js';
import { stepsToTensors } from './adam.js';
import * as F from './foreach.js';

export interface AdagradHyperParams {
  lr: number;
  lrDecay: number;
  eps: number;
  weightDecay: number;
  initialAccumulatorValue: number;
  /** Kept for PyTorch's state-dict format; tstorch has one implementation. */
  foreach: boolean | null;
  maximize: boolean;
}

export interface AdagradOptions {
  lr?: number;
  lrDecay?: number;
  weightDecay?: number;
  initialAccumulatorValue?: number;
  eps?: number;
  maximize?: boolean;
}

export class Adagrad extends Optimizer<AdagradHyperParams> {
  /** PyTorch's order (params, lr, lrDecay, weightDecay, initialAccumulatorValue, eps), or an options object after params. */
  constructor(params: Params<AdagradOptions>, ...rest: PyRest<AdagradOptions, ['lr', 'lrDecay', 'weightDecay', 'initialAccumulatorValue', 'eps']>);
  constructor(...args: unknown[]) {
    const [params, opts = {}] = bindCtor(Adagrad, args) as [Params<AdagradOptions>, AdagradOptions];
    checkOptionNames('Adagrad', opts, ['lr', 'lrDecay', 'weightDecay', 'initialAccumulatorValue', 'eps', 'maximize']);
    const { lr = 1e-2, lrDecay = 0, weightDecay = 0, initialAccumulatorValue = 0, eps = 1e-10, maximize = false } = opts;
    if (!(lr >= 0)) throw new RangeError(`Invalid learning rate: ${lr}`);
    if (!(lrDecay >= 0)) throw new RangeError(`Invalid lr_decay value: ${lrDecay}`);
    if (!(weightDecay >= 0)) throw new RangeError(`Invalid weight_decay value: ${weightDecay}`);
    if (!(initialAccumulatorValue >= 0)) throw new RangeError(`Invalid initial_accumulator_value value: ${initialAccumulatorValue}`);
    if (!(eps >= 0)) throw new RangeError(`Invalid epsilon value: ${eps}`);
    super(params as Params<AdagradHyperParams>, {
      lr, lrDecay, eps, weightDecay, initialAccumulatorValue, foreach: null, maximize,
    });
  }

  // PyTorch creates the state of every parameter at construction (its groups were added before that); a
  // group added later gets its state here, where PyTorch's step would fail.
  override addParamGroup(group: ParamGroupInput<AdagradHyperParams>): void {
    super.addParamGroup(group);
    const g = this.paramGroups[this.paramGroups.length - 1]!;
    for (const p of g.params) this.initState(p, g.initialAccumulatorValue);
  }

  private initState(p: Tensor, initialAccumulatorValue: number): void {
    const s = this.stateOf(p);
    if (!(s.step instanceof Tensor)) s.step = this.persist(scalarTensor(0, { dtype: 'float32' }));
    if (!(s.sum instanceof Tensor)) s.sum = this.persist(fullLike(p, initialAccumulatorValue));
  }

  protected override updateParams(group: ParamGroup<AdagradHyperParams>, params: Tensor[], grads: Tensor[]): void {
    const { lr, lrDecay, eps } = group;
    // A state dict loaded without some parameters' state leaves them to start afresh.
    for (const p of params) this.initState(p, group.initialAccumulatorValue);
    const steps = params.map((p) => this.stateOf(p).step as Tensor);
    const sums = params.map((p) => this.stateOf(p).sum as Tensor);
    F.addScalar_(steps, 1);
    const g = F.effectiveGrads(params, grads, group.maximize, group.weightDecay);
    F.addcmul_(sums, g, g, 1);
    const std = F.sqrt(sums);
    F.addScalar_(std, eps);
    for (const [step, idx] of F.groupByValue(steps)) {
      const clr = lr / (1 + (step - 1) * lrDecay);
      F.addcdiv_(idx.map((i) => params[i]!), idx.map((i) => g[i]!), idx.map((i) => std[i]!), -clr);
    }
  }

  protected override afterLoad(): void {
    stepsToTensors(this.state, (t) => this.persist(t));
  }
}

classArgs(Adagrad, 'torch.optim.Adagrad', 'params; lr, lrDecay, weightDecay, initialAccumulatorValue, eps, *, maximize');
