// Activation modules, with PyTorch's constructor arguments positionally (`nn.ReLU(true)`, `nn.ELU(0.5)`,
// `nn.Softmax(1)`) or in an options object (`nn.Softmax({ dim: 1 })`).
import { Tensor } from '../../tensor.js';
import { bindCtor, classArgs, type PyRest } from '../../args.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';
import { empty } from '../../creation.js';
import * as F from '../functional/activation.js';
import { pyFloat, pyValue } from './repr.js';

type InplaceArg = boolean | { inplace?: boolean };

abstract class InplaceActivation extends Module {
  inplace: boolean;
  constructor(inplace?: InplaceArg) {
    super();
    const [v] = bindCtor(InplaceActivation, arguments) as [boolean | undefined];
    this.inplace = v ?? false;
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
  constructor(...args: PyRest<{ minVal?: number; maxVal?: number; inplace?: boolean }, ['minVal', 'maxVal', 'inplace']>) {
    super();
    const [o = {}] = bindCtor(Hardtanh, args) as [{ minVal?: number; maxVal?: number; inplace?: boolean }];
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
  constructor(inplace?: InplaceArg) {
    const [v] = bindCtor(ReLU6, arguments) as [boolean | undefined];
    super({ minVal: 0, maxVal: 6, inplace: v ?? false });
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
  constructor(...args: PyRest<{ alpha?: number; inplace?: boolean }, ['alpha', 'inplace']>) {
    super();
    const [o = {}] = bindCtor(ELU, args) as [{ alpha?: number; inplace?: boolean }];
    this.alpha = o.alpha ?? 1.0;
    this.inplace = o.inplace ?? false;
  }
  override forward(input: Tensor): Tensor { return F.elu(input, { alpha: this.alpha, inplace: this.inplace }); }
  override extraRepr(): string { return `alpha=${pyFloat(this.alpha)}${this.inplace ? ', inplace=True' : ''}`; }
}

export class LeakyReLU extends Module {
  negativeSlope: number;
  inplace: boolean;
  constructor(...args: PyRest<{ negativeSlope?: number; inplace?: boolean }, ['negativeSlope', 'inplace']>) {
    super();
    const [opts = {}] = bindCtor(LeakyReLU, args) as [{ negativeSlope?: number; inplace?: boolean }];
    this.negativeSlope = opts.negativeSlope ?? 0.01;
    this.inplace = opts.inplace ?? false;
  }
  override forward(input: Tensor): Tensor { return F.leakyRelu(input, { negativeSlope: this.negativeSlope, inplace: this.inplace }); }
  override extraRepr(): string { return `negative_slope=${pyFloat(this.negativeSlope)}${this.inplace ? ', inplace=True' : ''}`; }
}

export class GELU extends Module {
  approximate: 'none' | 'tanh';
  constructor(...args: PyRest<{ approximate?: 'none' | 'tanh' }, ['approximate']>) {
    super();
    const [o = {}] = bindCtor(GELU, args) as [{ approximate?: 'none' | 'tanh' }];
    this.approximate = o.approximate ?? 'none';
    if (this.approximate !== 'none' && this.approximate !== 'tanh') throw new TypeError(`GELU: approximate must be 'none' or 'tanh', got '${this.approximate}'`);
  }
  override forward(input: Tensor): Tensor { return F.gelu(input, { approximate: this.approximate }); }
  override extraRepr(): string { return `approximate='${this.approximate}'`; }
}

export class Softmax extends Module {
  dim: number | null;
  constructor(dim?: number | null | { dim?: number | null }) {
    super();
    const [d] = bindCtor(Softmax, arguments) as [number | null | undefined];
    this.dim = d ?? null;
  }
  override forward(input: Tensor): Tensor { return F.softmax(input, softmaxDim(this.dim, input)); }
  override extraRepr(): string { return `dim=${pyValue(this.dim)}`; }
}

export class LogSoftmax extends Module {
  dim: number | null;
  constructor(dim?: number | null | { dim?: number | null }) {
    super();
    const [d] = bindCtor(LogSoftmax, arguments) as [number | null | undefined];
    this.dim = d ?? null;
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
  constructor(...args: PyRest<{ numParameters?: number; init?: number }, ['numParameters', 'init']>) {
    super();
    const [o = {}] = bindCtor(PReLU, args) as [{ numParameters?: number; init?: number }];
    const numParameters = o.numParameters ?? 1;
    if (!Number.isInteger(numParameters) || numParameters <= 0) throw new RangeError(`PReLU: numParameters must be a positive integer, got ${numParameters}`);
    this.numSlopes = numParameters;
    this.weight = new Parameter(empty([numParameters]).fill_(o.init ?? 0.25));
  }
  override forward(input: Tensor): Tensor { return F.prelu(input, this.weight); }
  override extraRepr(): string { return `num_parameters=${this.numSlopes}`; }
}

classArgs(InplaceActivation, 'torch.nn.ReLU', 'inplace?');
for (const [cls, name] of [[ReLU, 'ReLU'], [SiLU, 'SiLU'], [Mish, 'Mish'], [Hardswish, 'Hardswish'], [Hardsigmoid, 'Hardsigmoid']] as const) {
  classArgs(cls, `torch.nn.${name}`, 'inplace?');
}
classArgs(Hardtanh, 'torch.nn.Hardtanh', '; minVal, maxVal, inplace');
classArgs(ReLU6, 'torch.nn.ReLU6', 'inplace?');
classArgs(Sigmoid, 'torch.nn.Sigmoid', '');
classArgs(Tanh, 'torch.nn.Tanh', '');
classArgs(ELU, 'torch.nn.ELU', '; alpha, inplace');
classArgs(LeakyReLU, 'torch.nn.LeakyReLU', '; negativeSlope, inplace');
classArgs(GELU, 'torch.nn.GELU', '; approximate');
classArgs(Softmax, 'torch.nn.Softmax', 'dim?');
classArgs(LogSoftmax, 'torch.nn.LogSoftmax', 'dim?');
classArgs(PReLU, 'torch.nn.PReLU', '; numParameters, init');
