// Loss modules: `loss.call(input, target)`. As in PyTorch, a class weight (and BCE's posWeight) is a buffer,
// so it appears in the state dict. Constructors take PyTorch's positional order (weight first, then the
// deprecated sizeAverage and reduce, which still decide the reduction when given) or an options object.
import { Tensor } from '../../tensor.js';
import { bindCtor, classArgs, type PyRest } from '../../args.js';
import { Module } from '../module.js';
import * as F from '../functional/loss.js';
import type { LegacyReduction, Reduction } from '../functional/loss.js';

type Opts<T> = T & LegacyReduction & { reduction?: Reduction };

abstract class Loss extends Module {
  reduction: Reduction;
  constructor(reduction: Reduction | undefined) {
    super();
    this.reduction = reduction ?? 'mean';
    F.reductionEnum(this.reduction, this._getName());
  }
  abstract override forward(input: Tensor, target: Tensor): Tensor;
}

abstract class WeightedLoss extends Loss {
  declare weight: Tensor | null;
  constructor(weight: Tensor | null | undefined, reduction: Reduction | undefined) {
    super(reduction);
    this.registerBuffer('weight', weight ?? null);
  }
}

export class CrossEntropyLoss extends WeightedLoss {
  ignoreIndex: number;
  labelSmoothing: number;
  constructor(...args: PyRest<Opts<{ weight?: Tensor | null; ignoreIndex?: number; labelSmoothing?: number }>,
    ['weight', 'sizeAverage', 'ignoreIndex', 'reduce', 'reduction', 'labelSmoothing']>) {
    const [o = {}] = bindCtor(CrossEntropyLoss, args) as [Opts<{ weight?: Tensor | null; ignoreIndex?: number; labelSmoothing?: number }>];
    super(o.weight, F.legacyReduction(o));
    this.ignoreIndex = o.ignoreIndex ?? -100;
    this.labelSmoothing = o.labelSmoothing ?? 0.0;
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return F.crossEntropy(input, target, { weight: this.weight, ignoreIndex: this.ignoreIndex, reduction: this.reduction,
      labelSmoothing: this.labelSmoothing });
  }
}

export class NLLLoss extends WeightedLoss {
  ignoreIndex: number;
  constructor(...args: PyRest<Opts<{ weight?: Tensor | null; ignoreIndex?: number }>, ['weight', 'sizeAverage', 'ignoreIndex', 'reduce', 'reduction']>) {
    const [o = {}] = bindCtor(NLLLoss, args) as [Opts<{ weight?: Tensor | null; ignoreIndex?: number }>];
    super(o.weight, F.legacyReduction(o));
    this.ignoreIndex = o.ignoreIndex ?? -100;
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return F.nllLoss(input, target, { weight: this.weight, ignoreIndex: this.ignoreIndex, reduction: this.reduction });
  }
}

export class MSELoss extends Loss {
  constructor(...args: PyRest<Opts<object>, ['sizeAverage', 'reduce', 'reduction']>) {
    const [o = {}] = bindCtor(MSELoss, args) as [Opts<object>];
    super(F.legacyReduction(o));
  }
  override forward(input: Tensor, target: Tensor): Tensor { return F.mseLoss(input, target, { reduction: this.reduction }); }
}

export class L1Loss extends Loss {
  constructor(...args: PyRest<Opts<object>, ['sizeAverage', 'reduce', 'reduction']>) {
    const [o = {}] = bindCtor(L1Loss, args) as [Opts<object>];
    super(F.legacyReduction(o));
  }
  override forward(input: Tensor, target: Tensor): Tensor { return F.l1Loss(input, target, { reduction: this.reduction }); }
}

export class SmoothL1Loss extends Loss {
  beta: number;
  constructor(...args: PyRest<Opts<{ beta?: number }>, ['sizeAverage', 'reduce', 'reduction', 'beta']>) {
    const [o = {}] = bindCtor(SmoothL1Loss, args) as [Opts<{ beta?: number }>];
    super(F.legacyReduction(o));
    this.beta = o.beta ?? 1.0;
  }
  override forward(input: Tensor, target: Tensor): Tensor { return F.smoothL1Loss(input, target, { reduction: this.reduction, beta: this.beta }); }
}

export class BCELoss extends WeightedLoss {
  constructor(...args: PyRest<Opts<{ weight?: Tensor | null }>, ['weight', 'sizeAverage', 'reduce', 'reduction']>) {
    const [o = {}] = bindCtor(BCELoss, args) as [Opts<{ weight?: Tensor | null }>];
    super(o.weight, F.legacyReduction(o));
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return F.binaryCrossEntropy(input, target, { weight: this.weight, reduction: this.reduction });
  }
}

export class BCEWithLogitsLoss extends Loss {
  declare weight: Tensor | null;
  declare pos_weight: Tensor | null;
  constructor(...args: PyRest<Opts<{ weight?: Tensor | null; posWeight?: Tensor | null }>, ['weight', 'sizeAverage', 'reduce', 'reduction', 'posWeight']>) {
    const [o = {}] = bindCtor(BCEWithLogitsLoss, args) as [Opts<{ weight?: Tensor | null; posWeight?: Tensor | null }>];
    super(F.legacyReduction(o));
    this.registerBuffer('weight', o.weight ?? null);
    this.registerBuffer('pos_weight', o.posWeight ?? null);
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return F.binaryCrossEntropyWithLogits(input, target, { weight: this.weight, posWeight: this.pos_weight, reduction: this.reduction });
  }
}

classArgs(CrossEntropyLoss, 'torch.nn.CrossEntropyLoss', '; weight, sizeAverage, ignoreIndex, reduce, reduction, labelSmoothing');
classArgs(NLLLoss, 'torch.nn.NLLLoss', '; weight, sizeAverage, ignoreIndex, reduce, reduction');
classArgs(MSELoss, 'torch.nn.MSELoss', '; sizeAverage, reduce, reduction');
classArgs(L1Loss, 'torch.nn.L1Loss', '; sizeAverage, reduce, reduction');
classArgs(SmoothL1Loss, 'torch.nn.SmoothL1Loss', '; sizeAverage, reduce, reduction, beta');
classArgs(BCELoss, 'torch.nn.BCELoss', '; weight, sizeAverage, reduce, reduction');
classArgs(BCEWithLogitsLoss, 'torch.nn.BCEWithLogitsLoss', '; weight, sizeAverage, reduce, reduction, posWeight');
