// `torch.utils`
export * as data from '../data/index.js';
export { ProgressBar, formatNumber, type ProgressOptions } from './progress.js';
