// `vision.serve`: a model server for zoo classifiers with TorchServe's inference API and dynamic batching
// (`tstorch serve` on the command line).
export { createServer, ModelServer, type ServeOptions, type ModelOptions, type ModelStatus, type RequestLog } from './server.js';
export { parseModelSpec, type ModelSpec } from './model-spec.js';
export { registerEngine, engineNames, eagerEngine, type InferenceEngine, type ServedMemoryFormat, type EngineFactory, type EngineOptions } from './engine.js';
export { ServeError, type ErrorKind } from './errors.js';
export { readImageHeader, sniffFormat, PIL_MAX_IMAGE_PIXELS, type ImageHeader, type ImageFormat } from './image-header.js';
export { parseMultipart, type Part } from './multipart.js';
