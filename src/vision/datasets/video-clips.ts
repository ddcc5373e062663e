// torchvision.datasets.video_utils.VideoClips: every clip of `clipLengthInFrames` frames, `framesBetweenClips`
// apart, of a list of videos, optionally resampled to a common frame rate. Building it reads every video's frame
// timestamps (readVideoTimestamps, with a progress bar); `metadata` holds them in torchvision's layout
// ({video_paths, video_pts: int64 tensors, video_fps}) so that they can be saved with torch.save (also by
// PyTorch) and passed back as precomputedMetadata to skip the scan.
import { Tensor } from '../../tensor.js';
import { bindCtor, classArgs, withArgs, type PyRest } from '../../args.js';
import { arange, tensor } from '../../creation.js';
import { ProgressBar } from '../../utils/progress.js';
import { readVideoRange, readVideoTimestamps, type VideoInfo, type VideoOutputFormat } from '../io/video.js';

/** torchvision's metadata dict. */
export interface VideoClipsMetadata {
  video_paths: string[];
  /** Each video's frame timestamps (int64, sorted). */
  video_pts: Tensor[];
  /** Each video's average frame rate (null without a video stream). */
  video_fps: (number | null)[];
}

export interface VideoClipsOptions {
  /** Frames per clip (default 16). */
  clipLengthInFrames?: number;
  /** Frames between the starts of consecutive clips (default 1). */
  framesBetweenClips?: number;
  /** Resample every video to this frame rate; clips are counted in resampled frames. */
  frameRate?: number | null;
  /** The metadata of an earlier VideoClips over the same videos (skips reading the timestamps). */
  precomputedMetadata?: VideoClipsMetadata | null;
  /** 'THWC' (default) or 'TCHW'. */
  outputFormat?: VideoOutputFormat;
  /** A progress bar while the timestamps are read (default true). */
  progress?: boolean;
}

/** A frame selection: every `step`-th frame (a Python slice with start None), or explicit indices. */
export type Resampling = { step: number } | number[];

/** torchvision's unfold: all windows of `size` elements, `step` apart, of a 1-D sequence. */
function unfoldImpl<T>(values: readonly T[], size: number, step: number, dilation = 1): T[][] {
  const n = Math.floor((values.length - (dilation * (size - 1) + 1)) / step) + 1;
  const out: T[][] = [];
  for (let i = 0; i < n; i++) out.push(Array.from({ length: size }, (_, j) => values[i * step + j * dilation]!));
  return out;
}

/** torchvision's _resample_video_idx: a slice for an integer ratio, else floor(arange(n) * ratio) in float32. */
function resampleVideoIdxImpl(numFrames: number, originalFps: number, newFps: number): Resampling {
  const step = originalFps / newFps;
  if (Number.isInteger(step)) return { step };
  const t = arange(numFrames, { dtype: 'float32' }).mul(step).floor().to('int64');
  const idxs = Array.from(t.dataSync() as BigInt64Array, Number);
  t.dispose();
  return idxs;
}

function applyResampling<T>(values: readonly T[], r: Resampling): T[] {
  if (Array.isArray(r)) return r.map((i) => values[i]!);
  return values.filter((_, i) => i % (r as { step: number }).step === 0);
}

function checkPositiveInt(v: number, name: string): number {
  if (!Number.isInteger(v) || v < 1) throw new RangeError(`VideoClips: ${name} must be a positive integer, got ${v}`);
  return v;
}

export class VideoClips {
  videoPaths: string[];
  videoPts: number[][];
  videoFps: (number | null)[];
  readonly outputFormat: VideoOutputFormat;
  numFrames = 16;
  step = 1;
  frameRate: number | null = null;
  /** Per video, each clip's timestamps. */
  clips: number[][][] = [];
  /** Per video, each clip's frame selection when resampling. */
  resamplingIdxs: Resampling[][] = [];
  cumulativeSizes: number[] = [];
  /** Videos whose timestamps could not be read (no clips are taken from them), with the reason. */
  readonly unreadable = new Map<string, string>();

