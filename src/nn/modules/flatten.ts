// nn.Flatten and nn.Unflatten.
import { Tensor } from '../../tensor.js';
import { bindCtor, classArgs } from '../../args.js';
import { Module } from '../module.js';
import { pyValue } from './repr.js';

/** Flattens dimensions startDim..endDim (by default all but the batch dimension). */
export class Flatten extends Module {
  startDim: number;
  endDim: number;
  constructor(startDim?: number | { startDim?: number; endDim?: number }, endDim?: number) {
    super();
    const [s, e] = bindCtor(Flatten, arguments) as [number | undefined, number | undefined];
    this.startDim = s ?? 1;
    this.endDim = e ?? -1;
  }
  override forward(input: Tensor): Tensor { return input.flatten(this.startDim, this.endDim); }
  override extraRepr(): string { return `start_dim=${this.startDim}, end_dim=${this.endDim}`; }
}

export class Unflatten extends Module {
  dim: number;
  unflattenedSize: number[];
  constructor(dim: number | { dim: number; unflattenedSize: number[] }, unflattenedSize?: number[]) {
    super();
    [dim, unflattenedSize] = bindCtor(Unflatten, arguments) as [number, number[]];
    if (!Array.isArray(unflattenedSize) || unflattenedSize.some((v) => !Number.isInteger(v))) {
      throw new TypeError(`Unflatten: unflattenedSize must be a list of integers, got ${JSON.stringify(unflattenedSize)}`);
    }
    this.dim = dim;
    this.unflattenedSize = [...unflattenedSize];
  }
  override forward(input: Tensor): Tensor { return input.unflatten(this.dim, this.unflattenedSize); }
  override extraRepr(): string { return `dim=${this.dim}, unflattened_size=${pyValue(this.unflattenedSize)}`; }
}

classArgs(Flatten, 'torch.nn.Flatten', 'startDim?, endDim?');
classArgs(Unflatten, 'torch.nn.Unflatten', 'dim, unflattenedSize');
