// torch.jit: TorchScript through libtorch's own JIT. trace a tstorch module, save it for Python, load what
// Python scripted or traced, freeze and optimise for inference.
export { ScriptModule } from './script-module.js';
export { trace, type TraceOptions } from './trace.js';
export { save, load } from './serialization.js';
export { freeze, optimizeForInference, type FreezeOptions } from './freeze.js';
export { jitNative as _native } from './native.js';

import { jitNative } from './native.js';
import { bindOwn, registerSignature } from '../args.js';

// PyTorch's argument binding (src/args.ts) for this module's functions: an extra positional argument or an
// unknown keyword is a TypeError naming it.
registerSignature(isTracing, 'isTracing', 'torch.jit.is_tracing', '');
/** Whether a trace is being recorded (Python's torch.jit.is_tracing). */
export function isTracing(): boolean {
  bindOwn(isTracing, arguments);
  return jitNative.jitIsTracing();
}
