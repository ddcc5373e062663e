// PyTorch's "Learn the Basics: Quickstart", ported statement by statement; the Python original is
// python/basics_quickstart.py and test/tutorials.test.ts runs both and compares what they print.
// Statements that needed a form other than the mechanical port are marked "// not mechanical: why".
//
//   npx tsx examples/tutorials/basics-quickstart.ts --data data [--epochs 5] [--out DIR]
import { parseArgs } from 'node:util';
import * as torch from 'tstorch';
import * as vision from 'tstorch/vision';

const { nn } = torch;
const { DataLoader } = torch.utils.data;
const { datasets } = vision;
const { ToTensor } = vision.transforms;
const { len, enumerate, format } = torch.builtins;

const { values: args } = parseArgs({ // side by side
  options: { data: { type: 'string', default: 'data' }, epochs: { type: 'string', default: '5' }, out: { type: 'string', default: '.' } },
});
torch.manualSeed(0); // side by side

// Download training data from open datasets.
const trainingData = new datasets.FashionMNIST({
  root: args.data!, // side by side
  train: true,
  download: true,
  transform: new ToTensor(),
});

// Download test data from open datasets.
const testData = new datasets.FashionMNIST({
  root: args.data!, // side by side
  train: false,
  download: true,
  transform: new ToTensor(),
});

const batchSize = 64;

// Create data loaders.
const trainDataloader = new DataLoader(trainingData, { batchSize });
const testDataloader = new DataLoader(testData, { batchSize });

for (const [X, y] of testDataloader) {
  console.log(`Shape of X [N, C, H, W]: ${X.shape}`);
  console.log(`Shape of y: ${y.shape} ${y.dtype}`);
  break;
}

// Get cpu or gpu device for training.
const device = torch.cuda.isAvailable() ? 'cuda' : torch.backends.mps.isAvailable() ? 'mps' : 'cpu';
console.log(`Using ${device} device`);

// Define model
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

let model = new NeuralNetwork().to(device);
console.log(model);

const lossFn = new nn.CrossEntropyLoss();
const optimizer = new torch.optim.SGD(model.parameters(), { lr: 1e-3 });

function train(dataloader: typeof trainDataloader, model: NeuralNetwork, lossFn: torch.nn.CrossEntropyLoss, optimizer: torch.optim.SGD): void {
  const size = len(dataloader.dataset);
  model.train();
  for (let [batch, [X, y]] of enumerate(dataloader)) {
    [X, y] = [X.to(device), y.to(device)];

    // Compute prediction error
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

function test(dataloader: typeof testDataloader, model: NeuralNetwork, lossFn: torch.nn.CrossEntropyLoss): void {
  const size = len(dataloader.dataset);
  const numBatches = len(dataloader);
  model.eval();
  let [testLoss, correct] = [0, 0];
  {
    using _ = torch.noGrad(); // not mechanical: `with torch.no_grad():`
    for (let [X, y] of dataloader) {
      [X, y] = [X.to(device), y.to(device)];
      const pred = model.call(X);
      testLoss += lossFn.call(pred, y).item();
      correct += pred.argmax(1).eq(y).type(torch.float).sum().item(); // not mechanical: no == operator
    }
  }
  testLoss /= numBatches;
  correct /= size;
  console.log(`Test Error: \n Accuracy: ${format(100 * correct, '>0.1f')}%, Avg loss: ${format(testLoss, '>8f')} \n`); // not mechanical: format specs
}

const epochs = Number(args.epochs); // side by side
for (let t = 0; t < epochs; t++) {
  console.log(`Epoch ${t + 1}\n-------------------------------`);
  train(trainDataloader, model, lossFn, optimizer);
  test(testDataloader, model, lossFn);
}
console.log('Done!');

torch.save(model.stateDict(), `${args.out}/model.pth`); // side by side
console.log('Saved PyTorch Model State to model.pth');

model = new NeuralNetwork();
model.loadStateDict(torch.load(`${args.out}/model.pth`)); // side by side

const classes = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];

model.eval();
const [x, y] = [testData.at(0)[0], testData.at(0)[1]]; // not mechanical: test_data[0] is testData.at(0)
{
  using _ = torch.noGrad(); // not mechanical: `with torch.no_grad():`
  const pred = model.call(x);
  const [predicted, actual] = [classes[pred.index(0).argmax(0).item()], classes[y]]; // not mechanical: a tensor as an index
  console.log(`Predicted: "${predicted}", Actual: "${actual}"`);
}
