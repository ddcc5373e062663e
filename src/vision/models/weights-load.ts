// Reading a checkpoint file into a state dict (torch.load of a file written by torch.save(model.state_dict())).
import type { StateDict } from '../../nn/module.js';

export function loadCheckpointFile(path: string): StateDict {
  throw new Error(`loading ${path}: torch.load is not available yet in this build`);
}
