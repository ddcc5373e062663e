// torch.optim.SGD: stochastic gradient descent with momentum, dampening, Nesterov momentum, weight decay
// and maximize, as PyTorch 1.13's single-tensor algorithm (torch/optim/sgd.py).
//
// A step updates each parameter in one pass over its memory (src/native/fused_sgd.cc) where it can, and with
// ATen's operators where it cannot (the first step with momentum, which creates the buffers; tensors that are not
// plain contiguous float32/float64 CPU tensors). Both give PyTorch's values bit for bit.
import { bindCtor, classArgs, type PyRest } from '../args.js';
import { Tensor } from '../tensor.js';
import { native } from '../native/binding.js';
import { Optimizer, checkOptionNames, type Params, type ParamGroup } from './optimizer.js';
import { mul_, add_, add, effectiveGrads, cacheChunks } from './foreach.js';

export interface SGDHyperParams {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
  maximize: boolean;
  /** Kept for PyTorch's state-dict format; tstorch picks its implementation itself (each gives the same values). */
  foreach: boolean | null;
  differentiable: boolean;
}

export interface SGDOptions {
  /** Required, here or in every parameter group. */
  lr?: number;
  momentum?: number;
  dampening?: number;
  weightDecay?: number;
  nesterov?: boolean;
  maximize?: boolean;
}

export class SGD extends Optimizer<SGDHyperParams> {
  /** PyTorch's order (params, lr, momentum, dampening, weightDecay, nesterov), or an options object after params. */
  constructor(params: Params<SGDOptions>, ...rest: PyRest<SGDOptions, ['lr', 'momentum', 'dampening', 'weightDecay', 'nesterov']>);
  constructor(...args: unknown[]) {
    const [params, opts = {}] = bindCtor(SGD, args) as [Params<SGDOptions>, SGDOptions];
    checkOptionNames('SGD', opts, ['lr', 'momentum', 'dampening', 'weightDecay', 'nesterov', 'maximize']);
    const { lr, momentum = 0, dampening = 0, weightDecay = 0, nesterov = false, maximize = false } = opts;
    if (lr !== undefined && lr < 0) throw new RangeError(`Invalid learning rate: ${lr}`);
    if (momentum < 0) throw new RangeError(`Invalid momentum value: ${momentum}`);
    if (weightDecay < 0) throw new RangeError(`Invalid weight_decay value: ${weightDecay}`);
    if (nesterov && (momentum <= 0 || dampening !== 0)) throw new RangeError('Nesterov momentum requires a momentum and zero dampening');
    super(params as Params<SGDHyperParams>, {
      lr: lr as number, momentum, dampening, weightDecay, nesterov, maximize, foreach: null, differentiable: false,
    });
  }

  /**
   * The parameters whose update needs no new state (all of them without momentum; with momentum, those whose
   * buffer exists) go to the fused kernel in one call; the rest, and those it hands back, to updateParams()
   * in cache-sized ranges as in Optimizer.
   */
  protected override updateGroup(group: ParamGroup<SGDHyperParams>): void {
    const { params, grads } = this.withGrads(group);
    const { lr, momentum, dampening, weightDecay, nesterov, maximize } = group;
    const fusedAt: number[] = [];
    const restAt: number[] = [];
    const bufs: Tensor[] = [];
    params.forEach((p, i) => {
      if (momentum === 0) {
        // PyTorch records the (absent) buffer of every parameter it stepped, in the order it steps them.
        this.stateOf(p).momentum_buffer = null;
        fusedAt.push(i);
        return;
      }
      const b = this.state.get(p)?.momentum_buffer;
      if (b instanceof Tensor) {
        fusedAt.push(i);
        bufs.push(b);
      } else {
        restAt.push(i);
      }
    });
    if (fusedAt.length > 0) {
      const handedBack = native.sgdFusedStep(fusedAt.map((i) => params[i]!._h), fusedAt.map((i) => grads[i]!._h),
        momentum === 0 ? null : bufs.map((b) => b._h), lr, momentum, dampening, weightDecay, nesterov, maximize);
      for (const k of handedBack) restAt.push(fusedAt[k]!);
    }
    if (restAt.length === 0) return;
    restAt.sort((a, b) => a - b);
    const ps = restAt.map((i) => params[i]!);
    const gs = restAt.map((i) => grads[i]!);
    for (const [start, end] of cacheChunks(ps, 256 * 1024)) this.updateParams(group, ps.slice(start, end), gs.slice(start, end));
  }

  protected override updateParams(group: ParamGroup<SGDHyperParams>, params: Tensor[], grads: Tensor[]): void {
    const { lr, momentum, dampening, nesterov } = group;
    let dps = effectiveGrads(params, grads, group.maximize, group.weightDecay);
    if (momentum !== 0) {
      const bufs: Tensor[] = [];
      const oldBufs: Tensor[] = [];
      const oldDps: Tensor[] = [];
      params.forEach((p, i) => {
        const s = this.stateOf(p);
        const b = s.momentum_buffer;
        if (b instanceof Tensor) {
          oldBufs.push(b);
          oldDps.push(dps[i]!);
          bufs.push(b);
        } else {
          const nb = this.persist(dps[i]!.clone());
          s.momentum_buffer = nb;
          bufs.push(nb);
        }
      });
      mul_(oldBufs, momentum);
      add_(oldBufs, oldDps, 1 - dampening);
      dps = nesterov ? add(dps, bufs, momentum) : bufs;
    } else {
      // PyTorch records the (absent) buffer of every parameter it stepped.
      for (const p of params) this.stateOf(p).momentum_buffer = null;
    }
    add_(params, dps, -lr);
  }
}

classArgs(SGD, 'torch.optim.SGD', 'params; lr, momentum, dampening, weightDecay, nesterov, *, maximize');
