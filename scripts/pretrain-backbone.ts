// Starting weights for a detector's backbone, made here because none can be downloaded: mobilenet_v3_large trained
// from random weights as a classifier, saved with torchvision's keys and its 1000-way ImageNet head, the way
// torchvision's detectors start from an ImageNet classifier (the detector keeps `features` and drops the head).
//   --dataset cifar10 (default): CIFAR-10's 50,000 training images (../shared/data/cifar-10-batches-bin), labels 0-9
//     in the head's first ten outputs; accuracy on the first --val-images test images after each epoch.
//   --dataset hymenoptera: hymenoptera_data/train (ants as ImageNet's class 310 'ant', bees as 309 'bee'), accuracy
//     on hymenoptera_data/val. (From random weights 245 photos are too few: it stays at the majority class.)
// The file loads strictly with
//
//   tstorch finetune fasterrcnn_mobilenet_v3_large_320_fpn --task detection --weights none --weights-backbone FILE ...
//
// (or mobilenet_v3_large({ weights: FILE }), or torchvision's mobilenet_v3_large().load_state_dict).
//
//   node --import tsx scripts/pretrain-backbone.ts --out backbone.pth [--dataset cifar10] [--epochs 1] [--max-steps 0]
//        [--size 32] [--batch-size 64] [--lr 0.001] [--data ../shared/data]
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as torch from '../src/index.js';
import * as vision from '../src/vision/index.js';

const { values: a } = parseArgs({
  options: {
    out: { type: 'string' },
    data: { type: 'string' },
    dataset: { type: 'string', default: 'cifar10' },
    epochs: { type: 'string', default: '1' },
    'max-steps': { type: 'string', default: '0' },
    'val-images': { type: 'string', default: '2000' },
    size: { type: 'string' },
    'batch-size': { type: 'string', default: '64' },
    lr: { type: 'string', default: '0.001' },
    seed: { type: 'string', default: '0' },
    threads: { type: 'string', default: '1' },
  },
});
const here = dirname(fileURLToPath(import.meta.url));
const root = a.data ?? process.env.TSTORCH_DATA ?? resolve(here, '..', '..', 'shared', 'data');
const fail = (m: string): never => {
  console.error(`pretrain-backbone: ${m}`);
  process.exit(1);
};
if (!a.out) fail('--out FILE is required');
const cifar = a.dataset === 'cifar10';
if (!cifar && a.dataset !== 'hymenoptera') fail(`--dataset must be cifar10 or hymenoptera, got '${a.dataset}'`);
const data = join(root, cifar ? 'cifar-10-batches-bin' : 'hymenoptera_data');
if (!existsSync(data)) fail(`${data} not found (--data must hold ${cifar ? 'cifar-10-batches-bin' : 'hymenoptera_data'})`);
a.size ??= cifar ? '32' : '160';
const [epochs, size, batchSize, lr, seed, threads, maxSteps, valImages] = ['epochs', 'size', 'batch-size', 'lr', 'seed', 'threads', 'max-steps', 'val-images']
  .map((k) => Number(a[k as 'epochs']));
for (const [k, v] of Object.entries({ epochs, size, 'batch-size': batchSize, threads, 'val-images': valImages })) {
  if (!(Number.isInteger(v) && v! >= 1)) fail(`--${k} must be a whole number >= 1, got ${a[k as 'epochs']}`);
}
if (!(Number.isInteger(maxSteps) && maxSteps! >= 0)) fail(`--max-steps must be a whole number >= 0, got ${a['max-steps']}`);
if (!(lr! > 0)) fail(`--lr must be > 0, got ${a.lr}`);
torch.setNumThreads(threads!);
torch.manualSeed(seed!);

