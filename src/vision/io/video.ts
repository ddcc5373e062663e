// torchvision.io's video functions (torchvision/io/video.py with its PyAV backend): readVideo,
// readVideoTimestamps and writeVideo, on FFmpeg's libraries through the addon (src/native/video.cc).
//
// readVideo reproduces read_video's choices exactly, because they decide which frames a clip contains: the
// seek lands a few frames before the start (max(start - 1, 0) - 5, to catch B-frames), decoding runs up to 5
// frames past the end, the frames are sorted by pts and kept within [start, end], and when no frame has the
// start's pts exactly the last frame before it is prepended. Frames are converted to RGB as PyAV's
// VideoFrame.to_rgb() converts them, so they are byte-identical to torchvision's.
//
// Where torchvision silently returns nothing (a file FFmpeg cannot open, a failed seek, a decoding error
// midway), these functions throw an error naming the file and FFmpeg's message instead.
import { closeSync, existsSync, fsyncSync, openSync, renameSync, statSync, unlinkSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Tensor } from '../../tensor.js';
import { cat, empty, stack } from '../../creation.js';
import { withArgs, api, type PyRest } from '../../args.js';
import { videoNative as V, type FrameHandle, type ReaderHandle, type StreamInfo } from './video-native.js';

export type PtsUnit = 'pts' | 'sec';
export type VideoOutputFormat = 'THWC' | 'TCHW';

export interface ReadVideoOptions {
  /** The first presentation time: an integer in the video stream's time base ('pts'), or seconds ('sec'). */
  startPts?: number;
  /** The last presentation time (inclusive); null or undefined: to the end. */
  endPts?: number | null;
  /** 'pts' (torchvision's default) or 'sec'. */
  ptsUnit?: PtsUnit;
  /** 'THWC' (default) or 'TCHW'. */
  outputFormat?: VideoOutputFormat;
  /** Refuse to decode more than this many bytes of frames and samples (default 4 GiB): a bound on memory. */
  maxBytes?: number;
  /** Decoder threads (0, the default: as many as FFmpeg chooses, as PyAV). */
  threads?: number;
}

/** read_video's info dict: the video's average frame rate and the audio's sample rate, when present. */
export interface VideoInfo {
  video_fps?: number;
  audio_fps?: number;
}

const DEFAULT_MAX_BYTES = 2 ** 32;

let warnedPts = false;
function warnPtsUnit(): void {
  if (warnedPts) return;
  warnedPts = true;
  process.emitWarning("The pts_unit 'pts' gives wrong results. Please use pts_unit 'sec'.", 'UserWarning');
}

/** Opens a file for reading; the error names the file. */
export function openVideo(path: string, threads = 0): ReaderHandle {
  if (typeof path !== 'string') throw new TypeError(`video path must be a string, got ${typeof path}`);
  if (!existsSync(path)) throw new Error(`File not found: ${path}`);
  if (!statSync(path).isFile()) throw new Error(`${path} is not a file`);
  return V.videoOpen(path, { threads });
}

/** torchvision's should_buffer: DivX files with packed B-frames ("DivX...p") need frames past the end. */
function divxShouldBuffer(extradata: Uint8Array): boolean {
  const text = Buffer.from(extradata).toString('latin1');
  const pos = text.indexOf('DivX');
  if (pos < 0) return true;
  const d = text.slice(pos);
  const m = /DivX(\d+)Build(\d+)(\w)/.exec(d) ?? /DivX(\d+)b(\d+)(\w)/.exec(d);
  return m === null ? true : m[3] === 'p';
}

interface Held {
  pts: number;
  frame: FrameHandle;
}

function releaseAll(frames: Iterable<Held>): void {
  for (const f of frames) V.videoFrameRelease(f.frame);
}

/** Bytes one decoded frame of the stream becomes once converted (a bound for maxBytes). */
function frameBytes(st: StreamInfo, samples = 0): number {
  if (st.type === 'video') return (st.width ?? 0) * (st.height ?? 0) * 3;
  return samples * (st.channels ?? 1) * 8;
}

