// DataLoader worker threads against in-process loading: the CLI's CIFAR-10 training pipeline (random crop with
// padding 4, flip, ToTensor, Normalize; shuffled batches) feeding the chapter's LeNet (Adam step), with
// numWorkers 0 and N. Reports time to the first batch (worker start-up) and training images/s after it.
//
//   node --import tsx bench/dataloader-workers.ts --data ../shared/data [--batch 8] [--steps 300] [--workers 0,2] [--threads 1]
import * as torch from '../src/index.js';
import { makeSplit, splitWorkers } from '../src/train/dataset-factories.js';
import { buildModel } from '../src/train/models.js';

const arg = (name: string, def: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : def;
};
const root = arg('data', process.env.TSTORCH_DATA ?? './data');
const batchSize = Number(arg('batch', '8'));
const steps = Number(arg('steps', '300'));
const threads = Number(arg('threads', '1'));
const workerList = arg('workers', '0,2').split(',').map(Number);

torch.setNumThreads(threads);
const split = { dataset: 'cifar10' as const, root, train: true, augment: true };
const dataset = makeSplit(split);

for (const numWorkers of workerList) {
  torch.manualSeed(0);
  const model = buildModel('lenet', { numClasses: 10 });
  const optimizer = new torch.optim.Adam(model.parameters(), { lr: 1e-3 });
  const criterion = new torch.nn.CrossEntropyLoss();
  const loader = new torch.utils.data.DataLoader(dataset, { batchSize, shuffle: true, numWorkers, workerDataset: splitWorkers(split) });
  const t0 = performance.now();
  let first = 0;
  let step = 0;
  for await (const [x, y] of loader as AsyncIterable<[torch.Tensor, torch.Tensor]>) {
    if (step === 0) first = performance.now();
    torch.tidy(() => {
      optimizer.zeroGrad();
      criterion.call(model.call(x) as torch.Tensor, y).backward();
      optimizer.step();
    });
    x.dispose();
    y.dispose();
    if (++step > steps) break;
  }
  const secs = (performance.now() - first) / 1000;
  console.log(JSON.stringify({ numWorkers, batchSize, threads, steps, firstBatchMs: Math.round(first - t0), imagesPerSecond: Math.round((steps * batchSize) / secs) }));
}
