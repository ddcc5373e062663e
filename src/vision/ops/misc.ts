// torchvision.ops.misc: the building blocks that torchvision's models share
// (Conv2dNormActivation, Conv3dNormActivation, SqueezeExcitation, FrozenBatchNorm2d).
//
// Layer factories: where torchvision takes a layer class (`norm_layer=nn.BatchNorm2d`, often a
// functools.partial), tstorch takes a function that builds the layer, e.g.
// `normLayer: (c) => new nn.BatchNorm2d(c, { eps: 1e-3 })`, `activationLayer: (o) => new nn.Hardswish(o)`.
import { Module } from '../../nn/module.js';
import { Sequential } from '../../nn/modules/container.js';
import * as nn from '../../nn/index.js';
import { Tensor } from '../../tensor.js';
import { ones, zeros } from '../../creation.js';
import type { StateDict } from '../../nn/module.js';
import { pyFloat } from '../../nn/modules/repr.js';
import { bindOwn, classArgs, type PyRest } from '../../args.js';

/** Builds a normalisation layer for a number of channels (torchvision's `norm_layer`). */
export type NormLayerFactory = (numFeatures: number) => Module;
/** Builds an activation layer; `inplace` is passed when the block asks for it (torchvision's `activation_layer`). */
export type ActivationLayerFactory = (opts: { inplace?: boolean }) => Module;

export const batchNorm2d: NormLayerFactory = (c) => new nn.BatchNorm2d(c);
export const relu: ActivationLayerFactory = (o) => new nn.ReLU(o);
export const sigmoid: ActivationLayerFactory = () => new nn.Sigmoid();

export interface Conv2dNormActivationOptions {
  kernelSize?: number | [number, number];
  stride?: number | [number, number];
  /** Default: `(kernelSize - 1) / 2 * dilation` per dimension ("same" size for odd kernels at stride 1). */
  padding?: number | [number, number] | 'same' | 'valid' | null;
  groups?: number;
  /** Default BatchNorm2d; null for none. */
  normLayer?: NormLayerFactory | null;
  /** Default ReLU; null for none. */
  activationLayer?: ActivationLayerFactory | null;
  dilation?: number | [number, number];
  /** Passed to the activation layer; null passes nothing (for activations without an inplace option). Default true. */
  inplace?: boolean | null;
  /** Default: a bias only when there is no norm layer. */
  bias?: boolean | null;
}

function ntupleOf(v: number | readonly number[], n: number, what: string): number[] {
  if (typeof v === 'number') return Array<number>(n).fill(v);
  if (v.length !== n) throw new TypeError(`ConvNormActivation: ${what} must be a number or ${n} numbers, got [${v.join(', ')}]`);
  return [...v];
}

/** Builds the convolution of a ConvNormActivation (torchvision's `conv_layer`). */
type ConvLayerFactory = (inChannels: number, outChannels: number, kernelSize: number | number[],
  opts: nn.ConvOptions) => Module;

/**
 * Convolution -> norm -> activation as one Sequential ("0", "1", "2"), torchvision.ops.misc.ConvNormActivation.
 * Use Conv2dNormActivation or Conv3dNormActivation.
 */
export class ConvNormActivation extends Sequential {
  declare outChannels: number;

