// Image transforms against torchvision on PIL images: the same bytes from Pillow's kernels, the same random
// draws from the same seed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as torch from '../src/index.js';
import { openImageSync, imageToTensor, createImage, type RGBImage } from '../src/vision/io/index.js';
import { Compose, ToTensor, Normalize, CenterCrop, FiveCrop, TenCrop } from '../src/vision/transforms/index.js';
import {
  Resize, RandomResizedCrop, RandomRotation, RandomAffine, RandomPerspective, resize, rotate, affine, perspective,
} from '../src/vision/transforms/image-geometry.js';
import { runPython } from './helpers/pytorch.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** A real photograph: $TSTORCH_TEST_JPEG, else hymenoptera under $TSTORCH_DATA or ../shared/data, else one PIL writes now. */
function findJpeg(): string {
  const env = process.env.TSTORCH_TEST_JPEG;
  if (env !== undefined) {
    if (!existsSync(env)) throw new Error(`TSTORCH_TEST_JPEG=${env} does not exist`);
    return env;
  }
  const roots = [process.env.TSTORCH_DATA, join(repo, '..', 'shared', 'data')].filter((r): r is string => r !== undefined);
  for (const root of roots) {
    const dir = join(root, 'hymenoptera_data', 'val', 'bees');
    if (!existsSync(dir)) continue;
    const f = readdirSync(dir).filter((n) => n.endsWith('.jpg')).sort()[0];
    if (f !== undefined) return join(dir, f);
  }
  const p = join(mkdtempSync(join(tmpdir(), 'tstorch-jpeg-')), 'synthetic.jpg');
  runPython(`
from PIL import Image, ImageDraw
im = Image.new('RGB', (375, 500))
d = ImageDraw.Draw(im)
for k in range(60):
    d.ellipse([(k * 37) % 375, (k * 53) % 500, (k * 37) % 375 + 40 + k, (k * 53) % 500 + 30 + k], fill=((k * 40) % 256, (k * 90) % 256, (k * 10) % 256))
im.save(J, quality=90)
`, { json: p });
  return p;
}

const hwc = (img: RGBImage): torch.Tensor => torch.fromBytes(img.data, [img.height, img.width, img.channels], 'uint8');

function noise(w: number, h: number, channels = 3, seed = 7): RGBImage {
  torch.manualSeed(seed);
  // Smooth plus noise, so interpolation differences show.
  const t = torch.randint(0, 256, [h, w, channels], { dtype: 'uint8' });
  return createImage(w, h, channels, new Uint8Array(t.toBytes()));
}

const PY_MODES = `from torchvision.transforms import InterpolationMode as IM
MODES = {'nearest': IM.NEAREST, 'bilinear': IM.BILINEAR, 'bicubic': IM.BICUBIC, 'box': IM.BOX, 'hamming': IM.HAMMING, 'lanczos': IM.LANCZOS}
from PIL import Image
import torchvision.transforms as T_
import torchvision.transforms.functional as F_
def pil(t): return Image.fromarray(t.numpy() if t.shape[2] == 3 else t.numpy()[:, :, 0])
def back(im):
    a = torch.from_numpy(np.array(im))
    return a if a.dim() == 3 else a.unsqueeze(2)
`;

function meanAbs(a: torch.Tensor, b: torch.Tensor): { mean: number; max: number } {
  assert.deepEqual(a.shape, b.shape);
  const d = a.to('float64').sub(b.to('float64')).abs();
  return { mean: d.mean().item(), max: d.max().item() };
}

