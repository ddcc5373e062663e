import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../src/index.js';
import * as T from '../src/vision/transforms/index.js';
import { tensorToImage, isImage, type RGBImage } from '../src/vision/io/image.js';
import { runPython, assertClose } from './helpers/pytorch.js';

torch.manualSeed(0);
const imgs = torch.randint(0, 256, [6, 3, 10, 12], { dtype: 'uint8' });
const list = imgs.unbind(0);

// Each case: our transform and torchvision's, applied with the same seed to the six images in turn.
const cases: [name: string, ours: T.TransformLike, theirs: string][] = [
  ['crop-pad-constant', new T.RandomCrop(8, { padding: 2 }), 'T.RandomCrop(8, padding=2)'],
  ['crop-pad-reflect', new T.RandomCrop([6, 9], { padding: [1, 3], paddingMode: 'reflect' }), "T.RandomCrop((6, 9), padding=(1, 3), padding_mode='reflect')"],
  ['crop-pad-edge', new T.RandomCrop(8, { padding: [1, 2, 3, 4], paddingMode: 'edge' }), "T.RandomCrop(8, padding=(1, 2, 3, 4), padding_mode='edge')"],
  ['crop-pad-symmetric', new T.RandomCrop(9, { padding: 3, paddingMode: 'symmetric' }), "T.RandomCrop(9, padding=3, padding_mode='symmetric')"],
  ['crop-pad-if-needed', new T.RandomCrop(14, { padIfNeeded: true, fill: 7 }), 'T.RandomCrop(14, pad_if_needed=True, fill=7)'],
  ['crop-pad-and-if-needed', new T.RandomCrop(15, { padding: 1, padIfNeeded: true, paddingMode: 'reflect' }), "T.RandomCrop(15, padding=1, pad_if_needed=True, padding_mode='reflect')"],
  ['crop-full', new T.RandomCrop([10, 12]), 'T.RandomCrop((10, 12))'],
  ['hflip', new T.RandomHorizontalFlip(), 'T.RandomHorizontalFlip()'],
  ['vflip', new T.RandomVerticalFlip(0.3), 'T.RandomVerticalFlip(0.3)'],
  ['center-crop', new T.CenterCrop(5), 'T.CenterCrop(5)'],
  ['center-crop-odd', new T.CenterCrop([3, 7]), 'T.CenterCrop((3, 7))'],
  ['center-crop-pad', new T.CenterCrop([13, 15]), 'T.CenterCrop((13, 15))'],
  ['pad-fill', new T.Pad([1, 2], { fill: 5 }), 'T.Pad((1, 2), fill=5)'],
  ['pad-reflect', new T.Pad(2, { paddingMode: 'reflect' }), "T.Pad(2, padding_mode='reflect')"],
  ['pad-symmetric', new T.Pad([1, 2, 3, 4], { paddingMode: 'symmetric' }), "T.Pad((1, 2, 3, 4), padding_mode='symmetric')"],
  ['pad-negative', new T.Pad([-1, 2, 0, -3]), 'T.Pad((-1, 2, 0, -3))'],
  ['cifar-train', new T.Compose([new T.RandomCrop(8, { padding: 2 }), new T.RandomHorizontalFlip(), new T.ConvertImageDtype('float32'),
    new T.Normalize([0.4914, 0.4822, 0.4465], [0.247, 0.243, 0.261])]),
  'T.Compose([T.RandomCrop(8, padding=2), T.RandomHorizontalFlip(), T.ConvertImageDtype(torch.float), T.Normalize((0.4914, 0.4822, 0.4465), (0.247, 0.243, 0.261))])'],
];
const erasing: [string, T.TransformLike, string][] = [
  ['erase-zero', new T.RandomErasing({ p: 1 }), 'T.RandomErasing(p=1)'],
  ['erase-random', new T.RandomErasing({ p: 0.7, scale: [0.1, 0.5], value: 'random' }), "T.RandomErasing(p=0.7, scale=(0.1, 0.5), value='random')"],
  ['erase-channels', new T.RandomErasing({ p: 1, ratio: [0.5, 2], value: [0.1, 0.2, 0.3] }), 'T.RandomErasing(p=1, ratio=(0.5, 2), value=[0.1, 0.2, 0.3])'],
];
const batchCases: [string, T.TransformLike, string][] = [
  ['batch-crop-flip', new T.Compose([new T.RandomCrop(9, { padding: 1 }), new T.RandomHorizontalFlip(), new T.RandomVerticalFlip()]),
    'T.Compose([T.RandomCrop(9, padding=1), T.RandomHorizontalFlip(), T.RandomVerticalFlip()])'],
  ['batch-erase', new T.RandomErasing({ p: 1, value: 'random' }), "T.RandomErasing(p=1, value='random')"],
];

