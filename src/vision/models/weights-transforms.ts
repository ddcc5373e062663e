// torchvision's ImageClassification preset: the inference preprocessing that goes with published weights
// (resize the shorter side, centre crop, to float in [0, 1], normalise with the training set's mean and std).
import { Tensor } from '../../tensor.js';
import { Transform } from '../transforms/transforms.js';
import { resize, type InterpolationMode } from '../transforms/image-geometry.js';
import * as F from '../transforms/functional.js';
import type { ImageOrTensor } from '../transforms/functional.js';
import { bindOwn, classArgs } from '../../args.js';

export interface ImageClassificationParams {
  cropSize: number[];
  resizeSize: number[];
  mean: number[];
  std: number[];
  interpolation: string;
}

export class ImageClassification extends Transform<ImageOrTensor, Tensor> {
  readonly cropSize: number[];
  readonly resizeSize: number[];
  readonly mean: number[];
  readonly std: number[];
  readonly interpolation: InterpolationMode;

  constructor(p: ImageClassificationParams) {
    [p] = bindOwn(ImageClassification, arguments) as ConstructorParameters<typeof ImageClassification>;
    super();
    this.cropSize = [...p.cropSize];
    this.resizeSize = [...p.resizeSize];
    this.mean = [...p.mean];
    this.std = [...p.std];
    this.interpolation = p.interpolation as InterpolationMode;
  }

  forward(img: ImageOrTensor): Tensor {
    // A one-element size list resizes the shorter side, as torchvision's [resize_size].
    let x: ImageOrTensor = resize(img, this.resizeSize.length === 1 ? this.resizeSize[0]! : this.resizeSize, { interpolation: this.interpolation });
    x = F.centerCrop(x, this.cropSize);
    let t = x instanceof Tensor ? x : F.pilToTensor(x);
    t = F.convertImageDtype(t, 'float32');
    return F.normalize(t, this.mean, this.std);
  }

  override toString(): string {
    const list = (v: number[]): string => `[${v.join(', ')}]`;
    return `ImageClassification(\n    crop_size=${list(this.cropSize)}\n    resize_size=${list(this.resizeSize)}\n    mean=${list(this.mean)}\n` +
      `    std=${list(this.std)}\n    interpolation=InterpolationMode.${this.interpolation.toUpperCase()}\n)`;
  }
}
classArgs(ImageClassification, 'tstorch.vision.models.ImageClassification', '; *, cropSize, resizeSize, mean, std, interpolation');
