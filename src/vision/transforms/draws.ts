// The random draws torchvision's transforms make, as single native calls on the thread's generator (libtorch's
// default one unless a torch.Generator runs, as in DataLoader workers): the same calls in the same order give
// the same numbers as torchvision with the same seed.
import { native } from '../../native/binding.js';
import { op } from '../../native/ops.js';
import { dtypeCode } from '../../dtype.js';

const O = { rand: op('aten::rand.generator'), randint: op('aten::randint.low_generator'), item: op('aten::item') };
const INT64 = dtypeCode('int64');

/** `torch.rand(1).item()` (a float32 value). */
export function rand1(): number {
  const h = O.rand([1], undefined);
  try { return O.item(h) as number; } finally { native.dispose(h); }
}

/** `torch.rand(1) < p`: the comparison happens in float32, as PyTorch promotes the Python float. */
export function coin(p: number): boolean {
  return rand1() < Math.fround(p);
}

/** `torch.randint(low, high, size=(1,)).item()`. */
export function randint1(low: number, high: number): number {
  const h = O.randint(low, high, [1], undefined, INT64);
  try { return Number(O.item(h)); } finally { native.dispose(h); }
}
