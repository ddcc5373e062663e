// Kinetics, UCF101 and HMDB51 (and VideoClips under them) against torchvision 0.14 on tiny class folders of
// videos made here with the ffmpeg CLI: the same videos, clips, frames (byte for byte), labels and timestamps,
// with and without frame-rate resampling (integer and fractional ratios), split lists and folds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as torch from '../src/index.js';
import * as datasets from '../src/vision/datasets/index.js';
import { videoBackend } from '../src/vision/io/index.js';
import { runPython } from './helpers/pytorch.js';
import { makeClip } from './helpers/video.js';

const dir = mkdtempSync(join(tmpdir(), 'tstorch-video-datasets-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

if (!videoBackend().available) {
  test('video data sets need FFmpeg', () => {
    assert.throws(() => new datasets.VideoClips([join(dir, 'none.avi')]), /./);
  });
} else {
  // root/<class>/<video>: 3 classes, videos of 10 fps of different lengths (so that some have no clip)
  const classes = { archery: [1.2, 0.7], bowling: [1.5], 'cutting nails': [0.9, 1.1] };
  const made: string[] = [];
  for (const layout of ['kinetics/train', 'ucf']) {
    for (const [cls, lens] of Object.entries(classes)) {
      mkdirSync(join(dir, layout, cls), { recursive: true });
      lens.forEach((s, i) => {
        const name = layout === 'ucf' ? `v_${cls.replace(' ', '')}_g0${i + 1}.avi` : `clip${i}.${i % 2 ? 'avi' : 'mp4'}`;
        const p = join(dir, layout, cls, name);
        makeClip(p, { codec: i % 2 || layout === 'ucf' ? 'mpeg4' : 'h264', width: 32, height: 24, fps: 10, seconds: s, pattern: i ? 'testsrc' : 'testsrc2' });
        made.push(p);
      });
    }
  }
  // UCF101's lists ("<class>/<video>.avi") and HMDB51's per-class split files ("<video>.avi <tag>")
  const ann = join(dir, 'ann');
  mkdirSync(ann);
  writeFileSync(join(ann, 'trainlist01.txt'), 'archery/v_archery_g01.avi 1\nbowling/v_bowling_g01.avi 2\ncutting nails/v_cuttingnails_g02.avi 3\n');
  writeFileSync(join(ann, 'testlist01.txt'), 'archery/v_archery_g02.avi\ncutting nails/v_cuttingnails_g01.avi\n');
  writeFileSync(join(ann, 'archery_test_split1.txt'), 'v_archery_g01.avi 1 \nv_archery_g02.avi 2 \n');
  writeFileSync(join(ann, 'bowling_test_split1.txt'), 'v_bowling_g01.avi 0 \n');
  writeFileSync(join(ann, 'cutting_nails_test_split1.txt'), 'v_cuttingnails_g01.avi 1 \nv_cuttingnails_g02.avi 1 \n');

  const cases: { name: string; py: string; build: () => datasets.VideoClassificationDataset }[] = [
    { name: 'kinetics', py: `Kinetics(J['root'] + '/kinetics', 5, step_between_clips=3, num_workers=0)`,
      build: () => new datasets.Kinetics({ root: join(dir, 'kinetics'), framesPerClip: 5, stepBetweenClips: 3, progress: false }) },
    { name: 'kinetics-rate7', py: `Kinetics(J['root'] + '/kinetics', 4, step_between_clips=2, frame_rate=7, output_format='THWC', num_workers=0)`,
      build: () => new datasets.Kinetics({ root: join(dir, 'kinetics'), framesPerClip: 4, stepBetweenClips: 2, frameRate: 7, outputFormat: 'THWC', progress: false }) },
    { name: 'ucf-train-rate5', py: `UCF101(J['root'] + '/ucf', J['root'] + '/ann', 3, step_between_clips=2, frame_rate=5, num_workers=0)`,
      build: () => new datasets.UCF101({ root: join(dir, 'ucf'), annotationPath: ann, framesPerClip: 3, stepBetweenClips: 2, frameRate: 5, progress: false }) },
    { name: 'ucf-test', py: `UCF101(J['root'] + '/ucf', J['root'] + '/ann', 6, step_between_clips=4, train=False, output_format='TCHW', num_workers=0)`,
      build: () => new datasets.UCF101({ root: join(dir, 'ucf'), annotationPath: ann, framesPerClip: 6, stepBetweenClips: 4, train: false, outputFormat: 'TCHW', progress: false }) },
    { name: 'hmdb-train', py: `HMDB51(J['root'] + '/ucf', J['root'] + '/ann', 4, step_between_clips=3, num_workers=0)`,
      build: () => new datasets.HMDB51({ root: join(dir, 'ucf'), annotationPath: ann, framesPerClip: 4, stepBetweenClips: 3, progress: false }) },
    { name: 'hmdb-test', py: `HMDB51(J['root'] + '/ucf', J['root'] + '/ann', 4, train=False, num_workers=0)`,
      build: () => new datasets.HMDB51({ root: join(dir, 'ucf'), annotationPath: ann, framesPerClip: 4, train: false, progress: false }) },
  ];

  const ref = runPython(`
import warnings
warnings.simplefilter('ignore')
from torchvision.datasets import Kinetics, UCF101, HMDB51
res = {}
for c in J['cases']:
    ds = eval(c['py'])
    r = {'len': len(ds), 'classes': ds.classes, 'samples': [[p, l] for p, l in ds.samples], 'labels': [],
         'pts': [t.tolist() for t in ds.metadata['video_pts']], 'fps': ds.metadata['video_fps'], 'paths': ds.metadata['video_paths']}
    for i in range(len(ds)):
        v, a, l = ds[i]
        OUT[c['name'] + ':' + str(i)] = v
        r['labels'].append(l)
    res[c['name']] = r
OUT_J = res
`, { json: { root: dir, cases: cases.map(({ name, py }) => ({ name, py })) } });

  for (const c of cases) {
    test(`${c.name}: the same clips, frames, labels and metadata as torchvision`, () => {
      const want = ref.json[c.name];
      const ds = c.build();
      assert.deepEqual(ds.classes, want.classes);
      assert.deepEqual(ds.samples, want.samples);
      assert.equal(ds.length, want.len);
      assert.ok(ds.length > 0, 'the case has clips');
      const md = ds.metadata;
      assert.deepEqual(md.video_paths, want.paths);
      assert.deepEqual(md.video_pts.map((t) => (t.toArray() as number[]).map(Number)), want.pts);
      assert.deepEqual(md.video_fps, want.fps);
      for (let i = 0; i < ds.length; i++) {
        const [v, a, l] = ds.get(i);
        const e = ref.tensors[`${c.name}:${i}`]!;
        assert.deepEqual(v.shape, e.shape, `${c.name} clip ${i} shape`);
        assert.ok(v.eq(e).all().item(), `${c.name} clip ${i} frames`);
        assert.equal(l, want.labels[i], `${c.name} clip ${i} label`);
        assert.equal(a.ndim, 2);
      }
    });
  }

  test('VideoClips: precomputed metadata skips the scan and gives the same clips; bad arguments are errors', () => {
    const ds = new datasets.Kinetics({ root: join(dir, 'kinetics'), framesPerClip: 5, stepBetweenClips: 3, progress: false });
    const again = new datasets.Kinetics({ root: join(dir, 'kinetics'), framesPerClip: 5, stepBetweenClips: 3, precomputedMetadata: ds.metadata, progress: false });
    assert.deepEqual(again.videoClips.clips, ds.videoClips.clips);
    // the metadata survives torch.save / torch.load (as PyTorch's does)
    const file = join(dir, 'meta.pt');
    torch.save(ds.metadata as unknown as Record<string, unknown>, file);
    const loaded = torch.load(file) as unknown as datasets.VideoClipsMetadata;
    const fromFile = new datasets.VideoClips(loaded.video_paths, { clipLengthInFrames: 5, framesBetweenClips: 3, precomputedMetadata: loaded, progress: false });
    assert.deepEqual(fromFile.clips, ds.videoClips.clips);
    // recomputing the clips for another length reads nothing
    ds.videoClips.computeClips(2, 2);
    assert.ok(ds.length > again.length);
    assert.throws(() => ds.get(ds.length), /out of range/);
    assert.throws(() => new datasets.Kinetics({ root: join(dir, 'kinetics'), framesPerClip: 0 }), /framesPerClip must be a positive integer/);
    assert.throws(() => new datasets.UCF101({ root: join(dir, 'ucf'), annotationPath: ann, framesPerClip: 2, fold: 4 }), /fold should be between 1 and 3/);
    assert.throws(() => new datasets.UCF101({ root: join(dir, 'ucf'), annotationPath: join(dir, 'nowhere'), framesPerClip: 2, progress: false }), /cannot read the split file/);
    assert.throws(() => new datasets.Kinetics({ root: join(dir, 'kinetics'), framesPerClip: 2, split: 'dev' as never }), /Valid values are/);
    // an unreadable video contributes no clips, with the reason kept
    writeFileSync(join(dir, 'kinetics', 'train', 'bowling', 'broken.mp4'), 'not a video');
    const withBroken = new datasets.Kinetics({ root: join(dir, 'kinetics'), framesPerClip: 5, stepBetweenClips: 3, progress: false });
    assert.equal(withBroken.length, again.length);
    assert.match(withBroken.videoClips.unreadable.get(join(dir, 'kinetics', 'train', 'bowling', 'broken.mp4'))!, /cannot open video file/);
    rmSync(join(dir, 'kinetics', 'train', 'bowling', 'broken.mp4'));
  });
}
