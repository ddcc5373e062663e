// What torchvision's video classification data sets (Kinetics, UCF101, HMDB51) share: class folders of videos,
// every clip of each video (VideoClips), and a sample = [clip frames, clip audio, class index] with `transform`
// applied to the frames.
import { Dataset } from '../../data/dataset.js';
import { Tensor } from '../../tensor.js';
import { applyTransform, type TransformLike } from '../transforms/transforms.js';
import type { VideoOutputFormat } from '../io/video.js';
import { VideoClips, type VideoClipsMetadata } from './video-clips.js';

export interface VideoDatasetOptions {
  root: string;
  /** Frames per clip. */
  framesPerClip: number;
  /** Frames between the starts of consecutive clips of a video (default 1). */
  stepBetweenClips?: number;
  /** Resample every video to this frame rate before cutting clips. */
  frameRate?: number | null;
  /** Applied to each clip's frames ([T, H, W, C] or [T, C, H, W] uint8). */
  transform?: TransformLike | null;
  /** The `metadata` of an earlier instance over the same files: skips reading every video's timestamps. */
  precomputedMetadata?: VideoClipsMetadata | null;
  /** A progress bar while the timestamps are read (default true). */
  progress?: boolean;
}

export abstract class VideoClassificationDataset extends Dataset<[Tensor, Tensor, number]> {
  readonly root: string;
  transform: TransformLike | null;
  abstract readonly classes: string[];
  /** [path, class index] of every video, in torchvision's order. */
  abstract readonly samples: [string, number][];
  /** The clips this data set serves. */
  abstract readonly videoClips: VideoClips;

  constructor(opts: VideoDatasetOptions) {
    super();
    if (!opts || typeof opts.root !== 'string' || opts.root === '') throw new TypeError(`${new.target.name}: the root option (a folder path) is required`);
    if (!Number.isInteger(opts.framesPerClip) || opts.framesPerClip < 1) throw new RangeError(`${new.target.name}: framesPerClip must be a positive integer, got ${opts.framesPerClip}`);
    this.root = opts.root;
    this.transform = opts.transform ?? null;
  }

  protected makeClips(videoPaths: string[], opts: VideoDatasetOptions, outputFormat: VideoOutputFormat): VideoClips {
    return new VideoClips(videoPaths, {
      clipLengthInFrames: opts.framesPerClip, framesBetweenClips: opts.stepBetweenClips ?? 1, frameRate: opts.frameRate ?? null,
      precomputedMetadata: opts.precomputedMetadata ?? null, outputFormat, progress: opts.progress,
    });
  }

  /** The class index of the video the clips' video index `videoIdx` names. */
  protected abstract label(videoIdx: number): number;

  /** The timestamps of every video (all of them, whatever the split), to save and pass back as precomputedMetadata. */
  get metadata(): VideoClipsMetadata { return this.videoClips.metadata; }

  get length(): number { return this.videoClips.numClips(); }

  get(index: number): [Tensor, Tensor, number] {
    const n = this.length;
    if (!Number.isInteger(index) || index < -n || index >= n) throw new RangeError(`${this.constructor.name}: index ${index} is out of range for ${n} clips`);
    const [video, audio, , videoIdx] = this.videoClips.getClip(index < 0 ? index + n : index);
    const frames = this.transform ? applyTransform(this.transform, video) as Tensor : video;
    return [frames, audio, this.label(videoIdx)];
  }

  override toString(): string {
    const lines = [`Number of datapoints: ${this.length}`, `Root location: ${this.root}`];
    if (this.transform) lines.push(`Transform: ${String(this.transform)}`);
    return [`Dataset ${this.constructor.name}`, ...lines.map((l) => '    ' + l)].join('\n');
  }
}
