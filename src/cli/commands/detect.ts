// `tstorch detect <model> <images or folders>... --weights DEFAULT|FILE|none --score-thresh 0.5 --out DIR`: runs a
// torchvision detection model on photos and writes, per image, an annotated PNG (boxes with category and score,
// masks, keypoint skeletons) and, for all images, detections.json in the COCO results format (image ids are the
// 1-based positions in images.json, which lists the files with their sizes).
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import * as torch from '../../index.js';
import * as vision from '../../vision/index.js';
import { parseArgs, helpText, type OptionSpec } from '../args.js';
import { UserError } from '../errors.js';
import { listImages } from '../../train/predict.js';
import { ProgressBar } from '../../utils/progress.js';
import { writeFileAtomic } from '../../serialization/atomic.js';
import { getModelBuilder } from '../../vision/models/registry.js';
import { DETECTION_MODEL_WEIGHTS } from '../../vision/models/detection/weights-data.js';
import { COCO_PERSON_SKELETON } from '../../vision/models/detection/coco-categories.js';
import { detectorFamily, readDetectorCheckpoint, scoreThreshOptions, stateDictNumClasses } from '../../train/detector-family.js';
import { prepareForCoco } from '../../vision/coco/coco-evaluator.js';
import type { CocoResult } from '../../vision/coco/coco.js';
import type { IouType } from '../../vision/coco/cocoeval.js';

const spec = {
  weights: { type: 'string', default: 'DEFAULT', help: "DEFAULT, a published name (COCO_V1), a checkpoint file, or 'none' (random weights)" },
  scoreThresh: { type: 'number', default: 0.5, help: 'keep detections with at least this score' },
  out: { type: 'string', default: 'detections', help: 'folder for the annotated PNGs, detections.json and images.json' },
  maskThresh: { type: 'number', default: 0.5, help: 'mask probability above which a pixel belongs to the object' },
  minSize: { type: 'number', default: 0, help: "resize images to this short side before the model (0: the model's default)" },
  maxSize: { type: 'number', default: 0, help: "and at most this long side (0: the model's default)" },
  threads: { type: 'number', default: 0, help: 'libtorch intra-op threads (0: all cores)' },
} satisfies Record<string, OptionSpec>;

export const help = helpText('detect', '<model> <image or folder>... [--weights W] [--score-thresh S] [--out DIR]', spec);

type Detector = torch.nn.Module & { call(images: torch.Tensor[]): Record<string, torch.Tensor>[] };

const PERSON_KEYPOINT_COLOR = 'blue';

/** The categories of a checkpoint file: a config.json beside it with "categories", else COCO's for 91 classes. */
function fileCategories(path: string, numClasses: number | null): string[] | null {
  const cfg = join(dirname(path), 'config.json');
  if (path !== '' && existsSync(cfg)) {
    try {
      const c = JSON.parse(readFileSync(cfg, 'utf8')) as { categories?: string[] };
      if (Array.isArray(c.categories)) return c.categories;
    } catch { /* not ours: fall through */ }
  }
  if (numClasses === 91) return [...vision.models.detection.COCO_CATEGORIES];
  if (numClasses === 2) return [...vision.models.detection.COCO_PERSON_CATEGORIES];
  return null;
}

function loadDetector(name: string, weights: string, o: { minSize: number; maxSize: number; scoreThresh: number }): { model: Detector; categories: string[] | null; source: string } {
  if (!(name in DETECTION_MODEL_WEIGHTS)) {
    throw new UserError(`detect: unknown detection model '${name}' (one of ${Object.keys(DETECTION_MODEL_WEIGHTS).join(', ')})`);
  }
  let builder: (opts: Record<string, unknown>) => torch.nn.Module;
  try {
    builder = getModelBuilder(name) as typeof builder;
  } catch {
    throw new UserError(`detect: model '${name}' is not available in this build of tstorch`);
  }
  const family = detectorFamily(name)!;
  // Every detector drops boxes at or below its own score threshold before NMS (RetinaNet 0.05, FCOS 0.2, ...): lower
  // it, under the family's option name, so that --score-thresh means the same for every model.
  const extra: Record<string, unknown> = scoreThreshOptions(family, o.scoreThresh);
  // SSD and SSDlite resize every image to their fixed 300x300 / 320x320 input.
  if ((o.minSize > 0 || o.maxSize > 0) && (family === 'ssd' || family === 'ssdlite')) {
    throw new UserError(`detect: ${name} has a fixed input size; --min-size and --max-size cannot be used with it`);
  }
  if (o.minSize > 0) extra.minSize = o.minSize;
  if (o.maxSize > 0) extra.maxSize = o.maxSize;
  const isFile = weights.includes('/') || weights.includes('\\') || /\.(pth|pt|bin|ckpt|tar)$/.test(weights);
  if (weights === 'none') {
    const model = builder({ weights: null, weightsBackbone: null, ...extra }) as Detector;
    // Random weights name classes as the architecture's default head does (COCO's 91, or person for keypoints).
    const numClasses = stateDictNumClasses(model.stateDict(), family);
    return { model, categories: fileCategories('', numClasses), source: 'random weights' };
  }
  if (isFile) {
    const file = readDetectorCheckpoint(weights, name, family, 'detect');
    Object.assign(extra, file.options);
    const sd = file.stateDict;
    let model: torch.nn.Module;
    try {
      model = builder({ weights: null, weightsBackbone: null, ...extra });
      model.loadStateDict(sd, { strict: true });
    } catch (e) {
      throw new UserError(`detect: checkpoint '${weights}' does not fit ${name}: ${(e as Error).message.split('\n').slice(0, 2).join(' ')}`);
    }
    return { model: model as Detector, categories: fileCategories(weights, (extra.numClasses as number | undefined) ?? null), source: weights };
  }
  try {
    const model = builder({ weights, ...extra }) as Detector;
    const w = vision.models.getModelWeights(name).get(weights);
    return { model, categories: w.meta.categories ? [...w.meta.categories] : null, source: w.toString() };
  } catch (e) {
    throw new UserError(`detect: ${name} weights '${weights}': ${(e as Error).message.split('\n')[0]}`);
  }
}

