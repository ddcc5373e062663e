// ImageNet against torchvision 0.14 on small archives made here in ILSVRC2012's layout (a devkit with a meta.mat
// struct array and validation ground truth, a training tar of per-class tars, a validation tar): the same
// meta.bin (each side reads the other's), folders, classes, samples and targets; the synchronous constructor
// (archives unpacked in a child process) and ImageNet.create.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import * as torch from '../src/index.js';
import * as datasets from '../src/vision/datasets/index.js';
import { runPython } from './helpers/pytorch.js';

const root = mkdtempSync(join(tmpdir(), 'tstorch-imagenet-'));
after(() => rmSync(root, { recursive: true, force: true }));

const ref = runPython(`
import io, tarfile, scipy.io as sio
from PIL import Image
import torchvision.datasets.imagenet as inet
R = J
A = R + '/tv'
os.makedirs(A)
rng = np.random.RandomState(4)
def jpg_bytes(w, h):
    b = io.BytesIO(); Image.fromarray(rng.randint(0, 256, (h, w, 3)).astype(np.uint8)).save(b, 'JPEG', quality=90); return b.getvalue()
def add(tf, name, data):
    ti = tarfile.TarInfo(name); ti.size = len(data); tf.addfile(ti, io.BytesIO(data))
# synsets: ILSVRC2012_ID, WNID, words, gloss, num_children, children, wordnet_height, num_train_images
syn = [(1, 'n02', 'goldfish, Carassius auratus', 'a fish', 0), (2, 'n01', 'tench, Tinca tinca', 'a fish', 0),
       (3, 'n03', 'great white shark', 'a shark', 0), (4, 'n09', 'fish', 'a group', 2)]
rec = np.zeros((len(syn), 1), dtype=[(f, 'O') for f in ('ILSVRC2012_ID', 'WNID', 'words', 'gloss', 'num_children', 'children', 'wordnet_height', 'num_train_images')])
for i, (idx, w, words, gloss, nc) in enumerate(syn):
    rec[i, 0] = (float(idx), w, words, gloss, float(nc), np.zeros((1, 0)), 0.0, 3.0)
mb = io.BytesIO(); sio.savemat(mb, {'synsets': rec})
gt = [3, 1, 1, 2, 3]
with tarfile.open(A + '/ILSVRC2012_devkit_t12.tar.gz', 'w:gz') as tf:
    add(tf, 'ILSVRC2012_devkit_t12/data/meta.mat', mb.getvalue())
    add(tf, 'ILSVRC2012_devkit_t12/data/ILSVRC2012_validation_ground_truth.txt', ''.join(f'{g}\\n' for g in gt).encode())
with tarfile.open(A + '/ILSVRC2012_img_train.tar', 'w') as tf:
    for w, n in (('n01', 2), ('n02', 1), ('n03', 2)):
        inner = io.BytesIO()
        with tarfile.open(fileobj=inner, mode='w') as it:
            for k in range(n):
                add(it, f'{w}_{k + 1}.JPEG', jpg_bytes(12 + k, 10))
        add(tf, f'{w}.tar', inner.getvalue())
with tarfile.open(A + '/ILSVRC2012_img_val.tar', 'w') as tf:
    for k in (3, 1, 5, 2, 4):
        add(tf, f'ILSVRC2012_val_{k:08d}.JPEG', jpg_bytes(9 + k, 11))
inet._verify_archive = lambda *a: None   # the md5s are the real archives'
res = {}
for split in ('train', 'val'):
    ds = inet.ImageNet(A, split=split)
    res[split] = {'classes': [list(c) for c in ds.classes], 'wnids': ds.wnids, 'class_to_idx': ds.class_to_idx, 'wnid_to_idx': ds.wnid_to_idx,
                  'samples': [[os.path.relpath(p, A), t] for p, t in ds.samples], 'targets': ds.targets, 'repr': repr(ds)}
    OUT[split + '0'] = torch.from_numpy(np.array(ds[0][0]))
OUT_J = res
`, { json: root });

const archives = ['ILSVRC2012_devkit_t12.tar.gz', 'ILSVRC2012_img_train.tar', 'ILSVRC2012_img_val.tar'];
const noMd5 = Object.fromEntries(archives.map((a) => [a, null]));
const copyArchives = (dest: string): void => {
  mkdirSync(dest, { recursive: true });
  for (const a of archives) copyFileSync(join(root, 'tv', a), join(dest, a));
};

test('ImageNet prepares train and val from the archives as torchvision does (classes, wnids, samples, targets)', async () => {
  const mine = join(root, 'ts');
  copyArchives(mine);
  assert.throws(() => new datasets.ImageNet({ root: mine }), /ILSVRC2012_devkit_t12\.tar\.gz is not present .* or is corrupted/);
  for (const split of ['train', 'val'] as const) {
    const ds = split === 'train' ? new datasets.ImageNet({ root: mine, split, md5: noMd5 }) : await datasets.ImageNet.create({ root: mine, split, md5: noMd5 });
    const want = ref.json[split];
    assert.deepEqual(ds.classes, want.classes, `${split} classes`);
    assert.deepEqual(ds.wnids, want.wnids);
    assert.deepEqual(ds.classToIdx, want.class_to_idx);
    assert.deepEqual(ds.wnidToIdx, want.wnid_to_idx);
    assert.deepEqual(ds.samples.map(([p, t]) => [relative(mine, p), t]), want.samples, `${split} samples`);
    assert.deepEqual(ds.targets, want.targets);
    const [img, t] = ds.get(0);
    assert.equal(t, want.targets[0]);
    assert.ok(torch.fromBytes(img.data, [img.height, img.width, 3], 'uint8').eq(ref.tensors[`${split}0`]!).all().item());
  }
  // each side reads the other's meta.bin
  assert.deepEqual(datasets.loadMetaFile(mine), datasets.loadMetaFile(join(root, 'tv')));
  const back = runPython(`
import torchvision.datasets.imagenet as inet
w, v = inet.load_meta_file(J)
OUT_J = [{k: list(c) for k, c in w.items()}, v, type(w).__name__, type(next(iter(w.values()))).__name__]
`, { json: mine });
  const [w, v] = datasets.loadMetaFile(join(root, 'tv'));
  assert.deepEqual(back.json, [w, v, 'dict', 'tuple']);
  assert.throws(() => new datasets.ImageNet({ root: mine, split: 'test' as never }), /Valid values are/);
});

test('ImageNet checks the archives\' md5 (a wrong archive is reported, not unpacked)', () => {
  const dir = join(root, 'md5');
  copyArchives(dir);
  assert.throws(() => new datasets.ImageNet({ root: dir, split: 'val', md5: { ...noMd5, 'ILSVRC2012_img_val.tar': '0'.repeat(32) } }), /ILSVRC2012_img_val\.tar is not present .* or is corrupted\. You need to download it externally/);
});
