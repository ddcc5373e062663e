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
import { Conv2d } from '../../nn/modules/conv.js';
import { useOneDnnChannelsLast } from '../../nn/modules/conv-prepack.js';
import { LayerNorm } from '../../nn/modules/normalization.js';

// PyTorch's argument binding (src/args.ts) for this module's functions: an extra positional argument or an
// unknown keyword is a TypeError naming it.
registerSignature(eagerEngine, 'eagerEngine', 'tstorch.vision.serve.eagerEngine', 'model; *, memoryFormat');
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
  /** The eager engine's memory format (eagerEngine); the compiled engines take 'auto' or 'contiguous' only. */
  memoryFormat?: ServedMemoryFormat;
}

/**
 * How the eager engine lays out a served model's 4-d weights and batches. 'channelsLast' is PyTorch's advice for
 * CNN inference on CPU (`model.to(memory_format=torch.channels_last)` and channels-last input): oneDNN then runs
 * its NHWC convolutions without reordering every activation to its blocked layout and back, and ResNet18 at batch
 * 8 took 28 instead of 33 ms per image on one thread here (BENCHMARKS.md). The answers differ from the contiguous layout's
 * by float rounding only (a few 1e-6 in the logits; test/serve.test.ts). 'auto': channels last for a
 * convolutional network (2-d convolutions and no layer norm), contiguous otherwise: the transformer-style models
 * (ViT, Swin, MaxViT, ConvNeXt: layer norms) flatten their patches or permute to channels last themselves, and
 * gained nothing from it (ViT-B/16 and ConvNeXt-T at batch 8 within 1-2 % either way; BENCHMARKS.md), so they keep
 * PyTorch's layout.
 */
export type ServedMemoryFormat = 'auto' | 'contiguous' | 'channelsLast';
export const SERVED_MEMORY_FORMATS: readonly ServedMemoryFormat[] = ['auto', 'contiguous', 'channelsLast'];

/** A RangeError for a memory format that is not one, or one the engine cannot run ('channelsLast' is the eager engine's). */
export function checkMemoryFormat(engine: string, format: ServedMemoryFormat): void {
  if (!SERVED_MEMORY_FORMATS.includes(format)) {
    throw new RangeError(`memoryFormat must be one of ${SERVED_MEMORY_FORMATS.map((f) => `'${f}'`).join(', ')}, got ${String(format)}`);
  }
  if (engine !== 'eager' && format === 'channelsLast') {
    throw new RangeError(`memoryFormat 'channelsLast' is the eager engine's; the ${engine} engine runs the contiguous layout`);
  }
}

/** The memory format 'auto' stands for with this model: channels last for a convolutional network (see above). */
export function resolveMemoryFormat(model: Module, format: ServedMemoryFormat = 'auto'): 'contiguous' | 'channelsLast' {
  checkMemoryFormat('eager', format);
  if (format !== 'auto') return format;
  let conv = false;
  for (const m of model.modules()) {
    if (m instanceof LayerNorm) return 'contiguous';
    conv ||= m instanceof Conv2d;
  }
  return conv ? 'channelsLast' : 'contiguous';
}

export type EngineFactory = (model: Module, opts: EngineOptions) => InferenceEngine | Promise<InferenceEngine>;

/**
 * The module itself: forward in inference mode; GoogLeNet's and Inception's {logits} unwrapped. With
 * `memoryFormat` 'channelsLast' (or 'auto' on a convolutional network) the model's 4-d parameters and buffers are
 * moved to channels last (Module.to, in place), its convolutions run on oneDNN (useOneDnnChannelsLast), and each
 * 4-d batch is laid out so before the pass.
 */
export function eagerEngine(model: Module, opts: { memoryFormat?: ServedMemoryFormat } = {}): InferenceEngine {
  [model, opts = {}] = bindOwn(eagerEngine, arguments) as Parameters<typeof eagerEngine>;
  model.eval();
  const format = resolveMemoryFormat(model, opts.memoryFormat);
  if (format === 'channelsLast') {
    model.to({ memoryFormat: 'channelsLast' });
    // oneDNN's NHWC kernels for every convolution, 1x1 ones on one thread included (conv-prepack.ts says why)
    for (const m of model.modules()) if (m instanceof Conv2d) useOneDnnChannelsLast(m);
  }
  const layout = (batch: Tensor): Tensor => (format === 'channelsLast' && batch.dim() === 4 ? batch.contiguous({ memoryFormat: 'channelsLast' }) : batch);
  return {
    engine: 'eager',
    run: (batch) => inferenceMode(() => tidy(() => logitsOf(model.call(layout(batch))))),
    describe: () => (format === 'channelsLast' ? 'eager, channels last' : 'eager'),
  };
}

/**
 * The deployment engines (src/inference): a traced, frozen TorchScript graph ('jit'), ONNX Runtime on the exported
 * graph ('onnxruntime', when onnxruntime-node is installed) or the fastest of those installed, timed on the example
 * input ('auto'). They are traced or exported with a dynamic batch axis, so any batch size runs.
 */
function compiledEngine(name: 'jit' | 'onnxruntime' | 'auto'): EngineFactory {
  return (model, opts) => {
    if (opts.memoryFormat !== undefined) checkMemoryFormat(name, opts.memoryFormat);
    model.eval();
    return compile(model, { engine: name, exampleInput: opts.exampleInput });
  };
}

const ENGINES = new Map<string, EngineFactory>([
  // a factory is called with (model, opts); eagerEngine takes the memory format only (its keywords are bound: an unknown one is an error)
  ['eager', (model, opts) => eagerEngine(model, { memoryFormat: opts.memoryFormat ?? 'auto' })],
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
