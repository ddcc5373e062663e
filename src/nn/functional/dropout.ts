// Dropout of torch.nn.functional. `training` defaults to true as in PyTorch's functional form; modules pass
// their own `training` flag. The mask is drawn from the default generator, so draws match PyTorch's.
import { defn } from '../../args.js';
import { Tensor } from '../../tensor.js';
import { op } from '../../native/ops.js';

const O = {
  dropout: op('aten::dropout'), dropout_: op('aten::dropout_'),
  featureDropout: op('aten::feature_dropout'), featureDropout_: op('aten::feature_dropout_'),
};

export interface DropoutOptions { p?: number; training?: boolean; inplace?: boolean }

function checkP(fn: string, p: number): number {
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new RangeError(`${fn}: dropout probability p has to be between 0 and 1, but got ${p}`);
  return p;
}

export const dropout = defn('dropout', 'torch.nn.functional.dropout', 'input', ['p', 'training', 'inplace'], (input: Tensor, o: DropoutOptions = {}): Tensor => {
  const p = checkP('dropout', o.p ?? 0.5);
  const training = o.training ?? true;
  if (o.inplace) {
    O.dropout_(input._h, p, training);
    return input;
  }
  return new Tensor(O.dropout(input._h, p, training));
});

/**
 * Zeroes whole channels. As in PyTorch 1.13, a 3-d input is read as (N, C, L), i.e. with a batch dimension.
 */
export const dropout2d = defn('dropout2d', 'torch.nn.functional.dropout2d', 'input', ['p', 'training', 'inplace'], (input: Tensor, o: DropoutOptions = {}): Tensor => {
  const p = checkP('dropout2d', o.p ?? 0.5);
  const training = o.training ?? true;
  if (input.ndim < 2) throw new RangeError(`dropout2d: expected an input with channels (3-d or 4-d), got shape [${input.shape.join()}]`);
  if (o.inplace) {
    O.featureDropout_(input._h, p, training);
    return input;
  }
  return new Tensor(O.featureDropout(input._h, p, training));
});
