// examples/video-classification.ts on a tiny clip made with ffmpeg and checkpoints saved by torchvision: the
// chapter's r3d_18 and mc3_18 classify it, with the same top-5 as PyTorch's models on the same clips.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { videoBackend } from '../src/vision/io/index.js';
import { runPython } from './helpers/pytorch.js';
import { makeClip } from './helpers/video.js';

const root = fileURLToPath(new URL('..', import.meta.url));

test('examples/video-classification.ts: r3d_18 and mc3_18 on a video, as PyTorch ranks it', { skip: !videoBackend().available }, () => {
  const work = mkdtempSync(join(tmpdir(), 'tstorch-ex-video-'));
  try {
    const clip = makeClip(join(work, 'clip.mp4'), { codec: 'h264', width: 128, height: 96, fps: 15, seconds: 1.4 });
    const ref = runPython(`
from torchvision.datasets.video_utils import VideoClips
import warnings; warnings.simplefilter('ignore')
V = torchvision.models.video
w = V.R3D_18_Weights.DEFAULT
vc = VideoClips([J + '/clip.mp4'], 16, 1, 15, num_workers=0)
n = vc.num_clips()
idx = torch.linspace(0, n - 1, steps=5).floor().to(torch.int64).tolist()
x = torch.stack([w.transforms()(vc.get_clip(i)[0].permute(0, 3, 1, 2)) for i in idx])
res = {'n': n}
for name, seed in (('r3d_18', 1), ('mc3_18', 2)):
    torch.manual_seed(seed)
    m = getattr(V, name)()
    m.fc.weight.data *= 40
    torch.save(m.state_dict(), J + '/' + name + '.pth')
    with torch.no_grad():
        p = m.eval()(x).softmax(1).mean(0)
    res[name] = [w.meta['categories'][i] for i in p.topk(3).indices.tolist()]
OUT_J = res
`, { json: work });
    const out = join(work, 'clips.png');
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'examples/video-classification.ts'), clip,
      '--r3d', join(work, 'r3d_18.pth'), '--mc3', join(work, 'mc3_18.pth'), '--topk', '3', '--out', out], { cwd: root, encoding: 'utf8', timeout: 300_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`21 frames at 15 fps, ${ref.json.n} clips of 16 frames at 15 fps`));
    assert.match(r.stdout, /input: 5 x 3 x 16 x 112 x 112/);
    for (const name of ['r3d_18', 'mc3_18']) {
      const block = r.stdout.split(`${name}: `)[1]!.split('\n').slice(1, 4).map((l) => l.replace(/^\s*[\d.]+ %  /, ''));
      assert.deepEqual(block, ref.json[name], `${name} top-3`);
    }
    assert.equal(readFileSync(out).subarray(1, 4).toString(), 'PNG');
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
