// `tstorch train lenet --dataset cifar10 --data DIR --epochs N ...`: the chapter's first exercise as a tool.
// Per epoch: a progress bar, the test accuracy, a metrics line (metrics.jsonl), curves.png, and checkpoints
// (last.pth to resume with optimizer and RNG state; best.pth, the model's state dict, loadable by PyTorch).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as torch from '../../index.js';
import { parseArgs, helpText, type OptionSpec } from '../args.js';
import { UserError } from '../errors.js';
import { RunDir, type EpochMetrics } from '../../train/run-dir.js';
import { trainEpoch, evaluate } from '../../train/classifier.js';
import { formatReport } from '../../train/metrics.js';
import { buildModel, MODEL_CHOICES } from '../../train/models.js';
import { openDataset, DATASETS, type DatasetName } from '../../train/datasets.js';
import { makeOptimizer, OPTIMIZERS } from '../../train/optimizers.js';
import { plotRun } from '../../train/plots.js';
import { chooseThreads } from '../../train/threads.js';
import { splitWorkers } from '../../train/dataset-factories.js';
import { isDistributedWorker, launchSelf, sumOverRanks } from '../../train/distributed.js';
import { useThreads } from '../../train/threads.js';
import { loadResumeCheckpoint } from '../../train/checkpoint.js';
import { outputDirProblem } from '../../utils/output-path.js';

const spec = {
  dataset: { type: 'string', default: 'cifar10', help: 'the data set', choices: DATASETS },
  data: { type: 'string', help: 'folder of the data set (else $TSTORCH_DATA, else downloaded to ./data)' },
  download: { type: 'boolean', default: true, help: 'download the official archive when the files are missing' },
  epochs: { type: 'number', default: 10, help: 'epochs to train' },
  batchSize: { type: 'number', default: 8, help: 'mini-batch size' },
  optimizer: { type: 'string', default: 'adam', help: 'optimizer', choices: OPTIMIZERS },
  lr: { type: 'number', default: 0.001, help: 'learning rate' },
  momentum: { type: 'number', default: 0.9, help: 'momentum (sgd, rmsprop)' },
  weightDecay: { type: 'number', default: 0, help: 'weight decay' },
  augment: { type: 'boolean', default: true, help: 'random crop (padding 4) and horizontal flip on training images' },
  workers: { type: 'number', default: 0, help: 'DataLoader worker threads (batches prepared while the model trains)' },
  threads: { type: 'number', default: 0, help: 'libtorch intra-op threads (0: time 1 thread and all cores on a few steps, keep the faster)' },
  seed: { type: 'number', default: 0, help: 'random seed (weights, shuffling, augmentation)' },
  out: { type: 'string', help: 'run folder (default runs/<model>-<dataset>)' },
  resume: { type: 'boolean', default: false, help: 'continue from <out>/last.pth (model, optimizer, RNG state, epoch)' },
  maxSteps: { type: 'number', default: 0, help: 'stop each epoch after this many steps (0: whole epoch)' },
  maxTest: { type: 'number', default: 0, help: 'evaluate on at most this many test images (0: all)' },
  logEvery: { type: 'number', default: 2000, help: 'print the running loss every N steps, as the chapter does (0: never)' },
  // A distributed job (DistributedDataParallel): the flags of `tstorch run`; --batch-size is per worker.
  nprocPerNode: { type: 'number', default: 1, help: 'workers on this node (DistributedDataParallel, Gloo); the batch size is per worker' },
  nnodes: { type: 'number', default: 1, help: 'nodes of the job' },
  nodeRank: { type: 'number', default: 0, help: "this node's rank" },
  masterAddr: { type: 'string', default: '127.0.0.1', help: "node 0's address" },
  masterPort: { type: 'number', default: 29500, help: "node 0's port" },
  maxRestarts: { type: 'number', default: 0, help: 'restart the job from the last checkpoint when a worker fails, up to N times' },
} satisfies Record<string, OptionSpec>;

export const help = helpText('train', '<model> [options]', spec) + `\n\nModels: ${MODEL_CHOICES}`;