/** torchvision's _read_from_stream: the frames of one stream between two timestamps, held, sorted by pts. */
function readFromStream(r: ReaderHandle, path: string, start: number, end: number, ptsUnit: PtsUnit, st: StreamInfo, budget: { left: number; max: number }, warnPts: boolean): Held[] {
  let startOffset = start;
  let endOffset = end;
  if (ptsUnit === 'sec') {
    // Python: int(math.floor(start * (1 / time_base))), the Fraction becoming a float
    const perSecond = st.timeBase[1] / st.timeBase[0];
    startOffset = Math.floor(start * perSecond);
    if (end !== Infinity) endOffset = Math.ceil(end * perSecond);
  } else if (warnPts) {
    warnPtsUnit();
  }
  const maxBufferSize = 5;
  const shouldBuffer = st.type === 'video' ? divxShouldBuffer(st.extradata) : true;
  let seekOffset = Math.max(startOffset - 1, 0);
  if (shouldBuffer) seekOffset = Math.max(seekOffset - maxBufferSize, 0);
  const err = V.videoSeek(r, st.index, seekOffset, { backward: true });
  if (err !== null) throw new Error(`cannot seek to ${seekOffset} in stream ${st.index} of '${path}': ${err}`);
  const frames = new Map<number, Held>();
  let bufferCount = 0;
  try {
    for (;;) {
      const f = V.videoNext(r, st.index, { mode: 'hold' });
      if (f === null) break;
      // A frame without a pts (rare; PyAV gives None) is placed at FFmpeg's best-effort timestamp.
      const pts = f.pts ?? f.bestEffortTs;
      if (pts === null) {
        V.videoFrameRelease(f.frame!);
        throw new Error(`'${path}': stream ${st.index} has a frame without a timestamp`);
      }
      const old = frames.get(pts);
      if (old) V.videoFrameRelease(old.frame);
      else {
        budget.left -= frameBytes(st, f.samples);
        if (budget.left < 0) {
          V.videoFrameRelease(f.frame!);
          throw new RangeError(`'${path}': the requested range needs more than maxBytes = ${budget.max} bytes of frames; ` +
            'read a shorter range (startPts/endPts) or raise maxBytes');
        }
      }
      frames.set(pts, { pts, frame: f.frame! });
      if (pts >= endOffset) {
        if (shouldBuffer && bufferCount < maxBufferSize) {
          bufferCount++;
          continue;
        }
        break;
      }
    }
  } catch (e) {
    releaseAll(frames.values());
    throw e;
  }
  const keys = [...frames.keys()].sort((a, b) => a - b);
  const result = keys.filter((p) => startOffset <= p && p <= endOffset).map((p) => frames.get(p)!);
  if (frames.size > 0 && startOffset > 0 && !frames.has(startOffset)) {
    // no frame at exactly the start: add the last one before it (most useful for audio)
    const preceding = keys.filter((p) => p < startOffset);
    if (preceding.length > 0) result.unshift(frames.get(preceding[preceding.length - 1]!)!);
  }
  const kept = new Set(result);
  releaseAll([...frames.values()].filter((f) => !kept.has(f)));
  return result;
}

/** Python's int(): truncation toward zero. */
const pyInt = (x: number): number => Math.trunc(x);

/** Python's slice bounds a[s:e] on a sequence of length n (negative indices from the end, clamped). */
function pySliceBounds(n: number, s: number, e: number): [number, number] {
  const norm = (i: number): number => (i < 0 ? Math.max(n + i, 0) : Math.min(i, n));
  const a = norm(s);
  return [a, Math.max(norm(e), a)];
}

/** torchvision's _align_audio_frames: trims the samples to the requested range. */
function alignAudioFrames(aframes: Tensor, audioFrames: Held[], refStart: number, refEnd: number): Tensor {
  const start = audioFrames[0]!.pts;
  const end = audioFrames[audioFrames.length - 1]!.pts;
  const total = aframes.shape[1]!;
  const stepPerAframe = (end - start + 1) / total;
  let sIdx = 0;
  let eIdx = total;
  if (start < refStart) sIdx = pyInt((refStart - start) / stepPerAframe);
  if (end > refEnd) eIdx = pyInt((refEnd - end) / stepPerAframe);
  const [a, b] = pySliceBounds(total, sIdx, eIdx);
  return aframes.slice(1, a, b);
}

