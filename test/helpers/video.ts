// Test clips made with the ffmpeg command-line tool (Debian's `ffmpeg`): a moving test pattern (testsrc2) and,
// optionally, a sine tone, encoded with a chosen codec. Only the tests use the CLI; tstorch decodes with
// FFmpeg's libraries.
import { execFileSync } from 'node:child_process';

export interface ClipSpec {
  /** 'h264' (libx264 with B-frames, yuv420p), 'vp9' (libvpx-vp9), 'mpeg4' (MPEG-4 part 2 with B-frames). */
  codec: 'h264' | 'vp9' | 'mpeg4';
  width?: number;
  height?: number;
  fps?: number;
  seconds?: number;
  /** Audio sample rate; no audio track when absent (AAC with h264, Opus with vp9). */
  audioRate?: number;
  /** Keyframe interval in frames. */
  gop?: number;
  /** A different test pattern per clip. */
  pattern?: 'testsrc2' | 'testsrc' | 'rgbtestsrc' | 'smptebars';
}

const CODEC_ARGS: Record<ClipSpec['codec'], string[]> = {
  h264: ['-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-bf', '2', '-preset', 'veryfast'],
  vp9: ['-c:v', 'libvpx-vp9', '-deadline', 'realtime', '-cpu-used', '8'],
  mpeg4: ['-c:v', 'mpeg4', '-bf', '2', '-q:v', '4'],
};

export function makeClip(path: string, spec: ClipSpec): string {
  const w = spec.width ?? 96, h = spec.height ?? 64, fps = spec.fps ?? 15, s = spec.seconds ?? 2;
  const args = ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `${spec.pattern ?? 'testsrc2'}=size=${w}x${h}:rate=${fps}:duration=${s}`];
  if (spec.audioRate) args.push('-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=${spec.audioRate}:duration=${s}`);
  args.push(...CODEC_ARGS[spec.codec], '-g', String(spec.gop ?? 12));
  if (spec.audioRate) args.push('-c:a', spec.codec === 'vp9' ? 'libopus' : 'aac', '-shortest');
  args.push(path);
  execFileSync('ffmpeg', args, { stdio: 'pipe' });
  return path;
}
