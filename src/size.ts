// torch.Size: the shape of a tensor, an immutable array of numbers that prints as PyTorch's
// `torch.Size([3, 4])`. Sizes are interned while alive, so `a.shape === b.shape` is true exactly when the shapes
// are equal, as Python's `a.shape == b.shape`; `a.shape.equals([3, 4])` compares with any array.
import { inspect } from 'node:util';

const live = new Map<string, WeakRef<Size>>();
const collected = new FinalizationRegistry<string>((key) => {
  const r = live.get(key);
  if (r !== undefined && r.deref() === undefined) live.delete(key);
});

export class Size extends Array<number> {
  // map/filter/slice of a Size give plain arrays (their results need not be shapes).
  static override get [Symbol.species](): ArrayConstructor { return Array; }

  /** torch.Size([3, 4]): the interned Size of these dimensions (non-negative integers). */
  constructor(dims: Iterable<number> = []) {
    super();
    const list = [...dims];
    for (const d of list) {
      if (!Number.isInteger(d) || d < 0) throw new TypeError(`torch.Size: dimensions must be non-negative integers, got ${String(d)}`);
    }
    const key = list.join(',');
    const found = live.get(key)?.deref();
    if (found !== undefined) return found;
    this.push(...list);
    Object.freeze(this);
    live.set(key, new WeakRef(this));
    collected.register(this, key);
  }

  /** The number of elements a tensor of this shape holds (torch.Size.numel()). */
  numel(): number {
    let n = 1;
    for (const d of this) n *= d;
    return n;
  }
  /** Same dimensions as `other` (any array of numbers). */
  equals(other: readonly number[]): boolean {
    return other.length === this.length && other.every((v, i) => v === this[i]);
  }

  override toString(): string { return `torch.Size([${this.join(', ')}])`; }
  [inspect.custom](): string { return this.toString(); }
}

/** The interned Size of dimensions the addon reported (trusted: no validation on the hot path of `.shape`). */
export function sizeOf(dims: number[]): Size {
  return live.get(dims.join(','))?.deref() ?? new Size(dims);
}
