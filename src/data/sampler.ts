// torch.utils.data samplers: iterables of dataset indices (or of index batches, for BatchSampler). The random
// ones draw from libtorch's generator with PyTorch's calls, so the same seed gives PyTorch's order.
import { bindCtor, classArgs, type PyRest } from '../args.js';
import { randperm, randint, tensor } from '../creation.js';
import { Tensor } from '../tensor.js';
import { op } from '../native/ops.js';
import { Generator, drawSeed, runOn } from './generator.js';

const multinomial = op('aten::multinomial');

function indicesOf(t: Tensor): number[] {
  const out = Array.from(t.dataSync() as BigInt64Array, Number);
  t.dispose();
  return out;
}

export abstract class Sampler<T = number> implements Iterable<T> {
  abstract [Symbol.iterator](): Iterator<T>;
  abstract readonly length: number;
}

export interface RandomOptions {
  /** A private generator; its state carries over from one epoch to the next. */
  generator?: Generator;
  /** Shorthand for `generator: new Generator(seed)`. */
  seed?: number | bigint;
}

function generatorOf(opts: RandomOptions): Generator | undefined {
  return opts.generator ?? (opts.seed !== undefined ? new Generator(opts.seed) : undefined);
}

/** 0, 1, ..., n-1. */
export class SequentialSampler extends Sampler<number> {
  readonly dataSource: { readonly length: number };
  constructor(dataSource: { readonly length: number }) {
    super();
    [this.dataSource] = bindCtor(SequentialSampler, arguments) as [{ readonly length: number }];
  }
  get length(): number { return this.dataSource.length; }
  *[Symbol.iterator](): Iterator<number> {
    const n = this.dataSource.length;
    for (let i = 0; i < n; i++) yield i;
  }
}

/**
 * A random permutation of the indices each epoch (or `numSamples` draws with replacement). Without a
 * generator, each epoch draws a seed from the default generator for a fresh private one, as PyTorch does.
 */
export class RandomSampler extends Sampler<number> {
  readonly dataSource: { readonly length: number };
  readonly replacement: boolean;
  readonly generator: Generator | undefined;
  private readonly numSamples_: number | undefined;

  /** PyTorch's order (dataSource, replacement, numSamples, generator), or an options object after dataSource. */
  constructor(dataSource: { readonly length: number }, ...rest: PyRest<RandomOptions & { replacement?: boolean; numSamples?: number }, ['replacement', 'numSamples', 'generator']>);
  constructor(...args: unknown[]) {
    super();
    const [dataSource, opts = {}] = bindCtor(RandomSampler, args) as [{ readonly length: number }, RandomOptions & { replacement?: boolean; numSamples?: number }];
    this.dataSource = dataSource;
    this.replacement = opts.replacement ?? false;
    this.numSamples_ = opts.numSamples;
    this.generator = generatorOf(opts);
    if (opts.numSamples !== undefined && (!Number.isInteger(opts.numSamples) || opts.numSamples <= 0)) {
      throw new RangeError(`RandomSampler: numSamples should be a positive integer value, but got numSamples=${opts.numSamples}`);
    }
  }
  get numSamples(): number { return this.numSamples_ ?? this.dataSource.length; }
  get length(): number { return this.numSamples; }

  *[Symbol.iterator](): Iterator<number> {
    const n = this.dataSource.length;
    const generator = this.generator ?? new Generator(drawSeed());
    const m = this.numSamples;
    if (this.replacement) {
      for (let k = 0; k < Math.floor(m / 32); k++) yield* generator.run(() => indicesOf(randint(0, n, [32])));
      yield* generator.run(() => indicesOf(randint(0, n, [m % 32])));
    } else {
      for (let k = 0; k < Math.floor(m / n); k++) yield* generator.run(() => indicesOf(randperm(n)));
      yield* generator.run(() => indicesOf(randperm(n))).slice(0, m % n);
    }
  }
}

