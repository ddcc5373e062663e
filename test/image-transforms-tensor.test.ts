// The image transforms on [..., C, H, W] tensors against torchvision's tensor path (functional_tensor).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../src/index.js';
import { rotate, affine, RandomRotation, RandomAffine, RandomResizedCrop } from '../src/vision/transforms/image-geometry.js';
import { adjustBrightness, adjustContrast, adjustSaturation, adjustHue, rgbToGrayscale, ColorJitter, RandomGrayscale, GaussianBlur } from '../src/vision/transforms/image-color.js';
import { runPython } from './helpers/pytorch.js';

function close(name: string, ours: torch.Tensor, theirs: torch.Tensor, atol: number): void {
  assert.deepEqual(ours.shape, theirs.shape, `${name} shape`);
  assert.equal(ours.dtype, theirs.dtype, `${name} dtype`);
  const d = ours.to('float64').sub(theirs.to('float64')).abs().max().item();
  assert.ok(d <= atol, `${name}: max |diff| ${d}`);
}

test('colour adjustments, rotate and affine on uint8 and float tensors equal torchvision', () => {
  torch.manualSeed(11);
  const u8 = torch.randint(0, 256, [3, 21, 26], { dtype: 'uint8' });
  const f = torch.rand([2, 3, 17, 15]);
  const { tensors } = runPython(`
import torchvision.transforms.functional as F_
from torchvision.transforms import InterpolationMode as IM
u8, f = T['u8'], T['f']
for name, x in (('u', u8), ('f', f)):
    OUT[name + 'bri'] = F_.adjust_brightness(x, 1.3)
    OUT[name + 'con'] = F_.adjust_contrast(x, 0.6)
    OUT[name + 'sat'] = F_.adjust_saturation(x, 1.7)
    OUT[name + 'hue'] = F_.adjust_hue(x, -0.23)
    OUT[name + 'g1'] = F_.rgb_to_grayscale(x, 1)
    OUT[name + 'g3'] = F_.rgb_to_grayscale(x, 3)
    OUT[name + 'rot'] = F_.rotate(x, 33.0)
    OUT[name + 'rotb'] = F_.rotate(x, -50.0, IM.BILINEAR, expand=True, fill=[0.5, 0.2, 0.1])
    OUT[name + 'rotc'] = F_.rotate(x, 10.0, center=[3, 4], fill=7)
    OUT[name + 'aff'] = F_.affine(x, 15.0, [2, -3], 0.9, [8.0, -4.0])
    OUT[name + 'affb'] = F_.affine(x, -25.0, [0, 1], 1.2, [0.0, 0.0], IM.BILINEAR, fill=[1, 1, 1])
`, { tensors: { u8, f } });
  for (const [name, x] of [['u', u8], ['f', f]] as const) {
    const tol = name === 'u' ? 0 : 1e-5;
    close(`${name} brightness`, adjustBrightness(x, 1.3), tensors[`${name}bri`]!, tol);
    close(`${name} contrast`, adjustContrast(x, 0.6), tensors[`${name}con`]!, tol);
    close(`${name} saturation`, adjustSaturation(x, 1.7), tensors[`${name}sat`]!, tol);
    close(`${name} hue`, adjustHue(x, -0.23), tensors[`${name}hue`]!, tol);
    close(`${name} gray1`, rgbToGrayscale(x, 1), tensors[`${name}g1`]!, tol);
    close(`${name} gray3`, rgbToGrayscale(x, 3), tensors[`${name}g3`]!, tol);
    close(`${name} rotate`, rotate(x, 33), tensors[`${name}rot`]!, tol);
    close(`${name} rotate bilinear expand`, rotate(x, -50, { interpolation: 'bilinear', expand: true, fill: [0.5, 0.2, 0.1] }), tensors[`${name}rotb`]!, tol);
    close(`${name} rotate center`, rotate(x, 10, { center: [3, 4], fill: 7 }), tensors[`${name}rotc`]!, tol);
    close(`${name} affine`, affine(x, 15, [2, -3], 0.9, [8, -4]), tensors[`${name}aff`]!, tol);
    close(`${name} affine bilinear`, affine(x, -25, [0, 1], 1.2, [0, 0], { interpolation: 'bilinear', fill: [1, 1, 1] }), tensors[`${name}affb`]!, tol);
  }
});

test('random transforms on tensors draw as torchvision', () => {
  torch.manualSeed(12);
  const x = torch.rand([3, 24, 30]);
  const { tensors, json } = runPython(`
import torchvision.transforms as T_
torch.manual_seed(21)
ts = [T_.RandomRotation(40), T_.RandomAffine(20, translate=(0.1, 0.1), scale=(0.8, 1.1), shear=5),
      T_.ColorJitter(0.3, 0.3, 0.3, 0.05), T_.RandomGrayscale(0.5), T_.GaussianBlur(3), T_.RandomResizedCrop(12, antialias=True)]
for k in range(3):
    for i, t in enumerate(ts):
        OUT['%d_%d' % (i, k)] = t(T['x'])
OUT_J = float(torch.rand(1))
`, { tensors: { x } });
  torch.manualSeed(21);
  const ts = [new RandomRotation(40), new RandomAffine(20, { translate: [0.1, 0.1], scale: [0.8, 1.1], shear: 5 }),
    new ColorJitter({ brightness: 0.3, contrast: 0.3, saturation: 0.3, hue: 0.05 }), new RandomGrayscale(0.5), new GaussianBlur(3),
    new RandomResizedCrop(12, { antialias: true })];
  for (let k = 0; k < 3; k++) ts.forEach((t, i) => close(`${t.constructor.name} #${k}`, t.call(x) as torch.Tensor, tensors[`${i}_${k}`]!, 1e-5));
  assert.equal(torch.rand(1).item(), json);
});