test('Resize matches PIL resampling for every filter, up and down, RGB and L', () => {
  const img = noise(61, 47);
  const grey = noise(40, 33, 1, 3);
  const cases: [string, number | number[], RGBImage, string][] = [
    ['bilinear', 20, img, 'x'], ['bilinear', [90, 130], img, 'x'], ['bicubic', [30, 17], img, 'x'], ['bicubic', 100, img, 'x'],
    ['nearest', [33, 70], img, 'x'], ['nearest', 19, img, 'x'], ['box', [23, 31], img, 'x'], ['hamming', [50, 20], img, 'x'],
    ['lanczos', [29, 64], img, 'x'], ['bilinear', [47, 30], img, 'x'], ['bicubic', [15, 21], grey, 'g'], ['lanczos', 50, grey, 'g'],
  ];
  const { tensors } = runPython(PY_MODES + `
for k, (mode, size, which) in enumerate(J):
    OUT[str(k)] = back(T_.Resize(size, MODES[mode])(pil(T[which])))
`, { tensors: { x: hwc(img), g: hwc(grey) }, json: cases.map(([m, s, , w]) => [m, s, w]) });
  cases.forEach(([mode, size, im], k) => {
    const ours = hwc(new Resize(size, { interpolation: mode as 'bilinear' }).call(im) as RGBImage);
    const { max } = meanAbs(ours, tensors[String(k)]!);
    assert.equal(max, 0, `Resize(${JSON.stringify(size)}, ${mode}) differs from PIL by up to ${max}`);
  });
});

test('Resize(256) + CenterCrop(224) + ToTensor + Normalize of a real JPEG matches torchvision on PIL', () => {
  const path = findJpeg();
  const mean = [0.485, 0.456, 0.406], std = [0.229, 0.224, 0.225];
  const ours = new Compose([new Resize(256), new CenterCrop(224), new ToTensor(), new Normalize(mean, std)]).call(openImageSync(path)) as torch.Tensor;
  const { tensors } = runPython(`
import torchvision.transforms as T_
from PIL import Image
t = T_.Compose([T_.Resize(256), T_.CenterCrop(224), T_.ToTensor(), T_.Normalize(J['mean'], J['std'])])
OUT['y'] = t(Image.open(J['path']).convert('RGB'))
`, { json: { path, mean, std } });
  const { mean: m, max } = meanAbs(ours, tensors.y!);
  // Normalised units: 1/255 of a pixel is 1/(255 * std) here.
  assert.ok(m * 0.225 <= 2 / 255, `mean |diff| ${m} (max ${max}) for ${path}`);
  assert.ok(max < 1e-5, `expected identical pixels, max |diff| ${max} for ${path}`);
});

test('RandomResizedCrop draws what torchvision draws and crops the same pixels', () => {
  const img = noise(80, 60);
  const { tensors, json } = runPython(PY_MODES + `
torch.manual_seed(1234)
t = T_.RandomResizedCrop((24, 32))
t2 = T_.RandomResizedCrop(20, scale=(0.9, 1.0), ratio=(2.5, 3.0), interpolation=IM.BICUBIC)
ps = []
for k in range(6):
    OUT['a%d' % k] = back(t(pil(T['x'])))
    OUT['b%d' % k] = back(t2(pil(T['x'])))
OUT_J = float(torch.rand(1))
`, { tensors: { x: hwc(img) } });
  torch.manualSeed(1234);
  const t = new RandomResizedCrop([24, 32]);
  const t2 = new RandomResizedCrop(20, { scale: [0.9, 1.0], ratio: [2.5, 3.0], interpolation: 'bicubic' });
  for (let k = 0; k < 6; k++) {
    assert.equal(meanAbs(hwc(t.call(img) as RGBImage), tensors[`a${k}`]!).max, 0, `crop a${k}`);
    assert.equal(meanAbs(hwc(t2.call(img) as RGBImage), tensors[`b${k}`]!).max, 0, `crop b${k}`);
  }
  assert.equal(torch.rand(1).item(), json, 'the generator ends in the same state');
});

