// `torchvision.transforms` (tstorch/vision: vision.transforms); `functional` is torchvision.transforms.functional.
export {
  Transform, Compose, ToTensor, PILToTensor, ConvertImageDtype, Normalize, Lambda, RandomHorizontalFlip, RandomVerticalFlip,
  Pad, CenterCrop, RandomCrop, RandomErasing, applyTransform,
  type TransformLike, type PadOptions, type RandomCropOptions, type RandomErasingOptions,
} from './transforms.js';
export {
  Resize, RandomResizedCrop, RandomRotation, RandomAffine, RandomPerspective, resize, resizedCrop, rotate, affine, perspective,
  inverseAffineMatrix, perspectiveCoeffs, type PerspectiveOptions, type RandomPerspectiveOptions,
  type InterpolationMode, type ResizeOptions, type RandomResizedCropOptions, type RotateOptions, type AffineOptions, type RandomAffineOptions,
} from './image-geometry.js';
export {
  ColorJitter, Grayscale, RandomGrayscale, GaussianBlur, adjustBrightness, adjustContrast, adjustSaturation, adjustHue,
  adjustSharpness, rgbToGrayscale, invert, posterize, solarize, autocontrast, equalize, gaussianBlur, type ColorJitterOptions,
  RandomInvert, RandomPosterize, RandomSolarize, RandomAdjustSharpness, RandomAutocontrast, RandomEqualize,
} from './image-color.js';
export {
  AutoAugment, RandAugment, TrivialAugmentWide, AugMix, applyOp as applyAugmentOp, type AutoAugmentPolicy, type AutoAugmentOptions, type AugMixOptions,
  type RandAugmentOptions, type TrivialAugmentWideOptions,
} from './autoaugment.js';
export { FiveCrop, TenCrop, fiveCrop, tenCrop } from './multi-crop.js';
export * as functional from './functional.js';
export type { PaddingMode, ImageOrTensor } from './functional.js';
export { ToPILImage } from './transforms.js';
export { RandomApply, RandomOrder, RandomChoice } from './random-composition.js';
export { LinearTransformation } from './linear-transformation.js';
export { PyRandom, pyRandom } from './py-random.js';
export { ElasticTransform, elasticTransform, type ElasticTransformOptions } from './elastic.js';
export * as detection from './detection.js';
export { DetectionPresetTrain, DetectionPresetEval, type DetectionAugmentation, type DetectionPresetTrainOptions } from './detection-presets.js';
