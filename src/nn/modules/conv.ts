// nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.ConvTranspose1d, nn.ConvTranspose2d (PyTorch's _ConvNd / _ConvTransposeNd).
import { Tensor } from '../../tensor.js';
import { empty } from '../../creation.js';
import { bindCtor, classArgs, type PyRest } from '../../args.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';
import * as init from '../init.js';
import { conv1d, conv2d, conv3d, convTranspose1d, convTranspose2d } from '../functional/conv.js';
import { pad } from '../functional/padding.js';
import { keptWeightConv } from './conv-prepack.js';
import { ntuple, type IntOrPair } from './utils.js';
import { pyValue } from './repr.js';

export type PaddingMode = 'zeros' | 'reflect' | 'replicate' | 'circular';

export interface ConvOptions {
  stride?: IntOrPair;
  padding?: IntOrPair | 'same' | 'valid';
  dilation?: IntOrPair;
  groups?: number;
  bias?: boolean;
  paddingMode?: PaddingMode;
}

export interface ConvTransposeOptions {
  stride?: IntOrPair;
  padding?: IntOrPair;
  outputPadding?: IntOrPair;
  groups?: number;
  bias?: boolean;
  dilation?: IntOrPair;
  paddingMode?: 'zeros';
}

abstract class ConvNd extends Module {
  declare weight: Parameter;
  declare bias: Parameter | null;
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: number[];
  readonly stride: number[];
  readonly padding: number[] | 'same' | 'valid';
  readonly dilation: number[];
  readonly transposed: boolean;
  readonly outputPadding: number[];
  readonly groups: number;
  readonly paddingMode: PaddingMode;
  /** F.pad's argument for a non-zeros paddingMode: (left, right) pairs from the last dimension. */
  protected readonly reversedPaddingRepeatedTwice: number[];

  constructor(n: number, inChannels: number, outChannels: number, kernelSize: IntOrPair, transposed: boolean,
    o: ConvOptions & { outputPadding?: IntOrPair }) {
    super();
    const name = this._getName();
    const groups = o.groups ?? 1;
    if (!Number.isInteger(groups) || groups <= 0) throw new RangeError(`${name}: groups must be a positive integer, got ${groups}`);
    if (inChannels % groups !== 0) throw new RangeError(`${name}: inChannels (${inChannels}) must be divisible by groups (${groups})`);
    if (outChannels % groups !== 0) throw new RangeError(`${name}: outChannels (${outChannels}) must be divisible by groups (${groups})`);
    const stride = ntuple(o.stride ?? 1, n, `${name} stride`);
    const dilation = ntuple(o.dilation ?? 1, n, `${name} dilation`);
    const k = ntuple(kernelSize, n, `${name} kernelSize`);
    const p = o.padding ?? 0;
    let padding: number[] | 'same' | 'valid';
    if (typeof p === 'string') {
      if (p !== 'same' && p !== 'valid') throw new TypeError(`${name}: invalid padding string '${p}', should be one of 'same', 'valid'`);
      if (p === 'same' && stride.some((s) => s !== 1)) throw new RangeError(`${name}: padding='same' is not supported for strided convolutions`);
      padding = p;
    } else {
      padding = ntuple(p, n, `${name} padding`);
    }
    const paddingMode = o.paddingMode ?? 'zeros';
    if (!['zeros', 'reflect', 'replicate', 'circular'].includes(paddingMode)) {
      throw new TypeError(`${name}: paddingMode must be one of 'zeros', 'reflect', 'replicate', 'circular', got '${paddingMode}'`);
    }
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.kernelSize = k;
    this.stride = stride;
    this.padding = padding;
    this.dilation = dilation;
    this.transposed = transposed;
    this.outputPadding = ntuple(o.outputPadding ?? 0, n, `${name} outputPadding`);
    this.groups = groups;
    this.paddingMode = paddingMode;
    if (padding === 'same' || padding === 'valid') {
      const r: number[] = Array(2 * n).fill(0);
      if (padding === 'same') {
        for (let i = n - 1; i >= 0; i--) {
          const total = dilation[i]! * (k[i]! - 1);
          const left = Math.floor(total / 2);
          r[2 * (n - 1 - i)] = left;
          r[2 * (n - 1 - i) + 1] = total - left;
        }
      }
      this.reversedPaddingRepeatedTwice = r;
    } else {
      this.reversedPaddingRepeatedTwice = [...padding].reverse().flatMap((v) => [v, v]);
    }
    const wShape = transposed ? [inChannels, outChannels / groups, ...k] : [outChannels, inChannels / groups, ...k];
    this.weight = new Parameter(empty(wShape));
    this.bias = o.bias ?? true ? new Parameter(empty([outChannels])) : null;
    this.resetParameters();
  }

