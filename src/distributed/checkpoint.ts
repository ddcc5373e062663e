// Checkpoints in a distributed job: rank 0 writes (atomically, as torch.save does) while the other ranks
// wait at a barrier, so that no rank reads a half-written file or races ahead of it; every rank reads.
// Each rank's random state is gathered into the checkpoint, so that a resumed job draws what the
// uninterrupted one would have drawn (augmentation, dropout) on every rank.
import { Tensor } from '../tensor.js';
import { save, load } from '../serialization/index.js';
import { getRngState, setRngState } from '../random.js';
import { empty } from '../creation.js';
import { allGather, barrier, getRank, getWorldSize, isInitialized } from './distributed-c10d.js';
import type { GroupArg } from './process-group.js';
import { bindOwn, registerSignature } from '../args.js';

// PyTorch's argument binding (src/args.ts) for this module's functions: an extra positional argument or an
// unknown keyword is a TypeError naming it.
registerSignature(gatherRngStates, 'gatherRngStates', 'tstorch.distributed.gatherRngStates', 'group?');
registerSignature(loadCheckpoint, 'loadCheckpoint', 'tstorch.distributed.loadCheckpoint', 'path');
registerSignature(restoreRngState, 'restoreRngState', 'tstorch.distributed.restoreRngState', 'states, fallback?');
registerSignature(saveOnRank0, 'saveOnRank0', 'tstorch.distributed.saveOnRank0', 'state:dict, path; *, group');

/** Every rank's random-number generator state, in rank order (a collective: every rank calls it). */
export function gatherRngStates(group?: GroupArg): Tensor[] {
  [group] = bindOwn(gatherRngStates, arguments) as Parameters<typeof gatherRngStates>;
  const mine = getRngState();
  if (!isInitialized()) return [mine];
  const all = Array.from({ length: getWorldSize(group) }, () => empty(mine.shape, { dtype: mine.dtype }));
  allGather(all, mine, { group });
  mine.dispose();
  return all;
}

/** Restores this rank's generator from states gathered by gatherRngStates (the last one if the world grew). */
export function restoreRngState(states: Tensor[] | undefined, fallback?: Tensor): void {
  [states, fallback] = bindOwn(restoreRngState, arguments) as Parameters<typeof restoreRngState>;
  const rank = isInitialized() ? getRank() : 0;
  const s = states && states.length ? states[Math.min(rank, states.length - 1)] : fallback;
  if (s) setRngState(s);
}

/**
 * Saves `state()` on rank 0 and waits at a barrier on the others: every rank calls it. `state` is only
 * evaluated on rank 0, so it may read things only rank 0 has.
 */
export function saveOnRank0(state: () => unknown, path: string, opts: { group?: GroupArg } = {}): void {
  [state, path, opts = {}] = bindOwn(saveOnRank0, arguments) as Parameters<typeof saveOnRank0>;
  if (!isInitialized() || getRank() === 0) save(state(), path);
  if (isInitialized()) barrier({ group: opts.group });
}

/** Loads a checkpoint on every rank (after the barrier of the save that wrote it). */
export function loadCheckpoint(path: string): unknown {
  [path] = bindOwn(loadCheckpoint, arguments) as Parameters<typeof loadCheckpoint>;
  return load(path);
}
