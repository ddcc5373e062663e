// Pooling modules. The second constructor argument may be the stride (`new nn.MaxPool2d(2, 2)`), or options.
import { Tensor } from '../../tensor.js';
import { bindCtor, classArgs, type PyRest } from '../../args.js';
import { Module } from '../module.js';
import * as F from '../functional/pooling.js';
import type { AdaptiveSize } from '../functional/pooling.js';
import { pyBool, pyValue } from './repr.js';
import { single, type IntOrPair } from './utils.js';

export interface MaxPoolOptions {
  stride?: IntOrPair | null;
  padding?: IntOrPair;
  dilation?: IntOrPair;
  returnIndices?: boolean;
  ceilMode?: boolean;
}

export interface AvgPoolOptions {
  stride?: IntOrPair | null;
  padding?: IntOrPair;
  ceilMode?: boolean;
  countIncludePad?: boolean;
  divisorOverride?: number | null;
}


abstract class MaxPoolNd extends Module {
  kernelSize: IntOrPair;
  stride: IntOrPair;
  padding: IntOrPair;
  dilation: IntOrPair;
  returnIndices: boolean;
  ceilMode: boolean;
  /** PyTorch's order: (kernelSize, stride, padding, dilation, returnIndices, ceilMode), or an options object after kernelSize. */
  constructor(kernelSize: IntOrPair, ...rest: PyRest<MaxPoolOptions, ['stride', 'padding', 'dilation', 'returnIndices', 'ceilMode']>);
  constructor(...args: unknown[]) {
    super();
    const [kernelSize, o = {}] = bindCtor(MaxPoolNd, args) as [IntOrPair, MaxPoolOptions];
    this.kernelSize = kernelSize;
    this.stride = o.stride ?? kernelSize;
    this.padding = o.padding ?? 0;
    this.dilation = o.dilation ?? 1;
    this.returnIndices = o.returnIndices ?? false;
    this.ceilMode = o.ceilMode ?? false;
  }
  override extraRepr(): string {
    return `kernel_size=${pyValue(this.kernelSize)}, stride=${pyValue(this.stride)}, padding=${pyValue(this.padding)}, dilation=${pyValue(this.dilation)}, ceil_mode=${pyBool(this.ceilMode)}`;
  }
  protected get fOptions(): F.MaxPoolOptions {
    return { stride: this.stride, padding: this.padding, dilation: this.dilation, ceilMode: this.ceilMode };
  }
}

/** Returns the pooled tensor, or [values, indices] when constructed with returnIndices. */
export class MaxPool2d extends MaxPoolNd {
  override forward(input: Tensor): Tensor | [Tensor, Tensor] {
    return this.returnIndices
      ? F.maxPool2d(input, this.kernelSize, { ...this.fOptions, returnIndices: true })
      : F.maxPool2d(input, this.kernelSize, this.fOptions);
  }
}

export class MaxPool1d extends MaxPoolNd {
  override forward(input: Tensor): Tensor | [Tensor, Tensor] {
    return this.returnIndices
      ? F.maxPool1d(input, this.kernelSize, { ...this.fOptions, returnIndices: true })
      : F.maxPool1d(input, this.kernelSize, this.fOptions);
  }
}

export class AvgPool2d extends Module {
  kernelSize: IntOrPair;
  stride: IntOrPair;
  padding: IntOrPair;
  ceilMode: boolean;
  countIncludePad: boolean;
  divisorOverride: number | null;
  /** PyTorch's order: (kernelSize, stride, padding, ceilMode, countIncludePad, divisorOverride), or options after kernelSize. */
  constructor(kernelSize: IntOrPair, ...rest: PyRest<AvgPoolOptions, ['stride', 'padding', 'ceilMode', 'countIncludePad', 'divisorOverride']>);
  constructor(...args: unknown[]) {
    super();
    const [kernelSize, o = {}] = bindCtor(AvgPool2d, args) as [IntOrPair, AvgPoolOptions];
    this.kernelSize = kernelSize;
    this.stride = o.stride ?? kernelSize;
    this.padding = o.padding ?? 0;
    this.ceilMode = o.ceilMode ?? false;
    this.countIncludePad = o.countIncludePad ?? true;
    this.divisorOverride = o.divisorOverride ?? null;
  }
  override forward(input: Tensor): Tensor {
    return F.avgPool2d(input, this.kernelSize, { stride: this.stride, padding: this.padding, ceilMode: this.ceilMode,
      countIncludePad: this.countIncludePad, divisorOverride: this.divisorOverride });
  }
  override extraRepr(): string {
    return `kernel_size=${pyValue(this.kernelSize)}, stride=${pyValue(this.stride)}, padding=${pyValue(this.padding)}`;
  }
}

