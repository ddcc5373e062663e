// torch.nn.functional.linear: y = x W^T + b.
import { withArgs } from '../../args.js';
import { Tensor } from '../../tensor.js';
import { op } from '../../native/ops.js';

const linearOp = op('aten::linear');

export const linear = withArgs('linear', 'torch.nn.functional.linear', 'input, weight, bias?', (input: Tensor, weight: Tensor, bias?: Tensor | null): Tensor => {
  try {
    return new Tensor(linearOp(input._h, weight._h, bias ? bias._h : null));
  } catch (e) {
    // libtorch names matrices ("mat1 and mat2 shapes cannot be multiplied (2x3 and 5x4)"), not the layer's
    // input and weight. The shapes are read only here: four reads per call would cost more than a small layer.
    const s = input.shape;
    if (weight.ndim === 2 && s[s.length - 1] !== weight.shape[1]) {
      throw new RangeError(`linear: input of shape [${s.join()}] does not match weight of shape [${weight.shape.join()}] (the last input dimension must equal weight.shape[1])`);
    }
    throw e;
  }
});
