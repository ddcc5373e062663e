// `tstorch finetune <model> --task detection --data DIR [...]`: fine-tunes a torchvision detection model on a
// COCO-layout folder (DIR/annotations.json + the images it names); see src/train/detection-finetune.ts.
import * as torch from '../../index.js';
import { parseArgs, helpText, type OptionSpec } from '../args.js';
import { UserError } from '../errors.js';
import { runDetectionFinetune } from '../../train/detection-finetune.js';

const spec = {
  task: { type: 'string', default: 'detection', help: "'detection'" },
  data: { type: 'string', help: 'folder with annotations.json (COCO instances) and the images (else $TSTORCH_DATA)' },
  weights: { type: 'string', default: 'DEFAULT', help: "starting weights: DEFAULT (torchvision's COCO weights, frozen BatchNorm), a detector checkpoint file (loaded with its own class count as torchvision's builder(weights=None) + load_state_dict: every layer and BatchNorm trains), or 'none' (random)" },
  weightsBackbone: { type: 'string', help: "with --weights none: the backbone's starting weights, a classifier checkpoint file with torchvision's keys (e.g. mobilenet_v3_large's) or a published name (IMAGENET1K_V1, downloaded); default random" },
  trainableBackboneLayers: { type: 'number', integer: true, min: 0, max: 6, help: "backbone stages trained from the top (torchvision's trainable_backbone_layers; default the model's: 3 with pretrained weights, all without)" },
  valData: { type: 'string', path: 'dir', help: 'a second COCO-layout folder to evaluate on (then every image of --data trains and --val-fraction is not used)' },
  evalFirst: { type: 'boolean', default: false, help: 'evaluate the starting weights before training (an epoch 0 row in metrics.jsonl)' },
  epochs: { type: 'number', default: 10, help: 'epochs' },
  lr: { type: 'number', default: 0.005, help: 'SGD learning rate (torchvision tutorial: 0.005)' },
  momentum: { type: 'number', default: 0.9, help: 'SGD momentum' },
  weightDecay: { type: 'number', default: 0.0005, help: 'SGD weight decay' },
  lrStep: { type: 'number', default: 3, help: 'multiply the learning rate by 0.1 every this many epochs' },
  warmupIters: { type: 'number', integer: true, min: 0, help: "first-epoch linear lr warm-up from lr/1000 over this many steps (default torchvision's reference: min(1000, steps per epoch - 1)); 0: none" },
  batchSize: { type: 'number', default: 2, help: 'images per step' },
  valFraction: { type: 'number', help: 'fraction of the images held out for mAP (at least one; default 0.2; not with --val-data)' },
  minSize: { type: 'number', default: 0, help: "the model's resize short side (0: the model's default)" },
  maxSize: { type: 'number', default: 0, help: "the model's resize long-side limit (0: the model's default)" },
  out: { type: 'string', help: 'run folder (default runs/finetune-<model>)' },
  seed: { type: 'number', default: 0, help: 'random seed (split, new heads, shuffling, flips, samplers)' },
  maxSteps: { type: 'number', default: 0, help: 'stop each training epoch after this many steps (0: whole epoch)' },
  threads: { type: 'number', default: 0, help: 'libtorch intra-op threads (0: all cores)' },
} satisfies Record<string, OptionSpec>;

export const help = helpText('finetune', '<model> --task detection --data DIR [options]', spec) +
  '\n\nModels: fasterrcnn_*, maskrcnn_* (new box and mask predictors), retinanet_*, fcos_resnet50_fpn (a new cls_logits conv),\n' +
  'ssd300_vgg16, ssdlite320_mobilenet_v3_large (a new classification head; fixed input size, no --min-size/--max-size).' +
  '\n\nWrites <out>/config.json (categories), metrics.jsonl (loss, box mAP/AP50, mask mAP per epoch), best.pth (the state\n' +
  'dict of the epoch with the best box mAP; `tstorch detect <model> --weights <out>/best.pth` uses it) and summary.json.' +
  '\n\nFrom a backbone classifier instead of detector weights (as torchvision starts from ImageNet weights):\n' +
  '  --weights none --weights-backbone backbone.pth  (a mobilenet_v3_large / resnet50 / vgg16 state dict with torchvision\'s keys)';

export async function run(argv: string[]): Promise<void> {
  const a = parseArgs(argv, spec, 'finetune', { max: 1 });
  if (a.task !== 'detection') throw new UserError(`finetune: --task must be 'classification' or 'detection', got '${a.task}'`);
  const model = a._[0];
  if (!model) throw new UserError("finetune: name a model, e.g. 'tstorch finetune maskrcnn_resnet50_fpn --task detection --data DIR'");
  if (a._.length > 1) throw new UserError(`finetune: unexpected argument '${a._[1]}'`);
  const data = a.data ?? process.env.TSTORCH_DATA;
  if (!data) throw new UserError('finetune: --data DIR is required (a folder with annotations.json and the images)');
  if (a.valData !== undefined && a.valFraction !== undefined) throw new UserError('finetune: --val-fraction cannot be used with --val-data (the images of --val-data are the validation set)');
  const valFraction = a.valFraction ?? 0.2;
  if (!(valFraction > 0 && valFraction < 1)) throw new UserError(`finetune: --val-fraction must be in (0, 1), got ${valFraction}`);
  if (a.weightsBackbone !== undefined && a.weights !== 'none') {
    throw new UserError(`finetune: --weights-backbone needs --weights none (detector weights '${a.weights}' replace the backbone's, as in torchvision)`);
  }
  if (a.threads > 0) torch.setNumThreads(a.threads);
  runDetectionFinetune({
    model, data, weights: a.weights!, epochs: a.epochs, lr: a.lr, momentum: a.momentum, weightDecay: a.weightDecay, batchSize: a.batchSize,
    lrStep: a.lrStep, valFraction, valData: a.valData, evalFirst: a.evalFirst, weightsBackbone: a.weightsBackbone,
    trainableBackboneLayers: a.trainableBackboneLayers, minSize: a.minSize || undefined, maxSize: a.maxSize || undefined,
    out: a.out ?? `runs/finetune-${model}`, seed: a.seed, maxSteps: a.maxSteps, warmupIters: a.warmupIters,
  });
}
