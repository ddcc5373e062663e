// torch.utils.data.DistributedSampler: each rank's share of the dataset's indices. With shuffle, one
// permutation per epoch from a generator seeded with seed + epoch (the same draw as PyTorch's), padded by
// repeating indices (or cut, with dropLast) to a multiple of the number of replicas, then every
// numReplicas-th index from this rank's. Call setEpoch(epoch) before each epoch for a new permutation.
import { randperm } from '../creation.js';
import { Generator } from './generator.js';
import { Sampler } from './sampler.js';
import { bindCtor, classArgs, type PyRest } from '../args.js';
import * as dist from '../distributed/distributed-c10d.js';

export interface DistributedSamplerOptions {
  /** The number of ranks sharing the dataset (default: the default group's world size). */
  numReplicas?: number;
  /** This rank (default: its rank in the default group). */
  rank?: number;
  shuffle?: boolean;
  seed?: number;
  dropLast?: boolean;
}

export class DistributedSampler extends Sampler<number> {
  readonly dataset: { readonly length: number };
  readonly numReplicas: number;
  readonly rank: number;
  readonly shuffle: boolean;
  readonly seed: number;
  readonly dropLast: boolean;
  readonly numSamples: number;
  readonly totalSize: number;
  epoch = 0;

  /** PyTorch's order (dataset, numReplicas, rank, shuffle, seed, dropLast), or options after dataset. */
  constructor(dataset: { readonly length: number }, ...rest: PyRest<DistributedSamplerOptions, ['numReplicas', 'rank', 'shuffle', 'seed', 'dropLast']>);
  constructor(...args: unknown[]) {
    super();
    const [dataset, opts = {}] = bindCtor(DistributedSampler, args) as [{ readonly length: number }, DistributedSamplerOptions];
    const numReplicas = opts.numReplicas ?? dist.getWorldSize();
    const rank = opts.rank ?? dist.getRank();
    if (!Number.isInteger(numReplicas) || numReplicas < 1) throw new RangeError(`DistributedSampler: numReplicas must be a positive integer, got ${numReplicas}`);
    if (!Number.isInteger(rank) || rank >= numReplicas || rank < 0) {
      throw new RangeError(`Invalid rank ${rank}, rank should be in the interval [0, ${numReplicas - 1}]`);
    }
    this.dataset = dataset;
    this.numReplicas = numReplicas;
    this.rank = rank;
    this.dropLast = opts.dropLast ?? false;
    const n = dataset.length;
    // With dropLast, the tail that cannot be split evenly is dropped; otherwise indices repeat to fill it.
    this.numSamples = this.dropLast && n % numReplicas !== 0 ? Math.ceil((n - numReplicas) / numReplicas) : Math.ceil(n / numReplicas);
    this.totalSize = this.numSamples * numReplicas;
    this.shuffle = opts.shuffle ?? true;
    this.seed = opts.seed ?? 0;
  }

  get length(): number { return this.numSamples; }

  /** The epoch whose permutation the next iteration draws (seed + epoch). */
  setEpoch(epoch: number): void {
    if (!Number.isInteger(epoch) || epoch < 0) throw new RangeError(`DistributedSampler.setEpoch: epoch must be a non-negative integer, got ${epoch}`);
    this.epoch = epoch;
  }

  /** Every rank's indices for this epoch, before the rank's share is taken. */
  private allIndices(): number[] {
    const n = this.dataset.length;
    let indices: number[];
    if (this.shuffle) {
      const g = new Generator(this.seed + this.epoch);
      indices = g.run(() => {
        const p = randperm(n);
        try {
          return Array.from(p.dataSync() as BigInt64Array, Number);
        } finally {
          p.dispose();
        }
      });
    } else {
      indices = Array.from({ length: n }, (_, i) => i);
    }
    if (!this.dropLast) {
      const padding = this.totalSize - indices.length;
      if (padding <= indices.length) indices = indices.concat(indices.slice(0, padding));
      else {
        const repeated: number[] = [];
        for (let k = 0; k < Math.ceil(padding / indices.length); k++) repeated.push(...indices);
        indices = indices.concat(repeated.slice(0, padding));
      }
    } else {
      indices = indices.slice(0, this.totalSize);
    }
    return indices;
  }

  *[Symbol.iterator](): Iterator<number> {
    const indices = this.allIndices();
    for (let i = this.rank; i < this.totalSize; i += this.numReplicas) yield indices[i]!;
  }
}

classArgs(DistributedSampler, 'torch.utils.data.distributed.DistributedSampler', 'dataset:dict; numReplicas, rank, shuffle, seed, dropLast');
