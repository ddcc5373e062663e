// A fine-tuning run on an ImageFolder data set (root/train/<class>/..., root/val/<class>/...), the chapter's
// transfer-learning recipe for any zoo model: its weights' preprocessing (or the chapter's normalisation),
// RandomResizedCrop + flip for training, Resize + CenterCrop for validation, the head replaced for the new
// classes, optional freezing, SGD with momentum, train and val phases per epoch, the weights of the best
// validation accuracy kept and restored. Writes a run folder: config.json, metrics.jsonl, steps.jsonl,
// best.pth, curves.png, batch.png, predictions.png.
import { appendFileSync, existsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as torch from '../index.js';
import type * as T from '../vision/transforms/index.js';
import type { InterpolationMode } from '../vision/transforms/image-geometry.js';
import { ImageFolder } from '../vision/datasets/folder.js';
import { DataLoader } from '../data/dataloader.js';
import { captionedGridAsync } from '../vision/utils/text.js';
import { writePng } from '../vision/io/tensor-io.js';
import { RunDir, type EpochMetrics } from './run-dir.js';
import { trainEpoch, evaluate, logitsOf, type BatchSource } from './classifier.js';
import { plotRun } from './plots.js';
import { loadZooModel, type LoadedModel } from './pretrained.js';
import { BestWeights, disableDropout, findHeads, finetuneLoss, freeze, replaceHead, trainableParameters } from './finetune.js';
import { UserError } from '../cli/errors.js';
import { imageFolderWorkers } from './dataset-factories.js';
import { finetuneTransforms, type FinetuneTransformArgs } from './finetune-transforms.js';
import type { Module } from '../nn/module.js';
import { ImageDecodeError } from '../vision/io/limits.js';

export interface FinetuneOptions {
  model: string;
  /** Folder with train/ and val/ sub-folders of class folders. */
  data: string;
  /** 'DEFAULT', a published name, a checkpoint file, or 'none'. */
  weights: string;
  epochs: number;
  lr: number;
  momentum: number;
  batchSize: number;
  /** Submodule paths to freeze, 'all' (everything but the head) or 'none'. */
  freeze: string[];
  out: string;
  /** RandomResizedCrop + flip on training images (false: the validation transform, for exact comparisons). */
  augment?: boolean;
  shuffle?: boolean;
  /** false sets every Dropout's p to 0 (for step-by-step comparisons with PyTorch). */
  dropout?: boolean;
  workers?: number;
  seed?: number;
  /** Stop each phase after this many batches (tests, CI). */
  maxSteps?: number;
  /** Override the weights' normalisation (the chapter: mean [0.490, 0.449, 0.411], std [0.231, 0.221, 0.230]). */
  mean?: number[];
  std?: number[];
  /** Images in predictions.png (0: none). */
  showImages?: number;
  /** Report and skip images that cannot be decoded instead of stopping (ImageFolder's onError: 'skip'). */
  skipBadImages?: boolean;
  log?: (line: string) => void;
}

export interface FinetuneResult {
  bestAccuracy: number;
  bestEpoch: number;
  metrics: EpochMetrics[];
  steps: { epoch: number; step: number; loss: number }[];
  classes: string[];
  model: Module;
  loaded: LoadedModel;
  run: RunDir;
}

export { finetuneTransforms, type FinetuneTransformArgs };

function checkFolder(path: string, what: string): void {
  if (!existsSync(path) || !statSync(path).isDirectory()) {
    throw new UserError(`${what}: '${path}' is not a folder (expected <data>/train/<class>/*.jpg and <data>/val/<class>/*.jpg)`);
  }
}

export function openImageFolders(data: string, transforms: { train: T.Compose; val: T.Compose }, onError: 'throw' | 'skip' = 'throw'): { train: ImageFolder; val: ImageFolder } {
  checkFolder(data, '--data');
  checkFolder(join(data, 'train'), '--data');
  checkFolder(join(data, 'val'), '--data');
  let train: ImageFolder, val: ImageFolder;
  try {
    train = new ImageFolder({ root: join(data, 'train'), transform: transforms.train, onError });
    val = new ImageFolder({ root: join(data, 'val'), transform: transforms.val, onError });
  } catch (e) {
    throw new UserError(`--data ${data}: ${(e as Error).message}`);
  }
  if (train.classes.join('\n') !== val.classes.join('\n')) {
    throw new UserError(`--data ${data}: train/ has the classes [${train.classes.join(', ')}] but val/ has [${val.classes.join(', ')}]`);
  }
  return { train, val };
}

/** The first batch of a loader (the chapter's `next(iter(dataloaders['train']))`). */
async function firstBatch(loader: BatchSource): Promise<[torch.Tensor, torch.Tensor]> {
  for await (const b of loader as AsyncIterable<[torch.Tensor, torch.Tensor]>) return b;
  throw new UserError('the training set is empty');
}

/**
 * An image that cannot be decoded stops a run (without --skip-bad-images) with one line that names the file and
 * says how to go on, instead of a stack trace; worker threads report it as text, so the message is the test.
 */
function badImage(e: unknown): UserError | null {
  const msg = e instanceof Error ? e.message : String(e);
  if (!(e instanceof ImageDecodeError) && !/cannot decode image|cannot load '/.test(msg)) return null;
  return new UserError(`${msg.replace(/^DataLoader worker \d+ \([^)]*\) failed[^:]*: /, '')} (pass --skip-bad-images to log such files and go on)`);
}

export async function runFinetune(o: FinetuneOptions): Promise<FinetuneResult> {
  try {
    return await finetune(o);
  } catch (e) {
    throw badImage(e) ?? e;
  }
}

async function finetune(o: FinetuneOptions): Promise<FinetuneResult> {
  const log = o.log ?? ((l: string) => console.log(l));
  for (const [k, v] of [['epochs', o.epochs], ['batch-size', o.batchSize]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new UserError(`finetune: --${k} must be a positive integer, got ${v}`);
  }
  if (!(o.lr > 0)) throw new UserError(`finetune: --lr must be positive, got ${o.lr}`);
  for (const sub of ['', 'train', 'val']) checkFolder(join(o.data, sub), '--data');
  torch.manualSeed(o.seed ?? 0);

  const loaded = await loadZooModel(o.model, o.weights, { allowNone: true });
  const { model } = loaded;
  log(`${o.model}: weights from ${loaded.source}`);
  const p = loaded.preprocess;
  const mean = o.mean ?? p.mean, std = o.std ?? p.std;
  for (const [k, v] of [['mean', mean], ['std', std]] as const) {
    if (v.length !== 3 || v.some((x) => !Number.isFinite(x))) throw new UserError(`finetune: --${k} needs 3 numbers, got ${v.join(',')}`);
  }
  const preprocess = { resizeSize: p.resizeSize, cropSize: p.cropSize, mean, std, interpolation: p.interpolation };
  const tfArgs = {
    cropSize: p.cropSize[0]!, resizeSize: p.resizeSize[0]!, mean, std, interpolation: p.interpolation as InterpolationMode, augment: o.augment ?? true,
  };
  const onError = o.skipBadImages ? 'skip' : 'throw';
  const data = openImageFolders(o.data, finetuneTransforms(tfArgs), onError);
  const classes = data.train.classes;
  const workers = o.workers ?? 0;
  // with workers, worker threads decode and transform (each builds the same ImageFolder)
  const spec = (train: boolean) => (workers > 0 ? imageFolderWorkers({ root: join(o.data, train ? 'train' : 'val'), transform: tfArgs, train, onError }) : undefined);
  const trainLoader = new DataLoader(data.train, { batchSize: o.batchSize, shuffle: o.shuffle ?? true, numWorkers: workers, workerDataset: spec(true) });
  const valLoader = new DataLoader(data.val, { batchSize: o.batchSize, numWorkers: workers, workerDataset: spec(false) });
  log(`${data.train.length} training and ${data.val.length} validation images of ${classes.length} classes (${classes.join(', ')})`);

  const run = new RunDir(o.out);
  const showImages = o.showImages ?? 8;
  if (showImages > 0) {
    // the picture leaves the generator as it was, so that it changes nothing in the run
    const rng = torch.getRngState();
    const [x, y] = await firstBatch(trainLoader);
    torch.setRngState(rng);
    rng.dispose();
    const labels = Array.from(y.toArray() as number[], (i) => classes[i]!);
    const img = await captionedGridAsync(x, { captions: labels, nrow: Math.min(labels.length, 4), mean, std });
    writePng(img, join(run.path, 'batch.png'));
    x.dispose(); y.dispose();
  }

  // A checkpoint fine-tuned on these very classes continues as it is; otherwise the head is replaced.
  const sameClasses = loaded.kind === 'file' && loaded.classes !== null && loaded.classes.join('\n') === classes.join('\n');
  if (!sameClasses) {
    const before = findHeads(model, o.model).map((h) => `${h.path}: ${String(h.module)}`);
    replaceHead(model, o.model, classes.length);
    const after = findHeads(model, o.model).map((h) => String(h.module));
    before.forEach((b, i) => log(`replaced ${b} -> ${after[i]}`));
  }
  if (o.dropout === false) log(`dropout disabled in ${disableDropout(model)} layer(s)`);
  const frozen = freeze(model, o.model, o.freeze);
  const params = trainableParameters(model);
  const trainable = params.reduce((a, t) => a + t.numel(), 0);
  log(`${trainable.toLocaleString('en-US')} trainable parameters${frozen ? `, ${frozen.toLocaleString('en-US')} frozen (${o.freeze.join(', ')})` : ''}; ` +
    `${torch.getNumThreads()} threads; run folder ${run.path}`);
  const optimizer = new torch.optim.SGD(params, { lr: o.lr, momentum: o.momentum });
  const criterion = new torch.nn.CrossEntropyLoss();
  const lossFn = finetuneLoss(criterion);

  run.writeConfig({
    model: o.model, dataset: o.data, numClasses: classes.length, classes, weights: loaded.source, preprocess,
    epochs: o.epochs, lr: o.lr, momentum: o.momentum, batchSize: o.batchSize, freeze: o.freeze, augment: o.augment ?? true,
    shuffle: o.shuffle ?? true, dropout: o.dropout ?? true, seed: o.seed ?? 0,
  });
  run.rewriteMetrics([]);
  const stepsPath = join(run.path, 'steps.jsonl');
  writeFileSync(stepsPath, '');
  const steps: FinetuneResult['steps'] = [];
  const metrics: EpochMetrics[] = [];
  const best = new BestWeights();
  for (let epoch = 1; epoch <= o.epochs; epoch++) {
    const tr = await trainEpoch({
      model, loader: trainLoader, optimizer, criterion, epoch, maxSteps: o.maxSteps || undefined, lossFn, label: `epoch ${epoch}/${o.epochs} train`,
      onStep: (step, loss) => {
        const s = { epoch, step, loss };
        steps.push(s);
        appendFileSync(stepsPath, JSON.stringify(s) + '\n');
      },
    });
    const va = await evaluate({ model, loader: valLoader, classes, criterion, maxSteps: o.maxSteps || undefined, label: `epoch ${epoch}/${o.epochs} val` });
    const m: EpochMetrics = {
      epoch, trainLoss: tr.loss, trainAccuracy: tr.accuracy, testLoss: va.loss, testAccuracy: va.accuracy,
      imagesPerSecond: tr.imagesPerSecond, lr: o.lr, seconds: tr.seconds + va.seconds,
    };
    metrics.push(m);
    run.appendMetrics(m);
    const improved = best.update(model, va.accuracy, epoch);
    if (improved) torch.save(best.stateDict!, run.bestPath);
    log(`epoch ${epoch}/${o.epochs}: train loss ${tr.loss.toFixed(4)} acc ${(100 * tr.accuracy).toFixed(2)} % | ` +
      `val loss ${va.loss.toFixed(4)} acc ${(100 * va.accuracy).toFixed(2)} % (${va.images} images)${improved ? ' *best*' : ''} | ` +
      `${tr.imagesPerSecond.toFixed(1)} img/s training`);
    await plotRun(metrics, run.curvesPath);
  }
  best.restore(model);
  log(`best val accuracy ${(100 * best.accuracy).toFixed(2)} % (epoch ${best.epoch}); weights restored and saved in ${run.bestPath}; curves in ${run.curvesPath}`);

  if (showImages > 0) {
    const path = join(run.path, 'predictions.png');
    await predictionsPicture(model, data.val, classes, showImages, { mean, std, path });
    log(`predictions on validation images in ${path}`);
  }
  best.dispose();
  return { bestAccuracy: best.accuracy, bestEpoch: best.epoch, metrics, steps, classes, model, loaded, run };
}

/** The chapter's visualize_model: validation images titled "Prediction: X, Ground Truth: Y". */
export async function predictionsPicture(model: Module, val: ImageFolder, classes: string[], count: number,
  o: { mean: number[]; std: number[]; path: string }): Promise<void> {
  const n = Math.min(count, val.length);
  // spread over the classes: ImageFolder orders samples by class
  const idx = Array.from({ length: n }, (_, k) => Math.floor((k * val.length) / n));
  const samples = idx.map((i) => val.get(i) as [torch.Tensor, number]);
  const x = torch.stack(samples.map((s) => s[0]));
  const wasTraining = model.training;
  model.eval();
  const pred = torch.inferenceMode(() => logitsOf(model.call(x)).argmax(1).toArray() as number[]);
  model.train(wasTraining);
  const captions = samples.map((s, k) => `Prediction: ${classes[pred[k]!]}, Ground Truth: ${classes[s[1]]}`);
  const img = await captionedGridAsync(x, { captions, nrow: Math.min(n, 4), mean: o.mean, std: o.std, fontSize: 11 });
  writePng(img, o.path);
  x.dispose();
  for (const s of samples) s[0].dispose();
}