export async function run(argv: string[]): Promise<void> {
  const a = parseArgs(argv, spec, 'train', { max: 1 });
  const modelName = a._[0];
  if (!modelName) throw new UserError(`train: name a model, e.g. 'tstorch train lenet' (${MODEL_CHOICES})`);
  if (a.nodeRank >= a.nnodes) throw new UserError(`train: --node-rank must be below --nnodes (${a.nnodes}), got ${a.nodeRank}`);
  const dataset = a.dataset as DatasetName;
  // the run folder is checked before anything is created or launched (Node's recursive mkdir hangs under /proc)
  const outPath = a.out ?? `runs/${modelName}-${dataset}`;
  const outProblem = outputDirProblem(outPath);
  if (outProblem !== null) throw new UserError(`train: --out '${outPath}': ${outProblem}`);
  if (a.resume && !existsSync(join(outPath, 'last.pth'))) throw new UserError(`train: --resume: no checkpoint at ${join(outPath, 'last.pth')}`);
  if ((a.nprocPerNode > 1 || a.nnodes > 1) && !isDistributedWorker()) {
    // The launcher: start the workers (this command again, once per rank) and wait for them.
    await launchSelf('train', argv, { 'nproc-per-node': a.nprocPerNode, nnodes: a.nnodes, 'node-rank': a.nodeRank,
      'master-addr': a.masterAddr!, 'master-port': a.masterPort, 'max-restarts': a.maxRestarts });
    return;
  }
  // A worker of a distributed job: DistributedDataParallel over the job's ranks, each its share of the data
  // (DistributedSampler); rank 0 evaluates, prints and writes the run folder while the others wait.
  const distributed = isDistributedWorker();
  if (distributed) await torch.distributed.initProcessGroup({ backend: 'gloo' });
  const rank = distributed ? torch.distributed.getRank() : 0;
  const world = distributed ? torch.distributed.getWorldSize() : 1;
  const main = rank === 0;
  const log = (line: string): void => { if (main) console.log(line); };
  useThreads(a.threads, 'train');
  // A restarted job (tstorch run --max-restarts) continues from its last checkpoint.
  const restart = Number(process.env.TORCHELASTIC_RESTART_COUNT ?? '0');
  const resume = a.resume || (distributed && restart > 0 && existsSync(join(outPath, 'last.pth')));

  torch.manualSeed(a.seed);
  const data = openDataset(dataset, { root: a.data, download: a.download, augment: a.augment });
  const model = buildModel(modelName, { numClasses: data.classes.length, inChannels: data.channels });
  // the run folder is created once the data and the model are known to be there
  const out = new RunDir(outPath);
  if (out.removedLeftovers.length > 0) log(`note: removed ${out.removedLeftovers.length} temporary file(s) an interrupted run left in ${out.path}`);
  if (!resume && existsSync(out.lastPath)) {
    log(`note: ${out.path} already has a run; starting afresh (use --resume to continue it)`);
  }
  if (a.threads === 0 && !distributed) {
    const sample = (data.test.get(0) as [torch.Tensor, number])[0];
    const { threads, timings } = chooseThreads(() => buildModel(modelName, { numClasses: data.classes.length, inChannels: data.channels }),
      [a.batchSize, ...sample.shape], data.classes.length);
    torch.setNumThreads(threads);
    console.log(`threads: ${threads} (a training step took ${Object.entries(timings).map(([n, ms]) => `${ms.toFixed(1)} ms with ${n}`).join(', ')})`);
  }
  const optimizer = makeOptimizer(a.optimizer!, model.parameters(), { lr: a.lr, momentum: a.momentum, weightDecay: a.weightDecay });
  const criterion = new torch.nn.CrossEntropyLoss();
  // With --workers, worker threads build the same splits (dataset-factories.ts) and prepare batches during training.
  const split = (train: boolean) => splitWorkers({ dataset, root: a.data, train, augment: a.augment });
  const sampler = distributed ? new torch.utils.data.DistributedSampler(data.train, { shuffle: true, seed: a.seed }) : undefined;
  const trainLoader = new torch.utils.data.DataLoader(data.train, sampler
    ? { batchSize: a.batchSize, sampler, numWorkers: a.workers, workerDataset: split(true) }
    : { batchSize: a.batchSize, shuffle: true, numWorkers: a.workers, workerDataset: split(true) });
  const testLoader = new torch.utils.data.DataLoader(data.test, { batchSize: Math.max(a.batchSize, 64), numWorkers: a.workers, workerDataset: split(false) });
  const testSteps = a.maxTest > 0 ? Math.ceil(a.maxTest / Math.max(a.batchSize, 64)) : undefined;

  let startEpoch = 1;
  let best = -1;
  let metrics: EpochMetrics[] = [];
  if (resume) {
    // Every rank reads the checkpoint rank 0 wrote (after the barrier of its save); each restores its own random state.
    const ck = loadResumeCheckpoint(out.lastPath, model, optimizer, modelName);
    startEpoch = ck.epoch + 1;
    best = ck.bestAccuracy;
    if (main) {
      // the metrics of epochs after the checkpoint (a run killed between its metrics line and last.pth) go
      metrics = out.readMetrics(startEpoch);
      out.rewriteMetrics(metrics);
    }
    log(`${restart > 0 && !a.resume ? `restart ${restart}: ` : ''}resuming ${out.path} after epoch ${ck.epoch}`
      + `${ck.samplerEpoch !== undefined ? ` (sampler epoch ${ck.samplerEpoch})` : ''} (best test accuracy so far ${(100 * best).toFixed(1)} %)`);
  } else if (main) {
    out.rewriteMetrics([]);
  }
  // DistributedDataParallel broadcasts rank 0's weights, then averages the gradients in backward.
  const trained: torch.nn.Module = distributed ? new torch.nn.parallel.DistributedDataParallel(model) : model;
  if (main) {
    out.writeConfig({ model: modelName, dataset, numClasses: data.classes.length, classes: data.classes, inChannels: data.channels,
      mean: data.mean, std: data.std, optimizer: a.optimizer, lr: a.lr, batchSize: a.batchSize, seed: a.seed, ...(distributed ? { worldSize: world } : {}) });
  }
  log(String(model));
  log(`${model.numParameters().toLocaleString('en-US')} parameters; ${data.train.length} training and ${data.test.length} test images; ` +
    `${torch.getNumThreads()} thread${torch.getNumThreads() === 1 ? '' : 's'}${distributed ? ` per worker, ${world} workers (batch ${a.batchSize} each)` : ''}; run folder ${out.path}`);

  for (let epoch = startEpoch; epoch <= a.epochs; epoch++) {
    // The sampler's epoch picks the permutation: the same on every rank, a new one each epoch.
    sampler?.setEpoch(epoch - 1);
    let tr = await trainEpoch({ model: trained, loader: trainLoader, optimizer, criterion, epoch, maxSteps: a.maxSteps || undefined,
      logEvery: main ? a.logEvery : 0, quiet: !main });
    if (distributed) {
      // The job's training loss and accuracy, and its throughput (every rank's images in rank 0's time).
      const [lossSum, correct, images] = sumOverRanks([tr.loss * tr.images, tr.accuracy * tr.images, tr.images]);
      tr = { ...tr, loss: lossSum! / images!, accuracy: correct! / images!, images: images!, imagesPerSecond: images! / tr.seconds };
    }
    if (main) {
      const te = await evaluate({ model, loader: testLoader, classes: data.classes, criterion, maxSteps: testSteps, label: `epoch ${epoch} test` });
      const m: EpochMetrics = { epoch, trainLoss: tr.loss, trainAccuracy: tr.accuracy, testLoss: te.loss, testAccuracy: te.accuracy,
        imagesPerSecond: tr.imagesPerSecond, lr: optimizer.paramGroups[0]!.lr, seconds: tr.seconds + te.seconds };
      metrics.push(m);
      out.appendMetrics(m);
      console.log(`epoch ${epoch}: train loss ${tr.loss.toFixed(3)}, test accuracy ${(100 * te.accuracy).toFixed(2)} % ` +
        `(${te.images} images), ${tr.imagesPerSecond.toFixed(0)} img/s training`);
      if (te.accuracy > best) {
        best = te.accuracy;
        torch.save(model.stateDict(), out.bestPath);
      }
    }
    // Rank 0 writes the checkpoint (with every rank's random state) while the others wait at a barrier.
    const rngStates = distributed ? torch.distributed.gatherRngStates() : undefined;
    torch.distributed.saveOnRank0(() => ({ model: model.stateDict(), optimizer: optimizer.stateDict(), epoch, rng_state: torch.getRngState(),
      ...(rngStates ? { rng_states: rngStates, sampler_epoch: epoch - 1, world_size: world } : {}), best_acc: best }), out.lastPath);
    if (main) await plotRun(metrics, out.curvesPath);
  }
  if (!main) {
    torch.distributed.barrier();
    torch.distributed.destroyProcessGroup();
    return;
  }
  console.log(`best test accuracy ${(100 * best).toFixed(2)} %: weights in ${out.bestPath}; curves in ${out.curvesPath}`);

  // The chapter's last step: load the saved weights into a fresh network and report per class.
  const fresh = buildModel(modelName, { numClasses: data.classes.length, inChannels: data.channels });
  fresh.loadStateDict(torch.load(out.bestPath));
  const final = await evaluate({ model: fresh, loader: testLoader, classes: data.classes, maxSteps: testSteps, label: 'best weights' });
  console.log(formatReport(final.confusion.report(), { confusion: false }));
  if (distributed) {
    torch.distributed.barrier();
    torch.distributed.destroyProcessGroup();
  }
}
