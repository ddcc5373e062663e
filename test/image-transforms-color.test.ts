// Colour transforms against torchvision on PIL images (ImageEnhance, ImageOps, PIL's HSV), same seeds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../src/index.js';
import { createImage, imageToTensor, type RGBImage } from '../src/vision/io/index.js';
import {
  adjustBrightness, adjustContrast, adjustSaturation, adjustHue, adjustSharpness, rgbToGrayscale, invert, posterize,
  solarize, autocontrast, equalize, gaussianBlur, ColorJitter, RandomGrayscale, GaussianBlur, Grayscale,
  RandomInvert, RandomPosterize, RandomSolarize, RandomAdjustSharpness, RandomAutocontrast, RandomEqualize,
} from '../src/vision/transforms/image-color.js';
import { runPython } from './helpers/pytorch.js';

const hwc = (img: RGBImage): torch.Tensor => torch.fromBytes(img.data, [img.height, img.width, img.channels], 'uint8');

/** Noise over gradients: every byte value and hue occurs, with flat and busy regions. */
function picture(w: number, h: number, seed: number): RGBImage {
  torch.manualSeed(seed);
  const noise = torch.randint(0, 256, [h, w, 3], { dtype: 'uint8' }).toBytes();
  const d = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const o = (y * w + x) * 3;
    const busy = x > w / 2;
    d[o] = busy ? noise[o]! : Math.round((x / w) * 255);
    d[o + 1] = busy ? noise[o + 1]! : Math.round((y / h) * 255);
    d[o + 2] = busy ? noise[o + 2]! : (x * 7 + y * 3) % 256;
  }
  return createImage(w, h, 3, d);
}

const PY = `from PIL import Image
import torchvision.transforms as T_
import torchvision.transforms.functional as F_
def pil(t): return Image.fromarray(t.numpy() if t.shape[2] == 3 else t.numpy()[:, :, 0])
def back(im):
    a = torch.from_numpy(np.array(im))
    return a if a.dim() == 3 else a.unsqueeze(2)
`;

function same(name: string, ours: RGBImage, theirs: torch.Tensor): void {
  const d = hwc(ours).to('int32').sub(theirs.to('int32')).abs();
  assert.deepEqual(hwc(ours).shape, theirs.shape, `${name} shape`);
  const max = d.max().item();
  assert.equal(max, 0, `${name}: max |diff| ${max}, ${d.gt(0).sum().item()} bytes differ`);
}

test('functional colour operations equal torchvision on PIL images', () => {
  const img = picture(64, 48, 1);
  const factors = [0, 0.3, 1, 1.7];
  const hues = [-0.5, -0.21, 0.07, 0.5];
  const { tensors } = runPython(PY + `
x = pil(T['x'])
for k, f in enumerate(J['f']):
    OUT['bri%d' % k] = back(F_.adjust_brightness(x, f))
    OUT['con%d' % k] = back(F_.adjust_contrast(x, f))
    OUT['sat%d' % k] = back(F_.adjust_saturation(x, f))
    OUT['sha%d' % k] = back(F_.adjust_sharpness(x, f))
for k, h in enumerate(J['h']):
    OUT['hue%d' % k] = back(F_.adjust_hue(x, h))
OUT['g1'] = back(F_.rgb_to_grayscale(x, 1))
OUT['g3'] = back(F_.rgb_to_grayscale(x, 3))
OUT['inv'] = back(F_.invert(x))
OUT['pos'] = back(F_.posterize(x, 3))
OUT['sol'] = back(F_.solarize(x, 140.5))
OUT['ac'] = back(F_.autocontrast(pil(T['dim'])))
OUT['eq'] = back(F_.equalize(x))
OUT['eqd'] = back(F_.equalize(pil(T['dim'])))
OUT['blur'] = back(F_.gaussian_blur(x, [5, 3], [1.3, 0.7]))
OUT['blurt'] = F_.gaussian_blur(T['xf'], [3, 7], [0.9, 2.1])
`, { tensors: { x: hwc(img), dim: hwc(dimmed(img)), xf: imageToTensor(img).to('float32').div(255) }, json: { f: factors, h: hues } });
  factors.forEach((f, k) => {
    same(`brightness ${f}`, adjustBrightness(img, f), tensors[`bri${k}`]!);
    same(`contrast ${f}`, adjustContrast(img, f), tensors[`con${k}`]!);
    same(`saturation ${f}`, adjustSaturation(img, f), tensors[`sat${k}`]!);
    same(`sharpness ${f}`, adjustSharpness(img, f), tensors[`sha${k}`]!);
  });
  hues.forEach((h, k) => same(`hue ${h}`, adjustHue(img, h), tensors[`hue${k}`]!));
  same('grayscale 1', rgbToGrayscale(img, 1), tensors.g1!);
  same('grayscale 3', new Grayscale(3).call(img) as RGBImage, tensors.g3!);
  same('invert', invert(img), tensors.inv!);
  same('posterize', posterize(img, 3), tensors.pos!);
  same('solarize', solarize(img, 140.5), tensors.sol!);
  same('autocontrast', autocontrast(dimmed(img)), tensors.ac!);
  same('equalize', equalize(img), tensors.eq!);
  same('equalize dim', equalize(dimmed(img)), tensors.eqd!);
  same('gaussian blur', gaussianBlur(img, [5, 3], [1.3, 0.7]), tensors.blur!);
  const bt = gaussianBlur(imageToTensor(img).to('float32').div(255), [3, 7], [0.9, 2.1]);
  assert.ok(bt.sub(tensors.blurt!).abs().max().item() < 1e-6);
  assert.throws(() => adjustHue(img, 0.6), /hue_factor/);
  assert.throws(() => adjustBrightness({ width: 2 } as unknown as RGBImage, 1.2), /expected an image/);
});

