// compile(model, { engine, exampleInput }): a tstorch module as an InferenceEngine. 'auto' builds every engine
// that is installed and works for this model, times each on the example input, keeps the fastest and frees
// the others.
import { Module } from '../nn/module.js';
import { Tensor } from '../tensor.js';
import { getNumThreads, setNumThreads } from '../config.js';
import { ENGINES, type CompileOptions, type EngineName, type InferenceEngine } from './engine.js';
import { eagerEngine } from './eager.js';
import { jitEngine } from './jit.js';
import { onnxRuntimeEngine, loadOnnxRuntime } from './onnxruntime.js';
import { bindOwn, registerSignature } from '../args.js';

// PyTorch's argument binding (src/args.ts) for this module's functions: an extra positional argument or an
// unknown keyword is a TypeError naming it.
registerSignature(availableEngines, 'availableEngines', 'tstorch.inference.availableEngines', '');
registerSignature(compile, 'compile', 'tstorch.inference.compile', 'model; *, engine, exampleInput, threads, calibrationRuns, onProgress');

async function build(name: EngineName, model: Module, x: Tensor, threads: number | undefined): Promise<InferenceEngine> {
  if (name === 'eager') return eagerEngine(model);
  if (name === 'jit') return jitEngine(model, x);
  return onnxRuntimeEngine(model, x, threads);
}

/** The engines that can run here: eager and jit always, onnxruntime when onnxruntime-node is installed. */
export async function availableEngines(): Promise<EngineName[]> {
  bindOwn(availableEngines, arguments);
  return (await loadOnnxRuntime()) ? [...ENGINES] : ['eager', 'jit'];
}

export async function compile(model: Module, opts: CompileOptions): Promise<InferenceEngine> {
  [model, opts] = bindOwn(compile, arguments) as Parameters<typeof compile>;
  if (!(model instanceof Module)) throw new TypeError('compile: model must be an nn.Module');
  const x = opts.exampleInput;
  if (!(x instanceof Tensor)) throw new TypeError('compile: exampleInput (a Tensor of the input shape, e.g. [1, 3, 224, 224]) is required');
  const choice = opts.engine ?? 'auto';
  if (choice !== 'auto' && !ENGINES.includes(choice)) {
    throw new RangeError(`compile: unknown engine '${String(choice)}' (${[...ENGINES, 'auto'].join(', ')})`);
  }
  for (const k of Object.keys(opts)) {
    if (!['engine', 'exampleInput', 'threads', 'calibrationRuns', 'onProgress'].includes(k)) throw new TypeError(`compile: unknown option '${k}'`);
  }
  if (opts.threads !== undefined) {
    if (!Number.isInteger(opts.threads) || opts.threads < 1) throw new RangeError(`compile: threads must be a positive integer, got ${opts.threads}`);
    setNumThreads(opts.threads);
  }
  if (choice !== 'auto') return build(choice, model, x, opts.threads);

  const runs = opts.calibrationRuns ?? 3;
  const progress = opts.onProgress ?? (() => {});
  let best: { engine: InferenceEngine; ms: number } | undefined;
  for (const name of await availableEngines()) {
    let engine: InferenceEngine;
    try {
      engine = await build(name, model, x, opts.threads);
    } catch (e) {
      // An engine that cannot take this model (an operator ONNX cannot express, say) is skipped, and said so.
      progress(`engine ${name} skipped: ${(e as Error).message}`);
      continue;
    }
    (await engine.run(x)).dispose(); // warm-up: first runs allocate and plan
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      (await engine.run(x)).dispose();
      times.push(performance.now() - t0);
    }
    // The fastest run, not the median: on a shared machine other processes only ever add time.
    const ms = Math.min(...times);
    progress(`engine ${name}: ${ms.toFixed(1)} ms per batch of ${x.shape[0]} (best of ${runs})`);
    if (!best || ms < best.ms) {
      best?.engine.dispose();
      best = { engine, ms };
    } else engine.dispose();
  }
  if (!best) throw new Error('compile: no engine could run the model');
  progress(`engine auto -> ${best.engine.engine} (${best.engine.describe()}, threads ${opts.threads ?? getNumThreads()})`);
  return best.engine;
}
