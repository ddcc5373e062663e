// The onnxruntime engine: the model exported to ONNX (torch.onnx.export, in memory, with a dynamic batch axis)
// and run by ONNX Runtime (the optional npm package onnxruntime-node) with all graph optimisations.
import type { Module } from '../nn/module.js';
import { Tensor } from '../tensor.js';
import { fromBytes } from '../creation.js';
import { getNumThreads } from '../config.js';
import { native } from '../native/binding.js';
import { exportToBytes } from '../onnx/export.js';
import type { InferenceEngine } from './engine.js';
import { bindOwn, registerSignature } from '../args.js';

// PyTorch's argument binding (src/args.ts) for this module's functions: an extra positional argument or an
// unknown keyword is a TypeError naming it.
registerSignature(loadOnnxRuntime, 'loadOnnxRuntime', 'tstorch.inference.loadOnnxRuntime', '');
registerSignature(sessionOptions, 'sessionOptions', 'tstorch.inference.sessionOptions', 'threads');

// The part of onnxruntime-node's API used here, typed locally: the package is optional, so type-checking must
// not depend on it being installed.
export interface OrtTensor { readonly data: unknown; readonly dims: readonly number[]; dispose(): void }
export interface OrtSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>>;
  release(): Promise<void>;
}
export interface OrtSessionOptions {
  intraOpNumThreads?: number; interOpNumThreads?: number; executionMode?: 'sequential' | 'parallel';
  graphOptimizationLevel?: 'disabled' | 'basic' | 'extended' | 'all';
}
export interface Ort {
  Tensor: new (type: 'float32', data: Float32Array, dims: readonly number[]) => OrtTensor;
  InferenceSession: { create(model: string | Uint8Array, options?: OrtSessionOptions): Promise<OrtSession> };
  env: { versions?: { common?: string } };
}

let ortModule: Ort | null | undefined;
/** onnxruntime-node, or null when it is not installed (it is an optional dependency). */
export async function loadOnnxRuntime(): Promise<Ort | null> {
  bindOwn(loadOnnxRuntime, arguments);
  if (ortModule !== undefined) return ortModule;
  try {
    const name = 'onnxruntime-node'; // a variable: the optional package need not exist for type-checking
    ortModule = (await import(name)) as Ort;
  } catch {
    ortModule = null;
  }
  return ortModule;
}

const FLOAT32 = 6;

/** ONNX Runtime session options for CPU inference with `threads` intra-op threads. */
export function sessionOptions(threads: number): OrtSessionOptions {
  [threads] = bindOwn(sessionOptions, arguments) as Parameters<typeof sessionOptions>;
  return { intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' };
}

export async function onnxRuntimeEngine(model: Module, exampleInput: Tensor, threads?: number): Promise<InferenceEngine> {
  const ort = await loadOnnxRuntime();
  if (!ort) throw new Error("the onnxruntime engine needs the optional package onnxruntime-node (npm install onnxruntime-node), which is not installed");
  if (native.dtype(exampleInput._h) !== FLOAT32) throw new TypeError('the onnxruntime engine takes float32 inputs');
  const bytes = exportToBytes(model, exampleInput, {
    inputNames: ['input'], outputNames: ['output'],
    dynamicAxes: { input: { 0: 'batch' }, output: { 0: 'batch' } },
  });
  const n = threads ?? getNumThreads();
  const session = await ort.InferenceSession.create(bytes, sessionOptions(n));
  const outputName = session.outputNames[0]!;
  return {
    engine: 'onnxruntime',
    run: async (batch) => {
      if (native.dtype(batch._h) !== FLOAT32) throw new TypeError('the onnxruntime engine takes float32 inputs');
      // The input without a copy: a view of the tensor's memory (which the view keeps alive).
      const x = batch.contiguous();
      const input = new ort.Tensor('float32', new Float32Array(native.viewBytes(x._h)), batch.shape);
      const result = await session.run({ input });
      if (x !== batch) x.dispose();
      const out = result[outputName]!;
      const data = out.data as Float32Array;
      const t = fromBytes(data, out.dims as number[], 'float32');
      out.dispose();
      return t;
    },
    dispose: () => { void session.release(); },
    describe: () => `onnxruntime (onnxruntime-node ${ort.env.versions?.common ?? ''}, ${n} threads)`,
  };
}
