// Tensor operations applied in turn, each intermediate result freed as soon as the next operation has consumed
// it (inside a tidy scope; see disposeTemporary), as Python's reference counting frees the temporaries of
// `x.view(...).permute(...).reshape(...)`. Without it, every view in such a chain keeps its storage alive to
// the end of the scope, and a transformer's forward pass holds all its window partitions at once.
import type { Tensor } from '../../tensor.js';
import { disposeTemporary } from '../../memory.js';

/** `x` itself is the caller's and is never freed; start from the tensor the chain begins with. */
export function pipe(x: Tensor, ...ops: ((t: Tensor) => Tensor)[]): Tensor {
  let cur = x;
  for (const op of ops) {
    const next = op(cur);
    if (cur !== x && next !== cur) disposeTemporary(cur);
    cur = next;
  }
  return cur;
}
