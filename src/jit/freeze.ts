// torch.jit.freeze and torch.jit.optimize_for_inference, as libtorch implements them.
import { jitNative as J } from './native.js';
import { ScriptModule } from './script-module.js';
import { bindOwn, registerSignature, type PyRest } from '../args.js';

// PyTorch's argument binding (src/args.ts) for this module's functions: an extra positional argument or an
// unknown keyword is a TypeError naming it.
registerSignature(freeze, 'freeze', 'torch.jit.freeze', 'mod; preservedAttrs, optimizeNumerics');
registerSignature(optimizeForInference, 'optimizeForInference', 'torch.jit.optimize_for_inference', 'mod, otherMethods?');

export interface FreezeOptions {
  /** Attributes (and methods) to keep rather than inline as constants. */
  preservedAttrs?: string[];
  /** Numerics-changing folds (convolution-batchnorm, convolution-add/mul): default true, as Python. */
  optimizeNumerics?: boolean;
}

/**
 * Inlines parameters, buffers and attributes into forward's graph as constants and runs libtorch's frozen-graph
 * optimisations (dropout removal, convolution-batchnorm folding...). The module must be in eval mode, as in
 * Python. Returns a new ScriptModule; the original is unchanged.
 */
export function freeze(module: ScriptModule, ...rest: PyRest<FreezeOptions, ['preservedAttrs', 'optimizeNumerics']>): ScriptModule;
export function freeze(...args: unknown[]): ScriptModule {
  const [module, opts = {}] = bindOwn(freeze, args) as [ScriptModule, FreezeOptions?];
  if (!(module instanceof ScriptModule)) throw new TypeError('torch.jit.freeze: expected a ScriptModule (torch.jit.trace or torch.jit.load)');
  if (module.training) {
    throw new Error('torch.jit.freeze: freezing is only implemented for modules in eval mode; call .eval() before freezing');
  }
  return new ScriptModule(J.jitFreeze(module._c, opts.preservedAttrs ?? [], opts.optimizeNumerics ?? true));
}

/**
 * Python's torch.jit.optimize_for_inference: freezes the module if it is not frozen yet, then runs libtorch's
 * inference passes (convolution-batchnorm folding, oneDNN (MKLDNN) layouts and fused convolutions on CPU,
 * operator fusions). `otherMethods` are methods besides forward to keep and optimise.
 */
export function optimizeForInference(module: ScriptModule, otherMethods: string[] = []): ScriptModule {
  [module, otherMethods = []] = bindOwn(optimizeForInference, arguments) as Parameters<typeof optimizeForInference>;
  if (!(module instanceof ScriptModule)) throw new TypeError('torch.jit.optimizeForInference: expected a ScriptModule');
  if (module.training && module.hasAttr('training')) {
    throw new Error('torch.jit.optimizeForInference: the module is in training mode; call .eval() first');
  }
  return new ScriptModule(J.jitOptimizeForInference(module._c, otherMethods));
}
