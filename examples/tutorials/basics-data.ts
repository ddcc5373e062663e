// PyTorch's "Learn the Basics: Datasets & DataLoaders", ported statement by statement; the Python original is
// python/basics_data.py and test/tutorials.test.ts runs both and compares what they print.
// Statements that needed a form other than the mechanical port are marked "// not mechanical: why".
//
//   npx tsx examples/tutorials/basics-data.ts --data data [--out DIR]
import { parseArgs } from 'node:util';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as torch from 'tstorch';
import * as vision from 'tstorch/vision';

const { Dataset } = torch.utils.data;
const { datasets } = vision;
const { ToTensor } = vision.transforms;
const { len, range } = torch.builtins;

const { values: args } = parseArgs({ // side by side
  options: { data: { type: 'string', default: 'data' }, out: { type: 'string', default: '.' } },
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

const labelsMap: Record<number, string> = {
  0: 'T-Shirt',
  1: 'Trouser',
  2: 'Pullover',
  3: 'Dress',
  4: 'Coat',
  5: 'Sandal',
  6: 'Shirt',
  7: 'Sneaker',
  8: 'Bag',
  9: 'Ankle Boot',
};
const figure: torch.Tensor[] = []; // side by side: the images of the figure
const [cols, rows] = [3, 3];
for (const i of range(1, cols * rows + 1)) {
  const sampleIdx = torch.randint(len(trainingData), { size: [1] }).item();
  const [img, label] = trainingData.at(sampleIdx); // not mechanical: training_data[sample_idx]
  figure.push(img); // side by side: instead of figure.add_subplot and plt.imshow
  console.log(labelsMap[label]); // side by side: instead of plt.title
}
vision.utils.saveImage(figure, `${args.out}/samples.png`, { nrow: cols }); // side by side: instead of plt.show()

class CustomImageDataset extends Dataset<[torch.Tensor, number]> {
  imgLabels: string[][];
  imgDir: string;
  transform: ((x: torch.Tensor) => torch.Tensor) | null;
  targetTransform: ((y: number) => number) | null;

  constructor(annotationsFile: string, imgDir: string, transform: ((x: torch.Tensor) => torch.Tensor) | null = null,
    targetTransform: ((y: number) => number) | null = null) {
    super();
    this.imgLabels = readFileSync(annotationsFile, 'utf8').trim().split('\n').map((line) => line.split(',')); // side by side: pd.read_csv (not mechanical: no pandas)
    this.imgDir = imgDir;
    this.transform = transform;
    this.targetTransform = targetTransform;
  }

  get length(): number { // not mechanical: __len__
    return this.imgLabels.length;
  }

  get(idx: number): [torch.Tensor, number] { // not mechanical: __getitem__
    const imgPath = join(this.imgDir, this.imgLabels[idx]![0]!);
    let image = vision.io.readImage(imgPath);
    let label = Number(this.imgLabels[idx]![1]); // side by side: .iloc[idx, 1]
    if (this.transform) {
      image = this.transform(image);
    }
    if (this.targetTransform) {
      label = this.targetTransform(label);
    }
    return [image, label];
  }
}

// side by side: a few images and an annotations file for CustomImageDataset
mkdirSync(`${args.out}/images`, { recursive: true });
const lines: string[] = [];
for (const k of range(3)) {
  const [img, label] = testData.at(k);
  vision.io.writePng(img.mul(255).to(torch.uint8), `${args.out}/images/img${k}.png`);
  lines.push(`img${k}.png,${label}\n`);
}
writeFileSync(`${args.out}/annotations.csv`, lines.join(''));
const custom = new CustomImageDataset(`${args.out}/annotations.csv`, `${args.out}/images`);
for (const k of range(len(custom))) {
  const [image, label] = custom.at(k);
  console.log(k, image.shape, image.dtype, label, image.sum().item());
}

const { DataLoader } = torch.utils.data;

const trainDataloader = new DataLoader(trainingData, { batchSize: 64, shuffle: true });
const testDataloader = new DataLoader(testData, { batchSize: 64, shuffle: true });

// Display image and label.
const [trainFeatures, trainLabels] = trainDataloader[Symbol.iterator]().next().value as [torch.Tensor, torch.Tensor]; // not mechanical: next(iter(...))
console.log(`Feature batch shape: ${trainFeatures.size()}`);
console.log(`Labels batch shape: ${trainLabels.size()}`);
const img = trainFeatures.index(0).squeeze(); // not mechanical: train_features[0]
const label = trainLabels.index(0); // not mechanical: train_labels[0]
vision.utils.saveImage(img, `${args.out}/first.png`); // side by side: instead of plt.imshow, plt.show
console.log(`Label: ${label}`);