/** The given indices in a random order (drawn from the default generator unless one is given). */
export class SubsetRandomSampler extends Sampler<number> {
  readonly indices: number[];
  readonly generator: Generator | undefined;
  constructor(indices: readonly number[], ...rest: PyRest<RandomOptions, ['generator']>);
  constructor(...args: unknown[]) {
    super();
    const [indices, opts = {}] = bindCtor(SubsetRandomSampler, args) as [readonly number[], RandomOptions];
    this.indices = [...indices];
    this.generator = generatorOf(opts);
  }
  get length(): number { return this.indices.length; }
  *[Symbol.iterator](): Iterator<number> {
    const perm = runOn(this.generator, () => indicesOf(randperm(this.indices.length)));
    for (const i of perm) yield this.indices[i]!;
  }
}

/** Indices drawn with probabilities proportional to `weights` (torch.multinomial). */
export class WeightedRandomSampler extends Sampler<number> {
  readonly weights: number[];
  readonly numSamples: number;
  readonly replacement: boolean;
  readonly generator: Generator | undefined;
  /** PyTorch's order (weights, numSamples, replacement, generator), or an options object after numSamples. */
  constructor(weights: readonly number[] | Float64Array | Float32Array, numSamples: number, ...rest: PyRest<RandomOptions & { replacement?: boolean }, ['replacement', 'generator']>);
  constructor(...args: unknown[]) {
    super();
    const [weights, numSamples, opts = {}] = bindCtor(WeightedRandomSampler, args) as [readonly number[] | Float64Array | Float32Array, number, RandomOptions & { replacement?: boolean }];
    if (!Number.isInteger(numSamples) || numSamples <= 0) {
      throw new RangeError(`WeightedRandomSampler: numSamples should be a positive integer value, but got numSamples=${numSamples}`);
    }
    this.weights = Array.from(weights);
    this.weights.forEach((w, i) => {
      if (!(w >= 0) || !Number.isFinite(w)) throw new RangeError(`WeightedRandomSampler: weights[${i}] = ${w} is not a finite non-negative number`);
    });
    this.numSamples = numSamples;
    this.replacement = opts.replacement ?? true;
    this.generator = generatorOf(opts);
  }
  get length(): number { return this.numSamples; }
  *[Symbol.iterator](): Iterator<number> {
    const out = runOn(this.generator, () => {
      const w = tensor(Float64Array.from(this.weights));
      const idx = new Tensor(multinomial(w._h, this.numSamples, this.replacement, null));
      w.dispose();
      return indicesOf(idx);
    });
    yield* out;
  }
}

/** Groups the indices of `sampler` into lists of `batchSize` (the last one shorter unless `dropLast`). */
export class BatchSampler extends Sampler<number[]> {
  readonly sampler: Iterable<number> & { readonly length?: number };
  readonly batchSize: number;
  readonly dropLast: boolean;
  constructor(sampler: Iterable<number> & { readonly length?: number }, batchSize: number, dropLast: boolean | { dropLast?: boolean } = false) {
    super();
    [sampler, batchSize, dropLast = false] = bindCtor(BatchSampler, arguments) as [Iterable<number> & { readonly length?: number }, number, boolean | undefined];
    if (!Number.isInteger(batchSize) || batchSize <= 0) {
      throw new RangeError(`BatchSampler: batchSize should be a positive integer value, but got batchSize=${batchSize}`);
    }
    this.sampler = sampler;
    this.batchSize = batchSize;
    this.dropLast = dropLast;
  }
  get length(): number {
    const n = this.sampler.length;
    if (n === undefined) throw new TypeError('BatchSampler: the sampler has no length');
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }
  *[Symbol.iterator](): Iterator<number[]> {
    let batch: number[] = [];
    for (const i of this.sampler) {
      batch.push(i);
      if (batch.length === this.batchSize) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0 && !this.dropLast) yield batch;
  }
}

classArgs(SequentialSampler, 'torch.utils.data.SequentialSampler', 'dataSource:dict');
classArgs(RandomSampler, 'torch.utils.data.RandomSampler', 'dataSource:dict; replacement, numSamples, generator, *, seed');
classArgs(SubsetRandomSampler, 'torch.utils.data.SubsetRandomSampler', 'indices; generator, *, seed');
classArgs(WeightedRandomSampler, 'torch.utils.data.WeightedRandomSampler', 'weights, numSamples; replacement, generator, *, seed');
classArgs(BatchSampler, 'torch.utils.data.BatchSampler', 'sampler, batchSize, dropLast?');
