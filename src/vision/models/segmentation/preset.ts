// torchvision's SemanticSegmentation preset: the inference preprocessing that goes with published segmentation
// weights (resize the shorter side, no crop, to float in [0, 1], normalise with ImageNet's mean and std).
import { Tensor } from '../../../tensor.js';
import { Transform } from '../../transforms/transforms.js';
import { resize, type InterpolationMode } from '../../transforms/image-geometry.js';
import * as F from '../../transforms/functional.js';
import type { ImageOrTensor } from '../../transforms/functional.js';
import { presetArgs, tableWeightsEnum, type ClassificationTransformParams, type WeightsTable } from '../weights.js';
import { SEGMENTATION_WEIGHTS_DATA } from './weights-data.js';
import { bindOwn, classArgs, withArgs } from '../../../args.js';

/** The parameters of torchvision's SemanticSegmentation preset. */
export interface SegmentationTransformParams {
  kind: string;
  /** [shorter side], or null for no resizing. */
  resizeSize: number[] | null;
  mean: number[];
  std: number[];
  /** 'bilinear' for the published weights. */
  interpolation: string;
}

export class SemanticSegmentation extends Transform<ImageOrTensor, Tensor> {
  readonly resizeSize: number[] | null;
  readonly mean: number[];
  readonly std: number[];
  readonly interpolation: InterpolationMode;

  constructor(p: Omit<SegmentationTransformParams, 'kind'>) {
    [p] = bindOwn(SemanticSegmentation, arguments) as ConstructorParameters<typeof SemanticSegmentation>;
    super();
    this.resizeSize = p.resizeSize === null ? null : [...p.resizeSize];
    this.mean = [...p.mean];
    this.std = [...p.std];
    this.interpolation = p.interpolation as InterpolationMode;
  }

  forward(img: ImageOrTensor): Tensor {
    let x: ImageOrTensor = img;
    // a one-element size resizes the shorter side, as torchvision's [resize_size]
    if (this.resizeSize !== null) x = resize(x, this.resizeSize.length === 1 ? this.resizeSize[0]! : this.resizeSize, { interpolation: this.interpolation });
    let t = x instanceof Tensor ? x : F.pilToTensor(x);
    t = F.convertImageDtype(t, 'float32');
    return F.normalize(t, this.mean, this.std);
  }

  override toString(): string {
    const list = (v: number[]): string => `[${v.join(', ')}]`;
    return `SemanticSegmentation(\n    resize_size=${this.resizeSize === null ? 'None' : list(this.resizeSize)}\n    mean=${list(this.mean)}\n` +
      `    std=${list(this.std)}\n    interpolation=InterpolationMode.${this.interpolation.toUpperCase()}\n)`;
  }
}
classArgs(SemanticSegmentation, 'tstorch.vision.models.segmentation.SemanticSegmentation', '; *, resizeSize, mean, std, interpolation');

/** The preset of the segmentation weights table (weights.transforms()). */
export const segmentationPreset = withArgs('segmentationPreset', 'tstorch.vision.models.segmentation.segmentationPreset', 'p:dict',
  (p: ClassificationTransformParams): SemanticSegmentation => new SemanticSegmentation(presetArgs(p, ['resizeSize', 'mean', 'std', 'interpolation'])));

/** The generated table, typed as the weights tables are (its presets have no crop size; transformParams says so at run time). */
const TABLE = SEGMENTATION_WEIGHTS_DATA as unknown as WeightsTable & typeof SEGMENTATION_WEIGHTS_DATA;

/** A segmentation model's weights enum ('DeepLabV3_ResNet50_Weights'), whose transforms() is SemanticSegmentation. */
export const segmentationWeightsEnum = <E extends keyof typeof SEGMENTATION_WEIGHTS_DATA & string>(name: E) =>
  tableWeightsEnum(TABLE, name, segmentationPreset);
