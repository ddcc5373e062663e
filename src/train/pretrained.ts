// A zoo model with the weights a user names on the command line: a published checkpoint ('DEFAULT',
// 'IMAGENET1K_V1'; from torch.hub's cache or downloaded), a checkpoint file (PyTorch's or a fine-tuned run's,
// whose class names and preprocessing are read from the config.json beside it), or 'none' (torchvision's
// random initialisation). Also returns the class names and the inference preprocessing that go with them.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Module, StateDict } from '../nn/module.js';
import { getModel, getModelWeights } from '../vision/models/registry.js';
import '../vision/models/index.js';
import { classificationModels, inputSizeOptions } from './zoo-names.js';
import { checkpointsDir } from '../vision/models/weights-hub.js';
import { addMissingBatchCounters, type ClassificationTransformParams, type Weights } from '../vision/models/weights.js';
import { remapLegacyDenseNetKeys } from '../vision/models/densenet.js';
import { IMAGENET_CLASSES } from '../vision/models/imagenet-classes.js';
import { loadCheckpointStateDict } from './checkpoint.js';
import { configBeside, type RunConfig } from './run-dir.js';
import { hasClassificationHead, headWeightKey } from './finetune.js';
import { UserError } from '../cli/errors.js';

export interface LoadedModel {
  model: Module;
  name: string;
  /** Class names for the model's outputs; null when unknown (random weights). */
  classes: string[] | null;
  preprocess: ClassificationTransformParams;
  /** What was loaded, for messages ('AlexNet_Weights.IMAGENET1K_V1', a path, 'random initialisation'). */
  source: string;
  kind: 'published' | 'file' | 'none';
  /** The fine-tuning run's config when the file came from one. */
  runConfig: RunConfig | null;
}

/** ImageNet's preprocessing (torchvision's ImageClassification defaults), for models without published weights. */
const IMAGENET_PRESET: ClassificationTransformParams = {
  kind: 'ImageClassification', cropSize: [224], resizeSize: [256], mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], interpolation: 'bilinear',
};

export function checkModelName(name: string): void {
  const names = classificationModels();
  if (!names.includes(name)) throw new UserError(`unknown model '${name}': expected one of ${names.join(', ')} (see 'tstorch models')`);
}

/** The preprocessing of a model's default published weights (Inception v3: resize 342, crop 299; others 256/224). */
export function defaultPreset(name: string): ClassificationTransformParams {
  let p: ClassificationTransformParams;
  try {
    p = getModelWeights(name).DEFAULT.transformParams;
  } catch {
    return structuredClone(IMAGENET_PRESET);
  }
  if (p.kind === 'SemanticSegmentation') throw new UserError(`'${name}' is a segmentation model (see 'tstorch segment')`);
  return structuredClone(p);
}

/** The categories of a model's default published weights (Kinetics-400's for video models) when their count fits. */
function defaultCategories(name: string, numClasses: number): string[] | null {
  try {
    const cats = getModelWeights(name).DEFAULT.meta.categories;
    return cats && cats.length === numClasses ? [...cats] : null;
  } catch {
    return null;
  }
}

export function isWeightsFile(arg: string): boolean {
  return arg.includes('/') || arg.includes('\\') || /\.(pth|pt|bin|ckpt|tar|safetensors)$/i.test(arg) || existsSync(arg);
}

function publishedWeights(name: string, arg: string): Weights<unknown> {
  let e;
  try {
    e = getModelWeights(name);
  } catch {
    throw new UserError(`--weights ${arg}: model '${name}' has no published weights; pass a checkpoint file or 'none'`);
  }
  let w: Weights<unknown>;
  try {
    w = e.get(arg);
  } catch (err) {
    throw new UserError(`--weights: ${(err as Error).message}, a checkpoint file, or 'none'`);
  }
  if (w.transformParams.kind === 'SemanticSegmentation') throw new UserError(`--weights ${arg}: ${w} are segmentation weights (see 'tstorch segment')`);
  return w as Weights;
}

/**
 * The checkpoint file of published weights: from torch.hub's cache, else downloaded. Offline, a UserError that
 * says where to put the file and which other choices there are.
 */
export async function fetchPublished(w: Weights<unknown>, opts: { progress?: boolean; allowNone?: boolean } = {}): Promise<string> {
  const cached = join(checkpointsDir(), w.fileName);
  if (existsSync(cached)) return cached;
  try {
    return await w.download({ progress: opts.progress ?? true });
  } catch (e) {
    const first = ((e as Error).message.split('\n')[0] ?? '').replace(/\.$/, '');
    throw new UserError(`no pretrained weights can be had for ${w}: ${first}.\n` +
      `  Put ${w.fileName} into ${checkpointsDir()} by hand (or set $TORCH_HOME), or pass --weights FILE` +
      (opts.allowNone ? `, or --weights none to start from torchvision's random initialisation.` : '.'));
  }
}

