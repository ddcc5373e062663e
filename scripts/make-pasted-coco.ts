// A small real-photo detection data set in COCO layout, for `tstorch finetune <model> --task detection`: bee photos
// (hymenoptera_data's bees) resized and pasted at seeded places and scales onto ant photos (its ants), 1-3 bees per
// image, never overlapping; each pasted rectangle is one 'bee' instance (box, polygon mask, area). No network is
// needed and every photo is used once, so a held-out image shows a background and bees that training never saw.
// `--objects ants` swaps the roles (ants pasted onto bee photos, category 'ant'): a second task for fine-tuning a
// detector trained on the first, as torchvision's tutorial fine-tunes a COCO detector for new classes.
//
//   node --import tsx scripts/make-pasted-coco.ts --out DIR [--images 96] [--size 320] [--seed 0] [--from train|val|all] [--objects bees|ants] [--data ../shared/data]
//
// writes DIR/annotations.json and DIR/images/img<i>.png (size x size). A train set and a held-out set that share no
// photo: `--from train --out D/train` and `--from val --out D/val`, then `tstorch finetune ... --data D/train
// --val-data D/val`. Also imported by the tests.
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as torch from '../src/index.js';
import * as vision from '../src/vision/index.js';

export interface PastedCocoOptions {
  /** Folder holding hymenoptera_data/{train,val}/{ants,bees}. */
  data: string;
  /** Which of hymenoptera_data's splits the photos come from (default 'all'): a detection train set from 'train'
   * and a validation set from 'val' never share a photo. */
  from?: 'train' | 'val' | 'all';
  out: string;
  /** Number of images. */
  images: number;
  /** Side of the square images (the model's input size: 320 for the *_320 detectors and SSDlite). */
  size: number;
  seed: number;
  /** What is pasted (default 'bees', onto ant photos); 'ants' pastes ants onto bee photos. */
  objects?: 'bees' | 'ants';
  /** Objects per image: a seeded whole number in [minObjects, maxObjects]. */
  minObjects?: number;
  maxObjects?: number;
  /** A pasted object's mean side as a fraction of the image side, drawn uniformly from this range. */
  minScale?: number;
  maxScale?: number;
}

export interface PastedCocoSummary { images: number; instances: number; annFile: string }

/** Mulberry32: a seeded generator in plain JS, so that the layout does not depend on torch's generator state. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function photos(data: string, kind: 'ants' | 'bees', from: 'train' | 'val' | 'all'): string[] {
  const out: string[] = [];
  for (const split of from === 'all' ? ['train', 'val'] : [from]) {
    const dir = join(data, 'hymenoptera_data', split, kind);
    if (!existsSync(dir)) throw new Error(`make-pasted-coco: ${dir} not found (--data must hold hymenoptera_data/{train,val}/{ants,bees})`);
    out.push(...readdirSync(dir).filter((f) => /\.(jpe?g|png)$/i.test(f)).sort().map((f) => join(dir, f)));
  }
  return out;
}

function shuffled<T>(xs: T[], rand: () => number): T[] {
  const a = xs.slice();
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

/** uint8 [3,h,w] image resized (antialiased bilinear) to [3,outH,outW]. */
function resized(img: torch.Tensor, outH: number, outW: number): torch.Tensor {
  return torch.nn.functional.interpolate(img.unsqueeze(0).float(), { size: [outH, outW], mode: 'bilinear', antialias: true })
    .select(0, 0).round().clamp(0, 255).to('uint8');
}

/** The background: the photo's short side resized to `size`, centre-cropped to size x size. */
function squareBackground(img: torch.Tensor, size: number): torch.Tensor {
  const [H, W] = [img.shape[1]!, img.shape[2]!];
  const k = size / Math.min(H, W);
  const [h, w] = [Math.max(size, Math.round(H * k)), Math.max(size, Math.round(W * k))];
  const r = resized(img, h, w);
  const [y, x] = [Math.floor((h - size) / 2), Math.floor((w - size) / 2)];
  return r.slice(1, y, y + size).slice(2, x, x + size).contiguous();
}

const overlaps = (a: number[], b: number[]): boolean => a[0]! < b[0]! + b[2]! && b[0]! < a[0]! + a[2]! && a[1]! < b[1]! + b[3]! && b[1]! < a[1]! + a[3]!;

