// torch.utils.data's generators are torch.Generator (src/random.ts): a native private generator that
// `run(fn)` makes the current thread's generator, so draws made inside it are exactly those a
// torch.Generator with the same seed makes in PyTorch, the default stream is left alone, and a worker
// thread's draws never touch the main thread's generator.
import { native } from '../native/binding.js';
import { op } from '../native/ops.js';
import { dtypeCode } from '../dtype.js';
import { Generator } from '../random.js';

export { Generator };

const O = { empty: op('aten::empty.memory_format'), random_: op('aten::random_') };

/** Runs `fn` on `generator`, or on the thread's current generator when there is none. */
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
