// Pooling modules. The second constructor argument may be the stride (`new nn.MaxPool2d(2, 2)`), or options.
import { Tensor } from '../../tensor.js';
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

function optionsOf<T extends { stride?: IntOrPair | null }>(arg: IntOrPair | T | null | undefined): T {
  if (arg === undefined || arg === null) return {} as T;
  if (typeof arg === 'number' || Array.isArray(arg)) return { stride: arg as IntOrPair } as T;
  return arg as T;
}

abstract class MaxPoolNd extends Module {
  kernelSize: IntOrPair;
  stride: IntOrPair;
  padding: IntOrPair;
  dilation: IntOrPair;
  returnIndices: boolean;
  ceilMode: boolean;
  constructor(kernelSize: IntOrPair, arg?: IntOrPair | MaxPoolOptions | null) {
    super();
    const o = optionsOf<MaxPoolOptions>(arg);
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
  constructor(kernelSize: IntOrPair, arg?: IntOrPair | AvgPoolOptions | null) {
    super();
    const o = optionsOf<AvgPoolOptions>(arg);
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
  constructor(kernelSize: IntOrPair, arg?: IntOrPair | Omit<AvgPoolOptions, 'divisorOverride'> | null) {
    super();
    const o = optionsOf<AvgPoolOptions>(arg);
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
  constructor(outputSize: AdaptiveSize) {
    super();
    this.outputSize = outputSize;
  }
  override forward(input: Tensor): Tensor { return F.adaptiveAvgPool2d(input, this.outputSize); }
  override extraRepr(): string { return `output_size=${pyValue(this.outputSize)}`; }
}

export class AdaptiveAvgPool1d extends Module {
  outputSize: number;
  constructor(outputSize: number) {
    super();
    this.outputSize = outputSize;
  }
  override forward(input: Tensor): Tensor { return F.adaptiveAvgPool1d(input, this.outputSize); }
  override extraRepr(): string { return `output_size=${pyValue(this.outputSize)}`; }
}

/** Returns the pooled tensor, or [values, indices] with returnIndices. */
export class AdaptiveMaxPool2d extends Module {
  outputSize: AdaptiveSize;
  returnIndices: boolean;
  constructor(outputSize: AdaptiveSize, o: { returnIndices?: boolean } = {}) {
    super();
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
