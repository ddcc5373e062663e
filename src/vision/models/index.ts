// `vision.models`: torchvision's classification models, their weights and the registry.
export { listModels, getModel, getModelBuilder, getModelWeights, getWeight, registerModel, type ModelBuilder } from './registry.js';
export { Weights, WeightsEnum, weightsEnum, type RawWeightsEntry, type WeightsArg, type WeightsMeta, type ClassificationTransformParams, type BuilderOptions } from './weights.js';
export { ImageClassification } from './weights-transforms.js';
export { checkpointsDir, downloadUrlToFile, cachedCheckpoint, hashPrefix } from './weights-hub.js';
export { IMAGENET_CLASSES } from './imagenet-classes.js';
export * from './alexnet.js';
export * from './vgg.js';
export * from './resnet.js';
export * from './densenet.js';
export * from './googlenet.js';
export * from './inception.js';
export * from './squeezenet.js';
export * from './shufflenetv2.js';
export * from './mobilenetv2.js';
export * from './mobilenetv3.js';
export * from './mnasnet.js';
export * from './efficientnet.js';
export * from './regnet.js';
export * from './convnext.js';
export * from './lenet.js';
export { summary, ModelSummary, type SummaryRow, type SummaryOptions } from './summary.js';
export * as chapter from './chapter-blocks.js';
// torch.load of whole pickled torchvision models: the classes it may rebuild.
import './pickled-modules.js';