function checkPts(v: number, name: string, unit: PtsUnit): void {
  if (typeof v !== 'number' || Number.isNaN(v)) throw new TypeError(`readVideo: ${name} must be a number, got ${String(v)}`);
  if (unit === 'pts' && v !== Infinity && !Number.isInteger(v)) {
    throw new TypeError(`readVideo: with ptsUnit 'pts', ${name} must be an integer timestamp, got ${v} (use ptsUnit: 'sec' for seconds)`);
  }
}

function checkOutputFormat(f: string | undefined): VideoOutputFormat {
  const u = (f ?? 'THWC').toUpperCase();
  if (u !== 'THWC' && u !== 'TCHW') throw new RangeError(`output_format should be either 'THWC' or 'TCHW', got ${f}.`);
  return u;
}

/**
 * torchvision.io.read_video: the frames [T, H, W, 3] uint8 (or [T, 3, H, W] with outputFormat 'TCHW'), the
 * audio [K, L] (planar formats: channels x samples, in the stream's sample type, e.g. float32 for AAC) and the
 * info dict, between startPts and endPts inclusive.
 */
function readVideoImpl(path: string, opts: ReadVideoOptions = {}): [Tensor, Tensor, VideoInfo] {
  return readVideoRange(path, opts, true);
}

/**
 * readVideo without the 'pts' unit warning, for callers that pass the video stream's own timestamps (VideoClips:
 * they are right for the video; only the audio's range is torchvision's approximation).
 */
export function readVideoRange(path: string, opts: ReadVideoOptions, warnPts: boolean): [Tensor, Tensor, VideoInfo] {
  const outputFormat = checkOutputFormat(opts.outputFormat);
  const ptsUnit = opts.ptsUnit ?? 'pts';
  if (ptsUnit !== 'pts' && ptsUnit !== 'sec') throw new RangeError(`readVideo: ptsUnit must be 'pts' or 'sec', got '${String(ptsUnit)}'`);
  const startPts = opts.startPts ?? 0;
  const endPts = opts.endPts === undefined || opts.endPts === null ? Infinity : opts.endPts;
  checkPts(startPts, 'startPts', ptsUnit);
  checkPts(endPts, 'endPts', ptsUnit);
  if (endPts < startPts) throw new RangeError(`end_pts should be larger than start_pts, got start_pts=${startPts} and end_pts=${endPts}`);
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  if (!(maxBytes > 0)) throw new RangeError(`readVideo: maxBytes must be positive, got ${maxBytes}`);
  const budget = { left: maxBytes, max: maxBytes };

  const r = openVideo(path, opts.threads ?? 0);
  const info: VideoInfo = {};
  let videoFrames: Held[] = [];
  let audioFrames: Held[] = [];
  let vframes: Tensor | undefined;
  let aframes: Tensor | undefined;
  try {
    const streams = V.videoInfo(r).streams;
    const video = streams.find((s) => s.type === 'video');
    const audio = streams.find((s) => s.type === 'audio');
    if (video) {
      videoFrames = readFromStream(r, path, startPts, endPts, ptsUnit, video, budget, warnPts);
      const [num, den] = video.averageRate;
      if (num !== 0 && den !== 0) info.video_fps = num / den;
    }
    if (audio) {
      audioFrames = readFromStream(r, path, startPts, endPts, ptsUnit, audio, budget, warnPts);
      info.audio_fps = audio.sampleRate!;
    }
    if (videoFrames.length > 0) {
      const list = videoFrames.map((f) => new Tensor(V.videoFrameData(r, f.frame)));
      vframes = stack(list);
      for (const t of list) t.dispose();
    } else {
      vframes = empty([0, 1, 1, 3], { dtype: 'uint8' });
    }
    if (audioFrames.length > 0) {
      const list = audioFrames.map((f) => new Tensor(V.videoFrameData(r, f.frame)));
      const joined = cat(list, 1);
      for (const t of list) t.dispose();
      let refStart = startPts;
      let refEnd = endPts;
      if (ptsUnit === 'sec') {
        const perSecond = audio!.timeBase[1] / audio!.timeBase[0];
        refStart = Math.floor(startPts * perSecond);
        if (endPts !== Infinity) refEnd = Math.ceil(endPts * perSecond);
      }
      aframes = alignAudioFrames(joined, audioFrames, refStart, refEnd);
      if (aframes !== joined) joined.dispose();
    } else {
      aframes = empty([1, 0], { dtype: 'float32' });
    }
  } catch (e) {
    vframes?.dispose();
    aframes?.dispose();
    throw e;
  } finally {
    releaseAll(videoFrames);
    releaseAll(audioFrames);
    V.videoClose(r);
  }
  if (outputFormat === 'TCHW') {
    const t = vframes.permute(0, 3, 1, 2);
    vframes.dispose();
    vframes = t;
  }
  return [vframes, aframes, info];
}

