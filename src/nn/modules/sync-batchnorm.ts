// nn.SyncBatchNorm: batch normalisation whose statistics are those of the whole distributed batch (every
// rank of the process group), in training mode; in eval mode, or alone in its group, it is BatchNorm. The
// communication is PyTorch's (torch/nn/modules/_functions.py): in forward an allgather of each rank's
// [mean, invstd, count], in backward an allreduce of [sum_dy, sum_dy_xmu]. PyTorch 1.13 runs it on CUDA only
// (its five batch_norm_* kernels have no CPU version); tstorch's node (src/native/distributed.cc) computes
// them on the CPU with ATen's operators. convertSyncBatchnorm swaps every BatchNorm of a model for one.
import { Tensor } from '../../tensor.js';
import { Module } from '../module.js';
import { bindCtor, classArgs, withArgs, type PyRest } from '../../args.js';
import { BatchNormBase, type BatchNormOptions } from './batchnorm.js';
import { batchNorm } from '../functional/normalization.js';
import { noGrad } from '../../autograd/grad-mode.js';
import { dist } from '../../distributed/native.js';
import { getWorldSize, group as groupWorld } from '../../distributed/distributed-c10d.js';
import type { ProcessGroup } from '../../distributed/process-group.js';
import { DistributedError } from '../../distributed/work.js';

export interface SyncBatchNormOptions extends BatchNormOptions {
  /** The ranks whose statistics are combined (default: the default group). */
  processGroup?: ProcessGroup | null;
}

export class SyncBatchNorm extends BatchNormBase {
  declare processGroup: ProcessGroup | null;

  /** PyTorch's order (numFeatures, eps, momentum, affine, trackRunningStats, processGroup), or options after numFeatures. */
  constructor(numFeatures: number, ...rest: PyRest<SyncBatchNormOptions, ['eps', 'momentum', 'affine', 'trackRunningStats', 'processGroup']>);
  constructor(...args: unknown[]) {
    const [numFeatures, opts = {}] = bindCtor(SyncBatchNorm, args) as [number, SyncBatchNormOptions];
    const { processGroup, ...bn } = opts;
    super(numFeatures, bn);
    Object.defineProperty(this, 'processGroup', { value: processGroup ?? null, writable: true, enumerable: false });
  }

  protected checkInputDim(input: Tensor): void {
    if (input.ndim < 2) throw new RangeError(`expected at least 2D input (got ${input.ndim}D input)`);
  }

  override forward(input: Tensor): Tensor {
    this.checkInputDim(input);
    if (input.shape[1] === 0) throw new RangeError('SyncBatchNorm number of input channels should be non-zero');
    let factor = this.momentum ?? 0.0;
    if (this.training && this.trackRunningStats && this.num_batches_tracked !== null) {
      noGrad(() => this.num_batches_tracked!.add_(1));
      factor = this.momentum === null ? 1.0 / Number(this.num_batches_tracked.item()) : this.momentum;
    }
    const bnTraining = this.training ? true : this.running_mean === null && this.running_var === null;
    const useRunning = !this.training || this.trackRunningStats;
    const runningMean = useRunning ? this.running_mean : null;
    const runningVar = useRunning ? this.running_var : null;
    let needSync = bnTraining && this.training;
    let pg: ProcessGroup | null = null;
    let worldSize = 1;
    if (needSync) {
      pg = this.processGroup ?? groupWorld.WORLD;
      worldSize = getWorldSize(pg);
      needSync = worldSize > 1;
    }
    if (!needSync) {
      return batchNorm(input, runningMean, runningVar, { weight: this.weight, bias: this.bias, training: bnTraining, momentum: factor, eps: this.eps });
    }
    if (pg === null) throw new DistributedError('SyncBatchNorm: the default process group is not initialized');
    return new Tensor(dist().distSyncBatchNorm(input._h, this.weight?._h ?? null, this.bias?._h ?? null, runningMean?._h ?? null,
      runningVar?._h ?? null, this.eps, factor, pg._h, worldSize));
  }

  /**
   * Python's SyncBatchNorm.convert_sync_batchnorm: every BatchNorm (1d/2d/3d) in `module` becomes a
   * SyncBatchNorm sharing its parameters and running statistics. Returns the converted module (a new one
   * when `module` itself is a BatchNorm).
   */
  static convertSyncBatchnorm<M extends Module>(module: M, processGroup: ProcessGroup | null = null): M | SyncBatchNorm {
    let out: Module = module;
    if (module instanceof BatchNormBase) {
      const sync = new SyncBatchNorm(module.numFeatures, {
        eps: module.eps, momentum: module.momentum, affine: module.affine, trackRunningStats: module.trackRunningStats, processGroup,
      });
      if (module.affine) {
        sync.weight = module.weight;
        sync.bias = module.bias;
      }
      sync.running_mean = module.running_mean;
      sync.running_var = module.running_var;
      sync.num_batches_tracked = module.num_batches_tracked;
      out = sync;
    }
    for (const [name, child] of module.namedChildren()) out.addModule(name, SyncBatchNorm.convertSyncBatchnorm(child, processGroup));
    return out as M | SyncBatchNorm;
  }
}

classArgs(SyncBatchNorm, 'torch.nn.SyncBatchNorm', 'numFeatures; eps, momentum, affine, trackRunningStats, processGroup');

/** nn.SyncBatchNorm.convert_sync_batchnorm as a function. */
export const convertSyncBatchnorm = withArgs('convertSyncBatchnorm', 'torch.nn.SyncBatchNorm.convert_sync_batchnorm', 'module, processGroup?',
  SyncBatchNorm.convertSyncBatchnorm) as typeof SyncBatchNorm.convertSyncBatchnorm;
