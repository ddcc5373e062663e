// torchvision.io.VideoReader: frame-by-frame reading of one stream of a file, with seeking. Iterate it
// (`for (const { data, pts } of reader.seek(2))`) or call next() (JavaScript's iterator protocol: Python's
// `next(reader)` is `reader.next().value`).
//
// As torchvision's (its video_reader backend): video frames are [3, H, W] uint8, audio frames [samples,
// channels] float32; pts are seconds, FFmpeg's best-effort timestamp rounded to microseconds; seek(t) is
// precise (the next frame is the first whose pts is at least t) unless keyframesOnly; the metadata reports each
// stream's duration and rate. The pixels are converted as PyAV converts them (the frames equal readVideo's).
import { Tensor } from '../../tensor.js';
import { tidy } from '../../memory.js';
import { openVideo } from './video.js';
import { bindCtor, classArgs } from '../../args.js';
import { videoNative as V, type ContainerInfo, type ReaderHandle, type StreamInfo } from './video-native.js';

export interface VideoReaderFrame {
  /** Video: [3, H, W] uint8; audio: [samples, channels] float32. */
  data: Tensor;
  /** Presentation time in seconds. */
  pts: number;
}

/** Per stream kind, one entry per stream of that kind in the file. */
export interface VideoReaderMetadata {
  video: { duration: number[]; fps: number[] };
  audio: { duration: number[]; framerate: number[] };
  subtitles: { duration: number[] };
  cc: { duration: number[] };
}

export interface VideoReaderOptions {
  /** Decoder threads; 0 (default) lets FFmpeg choose. */
  numThreads?: number;
  /** Only 'cpu': GPU decoding is not available. */
  device?: string;
}

const STREAM_RE = /^([a-zA-Z_]+)(?::([1-9]\d*|0))?$/;
const US = 1_000_000n;

/** av_rescale_q(ts, timeBase, 1/1000000): rounds to the nearest microsecond, halves away from zero. */
function toMicroseconds(ts: number, [num, den]: [number, number]): number {
  const a = BigInt(ts) * BigInt(num) * US;
  const d = BigInt(den);
  const q = a >= 0n ? (a + d / 2n) / d : -((-a + d / 2n) / d);
  return Number(q);
}

/**
 * A stream's duration in seconds (av_rescale_q to microseconds, as torchvision); a stream without one (WebM)
 * reports the file's, where torchvision reports a meaningless negative number.
 */
function durationSeconds(st: StreamInfo, file: ContainerInfo): number {
  if (st.duration === null) return file.duration ?? 0;
  return toMicroseconds(st.duration, st.timeBase) * 1e-6;
}

/** Samples of any of PyAV's layouts as float32 [samples, channels], as torchvision's decoder converts them. */
function audioToFloat(t: Tensor, channels: number, planar: boolean): Tensor {
  let x = t.dtype.name === 'float32' ? t : t.to('float32');
  if (t.dtype.name === 'uint8') x = x.sub(128).div(128);
  else if (t.dtype.name === 'int16') x = x.div(32768);
  else if (t.dtype.name === 'int32') x = x.div(2147483648);
  const out = planar ? x.t().contiguous() : x.reshape([-1, channels]);
  return out;
}

export class VideoReader implements IterableIterator<VideoReaderFrame> {
  private readonly r: ReaderHandle;
  private readonly container: ContainerInfo;
  private readonly streams: StreamInfo[];
  private current!: StreamInfo;
  /** Frames before this time (microseconds) are skipped: a precise seek. */
  private startUs = 0;
  private seekS = 0;
  private closed = false;

  readonly path: string;

  /** torchvision's order (path, stream, numThreads, device), or options after the stream. */
  constructor(path: string, stream?: string, opts?: VideoReaderOptions);
  constructor(path: string, stream: string, numThreads?: number, device?: string);
  constructor(...args: unknown[]) {
    const [path, stream = 'video', opts = {}] = bindCtor(VideoReader, args) as [string, string | undefined, VideoReaderOptions];
    this.path = path;
    if ((opts.device ?? 'cpu') !== 'cpu') throw new Error(`VideoReader: device '${opts.device}' is not available (only 'cpu'; tstorch has no GPU video decoder)`);
    const threads = opts.numThreads ?? 0;
    if (!Number.isInteger(threads) || threads < 0) throw new RangeError(`VideoReader: numThreads must be a non-negative integer, got ${threads}`);
    this.r = openVideo(path, threads);
    try {
      this.container = V.videoInfo(this.r);
      this.streams = this.container.streams;
      this.setCurrentStream(stream);
    } catch (e) {
      V.videoClose(this.r);
      throw e;
    }
  }

