// `import * as torch from 'tstorch'`: the analogue of `import torch`.
export { Tensor, wrap, type Device, type Scalar, type TensorOrScalar, type NestedArray, type IndexSpec, type ToOptions, type ValuesIndices, isDeviceString } from './tensor.js';
export * from './creation.js';
export * from './dtype.js';
export { tidy, keep, disposeTemporary, memoryStats } from './memory.js';
export { setPrintOptions } from './tensor-format.js';
export { manualSeed, seed, initialSeed, getRngState, setRngState, Generator } from './random.js';
export { config, setNumThreads, getNumThreads, cuda, type TorchConfig } from './config.js';
export { noGrad, enableGrad, setGradEnabled, isGradEnabled, inferenceMode, isInferenceModeEnabled } from './autograd/grad-mode.js';
export * as autograd from './autograd/index.js';
export { op, schemaOf } from './native/ops.js';
export * from './functions.js';
export * as nn from './nn/index.js';
export { save, load, loadSafetensors, saveSafetensors } from './serialization/index.js';
export * as serialization from './serialization/index.js';
export * as optim from './optim/index.js';
export * as utils from './utils/index.js';
export * as distributed from './distributed/index.js';

export const float32 = 'float32', float = 'float32', float64 = 'float64', double = 'float64', float16 = 'float16',
  half = 'float16', bfloat16 = 'bfloat16', int64 = 'int64', long = 'int64', int32 = 'int32', int = 'int32',
  int16 = 'int16', short = 'int16', int8 = 'int8', uint8 = 'uint8', bool = 'bool';
