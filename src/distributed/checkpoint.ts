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

/** Every rank's random-number generator state, in rank order (a collective: every rank calls it). */
export function gatherRngStates(group?: GroupArg): Tensor[] {
  const mine = getRngState();
  if (!isInitialized()) return [mine];
  const all = Array.from({ length: getWorldSize(group) }, () => empty(mine.shape, { dtype: mine.dtype }));
  allGather(all, mine, { group });
  mine.dispose();
  return all;
}

/** Restores this rank's generator from states gathered by gatherRngStates (the last one if the world grew). */
export function restoreRngState(states: Tensor[] | undefined, fallback?: Tensor): void {
  const rank = isInitialized() ? getRank() : 0;
  const s = states && states.length ? states[Math.min(rank, states.length - 1)] : fallback;
  if (s) setRngState(s);
}

/**
 * Saves `state()` on rank 0 and waits at a barrier on the others: every rank calls it. `state` is only
 * evaluated on rank 0, so it may read things only rank 0 has.
 */
export function saveOnRank0(state: () => unknown, path: string, opts: { group?: GroupArg } = {}): void {
  if (!isInitialized() || getRank() === 0) save(state(), path);
  if (isInitialized()) barrier({ group: opts.group });
}

/** Loads a checkpoint on every rank (after the barrier of the save that wrote it). */
export function loadCheckpoint(path: string): unknown {
  return load(path);
}
