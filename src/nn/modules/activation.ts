// Activation modules. Those with an `inplace` flag take `{ inplace }` or a bare boolean, as `nn.ReLU(True)`.
import { Tensor } from '../../tensor.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';
import { empty } from '../../creation.js';
import * as F from '../functional/activation.js';
import { pyFloat, pyValue } from './repr.js';

type InplaceArg = boolean | { inplace?: boolean };
const inplaceOf = (a: InplaceArg | undefined): boolean => (typeof a === 'boolean' ? a : a?.inplace ?? false);

abstract class InplaceActivation extends Module {
  inplace: boolean;
  constructor(arg?: InplaceArg) {
    super();
    this.inplace = inplaceOf(arg);
  }
  override extraRepr(): string { return this.inplace ? 'inplace=True' : ''; }
}

export class ReLU extends InplaceActivation {
  override forward(input: Tensor): Tensor { return F.relu(input, { inplace: this.inplace }); }
}

export class Hardtanh extends Module {
  minVal: number;
  maxVal: number;
  inplace: boolean;
  constructor(o: { minVal?: number; maxVal?: number; inplace?: boolean } = {}) {
    super();
    this.minVal = o.minVal ?? -1.0;
    this.maxVal = o.maxVal ?? 1.0;
    this.inplace = o.inplace ?? false;
    if (this.maxVal <= this.minVal) throw new RangeError(`Hardtanh: maxVal (${this.maxVal}) must be greater than minVal (${this.minVal})`);
  }
  override forward(input: Tensor): Tensor {
    return F.hardtanh(input, { minVal: this.minVal, maxVal: this.maxVal, inplace: this.inplace });
  }
  override extraRepr(): string {
    return `min_val=${pyFloat(this.minVal)}, max_val=${pyFloat(this.maxVal)}${this.inplace ? ', inplace=True' : ''}`;
  }
}

/** A Hardtanh clipped to [0, 6], as in PyTorch (so `instanceof Hardtanh` holds). */
export class ReLU6 extends Hardtanh {
  constructor(arg?: InplaceArg) {
    super({ minVal: 0, maxVal: 6, inplace: inplaceOf(arg) });
  }
  override extraRepr(): string { return this.inplace ? 'inplace=True' : ''; }
}

export class SiLU extends InplaceActivation {
  override forward(input: Tensor): Tensor { return F.silu(input, { inplace: this.inplace }); }
}

export class Mish extends InplaceActivation {
  override forward(input: Tensor): Tensor { return F.mish(input, { inplace: this.inplace }); }
}

/** Printed without arguments, as PyTorch's Hardswish has no extra_repr. */
export class Hardswish extends InplaceActivation {
  override forward(input: Tensor): Tensor { return F.hardswish(input, { inplace: this.inplace }); }
  override extraRepr(): string { return ''; }
}

export class Hardsigmoid extends InplaceActivation {
  override forward(input: Tensor): Tensor { return F.hardsigmoid(input, { inplace: this.inplace }); }
  override extraRepr(): string { return ''; }
}

export class Sigmoid extends Module {
  override forward(input: Tensor): Tensor { return F.sigmoid(input); }
}

export class Tanh extends Module {
  override forward(input: Tensor): Tensor { return F.tanh(input); }
}

export class ELU extends Module {
  alpha: number;
  inplace: boolean;
  constructor(o: { alpha?: number; inplace?: boolean } = {}) {
    super();
    this.alpha = o.alpha ?? 1.0;
    this.inplace = o.inplace ?? false;
  }
  override forward(input: Tensor): Tensor { return F.elu(input, { alpha: this.alpha, inplace: this.inplace }); }
  override extraRepr(): string { return `alpha=${pyFloat(this.alpha)}${this.inplace ? ', inplace=True' : ''}`; }
}

export class LeakyReLU extends Module {
  negativeSlope: number;
  inplace: boolean;
  constructor(o: number | { negativeSlope?: number; inplace?: boolean } = {}) {
    super();
    const opts = typeof o === 'number' ? { negativeSlope: o } : o;
    this.negativeSlope = opts.negativeSlope ?? 0.01;
    this.inplace = opts.inplace ?? false;
  }
  override forward(input: Tensor): Tensor { return F.leakyRelu(input, { negativeSlope: this.negativeSlope, inplace: this.inplace }); }
  override extraRepr(): string { return `negative_slope=${pyFloat(this.negativeSlope)}${this.inplace ? ', inplace=True' : ''}`; }
}

export class GELU extends Module {
  approximate: 'none' | 'tanh';
  constructor(o: { approximate?: 'none' | 'tanh' } = {}) {
    super();
    this.approximate = o.approximate ?? 'none';
    if (this.approximate !== 'none' && this.approximate !== 'tanh') throw new TypeError(`GELU: approximate must be 'none' or 'tanh', got '${this.approximate}'`);
  }
  override forward(input: Tensor): Tensor { return F.gelu(input, { approximate: this.approximate }); }
  override extraRepr(): string { return `approximate='${this.approximate}'`; }
}

export class Softmax extends Module {
  dim: number | null;
  constructor(dim: number | null = null) {
    super();
    this.dim = dim;
  }
  override forward(input: Tensor): Tensor { return F.softmax(input, softmaxDim(this.dim, input)); }
  override extraRepr(): string { return `dim=${pyValue(this.dim)}`; }
}

export class LogSoftmax extends Module {
  dim: number | null;
  constructor(dim: number | null = null) {
    super();
    this.dim = dim;
  }
  override forward(input: Tensor): Tensor { return F.logSoftmax(input, softmaxDim(this.dim, input)); }
  override extraRepr(): string { return `dim=${pyValue(this.dim)}`; }
}

/** PyTorch's legacy _get_softmax_dim for dim=None (with its deprecation warning). */
function softmaxDim(dim: number | null, input: Tensor): number {
  if (dim !== null) return dim;
  process.emitWarning('Implicit dimension choice for softmax has been deprecated. Change the call to include dim=X as an argument.');
  const nd = input.ndim;
  return nd === 0 || nd === 1 || nd === 3 ? 0 : 1;
}

/** A leaky ReLU with a learnable slope, one shared or one per channel (dimension 1). */
export class PReLU extends Module {
  declare weight: Parameter;
  /** PyTorch's num_parameters (renamed: Module.numParameters() counts all parameter elements). */
  readonly numSlopes: number;
  constructor(numParameters = 1, o: { init?: number } = {}) {
    super();
    if (!Number.isInteger(numParameters) || numParameters <= 0) throw new RangeError(`PReLU: numParameters must be a positive integer, got ${numParameters}`);
    this.numSlopes = numParameters;
    this.weight = new Parameter(empty([numParameters]).fill_(o.init ?? 0.25));
  }
  override forward(input: Tensor): Tensor { return F.prelu(input, this.weight); }
  override extraRepr(): string { return `num_parameters=${this.numSlopes}`; }
}
