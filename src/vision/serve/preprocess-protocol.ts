// The messages between a server's main thread and its preprocessing threads (preprocess-pool.ts <->
// preprocess-thread.ts): an uploaded image's bytes in, its preprocessed CHW float tensor (packed as bytes) out.
import type { BootstrapData } from '../../worker-bootstrap.js';
import type { ClassificationTransformParams } from '../models/weights.js';

export interface PreprocessStart extends BootstrapData {
  id: number;
}

/** Main -> thread: decode `bytes` and apply the weights' preprocessing. */
export interface PreprocessTask {
  id: number;
  bytes: ArrayBuffer;
  preprocess: ClassificationTransformParams;
}

/** Thread -> main: the packed tensor (see data/pack.ts), or the decoder's error message. */
export type PreprocessReply =
  | { id: number; ok: true; tensor: unknown; ms: number }
  | { id: number; ok: false; message: string };

export const PREPROCESS_START_FAILED = 'the preprocessing thread failed to start';
