// torch.inference: run a model with the fastest engine this machine has (eager tstorch, TorchScript through
// libtorch's JIT, or ONNX Runtime), behind one small interface (engine.ts) that predict and servers use.
export { compile, availableEngines } from './compile.js';
export { ENGINES, type EngineName, type InferenceEngine, type CompileOptions } from './engine.js';
export { loadOnnxRuntime, sessionOptions } from './onnxruntime.js';
