// torchvision's references/detection/coco_eval.py and the conversion half of coco_utils.py: evaluating a detection
// model's outputs with COCOeval (box, mask and keypoint AP), and making a COCO ground-truth set from a data set of
// (image, target) pairs. The detection training loop calls update() with each batch's outputs by image id, then
// accumulate() and summarize().
import type { Tensor } from '../../tensor.js';
import { stack } from '../../creation.js';
import { COCO, type CocoAnnotation, type CocoDataset, type CocoResult } from './coco.js';
import { COCOeval, type IouType } from './cocoeval.js';
import * as mask from './mask.js';
import { bindOwn, classArgs, registerSignature } from '../../args.js';

// PyTorch's argument binding (src/args.ts) for this module's functions: an extra positional argument or an
// unknown keyword is a TypeError naming it.
registerSignature(convertToCocoApi, 'convertToCocoApi', 'tstorch.vision.coco.convertToCocoApi', 'samples');
registerSignature(convertToXywh, 'convertToXywh', 'tstorch.vision.coco.convertToXywh', 'boxes');
registerSignature(prepareForCoco, 'prepareForCoco', 'tstorch.vision.coco.prepareForCoco', 'predictions, iouType');

/** A detection model's output for one image (torchvision's detection models return a list of these). */
export interface DetectionOutput {
  /** [N, 4] in (x1, y1, x2, y2). */
  boxes: Tensor;
  scores: Tensor;
  labels: Tensor;
  /** [N, 1, H, W] probabilities (Mask R-CNN); thresholded at 0.5. */
  masks?: Tensor;
  /** [N, K, 3] (x, y, visibility) (Keypoint R-CNN). */
  keypoints?: Tensor;
}

/** A detection target (torchvision's format, as ConvertCocoPolysToMask produces it). */
export interface DetectionTarget {
  boxes: Tensor;
  labels: Tensor;
  image_id: Tensor | number;
  area?: Tensor;
  iscrowd?: Tensor;
  masks?: Tensor;
  keypoints?: Tensor;
  [k: string]: unknown;
}

/** [N, 4] corner boxes to [x, y, width, height]. */
export function convertToXywh(boxes: Tensor): Tensor {
  [boxes] = bindOwn(convertToXywh, arguments) as Parameters<typeof convertToXywh>;
  const [xmin, ymin, xmax, ymax] = boxes.unbind(1) as [Tensor, Tensor, Tensor, Tensor];
  return stack([xmin, ymin, xmax.sub(xmin), ymax.sub(ymin)], 1);
}

const numbers = (t: Tensor): number[] => t.toArray() as number[];

/** A model's outputs as COCO results for one IoU type (prepare_for_coco_detection / _segmentation / _keypoint). */
export function prepareForCoco(predictions: Map<number, DetectionOutput>, iouType: IouType): CocoResult[] {
  [predictions, iouType] = bindOwn(prepareForCoco, arguments) as Parameters<typeof prepareForCoco>;
  const out: CocoResult[] = [];
  for (const [imageId, p] of predictions) {
    if (p.boxes.shape[0] === 0) continue;
    const scores = numbers(p.scores);
    const labels = numbers(p.labels);
    if (iouType === 'bbox') {
      const boxes = convertToXywh(p.boxes).toArray() as number[][];
      boxes.forEach((bbox, k) => out.push({ image_id: imageId, category_id: labels[k]!, bbox, score: scores[k]! }));
    } else if (iouType === 'segm') {
      if (p.masks === undefined) throw new TypeError(`CocoEvaluator: segm evaluation needs masks, image ${imageId} has none`);
      const rles = mask.encode(p.masks.gt(0.5).select(1, 0)) as mask.RLE[];
      rles.forEach((segmentation, k) => out.push({ image_id: imageId, category_id: labels[k]!, segmentation, score: scores[k]! }));
    } else {
      if (p.keypoints === undefined) throw new TypeError(`CocoEvaluator: keypoints evaluation needs keypoints, image ${imageId} has none`);
      const kps = p.keypoints.flatten(1).toArray() as number[][];
      kps.forEach((keypoints, k) => out.push({ image_id: imageId, category_id: labels[k]!, keypoints, score: scores[k]! }));
    }
  }
  return out;
}

/**
 * Collects a model's outputs over an evaluation set and scores them with COCOeval for each IoU type. As
 * torchvision's evaluator does, only the images that received predictions (update) are evaluated.
 */
export class CocoEvaluator {
  readonly cocoEval = new Map<IouType, COCOeval>();
  readonly imgIds = new Set<number>();
  private readonly results = new Map<IouType, CocoResult[]>();