test('rotate and affine match PIL (nearest and bilinear, expand, fill); RandomRotation/RandomAffine draw as torchvision', () => {
  const img = noise(37, 29);
  const { tensors } = runPython(PY_MODES + `
x = pil(T['x'])
OUT['r0'] = back(F_.rotate(x, 33.3))
OUT['r1'] = back(F_.rotate(x, -71.0, IM.BILINEAR, expand=True, fill=[10, 200, 30]))
OUT['r2'] = back(F_.rotate(x, 90.0, expand=True))
OUT['r3'] = back(F_.rotate(x, 180.0))
OUT['r4'] = back(F_.rotate(x, 12.0, center=[3, 5]))
OUT['a0'] = back(F_.affine(x, 20.0, [3, -2], 0.8, [10.0, -5.0]))
OUT['a1'] = back(F_.affine(x, -40.0, [0, 4], 1.3, [0.0, 0.0], IM.BILINEAR, fill=77))
torch.manual_seed(99)
rr = T_.RandomRotation(45)
ra = T_.RandomAffine(30, translate=(0.1, 0.2), scale=(0.7, 1.2), shear=(-10, 10, -5, 5))
for k in range(3):
    OUT['rr%d' % k] = back(rr(x))
    OUT['ra%d' % k] = back(ra(x))
`, { tensors: { x: hwc(img) } });
  const check = (name: string, out: RGBImage): void => {
    const { max, mean } = meanAbs(hwc(out), tensors[name]!);
    assert.equal(max, 0, `${name}: max |diff| ${max}, mean ${mean}`);
  };
  check('r0', rotate(img, 33.3));
  check('r1', rotate(img, -71, { interpolation: 'bilinear', expand: true, fill: [10, 200, 30] }));
  check('r2', rotate(img, 90, { expand: true }));
  check('r3', rotate(img, 180));
  check('r4', rotate(img, 12, { center: [3, 5] }));
  check('a0', affine(img, 20, [3, -2], 0.8, [10, -5]));
  check('a1', affine(img, -40, [0, 4], 1.3, [0, 0], { interpolation: 'bilinear', fill: 77 }));
  torch.manualSeed(99);
  const rr = new RandomRotation(45);
  const ra = new RandomAffine(30, { translate: [0.1, 0.2], scale: [0.7, 1.2], shear: [-10, 10, -5, 5] });
  for (let k = 0; k < 3; k++) {
    check(`rr${k}`, rr.call(img) as RGBImage);
    check(`ra${k}`, ra.call(img) as RGBImage);
  }
});

test('Resize on tensors follows torchvision tensor path (uint8 and float, antialias)', () => {
  const x = imageToTensor(noise(50, 40));
  const xf = x.to('float32').div(255).unsqueeze(0);
  const { tensors } = runPython(`
import torchvision.transforms.functional as F_
from torchvision.transforms import InterpolationMode as IM
OUT['a'] = F_.resize(T['x'], [20, 30])
OUT['b'] = F_.resize(T['x'], 17, IM.BICUBIC, antialias=True)
OUT['c'] = F_.resize(T['xf'], [64, 90], IM.NEAREST)
OUT['d'] = F_.resize(T['xf'], 25, antialias=True)
`, { tensors: { x, xf } });
  assert.equal(meanAbs(resize(x, [20, 30]), tensors.a!).max, 0);
  assert.equal(meanAbs(resize(x, 17, { interpolation: 'bicubic', antialias: true }), tensors.b!).max, 0);
  assert.ok(meanAbs(resize(xf, [64, 90], { interpolation: 'nearest' }), tensors.c!).max < 1e-6);
  assert.ok(meanAbs(resize(xf, 25, { antialias: true }), tensors.d!).max < 1e-6);
  assert.throws(() => new Resize([1, 2, 3]), /size/);
  assert.throws(() => resize(x, 10, { interpolation: 'cubic' as 'bicubic' }), /interpolation/);
});

