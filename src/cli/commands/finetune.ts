// `tstorch finetune alexnet --data DIR --weights DEFAULT|FILE|none --epochs 10 --lr 1e-4 --freeze features
// --out runs/NAME`: the chapter's transfer-learning exercise for any zoo model (see src/train/finetune-run.ts).
import { parseArgs, helpText, type OptionSpec } from '../args.js';
import { UserError } from '../errors.js';
import { runFinetune } from '../../train/finetune-run.js';
import { useThreads } from '../../train/threads.js';
import { outputDirProblem } from '../../utils/output-path.js';
import { help as detectionHelp } from './finetune-detection.js';

const spec = {
  data: { type: 'string', help: 'folder with train/<class>/* and val/<class>/* images (else $TSTORCH_DATA)' },
  weights: { type: 'string', default: 'DEFAULT', help: "starting weights: DEFAULT, a published name (IMAGENET1K_V1), a checkpoint file, or 'none' (random initialisation)" },
  epochs: { type: 'number', default: 10, help: 'epochs' },
  lr: { type: 'number', default: 1e-4, help: 'SGD learning rate' },
  momentum: { type: 'number', default: 0.9, help: 'SGD momentum' },
  batchSize: { type: 'number', default: 8, help: 'mini-batch size' },
  freeze: { type: 'string', default: 'none', help: "comma-separated submodules to freeze (features, layer1, ...), 'all' (everything but the head) or 'none'" },
  out: { type: 'string', help: 'run folder (default runs/finetune-<model>)' },
  mean: { type: 'numbers', help: "normalisation mean, 3 comma-separated numbers (default: the weights' preprocessing)" },
  std: { type: 'numbers', help: "normalisation std, 3 comma-separated non-zero numbers (default: the weights' preprocessing)" },
  augment: { type: 'boolean', default: true, help: 'RandomResizedCrop + horizontal flip on training images (--no-augment: Resize + CenterCrop)' },
  shuffle: { type: 'boolean', default: true, help: 'reshuffle the training images every epoch' },
  dropout: { type: 'boolean', default: true, help: '--no-dropout sets every Dropout to p=0 (for step-by-step comparisons)' },
  workers: { type: 'number', default: 0, help: 'DataLoader workers (batches prepared ahead)' },
  threads: { type: 'number', default: 0, help: 'libtorch intra-op threads (0: all cores)' },
  seed: { type: 'number', default: 0, help: 'random seed (new head, shuffling, augmentation)' },
  maxSteps: { type: 'number', default: 0, help: 'stop each train and val phase after this many batches (0: whole epoch)' },
  show: { type: 'number', default: 8, help: 'validation images in predictions.png (0: no pictures)' },
  skipBadImages: { type: 'boolean', default: false, help: 'log and skip images that cannot be decoded (corrupt, truncated, too large) instead of stopping' },
} satisfies Record<string, OptionSpec>;

export const help = helpText('finetune', '<model> --data DIR [options]  (detection models: --task detection, see below)', spec) +
  '\n\nWrites <out>/config.json, metrics.jsonl, steps.jsonl, best.pth (state dict; class names in config.json), curves.png,\n' +
  'batch.png (a training batch with class names) and predictions.png ("Prediction: X, Ground Truth: Y").\n\n' +
  '--task detection: fine-tune a detection model on a COCO-layout folder (annotations.json + images):\n\n' + detectionHelp;

export async function run(argv: string[]): Promise<void> {
  // --task detection: a detection model on a COCO-layout folder (its own options: finetune-detection.ts).
  const taskAt = argv.findIndex((x) => x === '--task' || x.startsWith('--task='));
  if (taskAt >= 0) {
    const task = argv[taskAt]!.startsWith('--task=') ? argv[taskAt]!.slice(7) : argv[taskAt + 1];
    if (task === 'detection') return (await import('./finetune-detection.js')).run(argv);
    if (task !== 'classification') throw new UserError(`finetune: --task must be 'classification' or 'detection', got '${task}'`);
    argv = argv.filter((_, i) => i !== taskAt && !(i === taskAt + 1 && !argv[taskAt]!.includes('=')));
  }
  const a = parseArgs(argv, spec, 'finetune', { max: 1 });
  const model = a._[0];
  if (!model) throw new UserError("finetune: name a model, e.g. 'tstorch finetune alexnet --data hymenoptera_data' (see 'tstorch models')");
  const data = a.data ?? process.env.TSTORCH_DATA;
  if (!data) throw new UserError('finetune: --data DIR is required (a folder with train/ and val/ class folders)');
  const out = a.out ?? `runs/finetune-${model}`;
  const outProblem = outputDirProblem(out);
  if (outProblem !== null) throw new UserError(`finetune: --out '${out}': ${outProblem}`);
  useThreads(a.threads, 'finetune');
  await runFinetune({
    model, data, weights: a.weights!, epochs: a.epochs, lr: a.lr, momentum: a.momentum, batchSize: a.batchSize,
    freeze: a.freeze!.split(',').map((s) => s.trim()).filter((s) => s !== ''), out,
    mean: a.mean, std: a.std, augment: a.augment, shuffle: a.shuffle, dropout: a.dropout, skipBadImages: a.skipBadImages,
    workers: a.workers, seed: a.seed, maxSteps: a.maxSteps, showImages: a.show,
  });
}
