// The chapter's transfer-learning exercise, step by step: fine-tune AlexNet on the ants-and-bees images.
// Data transforms (random resized crop + flip for training, resize + centre crop for validation, the data
// set's own mean and std), a look at a training batch, AlexNet with pretrained weights, its last layer
// replaced by Linear(4096, 2), SGD, train and val phases per epoch keeping the best weights, and a picture
// of validation images with their predictions.
//
//   npx tsx examples/finetune-alexnet.ts --data ../shared/data/hymenoptera_data [--weights DEFAULT|FILE|none]
//       [--epochs 10] [--max-steps N] [--out DIR]
//
// --weights DEFAULT needs ImageNet weights (downloaded, or already in $TORCH_HOME/hub/checkpoints); offline,
// pass a state-dict file (e.g. saved by torchvision) or 'none' for torchvision's random initialisation.
import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import * as torch from 'tstorch';
import * as vision from 'tstorch/vision';

const { nn } = torch;
const { transforms } = vision;

const { values: args } = parseArgs({
  options: {
    data: { type: 'string' },
    weights: { type: 'string', default: 'DEFAULT' },
    epochs: { type: 'string', default: '10' },
    'max-steps': { type: 'string', default: '0' },
    'batch-size': { type: 'string', default: '4' },
    out: { type: 'string', default: 'runs/finetune-alexnet-example' },
  },
});
const dataDir = args.data ?? process.env.TSTORCH_DATA;
if (!dataDir) {
  console.error('finetune-alexnet: pass --data DIR (a folder with train/ and val/ class folders, e.g. hymenoptera_data)');
  process.exit(1);
}
const numEpochs = Number(args.epochs);
const maxSteps = Number(args['max-steps']) || Infinity;
const batchSize = Number(args['batch-size']);
mkdirSync(args.out!, { recursive: true });

// 1. Data: augmentation and normalisation for training, just normalisation for validation.
const mean = [0.490, 0.449, 0.411];
const std = [0.231, 0.221, 0.230];
const dataTransforms = {
  train: new transforms.Compose([
    new transforms.RandomResizedCrop(224),
    new transforms.RandomHorizontalFlip(),
    new transforms.ToTensor(),
    new transforms.Normalize(mean, std),
  ]),
  val: new transforms.Compose([
    new transforms.Resize(256),
    new transforms.CenterCrop(224),
    new transforms.ToTensor(),
    new transforms.Normalize(mean, std),
  ]),
};
const phases = ['train', 'val'] as const;
const imageDatasets = {
  train: new vision.datasets.ImageFolder({ root: join(dataDir, 'train'), transform: dataTransforms.train }),
  val: new vision.datasets.ImageFolder({ root: join(dataDir, 'val'), transform: dataTransforms.val }),
};
const dataloaders = {
  train: new torch.utils.data.DataLoader(imageDatasets.train, { batchSize, shuffle: true, numWorkers: 4 }),
  val: new torch.utils.data.DataLoader(imageDatasets.val, { batchSize, shuffle: true, numWorkers: 4 }),
};
const datasetSizes = { train: imageDatasets.train.length, val: imageDatasets.val.length };
const classNames = imageDatasets.train.classes;
console.log(`classes: ${classNames.join(', ')}; ${datasetSizes.train} training and ${datasetSizes.val} validation images`);

// 2. A grid of training images titled with their classes.
const [inputs, classes] = dataloaders.train[Symbol.iterator]().next().value as [torch.Tensor, torch.Tensor];
const batchPicture = vision.utils.captionedGrid(inputs, {
  captions: (classes.toArray() as number[]).map((c) => classNames[c]!), mean, std, nrow: batchSize,
});
vision.io.writePng(batchPicture, join(args.out!, 'batch.png'));
console.log(`a training batch: ${join(args.out!, 'batch.png')}`);

