// How a served model runs a batch: an inference engine, built once per model in the model's thread from the
// loaded module and an example input. 'eager' calls the module itself (in inference mode, freeing every
// intermediate tensor); compiled engines (TorchScript, ONNX Runtime) plug in by name with registerEngine: an
// engine of the deployment work's `compile(model, {engine, exampleInput})` (run(batch) -> Promise<Tensor>,
// dispose(), describe()) fits this interface as it is.
import type { Module } from '../../nn/module.js';
import { Tensor } from '../../tensor.js';
import { inferenceMode } from '../../autograd/grad-mode.js';
import { tidy } from '../../memory.js';
import { logitsOf } from '../../train/classifier.js';
import { compile } from '../../inference/compile.js';
import { bindOwn, registerSignature } from '../../args.js';

// PyTorch's argument binding (src/args.ts) for this module's functions: an extra positional argument or an
// unknown keyword is a TypeError naming it.
registerSignature(eagerEngine, 'eagerEngine', 'tstorch.vision.serve.eagerEngine', 'model');
registerSignature(engineNames, 'engineNames', 'tstorch.vision.serve.engineNames', '');
registerSignature(registerEngine, 'registerEngine', 'tstorch.vision.serve.registerEngine', 'name, factory');

export interface InferenceEngine {
  /** The engine's name ('eager', 'jit', 'onnxruntime'). */
  readonly engine: string;
  /** The model's output for a batch (N, C, H, W float32): logits, a tensor the caller disposes. */
  run(batch: Tensor): Tensor | Promise<Tensor>;
  /** Frees what the engine holds (sessions, compiled graphs). */
  dispose?(): void;
  /** The engine in a few words, for the start-up line ('onnxruntime 1.30.0, 2 threads'). */
  describe?(): string;
}

export interface EngineOptions {
  /** A batch of the input's shape (1, C, H, W), for engines that trace or export. */
  exampleInput: Tensor;
}

export type EngineFactory = (model: Module, opts: EngineOptions) => InferenceEngine | Promise<InferenceEngine>;

/** The module as it is: forward in inference mode; GoogLeNet's and Inception's {logits} unwrapped. */
export function eagerEngine(model: Module): InferenceEngine {
  [model] = bindOwn(eagerEngine, arguments) as Parameters<typeof eagerEngine>;
  model.eval();
  return {
    engine: 'eager',
    run: (batch) => inferenceMode(() => tidy(() => logitsOf(model.call(batch)))),
  };
}

/**
 * The deployment engines (src/inference): a traced, frozen TorchScript graph ('jit'), ONNX Runtime on the exported
 * graph ('onnxruntime', when onnxruntime-node is installed) or the fastest of those installed, timed on the example
 * input ('auto'). They are traced or exported with a dynamic batch axis, so any batch size runs.
 */
function compiledEngine(name: 'jit' | 'onnxruntime' | 'auto'): EngineFactory {
  return (model, opts) => {
    model.eval();
    return compile(model, { engine: name, exampleInput: opts.exampleInput });
  };
}

const ENGINES = new Map<string, EngineFactory>([
  // a factory is called with (model, opts); eagerEngine takes the model only (it is bound: an extra argument is an error)
  ['eager', (model) => eagerEngine(model)],
  ['jit', compiledEngine('jit')],
  ['onnxruntime', compiledEngine('onnxruntime')],
  ['auto', compiledEngine('auto')],
]);

/**
 * Makes an engine available to `tstorch serve --engine NAME`. Engines are built in the model's thread, so the
 * registration must happen in a module that thread imports (this one, or one it imports).
 */
export function registerEngine(name: string, factory: EngineFactory): void {
  [name, factory] = bindOwn(registerEngine, arguments) as Parameters<typeof registerEngine>;
  if (typeof factory !== 'function') throw new TypeError(`registerEngine: the factory for '${name}' must be a function`);
  ENGINES.set(name, factory);
}

export function engineNames(): string[] {
  bindOwn(engineNames, arguments);
  return [...ENGINES.keys()];
}

export async function createEngine(name: string, model: Module, opts: EngineOptions): Promise<InferenceEngine> {
  const factory = ENGINES.get(name);
  if (factory === undefined) throw new RangeError(`unknown engine '${name}': expected one of ${engineNames().join(', ')}`);
  const e = await factory(model, opts);
  if (e === null || typeof e !== 'object' || typeof e.run !== 'function') throw new TypeError(`engine '${name}' did not return an object with run(batch)`);
  return e;
}
