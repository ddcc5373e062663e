// The segmentation training utilities against torchvision 0.14's reference scripts (references/segmentation,
// not packaged by Debian: their code is restated below, as torchvision 0.14 has it): Python's `random` module,
// the joint image + mask transforms and presets (the same random sizes, flips and crops from the same seeds),
// and the confusion matrix (counts, pixel accuracy, per-class accuracy and IoU, the printed summary).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as torch from '../src/index.js';
import { references } from '../src/vision/index.js';
import { createImage, openImageSync } from '../src/vision/io/index.js';
import { runPython, assertClose } from './helpers/pytorch.js';

const R = references.segmentation;
const photo = [process.env.TSTORCH_DATA, resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'shared', 'data')]
  .filter((r): r is string => r !== undefined).map((r) => join(r, 'hymenoptera_data', 'val', 'ants', '10308379_1b6c72e180.jpg')).find((p) => existsSync(p));

const PY_REFERENCES = String.raw`
import random
import numpy as np
from PIL import Image
from torchvision import transforms as TT  # T is the test's input tensors
from torchvision.transforms import functional as F

# references/segmentation/transforms.py (torchvision 0.14)
def pad_if_smaller(img, size, fill=0):
    min_size = min(img.size)
    if min_size < size:
        ow, oh = img.size
        padh = size - oh if oh < size else 0
        padw = size - ow if ow < size else 0
        img = F.pad(img, (0, 0, padw, padh), fill=fill)
    return img

class Compose:
    def __init__(self, transforms):
        self.transforms = transforms
    def __call__(self, image, target):
        for t in self.transforms:
            image, target = t(image, target)
        return image, target

class RandomResize:
    def __init__(self, min_size, max_size=None):
        self.min_size = min_size
        if max_size is None:
            max_size = min_size
        self.max_size = max_size
    def __call__(self, image, target):
        size = random.randint(self.min_size, self.max_size)
        image = F.resize(image, size)
        target = F.resize(target, size, interpolation=TT.InterpolationMode.NEAREST)
        return image, target

class RandomHorizontalFlip:
    def __init__(self, flip_prob):
        self.flip_prob = flip_prob
    def __call__(self, image, target):
        if random.random() < self.flip_prob:
            image = F.hflip(image)
            target = F.hflip(target)
        return image, target

class RandomCrop:
    def __init__(self, size):
        self.size = size
    def __call__(self, image, target):
        image = pad_if_smaller(image, self.size)
        target = pad_if_smaller(target, self.size, fill=255)
        crop_params = TT.RandomCrop.get_params(image, (self.size, self.size))
        image = F.crop(image, *crop_params)
        target = F.crop(target, *crop_params)
        return image, target

class PILToTensor:
    def __call__(self, image, target):
        image = F.pil_to_tensor(image)
        target = torch.as_tensor(np.array(target), dtype=torch.int64)
        return image, target

class ConvertImageDtype:
    def __init__(self, dtype):
        self.dtype = dtype
    def __call__(self, image, target):
        image = F.convert_image_dtype(image, self.dtype)
        return image, target

class Normalize:
    def __init__(self, mean, std):
        self.mean = mean
        self.std = std
    def __call__(self, image, target):
        image = F.normalize(image, mean=self.mean, std=self.std)
        return image, target

# references/segmentation/presets.py
class SegmentationPresetTrain:
    def __init__(self, *, base_size, crop_size, hflip_prob=0.5, mean=(0.485, 0.456, 0.406), std=(0.229, 0.224, 0.225)):
        min_size = int(0.5 * base_size)
        max_size = int(2.0 * base_size)
        trans = [RandomResize(min_size, max_size)]
        if hflip_prob > 0:
            trans.append(RandomHorizontalFlip(hflip_prob))
        trans.extend([RandomCrop(crop_size), PILToTensor(), ConvertImageDtype(torch.float), Normalize(mean=mean, std=std)])
        self.transforms = Compose(trans)
    def __call__(self, img, target):
        return self.transforms(img, target)

class SegmentationPresetEval:
    def __init__(self, *, base_size, mean=(0.485, 0.456, 0.406), std=(0.229, 0.224, 0.225)):
        self.transforms = Compose([RandomResize(base_size, base_size), PILToTensor(), ConvertImageDtype(torch.float), Normalize(mean=mean, std=std)])
    def __call__(self, img, target):
        return self.transforms(img, target)

# references/segmentation/utils.py
class ConfusionMatrix:
    def __init__(self, num_classes):
        self.num_classes = num_classes
        self.mat = None
    def update(self, a, b):
        n = self.num_classes
        if self.mat is None:
            self.mat = torch.zeros((n, n), dtype=torch.int64, device=a.device)
        with torch.inference_mode():
            k = (a >= 0) & (a < n)
            inds = n * a[k].to(torch.int64) + b[k]
            self.mat += torch.bincount(inds, minlength=n**2).reshape(n, n)
    def compute(self):
        h = self.mat.float()
        acc_global = torch.diag(h).sum() / h.sum()
        acc = torch.diag(h) / h.sum(1)
        iu = torch.diag(h) / (h.sum(1) + h.sum(0) - torch.diag(h))
        return acc_global, acc, iu
    def __str__(self):
        acc_global, acc, iu = self.compute()
        return ("global correct: {:.1f}\naverage row correct: {}\nIoU: {}\nmean IoU: {:.1f}").format(
            acc_global.item() * 100, [f"{i:.1f}" for i in (acc * 100).tolist()], [f"{i:.1f}" for i in (iu * 100).tolist()], iu.mean().item() * 100)
`;

