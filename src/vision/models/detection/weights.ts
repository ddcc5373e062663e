// The detection builders' pretrained weights, as torchvision's per-model WeightsEnums
// (FasterRCNN_ResNet50_FPN_Weights.COCO_V1, ...): the table is generated from torchvision
// (scripts/gen-detection-weights-table.py -> weights-data.ts) and covers every detection builder, the R-CNNs and
// the single-stage detectors. Their inference transform is torchvision's ObjectDetection preset.
import { Tensor } from '../../../tensor.js';
import { Transform } from '../../transforms/transforms.js';
import * as F from '../../transforms/functional.js';
import type { ImageOrTensor } from '../../transforms/functional.js';
import { WeightsEnum, type Weights, type RawWeightsEntry, type WeightsTable } from '../weights.js';
import { DETECTION_WEIGHTS_DATA } from './weights-data.js';
import { COCO_CATEGORIES, COCO_PERSON_CATEGORIES, COCO_PERSON_KEYPOINT_NAMES } from './coco-categories.js';
import { bindOwn, classArgs, registerSignature } from '../../../args.js';

// PyTorch's argument binding (src/args.ts) for this module's functions: an extra positional argument or an
// unknown keyword is a TypeError naming it.
registerSignature(detectionWeightsEnum, 'detectionWeightsEnum', 'tstorch.vision.models.detection.detectionWeightsEnum', 'name');
registerSignature(ovewriteValueParam, 'ovewriteValueParam', 'tstorch.vision.models.detection.ovewriteValueParam', 'param, actual, expected');

/** torchvision's ObjectDetection preset: an image to a float tensor in [0, 1]; the model does the rest. */
export class ObjectDetection extends Transform<ImageOrTensor, Tensor> {
  forward(img: ImageOrTensor): Tensor {
    const t = img instanceof Tensor ? img : F.pilToTensor(img);
    return F.convertImageDtype(t, 'float32');
  }
}
classArgs(ObjectDetection, 'torchvision.transforms._presets.ObjectDetection', ''); // Transform's constructor refuses arguments

const NAMED_LISTS: Record<string, readonly string[]> = { coco: COCO_CATEGORIES, coco_person: COCO_PERSON_CATEGORIES };

type DetectionRawEntry = Omit<RawWeightsEntry, 'categories' | 'transforms'> & { categories: string; keypointNames?: string; transforms: { kind: string } };

/** A generated entry with its category list resolved ('coco' -> the 91 names) and the keypoint names in meta. */
function resolveEntry(enumName: string, name: string, e: DetectionRawEntry): RawWeightsEntry {
  const categories = NAMED_LISTS[e.categories];
  if (!categories) throw new Error(`${enumName}.${name}: unknown category list '${e.categories}'`);
  return { ...e, categories } as unknown as RawWeightsEntry;
}

/** A published detection checkpoint: Weights whose preset is ObjectDetection; `meta.keypointNames` for keypoint weights. */
export type DetectionWeights = Weights<ObjectDetection>;

export type DetectionWeightsEnumName = keyof typeof DETECTION_WEIGHTS_DATA;

const enums = new Map<string, WeightsEnum<ObjectDetection>>();
/** The detection weights enum named as torchvision names it ('MaskRCNN_ResNet50_FPN_Weights'). */
export function detectionWeightsEnum(name: DetectionWeightsEnumName): WeightsEnum<ObjectDetection> {
  [name] = bindOwn(detectionWeightsEnum, arguments) as Parameters<typeof detectionWeightsEnum>;
  let e = enums.get(name);
  if (!e) {
    const data = DETECTION_WEIGHTS_DATA[name] as unknown as { default: string; entries: Record<string, DetectionRawEntry> };
    const table: WeightsTable = { [name]: { default: data.default, entries: Object.fromEntries(Object.entries(data.entries).map(([k, raw]) => [k, resolveEntry(name, k, raw)])) } };
    e = new WeightsEnum<ObjectDetection>(name, table, () => new ObjectDetection());
    for (const [k, w] of Object.entries(data.entries)) {
      if (w.keypointNames === 'coco_person') (e.get(k).meta as { keypointNames?: string[] }).keypointNames = [...COCO_PERSON_KEYPOINT_NAMES];
    }
    enums.set(name, e);
  }
  return e;
}

/**
 * torchvision's _ovewrite_value_param: published weights fix a value (numClasses = their category count); a
 * different value given by the caller is an error naming it.
 */
export function ovewriteValueParam(param: string, actual: number | null | undefined, expected: number): number {
  [param, actual, expected] = bindOwn(ovewriteValueParam, arguments) as Parameters<typeof ovewriteValueParam>;
  if (actual !== null && actual !== undefined && actual !== expected) {
    throw new Error(`The parameter '${param}' expected value ${expected} but got ${actual} instead.`);
  }
  return expected;
}
