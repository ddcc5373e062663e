// Padding modules: ZeroPad2d, ConstantPad2d, ReflectionPad2d, ReplicationPad2d. A single number pads all four
// sides; a list is (left, right, top, bottom).
import { Tensor } from '../../tensor.js';
import { bindCtor, classArgs, type PyRest } from '../../args.js';
import { Module } from '../module.js';
import { pad, type PadMode } from '../functional/padding.js';
import { pyNum, pyValue } from './repr.js';
import { ntuple } from './utils.js';

abstract class Pad2d extends Module {
  padding: number[];
  protected abstract readonly mode: PadMode;
  constructor(padding: number | readonly number[] | { padding: number | readonly number[] }) {
    super();
    const [p] = bindCtor(Pad2d, arguments) as [number | readonly number[]];
    this.padding = ntuple(p, 4, `${this._getName()} padding`);
  }
  override forward(input: Tensor): Tensor { return pad(input, this.padding, { mode: this.mode }); }
  override extraRepr(): string { return pyValue(this.padding); }
}

export class ReflectionPad2d extends Pad2d { protected readonly mode = 'reflect'; }
export class ReplicationPad2d extends Pad2d { protected readonly mode = 'replicate'; }

export class ConstantPad2d extends Module {
  padding: number[];
  value: number;
  constructor(padding: number | readonly number[], value: number | { value: number });
  constructor(o: { padding: number | readonly number[]; value: number });
  constructor(...args: unknown[]) {
    super();
    const [padding, value] = bindCtor(ConstantPad2d, args) as [number | readonly number[], number];
    this.padding = ntuple(padding, 4, `${this._getName()} padding`);
    this.value = value;
  }
  override forward(input: Tensor): Tensor { return pad(input, this.padding, { mode: 'constant', value: this.value }); }
  override extraRepr(): string { return `padding=${pyValue(this.padding)}, value=${pyNum(this.value)}`; }
}

export class ZeroPad2d extends ConstantPad2d {
  constructor(padding: number | readonly number[] | { padding: number | readonly number[] }) {
    const [p] = bindCtor(ZeroPad2d, arguments) as [number | readonly number[]];
    super(p, 0.0);
  }
  override extraRepr(): string { return pyValue(this.padding); }
}

classArgs(Pad2d, 'torch.nn.ReflectionPad2d', 'padding');
classArgs(ReflectionPad2d, 'torch.nn.ReflectionPad2d', 'padding');
classArgs(ReplicationPad2d, 'torch.nn.ReplicationPad2d', 'padding');
classArgs(ConstantPad2d, 'torch.nn.ConstantPad2d', 'padding, value');
classArgs(ZeroPad2d, 'torch.nn.ZeroPad2d', 'padding');