  readonly cocoGt: COCO;
  readonly iouTypes: readonly IouType[];
  private readonly opts: { verbose?: boolean };
  constructor(cocoGt: COCO, iouTypes: readonly IouType[], opts: { verbose?: boolean } = {}) {
    [cocoGt, iouTypes, opts = {}] = bindOwn(CocoEvaluator, arguments) as ConstructorParameters<typeof CocoEvaluator>;
    this.cocoGt = cocoGt;
    this.iouTypes = iouTypes;
    this.opts = opts;
    if (!Array.isArray(iouTypes) || iouTypes.length === 0) throw new TypeError('CocoEvaluator: iouTypes must be a non-empty list of bbox, segm, keypoints');
    for (const t of iouTypes) this.results.set(t, []);
  }

  /** Outputs of some images, by image id (a Map, or an object keyed by id). */
  update(predictions: Map<number, DetectionOutput> | Record<number, DetectionOutput>): void {
    const preds = predictions instanceof Map ? predictions : new Map(Object.entries(predictions).map(([k, v]) => [Number(k), v]));
    for (const id of preds.keys()) this.imgIds.add(id);
    for (const t of this.iouTypes) this.results.get(t)!.push(...prepareForCoco(preds, t));
  }

  /** Runs evaluate() and accumulate() for every IoU type. */
  accumulate(): void {
    const imgIds = [...this.imgIds].sort((a, b) => a - b);
    for (const t of this.iouTypes) {
      const results = this.results.get(t)!;
      const cocoDt = results.length ? this.cocoGt.loadRes(results) : new COCO();
      const ev = new COCOeval(this.cocoGt, cocoDt, t, { verbose: false });
      ev.params.imgIds = imgIds;
      ev.evaluate();
      ev.accumulate();
      this.cocoEval.set(t, ev);
    }
  }

  /** The stats of every IoU type (12 numbers for bbox and segm, 10 for keypoints), printed unless verbose is false. */
  summarize(): Map<IouType, number[]> {
    const out = new Map<IouType, number[]>();
    for (const [t, ev] of this.cocoEval) {
      const stats = ev.summarize();
      if (this.opts.verbose ?? true) {
        console.log(`IoU metric: ${t}`);
        for (const l of ev.summaryLines) console.log(l);
      }
      out.set(t, stats);
    }
    return out;
  }
}
classArgs(CocoEvaluator, 'tstorch.vision.coco.CocoEvaluator', 'cocoGt, iouTypes; *, verbose');

/**
 * A COCO ground-truth set from (image, target) pairs (torchvision's convert_to_coco_api): images by their
 * target's image_id and tensor size, boxes back to [x, y, w, h], masks to RLEs, annotation ids from 1.
 */
export function convertToCocoApi(samples: Iterable<[Tensor, DetectionTarget]>): COCO {
  [samples] = bindOwn(convertToCocoApi, arguments) as Parameters<typeof convertToCocoApi>;
  let annId = 1;
  const dataset: Required<Pick<CocoDataset, 'images' | 'categories' | 'annotations'>> = { images: [], categories: [], annotations: [] };
  const categories = new Set<number>();
  for (const [img, targets] of samples) {
    const imageId = typeof targets.image_id === 'number' ? targets.image_id : targets.image_id.item();
    dataset.images.push({ id: imageId, height: img.shape[img.ndim - 2]!, width: img.shape[img.ndim - 1]! });
    const b = targets.boxes.clone();
    const bboxes = convertToXywh(b).toArray() as number[][];
    const labels = numbers(targets.labels);
    if (targets.area === undefined || targets.iscrowd === undefined) throw new TypeError(`convertToCocoApi: the target of image ${imageId} needs area and iscrowd`);
    const areas = numbers(targets.area);
    const iscrowd = numbers(targets.iscrowd);
    const rles = targets.masks !== undefined && targets.masks.shape[0]! > 0 ? mask.encode(targets.masks) as mask.RLE[] : [];
    const keypoints = targets.keypoints !== undefined ? targets.keypoints.reshape(targets.keypoints.shape[0]!, -1).toArray() as number[][] : null;
    bboxes.forEach((bbox, i) => {
      const ann: CocoAnnotation = { image_id: imageId, bbox, category_id: labels[i]!, area: areas[i]!, iscrowd: iscrowd[i]!, id: annId };
      categories.add(labels[i]!);
      if (targets.masks !== undefined) ann.segmentation = rles[i]!;
      if (keypoints !== null) {
        ann.keypoints = keypoints[i]!;
        ann.num_keypoints = keypoints[i]!.filter((_, k) => k % 3 === 2).filter((v) => v !== 0).length;
      }
      dataset.annotations.push(ann);
      annId++;
    });
  }
  dataset.categories = [...categories].sort((a, b) => a - b).map((id) => ({ id, name: String(id) }));
  return new COCO(dataset);
}
