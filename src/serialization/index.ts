// torch.save / torch.load (PyTorch checkpoint files, both formats) and safetensors.
export { load, loadFromSource, type LoadOptions, type MapLocation } from './load.js';
export { save, saveToBytes, type SaveOptions } from './save.js';
export { loadSafetensors, saveSafetensors, saveSafetensorsToBytes, safetensorsMetadata } from './safetensors.js';
export { consumePrefixInStateDict } from './state-dict.js';
export { SerializationError } from './byte-source.js';
export { writeFileAtomic } from './atomic.js';
