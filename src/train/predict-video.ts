// Classifying video files with a video model, as torchvision's reference evaluation samples and scores them:
// the video is resampled to the weights' frame rate, cut into every clip of clipLen frames (VideoClips),
// clipsPerVideo of them are taken uniformly (UniformClipSampler: floor(linspace(0, n - 1, k))), each goes
// through the weights' preset (VideoClassification), and the softmax of the clips is averaged.
import { extname } from 'node:path';
import * as torch from '../index.js';
import type { Module } from '../nn/module.js';
import { VideoClips } from '../vision/datasets/video-clips.js';
import { VideoClassification } from '../vision/models/video/preset.js';
import type { ClipSampling } from '../vision/models/video/sampling.js';
import { presetArgs, type ClassificationTransformParams } from '../vision/models/weights.js';
import { logitsOf } from './classifier.js';
import { listInputFiles, type Prediction, type TopK } from './predict.js';
import { UserError } from '../cli/errors.js';

/** File name extensions read as videos. */
export const VIDEO_EXTENSIONS: readonly string[] = ['.mp4', '.avi', '.mkv', '.webm', '.mov', '.m4v', '.mpg', '.mpeg', '.ogv', '.flv', '.wmv', '.3gp', '.ts'];

export function isVideoFile(name: string): boolean { return VIDEO_EXTENSIONS.includes(extname(name).toLowerCase()); }

/** The video files named by `inputs` (see listInputFiles). */
export function listVideos(inputs: readonly string[], command = 'predict'): string[] {
  return listInputFiles(inputs, isVideoFile, command);
}

export interface VideoPredictOptions extends ClipSampling {
  topk?: number;
  /** Clips per forward pass (default 4). */
  batchSize?: number;
  classes?: readonly string[] | null;
  /** Called with each video's sampled clips (frames [T, C, H, W] uint8) and its prediction, for pictures. */
  onVideo?: (clips: torch.Tensor[], pred: Prediction) => void | Promise<void>;
}

/** Which of a video's `numClips` clips to score: torchvision's UniformClipSampler. */
export function uniformClipIndices(numClips: number, k: number): number[] {
  const t = torch.linspace(0, numClips - 1, k).floor().to('int64');
  const idx = Array.from(t.dataSync() as BigInt64Array, Number);
  t.dispose();
  return idx;
}

function checkSampling(o: VideoPredictOptions): void {
  const posInt = (v: number, flag: string): void => { if (!Number.isInteger(v) || v < 1) throw new UserError(`predict: ${flag} must be a positive integer, got ${v}`); };
  posInt(o.clipLen, '--clip-len');
  posInt(o.clipsPerVideo, '--clips');
  posInt(o.topk ?? 5, '--topk');
  posInt(o.batchSize ?? 4, '--batch-size');
  if (!(o.frameRate > 0)) throw new UserError(`predict: --frame-rate must be positive, got ${o.frameRate}`);
}

/** Scores each video file with a video model in eval and inference mode: the top-k classes of its averaged softmax. */
export async function predictVideoFiles(model: Module, files: readonly string[], preprocess: ClassificationTransformParams, o: VideoPredictOptions): Promise<Prediction[]> {
  checkSampling(o);
  const tf = new VideoClassification(presetArgs(preprocess, ['cropSize', 'resizeSize', 'mean', 'std', 'interpolation']));
  const k = o.topk ?? 5;
  const bs = o.batchSize ?? 4;
  model.eval();
  const out: Prediction[] = [];
  for (const file of files) {
    let clips: VideoClips;
    try {
      clips = new VideoClips([file], { clipLengthInFrames: o.clipLen, framesBetweenClips: 1, frameRate: o.frameRate, progress: false });
    } catch (e) {
      throw new UserError(`predict: cannot read video '${file}': ${(e as Error).message}`);
    }
    const why = clips.unreadable.get(file);
    if (why !== undefined) throw new UserError(`predict: cannot read video '${file}': ${why}`);
    const n = clips.numClips();
    if (n === 0) {
      const frames = clips.videoPts[0]!.length, fps = clips.videoFps[0];
      throw new UserError(`predict: '${file}' is too short: ${frames} frames${fps ? ` at ${fps} fps` : ''} give no clip of ${o.clipLen} frames at ${o.frameRate} fps (--clip-len, --frame-rate)`);
    }
    const picked = uniformClipIndices(n, o.clipsPerVideo);
    const sampled: torch.Tensor[] = [];
    let sum: torch.Tensor | null = null;
    for (let i = 0; i < picked.length; i += bs) {
      const batch = picked.slice(i, i + bs).map((c) => {
        const [v, a] = clips.getClip(c);
        a.dispose();
        const tchw = v.permute(0, 3, 1, 2);
        if (o.onVideo) sampled.push(torch.keep(tchw));
        return tchw;
      });
      const probs = torch.inferenceMode(() => torch.tidy(() => {
        const x = torch.stack(batch.map((t) => tf.call(t)));
        return logitsOf(model.call(x)).softmax(1).sum(0);
      }));
      sum = sum === null ? probs : sum.add(probs);
    }
    const mean = sum!.div(picked.length);
    const kk = Math.min(k, mean.shape[0]!);
    const { values, indices } = mean.topk(kk, 0) as unknown as { values: torch.Tensor; indices: torch.Tensor };
    const v = values.toArray() as number[], ix = indices.toArray() as number[];
    const top: TopK[] = v.map((p, j) => ({ index: Number(ix[j]), label: o.classes?.[Number(ix[j])] ?? `class ${ix[j]}`, probability: p }));
    const pred = { file, top };
    out.push(pred);
    if (o.onVideo) await o.onVideo(sampled, pred);
    for (const t of sampled) t.dispose();
  }
  return out;
}
