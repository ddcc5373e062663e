// Classifying image files with a zoo model: each image goes through its weights' preprocessing (resize,
// centre crop, normalise: torchvision's ImageClassification preset), folders are read in batches, and the
// result is the top-k class names with their softmax probabilities, plus an optional picture of the
// images with their top-1 class.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as torch from '../index.js';
import * as T from '../vision/transforms/index.js';
import { Resize, type InterpolationMode } from '../vision/transforms/image-geometry.js';
import { openImage } from '../vision/io/decode.js';
import { isImageFile } from '../vision/datasets/folder.js';
import { captionedGridAsync } from '../vision/utils/text.js';
import { writePng } from '../vision/io/tensor-io.js';
import type { ClassificationTransformParams } from '../vision/models/weights.js';
import type { Module } from '../nn/module.js';
import { logitsOf } from './classifier.js';
import { UserError } from '../cli/errors.js';

export interface TopK {
  index: number;
  label: string;
  probability: number;
}

export interface Prediction {
  file: string;
  top: TopK[];
}

/**
 * The files named by `inputs` that `accept` takes (by name): files as given, folders walked recursively in sorted
 * order. A missing path is a UserError naming the command.
 */
export function listInputFiles(inputs: readonly string[], accept: (name: string) => boolean, command = 'predict'): string[] {
  const out: string[] = [];
  const visit = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) visit(p);
      else if (accept(name)) out.push(p);
    }
  };
  for (const input of inputs) {
    let st;
    try {
      st = statSync(input);
    } catch {
      throw new UserError(`${command}: no such file or folder '${input}'`);
    }
    if (st.isDirectory()) visit(input);
    else out.push(input);
  }
  return out;
}

/** The image files named by `inputs` (see listInputFiles). */
export function listImages(inputs: readonly string[], command = 'predict'): string[] {
  return listInputFiles(inputs, isImageFile, command);
}

/** torchvision's ImageClassification preset as a Compose: Resize, CenterCrop, ToTensor, Normalize. */
export function inferenceTransform(p: ClassificationTransformParams): T.Compose {
  return new T.Compose([
    new Resize(p.resizeSize.length === 1 ? p.resizeSize[0]! : p.resizeSize, { interpolation: p.interpolation as InterpolationMode }),
    new T.CenterCrop(p.cropSize.length === 1 ? p.cropSize[0]! : p.cropSize),
    new T.ToTensor(),
    new T.Normalize(p.mean, p.std),
  ]);
}

export interface PredictOptions {
  topk?: number;
  batchSize?: number;
  /** Class names for the outputs (default: "class N"). */
  classes?: readonly string[] | null;
  /** Runs each batch instead of the module (an inference engine from torch.inference.compile). */
  engine?: { run(batch: torch.Tensor): Promise<torch.Tensor> };
  /** Called with each batch's inputs and predictions (for pictures). */
  onBatch?: (x: torch.Tensor, preds: Prediction[]) => void | Promise<void>;
}

/** The top-k classes of a batch of logits, as softmax probabilities. */
export function topk(logits: torch.Tensor, k: number, classes: readonly string[] | null | undefined): TopK[][] {
  return torch.tidy(() => {
    const n = logits.shape[1]!;
    const kk = Math.min(k, n);
    const probs = logits.softmax(1);
    const { values, indices } = probs.topk(kk, 1);
    const v = values.toArray() as number[][], ix = indices.toArray() as number[][];
    return v.map((row, r) => row.map((p, j) => {
      const index = ix[r]![j]!;
      return { index, label: classes?.[index] ?? `class ${index}`, probability: p };
    }));
  });
}

/** Classifies image files in batches with a model in eval mode and inference mode. */
export async function predictFiles(model: Module, files: readonly string[], preprocess: ClassificationTransformParams, o: PredictOptions = {}): Promise<Prediction[]> {
  const k = o.topk ?? 5;
  if (!Number.isInteger(k) || k < 1) throw new UserError(`predict: --topk must be a positive integer, got ${k}`);
  const bs = o.batchSize ?? 8;
  if (!Number.isInteger(bs) || bs < 1) throw new UserError(`predict: --batch-size must be a positive integer, got ${bs}`);
  const tf = inferenceTransform(preprocess);
  model.eval();
  const out: Prediction[] = [];
  for (let i = 0; i < files.length; i += bs) {
    const chunk = files.slice(i, i + bs);
    // decoding overlaps on sharp's threads; the transforms then run in order
    const images = await Promise.all(chunk.map(async (f) => {
      try {
        return await openImage(f, { mode: 'RGB' });
      } catch (e) {
        // decoding errors name the file already
        const msg = (e as Error).message;
        throw new UserError(`predict: ${msg.includes(f) ? msg : `cannot read image '${f}': ${msg}`}`);
      }
    }));
    const x = torch.stack(images.map((img) => tf.call(img) as torch.Tensor));
    let tops: TopK[][];
    if (o.engine) {
      const logits = await o.engine.run(x);
      tops = topk(logits, k, o.classes);
      logits.dispose();
    } else {
      tops = torch.inferenceMode(() => torch.tidy(() => topk(logitsOf(model.call(x)), k, o.classes)));
    }
    const preds = chunk.map((file, j) => ({ file, top: tops[j]! }));
    out.push(...preds);
    if (o.onBatch) await o.onBatch(x, preds);
    x.dispose();
  }
  return out;
}

/** A picture of (preprocessed) images, each captioned with its top-1 class and probability. */
export async function predictionGrid(images: torch.Tensor, preds: readonly Prediction[], preprocess: ClassificationTransformParams, path: string): Promise<void> {
  const captions = preds.map((p) => `${p.top[0]!.label} (${(100 * p.top[0]!.probability).toFixed(1)} %)`);
  const img = await captionedGridAsync(images, { captions, nrow: Math.min(preds.length, 4), mean: preprocess.mean, std: preprocess.std, fontSize: 12 });
  writePng(img, path);
}

/** The predictions as text: one block per image, `  label  probability` per line. */
export function formatPredictions(preds: readonly Prediction[]): string {
  return preds.map((p) => [p.file, ...p.top.map((t) => `  ${(100 * t.probability).toFixed(2).padStart(6)} %  ${t.label}`)].join('\n')).join('\n');
}
