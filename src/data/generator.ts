// A private random generator, the analogue of `torch.Generator().manual_seed(s)`. The addon exposes only
// libtorch's default CPU generator, so a private generator is a saved generator state that is swapped in
// around each use: draws made inside `run()` are exactly those a torch.Generator with the same seed makes,
// and the default generator's stream is left as it was.
import { native, type Handle } from '../native/binding.js';
import { op } from '../native/ops.js';
import { dtypeCode } from '../dtype.js';

const O = { empty: op('aten::empty.memory_format'), random_: op('aten::random_') };

function withState<T>(state: Handle, fn: () => T): { result: T; state: Handle } {
  const saved = native.getRngState();
  native.setRngState(state);
  try {
    const result = fn();
    return { result, state: native.getRngState() };
  } finally {
    native.setRngState(saved);
    native.dispose(saved);
  }
}

export class Generator {
  // Native handles are used directly (not Tensors) so that a Generator made inside tidy() survives it.
  private state: Handle;
  private seed_: bigint;

  constructor(seed: number | bigint = 67280421310721n) {
    this.seed_ = 0n;
    this.state = native.getRngState();
    this.manualSeed(seed);
  }

  manualSeed(seed: number | bigint): this {
    if (typeof seed === 'number' && (!Number.isSafeInteger(seed) || seed < 0)) {
      throw new RangeError(`Generator.manualSeed: the seed must be a non-negative integer, got ${seed}`);
    }
    const saved = native.getRngState();
    try {
      native.manualSeed(seed);
      native.dispose(this.state);
      this.state = native.getRngState();
    } finally {
      native.setRngState(saved);
      native.dispose(saved);
    }
    this.seed_ = BigInt(seed);
    return this;
  }

  initialSeed(): bigint { return this.seed_; }

  /** Runs `fn` (synchronous) with this generator as libtorch's default generator. */
  run<T>(fn: () => T): T {
    const { result, state } = withState(this.state, fn);
    native.dispose(this.state);
    this.state = state;
    return result;
  }
}

/** Runs `fn` on `generator`, or on the default generator when there is none. */
export function runOn<T>(generator: Generator | null | undefined, fn: () => T): T {
  return generator ? generator.run(fn) : fn();
}

/**
 * `int(torch.empty((), dtype=torch.int64).random_(generator=g).item())`: the seed PyTorch's samplers and
 * DataLoader iterators draw. Exact as a bigint (it can exceed 2^53).
 */
export function drawSeed(generator?: Generator | null): bigint {
  return runOn(generator, () => {
    const h = O.empty([], dtypeCode('int64'));
    try {
      O.random_(h);
      return new BigInt64Array(native.toBytes(h))[0]!;
    } finally {
      native.dispose(h);
    }
  });
}