test('PythonRandom draws what CPython\'s random module draws', () => {
  const r = new references.PythonRandom(12345);
  const ours = [r.random(), r.randint(0, 10), r.randint(50, 200), r.getrandbits(7), r.getrandbits(33), r.randint(-3, 3), r.random()];
  references.random.seed(2n ** 64n + 7n);
  const big = [references.random.random(), references.random.randint(1, 1000)];
  const ref = runPython(String.raw`
import random
r = random.Random(12345)
a = [r.random(), r.randint(0, 10), r.randint(50, 200), r.getrandbits(7), r.getrandbits(33), r.randint(-3, 3), r.random()]
random.seed(2**64 + 7)
OUT_J = [a, [random.random(), random.randint(1, 1000)]]
`);
  assert.deepEqual([ours, big], ref.json);
  assert.throws(() => r.randint(5, 4), /empty range for randrange\(\) \(5, 5, 0\)/);
});

test('joint transforms and the train/eval presets give torchvision\'s references\' pairs from the same seeds', () => {
  assert.ok(photo, 'hymenoptera_data/val/ants not found under $TSTORCH_DATA or ../shared/data');
  const img = openImageSync(photo, { mode: 'RGB' });
  // a mask of 21 classes in blocks, with an ignored (255) band
  const maskBytes = new Uint8Array(img.width * img.height);
  for (let y = 0; y < img.height; y++) for (let x = 0; x < img.width; x++) maskBytes[y * img.width + x] = y < 10 ? 255 : (Math.floor(x / 37) + Math.floor(y / 29)) % 21;
  const mask = createImage(img.width, img.height, 1, maskBytes);
  const train = new R.SegmentationPresetTrain({ baseSize: 100, cropSize: 120 });
  const evalPreset = new R.SegmentationPresetEval({ baseSize: 80 });
  references.random.seed(5);
  torch.manualSeed(6);
  const ours = Array.from({ length: 5 }, () => train.call(img, mask) as [torch.Tensor, torch.Tensor]);
  const ev = evalPreset.call(img, mask) as [torch.Tensor, torch.Tensor];
  const ref = runPython(PY_REFERENCES + String.raw`
img = Image.open(J['photo']).convert('RGB')
mask = Image.fromarray(T['mask'].numpy(), mode='L')
train = SegmentationPresetTrain(base_size=100, crop_size=120)
random.seed(5)
torch.manual_seed(6)
for i in range(5):
    OUT[f'img{i}'], OUT[f'mask{i}'] = train(img, mask)
OUT['eval_img'], OUT['eval_mask'] = SegmentationPresetEval(base_size=80)(img, mask)
`, { tensors: { mask: torch.fromBytes(maskBytes, [img.height, img.width], 'uint8') }, json: { photo } });
  ours.forEach(([x, y], i) => {
    assert.deepEqual([...x.shape], [3, 120, 120]);
    assertClose(x, ref.tensors[`img${i}`]!, { atol: 1e-6, rtol: 0, what: `training pair ${i}: image` });
    assert.equal(y.dtype.name, 'int64');
    assert.ok(y.equal(ref.tensors[`mask${i}`]!), `training pair ${i}: mask (nearest resize, flip, crop, 255 padding)`);
  });
  assert.ok(ours.some(([, y]) => y.eq(255).any().item() !== 0), 'some crops padded the mask with 255');
  assertClose(ev[0], ref.tensors.eval_img!, { atol: 1e-6, rtol: 0, what: 'eval image' });
  assert.ok(ev[1].equal(ref.tensors.eval_mask!), 'eval mask');
  assert.throws(() => new R.PILToTensor().call(img, img), /one-channel mask of class indices, got 3 channels/);
  assert.throws(() => new R.Normalize([0.5], [0.5]).call(img, mask), /the image must be a tensor \(after PILToTensor\)/);
});

