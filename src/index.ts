// `import * as torch from 'tstorch'`: the analogue of `import torch`.
export { Tensor, wrap, type Scalar, type TensorOrScalar, type NestedArray, type IndexSpec, type ToOptions, type ValuesIndices, type MinMax, type VarOptions, type ReduceOptions } from './tensor.js';
export { Device, device, isDeviceString, type DeviceLike, type DeviceType } from './device.js';
export { Size } from './size.js';
export * from './creation.js';
export {
  DType, dtype, type DTypeName, type DTypeAlias, type DTypeLike, type AnyTypedArray, type MemoryFormat, MEMORY_FORMAT,
  uint8, int8, int16, int32, int64, float16, float32, float64, complex64, complex128, bool, bfloat16,
  float, double, half, long, int, short, byte, char, cfloat, cdouble,
  normalizeDtype, dtypeCode, dtypeFromCode, elementSize, typedArrayOf, dtypeOfTypedArray,
} from './dtype.js';
export { tidy, keep, disposeTemporary, memoryStats } from './memory.js';
export { setPrintOptions } from './tensor-format.js';
export { manualSeed, seed, initialSeed, getRngState, setRngState, Generator } from './random.js';
export { config, setNumThreads, getNumThreads, cuda, type TorchConfig } from './config.js';
export { noGrad, enableGrad, setGradEnabled, isGradEnabled, inferenceMode, isInferenceModeEnabled, GradModeGuard } from './autograd/grad-mode.js';
export * as autograd from './autograd/index.js';
export { op, schemaOf } from './native/ops.js';
export * from './functions.js';
export * as nn from './nn/index.js';
export { save, load, loadSafetensors, saveSafetensors } from './serialization/index.js';
export * as serialization from './serialization/index.js';
export * as optim from './optim/index.js';
export * as utils from './utils/index.js';
export * as distributed from './distributed/index.js';

export * as jit from './jit/index.js';
export * as onnx from './onnx/index.js';
export * as inference from './inference/index.js';
// PyTorch's module-level switches and the helpers that port PyTorch code needs (issue 9).
export * as backends from './backends.js';
export * as blas from './blas.js';
export { useDeterministicAlgorithms, areDeterministicAlgorithmsEnabled, isDeterministicAlgorithmsWarnOnlyEnabled, setFlushDenormal } from './backends.js';
export { isTensor, len, format } from './python.js';
export * as builtins from './builtins.js';
export { cpuCacheStats, emptyCpuCache, type CpuCacheStats } from './memory.js';
