// torch.nn.functional, in camelCase: `import { nn } from 'tstorch'; nn.functional.relu(x)`.
export * from './activation.js';
export * from './linear.js';
export * from './conv.js';
export * from './pooling.js';
export * from './dropout.js';
export * from './normalization.js';
export {
  crossEntropy, nllLoss, mseLoss, l1Loss, smoothL1Loss, huberLoss, binaryCrossEntropy, binaryCrossEntropyWithLogits,
  type Reduction, type CrossEntropyOptions, type LegacyReduction,
} from './loss.js';
export * from './padding.js';
export * from './upsampling.js';
export * from './shuffle.js';
export * from './encoding.js';
export * from './vision.js';
export { multiHeadAttentionForward, type MultiHeadAttentionOptions } from './attention.js';
