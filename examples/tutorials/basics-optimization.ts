// PyTorch's "Learn the Basics: Optimizing Model Parameters", ported statement by statement; the Python original
// is python/basics_optimization.py and test/tutorials.test.ts runs both and compares what they print.
// Statements that needed a form other than the mechanical port are marked "// not mechanical: why".
//
//   npx tsx examples/tutorials/basics-optimization.ts --data data [--epochs 10]
import { parseArgs } from 'node:util';
import * as torch from 'tstorch';
import * as vision from 'tstorch/vision';

const { nn } = torch;
const { DataLoader } = torch.utils.data;
const { datasets } = vision;
const { ToTensor } = vision.transforms;
const { len, enumerate, format } = torch.builtins;

const { values: args } = parseArgs({ // side by side
  options: { data: { type: 'string', default: 'data' }, epochs: { type: 'string', default: '10' } },
});
torch.manualSeed(0); // side by side

const trainingData = new datasets.FashionMNIST({
  root: args.data!, // side by side
  train: true,
  download: true,
  transform: new ToTensor(),
});

const testData = new datasets.FashionMNIST({
  root: args.data!, // side by side
  train: false,
  download: true,
  transform: new ToTensor(),
});

const trainDataloader = new DataLoader(trainingData, { batchSize: 64 });
const testDataloader = new DataLoader(testData, { batchSize: 64 });

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

const model = new NeuralNetwork();

const learningRate = 1e-3;
const batchSize = 64;
let epochs = 5;

// Initialize the loss function
let lossFn = new nn.CrossEntropyLoss();

let optimizer = new torch.optim.SGD(model.parameters(), { lr: learningRate });

function trainLoop(dataloader: typeof trainDataloader, model: NeuralNetwork, lossFn: torch.nn.CrossEntropyLoss, optimizer: torch.optim.SGD): void {
  const size = len(dataloader.dataset);
  for (const [batch, [X, y]] of enumerate(dataloader)) {
    // Compute prediction and loss
    const pred = model.call(X);
    const loss = lossFn.call(pred, y);

    // Backpropagation
    optimizer.zeroGrad();
    loss.backward();
    optimizer.step();

    if (batch % 100 === 0) {
      const [lossValue, current] = [loss.item(), batch * len(X)]; // not mechanical: Python rebinds loss from a tensor to a float
      console.log(`loss: ${format(lossValue, '>7f')}  [${format(current, '>5d')}/${format(size, '>5d')}]`); // not mechanical: format specs
    }
  }
}

function testLoop(dataloader: typeof testDataloader, model: NeuralNetwork, lossFn: torch.nn.CrossEntropyLoss): void {
  const size = len(dataloader.dataset);
  const numBatches = len(dataloader);
  let [testLoss, correct] = [0, 0];

  {
    using _ = torch.noGrad(); // not mechanical: `with torch.no_grad():`
    for (const [X, y] of dataloader) {
      const pred = model.call(X);
      testLoss += lossFn.call(pred, y).item();
      correct += pred.argmax(1).eq(y).type(torch.float).sum().item(); // not mechanical: no == operator
    }
  }

  testLoss /= numBatches;
  correct /= size;
  console.log(`Test Error: \n Accuracy: ${format(100 * correct, '>0.1f')}%, Avg loss: ${format(testLoss, '>8f')} \n`); // not mechanical: format specs
}

lossFn = new nn.CrossEntropyLoss();
optimizer = new torch.optim.SGD(model.parameters(), { lr: learningRate });

epochs = Number(args.epochs); // side by side
for (let t = 0; t < epochs; t++) {
  console.log(`Epoch ${t + 1}\n-------------------------------`);
  trainLoop(trainDataloader, model, lossFn, optimizer);
  testLoop(testDataloader, model, lossFn);
}
console.log('Done!');