// 3. The pretrained network; its last layer becomes a 2-way classifier.
let model: vision.models.AlexNet;
try {
  model = vision.models.alexnet({ weights: args.weights === 'none' ? null : args.weights });
} catch (e) {
  console.error(`finetune-alexnet: no pretrained weights: ${(e as Error).message.split('\n')[0]}`);
  console.error('Offline, pass --weights FILE (a state dict saved by torchvision) or --weights none.');
  process.exit(1);
}
console.log(String(model.features));
console.log(String(model.classifier));
model.classifier[6] = new nn.Linear(4096, 2);

const criterion = new nn.CrossEntropyLoss();
const optimizer = new torch.optim.SGD(model.parameters(), { lr: 0.0001, momentum: 0.9 });

// 4. Train and validate each epoch; keep the weights of the best validation accuracy.
function copyState(sd: Record<string, torch.Tensor>): Record<string, torch.Tensor> {
  return Object.fromEntries(Object.entries(sd).map(([k, v]) => [k, torch.keep(v.clone())]));
}

async function trainModel(numEpochs: number): Promise<void> {
  const since = performance.now();
  let bestModelWts = copyState(model.stateDict());
  let bestAcc = 0;
  for (let epoch = 0; epoch < numEpochs; epoch++) {
    console.log(`Epoch ${epoch}/${numEpochs - 1}\n----------`);
    for (const phase of phases) {
      if (phase === 'train') model.train(); else model.eval();
      let runningLoss = 0, runningCorrects = 0, seen = 0, step = 0;
      for await (const [x, y] of dataloaders[phase]) {
        if (step++ >= maxSteps) { x.dispose(); y.dispose(); break; }
        torch.tidy(() => {
          optimizer.zeroGrad();
          const run = (): [number, number] => {
            const outputs = model.call(x) as torch.Tensor;
            const preds = outputs.argmax(1);
            const loss = criterion.call(outputs, y);
            if (phase === 'train') {
              loss.backward();
              optimizer.step();
            }
            return [loss.item(), preds.eq(y).sum().item()];
          };
          const [loss, correct] = phase === 'train' ? run() : torch.noGrad(run);
          runningLoss += loss * x.size(0);
          runningCorrects += correct;
          seen += x.size(0);
        });
        x.dispose(); y.dispose();
      }
      const epochLoss = runningLoss / seen;
      const epochAcc = runningCorrects / seen;
      console.log(`${phase} Loss: ${epochLoss.toFixed(4)} Acc: ${epochAcc.toFixed(4)}`);
      if (phase === 'val' && epochAcc > bestAcc) {
        bestAcc = epochAcc;
        for (const t of Object.values(bestModelWts)) t.dispose();
        bestModelWts = copyState(model.stateDict());
      }
    }
    console.log();
  }
  const secs = (performance.now() - since) / 1000;
  console.log(`Training complete in ${Math.floor(secs / 60)}m ${Math.round(secs % 60)}s`);
  console.log(`Best val Acc: ${bestAcc.toFixed(4)}`);
  model.loadStateDict(bestModelWts);
  torch.save(model.stateDict(), join(args.out!, 'best.pth'));
}

await trainModel(numEpochs);

// 5. Validation images with the predictions of the best weights.
async function visualizeModel(numImages = 6): Promise<void> {
  model.eval();
  const images: torch.Tensor[] = [];
  const captions: string[] = [];
  for (const [x, y] of dataloaders.val) {
    const preds = torch.noGrad(() => (model.call(x) as torch.Tensor).argmax(1).toArray() as number[]);
    const truth = y.toArray() as number[];
    for (let j = 0; j < x.size(0) && images.length < numImages; j++) {
      images.push(x.select(0, j));
      captions.push(`Prediction: ${classNames[preds[j]!]}, Ground Truth: ${classNames[truth[j]!]}`);
    }
    if (images.length >= numImages) break;
  }
  const picture = await vision.utils.captionedGridAsync(images, { captions, mean, std, nrow: 3, fontSize: 11 });
  vision.io.writePng(picture, join(args.out!, 'predictions.png'));
  console.log(`predictions: ${join(args.out!, 'predictions.png')}`);
}
await visualizeModel();
