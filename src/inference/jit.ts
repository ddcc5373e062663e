// The jit engine: the model traced with libtorch's tracer, frozen and optimised for inference
// (torch.jit.optimizeForInference: batch norms folded, oneDNN layouts and fused convolutions), run by libtorch's
// graph executor with no JavaScript between operators.
//
// A trace fixes the sizes the forward pass read from tensors (ShuffleNet's channel shuffle reads the batch
// size), so each input shape gets its own trace, made on first use and kept (a handful of shapes at most).
import type { Module } from '../nn/module.js';
import { Tensor } from '../tensor.js';
import { inferenceMode, noGrad } from '../autograd/grad-mode.js';
import { tidy } from '../memory.js';
import { zeros } from '../creation.js';
import { getNumThreads } from '../config.js';
import { trace } from '../jit/trace.js';
import { freeze, optimizeForInference } from '../jit/freeze.js';
import type { ScriptModule } from '../jit/script-module.js';
import { firstTensor } from './eager.js';
import type { InferenceEngine } from './engine.js';

const MAX_SHAPES = 8;

export function jitEngine(model: Module, exampleInput: Tensor): InferenceEngine {
  model.eval();
  const traces = new Map<string, ScriptModule>();
  let fallback: string | null = null;
  const forShape = (shape: number[]): ScriptModule => {
    const key = shape.join('x');
    let sm = traces.get(key);
    if (sm) return sm;
    if (traces.size >= MAX_SHAPES) traces.delete(traces.keys().next().value!);
    sm = noGrad(() => {
      const x = zeros(shape);
      try {
        const traced = trace(model, x, { checkTrace: false });
        try {
          return optimizeForInference(traced);
        } catch (e) {
          // libtorch's inference passes refuse some graphs; freezing alone still runs without JavaScript.
          fallback = `frozen only: optimize_for_inference failed (${(e as Error).message.split('\n')[0]})`;
          return freeze(traced);
        }
      } finally {
        x.dispose();
      }
    });
    traces.set(key, sm);
    return sm;
  };
  forShape(exampleInput.shape);
  return {
    engine: 'jit',
    run: async (batch) => {
      const sm = forShape(batch.shape);
      return inferenceMode(() => tidy(() => firstTensor(sm.call(batch), 'jit engine')));
    },
    dispose: () => traces.clear(),
    describe: () => `jit (TorchScript, ${fallback ?? 'frozen and optimized for inference'}, ${getNumThreads()} threads)`,
  };
}
