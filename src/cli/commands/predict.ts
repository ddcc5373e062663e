// `tstorch predict vgg13 --weights DEFAULT|FILE IMAGES_OR_FOLDERS --topk 5 [--grid out.png] [--json]`: the
// chapter's inference exercise as a tool. Each image gets its weights' preprocessing; the top-k classes are
// ImageNet's for published weights, or a fine-tuned run's own (config.json beside its best.pth).
// With a video model (`tstorch predict r3d_18 clip.mp4 --weights FILE`) each video is sampled and preprocessed
// as its weights were evaluated (clips, frame rate, VideoClassification preset) and gets Kinetics-400's top-k.
import * as torch from '../../index.js';
import { parseArgs, helpText, type OptionSpec } from '../args.js';
import { UserError } from '../errors.js';
import { loadZooModel } from '../../train/pretrained.js';
import { formatPredictions, listImages, predictFiles, predictionGrid, type Prediction } from '../../train/predict.js';
import { isVideoFile, listVideos, predictVideoFiles } from '../../train/predict-video.js';
import { defaultPreset } from '../../train/pretrained.js';
import { getModelWeights } from '../../vision/models/registry.js';
import { clipSampling, type ClipSampling } from '../../vision/models/video/sampling.js';
import { captionedGridAsync } from '../../vision/utils/text.js';
import { writePng } from '../../vision/io/tensor-io.js';
import { useThreads } from '../../train/threads.js';

const spec = {
  weights: { type: 'string', default: 'DEFAULT', help: "DEFAULT, a published name (IMAGENET1K_V1), a checkpoint file (a fine-tuned run's best.pth), or 'none'" },
  topk: { type: 'number', default: 5, help: 'classes to show per image' },
  batchSize: { type: 'number', default: 8, help: 'images per forward pass' },
  grid: { type: 'string', help: 'write a picture of the images with their top-1 class to this PNG file' },
  gridMax: { type: 'number', default: 32, help: 'at most this many images in the picture' },
  json: { type: 'boolean', default: false, help: 'print the predictions as JSON' },
  threads: { type: 'number', default: 0, help: 'libtorch intra-op threads (0: all cores)' },
  clipLen: { type: 'number', help: "video models: frames per clip (default: the weights', e.g. 16)" },
  frameRate: { type: 'number', help: "video models: frames per second the video is resampled to (default: the weights', e.g. 15)" },
  clips: { type: 'number', help: "video models: clips per video, spread uniformly, softmax averaged (default: the weights', e.g. 5)" },
  // checked where it is parsed, before the model is loaded
  engine: { type: 'string', default: 'eager', choices: [...torch.inference.ENGINES, 'auto'], help: 'eager (tstorch), jit (TorchScript, frozen), onnxruntime (needs onnxruntime-node), or auto (times the installed ones, keeps the fastest)' },
} satisfies Record<string, OptionSpec>;

export const help = helpText('predict', '<model> [--weights W] <image, video or folder>... [options]', spec);

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
  const a = parseArgs(argv, spec, 'predict', { max: Infinity });
  const [name, ...inputs] = a._;
  if (!name) throw new UserError("predict: name a model, e.g. 'tstorch predict vgg13 photo.jpg' (see 'tstorch models')");
  if (inputs.length === 0) throw new UserError('predict: name at least one image file or folder');
  useThreads(a.threads, 'predict');
  if (defaultPreset(name).kind === 'VideoClassification') return runVideo(name, inputs, a);
  const videoOnly = (['clipLen', 'frameRate', 'clips'] as const).filter((k) => a[k] !== undefined);
  if (videoOnly.length) throw new UserError(`predict: ${videoOnly.map((k) => '--' + k.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())).join(', ')} apply to video models only, and ${name} classifies images`);
  const videos = inputs.filter((f) => isVideoFile(f));
  if (videos.length) throw new UserError(`predict: ${videos[0]} is a video, and ${name} classifies images; use a video model (r3d_18, mc3_18, r2plus1d_18, s3d, mvit_v1_b, mvit_v2_s)`);
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

type Args = ReturnType<typeof parseArgs<typeof spec>>;

/** The video path: each video sampled as the weights say (or as --clip-len, --frame-rate, --clips say). */
async function runVideo(name: string, inputs: string[], a: Args): Promise<void> {
  if (a.engine !== 'eager') throw new UserError(`predict: --engine ${a.engine} applies to image models; ${name} runs eager (tstorch)`);
  const files = listVideos(inputs);
  if (files.length === 0) throw new UserError(`predict: no video files in ${inputs.join(', ')}`);
  const notVideo = files.find((f) => !isVideoFile(f));
  if (notVideo) throw new UserError(`predict: ${notVideo} is not a video file (${name} classifies videos: .mp4, .avi, .webm, .mkv ...)`);
  const loaded = await loadZooModel(name, a.weights!);
  if (loaded.kind === 'none') console.error('predict: note: random weights (--weights none); the classes mean nothing');
  const base: ClipSampling = clipSampling(getModelWeights(name).DEFAULT);
  const sampling: ClipSampling = { clipLen: a.clipLen ?? base.clipLen, frameRate: a.frameRate ?? base.frameRate, clipsPerVideo: a.clips ?? base.clipsPerVideo };
  const shown: torch.Tensor[] = [];
  const captions: string[] = [];
  const preds = await predictVideoFiles(loaded.model, files, loaded.preprocess, {
    ...sampling, topk: a.topk, batchSize: a.batchSize, classes: loaded.classes,
    onVideo: a.grid ? (clips, p) => pictureRow(clips, p, shown, captions, a.gridMax) : undefined,
  });
  if (a.json) {
    console.log(JSON.stringify({ model: name, weights: loaded.source, sampling, predictions: preds }, null, 2));
  } else {
    console.log(`${name} (${loaded.source}; ${sampling.clipsPerVideo} clip(s) of ${sampling.clipLen} frames at ${sampling.frameRate} fps per video):`);
    console.log(formatPredictions(preds));
  }
  if (a.grid) {
    const img = await captionedGridAsync(shown, { captions, nrow: 4, fontSize: 12 });
    writePng(img, a.grid);
    for (const t of shown) t.dispose();
    if (!a.json) console.log(`picture of ${captions.length / 4} video(s), 4 frames each, with their top-1 class in ${a.grid}`);
  }
}

/** One row of the picture per video: 4 frames of its middle sampled clip, the first captioned with the top-1 class. */
function pictureRow(clips: torch.Tensor[], p: Prediction, shown: torch.Tensor[], captions: string[], max: number): void {
  if (shown.length / 4 >= max) return;
  const clip = clips[Math.floor(clips.length / 2)]!;
  const t = clip.shape[0]!;
  for (let j = 0; j < 4; j++) {
    shown.push(torch.keep(clip.select(0, Math.floor((j * (t - 1)) / 3)).clone()));
    captions.push(j === 0 ? `${p.top[0]!.label} (${(100 * p.top[0]!.probability).toFixed(1)} %)` : '');
  }
}
