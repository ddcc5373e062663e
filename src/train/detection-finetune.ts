// Fine-tuning a torchvision detection model on a COCO-layout folder (annotations.json + images), the way
// torchvision's detection tutorial does it: the class predictor swapped for the data set's classes (the R-CNNs' box
// and mask predictors, the single-stage detectors' classification head: src/train/detector-family.ts), SGD
// with momentum and weight decay, a step learning-rate schedule, COCO box (and mask) AP on a held-out split after
// every epoch, the best epoch's weights kept. Used by `tstorch finetune <model> --task detection`.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as torch from '../index.js';
import * as vision from '../vision/index.js';
import { getModelBuilder } from '../vision/models/registry.js';
import { detectorFamily, readDetectorCheckpoint, replaceClassPredictor } from './detector-family.js';
import { ProgressBar } from '../utils/progress.js';
import { UserError } from '../cli/errors.js';
import { writeFileAtomic } from '../serialization/atomic.js';
import type { IouType } from '../vision/coco/cocoeval.js';

export interface DetectionFinetuneOptions {
  model: string;
  data: string;
  /** 'DEFAULT' / a published name (COCO weights, downloaded), a checkpoint file, or 'none' (random weights). */
  weights: string;
  epochs: number;
  lr: number;
  momentum: number;
  weightDecay: number;
  batchSize: number;
  /** The learning rate is multiplied by 0.1 every this many epochs. */
  lrStep: number;
  /** Fraction of the images held out for evaluation (at least one image); not used with valData. */
  valFraction: number;
  /** A second COCO-layout folder evaluated after each epoch; every image of `data` then trains. */
  valData?: string;
  /** With weights 'none': the backbone's starting weights (a classifier checkpoint file or a published name). */
  weightsBackbone?: string;
  /** torchvision's trainable_backbone_layers (undefined: the builder's default). */
  trainableBackboneLayers?: number;
  /** Iterations of linear learning-rate warm-up (from lr/1000) in the first epoch, as torchvision's detection
   * reference (engine.train_one_epoch) does; default its min(1000, steps per epoch - 1); 0: none. */
  warmupIters?: number;
  /** Evaluate the starting weights before training: an epoch 0 row (not a candidate for best.pth). */
  evalFirst?: boolean;
  minSize?: number;
  maxSize?: number;
  out: string;
  seed: number;
  /** Stop each training epoch after this many batches (0: all). */
  maxSteps: number;
  log?: (line: string) => void;
}

export interface DetectionEpoch { epoch: number; loss: number; lr: number; boxMap: number; boxMap50: number; maskMap?: number }

type Sample = [torch.Tensor, Record<string, torch.Tensor>];

