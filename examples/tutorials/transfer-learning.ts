// PyTorch's "Transfer Learning for Computer Vision Tutorial" (ants and bees, ResNet-18 fine-tuned, then used as a
// fixed feature extractor), ported statement by statement; the Python original is python/transfer_learning.py and
// test/tutorials.test.ts runs both and compares what they print. Statements that needed a form other than the
// mechanical port are marked "// not mechanical: why".
// ResNet18_Weights.IMAGENET1K_V1 is read from $TORCH_HOME/hub/checkpoints (downloaded when missing, as in PyTorch).
//
//   npx tsx examples/tutorials/transfer-learning.ts --data ../shared/data/hymenoptera_data [--epochs 25] [--workers 4]
import { parseArgs } from 'node:util';
import { join } from 'node:path';
import * as torch from 'tstorch';
import * as vision from 'tstorch/vision';

const { nn, optim } = torch;
const { lrScheduler } = optim;
const { datasets, models, transforms } = vision;
const { len, range, format } = torch.builtins;

const { values: args } = parseArgs({ // side by side
  options: { data: { type: 'string', default: 'data/hymenoptera_data' }, epochs: { type: 'string', default: '25' },
    workers: { type: 'string', default: '4' } },
});
torch.manualSeed(0); // side by side

// Data augmentation and normalization for training
// Just normalization for validation
const dataTransforms = {
  train: new transforms.Compose([
    new transforms.RandomResizedCrop(224),
    new transforms.RandomHorizontalFlip(),
    new transforms.ToTensor(),
    new transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225]),
  ]),
  val: new transforms.Compose([
    new transforms.Resize(256),
    new transforms.CenterCrop(224),
    new transforms.ToTensor(),
    new transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225]),
  ]),
};

type Phase = 'train' | 'val';
const PHASES: Phase[] = ['train', 'val'];
const dataDir = args.data!; // side by side: 'data/hymenoptera_data'
const imageDatasets = Object.fromEntries(PHASES.map((x) => [x, new datasets.ImageFolder(join(dataDir, x),
  dataTransforms[x])])) as Record<Phase, vision.datasets.ImageFolder>; // not mechanical: a dict comprehension is Object.fromEntries, typed
const dataloaders = Object.fromEntries(PHASES.map((x) => [x, new torch.utils.data.DataLoader(imageDatasets[x], { batchSize: 4,
  shuffle: true, numWorkers: Number(args.workers) })])) as Record<Phase, torch.utils.data.DataLoader<[torch.Tensor, torch.Tensor]>>; // not mechanical: as above
const datasetSizes = Object.fromEntries(PHASES.map((x) => [x, len(imageDatasets[x])])) as Record<Phase, number>; // not mechanical: as above
const classNames = imageDatasets.train.classes;

const device = torch.device(torch.cuda.isAvailable() ? 'cuda:0' : 'cpu');
console.log(`{'train': ${datasetSizes.train}, 'val': ${datasetSizes.val}} ['${classNames.join("', '")}'] ${device}`); // side by side; not mechanical: Python's print of a dict and a list

