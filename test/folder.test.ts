// ImageFolder / DatasetFolder against torchvision.datasets on the same folder tree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as torch from '../src/index.js';
import { DataLoader } from '../src/data/index.js';
import { ImageFolder, DatasetFolder, IMG_EXTENSIONS, findClasses } from '../src/vision/datasets/folder.js';
import { Compose, ToTensor, CenterCrop, RandomHorizontalFlip, PILToTensor } from '../src/vision/transforms/index.js';
import { Resize, RandomResizedCrop } from '../src/vision/transforms/image-geometry.js';
import { runPython } from './helpers/pytorch.js';
import { native } from '../src/native/binding.js';

const dir = mkdtempSync(join(tmpdir(), 'tstorch-folder-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

// good/: classes out of creation order, a nested sub-folder, upper-case and mixed extensions, a non-image file;
// empty/: one class without images; bad/: one corrupt JPEG among good ones.
const made = runPython(`
from PIL import Image
root = J
def img(path, seed, size=(20, 14)):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    a = np.random.RandomState(seed).randint(0, 256, (size[1], size[0], 3)).astype(np.uint8)
    Image.fromarray(a).save(path)
g = os.path.join(root, 'good')
img(os.path.join(g, 'zebra', 'b.png'), 1)
img(os.path.join(g, 'zebra', 'a.JPG'), 2, (31, 17))
img(os.path.join(g, 'zebra', 'sub', 'c.bmp'), 3)
img(os.path.join(g, 'Ant', 'x.webp'), 4)
img(os.path.join(g, 'Ant', 'y.ppm'), 5)
img(os.path.join(g, 'Ant', 'z.png'), 11)
img(os.path.join(g, 'bee', 'k.tif'), 6, (9, 30))
img(os.path.join(g, 'bee', 'a_sub', 'k.jpeg'), 7)
open(os.path.join(g, 'bee', 'notes.txt'), 'w').write('x')
img(os.path.join(root, 'empty', 'cats', 'a.png'), 8)
os.makedirs(os.path.join(root, 'empty', 'dogs'))
open(os.path.join(root, 'empty', 'dogs', 'readme.md'), 'w').write('x')
b = os.path.join(root, 'bad')
img(os.path.join(b, 'a', '1.png'), 9)
os.makedirs(os.path.join(b, 'a'), exist_ok=True)
open(os.path.join(b, 'a', '2.jpg'), 'wb').write(b'\\xff\\xd8 this is not a jpeg')
img(os.path.join(b, 'a', '3.png'), 10)
import torchvision.datasets as D
import torchvision.transforms as T_
ds = D.ImageFolder(g, transform=T_.Compose([T_.Resize(12), T_.CenterCrop(10), T_.ToTensor()]))
for i in range(len(ds)):
    OUT['x%d' % i] = ds[i][0]
dv = D.DatasetFolder(g, loader=lambda p: p, is_valid_file=lambda p: p.endswith('.txt') or p.endswith('.png'))
torch.manual_seed(5)
flip = D.ImageFolder(g, transform=T_.Compose([T_.RandomHorizontalFlip(), T_.Resize((8, 8)), T_.ToTensor()]))
OUT['flip'] = torch.cat([x for x, y in torch.utils.data.DataLoader(flip, batch_size=4)])
try:
    D.ImageFolder(os.path.join(root, 'empty'))
    err = None
except FileNotFoundError as e:
    err = str(e)
OUT_J = {'classes': ds.classes, 'class_to_idx': ds.class_to_idx, 'samples': ds.samples, 'targets': ds.targets,
         'valid': dv.samples, 'empty_error': err}
`, { json: dir });
const ref = made.json as { classes: string[]; class_to_idx: Record<string, number>; samples: [string, number][]; targets: number[]; valid: [string, number][]; empty_error: string };

test('classes, classToIdx, samples and targets equal torchvision', () => {
  const ds = new ImageFolder({ root: join(dir, 'good') });
  assert.deepEqual(ds.classes, ref.classes);
  assert.deepEqual(ds.classToIdx, ref.class_to_idx);
  assert.deepEqual(ds.samples, ref.samples);
  assert.deepEqual(ds.imgs, ref.samples);
  assert.deepEqual(ds.targets, ref.targets);
  assert.equal(ds.length, ref.samples.length);
  const dv = new DatasetFolder({ root: join(dir, 'good'), loader: (p) => p, isValidFile: (p) => p.endsWith('.txt') || p.endsWith('.png') });
  assert.deepEqual(dv.samples, ref.valid);
  assert.deepEqual(dv.get(0), ref.valid[0]);
  assert.deepEqual([...IMG_EXTENSIONS], ['.jpg', '.jpeg', '.png', '.ppm', '.bmp', '.pgm', '.tif', '.tiff', '.webp']);
});

test('samples through transforms equal torchvision, with get, getAsync and a DataLoader', async () => {
  const tf = new Compose([new Resize(12), new CenterCrop(10), new ToTensor()]);
  const ds = new ImageFolder({ root: join(dir, 'good'), transform: tf });
  for (let i = 0; i < ds.length; i++) {
    const [x, y] = ds.get(i) as [torch.Tensor, number];
    assert.equal(y, ref.targets[i]);
    assert.ok(x.equal(made.tensors[`x${i}`]!), `sample ${i} (${ds.samples[i]![0]})`);
    const [xa] = await ds.getAsync(i) as [torch.Tensor, number];
    assert.ok(xa.equal(x));
  }
  torch.manualSeed(5);
  const flip = new ImageFolder({ root: join(dir, 'good'), transform: new Compose([new RandomHorizontalFlip(), new Resize([8, 8]), new ToTensor()]) });
  const loader = new DataLoader(flip, { batchSize: 4 });
  const batches: torch.Tensor[] = [];
  for (const [x, y] of loader as Iterable<[torch.Tensor, torch.Tensor]>) {
    batches.push(x);
    assert.equal(y.dtype.name, 'int64');
  }
  assert.ok(torch.cat(batches).equal(made.tensors.flip!), 'random flips drawn in torchvision order');
});

test('empty classes, missing folders and corrupt files', () => {
  assert.throws(() => new ImageFolder({ root: join(dir, 'empty') }), (e: Error) => e.message === ref.empty_error);
  const ok = new ImageFolder({ root: join(dir, 'empty'), allowEmpty: true });
  assert.deepEqual(ok.classes, ['cats', 'dogs']);
  assert.equal(ok.length, 1);
  assert.throws(() => new ImageFolder({ root: join(dir, 'nope') }), /nope/);
  assert.throws(() => findClasses(join(dir, 'good', 'bee', 'a_sub')), /Couldn't find any class folder/);
  assert.throws(() => new ImageFolder({ root: join(dir, 'good'), onError: 'ignore' as 'skip' }), /onError/);

  const strict = new ImageFolder({ root: join(dir, 'bad') });
  assert.throws(() => strict.get(1), (e: Error) => e.message.includes(join(dir, 'bad', 'a', '2.jpg')));
  const warnings: string[] = [];
  const onWarn = (w: Error): void => { warnings.push(w.message); };
  process.on('warning', onWarn);
  try {
    const lenient = new ImageFolder({ root: join(dir, 'bad'), onError: 'skip', transform: new ToTensor() });
    const [x1] = lenient.get(1) as [torch.Tensor, number];
    const [x2] = lenient.get(2) as [torch.Tensor, number];
    assert.ok(x1.equal(x2), 'the corrupt sample is replaced by the next one');
    lenient.get(1);
    assert.equal(lenient.skipped.size, 1);
    assert.ok(lenient.skipped.has(join(dir, 'bad', 'a', '2.jpg')));
  } finally {
    // Warnings are emitted on the next tick.
    void new Promise((r) => setImmediate(r)).then(() => process.off('warning', onWarn));
  }
});

const hymenoptera = [process.env.TSTORCH_DATA, resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'shared', 'data')]
  .filter((r): r is string => r !== undefined).map((r) => join(r, 'hymenoptera_data', 'val')).find((p) => existsSync(p));

test('hymenoptera ($TSTORCH_DATA or ../shared/data): listing and every sample through both tutorial pipelines equal torchvision', () => {
  // The development data is on every developer's machine and in CI (../shared/data): its absence is a failure.
  assert.ok(hymenoptera, 'hymenoptera_data/val not found under $TSTORCH_DATA or ../shared/data');
  const root = hymenoptera;
  const { json, tensors } = runPython(`
import torchvision.datasets as D, torchvision.transforms as T_
ds = D.ImageFolder(J, T_.Compose([T_.Resize(256), T_.CenterCrop(224), T_.PILToTensor()]))
torch.manual_seed(3)
tr = D.ImageFolder(J, T_.Compose([T_.RandomResizedCrop(224), T_.RandomHorizontalFlip(), T_.PILToTensor()]))
OUT['val'] = torch.stack([ds[i][0] for i in range(len(ds))])
OUT['train'] = torch.stack([tr[i][0] for i in range(len(tr))])
OUT_J = [ds.classes, ds.samples]
`, { json: root });
  const ds = new ImageFolder({ root, transform: new Compose([new Resize(256), new CenterCrop(224), new PILToTensor()]) });
  assert.deepEqual([ds.classes, ds.samples], json);
  torch.manualSeed(3);
  const tr = new ImageFolder({ root, transform: new Compose([new RandomResizedCrop(224), new RandomHorizontalFlip(), new PILToTensor()]) });
  const val: torch.Tensor[] = [], train: torch.Tensor[] = [];
  for (let i = 0; i < ds.length; i++) { val.push(ds.get(i)[0] as torch.Tensor); train.push(tr.get(i)[0] as torch.Tensor); }
  assert.ok(torch.stack(val).equal(tensors.val!), 'Resize(256) + CenterCrop(224): every image byte-identical');
  assert.ok(torch.stack(train).equal(tensors.train!), 'RandomResizedCrop(224) + flip with seed 3: every image byte-identical');
  // Most of these photos take the addon's libjpeg-turbo path (the rest sharp's), so both decoders are compared.
  const fast = ds.samples.filter(([p]) => native.decodeJpeg(readFileSync(p)) !== null).length;
  if (native.buildInfo().libjpeg) assert.ok(fast >= ds.length * 0.9, `only ${fast} of ${ds.length} files took the libjpeg path`);
});
