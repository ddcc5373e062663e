// pycocotools.coco.COCO: a COCO-format annotation set in memory with its indexes (annotations by image, images by
// category), the id queries, results loading (loadRes) and the conversion of any segmentation to an RLE.
import { readFileSync } from 'node:fs';
import type { Tensor } from '../../tensor.js';
import * as mask from './mask.js';
import type { BBox, Polygon, RLE, UncompressedRLE } from './mask.js';
import { bindOwn, classArgs } from '../../args.js';

export interface CocoImage {
  id: number;
  width: number;
  height: number;
  file_name?: string;
  [k: string]: unknown;
}

export interface CocoCategory {
  id: number;
  name: string;
  supercategory?: string;
  keypoints?: string[];
  skeleton?: [number, number][];
  [k: string]: unknown;
}

export type Segmentation = Polygon[] | RLE | UncompressedRLE;

export interface CocoAnnotation {
  id: number;
  image_id: number;
  category_id: number;
  /** [x, y, width, height]. */
  bbox: BBox;
  area: number;
  iscrowd: number | boolean;
  segmentation?: Segmentation;
  /** x1, y1, v1, x2, y2, v2, ... (v: 0 not labelled, 1 labelled but not visible, 2 visible). */
  keypoints?: number[];
  num_keypoints?: number;
  /** Detections: the confidence. */
  score?: number;
  [k: string]: unknown;
}

export interface CocoDataset {
  images?: CocoImage[];
  annotations?: CocoAnnotation[];
  categories?: CocoCategory[];
  info?: unknown;
  licenses?: unknown;
  [k: string]: unknown;
}

/** A detection result of the COCO results format (what loadRes reads and `tstorch detect` writes). */
export interface CocoResult {
  image_id: number;
  category_id: number;
  score: number;
  bbox?: BBox;
  segmentation?: RLE;
  keypoints?: number[];
  [k: string]: unknown;
}

const asList = <T>(v: T | readonly T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? [...v] : [v as T]);

export class COCO {
  dataset: CocoDataset;
  anns = new Map<number, CocoAnnotation>();
  imgs = new Map<number, CocoImage>();
  cats = new Map<number, CocoCategory>();
  imgToAnns = new Map<number, CocoAnnotation[]>();
  catToImgs = new Map<number, number[]>();

