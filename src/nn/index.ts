// `torch.nn`
export { Module, callChain, releaseOutput, stateDictMetadata, type StateDictMetadata, type StateDict, type LoadStateDictResult, type ForwardHook, type ForwardPreHook, type RemovableHandle } from './module.js';
export { Parameter } from './parameter.js';
export { Sequential, ModuleList, ModuleDict } from './modules/container.js';
export { Linear, Identity } from './modules/linear.js';
export { Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, type ConvOptions, type ConvTransposeOptions, type PaddingMode } from './modules/conv.js';
export { BatchNorm1d, BatchNorm2d, BatchNorm3d, type BatchNormOptions } from './modules/batchnorm.js';
export { ReLU, ReLU6, Hardtanh, SiLU, Mish, Hardswish, Hardsigmoid, Sigmoid, Tanh, ELU, LeakyReLU, GELU, Softmax, LogSoftmax, PReLU } from './modules/activation.js';
export { MaxPool1d, MaxPool2d, AvgPool1d, AvgPool2d, AdaptiveAvgPool1d, AdaptiveAvgPool2d, AdaptiveMaxPool2d, type MaxPoolOptions, type AvgPoolOptions } from './modules/pooling.js';
export { Dropout, Dropout2d } from './modules/dropout.js';
export { Flatten, Unflatten } from './modules/flatten.js';
export * as functional from './functional/index.js';
export * as init from './init.js';
export { LayerNorm, GroupNorm, LocalResponseNorm } from './modules/normalization.js';
export { Upsample, UpsamplingNearest2d, UpsamplingBilinear2d, type UpsampleOptions } from './modules/upsampling.js';
export { CrossEntropyLoss, NLLLoss, MSELoss, L1Loss, SmoothL1Loss, BCELoss, BCEWithLogitsLoss } from './modules/loss.js';
export { ChannelShuffle, PixelShuffle, PixelUnshuffle } from './modules/shuffle.js';
export { ZeroPad2d, ConstantPad2d, ReflectionPad2d, ReplicationPad2d } from './modules/padding.js';
export * as utils from './utils/index.js';
export { MaxPool3d, AvgPool3d, AdaptiveAvgPool3d } from './modules/pooling.js';
export { InstanceNorm1d, InstanceNorm2d, InstanceNorm3d, type InstanceNormOptions } from './modules/instancenorm.js';
export { MultiheadAttention, NonDynamicallyQuantizableLinear, type MultiheadAttentionOptions, type MultiheadAttentionForwardOptions } from './modules/multihead-attention.js';
export { Transformer, TransformerEncoder, TransformerDecoder, TransformerEncoderLayer, TransformerDecoderLayer, type TransformerActivation, type TransformerLayerOptions, type TransformerOptions } from './modules/transformer.js';
export { deepcopy } from './deepcopy.js';
export { SyncBatchNorm, convertSyncBatchnorm, type SyncBatchNormOptions } from './modules/sync-batchnorm.js';
export * as parallel from './parallel/index.js';
// torch.load of whole pickled torch.nn models: the classes it may rebuild.
import './pickled-modules.js';
