// `tstorch predict vgg13 --weights DEFAULT|FILE IMAGES_OR_FOLDERS --topk 5 [--grid out.png] [--json]`: the
// chapter's inference exercise as a tool. Each image gets its weights' preprocessing; the top-k classes are
// ImageNet's for published weights, or a fine-tuned run's own (config.json beside its best.pth).
import * as torch from '../../index.js';
import { parseArgs, helpText, type OptionSpec } from '../args.js';
import { UserError } from '../errors.js';
import { loadZooModel } from '../../train/pretrained.js';
import { formatPredictions, listImages, predictFiles, predictionGrid } from '../../train/predict.js';

const spec = {
  weights: { type: 'string', default: 'DEFAULT', help: "DEFAULT, a published name (IMAGENET1K_V1), a checkpoint file (a fine-tuned run's best.pth), or 'none'" },
  topk: { type: 'number', default: 5, help: 'classes to show per image' },
  batchSize: { type: 'number', default: 8, help: 'images per forward pass' },
  grid: { type: 'string', help: 'write a picture of the images with their top-1 class to this PNG file' },
  gridMax: { type: 'number', default: 32, help: 'at most this many images in the picture' },
  json: { type: 'boolean', default: false, help: 'print the predictions as JSON' },
  threads: { type: 'number', default: 0, help: 'libtorch intra-op threads (0: all cores)' },
  engine: { type: 'string', default: 'eager', help: 'eager (tstorch), jit (TorchScript, frozen), onnxruntime (needs onnxruntime-node), or auto (times the installed ones, keeps the fastest)' },
} satisfies Record<string, OptionSpec>;

export const help = helpText('predict', '<model> [--weights W] <image or folder>... [options]', spec);

/** The engine named by --engine, compiled for batches of [batch, 3, crop, crop]; progress goes to stderr. */
async function compileEngine(model: torch.nn.Module, name: string, batch: number, crop: readonly number[]): Promise<torch.inference.InferenceEngine> {
  if (![...torch.inference.ENGINES, 'auto'].includes(name)) {
    throw new UserError(`predict: --engine must be one of ${[...torch.inference.ENGINES, 'auto'].join(', ')}, got '${name}'`);
  }
  const [h, w] = crop.length === 1 ? [crop[0]!, crop[0]!] : [crop[0]!, crop[1]!];
  const exampleInput = torch.zeros([batch, 3, h, w]);
  try {
    return await torch.inference.compile(model, {
      engine: name as torch.inference.EngineName | 'auto', exampleInput,
      onProgress: (line) => console.error(`predict: ${line}`),
    });
  } catch (e) {
    throw new UserError(`predict: engine ${name}: ${(e as Error).message}`);
  } finally {
    exampleInput.dispose();
  }
}

export async function run(argv: string[]): Promise<void> {
  const a = parseArgs(argv, spec, 'predict');
  const [name, ...inputs] = a._;
  if (!name) throw new UserError("predict: name a model, e.g. 'tstorch predict vgg13 photo.jpg' (see 'tstorch models')");
  if (inputs.length === 0) throw new UserError('predict: name at least one image file or folder');
  if (a.threads > 0) torch.setNumThreads(a.threads);
  const files = listImages(inputs);
  if (files.length === 0) throw new UserError(`predict: no image files in ${inputs.join(', ')}`);
  const loaded = await loadZooModel(name, a.weights!);
  if (loaded.kind === 'none') console.error('predict: note: random weights (--weights none); the classes mean nothing');
  const engine = await compileEngine(loaded.model, a.engine!, Math.min(a.batchSize, files.length), loaded.preprocess.cropSize);
  const shown: torch.Tensor[] = [];
  const shownPreds: Parameters<typeof predictionGrid>[1][number][] = [];
  const preds = await predictFiles(loaded.model, files, loaded.preprocess, {
    topk: a.topk, batchSize: a.batchSize, classes: loaded.classes, engine: engine.engine === 'eager' ? undefined : engine,
    onBatch: a.grid ? (x, p) => {
      for (let j = 0; j < p.length && shown.length < a.gridMax; j++) {
        shown.push(torch.keep(x.select(0, j).clone()));
        shownPreds.push(p[j]!);
      }
    } : undefined,
  });
  engine.dispose();
  if (a.json) {
    console.log(JSON.stringify({ model: name, weights: loaded.source, engine: engine.engine, predictions: preds }, null, 2));
  } else {
    console.log(`${name} (${loaded.source}, engine ${engine.engine}):`);
    console.log(formatPredictions(preds));
  }
  if (a.grid) {
    const x = torch.stack(shown);
    await predictionGrid(x, shownPreds, loaded.preprocess, a.grid);
    x.dispose();
    for (const t of shown) t.dispose();
    if (!a.json) console.log(`picture of ${shown.length} image(s) with their top-1 class in ${a.grid}`);
  }
}