  /** The stream named "video", "audio", "video:N" or "audio:N" (N: the stream's index in the file). */
  private findStream(desc: string): StreamInfo {
    const m = STREAM_RE.exec(desc);
    if (!m) throw new RangeError(`Invalid stream string: '${desc}'`);
    const type = m[1]!;
    if (!['video', 'audio', 'subtitle', 'cc'].includes(type)) throw new RangeError(`Expected one of [audio, video, subtitle, cc] ${type}`);
    if (type !== 'video' && type !== 'audio') throw new RangeError(`VideoReader: only video and audio streams decode, not '${type}'`);
    const st = m[2] !== undefined
      ? this.streams.find((s) => s.index === Number(m[2]))
      : this.streams.find((s) => s.type === type);
    if (!st) throw new RangeError(`'${this.path}' has no ${type} stream${m[2] !== undefined ? ` with index ${m[2]}` : ''}`);
    if (st.type !== type) throw new RangeError(`stream ${st.index} of '${this.path}' is a ${st.type} stream, not ${type}`);
    return st;
  }

  /** Switches to another stream, positioned at the last seek time (torchvision's set_current_stream). */
  setCurrentStream(stream = 'video'): boolean {
    this.current = this.findStream(stream);
    this.doSeek(this.seekS, false);
    return true;
  }

  /** The current stream as [type, index]. */
  getCurrentStream(): [string, number] { return [this.current.type, this.current.index]; }

  /**
   * Seeks within the current stream: the next frame is the first whose pts is at least `timeS` seconds, or,
   * with keyframesOnly, the keyframe at or before it. Returns this reader (`for (const f of reader.seek(2))`).
   */
  seek(timeS: number, keyframesOnly = false): this {
    if (typeof timeS !== 'number' || !Number.isFinite(timeS)) throw new TypeError(`VideoReader.seek: timeS must be a finite number, got ${timeS}`);
    this.doSeek(timeS, keyframesOnly);
    return this;
  }

  private doSeek(timeS: number, keyframesOnly: boolean): void {
    this.checkOpen();
    this.seekS = timeS;
    this.startUs = keyframesOnly ? -Infinity : Math.trunc(timeS * 1e6);
    const [num, den] = this.current.timeBase;
    const ts = Math.floor((Math.max(timeS, 0) * den) / num);
    const err = V.videoSeek(this.r, this.current.index, ts, { backward: true });
    if (err !== null) throw new Error(`VideoReader: cannot seek to ${timeS} s in '${this.path}': ${err}`);
  }

  next(): IteratorResult<VideoReaderFrame, undefined> {
    this.checkOpen();
    const st = this.current;
    for (;;) {
      const f = V.videoNext(this.r, st.index, { mode: 'hold' });
      if (f === null) return { done: true, value: undefined };
      const ts = f.bestEffortTs ?? f.pts;
      const us = ts === null ? 0 : toMicroseconds(ts, st.timeBase);
      if (us < this.startUs) {
        V.videoFrameRelease(f.frame!);
        continue;
      }
      let data: Tensor;
      try {
        // intermediate tensors (the HWC frame, the samples before conversion) are freed at once
        data = tidy(() => {
          const raw = new Tensor(V.videoFrameData(this.r, f.frame!));
          return st.type === 'video' ? raw.permute(2, 0, 1) : audioToFloat(raw, f.channels!, f.planar!);
        });
      } finally {
        V.videoFrameRelease(f.frame!);
      }
      return { done: false, value: { data, pts: us * 1e-6 } };
    }
  }

  [Symbol.iterator](): this { return this; }

  /** Duration (seconds) and rate of every video and audio stream. */
  getMetadata(): VideoReaderMetadata {
    const md: VideoReaderMetadata = { video: { duration: [], fps: [] }, audio: { duration: [], framerate: [] }, subtitles: { duration: [] }, cc: { duration: [] } };
    for (const s of this.streams) {
      if (s.type === 'video') {
        md.video.duration.push(durationSeconds(s, this.container));
        const [n, d] = s.guessedRate;
        md.video.fps.push(d === 0 ? 0 : n / d);
      } else if (s.type === 'audio') {
        md.audio.duration.push(durationSeconds(s, this.container));
        md.audio.framerate.push(s.sampleRate ?? 0);
      } else if (s.type === 'subtitle') {
        md.subtitles.duration.push(durationSeconds(s, this.container));
      }
    }
    return md;
  }

  /** Frees the decoder now (otherwise at garbage collection). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    V.videoClose(this.r);
  }

  [Symbol.dispose](): void { this.close(); }

  private checkOpen(): void {
    if (this.closed) throw new Error('VideoReader: the reader was closed');
  }
}

classArgs(VideoReader, 'torchvision.io.VideoReader', 'path, stream?; numThreads, device');
