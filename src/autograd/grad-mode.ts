// Grad mode and inference mode, as torch.no_grad / enable_grad / inference_mode. They take a synchronous
// function: libtorch keeps these modes in thread-local state, which an `await` inside would leak.
import { native } from '../native/binding.js';

function scoped<T>(enabled: boolean, fn: () => T): T {
  const prev = native.setGradEnabled(enabled);
  try {
    const r = fn();
    if (r instanceof Promise) throw new TypeError('noGrad/enableGrad take a synchronous function');
    return r;
  } finally {
    native.setGradEnabled(prev);
  }
}

/** Runs fn with gradient tracking off (torch.no_grad()). */
export function noGrad<T>(fn: () => T): T { return scoped(false, fn); }
/** Runs fn with gradient tracking on (torch.enable_grad()). */
export function enableGrad<T>(fn: () => T): T { return scoped(true, fn); }
/** torch.set_grad_enabled(mode); returns the previous mode. */
export function setGradEnabled(mode: boolean): boolean { return native.setGradEnabled(mode); }
export function isGradEnabled(): boolean { return native.isGradEnabled(); }

/** Runs fn in inference mode (torch.inference_mode()): no autograd bookkeeping at all, fastest for serving. */
export function inferenceMode<T>(fn: () => T, mode = true): T {
  native.inferenceModeEnter(mode);
  try {
    const r = fn();
    if (r instanceof Promise) throw new TypeError('inferenceMode takes a synchronous function');
    return r;
  } finally {
    native.inferenceModeExit();
  }
}
export function isInferenceModeEnabled(): boolean { return native.isInferenceModeEnabled(); }
