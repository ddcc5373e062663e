// `predict` on videos against torchvision's reference evaluation: the same checkpoint and clip, VideoClips at
// the weights' frame rate and clip length, UniformClipSampler's clips, the weights' VideoClassification preset,
// softmax averaged over the clips. Also through the CLI (text, JSON, picture) and its errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as torch from '../src/index.js';
import { videoBackend } from '../src/vision/io/index.js';
import { loadZooModel } from '../src/train/pretrained.js';
import { predictVideoFiles } from '../src/train/predict-video.js';
import { clipSampling } from '../src/vision/models/video/sampling.js';
import * as models from '../src/vision/models/index.js';
import { openImageSync } from '../src/vision/io/decode.js';
import { runPython } from './helpers/pytorch.js';
import { makeClip } from './helpers/video.js';
import { cli } from './helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'tstorch-predict-video-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

test('the weights say how to sample a video', () => {
  assert.deepEqual(clipSampling(models.video.R3D_18_Weights.DEFAULT), { clipLen: 16, frameRate: 15, clipsPerVideo: 5 });
  assert.deepEqual(clipSampling(models.video.S3D_Weights.DEFAULT), { clipLen: 128, frameRate: 15, clipsPerVideo: 1 });
  assert.deepEqual(clipSampling(models.video.MViT_V2_S_Weights.DEFAULT), { clipLen: 16, frameRate: 7.5, clipsPerVideo: 5 });
  assert.throws(() => clipSampling(models.ResNet18_Weights.DEFAULT as never), /not video classification weights/);
});

if (videoBackend().available) {
  // 30 fps (resampled to 15), 2.5 s: 37 frames at 15 fps, 22 clips of 16, 5 of them scored
  const clip = makeClip(join(dir, 'clip.mp4'), { codec: 'h264', width: 160, height: 120, fps: 30, seconds: 2.5 });
  const ckpt = join(dir, 'r3d_18.pth');
  const ref = runPython(`
from torchvision.datasets.video_utils import VideoClips
import warnings; warnings.simplefilter('ignore')
torch.manual_seed(0)
m = torchvision.models.video.r3d_18()
m.fc.weight.data *= 40   # logits far apart, so the top-5 order is not a matter of rounding
torch.save(m.state_dict(), J['ckpt'])
m.eval()
w = torchvision.models.video.R3D_18_Weights.DEFAULT
vc = VideoClips([J['clip']], 16, 1, 15, num_workers=0)
n = vc.num_clips()
idx = torch.linspace(0, n - 1, steps=5).floor().to(torch.int64)
tf = w.transforms()
with torch.no_grad():
    probs = torch.stack([torch.softmax(m(tf(vc.get_clip(i)[0].permute(0, 3, 1, 2)).unsqueeze(0)), 1)[0] for i in idx.tolist()]).mean(0)
v, i = probs.topk(5)
OUT_J = {'n': n, 'probs': v.tolist(), 'idx': i.tolist(), 'labels': [w.meta['categories'][k] for k in i.tolist()]}
`, { json: { ckpt, clip } });

  test("predictVideoFiles equals torchvision's reference evaluation (VideoClips, uniform clips, preset, mean softmax)", async () => {
    const loaded = await loadZooModel('r3d_18', ckpt);
    assert.equal(loaded.classes?.length, 400, 'Kinetics-400 class names for a 400-class checkpoint');
    const [p] = await predictVideoFiles(loaded.model, [clip], loaded.preprocess, { ...clipSampling(models.video.R3D_18_Weights.DEFAULT), classes: loaded.classes, batchSize: 2 });
    assert.deepEqual(p!.top.map((t) => t.index), ref.json.idx);
    assert.deepEqual(p!.top.map((t) => t.label), ref.json.labels);
    p!.top.forEach((t, j) => assert.ok(Math.abs(t.probability - ref.json.probs[j]) <= 1e-4 * ref.json.probs[0] + 1e-7, `probability ${j}: ${t.probability} vs ${ref.json.probs[j]}`));
  });

  test('tstorch predict r3d_18 clip.mp4 --weights FILE: top-5 Kinetics classes, JSON, a picture', async () => {
    const png = join(dir, 'pred.png');
    const r = await cli(['predict', 'r3d_18', clip, '--weights', ckpt, '--grid', png]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /5 clip\(s\) of 16 frames at 15 fps per video/);
    const lines = r.out.split('\n').filter((l) => l.includes(' %  '));
    assert.deepEqual(lines.map((l) => l.replace(/^\s*[\d.]+ %  /, '')), ref.json.labels);
    assert.ok(existsSync(png));
    const img = openImageSync(png);
    assert.ok(img.width > 4 * 112 && img.height > 112, `picture ${img.width}x${img.height}`);
    const j = await cli(['predict', 'r3d_18', clip, '--weights', ckpt, '--json', '--clips', '3', '--topk', '2']);
    const parsed = JSON.parse(j.out);
    assert.deepEqual(parsed.sampling, { clipLen: 16, frameRate: 15, clipsPerVideo: 3 });
    assert.equal(parsed.predictions[0].top.length, 2);
  });

  test('predict on videos: clear errors', async () => {
    const short = makeClip(join(dir, 'short.mp4'), { codec: 'h264', width: 64, height: 48, fps: 15, seconds: 0.6 });
    let r = await cli(['predict', 'r3d_18', short, '--weights', ckpt]);
    assert.equal(r.code, 1);
    assert.match(r.err, /short\.mp4' is too short: 9 frames at 15 fps give no clip of 16 frames/);
    r = await cli(['predict', 'resnet18', clip, '--weights', 'none']);
    assert.match(r.err, /is a video, and resnet18 classifies images; use a video model/);
    r = await cli(['predict', 'resnet18', '--clip-len', '8', clip, '--weights', 'none']);
    assert.match(r.err, /--clip-len apply to video models only/);
    r = await cli(['predict', 'r3d_18', join(dir, 'nothing.mp4'), '--weights', ckpt]);
    assert.match(r.err, /no such file or folder/);
    r = await cli(['predict', 'mc3_18', clip, '--weights', ckpt]);
    assert.match(r.err, /does not fit mc3_18/);
    r = await cli(['predict', 'r3d_18', clip, '--weights', ckpt, '--clips', '0']);
    assert.match(r.err, /--clips must be a (positive integer|whole number at least 1)/);
  });
}