export class AvgPool1d extends Module {
  kernelSize: IntOrPair;
  stride: IntOrPair;
  padding: IntOrPair;
  ceilMode: boolean;
  countIncludePad: boolean;
  constructor(kernelSize: IntOrPair, ...rest: PyRest<Omit<AvgPoolOptions, 'divisorOverride'>, ['stride', 'padding', 'ceilMode', 'countIncludePad']>);
  constructor(...args: unknown[]) {
    super();
    const [kernelSize, o = {}] = bindCtor(AvgPool1d, args) as [IntOrPair, AvgPoolOptions];
    // PyTorch's AvgPool1d keeps its sizes as 1-tuples (and prints them so)
    this.kernelSize = single(kernelSize, 'AvgPool1d kernelSize');
    this.stride = single(o.stride ?? kernelSize, 'AvgPool1d stride');
    this.padding = single(o.padding ?? 0, 'AvgPool1d padding');
    this.ceilMode = o.ceilMode ?? false;
    this.countIncludePad = o.countIncludePad ?? true;
  }
  override forward(input: Tensor): Tensor {
    return F.avgPool1d(input, this.kernelSize, { stride: this.stride, padding: this.padding, ceilMode: this.ceilMode,
      countIncludePad: this.countIncludePad });
  }
  override extraRepr(): string {
    return `kernel_size=${pyValue(this.kernelSize)}, stride=${pyValue(this.stride)}, padding=${pyValue(this.padding)}`;
  }
}

export class AdaptiveAvgPool2d extends Module {
  outputSize: AdaptiveSize;
  constructor(outputSize: AdaptiveSize | { outputSize: AdaptiveSize }) {
    super();
    [this.outputSize] = bindCtor(AdaptiveAvgPool2d, arguments) as [AdaptiveSize];
  }
  override forward(input: Tensor): Tensor { return F.adaptiveAvgPool2d(input, this.outputSize); }
  override extraRepr(): string { return `output_size=${pyValue(this.outputSize)}`; }
}

export class AdaptiveAvgPool1d extends Module {
  outputSize: number;
  constructor(outputSize: number | { outputSize: number }) {
    super();
    [this.outputSize] = bindCtor(AdaptiveAvgPool1d, arguments) as [number];
  }
  override forward(input: Tensor): Tensor { return F.adaptiveAvgPool1d(input, this.outputSize); }
  override extraRepr(): string { return `output_size=${pyValue(this.outputSize)}`; }
}

/** Returns the pooled tensor, or [values, indices] with returnIndices. */
export class AdaptiveMaxPool2d extends Module {
  outputSize: AdaptiveSize;
  returnIndices: boolean;
  constructor(outputSize: AdaptiveSize, ...rest: PyRest<{ returnIndices?: boolean }, ['returnIndices']>);
  constructor(...args: unknown[]) {
    super();
    const [outputSize, o = {}] = bindCtor(AdaptiveMaxPool2d, args) as [AdaptiveSize, { returnIndices?: boolean }];
    this.outputSize = outputSize;
    this.returnIndices = o.returnIndices ?? false;
  }
  override forward(input: Tensor): Tensor | [Tensor, Tensor] {
    return this.returnIndices
      ? F.adaptiveMaxPool2d(input, this.outputSize, { returnIndices: true })
      : F.adaptiveMaxPool2d(input, this.outputSize);
  }
  override extraRepr(): string { return `output_size=${pyValue(this.outputSize)}`; }
}

// 3-D pooling (video models).

/** Returns the pooled tensor, or [values, indices] when constructed with returnIndices. */
export class MaxPool3d extends MaxPoolNd {
  override forward(input: Tensor): Tensor | [Tensor, Tensor] {
    return this.returnIndices
      ? F.maxPool3d(input, this.kernelSize, { ...this.fOptions, returnIndices: true })
      : F.maxPool3d(input, this.kernelSize, this.fOptions);
  }
}

export class AvgPool3d extends AvgPool2d {
  override forward(input: Tensor): Tensor {
    return F.avgPool3d(input, this.kernelSize, { stride: this.stride, padding: this.padding, ceilMode: this.ceilMode,
      countIncludePad: this.countIncludePad, divisorOverride: this.divisorOverride });
  }
}

export class AdaptiveAvgPool3d extends AdaptiveAvgPool2d {
  override forward(input: Tensor): Tensor { return F.adaptiveAvgPool3d(input, this.outputSize); }
}

classArgs(MaxPoolNd, 'torch.nn.MaxPool2d', 'kernelSize; stride, padding, dilation, returnIndices, ceilMode');
classArgs(MaxPool2d, 'torch.nn.MaxPool2d', 'kernelSize; stride, padding, dilation, returnIndices, ceilMode');
classArgs(MaxPool1d, 'torch.nn.MaxPool1d', 'kernelSize; stride, padding, dilation, returnIndices, ceilMode');
classArgs(AvgPool2d, 'torch.nn.AvgPool2d', 'kernelSize; stride, padding, ceilMode, countIncludePad, divisorOverride');
classArgs(AvgPool1d, 'torch.nn.AvgPool1d', 'kernelSize; stride, padding, ceilMode, countIncludePad');
classArgs(AdaptiveAvgPool2d, 'torch.nn.AdaptiveAvgPool2d', 'outputSize');
classArgs(AdaptiveAvgPool1d, 'torch.nn.AdaptiveAvgPool1d', 'outputSize');
classArgs(AdaptiveMaxPool2d, 'torch.nn.AdaptiveMaxPool2d', 'outputSize; returnIndices');
classArgs(MaxPool3d, 'torch.nn.MaxPool3d', 'kernelSize; stride, padding, dilation, returnIndices, ceilMode');
classArgs(AvgPool3d, 'torch.nn.AvgPool3d', 'kernelSize; stride, padding, ceilMode, countIncludePad, divisorOverride');
classArgs(AdaptiveAvgPool3d, 'torch.nn.AdaptiveAvgPool3d', 'outputSize');
