// nn.InstanceNorm1d, nn.InstanceNorm2d, nn.InstanceNorm3d (PyTorch's _InstanceNorm): per-sample, per-channel
// normalisation over the spatial dimensions; no affine parameters and no running statistics by default.
import { Tensor } from '../../tensor.js';
import { empty, ones, scalarTensor, zeros } from '../../creation.js';
import { noGrad } from '../../autograd/grad-mode.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';
import * as init from '../init.js';
import { instanceNorm } from '../functional/normalization.js';
import { pyBool, pyFloat } from './repr.js';
import { bindCtor, classArgs, type PyRest } from '../../args.js';

export interface InstanceNormOptions {
  eps?: number;
  /** The running statistics' update factor (when tracked); default 0.1. */
  momentum?: number;
  /** Learnable per-channel scale and shift (default false). */
  affine?: boolean;
  /** Keep running statistics and use them in eval mode (default false). */
  trackRunningStats?: boolean;
}

abstract class InstanceNormBase extends Module {
  declare weight: Parameter | null;
  declare bias: Parameter | null;
  declare running_mean: Tensor | null;
  declare running_var: Tensor | null;
  declare num_batches_tracked: Tensor | null;
  readonly numFeatures: number;
  eps: number;
  momentum: number;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;
  /** The dimensions of a batched input (3 for InstanceNorm1d, 4 for 2d, 5 for 3d). */
  protected abstract readonly batchedDims: number;

  /** PyTorch's order (numFeatures, eps, momentum, affine, trackRunningStats), or options after numFeatures. */
  constructor(numFeatures: number, ...rest: PyRest<InstanceNormOptions, ['eps', 'momentum', 'affine', 'trackRunningStats']>);
  constructor(...args: unknown[]) {
    super();
    const [numFeatures, o = {}] = bindCtor(InstanceNormBase, args) as [number, InstanceNormOptions];
    if (!Number.isInteger(numFeatures) || numFeatures <= 0) throw new RangeError(`${this._getName()}: numFeatures must be a positive integer, got ${numFeatures}`);
    this.numFeatures = numFeatures;
    this.eps = o.eps ?? 1e-5;
    this.momentum = o.momentum ?? 0.1;
    this.affine = o.affine ?? false;
    this.trackRunningStats = o.trackRunningStats ?? false;
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
    if (this.trackRunningStats) noGrad(() => { this.running_mean!.zero_(); this.running_var!.fill_(1); this.num_batches_tracked!.zero_(); });
    if (this.weight !== null && this.bias !== null) {
      init.ones_(this.weight);
      init.zeros_(this.bias);
    }
  }

  override forward(input: Tensor): Tensor {
    const d = this.batchedDims;
    if (input.ndim !== d && input.ndim !== d - 1) {
      throw new RangeError(`${this._getName()}: expected ${d - 1}D (unbatched) or ${d}D (batched) input, got ${input.ndim}D input of shape [${input.shape}]`);
    }
    const featureDim = input.ndim - (d - 1);
    if (input.shape[featureDim] !== this.numFeatures) {
      if (this.affine) {
        throw new RangeError(`${this._getName()}: expected input's size at dim=${featureDim} to match numFeatures (${this.numFeatures}), but got: ${input.shape[featureDim]}.`);
      }
      process.emitWarning(`input's size at dim=${featureDim} does not match num_features. You can silence this warning by not passing in num_features, which is not used because affine=False`);
    }
    const unbatched = input.ndim === d - 1;
    const x = unbatched ? input.unsqueeze(0) : input;
    const y = instanceNorm(x, {
      runningMean: this.running_mean, runningVar: this.running_var, weight: this.weight, bias: this.bias,
      useInputStats: this.training || !this.trackRunningStats, momentum: this.momentum, eps: this.eps,
    });
    return unbatched ? y.squeeze(0) : y;
  }

  override extraRepr(): string {
    return `${this.numFeatures}, eps=${pyFloat(this.eps)}, momentum=${pyFloat(this.momentum)}, affine=${pyBool(this.affine)}, track_running_stats=${pyBool(this.trackRunningStats)}`;
  }
}

export class InstanceNorm1d extends InstanceNormBase { protected readonly batchedDims = 3; }
export class InstanceNorm2d extends InstanceNormBase { protected readonly batchedDims = 4; }
export class InstanceNorm3d extends InstanceNormBase { protected readonly batchedDims = 5; }

const IN = 'numFeatures; eps, momentum, affine, trackRunningStats';
classArgs(InstanceNormBase, 'torch.nn.InstanceNorm2d', IN);
classArgs(InstanceNorm1d, 'torch.nn.InstanceNorm1d', IN);
classArgs(InstanceNorm2d, 'torch.nn.InstanceNorm2d', IN);
classArgs(InstanceNorm3d, 'torch.nn.InstanceNorm3d', IN);