function trainModel(model: torch.nn.Module, criterion: torch.nn.CrossEntropyLoss, optimizer: torch.optim.Optimizer,
  scheduler: torch.optim.lrScheduler.StepLR, numEpochs = 25): torch.nn.Module {
  const since = performance.now() / 1000; // not mechanical: time.time()

  const deepCopy = (sd: Record<string, torch.Tensor>) => Object.fromEntries(Object.entries(sd).map(([k, v]) => [k, v.clone()])); // not mechanical: copy.deepcopy
  let bestModelWts = deepCopy(model.stateDict());
  let bestAcc: number | torch.Tensor = 0.0;

  for (const epoch of range(numEpochs)) {
    console.log(`Epoch ${epoch}/${numEpochs - 1}`);
    console.log('-'.repeat(10)); // not mechanical: '-' * 10

    // Each epoch has a training and validation phase
    for (const phase of PHASES) {
      if (phase === 'train') {
        model.train(); // Set model to training mode
      } else {
        model.eval(); // Set model to evaluate mode
      }

      let runningLoss = 0.0;
      let runningCorrects = torch.tensor(0, { dtype: torch.int64 }); // not mechanical: `running_corrects = 0` grows into a tensor by +=; TypeScript keeps one type

      // Iterate over data.
      for (let [inputs, labels] of dataloaders[phase]) {
        inputs = inputs.to(device);
        labels = labels.to(device);

        // zero the parameter gradients
        optimizer.zeroGrad();

        // forward
        // track history if only in train
        let preds: torch.Tensor;
        let loss: torch.Tensor;
        {
          using _ = torch.setGradEnabled(phase === 'train'); // not mechanical: `with torch.set_grad_enabled(...):`
          const outputs = model.call(inputs);
          [, preds] = torch.max(outputs, 1);
          loss = criterion.call(outputs, labels);

          // backward + optimize only if in training phase
          if (phase === 'train') {
            loss.backward();
            optimizer.step();
          }
        }

        // statistics
        runningLoss += loss.item() * inputs.size(0);
        runningCorrects = runningCorrects.add(torch.sum(preds.eq(labels.data))); // not mechanical: no += and == operators on tensors
      }
      if (phase === 'train') {
        scheduler.step();
      }

      const epochLoss = runningLoss / datasetSizes[phase];
      const epochAcc = runningCorrects.double().div(datasetSizes[phase]); // not mechanical: no / operator on tensors

      console.log(`${phase} Loss: ${format(epochLoss, '.4f')} Acc: ${format(epochAcc, '.4f')}`); // not mechanical: f-string format specs

      // deep copy the model
      if (phase === 'val' && epochAcc > bestAcc) { // 0-d tensors compare as numbers, as in Python
        bestAcc = epochAcc;
        bestModelWts = deepCopy(model.stateDict());
      }
    }

    console.log();
  }

  const timeElapsed = performance.now() / 1000 - since;
  console.log(`Training complete in ${format(Math.floor(timeElapsed / 60), '.0f')}m ${format(timeElapsed % 60, '.0f')}s`); // not mechanical: // is Math.floor
  console.log(`Best val Acc: ${format(bestAcc, '4f')}`); // not mechanical: f-string format spec

  // load best model weights
  model.loadStateDict(bestModelWts);
  return model;
}

function visualizeModel(model: torch.nn.Module, numImages = 6): void {
  const wasTraining = model.training;
  model.eval();
  let imagesSoFar = 0;

  using _ = torch.noGrad(); // not mechanical: `with torch.no_grad():`
  for (let [inputs, labels] of dataloaders.val) {
    inputs = inputs.to(device);
    labels = labels.to(device);

    const outputs = model.call(inputs);
    const [, preds] = torch.max(outputs, 1);

    for (const j of range(inputs.size()[0]!)) {
      imagesSoFar += 1;
      console.log(`predicted: ${classNames[Number(preds.index(j))]}`); // side by side: ax.set_title, imshow(inputs.cpu().data[j]); not mechanical: a tensor is not an array index

      if (imagesSoFar === numImages) {
        model.train(wasTraining);
        return;
      }
    }
  }
  model.train(wasTraining);
}

let modelFt = models.resnet18({ weights: 'IMAGENET1K_V1' });
let numFtrs = modelFt.fc.inFeatures;
// Here the size of each output sample is set to 2.
// Alternatively, it can be generalized to nn.Linear(numFtrs, len(classNames)).
modelFt.fc = new nn.Linear(numFtrs, 2);

modelFt = modelFt.to(device);

let criterion = new nn.CrossEntropyLoss();

// Observe that all parameters are being optimized
const optimizerFt = new optim.SGD(modelFt.parameters(), { lr: 0.001, momentum: 0.9 });

// Decay LR by a factor of 0.1 every 7 epochs
let expLrScheduler = new lrScheduler.StepLR(optimizerFt, { stepSize: 7, gamma: 0.1 });

trainModel(modelFt, criterion, optimizerFt, expLrScheduler,
  Number(args.epochs)); // side by side: numEpochs 25

visualizeModel(modelFt);

let modelConv = vision.models.resnet18({ weights: 'IMAGENET1K_V1' });
for (const param of modelConv.parameters()) {
  param.requiresGrad = false;
}

// Parameters of newly constructed modules have requiresGrad=true by default
numFtrs = modelConv.fc.inFeatures;
modelConv.fc = new nn.Linear(numFtrs, 2);

modelConv = modelConv.to(device);

criterion = new nn.CrossEntropyLoss();

// Observe that only parameters of final layer are being optimized as
// opposed to before.
const optimizerConv = new optim.SGD(modelConv.fc.parameters(), { lr: 0.001, momentum: 0.9 });

// Decay LR by a factor of 0.1 every 7 epochs
expLrScheduler = new lrScheduler.StepLR(optimizerConv, { stepSize: 7, gamma: 0.1 });

trainModel(modelConv, criterion, optimizerConv,
  expLrScheduler, Number(args.epochs)); // side by side: numEpochs 25

visualizeModel(modelConv);