  /** From a parsed dataset, a JSON file's path, or nothing (an empty set). */
  constructor(annotation?: CocoDataset | string) {
    [annotation] = bindOwn(COCO, arguments) as ConstructorParameters<typeof COCO>;
    if (typeof annotation === 'string') {
      let parsed: unknown;
      try {
        parsed = JSON.parse(readFileSync(annotation, 'utf8'));
      } catch (e) {
        throw new Error(`COCO: cannot read annotation file ${annotation}: ${(e as Error).message}`);
      }
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
        throw new TypeError(`COCO: annotation file ${annotation} must hold a JSON object (images, annotations, categories)`);
      }
      this.dataset = parsed as CocoDataset;
    } else {
      this.dataset = annotation ?? {};
    }
    this.createIndex();
  }

  createIndex(): void {
    const d = this.dataset;
    this.anns = new Map();
    this.imgs = new Map();
    this.cats = new Map();
    this.imgToAnns = new Map();
    this.catToImgs = new Map();
    for (const ann of d.annotations ?? []) {
      let list = this.imgToAnns.get(ann.image_id);
      if (!list) this.imgToAnns.set(ann.image_id, (list = []));
      list.push(ann);
      this.anns.set(ann.id, ann);
    }
    for (const img of d.images ?? []) this.imgs.set(img.id, img);
    for (const cat of d.categories ?? []) this.cats.set(cat.id, cat);
    if (d.annotations && d.categories) {
      for (const ann of d.annotations) {
        let list = this.catToImgs.get(ann.category_id);
        if (!list) this.catToImgs.set(ann.category_id, (list = []));
        list.push(ann.image_id);
      }
    }
  }

  /** Ids of the annotations of the given images and categories, in area range (exclusive), crowd or not. */
  getAnnIds(opts: { imgIds?: number | number[]; catIds?: number | number[]; areaRng?: [number, number] | number[]; iscrowd?: boolean | null } = {}): number[] {
    const imgIds = asList(opts.imgIds);
    const catIds = asList(opts.catIds);
    const areaRng = opts.areaRng ?? [];
    let anns: CocoAnnotation[];
    if (imgIds.length === 0 && catIds.length === 0 && areaRng.length === 0) {
      anns = this.dataset.annotations ?? [];
    } else {
      anns = imgIds.length ? imgIds.flatMap((id) => this.imgToAnns.get(id) ?? []) : this.dataset.annotations ?? [];
      if (catIds.length) anns = anns.filter((a) => catIds.includes(a.category_id));
      if (areaRng.length) anns = anns.filter((a) => a.area > areaRng[0]! && a.area < areaRng[1]!);
    }
    if (opts.iscrowd !== undefined && opts.iscrowd !== null) anns = anns.filter((a) => Boolean(a.iscrowd) === opts.iscrowd);
    return anns.map((a) => a.id);
  }

  getCatIds(opts: { catNms?: string | string[]; supNms?: string | string[]; catIds?: number | number[] } = {}): number[] {
    const catNms = asList(opts.catNms);
    const supNms = asList(opts.supNms);
    const catIds = asList(opts.catIds);
    let cats = this.dataset.categories ?? [];
    if (catNms.length) cats = cats.filter((c) => catNms.includes(c.name));
    if (supNms.length) cats = cats.filter((c) => c.supercategory !== undefined && supNms.includes(c.supercategory));
    if (catIds.length) cats = cats.filter((c) => catIds.includes(c.id));
    return cats.map((c) => c.id);
  }

  /** Image ids: all, or those given that contain every one of `catIds`. */
  getImgIds(opts: { imgIds?: number | number[]; catIds?: number | number[] } = {}): number[] {
    const imgIds = asList(opts.imgIds);
    const catIds = asList(opts.catIds);
    if (imgIds.length === 0 && catIds.length === 0) return [...this.imgs.keys()];
    let ids = new Set(imgIds);
    catIds.forEach((catId, i) => {
      const withCat = new Set(this.catToImgs.get(catId) ?? []);
      ids = i === 0 && ids.size === 0 ? withCat : new Set([...ids].filter((x) => withCat.has(x)));
    });
    return [...ids];
  }

  private load<T>(what: string, index: Map<number, T>, ids: number | readonly number[]): T[] {
    return asList(ids).map((id) => {
      const v = index.get(id);
      if (v === undefined) throw new RangeError(`COCO: no ${what} with id ${id}`);
      return v;
    });
  }

  loadAnns(ids: number | readonly number[]): CocoAnnotation[] { return this.load('annotation', this.anns, ids); }
  loadCats(ids: number | readonly number[]): CocoCategory[] { return this.load('category', this.cats, ids); }
  loadImgs(ids: number | readonly number[]): CocoImage[] { return this.load('image', this.imgs, ids); }

  /**
   * Detection results (a list, or a JSON file of one) as a COCO set over this set's images, as pycocotools'
   * loadRes: ids from 1, boxes give area w * h (and a box polygon as segmentation), masks their pixel count and
   * box, keypoints the extent of their points. Results for images outside this set are an error.
   */
  loadRes(results: readonly CocoResult[] | string): COCO {
    let anns: CocoResult[];
    if (typeof results === 'string') {
      const parsed = JSON.parse(readFileSync(results, 'utf8')) as unknown;
      if (!Array.isArray(parsed)) throw new TypeError(`loadRes: ${results} must hold a JSON array of results`);
      anns = parsed as CocoResult[];
    } else {
      if (!Array.isArray(results)) throw new TypeError('loadRes: results must be an array');
      anns = results.map((r) => ({ ...r }));
    }
    const res = new COCO({ images: [...(this.dataset.images ?? [])] });
    const known = new Set(this.getImgIds());
    for (const a of anns) {
      if (!known.has(a.image_id)) throw new RangeError(`loadRes: results do not correspond to this COCO set (image_id ${a.image_id} is not one of its images)`);
    }
    const out: CocoAnnotation[] = [];
    const first = anns[0];
    if (first !== undefined) {
      res.dataset.categories = structuredClone(this.dataset.categories ?? []);
      if (first.bbox !== undefined && (first.bbox as number[]).length !== 0) {
        anns.forEach((ann, i) => {
          const bb = ann.bbox!;
          const [x1, x2, y1, y2] = [bb[0]!, bb[0]! + bb[2]!, bb[1]!, bb[1]! + bb[3]!];
          out.push({ ...ann, segmentation: ann.segmentation ?? [[x1, y1, x1, y2, x2, y2, x2, y1]], area: bb[2]! * bb[3]!, id: i + 1, iscrowd: 0 } as CocoAnnotation);
        });
      } else if (first.segmentation !== undefined) {
        anns.forEach((ann, i) => {
          out.push({ ...ann, area: mask.area(ann.segmentation!), bbox: ann.bbox ?? mask.toBbox(ann.segmentation!), id: i + 1, iscrowd: 0 } as CocoAnnotation);
        });
      } else if (first.keypoints !== undefined) {
        anns.forEach((ann, i) => {
          const s = ann.keypoints!;
          const xs = s.filter((_, k) => k % 3 === 0);
          const ys = s.filter((_, k) => k % 3 === 1);
          const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
          out.push({ ...ann, area: (x1 - x0) * (y1 - y0), id: i + 1, bbox: [x0, y0, x1 - x0, y1 - y0] } as CocoAnnotation);
        });
      } else {
        throw new TypeError('loadRes: results need a bbox, a segmentation or keypoints');
      }
    }
    res.dataset.annotations = out;
    res.createIndex();
    return res;
  }

  /** An annotation's segmentation (polygons, uncompressed or compressed RLE) as one compressed RLE. */
  annToRLE(ann: CocoAnnotation): RLE {
    const t = this.imgs.get(ann.image_id);
    if (t === undefined) throw new RangeError(`annToRLE: annotation ${ann.id} refers to image ${ann.image_id}, which is not in the set`);
    const segm = ann.segmentation;
    if (segm === undefined) throw new TypeError(`annToRLE: annotation ${ann.id} has no segmentation`);
    if (Array.isArray(segm)) {
      // Polygons: an object may consist of several parts, merged into one mask.
      return mask.merge(mask.frPyObjects(segm, t.height, t.width) as RLE[]);
    }
    if (Array.isArray(segm.counts)) return mask.frPyObjects(segm as UncompressedRLE, t.height, t.width) as RLE;
    return segm as RLE;
  }

  /** An annotation's segmentation as a uint8 [H, W] mask. */
  annToMask(ann: CocoAnnotation): Tensor {
    return mask.decode(this.annToRLE(ann));
  }
}
classArgs(COCO, 'tstorch.vision.coco.COCO', 'annotation?:dict');