  protected constructor(inChannels: number, outChannels: number, opts: Conv2dNormActivationOptions | Conv3dNormActivationOptions,
    spatial: number, convLayer: ConvLayerFactory, defaultNorm: NormLayerFactory) {
    const kernelSize = opts.kernelSize ?? 3;
    const dilation = opts.dilation ?? 1;
    let padding: number | readonly number[] | 'same' | 'valid' | null = opts.padding ?? null;
    if (padding === null) {
      if (typeof kernelSize === 'number' && typeof dilation === 'number') padding = Math.floor((kernelSize - 1) / 2) * dilation;
      else {
        const k = ntupleOf(kernelSize, spatial, 'kernelSize');
        const d = ntupleOf(dilation, spatial, 'dilation');
        padding = k.map((ki, i) => Math.floor((ki - 1) / 2) * d[i]!);
      }
    }
    const normLayer = opts.normLayer === undefined ? defaultNorm : opts.normLayer;
    const activationLayer = opts.activationLayer === undefined ? relu : opts.activationLayer;
    const bias = opts.bias ?? normLayer === null;
    const inplace = opts.inplace === undefined ? true : opts.inplace;
    const layers: Module[] = [
      convLayer(inChannels, outChannels, typeof kernelSize === 'number' ? kernelSize : [...kernelSize], {
        stride: opts.stride ?? 1, padding: padding as nn.ConvOptions['padding'], dilation, groups: opts.groups ?? 1, bias,
      }),
    ];
    if (normLayer !== null) layers.push(normLayer(outChannels));
    if (activationLayer !== null) layers.push(activationLayer(inplace === null ? {} : { inplace }));
    super(...layers);
    // Plain data, not state: kept out of the enumerable properties that hold children.
    Object.defineProperty(this, 'outChannels', { value: outChannels, enumerable: false, writable: true });
  }
}

/** Conv2d -> norm -> activation as one Sequential ("0", "1", "2"), torchvision.ops.Conv2dNormActivation. */
export class Conv2dNormActivation extends ConvNormActivation {
  constructor(inChannels: number, outChannels: number, ...rest: PyRest<Conv2dNormActivationOptions, ['kernelSize', 'stride', 'padding', 'groups', 'normLayer', 'activationLayer', 'dilation', 'inplace', 'bias']>);
  constructor(...args: unknown[]) {
    const [inChannels, outChannels, opts = {}] = bindOwn(Conv2dNormActivation, args) as [number, number, Conv2dNormActivationOptions?];
    super(inChannels, outChannels, opts, 2, (i, o, k, c) => new nn.Conv2d(i, o, k, c), batchNorm2d);
  }
}
classArgs(Conv2dNormActivation, 'torchvision.ops.Conv2dNormActivation', 'inChannels, outChannels; kernelSize, stride, padding, groups, normLayer, activationLayer, dilation, inplace, bias');

export interface Conv3dNormActivationOptions extends Omit<Conv2dNormActivationOptions, 'kernelSize' | 'stride' | 'padding' | 'dilation'> {
  kernelSize?: number | [number, number, number];
  stride?: number | [number, number, number];
  /** Default: `(kernelSize - 1) / 2 * dilation` per dimension. */
  padding?: number | [number, number, number] | 'same' | 'valid' | null;
  dilation?: number | [number, number, number];
  /** Default BatchNorm3d; null for none. */
  normLayer?: NormLayerFactory | null;
}

export const batchNorm3d: NormLayerFactory = (c) => new nn.BatchNorm3d(c);

/** Conv3d -> norm -> activation as one Sequential ("0", "1", "2"), torchvision.ops.Conv3dNormActivation. */
export class Conv3dNormActivation extends ConvNormActivation {
  constructor(inChannels: number, outChannels: number, ...rest: PyRest<Conv3dNormActivationOptions, ['kernelSize', 'stride', 'padding', 'groups', 'normLayer', 'activationLayer', 'dilation', 'inplace', 'bias']>);
  constructor(...args: unknown[]) {
    const [inChannels, outChannels, opts = {}] = bindOwn(Conv3dNormActivation, args) as [number, number, Conv3dNormActivationOptions?];
    super(inChannels, outChannels, opts, 3, (i, o, k, c) => new nn.Conv3d(i, o, k, c), batchNorm3d);
  }
}
classArgs(Conv3dNormActivation, 'torchvision.ops.Conv3dNormActivation', 'inChannels, outChannels; kernelSize, stride, padding, groups, normLayer, activationLayer, dilation, inplace, bias');