/**
 * torchvision.io.read_video_timestamps: the pts of every video frame, sorted ('pts': integers in the stream's
 * time base; 'sec': seconds), and the video's average frame rate. Files written by libavcodec are read from
 * their packets without decoding, as torchvision does.
 */
function readVideoTimestampsImpl(path: string, ptsUnit: PtsUnit = 'pts'): [number[], number | null] {
  if (ptsUnit !== 'pts' && ptsUnit !== 'sec') throw new RangeError(`readVideoTimestamps: ptsUnit must be 'pts' or 'sec', got '${String(ptsUnit)}'`);
  const r = openVideo(path);
  let pts: number[] = [];
  let videoFps: number | null = null;
  let timeBase: [number, number] = [1, 1];
  try {
    const streams = V.videoInfo(r).streams;
    const video = streams.find((s) => s.type === 'video');
    if (video) {
      timeBase = video.timeBase;
      // torchvision's _can_read_timestamps_from_packets looks at the container's first stream
      const extradata = streams[0]!.extradata;
      const fromPackets = extradata.length > 0 && Buffer.from(extradata).includes('Lavc');
      if (fromPackets) {
        pts = Array.from(V.videoPacketPts(r, video.index));
      } else {
        for (let f = V.videoNext(r, video.index, { mode: 'pts' }); f !== null; f = V.videoNext(r, video.index, { mode: 'pts' })) {
          if (f.pts !== null) pts.push(f.pts);
        }
      }
      const [num, den] = video.averageRate;
      videoFps = num !== 0 && den !== 0 ? num / den : null;
    }
  } finally {
    V.videoClose(r);
  }
  pts.sort((a, b) => a - b);
  if (ptsUnit === 'sec') pts = pts.map((p) => (p * timeBase[0]) / timeBase[1]);
  return [pts, videoFps];
}

export interface WriteVideoOptions {
  /** FFmpeg's encoder name: 'libx264' (default), 'h264', 'libvpx-vp9', 'mpeg4', 'libx264rgb' ... */
  videoCodec?: string;
  /** Encoder options (PyAV's stream.options), e.g. { crf: '17' }. */
  options?: Record<string, string | number>;
  /** Audio [C, N], float in [-1, 1] (or int16), written with audioCodec at audioFps. */
  audioArray?: Tensor | null;
  audioFps?: number | null;
  audioCodec?: string | null;
  audioOptions?: Record<string, string | number> | null;
}

/** numpy's round: halves to even (torchvision rounds a float fps with np.round). */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

function stringOptions(o: Record<string, string | number> | null | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(o ?? {}).map(([k, v]) => [k, String(v)]));
}

/**
 * torchvision.io.write_video: writes [T, H, W, 3] uint8 frames at `fps` (rounded to an integer, as torchvision
 * does) with PyAV's stream defaults (yuv420p, or rgb24 for libx264rgb; 1024 kb/s unless options say
 * otherwise). The file appears complete or not at all (written beside it, then renamed).
 *
 * Repeatable bytes: libx264's default macroblock-tree rate control reads uninitialised memory (x264 0.164 with
 * FFmpeg 5.1), so the same frames can encode to different, equally valid files, in torchvision as here. Pass
 * `options: { threads: 1, 'x264-params': 'mbtree=0' }` when the file must be a function of the frames.
 */
