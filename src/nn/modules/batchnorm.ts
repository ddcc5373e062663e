// nn.BatchNorm1d and nn.BatchNorm2d (PyTorch's _NormBase / _BatchNorm), with the running statistics as
// buffers running_mean, running_var and num_batches_tracked (int64), registered in PyTorch's order.
import { Tensor } from '../../tensor.js';
import { empty, ones, scalarTensor, zeros } from '../../creation.js';
import { bindCtor, classArgs, type PyRest } from '../../args.js';
import { Module, type StateDict } from '../module.js';
import { Parameter } from '../parameter.js';
import * as init from '../init.js';
import { batchNorm } from '../functional/normalization.js';
import { noGrad } from '../../autograd/grad-mode.js';
import { pyBool, pyFloat } from './repr.js';

export interface BatchNormOptions {
  eps?: number;
  /** The running statistics' update factor; null means a cumulative (equal-weight) average. */
  momentum?: number | null;
  affine?: boolean;
  trackRunningStats?: boolean;
}

export abstract class BatchNormBase extends Module {
  /** PyTorch's _NormBase._version: 2 since num_batches_tracked (state-dict metadata). */
  static readonly _version = 2;
  declare weight: Parameter | null;
  declare bias: Parameter | null;
  declare running_mean: Tensor | null;
  declare running_var: Tensor | null;
  declare num_batches_tracked: Tensor | null;
  readonly numFeatures: number;
  eps: number;
  momentum: number | null;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;

  /** PyTorch's order (numFeatures, eps, momentum, affine, trackRunningStats), or options after numFeatures. */
  constructor(numFeatures: number, ...rest: PyRest<BatchNormOptions, ['eps', 'momentum', 'affine', 'trackRunningStats']>);
  constructor(...args: unknown[]) {
    super();
    const [numFeatures, o = {}] = bindCtor(BatchNormBase, args) as [number, BatchNormOptions];
    if (!Number.isInteger(numFeatures) || numFeatures <= 0) throw new RangeError(`${this._getName()}: numFeatures must be a positive integer, got ${numFeatures}`);
    this.numFeatures = numFeatures;
    this.eps = o.eps ?? 1e-5;
    this.momentum = o.momentum === undefined ? 0.1 : o.momentum;
    this.affine = o.affine ?? true;
    this.trackRunningStats = o.trackRunningStats ?? true;
    this.weight = this.affine ? new Parameter(empty([numFeatures])) : null;
    this.bias = this.affine ? new Parameter(empty([numFeatures])) : null;
    if (this.trackRunningStats) {
      this.registerBuffer('running_mean', zeros([numFeatures]));
      this.registerBuffer('running_var', ones([numFeatures]));
      this.registerBuffer('num_batches_tracked', scalarTensor(0, { dtype: 'int64' }));
    } else {
      this.registerBuffer('running_mean', null);
      this.registerBuffer('running_var', null);
      this.registerBuffer('num_batches_tracked', null);
    }
    this.resetParameters();
  }

  resetRunningStats(): void {
    if (!this.trackRunningStats) return;
    noGrad(() => {
      this.running_mean!.zero_();
      this.running_var!.fill_(1);
      this.num_batches_tracked!.zero_();
    });
  }

  resetParameters(): void {
    this.resetRunningStats();
    if (this.weight !== null && this.bias !== null) {
      init.ones_(this.weight);
      init.zeros_(this.bias);
    }
  }

  protected abstract checkInputDim(input: Tensor): void;

  override forward(input: Tensor): Tensor {
    this.checkInputDim(input);
    let factor = this.momentum ?? 0.0;
    if (this.training && this.trackRunningStats && this.num_batches_tracked !== null) {
      noGrad(() => this.num_batches_tracked!.add_(1));
      factor = this.momentum === null ? 1.0 / Number(this.num_batches_tracked.item()) : this.momentum;
    }
    const bnTraining = this.training ? true : this.running_mean === null && this.running_var === null;
    const useRunning = !this.training || this.trackRunningStats;
    return batchNorm(input, useRunning ? this.running_mean : null, useRunning ? this.running_var : null, {
      weight: this.weight, bias: this.bias, training: bnTraining, momentum: factor, eps: this.eps,
    });
  }

  /** Checkpoints saved before num_batches_tracked existed load with a count of 0, as in PyTorch. */
  protected override loadFromStateDict(sd: StateDict, prefix: string, missing: string[], used: Set<string>, errors: string[]): void {
    const key = `${prefix}num_batches_tracked`;
    if (this.trackRunningStats && sd[key] === undefined) sd[key] = scalarTensor(0, { dtype: 'int64' });
    super.loadFromStateDict(sd, prefix, missing, used, errors);
  }

  override extraRepr(): string {
    const m = this.momentum === null ? 'None' : pyFloat(this.momentum);
    return `${this.numFeatures}, eps=${pyFloat(this.eps)}, momentum=${m}, affine=${pyBool(this.affine)}, track_running_stats=${pyBool(this.trackRunningStats)}`;
  }
}

export class BatchNorm1d extends BatchNormBase {
  protected checkInputDim(input: Tensor): void {
    if (input.ndim !== 2 && input.ndim !== 3) throw new RangeError(`BatchNorm1d: expected 2D or 3D input (got ${input.ndim}D input of shape [${input.shape.join()}])`);
  }
}

export class BatchNorm2d extends BatchNormBase {
  protected checkInputDim(input: Tensor): void {
    if (input.ndim !== 4) throw new RangeError(`BatchNorm2d: expected 4D input (got ${input.ndim}D input of shape [${input.shape.join()}])`);
  }
}

export class BatchNorm3d extends BatchNormBase {
  protected checkInputDim(input: Tensor): void {
    if (input.ndim !== 5) throw new RangeError(`BatchNorm3d: expected 5D input (got ${input.ndim}D input of shape [${input.shape.join()}])`);
  }
}

const BN = 'numFeatures; eps, momentum, affine, trackRunningStats';
classArgs(BatchNormBase, 'torch.nn.BatchNorm2d', BN);
classArgs(BatchNorm1d, 'torch.nn.BatchNorm1d', BN);
classArgs(BatchNorm2d, 'torch.nn.BatchNorm2d', BN);
classArgs(BatchNorm3d, 'torch.nn.BatchNorm3d', BN);
