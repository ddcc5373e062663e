// The chapter's fine-tuning transforms, apart from the fine-tuning run so that a DataLoader worker thread can
// build them without importing the model zoo and the rest of the run (its start-up is paid every epoch).
import * as T from '../vision/transforms/index.js';
import { Resize, RandomResizedCrop, type InterpolationMode } from '../vision/transforms/image-geometry.js';

export interface FinetuneTransformArgs {
  cropSize: number;
  resizeSize: number;
  mean: number[];
  std: number[];
  interpolation: InterpolationMode;
  /** RandomResizedCrop + flip for training; without, training uses the validation transform. */
  augment: boolean;
}

/** The chapter's training and validation transforms for a crop size and its resize, with a normalisation. */
export function finetuneTransforms(p: FinetuneTransformArgs): { train: T.Compose; val: T.Compose } {
  const tail = [new T.ToTensor(), new T.Normalize(p.mean, p.std)];
  const val = new T.Compose([new Resize(p.resizeSize, { interpolation: p.interpolation }), new T.CenterCrop(p.cropSize), ...tail]);
  const train = p.augment
    ? new T.Compose([new RandomResizedCrop(p.cropSize, { interpolation: p.interpolation }), new T.RandomHorizontalFlip(), ...tail])
    : val;
  return { train, val };
}
