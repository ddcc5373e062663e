// torch.nn.utils.
export { clipGradNorm_, clipGradValue_ } from './clip-grad.js';
