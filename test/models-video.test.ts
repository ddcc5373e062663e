// torchvision.models.video against torchvision 0.14: R3D-18, MC3-18, R(2+1)D-18, S3D, MViT v1-B and v2-S.
// Module structure (state-dict keys, shapes, parameter counts), bit-identical seeded initialisation, eval
// logits on a clip, a torchvision checkpoint file loading strictly, the weight entries and their preset.
// The MViTs compute at their full size (16 x 224 x 224) only behind TSTORCH_HEAVY_TESTS=1; by default their
// architecture is checked on a small clip through the MViT class with each variant's block settings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as torch from '../src/index.js';
import * as models from '../src/vision/models/index.js';
import { runPython } from './helpers/pytorch.js';
import { torchvisionReference, assertSameModel, assertLogitsClose, type RefSpec } from './helpers/zoo.js';
import { PY_SMALL_MVIT, smallMViT } from './helpers/video-models.js';

const video = models.video;
const dir = mkdtempSync(join(tmpdir(), 'tstorch-video-models-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

torch.manualSeed(11);
// [N, C, T, H, W]: a small clip for the ResNets, S3D's smallest (13 frames of 224 x 224, for its 2x7x7 pooling)
const clip = torch.randn([2, 3, 4, 32, 32]);
const s3dClip = torch.randn([1, 3, 13, 224, 224]);
const resnets = ['r3d_18', 'mc3_18', 'r2plus1d_18'] as const;
const ckpt = join(dir, 'r2plus1d_18.pth');

const specs: RefSpec[] = [
  ...resnets.map((name, i) => ({ name: `video.${name}`, seed: 20 + i, kwargs: 'num_classes=7', hash: true, input: 'clip' })),
  { name: 'video.s3d', seed: 30, kwargs: 'num_classes=5', hash: true, input: 's3dClip' },
  { name: 'video.r3d_18' }, { name: 'video.mc3_18' }, { name: 'video.r2plus1d_18' }, { name: 'video.s3d' },
  { name: 'video.mvit_v1_b', seed: 31, hash: true }, { name: 'video.mvit_v2_s', seed: 32, hash: true },
  { name: 'video.r2plus1d_18', seed: 33, kwargs: 'num_classes=3', savePath: ckpt, input: 'clip' },
];
const refs = torchvisionReference(specs, { clip, s3dClip });
const builders = video as unknown as Record<string, (o?: any) => torch.nn.Module>;

test('Video ResNets: same modules, same seeded init, same eval logits on a clip', () => {
  resnets.forEach((name, i) => {
    torch.manualSeed(20 + i);
    const m = builders[name]!({ numClasses: 7 });
    assertSameModel(m, refs[i]!, name);
    const y = torch.noGrad(() => m.eval().call(clip));
    assertLogitsClose(y, refs[i]!.eval!, `${name} logits`);
  });
});

test('S3D: same modules, same seeded init, same eval logits', () => {
  torch.manualSeed(30);
  const m = video.s3d({ numClasses: 5 });
  assertSameModel(m, refs[3]!, 's3d');
  assertLogitsClose(torch.noGrad(() => m.eval().call(s3dClip)), refs[3]!.eval!, 's3d logits');
});

test('every builder at its default size: torchvision keys, shapes and published parameter counts; MViT init', () => {
  const names = ['r3d_18', 'mc3_18', 'r2plus1d_18', 's3d'];
  names.forEach((name, j) => {
    const m = builders[name]!();
    assertSameModel(m, refs[4 + j]!, name);
    assert.equal(m.numParameters(), models.getModelWeights(name).DEFAULT.meta.numParams, `${name}: published parameter count`);
  });
  (['mvit_v1_b', 'mvit_v2_s'] as const).forEach((name, j) => {
    torch.manualSeed(31 + j);
    const m = builders[name]!();
    assertSameModel(m, refs[8 + j]!, name);
    assert.equal(m.numParameters(), models.getModelWeights(name).DEFAULT.meta.numParams, `${name}: published parameter count`);
  });
});

test('a torchvision checkpoint loads strictly through the weights option', () => {
  const ref = refs[refs.length - 1]!;
  const m = video.r2plus1d_18({ weights: ckpt, numClasses: 3 });
  assertLogitsClose(torch.noGrad(() => m.eval().call(clip)), ref.eval!, 'loaded r2plus1d_18 logits');
  assert.throws(() => video.r3d_18({ weights: ckpt, numClasses: 3 }), /Missing key|Unexpected key|size mismatch/);
});

test('the Kinetics-400 weight entries and their VideoClassification preset equal torchvision\'s', () => {
  const frames = torch.randint(0, 256, [5, 3, 50, 70], { dtype: 'uint8' });
  const names = ['r3d_18', 'mc3_18', 'r2plus1d_18', 's3d', 'mvit_v1_b', 'mvit_v2_s'];
  const ref = runPython(`
from torchvision.models import get_model_weights
meta = {}
for n in J:
    w = get_model_weights(n).DEFAULT
    t = w.transforms()
    OUT[n] = t(T['frames'])
    meta[n] = {'name': str(w), 'url': w.url, 'categories': w.meta['categories'], 'num_params': w.meta['num_params'],
               'metrics': w.meta['_metrics'], 'min_size': list(w.meta['min_size']), 'min_temporal_size': w.meta.get('min_temporal_size'),
               'repr': repr(t)}
OUT['batched'] = get_model_weights('r3d_18').DEFAULT.transforms()(torch.stack([T['frames'], T['frames'].flip(0)]))
OUT_J = meta
`, { tensors: { frames }, json: names });
  for (const n of names) {
    const w = models.getModelWeights(n).DEFAULT;
    const m = ref.json[n];
    assert.equal(String(w), m.name);
    assert.equal(w.url, m.url);
    assert.deepEqual(w.meta.categories, m.categories, `${n} categories`);
    assert.equal(w.meta.categories!.length, 400);
    assert.equal(w.meta.numParams, m.num_params);
    assert.deepEqual(w.meta.metrics, m.metrics);
    assert.deepEqual(w.meta.minSize, m.min_size);
    assert.equal(w.meta.extra?.['min_temporal_size'] ?? null, m.min_temporal_size);
    const t = w.transforms() as models.video.VideoClassification;
    assert.equal(String(t), m.repr, `${n} preset repr`);
    const out = t.call(frames);
    assert.deepEqual(out.shape, ref.tensors[n]!.shape);
    assert.ok(out.sub(ref.tensors[n]!).abs().max().item() < 1e-5, `${n} preset output`);
  }
  const batched = models.video.R3D_18_Weights.DEFAULT.transforms().call(torch.stack([frames, frames.flip(0)]));
  assert.ok(batched.sub(ref.tensors['batched']!).abs().max().item() < 1e-5, 'batched preset');
  assert.deepEqual(models.listModels({ include: '*3d*' }), ['r3d_18', 's3d']);
});

test('MViT v1-B and v2-S blocks at a small size: same modules, same seeded init, same eval logits', () => {
  const x = torch.randn([2, 3, 4, 32, 32]);
  const ref = runPython(PY_SMALL_MVIT + `
import hashlib
res = {}
for i, n in enumerate(['v1_b', 'v2_s']):
    torch.manual_seed(40 + i)
    m = small_mvit(getattr(M, 'mvit_' + n), num_classes=6).eval()
    sd = m.state_dict()
    res[n] = {'keys': list(sd), 'hashes': [hashlib.sha256(v.contiguous().numpy().tobytes()).hexdigest() for v in sd.values()]}
    with torch.no_grad():
        OUT[n] = m(T['x'])
OUT_J = res
`, { tensors: { x }, json: { spatial: [32, 32], temporal: 4 } });
  (['v1_b', 'v2_s'] as const).forEach((n, i) => {
    torch.manualSeed(40 + i);
    const m = smallMViT(n, 6);
    assertSameModel(m, { ...ref.json[n], shapes: Object.values(m.stateDict()).map((t) => [...t.shape]), numParams: m.numParameters() }, `mvit_${n} (small)`);
    assertLogitsClose(torch.noGrad(() => m.eval().call(x)), ref.tensors[n]!, `mvit_${n} (small) logits`);
  });
  assert.throws(() => video.mvit_v2_s({ temporalSize: 8 } as never), /'temporalSize': fixed by this builder/);
});

// Every builder at its full size on a real clip (made with ffmpeg, decoded by readVideo, preprocessed by its
// weights' preset), with seeded weights saved by torchvision and loaded here strictly. Minutes of compute.
test('every builder at full size on a decoded, preprocessed clip (TSTORCH_HEAVY_TESTS=1)', { skip: process.env.TSTORCH_HEAVY_TESTS !== '1' }, async () => {
  const { makeClip } = await import('./helpers/video.js');
  const io = await import('../src/vision/io/index.js');
  const path = makeClip(join(dir, 'clip.mp4'), { codec: 'h264', width: 320, height: 240, fps: 15, seconds: 1.2 });
  const [frames] = io.readVideo(path, { ptsUnit: 'sec', outputFormat: 'TCHW' });
  const names = ['r3d_18', 'mc3_18', 'r2plus1d_18', 's3d', 'mvit_v1_b', 'mvit_v2_s'];
  const ref = runPython(`
from torchvision.models import get_model_weights
import torchvision.models.video as V
for i, n in enumerate(J['names']):
    torch.manual_seed(50 + i)
    m = getattr(V, n)().eval()
    torch.save(m.state_dict(), J['dir'] + '/' + n + '.pth')
    # read_video's TCHW frames are a permuted view of THWC (channels-last strides), as readVideo's: ATen's
    # channels-last bilinear kernel rounds a few pixels differently from the contiguous one, so both sides
    # resize the same layout
    x = get_model_weights(n).DEFAULT.transforms()(T['frames'].permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2)[:16]).unsqueeze(0)
    OUT[n + ':x'] = x
    with torch.no_grad():
        OUT[n] = m(x)
`, { tensors: { frames }, json: { names, dir } }, { timeoutMs: 1_200_000 });
  for (const n of names) {
    const w = models.getModelWeights(n).DEFAULT;
    const x = (w.transforms() as models.video.VideoClassification).call(frames.slice(0, 0, 16)).unsqueeze(0);
    assert.ok(x.sub(ref.tensors[`${n}:x`]!).abs().max().item() < 1e-5, `${n}: preprocessed clip`);
    const m = builders[n]!({ weights: join(dir, `${n}.pth`) });
    const t0 = Date.now();
    const y = torch.noGrad(() => m.eval().call(ref.tensors[`${n}:x`]!));
    assertLogitsClose(y, ref.tensors[n]!, `${n} logits at full size`);
    if (process.env.TSTORCH_TEST_TIMINGS) console.log(`${n}: ${Date.now() - t0} ms`);
  }
});