const SEED = 1234;
const oursTensor: Record<string, torch.Tensor> = {};
const oursImage: Record<string, torch.Tensor> = {};
const floats = T.functional.convertImageDtype(imgs, 'float32');
for (const [name, t] of cases) {
  torch.manualSeed(SEED);
  oursTensor[name] = torch.stack(list.map((x) => T.applyTransform(t, x)));
  torch.manualSeed(SEED);
  // The same draws on HWC images, whose geometry runs in JavaScript; float results go through ToTensor.
  oursImage[name] = torch.stack(list.map((x) => {
    const img: RGBImage = tensorToImage(x);
    const out = name === 'cifar-train'
      ? T.applyTransform(new T.Compose([...(t as T.Compose).transforms.slice(0, 2), new T.ToTensor(), (t as T.Compose).transforms[3]!]), img)
      : T.applyTransform(t, img);
    return isImage(out) ? T.functional.pilToTensor(out) : out;
  }));
}
for (const [name, t] of erasing) {
  torch.manualSeed(SEED);
  oursTensor[name] = torch.stack(floats.unbind(0).map((x) => T.applyTransform(t, x)));
}
for (const [name, t] of batchCases) {
  torch.manualSeed(SEED);
  oursTensor[name] = torch.cat([T.applyTransform(t, floats), T.applyTransform(t, floats)]);
}

const all = [...cases, ...erasing, ...batchCases];
const py = runPython(String.raw`
import torchvision.transforms as TV
imgs = T['imgs']
floats = TV.ConvertImageDtype(torch.float)(imgs)
from PIL import Image
` + all.map(([name, , theirs], k) => {
  const expr = theirs.replaceAll('T.', 'TV.');
  const kind = k < cases.length ? 'u8' : k < cases.length + erasing.length ? 'f' : 'batch';
  return kind === 'batch'
    ? `torch.manual_seed(${SEED}); t = ${expr}; OUT['${name}'] = torch.cat([t(floats), t(floats)])`
    : `torch.manual_seed(${SEED}); t = ${expr}; OUT['${name}'] = torch.stack([t(x) for x in ${kind === 'u8' ? 'imgs' : 'floats'}])`;
}).join('\n') + String.raw`
pil = Image.fromarray(imgs[0].permute(1, 2, 0).numpy())
OUT['toTensor'] = TV.ToTensor()(pil)
OUT['pilToTensor'] = TV.PILToTensor()(pil)
OUT['gray'] = TV.ToTensor()(pil.convert('L'))
OUT['grayU8'] = TV.PILToTensor()(pil.convert('L'))
OUT['normalized'] = TV.Normalize((0.5, 0.25, 0.125), (0.2, 0.3, 0.7))(OUT['toTensor'])
OUT['u8toI32'] = TV.ConvertImageDtype(torch.int32)(imgs[0])
OUT['i32toU8'] = TV.ConvertImageDtype(torch.uint8)(OUT['u8toI32'] + 12345)
OUT['f2u8'] = TV.ConvertImageDtype(torch.uint8)(floats[0])
`, { tensors: { imgs } });

