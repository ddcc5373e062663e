// torchvision.ops.deform_conv2d / DeformConv2d: deformable convolution (Dai et al. 2017, "Deformable Convolutional
// Networks"), and with a mask, modulated deformable convolution (Zhu et al. 2019, "Deformable ConvNets v2"). The
// kernel, forward and backward, is torchvision::deform_conv2d in src/native/vision_ops.cc.
import { Tensor } from '../../tensor.js';
import { op } from '../../native/ops.js';
import { empty, zeros } from '../../creation.js';
import { Module } from '../../nn/module.js';
import { Parameter } from '../../nn/parameter.js';
import * as init from '../../nn/init.js';
import { pyValue } from '../../nn/modules/repr.js';
import { pair } from './_utils.js';
import { bindOwn, classArgs, registerSignature, type PyRest } from '../../args.js';

// PyTorch's argument binding (src/args.ts) for this module's functions: an extra positional argument or an
// unknown keyword is a TypeError naming it.
registerSignature(deformConv2d, 'deformConv2d', 'torchvision.ops.deform_conv2d', 'input, offset, weight; bias, stride, padding, dilation, mask');

const deformConv2dOp = op('torchvision::deform_conv2d');

export interface DeformConv2dOptions {
  bias?: Tensor | null;
  stride?: number | readonly number[];
  padding?: number | readonly number[];
  dilation?: number | readonly number[];
  /** Modulation [N, offsetGroups * kH * kW, outH, outW]: each sampled value is multiplied by it (v2). */
  mask?: Tensor | null;
}

/**
 * Deformable 2-d convolution of input [N, C, H, W] with weight [Cout, C / groups, kH, kW], each kernel tap sampled
 * (bilinearly) at its position plus the learned offset [N, 2 * offsetGroups * kH * kW, outH, outW] ((dy, dx) per
 * tap). The convolution groups and offset groups follow from the shapes, as in torchvision.
 */
export function deformConv2d(input: Tensor, offset: Tensor, weight: Tensor, ...rest: PyRest<DeformConv2dOptions, ['bias', 'stride', 'padding', 'dilation', 'mask']>): Tensor;
export function deformConv2d(...args: unknown[]): Tensor {
  const [input, offset, weight, opts = {}] = bindOwn(deformConv2d, args) as [Tensor, Tensor, Tensor, DeformConv2dOptions?];
  if (input.ndim !== 4) throw new RangeError(`deformConv2d: input must be 4-d (N, C, H, W), got [${input.shape}]`);
  if (weight.ndim !== 4) throw new RangeError(`deformConv2d: weight must be 4-d (Cout, C / groups, kH, kW), got [${weight.shape}]`);
  if (offset.ndim !== 4) throw new RangeError(`deformConv2d: offset must be 4-d (N, 2 * offset_groups * kH * kW, outH, outW), got [${offset.shape}]`);
  const outChannels = weight.shape[0]!;
  const useMask = opts.mask !== undefined && opts.mask !== null;
  const mask = useMask ? opts.mask! : zeros([input.shape[0]!, 0], { dtype: input.dtype });
  const bias = opts.bias ?? zeros([outChannels], { dtype: input.dtype });
  const [strideH, strideW] = pair('deformConv2d', 'stride', opts.stride ?? 1);
  const [padH, padW] = pair('deformConv2d', 'padding', opts.padding ?? 0);
  const [dilH, dilW] = pair('deformConv2d', 'dilation', opts.dilation ?? 1);
  const [weightsH, weightsW] = [weight.shape[2]!, weight.shape[3]!];
  const nInChannels = input.shape[1]!;
  const nOffsetGrps = Math.floor(offset.shape[1]! / (2 * weightsH * weightsW));
  const nWeightGrps = Math.floor(nInChannels / weight.shape[1]!);
  if (nOffsetGrps === 0) {
    throw new RangeError('deformConv2d: the shape of the offset tensor at dimension 1 is not valid. It should be a multiple of '
      + `2 * weight.size[2] * weight.size[3].\nGot offset.shape[1]=${offset.shape[1]}, while 2 * weight.size[2] * weight.size[3]=${2 * weightsH * weightsW}`);
  }
  return new Tensor(deformConv2dOp(input._h, weight._h, offset._h, mask._h, bias._h, strideH, strideW, padH, padW,
    dilH, dilW, nWeightGrps, nOffsetGrps, useMask));
}

