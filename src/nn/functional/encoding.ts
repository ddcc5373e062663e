// torch.nn.functional.one_hot.
import { withArgs } from '../../args.js';
import { Tensor } from '../../tensor.js';
import { op } from '../../native/ops.js';

const oneHotOp = op('aten::one_hot');

/** int64 one-hot vectors along a new last dimension; numClasses -1 means max(t) + 1. */
export const oneHot = withArgs('oneHot', 'torch.nn.functional.one_hot', 'tensor, numClasses?', (t: Tensor, numClasses = -1): Tensor => {
  if (t.dtype.name !== 'int64') throw new TypeError(`oneHot: the class indices must be an int64 tensor, got ${t.dtype}`);
  return new Tensor(oneHotOp(t._h, numClasses));
});