test('perspective and RandomPerspective match torchvision on images (PIL) and tensors', () => {
  const img = noise(36, 28);
  const x = imageToTensor(img).to('float32').div(255);
  const start = [[0, 0], [35, 0], [35, 27], [0, 27]];
  const end = [[3, 2], [30, 5], [33, 25], [1, 22]];
  const { tensors, json } = runPython(PY_MODES + `
im = pil(T['x'])
s, e = J
OUT['pb'] = back(F_.perspective(im, s, e))
OUT['pn'] = back(F_.perspective(im, s, e, IM.NEAREST, fill=[9, 99, 199]))
OUT['tb'] = F_.perspective(T['xf'], s, e)
OUT['tn'] = F_.perspective(T['xf'], s, e, IM.NEAREST, fill=[0.5, 0.5, 0.5])
torch.manual_seed(77)
rp = T_.RandomPerspective(0.6, p=0.7)
for k in range(4):
    OUT['ri%d' % k] = back(rp(im))
    OUT['rt%d' % k] = rp(T['xf'])
OUT_J = float(torch.rand(1))
`, { tensors: { x: hwc(img), xf: x }, json: [start, end] });
  const same = (name: string, ours: torch.Tensor, theirs: torch.Tensor, tol: number): void => {
    const d = meanAbs(ours, theirs).max;
    assert.ok(d <= tol, `${name}: max |diff| ${d}`);
  };
  same('perspective bilinear', hwc(perspective(img, start, end)), tensors.pb!, 0);
  same('perspective nearest', hwc(perspective(img, start, end, { interpolation: 'nearest', fill: [9, 99, 199] })), tensors.pn!, 0);
  same('tensor perspective bilinear', perspective(x, start, end), tensors.tb!, 1e-5);
  same('tensor perspective nearest', perspective(x, start, end, { interpolation: 'nearest', fill: [0.5, 0.5, 0.5] }), tensors.tn!, 1e-5);
  torch.manualSeed(77);
  const rp = new RandomPerspective({ distortionScale: 0.6, p: 0.7 });
  for (let k = 0; k < 4; k++) {
    same(`RandomPerspective image #${k}`, hwc(rp.call(img) as RGBImage), tensors[`ri${k}`]!, 0);
    same(`RandomPerspective tensor #${k}`, rp.call(x) as torch.Tensor, tensors[`rt${k}`]!, 1e-5);
  }
  assert.equal(torch.rand(1).item(), json);
});

test('FiveCrop and TenCrop equal torchvision on images and tensors', () => {
  const img = noise(30, 23);
  const x = imageToTensor(img);
  const { tensors } = runPython(PY_MODES + `
im = pil(T['x'])
for k, c in enumerate(T_.FiveCrop((10, 13))(im)): OUT['f%d' % k] = back(c)
for k, c in enumerate(T_.TenCrop(9, vertical_flip=True)(im)): OUT['t%d' % k] = back(c)
OUT['ts'] = torch.stack(T_.TenCrop([11, 7])(T['xt']))
`, { tensors: { x: hwc(img), xt: x } });
  new FiveCrop([10, 13]).call(img).forEach((c, k) => assert.ok(hwc(c as RGBImage).equal(tensors[`f${k}`]!), `five ${k}`));
  new TenCrop(9, { verticalFlip: true }).call(img).forEach((c, k) => assert.ok(hwc(c as RGBImage).equal(tensors[`t${k}`]!), `ten ${k}`));
  assert.ok(torch.stack(new TenCrop([11, 7]).call(x) as torch.Tensor[]).equal(tensors.ts!));
  assert.throws(() => new FiveCrop(40).call(img), /bigger/);
});

test('the native resampling loops refuse sizes that do not match their arrays (an exception, never a bad read)', async () => {
  const { native } = await import('../src/native/binding.js');
  const src = new Uint8Array(4 * 4 * 3);
  const bounds = new Int32Array([0, 2, 2, 2]);
  const kk = new Int32Array([1 << 21, 1 << 21, 1 << 21, 1 << 21]);
  assert.throws(() => native.resampleHorizontal(src, 4, 3, 0, 4, 2, bounds, kk, 2, new Uint8Array(5)), /sizes do not match/);
  assert.throws(() => native.resampleHorizontal(src, 4, 3, 2, 4, 2, bounds, kk, 2, new Uint8Array(24)), /sizes do not match/);
  assert.throws(() => native.resampleHorizontal(src, 4, 3, 0, 4, 2, new Int32Array([3, 2, 0, 2]), kk, 2, new Uint8Array(24)), /outside the source row/);
  assert.throws(() => native.resampleVertical(src, 12, 0, 2, new Int32Array([3, 2, 0, 2]), kk, 2, new Uint8Array(24)), /outside the source rows/);
  const out = new Uint8Array(24);
  native.resampleHorizontal(src.fill(200), 4, 3, 0, 4, 2, bounds, kk, 2, out);
  assert.deepEqual([...new Set(out)], [200], 'two half weights of 200 give 200');
});
