// nn.LayerNorm, nn.GroupNorm and nn.LocalResponseNorm.
import { Tensor } from '../../tensor.js';
import { empty } from '../../creation.js';
import { bindCtor, classArgs, type PyRest } from '../../args.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';
import * as init from '../init.js';
import { groupNorm, layerNorm, localResponseNorm } from '../functional/normalization.js';
import { pyBool, pyFloat, pyNum, pyValue } from './repr.js';

export class LayerNorm extends Module {
  declare weight: Parameter | null;
  declare bias: Parameter | null;
  readonly normalizedShape: number[];
  eps: number;
  readonly elementwiseAffine: boolean;

  constructor(normalizedShape: number | readonly number[], ...rest: PyRest<{ eps?: number; elementwiseAffine?: boolean }, ['eps', 'elementwiseAffine']>);
  constructor(...args: unknown[]) {
    super();
    const [normalizedShape, o = {}] = bindCtor(LayerNorm, args) as [number | readonly number[], { eps?: number; elementwiseAffine?: boolean }];
    this.normalizedShape = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
    if (this.normalizedShape.some((v) => !Number.isInteger(v) || v < 0)) {
      throw new TypeError(`LayerNorm: normalizedShape must be an integer or a list of integers, got ${JSON.stringify(normalizedShape)}`);
    }
    this.eps = o.eps ?? 1e-5;
    this.elementwiseAffine = o.elementwiseAffine ?? true;
    this.weight = this.elementwiseAffine ? new Parameter(empty(this.normalizedShape)) : null;
    this.bias = this.elementwiseAffine ? new Parameter(empty(this.normalizedShape)) : null;
    this.resetParameters();
  }

  resetParameters(): void {
    if (this.weight !== null && this.bias !== null) {
      init.ones_(this.weight);
      init.zeros_(this.bias);
    }
  }

  override forward(input: Tensor): Tensor {
    return layerNorm(input, this.normalizedShape, { weight: this.weight, bias: this.bias, eps: this.eps });
  }

  override extraRepr(): string {
    return `${pyValue(this.normalizedShape)}, eps=${pyFloat(this.eps)}, elementwise_affine=${pyBool(this.elementwiseAffine)}`;
  }
}

export class GroupNorm extends Module {
  declare weight: Parameter | null;
  declare bias: Parameter | null;
  readonly numGroups: number;
  readonly numChannels: number;
  eps: number;
  readonly affine: boolean;

  constructor(numGroups: number, numChannels: number, ...rest: PyRest<{ eps?: number; affine?: boolean }, ['eps', 'affine']>);
  constructor(...args: unknown[]) {
    super();
    const [numGroups, numChannels, o = {}] = bindCtor(GroupNorm, args) as [number, number, { eps?: number; affine?: boolean }];
    if (!Number.isInteger(numGroups) || numGroups <= 0 || numChannels % numGroups !== 0) {
      throw new RangeError(`GroupNorm: numChannels (${numChannels}) must be divisible by numGroups (${numGroups})`);
    }
    this.numGroups = numGroups;
    this.numChannels = numChannels;
    this.eps = o.eps ?? 1e-5;
    this.affine = o.affine ?? true;
    this.weight = this.affine ? new Parameter(empty([numChannels])) : null;
    this.bias = this.affine ? new Parameter(empty([numChannels])) : null;
    this.resetParameters();
  }

  resetParameters(): void {
    if (this.weight !== null && this.bias !== null) {
      init.ones_(this.weight);
      init.zeros_(this.bias);
    }
  }

  override forward(input: Tensor): Tensor {
    return groupNorm(input, this.numGroups, { weight: this.weight, bias: this.bias, eps: this.eps });
  }

  override extraRepr(): string {
    return `${this.numGroups}, ${this.numChannels}, eps=${pyFloat(this.eps)}, affine=${pyBool(this.affine)}`;
  }
}

export class LocalResponseNorm extends Module {
  size: number;
  alpha: number;
  beta: number;
  k: number;

  constructor(size: number, ...rest: PyRest<{ alpha?: number; beta?: number; k?: number }, ['alpha', 'beta', 'k']>);
  constructor(...args: unknown[]) {
    super();
    const [size, o = {}] = bindCtor(LocalResponseNorm, args) as [number, { alpha?: number; beta?: number; k?: number }];
    this.size = size;
    this.alpha = o.alpha ?? 1e-4;
    this.beta = o.beta ?? 0.75;
    this.k = o.k ?? 1.0;
  }

  override forward(input: Tensor): Tensor {
    return localResponseNorm(input, this.size, { alpha: this.alpha, beta: this.beta, k: this.k });
  }

  override extraRepr(): string {
    return `${pyNum(this.size)}, alpha=${pyFloat(this.alpha)}, beta=${pyFloat(this.beta)}, k=${pyFloat(this.k)}`;
  }
}

classArgs(LayerNorm, 'torch.nn.LayerNorm', 'normalizedShape; eps, elementwiseAffine');
classArgs(GroupNorm, 'torch.nn.GroupNorm', 'numGroups, numChannels; eps, affine');
classArgs(LocalResponseNorm, 'torch.nn.LocalResponseNorm', 'size; alpha, beta, k');
