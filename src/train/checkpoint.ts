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
  // a dict with integer-like names loads as a Map (to keep Python's order): by name it is the same state dict
  const asObject = (v: unknown): unknown => (v instanceof Map && [...v.keys()].every((k) => typeof k === 'string') ? Object.fromEntries(v) : v);
  let sd: unknown = asObject(obj);
  if (!isStateDict(sd) && sd !== null && typeof sd === 'object' && !(sd instanceof Map)) {
    const o = sd as Record<string, unknown>;
    sd = ['model', 'state_dict', 'model_state_dict'].map((k) => asObject(o[k])).find(isStateDict);
  }
  if (!isStateDict(sd)) {
    throw new UserError(`${path} holds no state dict (expected tensors by name, or one under 'model' or 'state_dict')`);
  }
  consumePrefixInStateDict(sd, 'module.');
  return sd;
}

/** What `tstorch train --resume` continues from. */
export interface ResumePoint {
  epoch: number;
  bestAccuracy: number;
}

interface Loadable { loadStateDict(sd: never): unknown }

/**
 * Loads `tstorch train`'s last.pth into a model and its optimizer and restores the random generator. Anything
 * else in its place (a text file, an empty or truncated file, a bare state dict, a refused pickle, a folder, the
 * checkpoint of another architecture) is a UserError that says what the file is and what was expected.
 */
export function loadResumeCheckpoint(path: string, model: Loadable, optimizer: Loadable, modelName: string): ResumePoint {
  const cannot = (why: string): never => { throw new UserError(`cannot resume from ${path}: ${why}`); };
  let obj: unknown;
  try {
    obj = torch.load(path);
  } catch (e) {
    cannot((e as Error).message.replace(`${path}: `, ''));
  }
  const fields = ['model', 'optimizer', 'epoch', 'rng_state', 'best_acc'];
  const o = obj as Record<string, unknown>;
  if (obj === null || typeof obj !== 'object' || obj instanceof Map || Array.isArray(obj) || obj instanceof torch.Tensor) {
    cannot(`it holds a ${obj instanceof Map ? 'dict with non-string keys' : Array.isArray(obj) ? 'list' : obj instanceof torch.Tensor ? 'tensor' : typeof obj}, not a training checkpoint (${fields.join(', ')})`);
  }
  const missing = fields.filter((f) => !(f in o));
  if (missing.length > 0) {
    const bare = isStateDict(obj) ? ' (it is a bare state dict: train afresh from its weights instead of resuming)' : '';
    cannot(`not a tstorch training checkpoint: it lacks ${missing.join(', ')}${bare}`);
  }
  const epoch = o.epoch, best = o.best_acc, rng = o.rng_state;
  if (typeof epoch !== 'number' || !Number.isInteger(epoch) || epoch < 0) cannot(`its epoch is ${String(epoch)}, not a whole number`);
  if (typeof best !== 'number' || Number.isNaN(best)) cannot(`its best_acc is ${String(best)}, not a number`);
  if (!(rng instanceof torch.Tensor)) cannot('its rng_state is not a tensor');
  try {
    model.loadStateDict(o.model as never);
  } catch (e) {
    cannot(`its model does not fit ${modelName}: ${(e as Error).message.split('\n').slice(0, 3).join(' ')}`);
  }
  try {
    optimizer.loadStateDict(o.optimizer as never);
  } catch (e) {
    cannot(`its optimizer state does not fit: ${(e as Error).message}`);
  }
  try {
    torch.setRngState(rng as torch.Tensor);
  } catch (e) {
    cannot(`its rng_state is not a generator state: ${(e as Error).message}`);
  }
  return { epoch: epoch as number, bestAccuracy: best as number };
}