/** A low-contrast copy (values squeezed into 60..160), for autocontrast and equalize. */
function dimmed(img: RGBImage): RGBImage {
  return createImage(img.width, img.height, 3, img.data.map((v) => 60 + Math.floor((v * 100) / 255)));
}

test('ColorJitter, RandomGrayscale and GaussianBlur draw as torchvision and give the same pixels', () => {
  const img = picture(40, 30, 2);
  const { tensors, json } = runPython(PY + `
x = pil(T['x'])
torch.manual_seed(7)
cj = T_.ColorJitter(brightness=0.4, contrast=0.4, saturation=0.4, hue=0.1)
cj2 = T_.ColorJitter(contrast=(0.2, 0.5), hue=(-0.3, -0.1))
rg = T_.RandomGrayscale(0.5)
gb = T_.GaussianBlur(5, (0.1, 2.0))
for k in range(4):
    OUT['cj%d' % k] = back(cj(x))
    OUT['cj2%d' % k] = back(cj2(x))
    OUT['rg%d' % k] = back(rg(x))
    OUT['gb%d' % k] = back(gb(x))
OUT_J = float(torch.rand(1))
`, { tensors: { x: hwc(img) } });
  torch.manualSeed(7);
  const cj = new ColorJitter({ brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0.1 });
  const cj2 = new ColorJitter({ contrast: [0.2, 0.5], hue: [-0.3, -0.1] });
  const rg = new RandomGrayscale(0.5);
  const gb = new GaussianBlur(5, [0.1, 2.0]);
  for (let k = 0; k < 4; k++) {
    same(`ColorJitter ${k}`, cj.call(img) as RGBImage, tensors[`cj${k}`]!);
    same(`ColorJitter(contrast, hue) ${k}`, cj2.call(img) as RGBImage, tensors[`cj2${k}`]!);
    same(`RandomGrayscale ${k}`, rg.call(img) as RGBImage, tensors[`rg${k}`]!);
    same(`GaussianBlur ${k}`, gb.call(img) as RGBImage, tensors[`gb${k}`]!);
  }
  assert.equal(torch.rand(1).item(), json);
  assert.throws(() => new ColorJitter({ hue: [0.1, 0.7] }), /hue/);
  assert.throws(() => new GaussianBlur(4), /odd/);
});

test('RandomInvert, RandomPosterize, RandomSolarize, RandomAdjustSharpness, RandomAutocontrast, RandomEqualize draw as torchvision', () => {
  const img = picture(20, 16, 4);
  const { tensors, json } = runPython(PY + `
x = pil(T['x'])
torch.manual_seed(31)
ts = [T_.RandomInvert(), T_.RandomPosterize(2, 0.7), T_.RandomSolarize(100.5, 0.3), T_.RandomAdjustSharpness(2.5), T_.RandomAutocontrast(0.6), T_.RandomEqualize(0.4)]
for k in range(6):
    for i, t in enumerate(ts):
        OUT['%d_%d' % (i, k)] = back(t(x))
OUT_J = float(torch.rand(1))
`, { tensors: { x: hwc(img) } });
  torch.manualSeed(31);
  const ts = [new RandomInvert(), new RandomPosterize(2, 0.7), new RandomSolarize(100.5, 0.3), new RandomAdjustSharpness(2.5),
    new RandomAutocontrast(0.6), new RandomEqualize(0.4)];
  for (let k = 0; k < 6; k++) ts.forEach((t, i) => same(`${t.constructor.name} #${k}`, t.call(img), tensors[`${i}_${k}`]!));
  assert.equal(torch.rand(1).item(), json);
  assert.throws(() => new RandomPosterize(9), /bits/);
  assert.throws(() => new RandomInvert(1.5), /p must be/);
});