// ImageNet's normalisation: GeneralizedRCNNTransform normalises a detector's input with the same mean and std.
const mean = [0.485, 0.456, 0.406];
const std = [0.229, 0.224, 0.225];
const T = vision.transforms;
const norm = [new T.ToTensor(), new T.Normalize(mean, std)];
let train: torch.utils.data.Dataset<unknown>;
let val: torch.utils.data.Dataset<unknown>;
let toImagenet: torch.Tensor; // a data-set label -> its output of the 1000-way head
if (cifar) {
  const up = size === 32 ? [] : [new T.Resize(size!)];
  train = new vision.datasets.CIFAR10({ root: data, train: true, transform: new T.Compose([...up, new T.RandomCrop(size!, { padding: size! / 8 }), new T.RandomHorizontalFlip(), ...norm]) });
  const test = new vision.datasets.CIFAR10({ root: data, train: false, transform: new T.Compose([...up, ...norm]) });
  val = new torch.utils.data.Subset(test, Array.from({ length: Math.min(valImages!, test.length) }, (_, i) => i));
  toImagenet = torch.arange(10).to('int64');
} else {
  const imagenetClass: Record<string, number> = { ants: 310, bees: 309 };
  const folder = new vision.datasets.ImageFolder({ root: join(data, 'train'), transform: new T.Compose([new T.RandomResizedCrop(size!), new T.RandomHorizontalFlip(), ...norm]) });
  train = folder;
  val = new vision.datasets.ImageFolder({ root: join(data, 'val'), transform: new T.Compose([new T.Resize(Math.round(size! * 8 / 7)), new T.CenterCrop(size!), ...norm]) });
  toImagenet = torch.tensor(folder.classes.map((c) => imagenetClass[c] ?? fail(`unexpected class folder '${c}' (ants, bees)`))).to('int64');
}

const model = vision.models.mobilenet_v3_large({ weights: null });
const optimizer = new torch.optim.Adam(model.parameters(), { lr: lr! });
const scheduler = new torch.optim.lrScheduler.CosineAnnealingLR(optimizer, { tMax: epochs! });
const criterion = new torch.nn.CrossEntropyLoss();
const trainLoader = new torch.utils.data.DataLoader(train, { batchSize: batchSize!, shuffle: true });
const valLoader = new torch.utils.data.DataLoader(val, { batchSize: 32 });

for (let epoch = 1; epoch <= epochs!; epoch++) {
  model.train();
  let lossSum = 0, n = 0;
  const steps = Math.min(Math.ceil(train.length / batchSize!), maxSteps || Infinity);
  const bar = new torch.utils.ProgressBar({ total: steps, desc: `epoch ${epoch} train`, unit: 'batch' });
  let step = 0;
  for (const [x, y] of trainLoader as Iterable<[torch.Tensor, torch.Tensor]>) {
    if (step++ >= steps) break;
    lossSum += torch.tidy(() => {
      const loss = criterion.call(model.call(x), toImagenet.indexSelect(0, y)) as torch.Tensor;
      optimizer.zeroGrad();
      loss.backward();
      optimizer.step();
      return loss.item() * x.shape[0]!;
    });
    n += x.shape[0]!;
    bar.update(1);
    if (step % 20 === 0) bar.setPostfix({ loss: (lossSum / n).toFixed(3) });
  }
  bar.close();
  scheduler.step();
  model.eval();
  let correct = 0;
  for (const [x, y] of valLoader as Iterable<[torch.Tensor, torch.Tensor]>) {
    correct += torch.tidy(() => torch.noGrad(() => {
      // the prediction between the two classes the data set has
      const logits = (model.call(x) as torch.Tensor).indexSelect(1, toImagenet);
      return logits.argmax(1).eq(y).sum().item();
    }));
  }
  console.log(`epoch ${epoch}: train loss ${(lossSum / n).toFixed(4)}, val accuracy ${(100 * correct / val.length).toFixed(1)}% (${val.length} images)`);
}
torch.save(model.stateDict(), a.out!);
console.log(`wrote ${a.out}: mobilenet_v3_large with torchvision's keys and 1000-way head (${cifar ? 'CIFAR-10 labels in outputs 0-9' : 'ant 310, bee 309'})`);
