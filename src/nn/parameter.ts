// nn.Parameter: a tensor that a Module registers as a learnable weight. It shares memory with the tensor it
// is made from (as PyTorch's Parameter(data) does) and is never freed by a tidy() scope.
import { Tensor } from '../tensor.js';
import { op } from '../native/ops.js';
import { untrack } from '../memory.js';
import type { Handle } from '../native/binding.js';

const detach = op('aten::detach');

export class Parameter extends Tensor {
  constructor(data: Tensor, requiresGrad = true) {
    super(detach(data._h) as Handle);
    untrack(this);
    this.requiresGrad_(requiresGrad);
  }

  /** Replaces the tensor behind this parameter, keeping its identity (Python's `param.data = t`). */
  setData(t: Tensor): this {
    const rg = this.requiresGrad;
    this._h = detach(t._h) as Handle;
    if (rg) this.requiresGrad_(true);
    return this;
  }

  override toString(): string {
    return 'Parameter containing:\n' + super.toString();
  }
}

/** A buffer-like tensor that a Module keeps across tidy() scopes (running statistics, counters). */
export function persistentTensor(t: Tensor): Tensor {
  untrack(t);
  return t;
}
