// `vision.coco`: the COCO API (pycocotools) and evaluation. COCO (annotation sets, loadRes), COCOeval (the
// official box / mask / keypoint AP and AR), mask (RLE encode, decode, area, toBbox, iou, merge, frPyObjects), and
// torchvision's CocoEvaluator for a detection model's outputs.
export { COCO, type CocoDataset, type CocoImage, type CocoAnnotation, type CocoCategory, type CocoResult, type Segmentation } from './coco.js';
export { COCOeval, Params, NdArray, KPT_OKS_SIGMAS, type IouType, type EvalImg, type Accumulated, type COCOevalOptions } from './cocoeval.js';
export * as mask from './mask.js';
export type { RLE, UncompressedRLE, Polygon, BBox } from './mask.js';
export { CocoEvaluator, convertToCocoApi, convertToXywh, prepareForCoco, type DetectionOutput, type DetectionTarget } from './coco-evaluator.js';
