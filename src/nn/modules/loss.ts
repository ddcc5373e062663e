// Loss modules: `loss.call(input, target)`. As in PyTorch, a class weight (and BCE's posWeight) is a buffer,
// so it appears in the state dict.
import { Tensor } from '../../tensor.js';
import { Module } from '../module.js';
import * as F from '../functional/loss.js';
import type { Reduction } from '../functional/loss.js';

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
  constructor(o: { weight?: Tensor | null; ignoreIndex?: number; reduction?: Reduction; labelSmoothing?: number } = {}) {
    super(o.weight, o.reduction);
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
  constructor(o: { weight?: Tensor | null; ignoreIndex?: number; reduction?: Reduction } = {}) {
    super(o.weight, o.reduction);
    this.ignoreIndex = o.ignoreIndex ?? -100;
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return F.nllLoss(input, target, { weight: this.weight, ignoreIndex: this.ignoreIndex, reduction: this.reduction });
  }
}

export class MSELoss extends Loss {
  constructor(o: { reduction?: Reduction } = {}) { super(o.reduction); }
  override forward(input: Tensor, target: Tensor): Tensor { return F.mseLoss(input, target, { reduction: this.reduction }); }
}

export class L1Loss extends Loss {
  constructor(o: { reduction?: Reduction } = {}) { super(o.reduction); }
  override forward(input: Tensor, target: Tensor): Tensor { return F.l1Loss(input, target, { reduction: this.reduction }); }
}

export class SmoothL1Loss extends Loss {
  beta: number;
  constructor(o: { reduction?: Reduction; beta?: number } = {}) {
    super(o.reduction);
    this.beta = o.beta ?? 1.0;
  }
  override forward(input: Tensor, target: Tensor): Tensor { return F.smoothL1Loss(input, target, { reduction: this.reduction, beta: this.beta }); }
}

export class BCELoss extends WeightedLoss {
  constructor(o: { weight?: Tensor | null; reduction?: Reduction } = {}) { super(o.weight, o.reduction); }
  override forward(input: Tensor, target: Tensor): Tensor {
    return F.binaryCrossEntropy(input, target, { weight: this.weight, reduction: this.reduction });
  }
}

export class BCEWithLogitsLoss extends Loss {
  declare weight: Tensor | null;
  declare pos_weight: Tensor | null;
  constructor(o: { weight?: Tensor | null; posWeight?: Tensor | null; reduction?: Reduction } = {}) {
    super(o.reduction);
    this.registerBuffer('weight', o.weight ?? null);
    this.registerBuffer('pos_weight', o.posWeight ?? null);
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return F.binaryCrossEntropyWithLogits(input, target, { weight: this.weight, posWeight: this.pos_weight, reduction: this.reduction });
  }
}
