// nn.Dropout and nn.Dropout2d: active in training mode only (Module.train()/eval()).
import { Tensor } from '../../tensor.js';
import { bindCtor, classArgs, type PyRest } from '../../args.js';
import { Module } from '../module.js';
import * as F from '../functional/dropout.js';
import { pyBool, pyFloat } from './repr.js';

type DropoutOptions = { p?: number; inplace?: boolean };

abstract class DropoutNd extends Module {
  p: number;
  inplace: boolean;
  /** PyTorch's order (p, inplace), or an options object. */
  constructor(...args: PyRest<DropoutOptions, ['p', 'inplace']>) {
    super();
    const [o = {}] = bindCtor(DropoutNd, args) as [DropoutOptions];
    this.p = o.p ?? 0.5;
    this.inplace = o.inplace ?? false;
    if (!(this.p >= 0 && this.p <= 1)) throw new RangeError(`${this._getName()}: dropout probability has to be between 0 and 1, but got ${this.p}`);
  }
  // p is a float in PyTorch's signature: Dropout(0.0) prints p=0.0 (torchvision's transformers pass 0.0)
  override extraRepr(): string { return `p=${pyFloat(this.p)}, inplace=${pyBool(this.inplace)}`; }
}

export class Dropout extends DropoutNd {
  override forward(input: Tensor): Tensor { return F.dropout(input, { p: this.p, training: this.training, inplace: this.inplace }); }
}

export class Dropout2d extends DropoutNd {
  override forward(input: Tensor): Tensor { return F.dropout2d(input, { p: this.p, training: this.training, inplace: this.inplace }); }
}

classArgs(DropoutNd, 'torch.nn.Dropout', '; p, inplace');
classArgs(Dropout, 'torch.nn.Dropout', '; p, inplace');
classArgs(Dropout2d, 'torch.nn.Dropout2d', '; p, inplace');
