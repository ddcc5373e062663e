// torchvision's references/detection/coco_utils.py: COCO annotations as the targets detection models train on
// (ConvertCocoPolysToMask), category filtering and remapping, dropping images without usable annotations, and the
// CocoDetection whose samples carry their image id. Used as `transforms` of a data set.
import { Tensor } from '../../tensor.js';
import { bindCtor, classArgs, withArgs, type PyRest } from '../../args.js';
import { stack, tensor, zeros } from '../../creation.js';
import type { RGBImage } from '../io/image.js';
import { getDimensions, type ImageOrTensor } from '../transforms/functional.js';
import * as mask from '../coco/mask.js';
import type { CocoAnnotation, Segmentation } from '../coco/coco.js';
import type { DetectionTarget } from '../coco/coco-evaluator.js';
import { Subset } from '../../data/dataset.js';
import { CocoDetection, type CocoDetectionOptions } from './coco.js';
import { applyJointTransform, type JointTransform } from './vision-dataset.js';

/** What CocoDetectionTargets hands its transforms: the image's id and its annotations. */
export interface CocoTarget {
  image_id: number;
  annotations: CocoAnnotation[];
}

/** Each object's segmentation (polygons or RLE) as a uint8 [N, H, W] mask, the union of its parts. */
function convertCocoPolyToMaskImpl(segmentations: readonly Segmentation[], height: number, width: number): Tensor {
  const masks = segmentations.map((polygons) => {
    const rles = mask.frPyObjects(polygons as mask.PyObject, height, width);
    const m = mask.decode(Array.isArray(rles) ? rles : [rles]); // [K, H, W]
    return m.any(0).to('uint8');
  });
  return masks.length ? stack(masks, 0) : zeros([0, height, width], { dtype: 'uint8' });
}
export const convertCocoPolyToMask = withArgs('convertCocoPolyToMask', 'torchvision references/detection coco_utils.convert_coco_poly_to_mask', 'segmentations, height, width', convertCocoPolyToMaskImpl);

/**
 * COCO annotations to a detection target (references' ConvertCocoPolysToMask): crowd objects dropped, boxes to
 * (x1, y1, x2, y2) clipped to the image, masks from the polygons, keypoints [N, K, 3], degenerate boxes removed;
 * area and iscrowd kept for the COCO evaluation.
 */
function convertCocoPolysToMaskImpl<I extends ImageOrTensor>(image: I, target: CocoTarget): [I, DetectionTarget] {
  const [, h, w] = getDimensions(image);
  const anno = target.annotations.filter((o) => !o.iscrowd);
  const boxes = tensor(anno.length ? anno.map((o) => [...o.bbox]) : [], { dtype: 'float32' }).reshape(-1, 4);
  // [x, y, w, h] -> corners, clipped to the image.
  boxes.slice(1, 2, 4).add_(boxes.slice(1, 0, 2));
  boxes.slice(1, 0, null, 2).clamp_(0, w);
  boxes.slice(1, 1, null, 2).clamp_(0, h);
  const classes = tensor(anno.map((o) => o.category_id), { dtype: 'int64' });
  const masks = convertCocoPolyToMask(anno.map((o) => {
    if (o.segmentation === undefined) throw new TypeError(`convertCocoPolysToMask: annotation ${o.id} has no segmentation`);
    return o.segmentation;
  }), h, w);
  let keypoints: Tensor | null = null;
  if (anno.length && anno[0]!.keypoints !== undefined) {
    keypoints = tensor(anno.map((o) => o.keypoints!), { dtype: 'float32' });
    if (keypoints.shape[0]) keypoints = keypoints.view(keypoints.shape[0]!, -1, 3);
  }
  const keep = boxes.select(1, 3).gt(boxes.select(1, 1)).logicalAnd(boxes.select(1, 2).gt(boxes.select(1, 0)));
  const out: DetectionTarget = {
    boxes: boxes.index(keep), labels: classes.index(keep), masks: masks.index(keep),
    image_id: tensor([target.image_id], { dtype: 'int64' }),
    // For the conversion to the COCO API.
    area: tensor(anno.map((o) => o.area), { dtype: 'float32' }),
    iscrowd: tensor(anno.map((o) => Number(o.iscrowd)), { dtype: 'int64' }),
  };
  if (keypoints !== null) out.keypoints = keypoints.index(keep);
  return [image, out];
}
export const convertCocoPolysToMask = withArgs('convertCocoPolysToMask', 'torchvision references/detection coco_utils.ConvertCocoPolysToMask.__call__', 'image:dict, target:dict', convertCocoPolysToMaskImpl);

/** See convertCocoPolysToMask. */
export class ConvertCocoPolysToMask {
  constructor(...args: []) { bindCtor(ConvertCocoPolysToMask, args); }
  call<I extends ImageOrTensor>(image: I, target: CocoTarget): [I, DetectionTarget] { return convertCocoPolysToMask(image, target); }
  toString(): string { return 'ConvertCocoPolysToMask()'; }
}