export interface SqueezeExcitationOptions {
  /** delta in the paper; default ReLU. */
  activation?: ActivationLayerFactory;
  /** sigma in the paper; default Sigmoid. */
  scaleActivation?: ActivationLayerFactory;
}

/** Squeeze-and-Excitation (Hu et al. 2018, fig. 1): rescales channels by a gate computed from their means. */
export class SqueezeExcitation extends Module {
  declare avgpool: Module;
  declare fc1: Module;
  declare fc2: Module;
  declare activation: Module;
  declare scale_activation: Module;

  constructor(inputChannels: number, squeezeChannels: number, ...rest: PyRest<SqueezeExcitationOptions, ['activation', 'scaleActivation']>);
  constructor(...args: unknown[]) {
    const [inputChannels, squeezeChannels, opts = {}] = bindOwn(SqueezeExcitation, args) as [number, number, SqueezeExcitationOptions?];
    super();
    this.avgpool = new nn.AdaptiveAvgPool2d(1);
    this.fc1 = new nn.Conv2d(inputChannels, squeezeChannels, 1);
    this.fc2 = new nn.Conv2d(squeezeChannels, inputChannels, 1);
    this.activation = (opts.activation ?? relu)({});
    this.scale_activation = (opts.scaleActivation ?? sigmoid)({});
  }

  protected scale(input: Tensor): Tensor {
    let s: Tensor = this.avgpool.call(input);
    s = this.fc1.call(s);
    s = this.activation.call(s);
    s = this.fc2.call(s);
    return this.scale_activation.call(s);
  }

  override forward(input: Tensor): Tensor {
    return this.scale(input).mul(input);
  }
}
classArgs(SqueezeExcitation, 'torchvision.ops.SqueezeExcitation', 'inputChannels, squeezeChannels; activation, scaleActivation');

/** BatchNorm2d with fixed statistics and affine parameters, all of them buffers (used by detection backbones). */
export class FrozenBatchNorm2d extends Module {
  declare weight: Tensor;
  declare bias: Tensor;
  declare running_mean: Tensor;
  declare running_var: Tensor;
  declare eps: number;

  constructor(numFeatures: number, ...rest: PyRest<{ eps?: number }, ['eps']>);
  constructor(...args: unknown[]) {
    const [numFeatures, opts = {}] = bindOwn(FrozenBatchNorm2d, args) as [number, ({ eps?: number })?];
    super();
    Object.defineProperty(this, 'eps', { value: opts.eps ?? 1e-5, enumerable: false, writable: true });
    this.registerBuffer('weight', ones([numFeatures]));
    this.registerBuffer('bias', zeros([numFeatures]));
    this.registerBuffer('running_mean', zeros([numFeatures]));
    this.registerBuffer('running_var', ones([numFeatures]));
  }

  protected override loadFromStateDict(sd: StateDict, prefix: string, missing: string[], used: Set<string>, errors: string[]): void {
    // Checkpoints of a BatchNorm2d carry a counter that a frozen layer has no use for.
    const k = prefix + 'num_batches_tracked';
    if (k in sd) used.add(k);
    super.loadFromStateDict(sd, prefix, missing, used, errors);
  }

  override forward(x: Tensor): Tensor {
    const w = this.weight.reshape(1, -1, 1, 1);
    const b = this.bias.reshape(1, -1, 1, 1);
    const rv = this.running_var.reshape(1, -1, 1, 1);
    const rm = this.running_mean.reshape(1, -1, 1, 1);
    const scale = w.mul(rv.add(this.eps).rsqrt());
    const shift = b.sub(rm.mul(scale));
    return x.mul(scale).add(shift);
  }

  override toString(): string {
    return `${this._getName()}(${this.weight.shape[0]}, eps=${pyFloat(this.eps)})`;
  }
}
classArgs(FrozenBatchNorm2d, 'torchvision.ops.FrozenBatchNorm2d', 'numFeatures; eps');
