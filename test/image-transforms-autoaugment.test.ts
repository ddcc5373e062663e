// AutoAugment, RandAugment and TrivialAugmentWide against torchvision on PIL images with the same seeds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../src/index.js';
import { createImage, type RGBImage } from '../src/vision/io/index.js';
import { AutoAugment, RandAugment, TrivialAugmentWide, applyOp, type OpName } from '../src/vision/transforms/autoaugment.js';
import { runPython } from './helpers/pytorch.js';

const hwc = (img: RGBImage): torch.Tensor => torch.fromBytes(img.data, [img.height, img.width, img.channels], 'uint8');

function picture(w: number, h: number): RGBImage {
  torch.manualSeed(3);
  const noise = torch.randint(0, 256, [h, w, 3], { dtype: 'uint8' }).toBytes();
  const d = new Uint8Array(w * h * 3);
  for (let i = 0; i < w * h; i++) {
    const x = i % w, y = Math.floor(i / w);
    d.set(x < w / 2 ? [Math.round((x / w) * 400) % 256, (y * 9) % 256, 120 + (x % 7)] : [noise[i * 3]!, noise[i * 3 + 1]!, noise[i * 3 + 2]!], i * 3);
  }
  return createImage(w, h, 3, d);
}

const PY = `from PIL import Image
import torchvision.transforms as T_
from torchvision.transforms import autoaugment as AA
from torchvision.transforms import InterpolationMode as IM
def pil(t): return Image.fromarray(t.numpy())
def back(im): return torch.from_numpy(np.array(im))
`;

function same(name: string, ours: RGBImage, theirs: torch.Tensor): void {
  const d = hwc(ours).to('int32').sub(theirs.to('int32')).abs();
  const max = d.max().item();
  assert.equal(max, 0, `${name}: max |diff| ${max}, ${d.gt(0).sum().item()} bytes differ`);
}

test('every augmentation op equals torchvision _apply_op', () => {
  const img = picture(33, 26);
  const cases: [OpName, number][] = [
    ['ShearX', 0.27], ['ShearX', -0.5], ['ShearY', 0.3], ['ShearY', -0.99], ['TranslateX', 12.7], ['TranslateX', -5.2],
    ['TranslateY', 9.9], ['Rotate', 23.5], ['Rotate', -135], ['Brightness', 0.6], ['Brightness', -0.8], ['Color', 0.5], ['Color', -0.9],
    ['Contrast', 0.4], ['Contrast', -0.5], ['Sharpness', 0.9], ['Sharpness', -0.7], ['Posterize', 4], ['Posterize', 1],
    ['Solarize', 198.3], ['Solarize', 0], ['AutoContrast', 0], ['Equalize', 0], ['Invert', 0], ['Identity', 0],
  ];
  const { tensors } = runPython(PY + `
x = pil(T['x'])
for k, (name, m) in enumerate(J):
    OUT[str(k)] = back(AA._apply_op(x, name, float(m), interpolation=IM.NEAREST, fill=None))
OUT['bil'] = back(AA._apply_op(x, 'Rotate', 31.0, interpolation=IM.BILINEAR, fill=[10, 20, 30]))
`, { tensors: { x: hwc(img) }, json: cases });
  cases.forEach(([name, m], k) => same(`${name}(${m})`, applyOp(img, name, m, 'nearest', null), tensors[String(k)]!));
  same('Rotate bilinear with fill', applyOp(img, 'Rotate', 31, 'bilinear', [10, 20, 30]), tensors.bil!);
});

test('AutoAugment (three policies), RandAugment and TrivialAugmentWide follow torchvision draw for draw', () => {
  const img = picture(40, 32);
  const N = 12;
  const { tensors, json } = runPython(PY + `
x = pil(T['x'])
torch.manual_seed(2024)
ts = {'in': T_.AutoAugment(), 'c': T_.AutoAugment(T_.AutoAugmentPolicy.CIFAR10), 's': T_.AutoAugment(T_.AutoAugmentPolicy.SVHN),
      'r': T_.RandAugment(), 'r5': T_.RandAugment(num_ops=3, magnitude=5, num_magnitude_bins=11), 't': T_.TrivialAugmentWide()}
for k in range(J):
    for name, t in ts.items():
        OUT['%s%d' % (name, k)] = back(t(x))
OUT_J = float(torch.rand(1))
`, { tensors: { x: hwc(img) }, json: N });
  torch.manualSeed(2024);
  const ts: Record<string, { call(x: RGBImage): RGBImage }> = {
    in: new AutoAugment(), c: new AutoAugment({ policy: 'cifar10' }), s: new AutoAugment({ policy: 'svhn' }),
    r: new RandAugment(), r5: new RandAugment({ numOps: 3, magnitude: 5, numMagnitudeBins: 11 }), t: new TrivialAugmentWide(),
  };
  for (let k = 0; k < N; k++) for (const [name, t] of Object.entries(ts)) same(`${name} #${k}`, t.call(img), tensors[`${name}${k}`]!);
  assert.equal(torch.rand(1).item(), json, 'the generator ends in the same state');
  assert.throws(() => new AutoAugment({ policy: 'mnist' as 'svhn' }), /policy/);
  assert.throws(() => new RandAugment({ magnitude: 40 }), /magnitude/);
});
