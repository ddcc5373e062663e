// `vision.models.optical_flow` (here `opticalFlow`): RAFT and its weights and preset.
export * from './raft.js';
export { OpticalFlow } from './preset.js';
export { gridSampleAbsolute, makeCoordsGrid, upsampleFlow } from './utils.js';