export function makePastedCocoSet(o: PastedCocoOptions): PastedCocoSummary {
  const { minObjects = 1, maxObjects = 3, minScale = 0.2, maxScale = 0.45, from = 'all', objects = 'bees' } = o;
  if (!['train', 'val', 'all'].includes(from)) throw new Error(`make-pasted-coco: from must be 'train', 'val' or 'all', got '${from}'`);
  if (objects !== 'bees' && objects !== 'ants') throw new Error(`make-pasted-coco: objects must be 'bees' or 'ants', got '${objects}'`);
  if (!(Number.isInteger(o.images) && o.images >= 1)) throw new Error(`make-pasted-coco: images must be a whole number >= 1, got ${o.images}`);
  if (!(Number.isInteger(o.size) && o.size >= 32 && o.size <= 4096)) throw new Error(`make-pasted-coco: size must be a whole number in [32, 4096], got ${o.size}`);
  if (!(Number.isInteger(minObjects) && minObjects >= 1 && Number.isInteger(maxObjects) && maxObjects >= minObjects)) {
    throw new Error(`make-pasted-coco: need whole numbers 1 <= minObjects <= maxObjects, got ${minObjects}, ${maxObjects}`);
  }
  if (!(minScale > 0 && maxScale >= minScale && maxScale <= 0.6)) throw new Error(`make-pasted-coco: need 0 < minScale <= maxScale <= 0.6, got ${minScale}, ${maxScale}`);
  const rand = rng(o.seed);
  // The default draws ants (backgrounds) then bees (objects), so the bee sets made before `objects` existed are unchanged.
  const shuffledAnts = shuffled(photos(o.data, 'ants', from), rand);
  const shuffledBees = shuffled(photos(o.data, 'bees', from), rand);
  const [backgrounds, pasted] = objects === 'bees' ? [shuffledAnts, shuffledBees] : [shuffledBees, shuffledAnts];
  const background = objects === 'bees' ? 'ant' : 'bee';
  if (o.images > backgrounds.length) throw new Error(`make-pasted-coco: only ${backgrounds.length} ${background} photos for ${o.images} images`);
  mkdirSync(join(o.out, 'images'), { recursive: true });
  const images: object[] = [];
  const annotations: object[] = [];
  let nextObject = 0;
  for (let i = 0; i < o.images; i++) {
    const img = squareBackground(vision.io.readImage(backgrounds[i]!, 'RGB'), o.size);
    const k = minObjects + Math.floor(rand() * (maxObjects - minObjects + 1));
    const placed: number[][] = [];
    for (let j = 0; j < k; j++) {
      // Object photos are reused only when the set asks for more objects than there are photos.
      const obj = vision.io.readImage(pasted[nextObject++ % pasted.length]!, 'RGB');
      const aspect = Math.min(1.6, Math.max(0.6, obj.shape[2]! / obj.shape[1]!));
      const side = o.size * (minScale + rand() * (maxScale - minScale));
      const w = Math.min(o.size - 1, Math.round(side * Math.sqrt(aspect)));
      const h = Math.min(o.size - 1, Math.round(side / Math.sqrt(aspect)));
      let box: number[] | null = null;
      for (let attempt = 0; attempt < 50 && box === null; attempt++) {
        const cand = [Math.floor(rand() * (o.size - w + 1)), Math.floor(rand() * (o.size - h + 1)), w, h];
        if (!placed.some((p) => overlaps(p, cand))) box = cand;
      }
      if (box === null) continue; // no free place for this one: the image keeps the objects it has
      const [x, y] = box as [number, number];
      img.slice(1, y, y + h).slice(2, x, x + w).copy_(resized(obj, h, w));
      placed.push(box);
      annotations.push({ id: annotations.length + 1, image_id: i + 1, category_id: 1, bbox: box, area: w * h, iscrowd: 0,
        segmentation: [[x, y, x + w, y, x + w, y + h, x, y + h]] });
    }
    const file = `img${i}.png`;
    vision.io.writePng(img, join(o.out, 'images', file));
    images.push({ id: i + 1, file_name: `images/${file}`, width: o.size, height: o.size });
  }
  const annFile = join(o.out, 'annotations.json');
  writeFileSync(annFile, JSON.stringify({ images, annotations, categories: [{ id: 1, name: objects === 'bees' ? 'bee' : 'ant', supercategory: 'insect' }] }));
  return { images: images.length, instances: annotations.length, annFile };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values: a } = parseArgs({
    options: {
      out: { type: 'string' },
      images: { type: 'string', default: '96' },
      size: { type: 'string', default: '320' },
      seed: { type: 'string', default: '0' },
      data: { type: 'string' },
      from: { type: 'string', default: 'all' },
      objects: { type: 'string', default: 'bees' },
    },
  });
  const here = dirname(fileURLToPath(import.meta.url));
  const data = a.data ?? process.env.TSTORCH_DATA ?? resolve(here, '..', '..', 'shared', 'data');
  if (!a.out) {
    console.error('make-pasted-coco: --out DIR is required');
    process.exit(1);
  }
  try {
    const s = makePastedCocoSet({ data, out: a.out, images: Number(a.images), size: Number(a.size), seed: Number(a.seed),
      from: a.from as 'train' | 'val' | 'all', objects: a.objects as 'bees' | 'ants' });
    console.log(`wrote ${s.annFile}: ${s.images} images, ${s.instances} ${a.objects}`);
  } catch (e) {
    console.error((e as Error).message);
    process.exit(1);
  }
}
