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
  /** A distributed run's DistributedSampler epoch, when the checkpoint has one. */
  samplerEpoch?: number;
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
  const epoch = o.epoch, best = o.best_acc, rng = o.rng_state, rngStates = o.rng_states, samplerEpoch = o.sampler_epoch;
  if (typeof epoch !== 'number' || !Number.isInteger(epoch) || epoch < 0) cannot(`its epoch is ${String(epoch)}, not a whole number`);
  if (typeof best !== 'number' || Number.isNaN(best)) cannot(`its best_acc is ${String(best)}, not a number`);
  if (!(rng instanceof torch.Tensor)) cannot('its rng_state is not a tensor');
  // a distributed run's checkpoint: every rank's generator state, and the sampler's epoch
  if (rngStates !== undefined && !(Array.isArray(rngStates) && rngStates.every((t) => t instanceof torch.Tensor))) cannot('its rng_states is not a list of tensors');
  if (samplerEpoch !== undefined && !(typeof samplerEpoch === 'number' && Number.isInteger(samplerEpoch) && samplerEpoch >= 0)) {
    cannot(`its sampler_epoch is ${String(samplerEpoch)}, not a whole number`);
  }
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
    // this rank's state of rng_states (rank 0's when resumed without a process group), else rng_state
    torch.distributed.restoreRngState(rngStates as torch.Tensor[] | undefined, rng as torch.Tensor);
  } catch (e) {
    cannot(`its rng_state is not a generator state: ${(e as Error).message}`);
  }
  return { epoch: epoch as number, bestAccuracy: best as number, ...(samplerEpoch !== undefined ? { samplerEpoch: samplerEpoch as number } : {}) };
}
