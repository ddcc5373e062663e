// The default CPU generator of libtorch, the one torch.manual_seed seeds: with the same seed and the same
// sequence of calls, tstorch draws the same numbers as PyTorch.
import { randomBytes } from 'node:crypto';
import { withArgs } from './args.js';
import { native, type GeneratorHandle } from './native/binding.js';
import { Tensor } from './tensor.js';

/** torch.manual_seed(seed): seeds libtorch's default generator (the same stream as PyTorch's). */
export const manualSeed = withArgs('manualSeed', 'torch.manual_seed', 'seed', manualSeedImpl);
function manualSeedImpl(seed: number | bigint): void {
  if (typeof seed === 'number' && (!Number.isInteger(seed) || seed < 0)) {
    throw new RangeError(`manualSeed: the seed must be a non-negative integer, got ${seed}`);
  }
  native.manualSeed(seed);
}
/**
 * torch.seed(): seeds the default generator with a non-deterministic number and returns it (it does not take a
 * seed: that is manualSeed).
 */
export const seed = withArgs('seed', 'torch.seed', '', (): bigint => {
  const s = randomBytes(8).readBigUInt64LE(0) & ((1n << 63n) - 1n);
  native.manualSeed(s);
  return s;
});
/** torch.initial_seed() */
export const initialSeed = withArgs('initialSeed', 'torch.initial_seed', '', (): bigint => native.initialSeed());
/** The generator's state as a uint8 tensor (torch.get_rng_state()). */
export const getRngState = withArgs('getRngState', 'torch.get_rng_state', '', (): Tensor => new Tensor(native.getRngState()));
/** torch.set_rng_state(new_state) */
export const setRngState = withArgs('setRngState', 'torch.set_rng_state', 'newState', (state: Tensor): void => {
  if (!(state instanceof Tensor)) throw new TypeError(`setRngState: expected the uint8 tensor getRngState() returns, got ${typeof state}`);
  native.setRngState(state._h);
});

/**
 * torch.Generator (CPU): a private random stream. Draws made inside `g.run(fn)` by this thread's random
 * operations (rand, randn, randint, randperm, uniform_, normal_, bernoulli_, dropout masks excepted) come
 * from g, exactly as `torch.rand(3, generator=g)` does in Python; other threads and the default stream are
 * untouched. Worker threads use it to draw as PyTorch's seeded DataLoader workers do.
 */
export class Generator {
  readonly _g: GeneratorHandle;
  constructor(seed?: number | bigint) {
    this._g = native.newGenerator(seed);
  }
  manualSeed(seed: number | bigint): this {
    if (typeof seed === 'number' && (!Number.isSafeInteger(seed) || seed < 0)) {
      throw new RangeError(`Generator.manualSeed: the seed must be a non-negative integer, got ${seed}`);
    }
    native.generatorManualSeed(this._g, seed);
    return this;
  }
  initialSeed(): bigint { return native.generatorInitialSeed(this._g); }
  getState(): Tensor { return new Tensor(native.generatorGetState(this._g)); }
  setState(state: Tensor): this { native.generatorSetState(this._g, state._h); return this; }
  /** Runs a synchronous fn with this generator as the thread's generator. */
  run<T>(fn: () => T): T {
    const prev = current;
    native.useGenerator(this._g);
    current = this;
    try {
      return fn();
    } finally {
      native.useGenerator(prev ? prev._g : null);
      current = prev;
    }
  }
}
let current: Generator | null = null;
