// torch.utils.data datasets: map-style (`length` + `get(i)`), iterable-style, and the combinators PyTorch
// ships (TensorDataset, Subset, ConcatDataset, ChainDataset, randomSplit).
import { Tensor } from '../tensor.js';
import { randperm } from '../creation.js';
import { Generator, runOn } from './generator.js';
import { bindCtor, classArgs, withArgs, api, type PyRest } from '../args.js';

/**
 * A map-style dataset: `length` samples (Python's len(dataset)), read by index with `get(i)` (`dataset[i]`) or
 * `at(i)` (negative indices count from the end), and iterable (`for (const [x, y] of dataset)`). `get` may
 * return a Promise (for asynchronous I/O).
 */
export abstract class Dataset<T = unknown> {
  abstract readonly length: number;
  abstract get(index: number): T;
  /** The sample at `index`, as an array's at(): negative indices count from the end. */
  at(index: number): T {
    const n = this.length;
    if (!Number.isInteger(index)) throw new TypeError(`${this.constructor.name}.at: index must be an integer, got ${index}`);
    if (index < -n || index >= n) throw new RangeError(`${this.constructor.name}.at: index ${index} is out of range for ${n} samples`);
    return this.get(index < 0 ? index + n : index);
  }
  /** The samples in order, as Python's `for sample in dataset`. */
  *[Symbol.iterator](): IterableIterator<T> {
    for (let i = 0; i < this.length; i++) yield this.get(i);
  }
  /** `dataset_a + dataset_b` in PyTorch. */
  concat(other: Dataset<T>): ConcatDataset<T> { return new ConcatDataset<T>([this, other]); }
}

/** An iterable-style dataset: a stream of samples with no random access. */
export abstract class IterableDataset<T = unknown> {
  abstract [Symbol.iterator](): Iterator<T>;
  /** Optional: the number of samples, when known. */
  readonly length?: number;
}

/** What DataLoader and the combinators accept as a map-style dataset: a Dataset or any object with `length` and `get`, or an array. */
export type MapDataset<T = unknown> = { readonly length: number; get(index: number): T } | readonly T[];

export function isMapDataset(d: unknown): d is MapDataset {
  if (Array.isArray(d) || d instanceof Tensor) return true;
  return d !== null && typeof d === 'object' && typeof (d as { get?: unknown }).get === 'function'
    && typeof (d as { length?: unknown }).length === 'number';
}

export function isIterableDataset(d: unknown): d is IterableDataset {
  return d instanceof IterableDataset
    || (!isMapDataset(d) && d !== null && typeof d === 'object' && typeof (d as Iterable<unknown>)[Symbol.iterator] === 'function');
}

export function getItem<T>(dataset: MapDataset<T>, index: number): T {
  // a tensor is a dataset of its rows, as in PyTorch (len(t) and t[i])
  if (dataset instanceof Tensor) return dataset.select(0, checkIndex(index, dataset.length, 'Tensor dataset')) as T;
  if (Array.isArray(dataset)) {
    if (!Number.isInteger(index) || index < -dataset.length || index >= dataset.length) {
      throw new RangeError(`index ${index} is out of range for a dataset of ${dataset.length} samples`);
    }
    return dataset[index < 0 ? index + dataset.length : index] as T;
  }
  return (dataset as { get(i: number): T }).get(index);
}

function checkIndex(index: number, length: number, what: string): number {
  if (!Number.isInteger(index)) throw new TypeError(`${what}: index must be an integer, got ${index}`);
  if (index < -length || index >= length) throw new RangeError(`${what}: index ${index} is out of range for ${length} samples`);
  return index < 0 ? index + length : index;
}

/** Samples are the i-th rows of each tensor (`[t1[i], t2[i], ...]`). */
export class TensorDataset extends Dataset<Tensor[]> {
  readonly tensors: Tensor[];
  constructor(...tensors: Tensor[]) {
    super();
    tensors = bindCtor(TensorDataset, tensors) as Tensor[];
    if (tensors.length === 0) throw new TypeError('TensorDataset: at least one tensor is required');
    const n = tensors[0]!.ndim === 0 ? -1 : tensors[0]!.shape[0]!;
    tensors.forEach((t, k) => {
      if (t.ndim === 0 || t.shape[0] !== n) {
        throw new RangeError(`TensorDataset: size mismatch between tensors: tensor 0 has ${n} rows, tensor ${k} has shape [${t.shape.join(', ')}]`);
      }
    });
    this.tensors = tensors;
  }
  get length(): number { return this.tensors[0]!.shape[0]!; }
  get(index: number): Tensor[] {
    const i = checkIndex(index, this.length, 'TensorDataset');
    return this.tensors.map((t) => t.select(0, i));
  }
}

