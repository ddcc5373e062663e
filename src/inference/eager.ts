// The eager engine: the tstorch module itself, in eval and inference mode, each batch in its own tidy scope.
import type { Module } from '../nn/module.js';
import { Tensor } from '../tensor.js';
import { inferenceMode } from '../autograd/grad-mode.js';
import { tidy } from '../memory.js';
import { getNumThreads } from '../config.js';
import type { InferenceEngine } from './engine.js';

/** The first tensor of a model's output (GoogLeNet and Inception return named tuples in training mode). */
export function firstTensor(out: unknown, who: string): Tensor {
  if (out instanceof Tensor) return out;
  if (Array.isArray(out) && out[0] instanceof Tensor) return out[0];
  if (out && typeof out === 'object' && 'logits' in out && (out as { logits: unknown }).logits instanceof Tensor) return (out as { logits: Tensor }).logits;
  throw new TypeError(`${who}: the model's output is not a Tensor`);
}

export function eagerEngine(model: Module): InferenceEngine {
  model.eval();
  return {
    engine: 'eager',
    run: async (batch) => inferenceMode(() => tidy(() => firstTensor(model.call(batch), 'eager engine'))),
    dispose: () => {},
    describe: () => `eager (tstorch on libtorch, ${getNumThreads()} threads)`,
  };
}
