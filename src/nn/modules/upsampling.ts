// nn.Upsample (and the fixed-mode UpsamplingNearest2d / UpsamplingBilinear2d), over F.interpolate.
import { Tensor } from '../../tensor.js';
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

  constructor(o: UpsampleOptions = {}) {
    super();
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

export class UpsamplingNearest2d extends Upsample {
  constructor(o: { size?: number | readonly number[] | null; scaleFactor?: number | readonly number[] | null } = {}) {
    super({ ...o, mode: 'nearest' });
  }
}

export class UpsamplingBilinear2d extends Upsample {
  constructor(o: { size?: number | readonly number[] | null; scaleFactor?: number | readonly number[] | null } = {}) {
    super({ ...o, mode: 'bilinear', alignCorners: true });
  }
}
