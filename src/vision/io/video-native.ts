// The addon's video functions (src/native/video.cc: FFmpeg's libraries), typed for vision.io's video modules.
import { native, type Handle } from '../../native/binding.js';
import { bindOwn, registerSignature } from '../../args.js';

// PyTorch's argument binding (src/args.ts) for this module's functions: an extra positional argument or an
// unknown keyword is a TypeError naming it.
registerSignature(videoBackend, 'videoBackend', 'tstorch.vision.io.videoBackend', '');

/** An open file (a native reader holding FFmpeg's demuxer and decoders). */
export type ReaderHandle = { readonly __videoReader: unique symbol };
/** A decoded frame held for later conversion. */
export type FrameHandle = { readonly __videoFrame: unique symbol };
/** An open output file. */
export type WriterHandle = { readonly __videoWriter: unique symbol };

export interface StreamInfo {
  index: number;
  type: 'video' | 'audio' | 'subtitle' | 'data' | 'attachment' | 'unknown';
  codec: string;
  /** [num, den]: the unit of the stream's timestamps. */
  timeBase: [number, number];
  /** [num, den]; [0, 0] when unknown (PyAV's average_rate is then None). */
  averageRate: [number, number];
  baseRate: [number, number];
  /** av_guess_frame_rate: what torchvision's VideoReader reports as fps. */
  guessedRate: [number, number];
  startTime: number | null;
  /** In timeBase units. */
  duration: number | null;
  frames: number;
  bitRate: number;
  width?: number;
  height?: number;
  pixFmt?: string;
  sampleRate?: number;
  channels?: number;
  sampleFmt?: string;
  /** The codec's extradata (torchvision looks for "DivX" and "Lavc" in it). */
  extradata: Uint8Array;
}

export interface ContainerInfo {
  format: string;
  /** Seconds. */
  duration: number | null;
  startTime: number | null;
  streams: StreamInfo[];
}

export interface DecodedFrame {
  pts: number | null;
  bestEffortTs: number | null;
  keyFrame: boolean;
  sampleRate?: number;
  samples?: number;
  channels?: number;
  /** Audio: planar samples come as [channels, samples], packed ones as [1, samples * channels]. */
  planar?: boolean;
  data?: Handle;
  frame?: FrameHandle;
}

export interface WriterOptions {
  video: { codec: string; fps: [number, number]; width: number; height: number; pixFmt: string; options?: Record<string, string> };
  audio?: { codec: string; rate: number; channels: number; options?: Record<string, string> };
}

export interface VideoNative {
  videoBackend(): { available: boolean; reason?: string; libavformat?: string; libavcodec?: string; libswscale?: string; libswresample?: string; libavutil?: string };
  videoOpen(path: string, opts?: { threads?: number }): ReaderHandle;
  videoInfo(r: ReaderHandle): ContainerInfo;
  /** null, or FFmpeg's message when the seek failed. */
  videoSeek(r: ReaderHandle, stream: number, timestamp: number, opts?: { backward?: boolean; anyFrame?: boolean }): string | null;
  videoNext(r: ReaderHandle, stream: number, opts?: { mode?: 'convert' | 'hold' | 'pts' }): DecodedFrame | null;
  videoFrameData(r: ReaderHandle, f: FrameHandle): Handle;
  videoFrameRelease(f: FrameHandle): void;
  videoPacketPts(r: ReaderHandle, stream: number): Float64Array;
  videoClose(r: ReaderHandle): void;
  videoWriterOpen(path: string, tmpPath: string, opts: WriterOptions): WriterHandle;
  videoWriterVideo(w: WriterHandle, frames: Handle): void;
  videoWriterAudio(w: WriterHandle, samples: Handle): void;
  videoWriterClose(w: WriterHandle, opts?: { abort?: boolean }): void;
}

export const videoNative = native as unknown as VideoNative;

/** Which FFmpeg the addon was built with, or why video is unavailable. */
export function videoBackend(): ReturnType<VideoNative['videoBackend']> {
  bindOwn(videoBackend, arguments);
  return videoNative.videoBackend();
}
