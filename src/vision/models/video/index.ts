// `vision.models.video`: torchvision.models.video's video classifiers (Kinetics-400), their weights and preset.
export * from './resnet.js';
export { VideoClassification, type VideoClassificationParams } from './preset.js';
export { KINETICS400_CLASSES } from './weights-data.js';
export * from './s3d.js';
export * from './mvit.js';
export { clipSampling, type ClipSampling } from './sampling.js';
