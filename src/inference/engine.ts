// The inference engine interface: a model compiled for one way of running it. Whatever serves predictions
// (`tstorch predict`, a model server) takes an InferenceEngine and calls run() on batches; compile() (compile.ts)
// makes one from a tstorch module.
//
//   const engine = await compile(model, { engine: 'auto', exampleInput: torch.zeros(1, 3, 224, 224) });
//   const logits = await engine.run(batch);   // [N, 3, 224, 224] -> [N, classes]; N may vary
//   engine.engine;                            // 'eager' | 'jit' | 'onnxruntime'
//   engine.dispose();
import type { Tensor } from '../tensor.js';

export type EngineName = 'eager' | 'jit' | 'onnxruntime';
export const ENGINES: readonly EngineName[] = ['eager', 'jit', 'onnxruntime'];

export interface InferenceEngine {
  /** Which engine this is ('auto' resolves to one of them). */
  readonly engine: EngineName;
  /**
   * The model's output for a batch (the batch dimension may differ from the example input's; the other
   * dimensions must match it for 'jit' and 'onnxruntime'). The result belongs to the caller.
   */
  run(batch: Tensor): Promise<Tensor>;
  /** Frees what the engine holds (sessions, traced modules). */
  dispose(): void;
  /** What the engine is, in a few words (for logs: 'onnxruntime 1.30.0, 2 threads'). */
  describe(): string;
}

export interface CompileOptions {
  /** 'eager' (the tstorch module itself), 'jit' (TorchScript, frozen), 'onnxruntime', or 'auto' (the fastest installed). Default 'auto'. */
  engine?: EngineName | 'auto';
  /** An input of the shape the model will see ([1, 3, 224, 224]): needed to trace or export the model. */
  exampleInput: Tensor;
  /** Intra-op threads for the engine (default: libtorch's current setting). */
  threads?: number;
  /** 'auto' only: timed runs per candidate engine when choosing (default 3). */
  calibrationRuns?: number;
  /** Called with a line of progress while compiling (choosing an engine can take seconds). */
  onProgress?: (message: string) => void;
}
