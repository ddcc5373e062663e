// PyTorch's "Learn the Basics: Build the Neural Network", ported statement by statement; the Python original is
// python/basics_buildmodel.py and test/tutorials.test.ts runs both and compares what they print.
// Statements that needed a form other than the mechanical port are marked "// not mechanical: why".
//
//   npx tsx examples/tutorials/basics-buildmodel.ts
import * as torch from 'tstorch';

const { nn } = torch;

torch.manualSeed(0); // side by side

const device = torch.cuda.isAvailable() ? 'cuda' : torch.backends.mps.isAvailable() ? 'mps' : 'cpu';
console.log(`Using ${device} device`);

class NeuralNetwork extends nn.Module {
  flatten = new nn.Flatten();
  linear_relu_stack = new nn.Sequential(
    new nn.Linear(28 * 28, 512),
    new nn.ReLU(),
    new nn.Linear(512, 512),
    new nn.ReLU(),
    new nn.Linear(512, 10),
  );

  override forward(x: torch.Tensor): torch.Tensor {
    x = this.flatten.call(x);
    const logits = this.linear_relu_stack.call(x);
    return logits;
  }
}

const model = new NeuralNetwork().to(device);
console.log(model);

const X = torch.rand(1, 28, 28, { device });
let logits = model.call(X);
let predProbab = new nn.Softmax({ dim: 1 }).call(logits);
const yPred = predProbab.argmax(1);
console.log(`Predicted class: ${yPred}`);

let inputImage = torch.rand(3, 28, 28);
console.log(inputImage.size());

const flatten = new nn.Flatten();
const flatImage = flatten.call(inputImage);
console.log(flatImage.size());

const layer1 = new nn.Linear({ inFeatures: 28 * 28, outFeatures: 20 });
let hidden1 = layer1.call(flatImage);
console.log(hidden1.size());

console.log(`Before ReLU: ${hidden1}\n\n`);
hidden1 = new nn.ReLU().call(hidden1);
console.log(`After ReLU: ${hidden1}`);

const seqModules = new nn.Sequential(
  flatten,
  layer1,
  new nn.ReLU(),
  new nn.Linear(20, 10),
);
inputImage = torch.rand(3, 28, 28);
logits = seqModules.call(inputImage);

const softmax = new nn.Softmax({ dim: 1 });
predProbab = softmax.call(logits);

console.log(`Model structure: ${model}\n\n`);

for (const [name, param] of model.namedParameters()) {
  console.log(`Layer: ${name} | Size: ${param.size()} | Values : ${param.index(':2')} \n`); // not mechanical: param[:2]
}
console.log(predProbab); // side by side
