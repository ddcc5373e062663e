// Semantic segmentation of image files with a segmentation model of the zoo (FCN, DeepLabV3, LR-ASPP): each
// photo goes through the weights' SemanticSegmentation preset, the model's 'out' map is turned into a class per
// pixel (argmax), scaled back to the photo's size (nearest neighbour), counted per class, and drawn over the
// photo in the PASCAL VOC colours with a legend.
import { existsSync } from 'node:fs';
import * as torch from '../index.js';
import type { Module } from '../nn/module.js';
import { interpolate } from '../nn/functional/upsampling.js';
import { getModel, getModelWeights } from '../vision/models/registry.js';
import { segmentationModels } from './zoo-names.js';
import * as segmentation from '../vision/models/segmentation/index.js';
import { SemanticSegmentation, type SegmentationTransformParams } from '../vision/models/segmentation/preset.js';
import { presetArgs, type Weights } from '../vision/models/weights.js';
import { openImage } from '../vision/io/decode.js';
import { createImage, imageToTensor, tensorToImage, type RGBImage } from '../vision/io/image.js';
import { drawTextAsync, textWidth } from '../vision/utils/text.js';
import { drawSegmentationMasks } from '../vision/utils/draw.js';
import { ProgressBar } from '../utils/progress.js';
import { UserError } from '../cli/errors.js';
import { fetchPublished, isWeightsFile } from './pretrained.js';

export interface LoadedSegmentationModel {
  model: Module;
  name: string;
  classes: string[];
  preprocess: SegmentationTransformParams;
  /** What was loaded: 'DeepLabV3_ResNet50_Weights.COCO_WITH_VOC_LABELS_V1', a path, 'random initialisation'. */
  source: string;
}

function classNames(n: number): string[] {
  return n === segmentation.VOC_CATEGORIES.length ? [...segmentation.VOC_CATEGORIES] : Array.from({ length: n }, (_, i) => `class ${i}`);
}

/** Builds `name` with published weights ('DEFAULT', 'COCO_WITH_VOC_LABELS_V1'), a checkpoint file, or 'none'. */
export async function loadSegmentationModel(name: string, arg: string, opts: { progress?: boolean } = {}): Promise<LoadedSegmentationModel> {
  const names = segmentationModels();
  if (!names.includes(name)) throw new UserError(`unknown segmentation model '${name}': expected one of ${names.join(', ')}`);
  const e = getModelWeights(name);
  const preprocess = structuredClone(e.DEFAULT.transformParams) as unknown as SegmentationTransformParams;
  if (arg === 'none') {
    const model = getModel(name, { weights: null, weightsBackbone: null });
    return { model, name, classes: classNames(21), preprocess, source: 'random initialisation' };
  }
  if (isWeightsFile(arg)) {
    if (!existsSync(arg)) throw new UserError(`--weights: checkpoint file '${arg}' does not exist`);
    let model: Module;
    try {
      model = getModel(name, { weights: arg });
    } catch (err) {
      throw new UserError(`${arg} does not fit ${name}: ${(err as Error).message.split('\n').join(' ')}`);
    }
    const out = (model as unknown as { classifier: Module }).classifier;
    const last = out.parameters().filter((p) => p.ndim === 4).at(-1);
    return { model, name, classes: classNames(last?.shape[0] ?? 21), preprocess, source: arg };
  }
  let w: Weights<unknown>;
  try {
    w = e.get(arg);
  } catch (err) {
    throw new UserError(`--weights: ${(err as Error).message}, a checkpoint file, or 'none'`);
  }
  await fetchPublished(w, opts);
  const model = getModel(name, { weights: w, progress: opts.progress ?? true });
  return { model, name, classes: [...w.meta.categories!], preprocess: structuredClone(w.transformParams) as unknown as SegmentationTransformParams, source: String(w) };
}

/** The PASCAL VOC colour map: class i's colour from the bits of i (the colours VOC's mask PNGs use). */
export function vocColormap(n: number): [number, number, number][] {
  return Array.from({ length: n }, (_, i) => {
    let r = 0, g = 0, b = 0, c = i;
    for (let j = 0; j < 8; j++) {
      r |= ((c >> 0) & 1) << (7 - j);
      g |= ((c >> 1) & 1) << (7 - j);
      b |= ((c >> 2) & 1) << (7 - j);
      c >>= 3;
    }
    return [r, g, b];
  });
}

export interface SegmentedImage {
  file: string;
  width: number;
  height: number;
  /** Pixels of each class present, in class order, at the photo's size. */
  pixels: Record<string, number>;
}

export interface SegmentOptions {
  /** Opacity of the colours over the photo (default 0.6). */
  alpha?: number;
  /** Called with each photo, its class map (uint8 H x W at the photo's size) and its counts. */
  onImage?: (image: RGBImage, classMap: torch.Tensor, result: SegmentedImage) => void | Promise<void>;
  progress?: boolean;
}

