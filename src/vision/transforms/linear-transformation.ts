// torchvision's LinearTransformation: flattens each image [..., C, H, W], subtracts a mean vector and multiplies
// by a square matrix (a whitening transform such as ZCA computed offline), then restores the shape.
import { Tensor } from '../../tensor.js';
import { Transform } from './transforms.js';
import { pyFloat } from '../../nn/modules/repr.js';
import { bindCtor, classArgs } from '../../args.js';

const pyList = (v: unknown): string => (Array.isArray(v) ? `[${v.map(pyList).join(', ')}]` : typeof v === 'number' ? pyFloat(v) : String(v));

export class LinearTransformation extends Transform<Tensor, Tensor> {
  readonly transformationMatrix: Tensor;
  readonly meanVector: Tensor;

  constructor(transformationMatrix: Tensor, meanVector: Tensor) {
    super();
    [transformationMatrix, meanVector] = bindCtor(LinearTransformation, arguments) as [Tensor, Tensor];
    const s = transformationMatrix.shape;
    if (s.length !== 2 || s[0] !== s[1]) throw new RangeError(`transformation_matrix should be square. Got (${s.join(', ')}) rectangular matrix.`);
    if (meanVector.shape[0] !== s[0]) {
      throw new RangeError(`mean_vector should have the same length ${meanVector.shape[0]} as any one of the dimensions of the transformation_matrix [(${s.join(', ')})]`);
    }
    if (transformationMatrix.device !== meanVector.device) {
      throw new RangeError(`Input tensors should be on the same device. Got ${transformationMatrix.device} and ${meanVector.device}`);
    }
    if (transformationMatrix.dtype !== meanVector.dtype) {
      throw new TypeError(`Input tensors should have the same dtype. Got ${transformationMatrix.dtype} and ${meanVector.dtype}`);
    }
    this.transformationMatrix = transformationMatrix;
    this.meanVector = meanVector;
  }

  forward(tensor: Tensor): Tensor {
    const shape = tensor.shape;
    if (shape.length < 3) throw new RangeError(`LinearTransformation: expected an image tensor [..., C, H, W], got shape [${shape}]`);
    const n = shape[shape.length - 3]! * shape[shape.length - 2]! * shape[shape.length - 1]!;
    if (n !== this.transformationMatrix.shape[0]) {
      throw new RangeError(`Input tensor and transformation matrix have incompatible shape.[${shape[shape.length - 3]} x ${shape[shape.length - 2]} x ${shape[shape.length - 1]}] != ${this.transformationMatrix.shape[0]}`);
    }
    if (tensor.device !== this.meanVector.device) {
      throw new RangeError(`Input tensor should be on the same device as transformation matrix and mean vector. Got ${tensor.device} vs ${this.meanVector.device}`);
    }
    const flat = tensor.view(-1, n).sub(this.meanVector);
    const m = this.transformationMatrix.to(flat.dtype);
    return flat.mm(m).view(shape);
  }

  override toString(): string {
    return `LinearTransformation(transformation_matrix=${pyList(this.transformationMatrix.toArray())}, mean_vector=${pyList(this.meanVector.toArray())})`;
  }
}

classArgs(LinearTransformation, 'torchvision.transforms.LinearTransformation', 'transformationMatrix, meanVector');
