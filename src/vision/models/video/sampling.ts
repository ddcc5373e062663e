// How the video weights' accuracies were measured, and so how to sample a video for them: clips of `clipLen`
// frames at `frameRate` frames per second, `clipsPerVideo` of them spread uniformly over the video, their
// softmax averaged (torchvision's references/video_classification evaluation). torchvision states it in each
// entry's docs; scripts/gen-weights-table.py keeps it as data in the video weights table.
import type { Weights } from '../weights.js';
import { VIDEO_WEIGHTS_DATA } from './weights-data.js';
import { bindOwn, registerSignature } from '../../../args.js';

// PyTorch's argument binding (src/args.ts) for this module's functions: an extra positional argument or an
// unknown keyword is a TypeError naming it.
registerSignature(clipSampling, 'clipSampling', 'tstorch.vision.models.video.clipSampling', 'w');

export interface ClipSampling {
  /** Frames per clip. */
  clipLen: number;
  /** Frames per second the video is resampled to. */
  frameRate: number;
  /** Clips per video, spread uniformly over it. */
  clipsPerVideo: number;
}

/** The sampling of published video weights (R3D_18_Weights.DEFAULT: 5 clips of 16 frames at 15 fps). */
export function clipSampling(w: Weights<unknown>): ClipSampling {
  [w] = bindOwn(clipSampling, arguments) as Parameters<typeof clipSampling>;
  const table = VIDEO_WEIGHTS_DATA as unknown as Record<string, { entries: Record<string, { sampling?: ClipSampling }> }>;
  const s = table[w.enumName]?.entries[w.name]?.sampling;
  if (!s) throw new Error(`${String(w)} are not video classification weights (no clip sampling is known for them)`);
  return { ...s };
}
