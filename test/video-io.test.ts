// vision.io's video functions against torchvision.io (PyAV backend, python3-av) and torchvision's VideoReader,
// on clips of three codecs made here with the ffmpeg CLI: frames byte-equal, the same pts handling for
// sub-ranges in both units, the same audio samples, and clear errors for hostile or truncated files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as torch from '../src/index.js';
import * as io from '../src/vision/io/index.js';
import { runPython } from './helpers/pytorch.js';
import { makeClip } from './helpers/video.js';

const dir = mkdtempSync(join(tmpdir(), 'tstorch-video-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));
const available = io.videoBackend().available;

const equal = (a: torch.Tensor, b: torch.Tensor, what: string): void => {
  assert.deepEqual(a.shape, b.shape, `${what}: shape`);
  assert.equal(a.dtype, b.dtype, `${what}: dtype`);
  if (a.numel() > 0) assert.ok(a.eq(b).all().item(), `${what}: values differ (max |diff| ${a.to('float64').sub(b.to('float64')).abs().max().item()})`);
};

if (!available) {
  test('without FFmpeg the video functions say what to install', () => {
    assert.throws(() => io.readVideo(join(dir, 'any.mp4')), /File not found|FFmpeg|libavformat/);
    assert.throws(() => io.writeVideo(join(dir, 'any.mp4'), torch.zeros([1, 2, 2, 3], { dtype: 'uint8' }), 1), /FFmpeg|libavformat/);
  });
} else {
  const clips = {
    h264: makeClip(join(dir, 'h264.mp4'), { codec: 'h264', audioRate: 16000 }),
    vp9: makeClip(join(dir, 'vp9.webm'), { codec: 'vp9', audioRate: 48000, gop: 10 }),
    mpeg4: makeClip(join(dir, 'mpeg4.avi'), { codec: 'mpeg4', gop: 10 }),
  };
  // Ranges: whole file; seconds inside; seconds between frames (the preceding frame is prepended); past the end;
  // 'pts' ranges in each stream's own time base (torchvision applies them to the audio stream too).
  const ranges: Record<string, { start_pts?: number; end_pts?: number; pts_unit?: string; output_format?: string }> = {
    all: { pts_unit: 'sec' },
    sec: { start_pts: 0.5, end_pts: 1.2, pts_unit: 'sec' },
    between: { start_pts: 0.71, end_pts: 0.93, pts_unit: 'sec' },
    tail: { start_pts: 1.9, pts_unit: 'sec' },
    past: { start_pts: 5, end_pts: 6, pts_unit: 'sec' },
    ptsDefault: {},
    tchw: { start_pts: 0.2, end_pts: 0.4, pts_unit: 'sec', output_format: 'TCHW' },
  };
  const ptsRanges: Record<string, [number, number]> = { h264: [5000, 12000], vp9: [300, 900], mpeg4: [4, 11] };

  const ref = runPython(`
import warnings
warnings.simplefilter('ignore')
from torchvision.io import read_video, read_video_timestamps, write_video, VideoReader
clips, ranges, pts_ranges = J['clips'], J['ranges'], J['pts_ranges']
info = {}
for name, path in clips.items():
    rs = dict(ranges)
    rs['pts'] = {'start_pts': pts_ranges[name][0], 'end_pts': pts_ranges[name][1]}
    for rname, kw in rs.items():
        v, a, i = read_video(path, **kw)
        OUT[f'{name}:{rname}:v'] = v
        OUT[f'{name}:{rname}:a'] = a
        info[f'{name}/{rname}'] = i
    info[f'{name}/ts'] = read_video_timestamps(path)
    info[f'{name}/ts_sec'] = [[float(p) for p in read_video_timestamps(path, pts_unit='sec')[0]]]
    r = VideoReader(path, 'video')
    frames = list(r)
    OUT[f'{name}:reader'] = torch.stack([f['data'] for f in frames])
    r.seek(0.55)
    s1 = next(r)
    OUT[f'{name}:reader_seek'] = s1['data']
    r.seek(0.55, keyframes_only=True)
    s2 = next(r)
    info[f'{name}:reader'] = {'pts': [f['pts'] for f in frames], 'seek': s1['pts'], 'seek_key': s2['pts'], 'meta': r.get_metadata()}
OUT_J = info
`, { json: { clips, ranges, pts_ranges: ptsRanges } });
  const refInfo = ref.json as Record<string, any>;

  for (const [name, path] of Object.entries(clips)) {
    test(`readVideo equals torchvision's read_video on ${name}: frames byte for byte, audio, info, every range`, () => {
      const all: [string, io.ReadVideoOptions][] = Object.entries(ranges).map(([k, r]) => [k, {
        startPts: r.start_pts, endPts: r.end_pts, ptsUnit: r.pts_unit as io.PtsUnit | undefined, outputFormat: r.output_format as io.VideoOutputFormat | undefined,
      }]);
      all.push(['pts', { startPts: ptsRanges[name]![0], endPts: ptsRanges[name]![1] }]);
      for (const [rname, opts] of all) {
        const [v, a, info] = io.readVideo(path, opts);
        equal(v, ref.tensors[`${name}:${rname}:v`]!, `${name} ${rname} frames`);
        equal(a, ref.tensors[`${name}:${rname}:a`]!, `${name} ${rname} audio`);
        assert.deepEqual(info, refInfo[`${name}/${rname}`], `${name} ${rname} info`);
      }
      // the sub-ranges really are sub-ranges of the whole clip
      assert.ok(ref.tensors[`${name}:sec:v`]!.shape[0]! < ref.tensors[`${name}:all:v`]!.shape[0]!);
    });

    test(`readVideoTimestamps and VideoReader equal torchvision's on ${name}`, () => {
      const [pts, fps] = io.readVideoTimestamps(path);
      assert.deepEqual([pts, fps], refInfo[`${name}/ts`]);
      const [sec] = io.readVideoTimestamps(path, 'sec');
      const refSec = refInfo[`${name}/ts_sec`][0] as number[];
      assert.equal(sec.length, refSec.length);
      sec.forEach((s, i) => assert.ok(Math.abs(s - refSec[i]!) < 1e-12, `pts ${i}: ${s} vs ${refSec[i]}`));

      using r = new io.VideoReader(path, 'video');
      const frames = [...r];
      const want = refInfo[`${name}:reader`];
      // (AVI without generated pts: torchvision's reader extrapolates the last frame's pts, 1 us short)
      assert.equal(frames.length, want.pts.length);
      frames.forEach((f, i) => assert.ok(Math.abs(f.pts - want.pts[i]) < 2e-6, `frame ${i} pts ${f.pts} vs ${want.pts[i]}`));
      equal(torch.stack(frames.map((f) => f.data)), ref.tensors[`${name}:reader`]!, `${name} VideoReader frames`);
      const s1 = r.seek(0.55).next().value!;
      assert.equal(s1.pts, want.seek);
      equal(s1.data, ref.tensors[`${name}:reader_seek`]!, `${name} frame after seek(0.55)`);
      assert.equal(r.seek(0.55, true).next().value!.pts, want.seek_key);
      const md = r.getMetadata();
      assert.deepEqual(md.video.fps, want.meta.video.fps);
      assert.deepEqual(md.audio.framerate, want.meta.audio.framerate);
      // torchvision reports a stream without a duration (WebM) as a garbage negative number; here it is the file's
      assert.equal(md.video.duration.length, 1);
      if (name !== 'vp9') assert.deepEqual(md.video.duration, want.meta.video.duration);
      else assert.ok(Math.abs(md.video.duration[0]! - 2) < 0.1, `webm duration ${md.video.duration}`);
    });
  }

  test('VideoReader reads the audio stream as [samples, channels] float32 at the stream rate', () => {
    using r = new io.VideoReader(clips.h264, 'audio');
    const frames = [...r];
    assert.ok(frames.length > 10);
    assert.deepEqual(frames[0]!.data.shape.slice(1), [1]);
    assert.equal(frames[0]!.data.dtype, torch.float32);
    const [, a] = io.readVideo(clips.h264, { ptsUnit: 'sec' });
    // the same samples as read_video's, frame after frame
    const joined = torch.cat(frames.map((f) => f.data), 0).t();
    equal(joined, a, 'VideoReader audio vs readVideo audio');
    assert.deepEqual(r.getCurrentStream(), ['audio', 1]);
    assert.throws(() => new io.VideoReader(clips.mpeg4, 'audio'), /has no audio stream/);
    assert.throws(() => new io.VideoReader(clips.h264, 'video:1'), /stream 1 .* is a audio stream, not video/);
    assert.throws(() => new io.VideoReader(clips.h264, 'vid eo'), /Invalid stream string/);
  });

  test("writeVideo writes the file torchvision's write_video writes (H.264: the same bytes; VP9: the same frames)", () => {
    const [frames] = io.readVideo(clips.h264, { ptsUnit: 'sec' });
    const ours = { mp4: join(dir, 'ours.mp4'), webm: join(dir, 'ours.webm') };
    // x264's default macroblock-tree rate control reads uninitialised heap memory (x264 0.164 through FFmpeg 5.1:
    // the ffmpeg CLI and torchvision give different bytes for MALLOC_PERTURB_=0, 1 and 165, and torchvision's
    // write_video gives several in one process). One thread and mbtree=0 make the file a function of the frames.
    io.writeVideo(ours.mp4, frames, 15, { options: { threads: 1, 'x264-params': 'mbtree=0' } });
    io.writeVideo(ours.webm, frames, 14.5, { videoCodec: 'libvpx-vp9', options: { threads: 1 } });
    const theirs = runPython(`
from torchvision.io import write_video, read_video
import warnings; warnings.simplefilter('ignore')
v = T['v']
write_video(J + '/tv.mp4', v, 15, options={'threads': '1', 'x264-params': 'mbtree=0'})
write_video(J + '/tv.webm', v, 14.5, video_codec='libvpx-vp9', options={'threads': '1'})
for k in ('tv.webm', 'ours.webm'):
    OUT[k], _, i = read_video(J + '/' + k, pts_unit='sec')
OUT_J = i
`, { tensors: { v: frames }, json: dir });
    assert.ok(readFileSync(ours.mp4).equals(readFileSync(join(dir, 'tv.mp4'))), 'the MP4 files differ');
    equal(theirs.tensors['ours.webm']!, theirs.tensors['tv.webm']!, 'VP9 frames decoded by PyAV');
    assert.deepEqual(theirs.json, { video_fps: 14 }, 'fps 14.5 rounds half to even, as np.round');
    // the file reads back as what was written, up to the codec's loss
    const [back] = io.readVideo(ours.mp4, { ptsUnit: 'sec' });
    assert.deepEqual(back.shape, frames.shape);
    assert.ok(back.to('float32').sub(frames.to('float32')).abs().mean().item() < 8);
  });

  test('writeVideo with audio, atomically; bad arguments are errors naming them', () => {
    const frames = torch.randint(0, 256, [6, 32, 48, 3], { dtype: 'uint8' });
    const t = torch.arange(16000).to('float32').div(16000);
    const audio = torch.stack([t.mul(2 * Math.PI * 440).sin().mul(0.5), t.mul(2 * Math.PI * 660).sin().mul(0.5)]);
    const out = join(dir, 'av.mp4');
    io.writeVideo(out, frames, 6, { audioArray: audio, audioFps: 16000, audioCodec: 'aac' });
    const [v, a, info] = io.readVideo(out, { ptsUnit: 'sec' });
    assert.deepEqual([...v.shape], [6, 32, 48, 3]);
    assert.deepEqual(info, { video_fps: 6, audio_fps: 16000 });
    assert.equal(a.shape[0], 2);
    assert.ok(a.shape[1]! >= 16000, `audio samples ${a.shape}`);
    // AAC is lossy, but the tone's energy survives
    const rms = a.index(':', '2048:14000').pow(2).mean().sqrt().item();
    assert.ok(Math.abs(rms - 0.5 / Math.SQRT2) < 0.05, `audio rms ${rms}`);

    const before = readdirSync(dir).length;
    const odd = join(dir, 'odd.mp4');
    assert.throws(() => io.writeVideo(odd, torch.zeros([2, 33, 47, 3], { dtype: 'uint8' }), 5), /odd\.mp4.*(divisible|width|height|open)/i);
    assert.ok(!existsSync(odd), 'a failed write leaves no file');
    assert.equal(readdirSync(dir).length, before, 'no temporary file is left behind');
    assert.throws(() => io.writeVideo(odd, torch.zeros([2, 32, 48, 3]), 5), /uint8/);
    assert.throws(() => io.writeVideo(odd, torch.zeros([2, 32, 48], { dtype: 'uint8' }), 5), /\[T, H, W, 3\]/);
    assert.throws(() => io.writeVideo(odd, frames, 5, { videoCodec: 'nosuchcodec' }), /no encoder named 'nosuchcodec'/);
    assert.throws(() => io.writeVideo(odd, frames, 5, { audioFps: 16000 }), /audioFps was given without audioArray/);
    assert.throws(() => io.writeVideo(join(dir, 'x.nosuchext'), frames, 5), /container format/);
    assert.throws(() => io.writeVideo(odd, frames, 5, { options: { nosuchoption: 1 } }), /does not know the options nosuchoption/);
  });

  test('hostile, truncated and unreadable files give clear errors, never a crash', () => {
    const bytes = readFileSync(clips.h264);
    const write = (name: string, b: Uint8Array | string): string => { const p = join(dir, name); writeFileSync(p, b); return p; };
    const cases: [string, RegExp][] = [
      [write('cut-moov.mp4', bytes.subarray(0, Math.floor(bytes.length * 0.6))), /cannot open video file .*cut-moov\.mp4.*moov atom not found/],
      [write('cut.webm', readFileSync(clips.vp9).subarray(0, 20000)), /cut\.webm' is truncated or damaged/],
      [write('garbage.mp4', Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7919) % 251))), /cannot open video file .*garbage\.mp4/],
      [write('empty.mp4', ''), /cannot open video file .*empty\.mp4/],
      [write('text.avi', 'hello, I am not a video\n'), /cannot open video file .*text\.avi/],
      // a list that would make FFmpeg open other files
      [write('list.ffconcat', `ffconcat version 1.0\nfile ${clips.h264}\n`), /not read/],
      // a header asking for a 20000 x 20000 picture
      [write('huge.y4m', 'YUV4MPEG2 W20000 H20000 F25:1 Ip A1:1 C420jpeg\nFRAME\nabc'), /huge\.y4m.*(invalid|larger than)/i],
      [join(dir, 'missing.mp4'), /File not found/],
      [dir, /is not a file/],
    ];
    for (const [path, re] of cases) {
      assert.throws(() => io.readVideo(path, { ptsUnit: 'sec' }), re, path);
      // the reader opens what FFmpeg can open, and its iteration meets the same error
      if (existsSync(path) && path !== dir) assert.throws(() => { using r = new io.VideoReader(path); for (const f of r) f.data.dispose(); }, re, path);
    }
    // a file cut inside its frame data (moov first): the decoder's error, not a short clip passed off as whole
    const fast = join(dir, 'fast.mp4');
    makeClip(fast, { codec: 'h264', audioRate: 16000 });
    const faststart = join(dir, 'faststart.mp4');
    execFfmpeg(['-i', fast, '-c', 'copy', '-movflags', '+faststart', faststart]);
    const cut = write('cut-data.mp4', readFileSync(faststart).subarray(0, 20000));
    assert.throws(() => io.readVideo(cut, { ptsUnit: 'sec' }), /cut-data\.mp4/);
    // memory: a bound on what one call decodes
    assert.throws(() => io.readVideo(clips.h264, { ptsUnit: 'sec', maxBytes: 100_000 }), /maxBytes = 100000/);
    // arguments
    assert.throws(() => io.readVideo(clips.h264, { startPts: 2, endPts: 1, ptsUnit: 'sec' }), /end_pts should be larger than start_pts/);
    assert.throws(() => io.readVideo(clips.h264, { startPts: 0.5 }), /integer timestamp/);
    assert.throws(() => io.readVideo(clips.h264, { outputFormat: 'CTHW' as io.VideoOutputFormat }), /output_format/);
    assert.throws(() => io.readVideo(clips.h264, { ptsUnit: 'ms' as io.PtsUnit }), /ptsUnit/);
  });

  test('corrupted frame data: an error or frames, never a crash; memory stays flat over repeated reads', () => {
    const good = readFileSync(clips.h264);
    for (let seed = 1; seed <= 12; seed++) {
      // flip bytes in the middle of the file (frame data, sometimes headers): FFmpeg conceals or fails
      const bad = Buffer.from(good);
      for (let j = 0; j < 40; j++) {
        const at = 48 + ((seed * 7919 + j * 104729) % (bad.length - 96));
        bad[at] = bad[at]! ^ (1 + ((seed + j) % 255));
      }
      const p = join(dir, `corrupt${seed}.mp4`);
      writeFileSync(p, bad);
      try {
        const [v, a] = io.readVideo(p, { ptsUnit: 'sec' });
        assert.equal(v.dtype, torch.uint8);
        v.dispose();
        a.dispose();
      } catch (e) {
        assert.ok(e instanceof Error && e.message.includes(p), `an error naming the file: ${(e as Error).message}`);
      }
    }
    const before = torch.memoryStats().liveTensors;
    const rss0 = process.memoryUsage().rss;
    for (let i = 0; i < 25; i++) {
      const [v, a] = io.readVideo(clips.vp9, { ptsUnit: 'sec', startPts: 0.3, endPts: 1.5 });
      v.dispose();
      a.dispose();
      using r = new io.VideoReader(clips.h264);
      for (const f of r) f.data.dispose();
    }
    // at most as many as before: garbage from earlier tests that V8 finalizes during the loop lowers the count (74 -> 72
    // seen in a fresh clone's run); a tensor a read leaves behind would raise it by 25 or more
    const after = torch.memoryStats().liveTensors;
    assert.ok(after <= before, `no tensor left behind: ${before} live tensors before the 25 reads, ${after} after`);
    const grown = (process.memoryUsage().rss - rss0) / 2 ** 20;
    assert.ok(grown < 40, `resident memory grew by ${grown.toFixed(1)} MiB over 25 reads`);
  });
}

function execFfmpeg(args: string[]): void {
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args], { stdio: 'pipe' });
}
