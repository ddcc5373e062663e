// The detection builders' pretrained weights, as torchvision's per-model WeightsEnums
// (FasterRCNN_ResNet50_FPN_Weights.COCO_V1, ...): the table is generated from torchvision
// (scripts/gen-detection-weights-table.py -> weights-data.ts) and covers every detection builder, the R-CNNs and
// the single-stage detectors. Their inference transform is torchvision's ObjectDetection preset.
import { Tensor } from '../../../tensor.js';
import { Transform } from '../../transforms/transforms.js';
import * as F from '../../transforms/functional.js';
import type { ImageOrTensor } from '../../transforms/functional.js';
import { Weights, WeightsEnum, type RawWeightsEntry } from '../weights.js';
import { DETECTION_WEIGHTS_DATA } from './weights-data.js';
import { COCO_CATEGORIES, COCO_PERSON_CATEGORIES, COCO_PERSON_KEYPOINT_NAMES } from './coco-categories.js';

/** torchvision's ObjectDetection preset: an image to a float tensor in [0, 1]; the model does the rest. */
export class ObjectDetection extends Transform<ImageOrTensor, Tensor> {
  forward(img: ImageOrTensor): Tensor {
    const t = img instanceof Tensor ? img : F.pilToTensor(img);
    return F.convertImageDtype(t, 'float32');
  }
}

const NAMED_LISTS: Record<string, readonly string[]> = { coco: COCO_CATEGORIES, coco_person: COCO_PERSON_CATEGORIES };

type DetectionRawEntry = Omit<RawWeightsEntry, 'categories' | 'transforms'> & { categories: string; keypointNames?: string; transforms: { kind: string } };

/** A published detection checkpoint; `meta.keypointNames` for the keypoint weights. */
export class DetectionWeights extends Weights<ObjectDetection> {
  constructor(enumName: string, name: string, e: DetectionRawEntry) {
    const categories = NAMED_LISTS[e.categories];
    if (!categories) throw new Error(`${enumName}.${name}: unknown category list '${e.categories}'`);
    const extra = e.keypointNames === 'coco_person' ? { ...(e.extra ?? {}), keypointNames: [...COCO_PERSON_KEYPOINT_NAMES] } : e.extra;
    super(enumName, name, { ...e, categories, ...(extra ? { extra } : {}), transforms: e.transforms } as unknown as RawWeightsEntry);
    if (e.keypointNames === 'coco_person') (this.meta as { keypointNames?: string[] }).keypointNames = [...COCO_PERSON_KEYPOINT_NAMES];
  }

  /** The inference preprocessing: torchvision's ObjectDetection (to float in [0, 1]). */
  override transforms(): ObjectDetection {
    return new ObjectDetection();
  }
}

export type DetectionWeightsEnumName = keyof typeof DETECTION_WEIGHTS_DATA;

const enums = new Map<string, WeightsEnum>();
/** The detection weights enum named as torchvision names it ('MaskRCNN_ResNet50_FPN_Weights'). */
export function detectionWeightsEnum(name: DetectionWeightsEnumName): WeightsEnum {
  let e = enums.get(name);
  if (!e) {
    const data = DETECTION_WEIGHTS_DATA[name] as unknown as { default: string; entries: Record<string, RawWeightsEntry> };
    e = new WeightsEnum(name, data, (n, k, raw) => new DetectionWeights(n, k, raw as unknown as DetectionRawEntry));
    enums.set(name, e);
  }
  return e;
}

/**
 * torchvision's _ovewrite_value_param: published weights fix a value (numClasses = their category count); a
 * different value given by the caller is an error naming it.
 */
export function ovewriteValueParam(param: string, actual: number | null | undefined, expected: number): number {
  if (actual !== null && actual !== undefined && actual !== expected) {
    throw new Error(`The parameter '${param}' expected value ${expected} but got ${actual} instead.`);
  }
  return expected;
}