for (const [name] of all) {
  test(`tensor path equals torchvision: ${name}`, () => {
    const a = oursTensor[name]!;
    const b = py.tensors[name]!;
    assert.deepEqual(a.shape, b.shape);
    assert.equal(a.dtype, b.dtype);
    assert.ok(a.equal(b), `${name}: max diff ${a.double().sub(b.double()).abs().max().item()}`);
  });
}
for (const [name] of cases) {
  test(`image path equals torchvision on tensors: ${name}`, () => {
    const a = oursImage[name]!;
    const b = py.tensors[name]!;
    assert.deepEqual(a.shape, b.shape);
    if (name === 'cifar-train') assert.ok(a.equal(b), `max diff ${a.sub(b).abs().max().item()}`);
    else assert.ok(a.equal(b));
  });
}

test('ToTensor, PILToTensor, Normalize and ConvertImageDtype values equal torchvision', () => {
  const img = tensorToImage(list[0]!);
  const t = new T.ToTensor().call(img);
  assert.equal(t.dtype.name, 'float32');
  assert.ok(t.equal(py.tensors.toTensor!));
  assert.ok(new T.PILToTensor().call(img).equal(py.tensors.pilToTensor!));
  const n = new T.Normalize([0.5, 0.25, 0.125], [0.2, 0.3, 0.7]).call(t);
  assert.ok(n.equal(py.tensors.normalized!));
  assert.ok(t.equal(py.tensors.toTensor!), 'Normalize must not modify its input unless inplace');
  const copy = t.clone();
  new T.Normalize([0.5, 0.25, 0.125], [0.2, 0.3, 0.7], { inplace: true }).call(copy);
  assert.ok(copy.equal(py.tensors.normalized!));
  const i32 = new T.ConvertImageDtype('int32').call(list[0]!);
  assert.ok(i32.equal(py.tensors.u8toI32!));
  assert.ok(new T.ConvertImageDtype('uint8').call(i32.add(12345)).equal(py.tensors.i32toU8!));
  assert.ok(new T.ConvertImageDtype('uint8').call(floats.select(0, 0)).equal(py.tensors.f2u8!));
  assertClose(new T.ToTensor().call(list[0]!), py.tensors.toTensor!, { atol: 0, rtol: 0 });
  const gray: RGBImage = { width: 12, height: 10, channels: 1, data: new Uint8Array(py.tensors.grayU8!.toBytes()) };
  assert.ok(new T.ToTensor().call(gray).equal(py.tensors.gray!));
  assert.ok(new T.PILToTensor().call(gray).equal(py.tensors.grayU8!));
  const grayNorm = new T.Compose([new T.ToTensor(), new T.Normalize([0.5], [0.25])]).call(gray);
  assert.ok(grayNorm.equal(py.tensors.gray!.sub(0.5).div(0.25)));
});

test('bad input gives clear errors', () => {
  assert.throws(() => new T.RandomCrop(20).call(list[0]!), /larger than input image size/);
  assert.throws(() => new T.RandomErasing().call(tensorToImage(list[0]!) as never), /tensor image/);
  assert.throws(() => new T.Normalize([0.5], [0]).call(floats), /std evaluated to zero/);
  assert.throws(() => new T.Normalize([0.5], [1]).call(list[0]!), /float tensor/);
  assert.throws(() => new T.Pad(1, { paddingMode: 'wrap' as never }), /paddingMode/);
  assert.throws(() => new T.Compose([42 as never]), /transforms\[0\]/);
  assert.throws(() => T.functional.hflip({} as never), /expected an image/);
});

test('reprs follow torchvision', () => {
  assert.equal(String(new T.RandomCrop(32, { padding: 4 })), 'RandomCrop(size=(32, 32), padding=4)');
  assert.equal(String(new T.Normalize([0.5, 0.5], [0.5, 0.5])), 'Normalize(mean=(0.5, 0.5), std=(0.5, 0.5))');
  assert.equal(String(new T.Compose([new T.ToTensor(), new T.RandomHorizontalFlip()])), 'Compose(\n    ToTensor()\n    RandomHorizontalFlip(p=0.5)\n)');
});