  /** torchvision's order (videoPaths, clipLengthInFrames, framesBetweenClips, frameRate), or options after videoPaths. */
  constructor(videoPaths: readonly string[], ...rest: PyRest<VideoClipsOptions, ['clipLengthInFrames', 'framesBetweenClips', 'frameRate']>);
  constructor(...args: unknown[]) {
    const [videoPaths, opts = {}] = bindCtor(VideoClips, args) as [readonly string[], VideoClipsOptions];
    const fmt = (opts.outputFormat ?? 'THWC').toUpperCase();
    if (fmt !== 'THWC' && fmt !== 'TCHW') throw new RangeError(`output_format should be either 'THWC' or 'TCHW', got ${opts.outputFormat}.`);
    this.outputFormat = fmt;
    this.videoPaths = [...videoPaths];
    if (opts.precomputedMetadata) {
      const m = opts.precomputedMetadata;
      if (m.video_pts.length !== m.video_paths.length || m.video_fps.length !== m.video_paths.length) {
        throw new RangeError('VideoClips: precomputedMetadata needs one entry per video in video_paths, video_pts and video_fps');
      }
      this.videoPaths = [...m.video_paths];
      this.videoPts = m.video_pts.map((t) => Array.from(t.to('int64').dataSync() as BigInt64Array, Number));
      this.videoFps = [...m.video_fps];
    } else {
      this.videoPts = [];
      this.videoFps = [];
      const bar = new ProgressBar({ total: this.videoPaths.length, desc: 'video timestamps', unit: 'video', disable: opts.progress === false });
      for (const p of this.videoPaths) {
        // torchvision warns and keeps an empty list for a file it cannot read; the reason is kept here
        try {
          const [pts, fps] = readVideoTimestamps(p);
          this.videoPts.push(pts);
          this.videoFps.push(fps);
        } catch (e) {
          this.unreadable.set(p, (e as Error).message);
          process.emitWarning(`VideoClips: cannot read '${p}' (${(e as Error).message}); it contributes no clips`);
          this.videoPts.push([]);
          this.videoFps.push(null);
        }
        bar.update();
      }
      bar.close();
    }
    this.computeClips(opts.clipLengthInFrames ?? 16, opts.framesBetweenClips ?? 1, opts.frameRate ?? null);
  }

  /** torchvision's metadata dict (int64 pts tensors), for torch.save and precomputedMetadata. */
  get metadata(): VideoClipsMetadata {
    return {
      video_paths: [...this.videoPaths],
      video_pts: this.videoPts.map((p) => tensor(p.map((v) => BigInt(v)), { dtype: 'int64' })),
      video_fps: [...this.videoFps],
    };
  }

  /** A VideoClips over some of the videos, with the same clip settings. */
  subset(indices: readonly number[]): VideoClips {
    const pick = <T>(a: readonly T[]): T[] => indices.map((i) => {
      if (!Number.isInteger(i) || i < 0 || i >= a.length) throw new RangeError(`VideoClips.subset: index ${i} is out of range for ${a.length} videos`);
      return a[i]!;
    });
    const out = Object.create(VideoClips.prototype) as VideoClips;
    Object.assign(out, {
      videoPaths: pick(this.videoPaths), videoPts: pick(this.videoPts), videoFps: pick(this.videoFps),
      outputFormat: this.outputFormat, unreadable: this.unreadable,
    });
    out.computeClips(this.numFrames, this.step, this.frameRate);
    return out;
  }

  /** The clips of one video: their timestamps, and the frame selection of each when resampling. */
  static computeClipsForVideo(videoPts: readonly number[], numFrames: number, step: number, fps: number | null, frameRate: number | null = null): [number[][], Resampling[]] {
    const f = fps ?? 1;
    const rate = frameRate ?? f;
    const totalFrames = videoPts.length * (rate / f);
    const idxs = resampleVideoIdx(Math.floor(totalFrames), f, rate);
    const clips = unfold(applyResampling(videoPts, idxs), numFrames, step);
    const resampling: Resampling[] = Array.isArray(idxs) ? unfold(idxs, numFrames, step) : clips.map(() => idxs);
    return [clips, resampling];
  }