/** Trains, evaluates each epoch, writes config.json, metrics.jsonl and best.pth into opts.out; returns the epochs. */
export function runDetectionFinetune(o: DetectionFinetuneOptions): DetectionEpoch[] {
  const log = o.log ?? ((l: string) => console.log(l));
  const annFile = join(o.data, 'annotations.json');
  if (!existsSync(annFile)) throw new UserError(`finetune: --task detection needs ${annFile} (COCO layout: annotations.json + images)`);
  if (o.model.startsWith('keypointrcnn')) throw new UserError('finetune: --task detection fine-tunes box and mask models; keypointrcnn_resnet50_fpn is not supported');
  let builder: (opts: Record<string, unknown>) => torch.nn.Module;
  try {
    builder = getModelBuilder(o.model) as typeof builder;
  } catch {
    throw new UserError(`finetune: unknown model '${o.model}'`);
  }
  const family = detectorFamily(o.model);
  if (family === null) {
    throw new UserError(`finetune: --task detection fine-tunes torchvision's detectors (fasterrcnn_*, maskrcnn_*, retinanet_*, fcos_*, ssd300_vgg16, ssdlite320_*), got '${o.model}'`);
  }
  // SSD and SSDlite resize every image to their fixed 300x300 / 320x320 input.
  if ((o.minSize || o.maxSize) && (family === 'ssd' || family === 'ssdlite')) {
    throw new UserError(`finetune: ${o.model} has a fixed input size; --min-size and --max-size cannot be used with it`);
  }
  const isMask = o.model.startsWith('maskrcnn');
  torch.manualSeed(o.seed);

  const train = new vision.datasets.CocoDetectionTargets({ root: o.data, annFile, transforms: new vision.transforms.DetectionPresetTrain({ dataAugmentation: 'hflip' }) });
  const valRoot = o.valData ?? o.data;
  const valAnnFile = join(valRoot, 'annotations.json');
  if (!existsSync(valAnnFile)) throw new UserError(`finetune: --val-data needs ${valAnnFile} (COCO layout: annotations.json + images)`);
  const evalSet = new vision.datasets.CocoDetectionTargets({ root: valRoot, annFile: valAnnFile, transforms: new vision.transforms.DetectionPresetEval() });
  const n = train.length;
  if (n < (o.valData ? 1 : 2)) throw new UserError(`finetune: ${annFile} has ${n} image(s); at least ${o.valData ? 1 : 2} ${o.valData ? 'is' : 'are'} needed${o.valData ? '' : ' (train and validation)'}`);
  const cats = [...train.coco.cats.values()].sort((a, b) => a.id - b.id);
  if (o.valData) {
    const valCats = [...evalSet.coco.cats.values()].sort((a, b) => a.id - b.id);
    const key = (cs: { id: number; name: string }[]): string => JSON.stringify(cs.map((c) => [c.id, c.name]));
    if (key(valCats) !== key(cats)) throw new UserError(`finetune: the categories of ${valAnnFile} (${key(valCats)}) differ from those of ${annFile} (${key(cats)})`);
    if (evalSet.length < 1) throw new UserError(`finetune: ${valAnnFile} has no images`);
  }
  // Labels are COCO category ids, as torchvision's references train: numClasses = largest id + 1 (0 = background).
  const numClasses = Math.max(...cats.map((c) => c.id)) + 1;
  const categories = Array.from({ length: numClasses }, (_, i) => (i === 0 ? '__background__' : cats.find((c) => c.id === i)?.name ?? 'N/A'));
  const order = torch.randperm(n).toArray() as number[];
  const numVal = o.valData ? 0 : Math.max(1, Math.round(n * o.valFraction));
  const valIdx = o.valData ? Array.from({ length: evalSet.length }, (_, i) => i) : order.slice(n - numVal);
  const trainIdx = order.slice(0, n - numVal);

  const extra: Record<string, unknown> = {};
  if (o.minSize) extra.minSize = o.minSize;
  if (o.maxSize) extra.maxSize = o.maxSize;
  if (o.trainableBackboneLayers !== undefined) extra.trainableBackboneLayers = o.trainableBackboneLayers;
  if (o.weightsBackbone !== undefined && o.weights !== 'none') {
    throw new UserError(`finetune: --weights-backbone needs --weights none (detector weights '${o.weights}' replace the backbone's, as in torchvision)`);
  }
  const weightsBackbone = o.weightsBackbone === undefined || o.weightsBackbone === 'none' ? null : o.weightsBackbone;
  // A detector checkpoint file (a torchvision-written one, or an earlier fine-tuning run's best.pth) loads the way a
  // torchvision user loads their own file: builder(weights=None, weights_backbone=None, num_classes=K from the file),
  // then load_state_dict(strict). torchvision's builders take no file, and only its published weights freeze the
  // BatchNorm layers: a checkpoint trained with live BatchNorm (as --weights none trains) diverged under frozen
  // statistics (NaN loss within 20 steps at lr 0.005 and 0.01, warm-up or not). The predictor is swapped below.
  let fileStateDict: Record<string, torch.Tensor> | null = null;
  if (o.weights !== 'none' && existsSync(o.weights)) {
    if (o.trainableBackboneLayers !== undefined) {
      throw new UserError('finetune: --trainable-backbone-layers applies to published weights or --weights-backbone; a checkpoint file trains every layer, as torchvision\'s builder with weights=None does');
    }
    const file = readDetectorCheckpoint(o.weights, o.model, family, 'finetune');
    fileStateDict = file.stateDict;
    Object.assign(extra, file.options);
  }
  let model: torch.nn.Module;
  try {
    if (fileStateDict !== null) {
      model = builder({ weights: null, weightsBackbone: null, ...extra });
      model.loadStateDict(fileStateDict, { strict: true });
    } else {
      model = o.weights === 'none' ? builder({ weights: null, weightsBackbone, ...extra }) : builder({ weights: o.weights, ...extra });
    }
  } catch (e) {
    const which = o.weights === 'none' && weightsBackbone !== null ? `backbone weights '${weightsBackbone}'` : `weights '${o.weights}'`;
    throw new UserError(`finetune: ${o.model} ${which}: ${(e as Error).message.split('\n')[0]}`);
  }
  replaceClassPredictor(model, o.model, numClasses);

  const params = model.parameters().filter((p) => p.requiresGrad);
  const optimizer = new torch.optim.SGD(params, { lr: o.lr, momentum: o.momentum, weightDecay: o.weightDecay });
  const scheduler = new torch.optim.lrScheduler.StepLR(optimizer, { stepSize: o.lrStep, gamma: 0.1 });
  mkdirSync(o.out, { recursive: true });
  writeFileSync(join(o.out, 'config.json'), JSON.stringify({ task: 'detection', model: o.model, weights: o.weights, weightsBackbone, numClasses, categories,
    epochs: o.epochs, lr: o.lr, momentum: o.momentum, weightDecay: o.weightDecay, batchSize: o.batchSize, lrStep: o.lrStep, warmupIters: o.warmupIters ?? null,
    trainImages: trainIdx.length, valImages: valIdx.length, valData: o.valData ?? null, seed: o.seed }, null, 2));
  const metricsPath = join(o.out, 'metrics.jsonl');
  writeFileSync(metricsPath, '');

  const iouTypes: IouType[] = isMask ? ['bbox', 'segm'] : ['bbox'];
  const valSamples: Sample[] = valIdx.map((i) => evalSet.get(i) as Sample);
  const gt = vision.coco.convertToCocoApi(valSamples as never);
  const evaluate = (): Map<IouType, number[]> => {
    model.eval();
    const ev = new vision.coco.CocoEvaluator(gt, iouTypes, { verbose: false });
    for (const [img, t] of valSamples) {
      const out = torch.noGrad(() => model.call([img])) as Record<string, torch.Tensor>[];
      ev.update(new Map([[Number(t.image_id instanceof torch.Tensor ? t.image_id.item() : t.image_id), out[0] as never]]));
    }
    ev.accumulate();
    return ev.summarize();
  };

  const history: DetectionEpoch[] = [];
  const record = (row: DetectionEpoch): void => {
    history.push(row);
    writeFileSync(metricsPath, JSON.stringify(row) + '\n', { flag: 'a' });
  };
  if (o.evalFirst) {
    // The starting point: the weights as loaded, with the new predictor (not a candidate for best.pth).
    const box = evaluate().get('bbox')!;
    const row0: DetectionEpoch = { epoch: 0, loss: NaN, lr: optimizer.paramGroups[0]!.lr as number, boxMap: box[0]!, boxMap50: box[1]! };
    record(row0);
    log(`epoch 0 (before training): box mAP ${row0.boxMap.toFixed(3)} (AP50 ${row0.boxMap50.toFixed(3)})`);
  }
  let best = -1;
  for (let epoch = 1; epoch <= o.epochs; epoch++) {
    model.train();
    const perm = (torch.randperm(trainIdx.length).toArray() as number[]).map((i) => trainIdx[i]!);
    const epochSteps = Math.ceil(perm.length / o.batchSize);
    const steps = o.maxSteps > 0 ? Math.min(epochSteps, o.maxSteps) : epochSteps;
    // torchvision's reference warms the first epoch up with a LinearLR chained onto the step schedule, stepped
    // after every optimizer step: fresh heads on frozen statistics diverge at full lr from the first batches.
    const warmupIters = o.warmupIters ?? Math.min(1000, epochSteps - 1);
    const warmup = epoch === 1 && warmupIters > 0
      ? new torch.optim.lrScheduler.LinearLR(optimizer, { startFactor: 1 / 1000, totalIters: warmupIters }) : null;
    const bar = new ProgressBar({ total: steps, desc: `epoch ${epoch} train`, unit: 'batch' });
    let lossSum = 0;
    for (let s = 0; s < steps; s++) {
      const batch = perm.slice(s * o.batchSize, (s + 1) * o.batchSize).map((i) => train.get(i) as Sample);
      const value = torch.tidy(() => {
        const losses = model.call(batch.map(([img]) => img), batch.map(([, t]) => t)) as Record<string, torch.Tensor>;
        const loss = Object.values(losses).reduce((acc, v) => acc.add(v));
        optimizer.zeroGrad();
        loss.backward();
        optimizer.step();
        return loss.item();
      });
      warmup?.step();
      if (!Number.isFinite(value)) throw new UserError(`finetune: the loss became ${value} at epoch ${epoch}, step ${s + 1}; lower --lr`);
      lossSum += value;
      bar.setPostfix({ loss: value.toFixed(4) });
      bar.update(1);
    }
    bar.close();
    const lr = optimizer.paramGroups[0]!.lr as number;
    scheduler.step();
    const stats = evaluate();
    const box = stats.get('bbox')!;
    const row: DetectionEpoch = { epoch, loss: lossSum / steps, lr, boxMap: box[0]!, boxMap50: box[1]!, ...(isMask ? { maskMap: stats.get('segm')![0]! } : {}) };
    record(row);
    const improved = row.boxMap > best;
    if (improved) {
      best = row.boxMap;
      torch.save(model.stateDict(), join(o.out, 'best.pth'));
    }
    log(`epoch ${epoch}: loss ${row.loss.toFixed(4)}, box mAP ${row.boxMap.toFixed(3)} (AP50 ${row.boxMap50.toFixed(3)})${isMask ? `, mask mAP ${row.maskMap!.toFixed(3)}` : ''}${improved ? ' (best so far: saved best.pth)' : ''}`);
  }
  writeFileAtomic(join(o.out, 'summary.json'), (sink) => sink.write(new TextEncoder().encode(JSON.stringify({ bestBoxMap: best, epochs: history }))));
  return history;
}