test('ConfusionMatrix: counts, pixel accuracy, per-class accuracy and IoU, and the printout equal the reference\'s', () => {
  torch.manualSeed(8);
  const n = 5;
  const targets = [torch.randint(0, n, [2, 16, 16], { dtype: 'int64' }), torch.randint(0, n, [1, 9, 7], { dtype: 'int64' })];
  targets[0]!.index(0, '0:3').fill_(255);
  // predictions right about two thirds of the time; class 4 never predicted
  const preds = targets.map((t) => torch.where(torch.rand(t.shape).lt(0.66), t.clamp(0, n - 1), torch.randint(0, n - 1, t.shape, { dtype: 'int64' })).clamp(0, 3));
  const cm = new R.ConfusionMatrix(n);
  targets.forEach((t, i) => cm.update(t.flatten(), preds[i]!.flatten()));
  const ref = runPython(PY_REFERENCES + String.raw`
cm = ConfusionMatrix(5)
for i in range(2):
    cm.update(T[f't{i}'].flatten(), T[f'p{i}'].flatten())
OUT['mat'] = cm.mat
OUT['g'], OUT['acc'], OUT['iu'] = cm.compute()
OUT_J = str(cm)
`, { tensors: { t0: targets[0]!, t1: targets[1]!, p0: preds[0]!, p1: preds[1]! } });
  assert.ok(cm.mat!.equal(ref.tensors.mat!), 'confusion counts (255 ignored)');
  const { accGlobal, acc, iu } = cm.compute();
  assertClose(accGlobal, ref.tensors.g!, { atol: 0, rtol: 0, what: 'global accuracy' });
  assertClose(acc, ref.tensors.acc!, { atol: 0, rtol: 0, what: 'per-class accuracy' });
  assertClose(iu, ref.tensors.iu!, { atol: 0, rtol: 0, what: 'IoU' });
  assert.equal(String(cm), ref.json);
  assert.deepEqual([0.25, 0.35, 2.5, 0.05, -0.25, 12.25, 1.45].map((v) => R.pyFixed(v, 1)), ['0.2', '0.3', '2.5', '0.1', '-0.2', '12.2', '1.4']);
  cm.reset();
  assert.equal(cm.mat!.sum().item(), 0);
});