function fromStateDict(name: string, sd: StateDict, path: string): Module {
  const extra: Record<string, unknown> = {};
  if (name === 'googlenet') extra.auxLogits = Object.keys(sd).some((k) => k.startsWith('aux1.'));
  if (name === 'inception_v3') extra.auxLogits = Object.keys(sd).some((k) => k.startsWith('AuxLogits.'));
  // a ViT is built for the image size its position embeddings were trained at (grid side x patch size)
  const pos = sd['encoder.pos_embedding'], proj = sd['conv_proj.weight'];
  if (name.startsWith('vit_') && pos && proj && pos.ndim === 3 && proj.ndim === 4) extra.imageSize = Math.round(Math.sqrt(pos.shape[1]! - 1)) * proj.shape[2]!;
  const probe = getModel(name, { ...extra, weights: null });
  if (!hasClassificationHead(name)) return loadInto(probe, name, sd, path);
  const key = headWeightKey(name, probe);
  const head = sd[key];
  if (!head) throw new UserError(`${path}: no '${key}' in the checkpoint, so it is not a ${name} state dict (first keys: ${Object.keys(sd).slice(0, 4).join(', ')})`);
  const numClasses = head.shape[0]!;
  // the builder's default head (ImageNet's 1000 classes, Kinetics' 400 for video models) is reused when it fits
  const model = numClasses === probe.stateDict()[key]!.shape[0] ? probe : getModel(name, { ...extra, numClasses, weights: null });
  return loadInto(model, name, name.startsWith('densenet') ? remapLegacyDenseNetKeys(sd) : sd, path);
}

function loadInto(model: Module, name: string, sd: StateDict, path: string): Module {
  try {
    model.loadStateDict(addMissingBatchCounters(model, sd));
  } catch (e) {
    throw new UserError(`${path} does not fit ${name}: ${(e as Error).message}`);
  }
  return model;
}

/**
 * Builds `name` with the weights named by `arg`: a published name ('DEFAULT', 'IMAGENET1K_V1'), a checkpoint path,
 * or 'none'. `allowNone` adds the --weights none hint to the offline message.
 */
export async function loadZooModel(name: string, arg: string, opts: { progress?: boolean; allowNone?: boolean } = {}): Promise<LoadedModel> {
  checkModelName(name);
  if (arg === 'none') {
    const preset = defaultPreset(name);
    const model = getModel(name, { weights: null, ...inputSizeOptions(name, preset.cropSize[0]!) });
    return { model, name, classes: null, preprocess: preset, source: 'random initialisation', kind: 'none', runConfig: null };
  }
  if (isWeightsFile(arg)) {
    if (!existsSync(arg)) throw new UserError(`--weights: checkpoint file '${arg}' does not exist`);
    const sd = loadCheckpointStateDict(arg);
    const model = fromStateDict(name, sd, arg);
    const cfg = configBeside(arg);
    if (!hasClassificationHead(name)) {
      return { model, name, classes: null, preprocess: defaultPreset(name), source: arg, kind: 'file', runConfig: null };
    }
    const numClasses = sd[headWeightKey(name, model)]!.shape[0]!;
    let classes: string[] | null = null;
    if (cfg && Array.isArray(cfg.classes) && cfg.classes.length === numClasses) classes = [...cfg.classes];
    else if (numClasses === 1000) classes = [...IMAGENET_CLASSES];
    else classes = defaultCategories(name, numClasses);
    const preset = defaultPreset(name);
    const size = (model as { imageSize?: number }).imageSize;
    if (name.startsWith('vit_') && size !== undefined && size !== preset.cropSize[0]) {
      // the checkpoint's resolution, the default preset's proportions (resize / crop)
      preset.resizeSize = [Math.round((size * preset.resizeSize[0]!) / preset.cropSize[0]!)];
      preset.cropSize = [size];
    }
    const p = (cfg?.preprocess ?? null) as Partial<ClassificationTransformParams> | null;
    return { model, name, classes, preprocess: p ? { ...preset, ...p } : preset, source: arg, kind: 'file', runConfig: cfg };
  }
  const w = publishedWeights(name, arg);
  await fetchPublished(w, opts);
  const model = getModel(name, { weights: w, progress: opts.progress ?? true });
  return { model, name, classes: w.meta.categories ? [...w.meta.categories] : null, preprocess: structuredClone(w.transformParams), source: String(w), kind: 'published', runConfig: null };
}