/** Segments image files one at a time (photos differ in size) with the model in eval and inference mode. */
export async function segmentFiles(loaded: LoadedSegmentationModel, files: readonly string[], o: SegmentOptions = {}): Promise<SegmentedImage[]> {
  const preset = new SemanticSegmentation(presetArgs(loaded.preprocess, ['resizeSize', 'mean', 'std', 'interpolation']));
  const model = loaded.model.eval();
  const bar = new ProgressBar({ total: files.length, desc: 'segment', unit: 'img', disable: o.progress === false });
  const results: SegmentedImage[] = [];
  try {
    for (const file of files) {
      let img: RGBImage;
      try {
        img = await openImage(file, { mode: 'RGB' });
      } catch (e) {
        throw new UserError(`segment: cannot read image '${file}': ${(e as Error).message}`);
      }
      const classMap = torch.inferenceMode(() => torch.tidy(() => {
        const x = (preset.call(img) as torch.Tensor).unsqueeze(0);
        const out = (model.call(x) as { out: torch.Tensor }).out;
        const labels = out.argmax(1, true).to('float32');
        // back to the photo's size; nearest neighbour keeps class indices whole
        return interpolate(labels, { size: [img.height, img.width], mode: 'nearest' }).squeeze(0).squeeze(0).to('uint8');
      }));
      const counts = torch.inferenceMode(() => torch.tidy(() => classMap.flatten().to('int64').bincount({ minlength: loaded.classes.length }).toArray() as number[]));
      const pixels: Record<string, number> = {};
      counts.forEach((c, i) => { if (c > 0) pixels[loaded.classes[i] ?? `class ${i}`] = c; });
      const result = { file, width: img.width, height: img.height, pixels };
      results.push(result);
      if (o.onImage) await o.onImage(img, classMap, result);
      classMap.dispose();
      bar.update(1);
    }
  } finally {
    bar.close();
  }
  return results;
}

/**
 * The photo with every non-background class painted over it in its VOC colour (alpha), and a legend strip below
 * with each class present, its colour and its share of the pixels.
 */
export async function segmentationPicture(img: RGBImage, classMap: torch.Tensor, result: SegmentedImage, classes: readonly string[], alpha = 0.6): Promise<RGBImage> {
  const colors = vocColormap(classes.length);
  const present = Object.keys(result.pixels).map((n) => classes.indexOf(n)).filter((i) => i > 0);
  const overlaid = torch.tidy(() => {
    const image = imageToTensor(img);
    if (present.length === 0) return image;
    const masks = torch.stack(present.map((c) => classMap.eq(c)));
    return drawSegmentationMasks(image, masks, { alpha, colors: present.map((c) => colors[c]!) });
  });
  const photo = tensorToImage(overlaid);
  overlaid.dispose();
  // the legend: a swatch and "name  12.3 %" per class present (background included), wrapped to the photo's width
  const fontSize = Math.max(11, Math.min(20, Math.round(img.width / 40)));
  const total = img.width * img.height;
  const items = Object.entries(result.pixels).map(([name, n]) => ({ name, c: classes.indexOf(name), text: `${name}  ${(100 * n / total).toFixed(1)} %` }));
  const sw = fontSize, gap = Math.round(fontSize * 0.8), rowH = Math.round(fontSize * 1.6);
  const rows: { x: number; item: (typeof items)[number] }[][] = [[]];
  let x = gap;
  for (const it of items) {
    const w = sw + 6 + textWidth(it.text, fontSize) + gap;
    if (x + w > img.width && rows[rows.length - 1]!.length > 0) { rows.push([]); x = gap; }
    rows[rows.length - 1]!.push({ x, item: it });
    x += w;
  }
  const legendH = rows.length * rowH + gap;
  const canvas = createImage(img.width, img.height + legendH, 3);
  canvas.data.set(photo.data.subarray(0, img.width * img.height * 3));
  canvas.data.fill(255, img.width * img.height * 3);
  rows.forEach((row, r) => {
    for (const { x: x0, item } of row) {
      const color = item.c >= 0 ? colors[item.c]! : [128, 128, 128];
      const y0 = img.height + gap / 2 + r * rowH + Math.round((rowH - sw) / 2);
      for (let yy = Math.round(y0); yy < Math.round(y0) + sw; yy++) {
        for (let xx = Math.round(x0); xx < Math.min(img.width, Math.round(x0) + sw); xx++) {
          const p = (yy * img.width + xx) * 3;
          // a dark outline so that the black of the background class shows as a swatch
          const edge = yy === Math.round(y0) || yy === Math.round(y0) + sw - 1 || xx === Math.round(x0) || xx === Math.round(x0) + sw - 1;
          canvas.data[p] = edge ? 64 : color[0]!;
          canvas.data[p + 1] = edge ? 64 : color[1]!;
          canvas.data[p + 2] = edge ? 64 : color[2]!;
        }
      }
    }
  });
  const texts = rows.flatMap((row, r) => row.map(({ x: x0, item }) => ({
    text: item.text, x: Math.round(x0 + sw + 6), y: Math.round(img.height + gap / 2 + r * rowH + (rowH - fontSize * 1.15) / 2), fontSize,
  })));
  return texts.length ? drawTextAsync(canvas, texts) : canvas;
}

/** The per-class pixel counts as text: one block per photo, `  name  pixels  percent` per class present. */
export function formatSegmentation(results: readonly SegmentedImage[]): string {
  return results.map((r) => {
    const total = r.width * r.height;
    const w = Math.max(...Object.keys(r.pixels).map((k) => k.length), 5);
    return [`${r.file} (${r.width}x${r.height})`, ...Object.entries(r.pixels).map(([k, n]) =>
      `  ${k.padEnd(w)}  ${String(n).padStart(9)} px  ${(100 * n / total).toFixed(2).padStart(6)} %`)].join('\n');
  }).join('\n');
}
