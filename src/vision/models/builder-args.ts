// torchvision's model builders take keyword arguments only (`resnet50(*, weights=None, progress=True, **kwargs)`),
// which here is one options object: a second argument, or a first one that is not an options object, is a
// TypeError rather than an argument dropped without a word. The builders' own option checks (weights.ts) name
// unknown keys.
import { isPlainObject, registerSignature, withArgs } from '../../args.js';

/** The builder `impl` bound to torchvision's form: at most one argument, an options object. */
export function modelBuilder<F extends (opts?: any) => unknown>(name: string, impl: F): F {
  const checked = ((opts?: unknown) => {
    if (opts !== undefined && !isPlainObject(opts)) throw new TypeError(`${name}(): expected an options object, got ${typeof opts} ${String(opts)}`);
    return impl(opts);
  }) as F;
  return withArgs(name, `torchvision.models.${name}`, 'opts?:dict', checked);
}

/**
 * The same check for a builder written as a function declaration: its first statement, with its
 * `arguments.length`. The builder's signature is registered the first time (for the API reference).
 */
export function checkBuilderArity(name: string, given: number, opts?: unknown): void {
  if (given > 1) {
    throw new TypeError(`${name}() takes at most 1 positional argument (one options object: torchvision's builders are keyword-only) but ${given} were given`);
  }
  if (opts !== undefined && !isPlainObject(opts)) throw new TypeError(`${name}(): expected an options object, got ${typeof opts} ${String(opts)}`);
}

/** Registers a function-declared builder's signature (the arrow builders get theirs from modelBuilder). */
export function registerBuilder(name: string, fn: (opts?: any) => unknown): void {
  registerSignature(fn, name, `torchvision.models.${name}`, 'opts?:dict');
}