/** The samples of `dataset` at `indices`, in that order. */
export class Subset<T = unknown> extends Dataset<T> {
  readonly dataset: MapDataset<T>;
  readonly indices: number[];
  constructor(dataset: MapDataset<T>, indices: readonly number[]) {
    super();
    [dataset, indices] = bindCtor(Subset, arguments) as [MapDataset<T>, readonly number[]];
    this.dataset = dataset;
    this.indices = [...indices];
  }
  get length(): number { return this.indices.length; }
  get(index: number): T {
    return getItem(this.dataset, this.indices[checkIndex(index, this.indices.length, 'Subset')]!);
  }
}

/** Several map-style datasets one after the other. */
export class ConcatDataset<T = unknown> extends Dataset<T> {
  readonly datasets: MapDataset<T>[];
  readonly cumulativeSizes: number[];
  constructor(datasets: readonly MapDataset<T>[]) {
    super();
    [datasets] = bindCtor(ConcatDataset, arguments) as [readonly MapDataset<T>[]];
    if (datasets.length === 0) throw new TypeError('ConcatDataset: datasets should not be an empty iterable');
    datasets.forEach((d, k) => {
      if (!isMapDataset(d)) throw new TypeError(`ConcatDataset: datasets[${k}] is not a map-style dataset (it needs length and get)`);
    });
    this.datasets = [...datasets];
    let s = 0;
    this.cumulativeSizes = this.datasets.map((d) => (s += d.length));
  }
  get length(): number { return this.cumulativeSizes[this.cumulativeSizes.length - 1]!; }
  get(index: number): T {
    const i = checkIndex(index, this.length, 'ConcatDataset');
    let lo = 0;
    let hi = this.cumulativeSizes.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.cumulativeSizes[mid]! > i) hi = mid; else lo = mid + 1;
    }
    const start = lo === 0 ? 0 : this.cumulativeSizes[lo - 1]!;
    return getItem(this.datasets[lo]!, i - start);
  }
}

/** Several iterable datasets one after the other. */
export class ChainDataset<T = unknown> extends IterableDataset<T> {
  readonly datasets: Iterable<T>[];
  constructor(datasets: readonly Iterable<T>[]) {
    super();
    [datasets] = bindCtor(ChainDataset, arguments) as [readonly Iterable<T>[]];
    this.datasets = [...datasets];
  }
  *[Symbol.iterator](): Iterator<T> {
    for (const d of this.datasets) yield* d;
  }
}

export interface RandomSplitOptions {
  /** Seed of a private generator (`generator=torch.Generator().manual_seed(seed)`). */
  seed?: number | bigint;
  generator?: Generator;
}

/**
 * torch.utils.data.random_split: non-overlapping Subsets of the given lengths, or of the given fractions
 * (summing to 1; remainders go one by one to the first splits). Without a seed or generator the default
 * generator is used, as in PyTorch.
 */
export const randomSplit = api<<T>(dataset: MapDataset<T>, lengths: readonly number[], ...rest: PyRest<RandomSplitOptions, ['generator']>) => Subset<T>[]>(
  'randomSplit', 'torch.utils.data.random_split', 'dataset, lengths; generator, *, seed', randomSplitImpl);
function randomSplitImpl<T>(dataset: MapDataset<T>, lengths: readonly number[], opts: RandomSplitOptions = {}): Subset<T>[] {
  const n = dataset.length;
  let sizes = [...lengths];
  const total = sizes.reduce((a, b) => a + b, 0);
  if (Math.abs(total - 1) <= 1e-9 && total <= 1) {
    sizes = sizes.map((frac, i) => {
      if (frac < 0 || frac > 1) throw new RangeError(`randomSplit: fraction at index ${i} is not between 0 and 1`);
      return Math.floor(n * frac);
    });
    const remainder = n - sizes.reduce((a, b) => a + b, 0);
    for (let i = 0; i < remainder; i++) sizes[i % sizes.length]! += 1;
  }
  sizes.forEach((s, i) => {
    if (!Number.isInteger(s) || s < 0) throw new RangeError(`randomSplit: lengths[${i}] = ${lengths[i]} is not a non-negative integer`);
  });
  if (sizes.reduce((a, b) => a + b, 0) !== n) {
    throw new RangeError(`randomSplit: sum of input lengths (${sizes.reduce((a, b) => a + b, 0)}) does not equal the length of the input dataset (${n})`);
  }
  const generator = opts.generator ?? (opts.seed !== undefined ? new Generator(opts.seed) : undefined);
  const perm = runOn(generator, () => {
    const p = randperm(n);
    const out = Array.from(p.dataSync() as BigInt64Array, Number);
    p.dispose();
    return out;
  });
  const subsets: Subset<T>[] = [];
  let offset = 0;
  for (const s of sizes) {
    subsets.push(new Subset(dataset, perm.slice(offset, offset + s)));
    offset += s;
  }
  return subsets;
}

classArgs(TensorDataset, 'torch.utils.data.TensorDataset', '...tensors');
classArgs(Subset, 'torch.utils.data.Subset', 'dataset:dict, indices');
classArgs(ConcatDataset, 'torch.utils.data.ConcatDataset', 'datasets');
classArgs(ChainDataset, 'torch.utils.data.ChainDataset', 'datasets');