  resetParameters(): void {
    // kaiming_uniform_ with a=sqrt(5) gives U(-1/sqrt(fan_in), 1/sqrt(fan_in)), as in torch/nn/modules/conv.py
    init.kaimingUniform_(this.weight, { a: Math.sqrt(5) });
    if (this.bias !== null) {
      const [fanIn] = init.calculateFanInAndFanOut(this.weight);
      if (fanIn !== 0) {
        const bound = 1 / Math.sqrt(fanIn);
        init.uniform_(this.bias, -bound, bound);
      }
    }
  }

  override extraRepr(): string {
    let s = `${this.inChannels}, ${this.outChannels}, kernel_size=${pyValue(this.kernelSize)}, stride=${pyValue(this.stride)}`;
    if (typeof this.padding === 'string' || this.padding.some((v) => v !== 0)) s += `, padding=${pyValue(this.padding)}`;
    if (this.dilation.some((v) => v !== 1)) s += `, dilation=${pyValue(this.dilation)}`;
    if (this.outputPadding.some((v) => v !== 0)) s += `, output_padding=${pyValue(this.outputPadding)}`;
    if (this.groups !== 1) s += `, groups=${this.groups}`;
    if (this.bias === null) s += ', bias=False';
    if (this.paddingMode !== 'zeros') s += `, padding_mode=${this.paddingMode}`;
    return s;
  }
}

abstract class ConvForward extends ConvNd {
  /** Without autograd, libtorch's oneDNN path with the weight kept reordered (conv-prepack.ts); null: the usual operator. */
  protected keptOrPlain(input: Tensor): Tensor | null {
    if (this.paddingMode !== 'zeros' || typeof this.padding === 'string') return null;
    return keptWeightConv(this, input, this.weight, this.bias, this.stride, this.padding, this.dilation, this.groups);
  }

  protected convForward(input: Tensor, f: typeof conv2d, n: number): Tensor {
    if (this.paddingMode !== 'zeros') {
      return f(pad(input, this.reversedPaddingRepeatedTwice, { mode: this.paddingMode }), this.weight, this.bias,
        { stride: this.stride, padding: Array(n).fill(0), dilation: this.dilation, groups: this.groups });
    }
    return f(input, this.weight, this.bias, { stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups });
  }
}

export class Conv1d extends ConvForward {
  /** PyTorch's order (inChannels, outChannels, kernelSize, stride, padding, dilation, groups, bias, paddingMode), or options after kernelSize. */
  constructor(inChannels: number, outChannels: number, kernelSize: IntOrPair, ...rest: PyRest<ConvOptions, ['stride', 'padding', 'dilation', 'groups', 'bias', 'paddingMode']>);
  constructor(o: ConvOptions & { inChannels: number; outChannels: number; kernelSize: IntOrPair });
  constructor(...args: unknown[]) {
    const [i, o, k, opts = {}] = bindCtor(Conv1d, args) as [number, number, IntOrPair, ConvOptions];
    super(1, i, o, k, false, opts);
  }
  override forward(input: Tensor): Tensor { return this.convForward(input, conv1d, 1); }
}

export class Conv2d extends ConvForward {
  /** PyTorch's order (inChannels, outChannels, kernelSize, stride, padding, dilation, groups, bias, paddingMode), or options after kernelSize. */
  constructor(inChannels: number, outChannels: number, kernelSize: IntOrPair, ...rest: PyRest<ConvOptions, ['stride', 'padding', 'dilation', 'groups', 'bias', 'paddingMode']>);
  constructor(o: ConvOptions & { inChannels: number; outChannels: number; kernelSize: IntOrPair });
  constructor(...args: unknown[]) {
    const [i, o, k, opts = {}] = bindCtor(Conv2d, args) as [number, number, IntOrPair, ConvOptions];
    super(2, i, o, k, false, opts);
  }
  override forward(input: Tensor): Tensor { return this.keptOrPlain(input) ?? this.convForward(input, conv2d, 2); }
}

export class Conv3d extends ConvForward {
  /** PyTorch's order (inChannels, outChannels, kernelSize, stride, padding, dilation, groups, bias, paddingMode), or options after kernelSize. */
  constructor(inChannels: number, outChannels: number, kernelSize: IntOrPair, ...rest: PyRest<ConvOptions, ['stride', 'padding', 'dilation', 'groups', 'bias', 'paddingMode']>);
  constructor(...args: unknown[]) {
    const [i, o, k, opts = {}] = bindCtor(Conv3d, args) as [number, number, IntOrPair, ConvOptions];
    super(3, i, o, k, false, opts);
  }
  override forward(input: Tensor): Tensor { return this.keptOrPlain(input) ?? this.convForward(input, conv3d, 3); }
}

