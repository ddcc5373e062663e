// Grad mode and inference mode, as torch.no_grad / enable_grad / set_grad_enabled / inference_mode. Each has
// Python's three uses:
//   torch.noGrad(() => ...)                 runs a function with the mode (returns its result);
//   using _ = torch.noGrad();               the mode until the end of the block (Python's `with torch.no_grad():`);
//   const f = torch.noGrad.wrap(fn)         a function that always runs with the mode (Python's `@torch.no_grad()`);
//   @torch.noGrad on a class method         the same, as a decorator.
// torch.setGradEnabled(mode) switches at once (as in Python) and returns the guard that switches back
// (`using _ = torch.setGradEnabled(phase === 'train')`). libtorch keeps these modes per thread, and an `await`
// inside a scope would let other code run with the mode: scoped functions must be synchronous.
import { withArgs, bindOwn, classArgs } from '../args.js';
import { native } from '../native/binding.js';

/** Restores the previous mode when disposed (`using`), or by calling `exit()`. */
export class GradModeGuard implements Disposable {
  private done = false;
  private readonly restore: () => void;
  /** @internal */
  constructor(restore: () => void) {
    [restore] = bindOwn(GradModeGuard, arguments) as ConstructorParameters<typeof GradModeGuard>;
    this.restore = restore;
  }
  /** Restores the mode in place before this guard (idempotent). */
  exit(): void {
    if (this.done) return;
    this.done = true;
    this.restore();
  }
  [Symbol.dispose](): void { this.exit(); }
}
classArgs(GradModeGuard, 'tstorch.autograd.GradModeGuard', 'restore');

function runScoped<T>(enter: () => () => void, fn: () => T, what: string): T {
  const restore = enter();
  try {
    const r = fn();
    if (r instanceof Promise) throw new TypeError(`${what} takes a synchronous function (an await inside would leak the mode to other code)`);
    return r;
  } finally {
    restore();
  }
}

const gradMode = (enabled: boolean) => (): (() => void) => {
  const prev = native.setGradEnabled(enabled);
  return () => { native.setGradEnabled(prev); };
};

interface ModeFunction {
  /** Runs fn with the mode and returns its result. */
  <T>(fn: () => T): T;
  /** Switches the mode until the returned guard is disposed (`using _ = ...`). */
  (): GradModeGuard;
  /** A function that runs `fn` with the mode, with its arguments (Python's decorator form). */
  wrap<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R;
}

function modeFunction(name: string, enter: () => () => void): ModeFunction {
  const f = function (fn?: unknown, context?: unknown): unknown {
    // TS 5 method decorator: (method, { kind: 'method' }) -> the wrapped method
    if (typeof fn === 'function' && context !== undefined && typeof context === 'object' && context !== null && (context as { kind?: string }).kind === 'method') {
      return f.wrap(fn as (...a: unknown[]) => unknown);
    }
    if (context !== undefined) throw new TypeError(`${name}() takes a function or nothing, got ${arguments.length} arguments`);
    if (fn === undefined) return new GradModeGuard(enter());
    if (typeof fn !== 'function') throw new TypeError(`${name}(): expected a function to run, got ${typeof fn}`);
    return runScoped(enter, fn as () => unknown, name);
  } as ModeFunction;
  f.wrap = <A extends unknown[], R>(fn: (...args: A) => R) => {
    if (typeof fn !== 'function') throw new TypeError(`${name}.wrap(): expected a function, got ${typeof fn}`);
    return function (this: unknown, ...args: A): R { return runScoped(enter, () => fn.apply(this, args), name); };
  };
  Object.defineProperty(f, 'name', { value: name });
  return f;
}

/** torch.no_grad(): gradient tracking off. */
export const noGrad = modeFunction('noGrad', gradMode(false));
/** torch.enable_grad(): gradient tracking on. */
export const enableGrad = modeFunction('enableGrad', gradMode(true));

/**
 * torch.set_grad_enabled(mode): switches gradient tracking now and returns a guard that switches it back
 * (`using _ = torch.setGradEnabled(training)`); with a function, runs it with the mode and restores it after.
 */
export function setGradEnabled(mode: boolean): GradModeGuard;
export function setGradEnabled<T>(mode: boolean, fn: () => T): T;
export function setGradEnabled<T>(mode: boolean, fn?: () => T): GradModeGuard | T {
  if (typeof mode !== 'boolean') throw new TypeError(`setGradEnabled(): mode must be a boolean, got ${typeof mode}`);
  if (arguments.length > 2) throw new TypeError(`setGradEnabled() takes at most 2 arguments (mode, fn), got ${arguments.length}`);
  if (fn === undefined) return new GradModeGuard(gradMode(mode)());
  if (typeof fn !== 'function') throw new TypeError(`setGradEnabled(): the second argument must be a function, got ${typeof fn}`);
  return runScoped(gradMode(mode), fn, 'setGradEnabled');
}
export const isGradEnabled = withArgs('isGradEnabled', 'torch.is_grad_enabled', '', (): boolean => native.isGradEnabled());

const inference = (mode: boolean) => (): (() => void) => {
  native.inferenceModeEnter(mode);
  return () => native.inferenceModeExit();
};

/**
 * torch.inference_mode(): no autograd bookkeeping at all, fastest for serving. `inferenceMode(fn)`,
 * `inferenceMode(fn, false)`, `using _ = torch.inferenceMode()`, `torch.inferenceMode.wrap(fn)`.
 */
export const inferenceMode = Object.assign(
  function inferenceMode<T>(fn?: () => T, mode = true): T | GradModeGuard {
    if (typeof mode !== 'boolean') throw new TypeError(`inferenceMode(): mode must be a boolean, got ${typeof mode}`);
    if (arguments.length > 2) throw new TypeError(`inferenceMode() takes at most 2 arguments (fn, mode), got ${arguments.length}`);
    if (fn === undefined) return new GradModeGuard(inference(mode)());
    if (typeof fn !== 'function') throw new TypeError(`inferenceMode(): expected a function to run, got ${typeof fn}`);
    return runScoped(inference(mode), fn, 'inferenceMode');
  } as { <T>(fn: () => T, mode?: boolean): T; (): GradModeGuard },
  { wrap: modeFunction('inferenceMode', inference(true)).wrap },
);
export const isInferenceModeEnabled = withArgs('isInferenceModeEnabled', 'torch.is_inference_mode_enabled', '', (): boolean => native.isInferenceModeEnabled());
