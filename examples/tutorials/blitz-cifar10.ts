// PyTorch's 60-minute blitz, "Training a Classifier" (CIFAR-10), ported statement by statement; the Python original
// is python/blitz_cifar10.py and test/tutorials.test.ts runs both and compares what they print.
// Statements that needed a form other than the mechanical port are marked "// not mechanical: why".
//
//   npx tsx examples/tutorials/blitz-cifar10.ts --data ../shared/data [--out DIR] [--print-every 2000] [--max-steps N]
import { parseArgs } from 'node:util';
import * as torch from 'tstorch';
import * as vision from 'tstorch/vision';

const { transforms } = vision;
const { enumerate, zip, format } = torch.builtins;

const { values: args } = parseArgs({ // side by side
  options: { data: { type: 'string', default: './data' }, out: { type: 'string', default: '.' },
    'print-every': { type: 'string', default: '2000' }, 'max-steps': { type: 'string', default: '0' } },
});
const printEvery = Number(args['print-every']);
const maxSteps = Number(args['max-steps']);
torch.manualSeed(0); // side by side

const transform = new transforms.Compose(
  [new transforms.ToTensor(),
    new transforms.Normalize([0.5, 0.5, 0.5], [0.5, 0.5, 0.5])]);

const batchSize = 4;

const trainset = new vision.datasets.CIFAR10({ root: args.data!, train: true,
  download: true, transform });
const trainloader = new torch.utils.data.DataLoader(trainset, { batchSize,
  shuffle: true, numWorkers: 2 });

const testset = new vision.datasets.CIFAR10({ root: args.data!, train: false,
  download: true, transform });
const testloader = new torch.utils.data.DataLoader(testset, { batchSize,
  shuffle: false, numWorkers: 2 });

const classes = ['plane', 'car', 'bird', 'cat',
  'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];

// functions to show an image
function imshow(img: torch.Tensor, name: string): void { // side by side: a file name
  img = img.div(2).add(0.5); // unnormalize (not mechanical: no / + operators)
  vision.utils.saveImage(img, `${args.out}/${name}`); // not mechanical: a PNG instead of matplotlib
}

// get some random training images
const dataiter = trainloader[Symbol.iterator](); // not mechanical: iter()
let [images, labels] = dataiter.next().value as [torch.Tensor, torch.Tensor]; // not mechanical: next()

// show images
imshow(vision.utils.makeGrid(images), 'train.png');
// print labels
console.log([...Array(batchSize).keys()].map((j) => format(classes[labels.index(j).item()], '5s')).join(' ')); // not mechanical: a generator expression, a tensor as an index

const { nn } = torch;
const F = nn.functional;

class Net extends nn.Module {
  conv1 = new nn.Conv2d(3, 6, 5);
  pool = new nn.MaxPool2d(2, 2);
  conv2 = new nn.Conv2d(6, 16, 5);
  fc1 = new nn.Linear(16 * 5 * 5, 120);
  fc2 = new nn.Linear(120, 84);
  fc3 = new nn.Linear(84, 10);

  override forward(x: torch.Tensor): torch.Tensor {
    x = this.pool.call(F.relu(this.conv1.call(x)));
    x = this.pool.call(F.relu(this.conv2.call(x)));
    x = torch.flatten(x, 1); // flatten all dimensions except batch
    x = F.relu(this.fc1.call(x));
    x = F.relu(this.fc2.call(x));
    x = this.fc3.call(x);
    return x;
  }
}

let net = new Net();

const { optim } = torch;

const criterion = new nn.CrossEntropyLoss();
const optimizer = new optim.SGD(net.parameters(), { lr: 0.001, momentum: 0.9 });

for (let epoch = 0; epoch < 2; epoch++) { // loop over the dataset multiple times

  let runningLoss = 0.0;
  for (const [i, data] of enumerate(trainloader, 0)) {
    if (maxSteps && i === maxSteps) break; // side by side
    // get the inputs; data is a list of [inputs, labels]
    const [inputs, labels] = data as [torch.Tensor, torch.Tensor];

    // zero the parameter gradients
    optimizer.zeroGrad();

    // forward + backward + optimize
    const outputs = net.call(inputs);
    const loss = criterion.call(outputs, labels);
    loss.backward();
    optimizer.step();

    // print statistics
    runningLoss += loss.item();
    if (i % printEvery === printEvery - 1) { // print every 2000 mini-batches (side by side)
      console.log(`[${epoch + 1}, ${format(i + 1, '5d')}] loss: ${format(runningLoss / printEvery, '.3f')}`); // not mechanical: format specs
      runningLoss = 0.0;
    }
  }
}

console.log('Finished Training');

const PATH = `${args.out}/cifar_net.pth`; // side by side
torch.save(net.stateDict(), PATH);

const testiter = testloader[Symbol.iterator](); // not mechanical: iter(); Python rebinds dataiter
[images, labels] = testiter.next().value as [torch.Tensor, torch.Tensor]; // not mechanical: next()

// print images
imshow(vision.utils.makeGrid(images), 'test.png');
console.log('GroundTruth: ', [0, 1, 2, 3].map((j) => format(classes[labels.index(j).item()], '5s')).join(' ')); // not mechanical: a generator expression, a tensor as an index

net = new Net();
net.loadStateDict(torch.load(PATH));

let outputs = net.call(images);

let [, predicted] = torch.max(outputs, 1);

console.log('Predicted: ', [0, 1, 2, 3].map((j) => format(classes[predicted.index(j).item()], '5s')) // not mechanical: a generator expression, a tensor as an index
  .join(' '));

let correct = 0;
let total = 0;
// since we're not training, we don't need to calculate the gradients for our outputs
{
  using _ = torch.noGrad(); // not mechanical: `with torch.no_grad():`
  for (const data of testloader) {
    [images, labels] = data as [torch.Tensor, torch.Tensor];
    // calculate outputs by running images through the network
    outputs = net.call(images);
    // the class with the highest energy is what we choose as prediction
    [, predicted] = torch.max(outputs.data, 1);
    total += labels.size(0);
    correct += predicted.eq(labels).sum().item(); // not mechanical: no == operator
  }
}

console.log(`Accuracy of the network on the 10000 test images: ${Math.floor(100 * correct / total)} %`); // not mechanical: no // operator

// prepare to count predictions for each class
const correctPred: Record<string, number> = Object.fromEntries(classes.map((classname) => [classname, 0])); // not mechanical: a dict comprehension
const totalPred: Record<string, number> = Object.fromEntries(classes.map((classname) => [classname, 0])); // not mechanical: a dict comprehension

// again no gradients needed
{
  using _ = torch.noGrad(); // not mechanical: `with torch.no_grad():`
  for (const data of testloader) {
    [images, labels] = data as [torch.Tensor, torch.Tensor];
    outputs = net.call(images);
    const [, predictions] = torch.max(outputs, 1);
    // collect the correct predictions for each class
    for (const [label, prediction] of zip(labels, predictions)) {
      if (label.item() === prediction.item()) { // not mechanical: == on two tensors compares the objects in JavaScript
        correctPred[classes[label.item()]!]! += 1; // not mechanical: a tensor as an index
      }
      totalPred[classes[label.item()]!]! += 1; // not mechanical: a tensor as an index
    }
  }
}

// print accuracy for each class
for (const [classname, correctCount] of Object.entries(correctPred)) { // not mechanical: dict.items()
  const accuracy = 100 * correctCount / totalPred[classname]!;
  console.log(`Accuracy for class: ${format(classname, '5s')} is ${format(accuracy, '.1f')} %`); // not mechanical: format specs
}
