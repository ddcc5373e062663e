// torchvision's references/segmentation/presets.py (0.14): the training pipeline (random resize between half and
// twice the base size, flip, random crop, to tensors, normalise) and the evaluation one (resize to the base size).
import { Compose, ConvertImageDtype, Normalize, PILToTensor, RandomCrop, RandomHorizontalFlip, RandomResize, type PairTransform, type SegmentationImage, type SegmentationPair } from './transforms.js';
import { bindOwn, classArgs } from '../../../args.js';

const MEAN = [0.485, 0.456, 0.406];
const STD = [0.229, 0.224, 0.225];

export interface SegmentationPresetTrainOptions {
  baseSize: number;
  cropSize: number;
  hflipProb?: number;
  mean?: readonly number[];
  std?: readonly number[];
}

export class SegmentationPresetTrain implements PairTransform {
  readonly transforms: Compose;
  constructor(o: SegmentationPresetTrainOptions) {
    [o] = bindOwn(SegmentationPresetTrain, arguments) as ConstructorParameters<typeof SegmentationPresetTrain>;
    const minSize = Math.trunc(0.5 * o.baseSize);
    const maxSize = Math.trunc(2.0 * o.baseSize);
    const trans: PairTransform[] = [new RandomResize(minSize, maxSize)];
    const hflipProb = o.hflipProb ?? 0.5;
    if (hflipProb > 0) trans.push(new RandomHorizontalFlip(hflipProb));
    trans.push(new RandomCrop(o.cropSize), new PILToTensor(), new ConvertImageDtype('float32'), new Normalize(o.mean ?? MEAN, o.std ?? STD));
    this.transforms = new Compose(trans);
  }
  call(image: SegmentationImage, target: SegmentationImage): SegmentationPair { return this.transforms.call(image, target); }
}
classArgs(SegmentationPresetTrain, 'tstorch.vision.references.segmentation.SegmentationPresetTrain', '; *, baseSize, cropSize, hflipProb, mean, std');

export class SegmentationPresetEval implements PairTransform {
  readonly transforms: Compose;
  constructor(o: { baseSize: number; mean?: readonly number[]; std?: readonly number[] }) {
    [o] = bindOwn(SegmentationPresetEval, arguments) as ConstructorParameters<typeof SegmentationPresetEval>;
    this.transforms = new Compose([
      new RandomResize(o.baseSize, o.baseSize), new PILToTensor(), new ConvertImageDtype('float32'), new Normalize(o.mean ?? MEAN, o.std ?? STD),
    ]);
  }
  call(image: SegmentationImage, target: SegmentationImage): SegmentationPair { return this.transforms.call(image, target); }
}
classArgs(SegmentationPresetEval, 'tstorch.vision.references.segmentation.SegmentationPresetEval', '; *, baseSize, mean, std');
