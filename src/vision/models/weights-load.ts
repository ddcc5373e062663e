// Reading a checkpoint file (torch.save(model.state_dict())) into a state dict, on the CPU.
import { load } from '../../serialization/index.js';
import { Tensor } from '../../tensor.js';
import type { StateDict } from '../../nn/module.js';

export function loadCheckpointFile(path: string): StateDict {
  const obj: unknown = load(path, { mapLocation: 'cpu' });
  const entries = obj instanceof Map ? [...obj.entries()] : obj !== null && typeof obj === 'object' && !Array.isArray(obj) ? Object.entries(obj) : null;
  if (entries === null || obj instanceof Tensor) {
    throw new Error(`${path}: expected a state dict (a dict of tensors, as torch.save(model.state_dict()) writes), got ${obj instanceof Tensor ? 'a tensor' : typeof obj}`);
  }
  const notTensors = entries.filter(([, v]) => !(v instanceof Tensor)).map(([k]) => String(k));
  if (notTensors.length) {
    throw new Error(`${path}: expected a state dict of tensors, but the entries ${notTensors.slice(0, 5).map((k) => `'${k}'`).join(', ')} are not tensors ` +
      '(a training checkpoint? load it with torch.load and pass its model state dict to loadStateDict)');
  }
  return Object.fromEntries(entries) as StateDict;
}