function writeVideoImpl(path: string, videoArray: Tensor, fps: number, opts: WriteVideoOptions = {}): void {
  if (!(videoArray instanceof Tensor)) throw new TypeError('writeVideo: videoArray must be a Tensor [T, H, W, 3]');
  if (videoArray.dtype.name !== 'uint8') {
    throw new TypeError(`writeVideo: videoArray must be uint8 [T, H, W, 3] (got ${videoArray.dtype}); convert it first, e.g. x.mul(255).round().clamp(0, 255).to('uint8')`);
  }
  const shape = videoArray.shape;
  if (shape.length !== 4 || shape[3] !== 3) throw new RangeError(`writeVideo: videoArray must be [T, H, W, 3], got [${shape}]`);
  if (typeof fps !== 'number' || !(fps > 0) || !Number.isFinite(fps)) throw new RangeError(`writeVideo: fps must be a positive number, got ${fps}`);
  const rate = roundHalfEven(fps);
  if (rate < 1) throw new RangeError(`writeVideo: fps ${fps} rounds to ${rate}; torchvision writes integer frame rates`);
  const videoCodec = opts.videoCodec ?? 'libx264';
  let audio: { codec: string; rate: number; channels: number; options: Record<string, string> } | undefined;
  const audioArray = opts.audioArray ?? null;
  if (audioArray !== null) {
    if (!(audioArray instanceof Tensor) || audioArray.ndim !== 2) throw new RangeError('writeVideo: audioArray must be a Tensor [channels, samples]');
    if (!opts.audioFps || !(opts.audioFps > 0)) throw new RangeError('writeVideo: audioArray needs audioFps (the sample rate)');
    if (!opts.audioCodec) throw new RangeError("writeVideo: audioArray needs audioCodec (e.g. 'aac')");
    audio = { codec: opts.audioCodec, rate: opts.audioFps, channels: audioArray.shape[0]!, options: stringOptions(opts.audioOptions) };
  } else {
    for (const k of ['audioFps', 'audioCodec', 'audioOptions'] as const) {
      if (opts[k] !== undefined && opts[k] !== null) throw new RangeError(`writeVideo: ${k} was given without audioArray`);
    }
  }
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const w = V.videoWriterOpen(path, tmp, {
    video: { codec: videoCodec, fps: [rate, 1], width: shape[2]!, height: shape[1]!, pixFmt: videoCodec === 'libx264rgb' ? 'rgb24' : 'yuv420p', options: stringOptions(opts.options) },
    ...(audio ? { audio } : {}),
  });
  try {
    if (audioArray !== null) {
      const samples = audioArray.dtype.name === 'int16' ? audioArray.to('float32').div(32768) : audioArray;
      V.videoWriterAudio(w, samples._h);
      if (samples !== audioArray) samples.dispose();
    }
    V.videoWriterVideo(w, videoArray._h);
    V.videoWriterClose(w);
  } catch (e) {
    V.videoWriterClose(w, { abort: true });
    throw e;
  }
  try {
    const fd = openSync(tmp, 'r+');
    try { fsyncSync(fd); } finally { closeSync(fd); }
    renameSync(tmp, path);
  } catch (e) {
    try { unlinkSync(tmp); } catch { /* already gone */ }
    throw new Error(`cannot write ${path}: ${(e as Error).message}`);
  }
}

// torchvision's parameter order (src/args.ts): read_video(filename, start_pts, end_pts, pts_unit, output_format),
// read_video_timestamps(filename, pts_unit), write_video(filename, video_array, fps, video_codec, options, audio_array,
// audio_fps, audio_codec, audio_options); the two encoder option dicts are values, not the options object.
export const readVideo = api<(filename: string, ...rest: PyRest<ReadVideoOptions, ['startPts', 'endPts', 'ptsUnit', 'outputFormat']>) => [Tensor, Tensor, VideoInfo]>('readVideo', 'torchvision.io.read_video',
  'filename; startPts, endPts, ptsUnit, outputFormat, *, maxBytes, threads', readVideoImpl);
export const readVideoTimestamps = withArgs('readVideoTimestamps', 'torchvision.io.read_video_timestamps', 'filename, ptsUnit?', readVideoTimestampsImpl);
export const writeVideo = api<(filename: string, videoArray: Tensor, fps: number,
  ...rest: PyRest<WriteVideoOptions, ['videoCodec', 'options', 'audioArray', 'audioFps', 'audioCodec', 'audioOptions']>) => void>('writeVideo', 'torchvision.io.write_video',
  'filename, videoArray, fps; videoCodec, options:dict, audioArray, audioFps, audioCodec, audioOptions:dict', writeVideoImpl);
