// nn.Upsample (and the fixed-mode UpsamplingNearest2d / UpsamplingBilinear2d), over F.interpolate.
import { Tensor } from '../../tensor.js';
import { bindCtor, classArgs, type PyRest } from '../../args.js';
import { Module } from '../module.js';
import { interpolate, type InterpolateMode } from '../functional/upsampling.js';
import { pyFloat, pyValue } from './repr.js';

export interface UpsampleOptions {
  size?: number | readonly number[] | null;
  scaleFactor?: number | readonly number[] | null;
  mode?: InterpolateMode;
  alignCorners?: boolean | null;
  recomputeScaleFactor?: boolean | null;
}

export class Upsample extends Module {
  size: number | number[] | null;
  scaleFactor: number | number[] | null;
  mode: InterpolateMode;
  alignCorners: boolean | null;
  recomputeScaleFactor: boolean | null;

  /** PyTorch's order (size, scaleFactor, mode, alignCorners, recomputeScaleFactor), or an options object. */
  constructor(...args: PyRest<UpsampleOptions, ['size', 'scaleFactor', 'mode', 'alignCorners', 'recomputeScaleFactor']>) {
    super();
    const [o = {}] = bindCtor(Upsample, args) as [UpsampleOptions];
    this.size = o.size === undefined || o.size === null ? null : typeof o.size === 'number' ? o.size : [...o.size];
    const sf = o.scaleFactor;
    // PyTorch stores `float(scale_factor) if scale_factor else None`, so a zero factor counts as unset
    this.scaleFactor = !sf ? null : typeof sf === 'number' ? sf : [...sf];
    this.mode = o.mode ?? 'nearest';
    this.alignCorners = o.alignCorners ?? null;
    this.recomputeScaleFactor = o.recomputeScaleFactor ?? null;
  }

  override forward(input: Tensor): Tensor {
    return interpolate(input, { size: this.size, scaleFactor: this.scaleFactor, mode: this.mode,
      alignCorners: this.alignCorners, recomputeScaleFactor: this.recomputeScaleFactor });
  }

  override extraRepr(): string {
    const info = this.scaleFactor !== null
      ? `scale_factor=${typeof this.scaleFactor === 'number' ? pyFloat(this.scaleFactor) : `(${this.scaleFactor.map(pyFloat).join(', ')})`}`
      : `size=${pyValue(this.size)}`;
    return `${info}, mode=${this.mode}`;
  }
}

type UpsamplingOptions = { size?: number | readonly number[] | null; scaleFactor?: number | readonly number[] | null };
export class UpsamplingNearest2d extends Upsample {
  constructor(...args: PyRest<UpsamplingOptions, ['size', 'scaleFactor']>) {
    const [o = {}] = bindCtor(UpsamplingNearest2d, args) as [UpsamplingOptions];
    super({ ...o, mode: 'nearest' });
  }
}

export class UpsamplingBilinear2d extends Upsample {
  constructor(...args: PyRest<UpsamplingOptions, ['size', 'scaleFactor']>) {
    const [o = {}] = bindCtor(UpsamplingBilinear2d, args) as [UpsamplingOptions];
    super({ ...o, mode: 'bilinear', alignCorners: true });
  }
}

classArgs(Upsample, 'torch.nn.Upsample', '; size, scaleFactor, mode, alignCorners, recomputeScaleFactor');
classArgs(UpsamplingNearest2d, 'torch.nn.UpsamplingNearest2d', '; size, scaleFactor');
classArgs(UpsamplingBilinear2d, 'torch.nn.UpsamplingBilinear2d', '; size, scaleFactor');
