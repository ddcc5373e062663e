// torch.save / torch.load (PyTorch checkpoint files, both formats) and safetensors.
import { withArgs, api, type PyRest } from '../args.js';
import { load as loadImpl, type LoadOptions } from './load.js';
import { save as saveImpl } from './save.js';
import { loadSafetensors as loadSafetensorsImpl, saveSafetensors as saveSafetensorsImpl } from './safetensors.js';

export { loadFromSource, type LoadOptions, type MapLocation } from './load.js';
export { saveToBytes, type SaveOptions } from './save.js';
export { saveSafetensorsToBytes, safetensorsMetadata } from './safetensors.js';

/** torch.load(f, mapLocation): a checkpoint of either PyTorch format (see load.ts); nothing in the file runs. */
export const load = api<(f: string | Uint8Array, ...rest: PyRest<LoadOptions, ['mapLocation']>) => any>('load', 'torch.load', 'f; mapLocation, *, stripPrefix', loadImpl);
/** torch.save(obj, f): written atomically in PyTorch's zip format (see save.ts). */
export const save = withArgs('save', 'torch.save', 'obj:dict, f; *, useNewZipfileSerialization, archiveName, forceZip64', saveImpl);
/** safetensors.torch.load_file(filename, device='cpu') */
export const loadSafetensors = api<(filename: string | Uint8Array, ...rest: PyRest<{ device?: string }, ['device']>) => ReturnType<typeof loadSafetensorsImpl>>(
  'loadSafetensors', 'safetensors.torch.load_file', 'filename; device', loadSafetensorsImpl);
/** safetensors.torch.save_file(tensors, filename, metadata=None) */
export const saveSafetensors = withArgs('saveSafetensors', 'safetensors.torch.save_file', 'tensors:dict, filename, metadata?:dict', saveSafetensorsImpl);
export { consumePrefixInStateDict } from './state-dict.js';
export { SerializationError } from './byte-source.js';
export { writeFileAtomic } from './atomic.js';
