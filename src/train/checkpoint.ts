// Reading a model's weights from the checkpoint files people have: a bare state dict (torch.save(model.state_dict())),
// a training checkpoint with the state dict under 'model' / 'state_dict' / 'model_state_dict', and DataParallel's
// 'module.' prefixes.
import * as torch from '../index.js';
import { consumePrefixInStateDict } from '../serialization/index.js';
import { UserError } from '../cli/errors.js';

function isStateDict(o: unknown): o is Record<string, torch.Tensor> {
  return o !== null && typeof o === 'object' && !(o instanceof Map) && Object.keys(o).length > 0 &&
    Object.values(o).every((v) => v instanceof torch.Tensor);
}

export function loadCheckpointStateDict(path: string): Record<string, torch.Tensor> {
  let obj: unknown;
  try {
    obj = torch.load(path);
  } catch (e) {
    throw new UserError(`cannot read checkpoint ${path}: ${(e as Error).message}`);
  }
  let sd: unknown = obj;
  if (!isStateDict(sd) && sd !== null && typeof sd === 'object') {
    const o = sd as Record<string, unknown>;
    sd = ['model', 'state_dict', 'model_state_dict'].map((k) => o[k]).find(isStateDict);
  }
  if (!isStateDict(sd)) {
    throw new UserError(`${path} holds no state dict (expected tensors by name, or one under 'model' or 'state_dict')`);
  }
  consumePrefixInStateDict(sd, 'module.');
  return sd;
}