/** The annotated picture of one image's detections (uint8 [3, H, W]). */
export function drawDetections(image: torch.Tensor, det: Record<string, torch.Tensor>, categories: readonly string[] | null, maskThresh: number): torch.Tensor {
  let img = image;
  const n = det.boxes!.shape[0]!;
  if (n === 0) return img;
  const labels = det.labels!.toArray() as number[];
  const scores = det.scores!.toArray() as number[];
  const palette = vision.utils.generateColorPalette(Math.max(...labels) + 1);
  const colors = labels.map((l) => palette[l]!);
  if (det.masks) img = vision.utils.drawSegmentationMasks(img, det.masks.select(1, 0).gt(maskThresh), { alpha: 0.5, colors });
  const text = labels.map((l, i) => `${categories?.[l] ?? `class ${l}`} ${scores[i]!.toFixed(2)}`);
  img = vision.utils.drawBoundingBoxes(img, det.boxes!, { labels: text, colors, width: 2 });
  if (det.keypoints) {
    img = vision.utils.drawKeypoints(img, det.keypoints, { connectivity: COCO_PERSON_SKELETON, colors: PERSON_KEYPOINT_COLOR, radius: 3, width: 2 });
  }
  return img;
}

export async function run(argv: string[]): Promise<void> {
  const a = parseArgs(argv, spec, 'detect', { max: Infinity });
  const [name, ...inputs] = a._;
  if (!name) throw new UserError("detect: name a model, e.g. 'tstorch detect maskrcnn_resnet50_fpn photo.jpg'");
  if (inputs.length === 0) throw new UserError('detect: name at least one image file or folder');
  if (!(a.scoreThresh >= 0 && a.scoreThresh <= 1)) throw new UserError(`detect: --score-thresh must be in [0, 1], got ${a.scoreThresh}`);
  if (a.threads > 0) torch.setNumThreads(a.threads);
  const files = listImages(inputs, 'detect');
  if (files.length === 0) throw new UserError(`detect: no image files in ${inputs.join(', ')}`);
  const { model, categories, source } = loadDetector(name, a.weights!, { minSize: a.minSize, maxSize: a.maxSize, scoreThresh: a.scoreThresh });
  if (source === 'random weights') console.error('detect: note: random weights (--weights none); the detections mean nothing');
  model.eval();
  const out = a.out!;
  mkdirSync(out, { recursive: true });
  const results: CocoResult[] = [];
  const images: { id: number; file_name: string; width: number; height: number; annotated: string }[] = [];
  const bar = new ProgressBar({ total: files.length, desc: 'detect', unit: 'img' });
  const used = new Set<string>();
  for (let i = 0; i < files.length; i++) {
    const file = files[i]!;
    let image: torch.Tensor;
    try {
      image = vision.io.readImage(file, 'RGB');
    } catch (e) {
      bar.close();
      throw new UserError(`detect: '${file}' is not an image this build can read: ${(e as Error).message.split('\n')[0]}`);
    }
    const id = i + 1;
    const { picture, n } = torch.tidy(() => torch.noGrad(() => {
      const [d] = model.call([image.float().div(255)]) as Record<string, torch.Tensor>[];
      const keep = d!.scores!.ge(a.scoreThresh).nonzero().select(1, 0);
      const kept: Record<string, torch.Tensor> = {};
      for (const [k, v] of Object.entries(d!)) kept[k] = v.index(keep);
      const forCoco: Record<string, torch.Tensor> = { boxes: kept.boxes!, scores: kept.scores!, labels: kept.labels! };
      const types: IouType[] = ['bbox', ...(kept.masks ? ['segm' as const] : []), ...(kept.keypoints ? ['keypoints' as const] : [])];
      for (const t of types) {
        const rs = prepareForCoco(new Map([[id, { ...forCoco, masks: kept.masks, keypoints: kept.keypoints } as never]]), t);
        if (t === 'bbox') results.push(...rs);
        else rs.forEach((r, j) => Object.assign(results[results.length - rs.length + j]!, t === 'segm' ? { segmentation: r.segmentation } : { keypoints: r.keypoints }));
      }
      return { picture: drawDetections(image, kept, categories, a.maskThresh), n: kept.boxes!.shape[0]! };
    }));
    let stem = basename(file, extname(file));
    while (used.has(stem)) stem += '_';
    used.add(stem);
    const png = join(out, `${stem}.png`);
    const bytes = vision.io.encodePng(picture);
    writeFileAtomic(png, (sink) => sink.write(bytes.dataSync() as Uint8Array));
    images.push({ id, file_name: file, width: image.shape[2]!, height: image.shape[1]!, annotated: png });
    bar.setPostfix({ detections: n });
    bar.update(1);
  }
  bar.close();
  const json = (path: string, v: unknown) => writeFileAtomic(path, (sink) => sink.write(new TextEncoder().encode(JSON.stringify(v))));
  for (const r of results) {
    if (r.bbox) r.bbox = r.bbox.map((x) => Math.round(x * 100) / 100);
    r.score = Math.round(r.score * 1e5) / 1e5;
  }
  json(join(out, 'detections.json'), results);
  json(join(out, 'images.json'), images);
  console.log(`${name} (${source}): ${results.length} detection(s) with score >= ${a.scoreThresh} in ${files.length} image(s); annotated PNGs, detections.json and images.json in ${out}`);
}