abstract class ConvTransposeNd extends ConvNd {
  constructor(n: number, inChannels: number, outChannels: number, kernelSize: IntOrPair, o: ConvTransposeOptions) {
    if ((o.paddingMode ?? 'zeros') !== 'zeros') throw new TypeError(`only 'zeros' paddingMode is supported for transposed convolutions`);
    if (typeof (o.padding as unknown) === 'string') throw new TypeError('transposed convolutions take numeric padding only');
    super(n, inChannels, outChannels, kernelSize, true, o);
  }

  /** The output padding that makes the output `outputSize` (PyTorch's _output_padding). */
  protected outputPaddingFor(input: Tensor, outputSize: number[] | undefined): number[] {
    if (outputSize === undefined) return this.outputPadding;
    const n = this.kernelSize.length;
    const nonSpatial = input.ndim === n + 2 ? 2 : 1;
    const size = outputSize.length === nonSpatial + n ? outputSize.slice(nonSpatial) : outputSize;
    if (size.length !== n) {
      throw new RangeError(`${this._getName()}: outputSize must have ${n} or ${n + nonSpatial} elements, got [${outputSize}]`);
    }
    const padding = this.padding as number[];
    return size.map((want, d) => {
      const min = (input.shape[d + nonSpatial]! - 1) * this.stride[d]! - 2 * padding[d]! + this.dilation[d]! * (this.kernelSize[d]! - 1) + 1;
      const max = min + this.stride[d]! - 1;
      if (want < min || want > max) {
        throw new RangeError(`${this._getName()}: requested an output size of [${size}], but valid sizes range from the minimum to the maximum size in each dimension (dimension ${d}: ${min} to ${max})`);
      }
      return want - min;
    });
  }
}

export class ConvTranspose1d extends ConvTransposeNd {
  /** PyTorch's order (inChannels, outChannels, kernelSize, stride, padding, outputPadding, groups, bias, dilation, paddingMode), or options. */
  constructor(inChannels: number, outChannels: number, kernelSize: IntOrPair, ...rest: PyRest<ConvTransposeOptions, ['stride', 'padding', 'outputPadding', 'groups', 'bias', 'dilation', 'paddingMode']>);
  constructor(o: ConvTransposeOptions & { inChannels: number; outChannels: number; kernelSize: IntOrPair });
  constructor(...args: unknown[]) {
    const [i, o, k, opts = {}] = bindCtor(ConvTranspose1d, args) as [number, number, IntOrPair, ConvTransposeOptions];
    super(1, i, o, k, opts);
  }
  override forward(input: Tensor, outputSize?: number[]): Tensor {
    return convTranspose1d(input, this.weight, this.bias, { stride: this.stride, padding: this.padding as number[],
      outputPadding: this.outputPaddingFor(input, outputSize), groups: this.groups, dilation: this.dilation });
  }
}

export class ConvTranspose2d extends ConvTransposeNd {
  /** PyTorch's order (inChannels, outChannels, kernelSize, stride, padding, outputPadding, groups, bias, dilation, paddingMode), or options. */
  constructor(inChannels: number, outChannels: number, kernelSize: IntOrPair, ...rest: PyRest<ConvTransposeOptions, ['stride', 'padding', 'outputPadding', 'groups', 'bias', 'dilation', 'paddingMode']>);
  constructor(o: ConvTransposeOptions & { inChannels: number; outChannels: number; kernelSize: IntOrPair });
  constructor(...args: unknown[]) {
    const [i, o, k, opts = {}] = bindCtor(ConvTranspose2d, args) as [number, number, IntOrPair, ConvTransposeOptions];
    super(2, i, o, k, opts);
  }
  override forward(input: Tensor, outputSize?: number[]): Tensor {
    return convTranspose2d(input, this.weight, this.bias, { stride: this.stride, padding: this.padding as number[],
      outputPadding: this.outputPaddingFor(input, outputSize), groups: this.groups, dilation: this.dilation });
  }
}

const CONV = 'inChannels, outChannels, kernelSize; stride, padding, dilation, groups, bias, paddingMode';
const CONV_T = 'inChannels, outChannels, kernelSize; stride, padding, outputPadding, groups, bias, dilation, paddingMode';
classArgs(Conv1d, 'torch.nn.Conv1d', CONV);
classArgs(Conv2d, 'torch.nn.Conv2d', CONV);
classArgs(Conv3d, 'torch.nn.Conv3d', CONV);
classArgs(ConvTranspose1d, 'torch.nn.ConvTranspose1d', CONV_T);
classArgs(ConvTranspose2d, 'torch.nn.ConvTranspose2d', CONV_T);
