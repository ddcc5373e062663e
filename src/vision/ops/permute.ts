// torchvision.ops.Permute: a module that returns a permuted view of its input (ConvNeXt moves channels last
// around its LayerNorm with it).
import type { Tensor } from '../../tensor.js';
import { Module } from '../../nn/module.js';
import { bindOwn, classArgs } from '../../args.js';

export class Permute extends Module {
  dims: number[];

  constructor(dims: readonly number[]) {
    [dims] = bindOwn(Permute, arguments) as ConstructorParameters<typeof Permute>;
    super();
    if (!Array.isArray(dims) || dims.some((d) => !Number.isInteger(d))) {
      throw new TypeError(`Permute: dims must be a list of integers, got ${JSON.stringify(dims)}`);
    }
    this.dims = [...dims];
  }

  override forward(x: Tensor): Tensor {
    return x.permute(this.dims);
  }
}
classArgs(Permute, 'torchvision.ops.Permute', 'dims');
