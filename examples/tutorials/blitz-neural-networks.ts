// PyTorch's 60-minute blitz, "Neural Networks", ported statement by statement; the Python original is
// python/blitz_neural_networks.py and test/tutorials.test.ts runs both and compares what they print.
// Statements that needed a form other than the mechanical port are marked "// not mechanical: why".
//
//   npx tsx examples/tutorials/blitz-neural-networks.ts
import * as torch from 'tstorch';

const { nn } = torch;
const F = nn.functional;

torch.manualSeed(0); // side by side

class Net extends nn.Module {
  conv1: torch.nn.Conv2d;
  conv2: torch.nn.Conv2d;
  fc1: torch.nn.Linear;
  fc2: torch.nn.Linear;
  fc3: torch.nn.Linear;

  constructor() {
    super();
    // 1 input image channel, 6 output channels, 5x5 square convolution
    // kernel
    this.conv1 = new nn.Conv2d(1, 6, 5);
    this.conv2 = new nn.Conv2d(6, 16, 5);
    // an affine operation: y = Wx + b
    this.fc1 = new nn.Linear(16 * 5 * 5, 120); // 5*5 from image dimension
    this.fc2 = new nn.Linear(120, 84);
    this.fc3 = new nn.Linear(84, 10);
  }

  override forward(x: torch.Tensor): torch.Tensor {
    // Max pooling over a (2, 2) window
    x = F.maxPool2d(F.relu(this.conv1.call(x)), [2, 2]);
    // If the size is a square, you can specify with a single number
    x = F.maxPool2d(F.relu(this.conv2.call(x)), 2);
    x = torch.flatten(x, 1); // flatten all dimensions except the batch dimension
    x = F.relu(this.fc1.call(x));
    x = F.relu(this.fc2.call(x));
    x = this.fc3.call(x);
    return x;
  }
}

const net = new Net();
console.log(net);

const params = [...net.parameters()];
console.log(params.length);
console.log(params[0]!.size()); // conv1's .weight

const input = torch.randn(1, 1, 32, 32);
const out = net.call(input) as torch.Tensor;
console.log(out);

net.zeroGrad();
out.backward(torch.randn(1, 10));

let output = net.call(input) as torch.Tensor;
let target = torch.randn(10); // a dummy target, for example
target = target.view(1, -1); // make it the same shape as output
const criterion = new nn.MSELoss();

let loss = criterion.call(output, target) as torch.Tensor;
console.log(loss);

console.log(loss.gradFn); // MSELoss
console.log(loss.gradFn!.nextFunctions[0]![0]); // Linear
console.log(loss.gradFn!.nextFunctions[0]![0]!.nextFunctions[0]![0]); // ReLU

net.zeroGrad(); // zeroes the gradient buffers of all parameters

console.log('conv1.bias.grad before backward');
console.log(torch.format(net.conv1.bias!.grad)); // not mechanical: JavaScript prints null, Python None

loss.backward();

console.log('conv1.bias.grad after backward');
console.log(torch.format(net.conv1.bias!.grad)); // not mechanical: JavaScript prints null, Python None

const learningRate = 0.01;
for (const f of net.parameters()) {
  f.data.sub_(f.grad!.data.mul(learningRate)); // not mechanical: no * operator
}

const { optim } = torch;

// create your optimizer
const optimizer = new optim.SGD(net.parameters(), { lr: 0.01 });

// in your training loop:
optimizer.zeroGrad(); // zero the gradient buffers
output = net.call(input) as torch.Tensor;
loss = criterion.call(output, target) as torch.Tensor;
loss.backward();
optimizer.step(); // Does the update
console.log(loss); // side by side
console.log(net.fc3.bias); // side by side