export interface DeformConv2dModuleOptions {
  stride?: number | readonly number[];
  padding?: number | readonly number[];
  dilation?: number | readonly number[];
  groups?: number;
  bias?: boolean;
}

/** See deformConv2d. `forward(input, offset, mask?)`. Parameters initialised as nn.Conv2d's. */
export class DeformConv2d extends Module {
  declare weight: Parameter;
  declare bias: Parameter | null;
  inChannels: number;
  outChannels: number;
  kernelSize: [number, number];
  stride: [number, number];
  padding: [number, number];
  dilation: [number, number];
  groups: number;

  /** torchvision's order (in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias), or an options object. */
  constructor(inChannels: number, outChannels: number, kernelSize: number | readonly number[],
    ...rest: PyRest<DeformConv2dModuleOptions, ['stride', 'padding', 'dilation', 'groups', 'bias']>);
  constructor(inChannels: number, outChannels: number, kernelSize: number | readonly number[], ..._rest: unknown[]) {
    let opts: DeformConv2dModuleOptions;
    [inChannels, outChannels, kernelSize, opts = {}] = bindOwn(DeformConv2d, arguments) as [number, number, number | readonly number[], DeformConv2dModuleOptions?];
    super();
    const groups = opts.groups ?? 1;
    if (inChannels % groups !== 0) throw new RangeError('DeformConv2d: inChannels must be divisible by groups');
    if (outChannels % groups !== 0) throw new RangeError('DeformConv2d: outChannels must be divisible by groups');
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.kernelSize = pair('DeformConv2d', 'kernelSize', kernelSize);
    this.stride = pair('DeformConv2d', 'stride', opts.stride ?? 1);
    this.padding = pair('DeformConv2d', 'padding', opts.padding ?? 0);
    this.dilation = pair('DeformConv2d', 'dilation', opts.dilation ?? 1);
    this.groups = groups;
    this.weight = new Parameter(empty([outChannels, inChannels / groups, this.kernelSize[0], this.kernelSize[1]]));
    this.bias = opts.bias ?? true ? new Parameter(empty([outChannels])) : null;
    this.resetParameters();
  }

  resetParameters(): void {
    init.kaimingUniform_(this.weight, { a: Math.sqrt(5) });
    if (this.bias !== null) {
      const [fanIn] = init.calculateFanInAndFanOut(this.weight);
      const bound = 1 / Math.sqrt(fanIn);
      init.uniform_(this.bias, -bound, bound);
    }
  }

  override forward(input: Tensor, offset: Tensor, mask?: Tensor | null): Tensor {
    return deformConv2d(input, offset, this.weight, {
      bias: this.bias, stride: this.stride, padding: this.padding, dilation: this.dilation, mask: mask ?? null,
    });
  }

  override extraRepr(): string {
    let s = `${this.inChannels}, ${this.outChannels}, kernel_size=${pyValue(this.kernelSize)}, stride=${pyValue(this.stride)}`;
    if (this.padding[0] !== 0 || this.padding[1] !== 0) s += `, padding=${pyValue(this.padding)}`;
    if (this.dilation[0] !== 1 || this.dilation[1] !== 1) s += `, dilation=${pyValue(this.dilation)}`;
    if (this.groups !== 1) s += `, groups=${this.groups}`;
    if (this.bias === null) s += ', bias=False';
    return s;
  }
}
classArgs(DeformConv2d, 'torchvision.ops.DeformConv2d', 'inChannels, outChannels, kernelSize; stride, padding, dilation, groups, bias');
