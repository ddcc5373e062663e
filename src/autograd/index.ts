export { grad, backward, gradcheck, type GradOptions } from './functional.js';
export { noGrad, enableGrad, setGradEnabled, isGradEnabled, inferenceMode, isInferenceModeEnabled } from './grad-mode.js';
