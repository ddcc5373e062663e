// `vision.references.segmentation`: what torchvision's segmentation reference scripts train and evaluate with:
// joint image + mask transforms, the train/eval presets, the confusion matrix (pixel accuracy, IoU, mean IoU).
export * from './transforms.js';
export { SegmentationPresetTrain, SegmentationPresetEval, type SegmentationPresetTrainOptions } from './presets.js';
export { ConfusionMatrix, pyFixed, type SegmentationMetrics } from './confusion-matrix.js';