/** Keeps the annotations of `categories`, renumbered by their position in that list unless remap is false. */
export class FilterAndRemapCocoCategories {
  readonly categories: readonly number[];
  readonly remap: boolean;
  constructor(categories: readonly number[], remap?: boolean);
  constructor(...args: unknown[]) {
    const [categories, remap = true] = bindCtor(FilterAndRemapCocoCategories, args) as [readonly number[], boolean | undefined];
    if (!Array.isArray(categories)) throw new TypeError('FilterAndRemapCocoCategories: categories must be an array of category ids');
    this.categories = categories;
    this.remap = remap;
  }
  call<I>(image: I, target: CocoTarget): [I, CocoTarget] {
    let anno = target.annotations.filter((o) => this.categories.includes(o.category_id));
    if (this.remap) anno = anno.map((o) => ({ ...o, category_id: this.categories.indexOf(o.category_id) }));
    return [image, { ...target, annotations: anno }];
  }
}

export interface CocoDetectionTargetsOptions extends Omit<CocoDetectionOptions, 'transform' | 'targetTransform' | 'transforms'> {
  /** Applied to (image, target) after the conversion of the annotations to a detection target. */
  transforms?: JointTransform | null;
  /** Keep the raw {image_id, annotations} instead of converting them (ConvertCocoPolysToMask). Default false. */
  raw?: boolean;
}

/**
 * A COCO data set as detection models train on it (references' coco_utils.CocoDetection + get_coco): samples are
 * (image, target) with target {boxes, labels, masks, image_id, area, iscrowd[, keypoints]}, then `transforms`.
 */
export class CocoDetectionTargets extends CocoDetection<any, any> {
  /** The references' order (root, annFile, transforms), or one options object. */
  constructor(root: string, annFile: string, ...rest: PyRest<CocoDetectionTargetsOptions, ['transforms']>);
  constructor(opts: CocoDetectionTargetsOptions);
  constructor(...args: unknown[]) {
    const [opts = {} as CocoDetectionTargetsOptions] = bindCtor(CocoDetectionTargets, args) as [CocoDetectionTargetsOptions | undefined];
    const after = opts.transforms ?? null;
    const raw = opts.raw ?? false;
    super({
      root: opts.root, annFile: opts.annFile,
      transforms: (img: RGBImage, t: CocoTarget) => {
        const pair: [any, any] = raw ? [img, t] : convertCocoPolysToMask(img, t);
        return after ? applyJointTransform(after, pair[0], pair[1]) : pair;
      },
    });
  }

  protected override loadTarget(id: number): CocoTarget {
    return { image_id: id, annotations: super.loadTarget(id) as CocoAnnotation[] };
  }
}

/**
 * The samples worth training on (references' _coco_remove_images_without_annotations): images with an annotation
 * whose box is more than 1 pixel on both sides, and for keypoint sets at least 10 visible keypoints.
 */
function removeImagesWithoutAnnotationsImpl<T>(dataset: CocoDetection<any, any> & { get(i: number): T }, catList?: readonly number[]): Subset<T> {
  const minKeypointsPerImage = 10;
  const hasValid = (anno: CocoAnnotation[]): boolean => {
    if (anno.length === 0) return false;
    if (anno.every((o) => o.bbox.slice(2).some((v) => v <= 1))) return false;
    if (anno[0]!.keypoints === undefined) return true;
    const visible = anno.reduce((s, a) => s + a.keypoints!.filter((_, i) => i % 3 === 2).filter((v) => v > 0).length, 0);
    return visible >= minKeypointsPerImage;
  };
  const ids: number[] = [];
  dataset.ids.forEach((imgId, dsIdx) => {
    let anno = dataset.coco.loadAnns(dataset.coco.getAnnIds({ imgIds: imgId }));
    if (catList && catList.length) anno = anno.filter((o) => catList.includes(o.category_id));
    if (hasValid(anno)) ids.push(dsIdx);
  });
  return new Subset(dataset, ids);
}
export const removeImagesWithoutAnnotations = withArgs('removeImagesWithoutAnnotations', 'torchvision references/detection coco_utils._coco_remove_images_without_annotations', 'dataset:dict, catList?', removeImagesWithoutAnnotationsImpl);

classArgs(ConvertCocoPolysToMask, 'torchvision references/detection coco_utils.ConvertCocoPolysToMask', '');
classArgs(FilterAndRemapCocoCategories, 'torchvision references/detection coco_utils.FilterAndRemapCocoCategories', 'categories, remap?');
classArgs(CocoDetectionTargets, 'torchvision references/detection coco_utils.CocoDetection', '; root, annFile, transforms, *, raw');
