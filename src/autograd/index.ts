export { grad, backward, gradcheck, type GradOptions } from './functional.js';
export { noGrad, enableGrad, setGradEnabled, isGradEnabled, inferenceMode, isInferenceModeEnabled, GradModeGuard } from './grad-mode.js';
export { Node } from './node.js';
/** torch.autograd.graph: the autograd graph's node type. */
export * as graph from './graph.js';
export { profileOps, type OpTotals } from './op-profiler.js';
