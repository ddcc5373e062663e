// The messages between a server's main thread and a model's thread (model-host.ts <-> model-thread.ts).
import type { BootstrapData } from '../../worker-bootstrap.js';
import type { ClassificationTransformParams } from '../models/weights.js';
import type { TopK } from '../../train/predict.js';
import type { ModelSpec } from './model-spec.js';
import type { ServedMemoryFormat } from './engine.js';

export interface ModelStart extends BootstrapData {
  spec: ModelSpec;
  engine: string;
  /** The eager engine's memory format (engine.ts). */
  memoryFormat: ServedMemoryFormat;
  /** libtorch intra-op threads for the forward passes; 0: choose per batch from the measured times (thread-choice.ts). */
  threads: number;
  /** The largest batch the server will send (the thread times and warms up at this size). */
  batchSize: number;
  /** The most threads `threads: 0` tries (the cores). */
  maxThreads: number;
  /** The server's preprocessing threads: `threads: 0` also tries the cores they leave. */
  workers: number;
  /** This worker's index among the model's workers (`replicas` of them); worker 0 also runs the lone images. */
  replica: number;
  replicas: number;
  /**
   * OpenBLAS's thread count (process-wide) for a lone image's pass and for a batch's, set before each pass; null:
   * left alone (server.ts, `blasThreads`).
   */
  blas: { lone: number; batch: number } | null;
}

/** What the main thread learns about a loaded model. */
export interface ModelInfo {
  arch: string;
  /** What was loaded ('ResNet18_Weights.IMAGENET1K_V1', a path, 'random initialisation'). */
  source: string;
  kind: 'published' | 'file' | 'none';
  classes: string[] | null;
  numClasses: number;
  preprocess: ClassificationTransformParams;
  engine: string;
  /**
   * The intra-op threads timed fastest at start for a lone image (worker 0's lone-request path) and a full batch;
   * `adaptive`: chosen again per batch as it serves.
   */
  threads: { single: number; batch: number; adaptive: boolean };
  /** The model's workers (threads with a copy of the model each, running batches side by side). */
  workers: number;
  /**
   * When the server chose the worker count by timing (server.ts): images/s at the batch size of one worker alone
   * and of `tried` workers side by side.
   */
  workerChoice?: { tried: number; aloneImgPerS: number; togetherImgPerS: number };
  loadSeconds: number;
}

/** Main -> thread: run one batch of packed CHW tensors and return each image's top `topk`. */
export interface RunBatch { type: 'run'; id: number; inputs: unknown[]; topk: number }
/**
 * Main -> thread: decode and preprocess one uploaded image here, then run it as a batch of 1. Sent instead of a
 * preprocessing thread's task when the model is idle and no other image is on its way: a lone request then
 * crosses threads twice instead of four times (each crossing waits for the other thread to be scheduled).
 */
export interface DecodeRun { type: 'decode-run'; id: number; bytes: ArrayBuffer; preprocess: ClassificationTransformParams; topk: number }
/**
 * Main -> thread: decode and preprocess a batch of uploaded images here, then run those that decoded as one
 * forward pass. Sent when the server has no preprocessing threads (each model worker decodes its own batches: on
 * a machine whose cores all have a model worker, no thread competes with them for a core).
 */
export interface DecodeBatch { type: 'decode-batch'; id: number; images: ArrayBuffer[]; preprocess: ClassificationTransformParams; topk: number }
/**
 * Main -> thread: forward passes of zeros at the batch size, at the thread count a batch gets with `replicas`
 * workers, for at least `passes` passes and `ms` ms; answered with 'probed' (the server times one worker alone and
 * all side by side to choose the model's worker count).
 */
export interface Probe { type: 'probe'; id: number; replicas: number; passes: number; ms: number }
/** Main -> thread: the model runs `replicas` workers from now on (batches get that share of the cores). */
export interface SetReplicas { type: 'replicas'; id: number; replicas: number }
export interface Stop { type: 'stop' }

export type ModelReply =
  | { type: 'ready'; info: ModelInfo }
  | { type: 'load-failed'; message: string }
  | { type: 'result'; id: number; tops: TopK[][]; ms: number; threads: number; preprocessMs?: number }
  /** A decode-run's image could not be decoded (the decoder's message, as a preprocessing thread sends it). */
  | { type: 'decode-error'; id: number; message: string }
  /** A decode-batch's answer: per image its top-k, or the decoder's message for an image it refused. */
  | { type: 'decoded'; id: number; tops: (TopK[] | null)[]; errors: (string | null)[]; ms: number; threads: number; preprocessMs: number }
  | { type: 'probed'; id: number; images: number; ms: number }
  | { type: 'replicas-set'; id: number; batchThreads: number; adaptive: boolean }
  | { type: 'error'; id: number; message: string };

export const MODEL_START_FAILED = 'the model thread failed to start';