  /** Recomputes the clips for another length, step or frame rate (fast: no file is read). */
  computeClips(numFrames: number, step: number, frameRate: number | null = null): void {
    this.numFrames = checkPositiveInt(numFrames, 'clipLengthInFrames');
    this.step = checkPositiveInt(step, 'framesBetweenClips');
    if (frameRate !== null && !(frameRate > 0)) throw new RangeError(`VideoClips: frameRate must be positive, got ${frameRate}`);
    this.frameRate = frameRate;
    this.clips = [];
    this.resamplingIdxs = [];
    let warned = false;
    this.videoPts.forEach((pts, i) => {
      const [clips, idxs] = VideoClips.computeClipsForVideo(pts, numFrames, step, this.videoFps[i]!, frameRate);
      if (clips.length === 0 && !warned) {
        warned = true;
        process.emitWarning("There aren't enough frames in the current video to get a clip for the given clip length and frames between clips. The video (and potentially others) will be skipped.");
      }
      this.clips.push(clips);
      this.resamplingIdxs.push(idxs);
    });
    let total = 0;
    this.cumulativeSizes = this.clips.map((c) => (total += c.length));
  }

  get length(): number { return this.numClips(); }
  numVideos(): number { return this.videoPaths.length; }
  numClips(): number { return this.cumulativeSizes.length ? this.cumulativeSizes[this.cumulativeSizes.length - 1]! : 0; }

  /** [videoIdx, clipIdx] of a flat clip index (bisect_right over the cumulative sizes). */
  getClipLocation(idx: number): [number, number] {
    let lo = 0, hi = this.cumulativeSizes.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (idx < this.cumulativeSizes[mid]!) hi = mid; else lo = mid + 1;
    }
    return [lo, lo === 0 ? idx : idx - this.cumulativeSizes[lo - 1]!];
  }

  /** The clip's frames, its audio, the info dict and the index of its video. */
  getClip(idx: number): [Tensor, Tensor, VideoInfo, number] {
    if (!Number.isInteger(idx) || idx < 0) throw new RangeError(`VideoClips: index must be a non-negative integer, got ${idx}`);
    if (idx >= this.numClips()) throw new RangeError(`Index ${idx} out of range (${this.numClips()} number of clips)`);
    const [videoIdx, clipIdx] = this.getClipLocation(idx);
    const path = this.videoPaths[videoIdx]!;
    const clipPts = this.clips[videoIdx]![clipIdx]!;
    let [video, audio, info] = readVideoRange(path, { startPts: clipPts[0]!, endPts: clipPts[clipPts.length - 1]! }, false);
    if (this.frameRate !== null) {
      const r = this.resamplingIdxs[videoIdx]![clipIdx]!;
      const sel = Array.isArray(r) ? r.map((i) => i - r[0]!) : r;
      const picked = Array.isArray(sel)
        ? video.indexSelect(0, tensor(sel.map((i) => BigInt(i)), { dtype: 'int64' }))
        : video.slice(0, null, null, sel.step);
      video.dispose();
      video = picked;
      info = { ...info, video_fps: this.frameRate };
    }
    if (video.shape[0] !== this.numFrames) {
      const n = video.shape[0];
      video.dispose();
      audio.dispose();
      throw new Error(`VideoClips: clip ${idx} of '${path}' decoded to ${n} frames instead of ${this.numFrames} (a damaged file, or timestamps that changed since they were read)`);
    }
    if (this.outputFormat === 'TCHW') {
      const t = video.permute(0, 3, 1, 2);
      video.dispose();
      video = t;
    }
    return [video, audio, info, videoIdx];
  }
}

// bound to their signatures (src/args.ts): an extra positional argument or an unknown option is a TypeError
export const unfold = withArgs('unfold', 'torchvision.datasets.video_utils.unfold', 'tensor, size, step, dilation?', unfoldImpl);
export const resampleVideoIdx = withArgs('resampleVideoIdx', 'torchvision.datasets.video_utils.VideoClips._resample_video_idx', 'numFrames, originalFps, newFps', resampleVideoIdxImpl);
classArgs(VideoClips, 'torchvision.datasets.video_utils.VideoClips', 'videoPaths; clipLengthInFrames, framesBetweenClips, frameRate, *, precomputedMetadata, outputFormat, progress');
