// Python's copy.deepcopy for modules: a new module of the same class whose parameters and buffers are copies
// (same values, same requires_grad), whose children are copies, and whose other state is copied or shared as
// deepcopy would. nn.TransformerEncoder clones its layer N times this way; since nothing is drawn from the
// generator, the clones start out equal to the original, as in PyTorch.
import { Tensor } from '../tensor.js';
import { Parameter } from './parameter.js';
import { untrack } from '../memory.js';
import { noGrad } from '../autograd/grad-mode.js';
import { withArgs } from '../args.js';

function copyValue(v: unknown, memo: Map<unknown, unknown>): unknown {
  if (v === null || typeof v !== 'object') return v; // primitives and functions are shared, as deepcopy shares them
  const seen = memo.get(v);
  if (seen !== undefined) return seen;
  let out: unknown;
  if (v instanceof Parameter) {
    // Parameter.__deepcopy__: a clone of the data with the same requires_grad (the gradient is not copied)
    out = new Parameter(noGrad(() => v.detach().clone()), v.requiresGrad);
  } else if (v instanceof Tensor) {
    const t = noGrad(() => v.detach().clone());
    untrack(t);
    if (v.requiresGrad) t.requiresGrad_(true);
    out = t;
  } else if (Array.isArray(v)) {
    const a: unknown[] = [];
    memo.set(v, a);
    for (const x of v) a.push(copyValue(x, memo));
    return a;
  } else if (v instanceof Map) {
    const m = new Map();
    memo.set(v, m);
    for (const [k, x] of v) m.set(k, copyValue(x, memo));
    return m;
  } else if (v instanceof Set) {
    const s = new Set();
    memo.set(v, s);
    for (const x of v) s.add(copyValue(x, memo));
    return s;
  } else {
    // a module or any other object: same prototype, every own property (enumerable or not) copied
    const o = Object.create(Object.getPrototypeOf(v) as object | null) as object;
    memo.set(v, o);
    for (const key of Reflect.ownKeys(v)) {
      const d = Object.getOwnPropertyDescriptor(v, key)!;
      if ('value' in d) d.value = copyValue(d.value, memo);
      Object.defineProperty(o, key, d);
    }
    return o;
  }
  memo.set(v, out);
  return out;
}

/** A deep copy of a module (or of any value holding modules and tensors), as Python's copy.deepcopy. */
function deepcopyImpl<T>(value: T): T {
  return copyValue(value, new Map()) as T;
}
/** Python's deepcopy(x, memo=None) without `memo` (a plain object is the value to copy, not options). */
export const deepcopy: <T>(value: T) => T = withArgs('deepcopy', 'copy.deepcopy', 'x:dict', deepcopyImpl);
