// torch.nn.functional.pad: `pad` lists (left, right) pairs starting from the LAST dimension, as in PyTorch.
import { defn } from '../../args.js';
import { Tensor } from '../../tensor.js';
import { op } from '../../native/ops.js';

const padOp = op('aten::pad');

export type PadMode = 'constant' | 'reflect' | 'replicate' | 'circular';

export const pad = defn('pad', 'torch.nn.functional.pad', 'input, pad', ['mode', 'value'], (input: Tensor, padding: readonly number[], o: { mode?: PadMode; value?: number | null } = {}): Tensor => {
  const mode = o.mode ?? 'constant';
  if (!['constant', 'reflect', 'replicate', 'circular'].includes(mode)) {
    throw new TypeError(`pad: mode must be 'constant', 'reflect', 'replicate' or 'circular', got '${mode}'`);
  }
  if (padding.length % 2 !== 0 || padding.length / 2 > input.ndim || padding.some((v) => !Number.isInteger(v))) {
    throw new RangeError(`pad: padding must be an even-length list of integers with at most 2 * ndim (${2 * input.ndim}) entries, got [${padding}]`);
  }
  if (mode !== 'constant' && o.value !== undefined && o.value !== null && o.value !== 0) {
    throw new TypeError(`pad: a fill value only applies to mode 'constant', not '${mode}'`);
  }
  return new Tensor(padOp(input._h, [...padding], mode, mode === 'constant' ? (o.value ?? null) : null));
});
