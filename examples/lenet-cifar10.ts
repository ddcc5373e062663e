// The chapter's first exercise, step by step: train LeNet on CIFAR-10 with augmentation and Adam, test
// after each epoch, save the weights, load them into a fresh network, and report accuracy per class.
//
//   npx tsx examples/lenet-cifar10.ts --data ../shared/data/cifar-10-batches-bin [--epochs 2] [--max-steps N] [--out DIR]
//
// Without --data (or $TSTORCH_DATA) the official archive is downloaded to ./data.
import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import * as torch from 'tstorch';
import * as vision from 'tstorch/vision';

const { nn } = torch;
const F = nn.functional;
const { transforms } = vision;

const { values: args } = parseArgs({
  options: {
    data: { type: 'string' },
    epochs: { type: 'string', default: '2' },
    'max-steps': { type: 'string', default: '0' },
    'max-test': { type: 'string', default: '0' },
    out: { type: 'string', default: 'runs/lenet-example' },
  },
});
const root = args.data ?? process.env.TSTORCH_DATA ?? './data';
const epochs = Number(args.epochs);
const maxSteps = Number(args['max-steps']) || Infinity;
const maxTest = Number(args['max-test']) || Infinity;
mkdirSync(args.out!, { recursive: true });

// 1. Data: random crop with padding 4 and a horizontal flip for training; normalise both sets to [-1, 1].
const transformTrain = new transforms.Compose([
  new transforms.RandomCrop(32, { padding: 4 }),
  new transforms.RandomHorizontalFlip(),
  new transforms.ToTensor(),
  new transforms.Normalize([0.5, 0.5, 0.5], [0.5, 0.5, 0.5]),
]);
const transformTest = new transforms.Compose([
  new transforms.ToTensor(),
  new transforms.Normalize([0.5, 0.5, 0.5], [0.5, 0.5, 0.5]),
]);
const batchSize = 8;
const trainset = new vision.datasets.CIFAR10({ root, train: true, download: true, transform: transformTrain });
const trainloader = new torch.utils.data.DataLoader(trainset, { batchSize, shuffle: true });
const testset = new vision.datasets.CIFAR10({ root, train: false, download: true, transform: transformTest });
const testloader = new torch.utils.data.DataLoader(testset, { batchSize, shuffle: false });
const classes = trainset.classes;

// 2. Look at four training images with their labels (written as a PNG).
const [images, labels] = trainloader[Symbol.iterator]().next().value as [torch.Tensor, torch.Tensor];
// 32x32 pixels are small to look at: enlarge them 4x (nearest neighbour keeps the pixels visible).
const four = F.interpolate(images.index('0:4'), { scaleFactor: 4, mode: 'nearest' });
const grid = vision.utils.captionedGrid(four, {
  captions: (labels.index('0:4').toArray() as number[]).map((l) => classes[l]!),
  mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5], fontSize: 14,
});
vision.io.writePng(grid, join(args.out!, 'train-images.png'));
console.log(`four training images: ${join(args.out!, 'train-images.png')}`);

// 3. The network.
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
    x = torch.flatten(x, 1);
    x = F.relu(this.fc1.call(x));
    x = F.relu(this.fc2.call(x));
    return this.fc3.call(x);
  }
}
const net = new Net();
console.log(String(net));

// 4. Loss and optimizer.
const criterion = new nn.CrossEntropyLoss();
const optimizer = new torch.optim.Adam(net.parameters(), { lr: 0.001 });

function testAccuracy(model: Net): number {
  let correct = 0, total = 0;
  model.eval();
  torch.noGrad(() => {
    for (const [x, y] of testloader) {
      if (total >= maxTest) break;
      torch.tidy(() => {
        correct += model.call(x).argmax(1).eq(y).sum().item();
        total += y.size(0);
      });
    }
  });
  model.train();
  return correct / total;
}

// 5. Train, printing the running loss every 2000 mini-batches, and test after each epoch.
for (let epoch = 0; epoch < epochs; epoch++) {
  let runningLoss = 0;
  let i = 0;
  for (const [inputs, targets] of trainloader) {
    if (i >= maxSteps) break;
    runningLoss += torch.tidy(() => {
      optimizer.zeroGrad();
      const outputs = net.call(inputs);
      const loss = criterion.call(outputs, targets);
      loss.backward();
      optimizer.step();
      return loss.item();
    });
    inputs.dispose();
    targets.dispose();
    i++;
    if (i % 2000 === 0) {
      console.log(`[${epoch + 1}, ${String(i).padStart(5)}] loss: ${(runningLoss / 2000).toFixed(3)}`);
      runningLoss = 0;
    }
  }
  console.log(`epoch ${epoch + 1}: accuracy of the network on the test images: ${(100 * testAccuracy(net)).toFixed(1)} %`);
}
console.log('Finished Training');

// 6. Save the weights (a file PyTorch's torch.load reads), and load them into a fresh network.
const PATH = join(args.out!, 'cifar_model.pth');
torch.save(net.stateDict(), PATH);
const fresh = new Net();
fresh.loadStateDict(torch.load(PATH));
fresh.eval();

// 7. Predict four test images.
const [testImages, testLabels] = testloader[Symbol.iterator]().next().value as [torch.Tensor, torch.Tensor];
const predicted = torch.noGrad(() => fresh.call(testImages.index('0:4')).argmax(1));
console.log('GroundTruth: ', (testLabels.index('0:4').toArray() as number[]).map((l) => classes[l]!.padEnd(5)).join(' '));
console.log('Predicted:   ', (predicted.toArray() as number[]).map((l) => classes[l]!.padEnd(5)).join(' '));

// 8. Overall accuracy and accuracy per class.
const correctPred = new Map(classes.map((c) => [c, 0]));
const totalPred = new Map(classes.map((c) => [c, 0]));
let seen = 0;
torch.noGrad(() => {
  for (const [x, y] of testloader) {
    if (seen >= maxTest) break;
    const pred = fresh.call(x).argmax(1).toArray() as number[];
    const truth = y.toArray() as number[];
    truth.forEach((t, k) => {
      const c = classes[t]!;
      totalPred.set(c, totalPred.get(c)! + 1);
      if (pred[k] === t) correctPred.set(c, correctPred.get(c)! + 1);
    });
    seen += truth.length;
  }
});
const correct = [...correctPred.values()].reduce((a, b) => a + b, 0);
console.log(`Accuracy of the network on the ${seen} test images: ${(100 * correct / seen).toFixed(1)} %`);
for (const c of classes) {
  const total = totalPred.get(c)!;
  console.log(`Accuracy for class: ${c.padEnd(5)} is ${total ? (100 * correctPred.get(c)! / total).toFixed(1) : 'n/a'} %`);
}
