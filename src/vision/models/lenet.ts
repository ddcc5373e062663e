// The LeNet-style network of PyTorch's "Training a classifier" tutorial (CIFAR-10, 3x32x32 input), with the
// tutorial's attribute names so that its state dict keys (conv1.weight, fc3.bias, ...) are PyTorch's.
import { Module } from '../../nn/module.js';
import { Conv2d } from '../../nn/modules/conv.js';
import { Linear } from '../../nn/modules/linear.js';
import { MaxPool2d } from '../../nn/modules/pooling.js';
import { relu } from '../../nn/functional/activation.js';
import type { Tensor } from '../../tensor.js';
import { bindOwn, classArgs, registerSignature } from '../../args.js';

// PyTorch's argument binding (src/args.ts) for this module's functions: an extra positional argument or an
// unknown keyword is a TypeError naming it.
registerSignature(lenet, 'lenet', 'tstorch.vision.models.lenet', '; *, numClasses');

export class LeNet extends Module {
  conv1: Conv2d;
  pool: MaxPool2d;
  conv2: Conv2d;
  fc1: Linear;
  fc2: Linear;
  fc3: Linear;

  /** numClasses: outputs of fc3 (10 for CIFAR-10, as in the tutorial). */
  constructor(opts: { numClasses?: number } = {}) {
    [opts = {}] = bindOwn(LeNet, arguments) as ConstructorParameters<typeof LeNet>;
    super();
    this.conv1 = new Conv2d(3, 6, 5);
    this.pool = new MaxPool2d(2, 2);
    this.conv2 = new Conv2d(6, 16, 5);
    this.fc1 = new Linear(16 * 5 * 5, 120);
    this.fc2 = new Linear(120, 84);
    this.fc3 = new Linear(84, opts.numClasses ?? 10);
  }

  override forward(x: Tensor): Tensor {
    if (x.ndim !== 4 || x.shape[1] !== 3 || x.shape[2] !== 32 || x.shape[3] !== 32) {
      throw new RangeError(`LeNet: expected input of shape [N, 3, 32, 32], got [${x.shape.join(', ')}]`);
    }
    x = this.pool.call(relu(this.conv1.call(x)));
    x = this.pool.call(relu(this.conv2.call(x)));
    x = x.flatten(1);
    x = relu(this.fc1.call(x));
    x = relu(this.fc2.call(x));
    return this.fc3.call(x);
  }
}
classArgs(LeNet, 'tstorch.vision.models.LeNet', '; *, numClasses');

/** A LeNet (torchvision-style builder name). */
export function lenet(opts: { numClasses?: number } = {}): LeNet {
  [opts = {}] = bindOwn(lenet, arguments) as Parameters<typeof lenet>;
  return new LeNet(opts);
}
