// Starting weights for a detector's backbone, made here because none can be downloaded: mobilenet_v3_large
// trained from random weights as an ImageNet-format classifier on the photos of hymenoptera_data/train (ants get
// ImageNet's class 310 'ant', bees 309 'bee'; the head keeps all 1000 outputs), the way torchvision's detectors
// start from an ImageNet classifier. The file has torchvision's keys and shapes, so
//
//   tstorch finetune fasterrcnn_mobilenet_v3_large_320_fpn --task detection --weights none --weights-backbone FILE ...
//
// (or mobilenet_v3_large({ weights: FILE }), or torchvision's mobilenet_v3_large().load_state_dict) loads it strictly.
// Only hymenoptera_data/train is used, so a detection set made from hymenoptera_data/val
// (scripts/make-pasted-coco.ts --from val) stays unseen. Accuracy on hymenoptera_data/val is printed per epoch.
//
//   node --import tsx scripts/pretrain-backbone.ts --out backbone.pth [--epochs 10] [--size 160] [--data ../shared/data]
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
    epochs: { type: 'string', default: '10' },
    size: { type: 'string', default: '160' },
    'batch-size': { type: 'string', default: '16' },
    lr: { type: 'string', default: '0.001' },
    seed: { type: 'string', default: '0' },
    threads: { type: 'string', default: '1' },
  },
});
const here = dirname(fileURLToPath(import.meta.url));
const data = join(a.data ?? process.env.TSTORCH_DATA ?? resolve(here, '..', '..', 'shared', 'data'), 'hymenoptera_data');
const fail = (m: string): never => {
  console.error(`pretrain-backbone: ${m}`);
  process.exit(1);
};
if (!a.out) fail('--out FILE is required');
if (!existsSync(join(data, 'train'))) fail(`${join(data, 'train')} not found (--data must hold hymenoptera_data)`);
const [epochs, size, batchSize, lr, seed, threads] = ['epochs', 'size', 'batch-size', 'lr', 'seed', 'threads'].map((k) => Number(a[k as 'epochs']));
for (const [k, v] of Object.entries({ epochs, size, 'batch-size': batchSize, threads })) if (!(Number.isInteger(v) && v! >= 1)) fail(`--${k} must be a whole number >= 1, got ${a[k as 'epochs']}`);
if (!(lr! > 0)) fail(`--lr must be > 0, got ${a.lr}`);
torch.setNumThreads(threads!);
torch.manualSeed(seed!);

// ImageNet's normalisation: GeneralizedRCNNTransform normalises a detector's input with the same mean and std.
const mean = [0.485, 0.456, 0.406];
const std = [0.229, 0.224, 0.225];
const imagenetClass: Record<string, number> = { ants: 310, bees: 309 };
const train = new vision.datasets.ImageFolder({ root: join(data, 'train'), transform: new vision.transforms.Compose([
  new vision.transforms.RandomResizedCrop(size!), new vision.transforms.RandomHorizontalFlip(), new vision.transforms.ToTensor(), new vision.transforms.Normalize(mean, std)]) });
const val = new vision.datasets.ImageFolder({ root: join(data, 'val'), transform: new vision.transforms.Compose([
  new vision.transforms.Resize(Math.round(size! * 8 / 7)), new vision.transforms.CenterCrop(size!), new vision.transforms.ToTensor(), new vision.transforms.Normalize(mean, std)]) });
const toImagenet = torch.tensor(train.classes.map((c) => imagenetClass[c] ?? fail(`unexpected class folder '${c}' (ants, bees)`))).to('int64');

const model = vision.models.mobilenet_v3_large({ weights: null });
const optimizer = new torch.optim.Adam(model.parameters(), { lr: lr! });
const scheduler = new torch.optim.lrScheduler.CosineAnnealingLR(optimizer, { tMax: epochs! });
const criterion = new torch.nn.CrossEntropyLoss();
const trainLoader = new torch.utils.data.DataLoader(train, { batchSize: batchSize!, shuffle: true });
const valLoader = new torch.utils.data.DataLoader(val, { batchSize: 32 });

for (let epoch = 1; epoch <= epochs!; epoch++) {
  model.train();
  let lossSum = 0, n = 0;
  const bar = new torch.utils.ProgressBar({ total: Math.ceil(train.length / batchSize!), desc: `epoch ${epoch} train`, unit: 'batch' });
  for (const [x, y] of trainLoader as Iterable<[torch.Tensor, torch.Tensor]>) {
    lossSum += torch.tidy(() => {
      const loss = criterion.call(model.call(x), toImagenet.indexSelect(0, y)) as torch.Tensor;
      optimizer.zeroGrad();
      loss.backward();
      optimizer.step();
      return loss.item() * x.shape[0]!;
    });
    n += x.shape[0]!;
    bar.update(1);
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
console.log(`wrote ${a.out}: mobilenet_v3_large, torchvision keys, ImageNet head (ant 310, bee 309)`);
