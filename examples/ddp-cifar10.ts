// Data-parallel training with DistributedDataParallel, as PyTorch's DDP tutorial does it: every worker holds
// the whole model, trains on its own share of each epoch (DistributedSampler), and DDP averages the
// gradients across workers during backward, so that all workers take the same step. Start it with the
// launcher, which starts one worker per process and gives each its rank:
//
//   npx tstorch run --nproc-per-node 2 examples/ddp-cifar10.ts --data ../shared/data/cifar-10-batches-bin --epochs 2
//   npx tstorch run --nproc-per-node 2 --max-restarts 1 examples/ddp-cifar10.ts ...   # survives a crashed worker
//
// Options: --model resnet18|lenet, --batch-size (per worker), --lr, --sync-bn (statistics over all workers),
// --max-steps / --max-test (short runs), --out (checkpoint folder). Rank 0 evaluates and writes the
// checkpoint while the others wait; a job that finds a checkpoint (a restarted job) continues from it.
import { parseArgs } from 'node:util';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import * as torch from 'tstorch';
import * as vision from 'tstorch/vision';

const { nn } = torch;
const dist = torch.distributed;
const { transforms } = vision;

const { values: args } = parseArgs({
  options: {
    data: { type: 'string' },
    model: { type: 'string', default: 'resnet18' },
    epochs: { type: 'string', default: '2' },
    'batch-size': { type: 'string', default: '32' },
    lr: { type: 'string', default: '0.05' },
    'sync-bn': { type: 'boolean', default: false },
    'max-steps': { type: 'string', default: '0' },
    'max-test': { type: 'string', default: '0' },
    out: { type: 'string', default: 'runs/ddp-example' },
  },
});
const root = args.data ?? process.env.TSTORCH_DATA ?? './data';
const epochs = Number(args.epochs);
const batchSize = Number(args['batch-size']);
const maxSteps = Number(args['max-steps']) || Infinity;
const maxTest = Number(args['max-test']) || Infinity;

// 1. Join the job: the launcher set RANK, WORLD_SIZE, MASTER_ADDR and MASTER_PORT (env://).
await dist.initProcessGroup({ backend: 'gloo' });
const rank = dist.getRank();
const world = dist.getWorldSize();
const log = (line: string): void => { if (rank === 0) console.log(line); };
log(`${world} workers, ${torch.getNumThreads()} thread(s) each, ${batchSize} images per worker per step`);
mkdirSync(args.out!, { recursive: true });
const checkpoint = join(args.out!, 'checkpoint.pth');

// 2. Data: each worker sees 1/world of every epoch, a different permutation each epoch (setEpoch).
const normalize = new transforms.Normalize([0.4914, 0.4822, 0.4465], [0.247, 0.243, 0.261]);
const trainset = new vision.datasets.CIFAR10({
  root, train: true, download: rank === 0,
  transform: new transforms.Compose([new transforms.RandomCrop(32, { padding: 4 }), new transforms.RandomHorizontalFlip(), new transforms.ToTensor(), normalize]),
});
const testset = new vision.datasets.CIFAR10({ root, train: false, download: false, transform: new transforms.Compose([new transforms.ToTensor(), normalize]) });
const sampler = new torch.utils.data.DistributedSampler(trainset, { shuffle: true, seed: 0 });
const trainloader = new torch.utils.data.DataLoader(trainset, { batchSize, sampler });
const testloader = new torch.utils.data.DataLoader(testset, { batchSize: 100 });

// 3. The model, identical on every worker (DDP broadcasts rank 0's weights), wrapped in DDP.
torch.manualSeed(0);
let model: torch.nn.Module = args.model === 'lenet' ? vision.models.lenet({ numClasses: 10 }) : vision.models.resnet18({ numClasses: 10 });
if (args['sync-bn']) model = nn.SyncBatchNorm.convertSyncBatchnorm(model);
const optimizer = new torch.optim.SGD(model.parameters(), { lr: Number(args.lr), momentum: 0.9, weightDecay: 5e-4 });
let startEpoch = 0;
if (existsSync(checkpoint)) {
  // A restarted job continues where the last checkpoint left it, on every worker.
  const ck = dist.loadCheckpoint(checkpoint) as { model: Record<string, torch.Tensor>; optimizer: never; epoch: number; rng_states: torch.Tensor[] };
  model.loadStateDict(ck.model);
  optimizer.loadStateDict(ck.optimizer);
  dist.restoreRngState(ck.rng_states);
  startEpoch = ck.epoch + 1;
  log(`resuming after epoch ${ck.epoch + 1} from ${checkpoint}`);
}
const ddp = new nn.parallel.DistributedDataParallel(model);
const criterion = new nn.CrossEntropyLoss();

// 4. Train. Gradients are averaged across the workers inside loss.backward(), bucket by bucket.
for (let epoch = startEpoch; epoch < epochs; epoch++) {
  sampler.setEpoch(epoch);
  ddp.train();
  let step = 0, lossSum = 0, seen = 0;
  const t0 = performance.now();
  for await (const [x, y] of trainloader as AsyncIterable<[torch.Tensor, torch.Tensor]>) {
    if (step++ >= maxSteps) break;
    lossSum += torch.tidy(() => {
      optimizer.zeroGrad();
      const loss = criterion.call(ddp.call(x), y) as torch.Tensor;
      loss.backward();
      optimizer.step();
      return loss.item();
    }) * y.shape[0]!;
    seen += y.shape[0]!;
  }
  // The job's mean loss and throughput: every worker's sums, added up.
  const totals = torch.tensor([lossSum, seen], { dtype: 'float64' });
  dist.allReduce(totals);
  const [jobLoss, jobImages] = Array.from(totals.dataSync() as Float64Array);
  const seconds = (performance.now() - t0) / 1000;

  // 5. Rank 0 evaluates the model (ddp.module) on the test set; the others wait at the checkpoint's barrier.
  if (rank === 0) {
    model.eval();
    let correct = 0, total = 0;
    for await (const [x, y] of testloader as AsyncIterable<[torch.Tensor, torch.Tensor]>) {
      if (total >= maxTest) break;
      correct += torch.inferenceMode(() => ddp.module.call(x).argmax(1).eq(y).sum().item());
      total += y.shape[0]!;
    }
    console.log(`epoch ${epoch + 1}: train loss ${(jobLoss! / jobImages!).toFixed(3)}, ${(jobImages! / seconds).toFixed(0)} img/s over ${world} workers, `
      + `test accuracy ${(100 * correct / total).toFixed(2)} % (${total} images)`);
  }
  // 6. Checkpoint: rank 0 writes (with every worker's random state), the others wait at a barrier.
  const rngStates = dist.gatherRngStates();
  dist.saveOnRank0(() => ({ model: model.stateDict(), optimizer: optimizer.stateDict(), epoch, rng_states: rngStates }), checkpoint);
}
log(`done: ${checkpoint}`);
dist.destroyProcessGroup();
