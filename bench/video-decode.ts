// Decoding a whole video file to frames [T, H, W, 3] uint8: vision.io.readVideo vs torchvision.io.read_video
// (PyAV), side by side in one run, alternating (a fresh Python process each round). Both decode with FFmpeg's
// libraries (the same Debian build) and convert with the same swscale call, so the difference is the work
// around them: PyAV's Python frame objects, numpy stacking, torchvision's sorting; here, a native loop.
// The clips are made with the ffmpeg CLI (H.264, and VP9), 10 s of testsrc2 at 30 fps.
//
//   node --import tsx bench/video-decode.ts [--size 640x360] [--seconds 10] [--rounds 3] [--iters 3]
import { spawnSync, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import * as torch from '../src/index.js';
import { parseArgs } from '../src/cli/args.js';
import { readVideo } from '../src/vision/io/video.js';
import { median } from './stats.js';
import { mkdirSync as makeOutFolder } from 'node:fs';
makeOutFolder(new URL('./out/', import.meta.url), { recursive: true }); // the default --out folder (git ignores it)

const PYTHON = process.env.TSTORCH_PYTHON ?? '/usr/bin/python3';
const a = parseArgs(process.argv.slice(2), {
  size: { type: 'string', default: '640x360', help: 'frame size WxH' },
  seconds: { type: 'number', default: 10, help: 'clip length' },
  rounds: { type: 'number', default: 3, help: 'alternations of tstorch and PyTorch' },
  iters: { type: 'number', default: 3, help: 'timed reads per round' },
  out: { type: 'string', default: 'bench/out/video-decode.json', help: 'JSON report', path: 'outFile' },
}, 'video-decode');
torch.setNumThreads(1);
const dir = mkdtempSync(join(tmpdir(), 'tstorch-bench-video-'));
const load0 = loadavg()[0]!;
const clips: Record<string, string> = {
  h264: join(dir, 'clip.mp4'),
  vp9: join(dir, 'clip.webm'),
};
for (const [codec, path] of Object.entries(clips)) {
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `testsrc2=size=${a.size}:rate=30:duration=${a.seconds}`,
    ...(codec === 'h264' ? ['-c:v', 'libx264', '-pix_fmt', 'yuv420p'] : ['-c:v', 'libvpx-vp9', '-deadline', 'realtime', '-cpu-used', '8']), path]);
}
const rows: { codec: string; frames: number; ts: number[]; py: number[]; tsCpu: number[]; pyCpu: number[] }[] = [];
for (const [codec, path] of Object.entries(clips)) {
  const row = { codec, frames: 0, ts: [] as number[], py: [] as number[], tsCpu: [] as number[], pyCpu: [] as number[] };
  readVideo(path, { ptsUnit: 'sec' })[0].dispose();
  for (let r = 0; r < a.rounds; r++) {
    for (let i = 0; i < a.iters; i++) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const [v, au] = readVideo(path, { ptsUnit: 'sec' });
      row.ts.push(performance.now() - t0);
      const c = process.cpuUsage(c0);
      row.tsCpu.push((c.user + c.system) / 1000);
      row.frames = v.shape[0]!;
      v.dispose();
      au.dispose();
    }
    const py = spawnSync(PYTHON, ['bench/pytorch/video_decode.py', '--file', path, '--iters', String(a.iters)], { encoding: 'utf8' });
    if (py.status !== 0) throw new Error(`PyTorch side failed:\n${py.stderr}`);
    const j = JSON.parse(py.stdout) as { frames: number; times_ms: number[]; cpu_ms: number[] };
    if (j.frames !== row.frames) throw new Error(`frame counts differ: ${row.frames} vs ${j.frames}`);
    row.py.push(...j.times_ms);
    row.pyCpu.push(...j.cpu_ms);
    console.error(`round ${r + 1}/${a.rounds} ${codec}: median ms tstorch ${median(row.ts).toFixed(0)}, PyTorch ${median(row.py).toFixed(0)}`);
  }
  rows.push(row);
}
rmSync(dir, { recursive: true, force: true });
const load1 = loadavg()[0]!;
const report = rows.map((r) => ({
  codec: r.codec, frames: r.frames, size: a.size, tstorchMedianMs: median(r.ts), pytorchMedianMs: median(r.py),
  tstorchCpuMs: median(r.tsCpu), pytorchCpuMs: median(r.pyCpu), ratio: median(r.py) / median(r.ts), cpuRatio: median(r.pyCpu) / median(r.tsCpu),
}));
const command = `node --import tsx bench/video-decode.ts ${process.argv.slice(2).join(' ')}`.trim();
mkdirSync('bench/out', { recursive: true });
writeFileSync(a.out!, JSON.stringify({ command, loadavg: [load0, load1], rows: report }, null, 2) + '\n');
console.log(`\`${command}\` (${a.rounds} alternating rounds of ${a.iters} reads; 1-min load average ${load0.toFixed(1)} at the start, ${load1.toFixed(1)} at the end)\n`);
console.log('| clip | frames | wall ms tstorch / PyTorch (median) | ratio | CPU ms tstorch / PyTorch (median) | CPU ratio |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
for (const r of report) {
  console.log(`| ${r.codec} ${r.size} | ${r.frames} | ${r.tstorchMedianMs.toFixed(0)} / ${r.pytorchMedianMs.toFixed(0)} | ${r.ratio.toFixed(2)} | ` +
    `${r.tstorchCpuMs.toFixed(0)} / ${r.pytorchCpuMs.toFixed(0)} | ${r.cpuRatio.toFixed(2)} |`);
}
console.log('\n(ratio: PyTorch time / tstorch time; above 1, tstorch is faster)');
