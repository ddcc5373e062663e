// Deterministic freeing of native memory.
//
// Every tensor handle frees its native memory when V8 collects it (the bytes are reported to V8 as external
// memory, so collection keeps up). For loops that must stay flat without waiting for the collector,
// `tidy(fn)` frees every tensor created inside `fn` except those it returns or `keep()`s, and
// `Tensor.dispose()` / `using t = ...` free one tensor at once. Disposing drops this handle's reference:
// memory shared with other live tensors (views, parameters, gradients) stays valid for them.
import { native } from './native/binding.js';
import { withArgs } from './args.js';

export interface Disposable {
  dispose(): void;
  /** Called when the tensor outlives every tidy scope: from now on the collector decides when it goes. */
  _escapedTidy(): void;
}

const scopes: Set<Disposable>[] = [];

/** The caching CPU allocator's state (src/native/cpu_cache.cc). */
export interface CpuCacheStats {
  /** Freed blocks held for reuse now: freed inside tidy scopes, kept for the next scope (see emptyCpuCache). */
  cachedBytes: number;
  /** TSTORCH_CPU_CACHE_MB in bytes (default 1 GiB; 0: no caching). */
  limitBytes: number;
  /** Large allocations served from the cache, and those that went to the system. */
  hits: number;
  misses: number;
  /** Outermost tidy scopes running, over all threads. */
  scopes: number;
}
const cpuCache = native as unknown as { cpuCacheEnter(): void; cpuCacheLeave(): void; cpuCacheStats(): CpuCacheStats; cpuCacheEmpty(): void };

/** The caching CPU allocator's counters (for tests and benchmarks). */
export function cpuCacheStats(): CpuCacheStats {
  return cpuCache.cpuCacheStats();
}

/**
 * Returns every block the caching CPU allocator holds to the system now, as `torch.cuda.empty_cache()` does for
 * PyTorch's GPU cache. The blocks a tidy scope frees stay cached after it ends, for the next scope (the next
 * forward pass or step allocates the same sizes); a long-lived process that is done with tidy work for a while
 * can give them back with this. Tensors are not affected.
 */
export const emptyCpuCache: () => void = withArgs('emptyCpuCache', 'torch.cuda.empty_cache', '', (): void => {
  cpuCache.cpuCacheEmpty();
});
const kept = new WeakSet<Disposable>();

/** Called by every new tensor: a tensor made inside a tidy scope belongs to it. */
export function track(t: Disposable): void {
  const s = scopes[scopes.length - 1];
  if (s !== undefined) s.add(t);
}

/** Removes a tensor from the scope that is tracking it (parameters outlive any scope they are made in). */
export function untrack(t: Disposable): void {
  for (const s of scopes) s.delete(t);
  t._escapedTidy();
}

/** Exempts a tensor (or tensors in an array/object) from the enclosing tidy scopes. */
export function keep<T>(value: T): T {
  visit(value, (t) => {
    kept.add(t);
    for (const s of scopes) s.delete(t);
    t._escapedTidy();
  });
  return value;
}

function visit(value: unknown, fn: (t: Disposable) => void, seen = new Set<unknown>()): void {
  if (value === null || typeof value !== 'object' || seen.has(value)) return;
  seen.add(value);
  if (isTensorLike(value)) {
    fn(value);
    return;
  }
  if (Array.isArray(value)) {
    for (const v of value) visit(v, fn, seen);
  } else if (value instanceof Map) {
    for (const v of value.values()) visit(v, fn, seen);
  } else if (Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) visit(v, fn, seen);
  }
}

let tensorCheck: (v: unknown) => v is Disposable = (_v): _v is Disposable => false;
export function setTensorCheck(fn: (v: unknown) => v is Disposable): void {
  tensorCheck = fn;
}
function isTensorLike(v: unknown): v is Disposable {
  return tensorCheck(v);
}

/**
 * Runs `fn` and disposes every tensor created during it, except the tensors in its result (a tensor, or
 * tensors inside arrays, Maps and plain objects) and those passed to `keep()`. Like tf.tidy; `fn` must be
 * synchronous, since tensors of interleaved async work would land in the wrong scope.
 */
export function tidy<T>(fn: () => T): T {
  // While any tidy scope runs, large freed blocks are cached for reuse by the next allocation of their size
  // instead of being unmapped and page-faulted in again (src/native/cpu_cache.cc); the last scope's end keeps
  // them for the next scopes and frees those that the last few scopes left unused.
  const outermost = scopes.length === 0;
  if (outermost) cpuCache.cpuCacheEnter();
  try {
    return tidyScope(fn);
  } finally {
    if (outermost) cpuCache.cpuCacheLeave();
  }
}

function tidyScope<T>(fn: () => T): T {
  const scope = new Set<Disposable>();
  // Tensors made inside a scope are not reported to V8 as external memory until they escape it: reporting
  // memory that the scope frees anyway made V8 run a full collection per forward pass of a big model.
  if (scopes.length === 0) native.setDeferExternal(true);
  scopes.push(scope);
  let result: T;
  let ok = false;
  try {
    result = fn();
    if (result instanceof Promise) {
      throw new TypeError('tidy(fn): fn must be synchronous (it returned a Promise)');
    }
    ok = true;
  } finally {
    scopes.pop();
    if (scopes.length === 0) native.setDeferExternal(false);
    // When fn throws, its tensors are left to the collector (the error may refer to them), so V8 must now
    // know their size, or a loop that catches errors would grow without the collector noticing.
    if (!ok) for (const t of scope) t._escapedTidy();
  }
  const survivors = new Set<Disposable>();
  visit(result, (t) => survivors.add(t));
  for (const t of scope) {
    if (!survivors.has(t) && !kept.has(t)) t.dispose();
  }
  // What survives belongs to the enclosing scope, as if it had been created there.
  const parent = scopes[scopes.length - 1];
  for (const t of survivors) {
    if (!scope.has(t)) continue;
    if (parent !== undefined) parent.add(t);
    else t._escapedTidy();
  }
  return result;
}

/**
 * Disposes `t` now if a tidy scope owns it (it was made inside the scope, is not kept and has not escaped),
 * since that scope would dispose it at its end anyway; otherwise does nothing. Model code calls it on an
 * intermediate activation once the next layer has consumed it, which frees the activation as early as Python's
 * reference counting would: a forward pass then reuses the same cache-warm blocks instead of growing to the
 * sum of all its activations. Returns whether it disposed.
 */
export function disposeTemporary(t: Disposable): boolean {
  for (let i = scopes.length - 1; i >= 0; i--) {
    if (scopes[i]!.delete(t)) {
      t.dispose();
      return true;
    }
  }
  return false;
}

/**
 * Live native tensors and their bytes, as counted by the addon (for tests and memory benchmarks), and the bytes
 * of this thread reported to V8 as external memory (tensors whose lifetime is the collector's, not a tidy scope's).
 */
export function memoryStats(): { liveTensors: number; liveBytes: number; reportedBytes: number } {
  return native.memoryStats();
}
