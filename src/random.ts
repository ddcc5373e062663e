// The default CPU generator of libtorch, the one torch.manual_seed seeds: with the same seed and the same
// sequence of calls, tstorch draws the same numbers as PyTorch.
import { native } from './native/binding.js';
import { Tensor } from './tensor.js';

export function manualSeed(seed: number | bigint): void {
  if (typeof seed === 'number' && (!Number.isInteger(seed) || seed < 0)) {
    throw new RangeError(`manualSeed: the seed must be a non-negative integer, got ${seed}`);
  }
  native.manualSeed(seed);
}
export const seed = manualSeed;
export function initialSeed(): bigint { return native.initialSeed(); }
/** The generator's state as a uint8 tensor (torch.get_rng_state()). */
export function getRngState(): Tensor { return new Tensor(native.getRngState()); }
export function setRngState(state: Tensor): void { native.setRngState(state._h); }
