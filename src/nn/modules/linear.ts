// nn.Linear and nn.Identity.
import { Tensor } from '../../tensor.js';
import { empty } from '../../creation.js';
import { bindCtor, classArgs, type PyRest } from '../../args.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';
import * as init from '../init.js';
import { linear } from '../functional/linear.js';
import { pyBool } from './repr.js';

/** y = x W^T + b, with weight [outFeatures, inFeatures] initialised as PyTorch does (same draws). */
export class Linear extends Module {
  declare weight: Parameter;
  declare bias: Parameter | null;
  readonly inFeatures: number;
  readonly outFeatures: number;

  /** PyTorch's order (inFeatures, outFeatures, bias), or an options object for bias. */
  constructor(inFeatures: number, outFeatures: number, ...rest: PyRest<{ bias?: boolean }, ['bias']>);
  constructor(o: { inFeatures: number; outFeatures: number; bias?: boolean });
  constructor(...args: unknown[]) {
    super();
    const [inFeatures, outFeatures, opts = {}] = bindCtor(Linear, args) as [number, number, { bias?: boolean }];
    for (const [k, v] of [['inFeatures', inFeatures], ['outFeatures', outFeatures]] as const) {
      if (!Number.isInteger(v) || v < 0) throw new RangeError(`Linear: ${k} must be a non-negative integer, got ${v}`);
    }
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    this.weight = new Parameter(empty([outFeatures, inFeatures]));
    this.bias = opts.bias ?? true ? new Parameter(empty([outFeatures])) : null;
    this.resetParameters();
  }

  resetParameters(): void {
    init.kaimingUniform_(this.weight, { a: Math.sqrt(5) });
    if (this.bias !== null) {
      const [fanIn] = init.calculateFanInAndFanOut(this.weight);
      const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
      init.uniform_(this.bias, -bound, bound);
    }
  }

  override forward(input: Tensor): Tensor {
    return linear(input, this.weight, this.bias);
  }

  override extraRepr(): string {
    return `in_features=${this.inFeatures}, out_features=${this.outFeatures}, bias=${pyBool(this.bias !== null)}`;
  }
}

/**
 * Returns its input unchanged; a placeholder where a layer is optional (e.g. a removed classifier head). As
 * PyTorch's, it accepts and ignores any constructor arguments ("argument-insensitive"), so it can stand in for
 * any layer's constructor call.
 */
export class Identity extends Module {
  constructor(..._args: unknown[]) { super(); }
  override forward(input: Tensor): Tensor { return input; }
}

classArgs(Linear, 'torch.nn.Linear', 'inFeatures, outFeatures; bias');
classArgs(Identity, 'torch.nn.Identity', '...args');
