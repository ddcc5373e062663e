// Places365 against torchvision 0.14 on a small folder in its layout (categories, the split's file list, images
// under data_large_standard/ and val_large/), and the download of the devkit and image tars (md5-checked, the
// training folder renamed as torchvision renames it) from a local server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as torch from '../src/index.js';
import * as datasets from '../src/vision/datasets/index.js';
import { runPython } from './helpers/pytorch.js';

const root = mkdtempSync(join(tmpdir(), 'tstorch-places-'));
let base = '';
const server: Server = createServer((req, res) => {
  const p = join(root, 'mirror', (req.url ?? '/').slice(1));
  if (!existsSync(p)) { res.writeHead(404); res.end(); return; }
  const body = readFileSync(p);
  res.writeHead(200, { 'content-length': body.length });
  res.end(body);
});
before(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
});
after(() => { server.close(); rmSync(root, { recursive: true, force: true }); });

const ref = runPython(`
from PIL import Image
import tarfile
from torchvision.datasets import Places365
R = J + '/data'
os.makedirs(R)
rng = np.random.RandomState(5)
cats = ['/b/bakery/shop 2', '/a/airfield 0', '/a/alley 1']
open(R + '/categories_places365.txt', 'w').write('\\n'.join(cats) + '\\n')
train = ['/a/airfield/00000001.jpg 0', '/a/alley/00000002.jpg 1', '/b/bakery/shop/00000003.jpg 2']
val = ['Places365_val_00000001.jpg 2', 'Places365_val_00000002.jpg 0']
open(R + '/places365_train_standard.txt', 'w').write('\\n'.join(train) + '\\n')
open(R + '/places365_val.txt', 'w').write('\\n'.join(val) + '\\n')
for line in train:
    p = R + '/data_large_standard' + line.split()[0]
    os.makedirs(os.path.dirname(p), exist_ok=True)
    Image.fromarray(rng.randint(0, 256, (12, 15, 3)).astype(np.uint8)).save(p, quality=90)
os.makedirs(R + '/val_large')
for line in val:
    Image.fromarray(rng.randint(0, 256, (10, 14, 3)).astype(np.uint8)).save(R + '/val_large/' + line.split()[0], quality=90)
Places365._check_integrity = lambda self, file, md5, download: True   # the md5s are the real files'
res = {}
for split in ('train-standard', 'val'):
    ds = Places365(R, split=split)
    res[split] = {'classes': ds.classes, 'targets': ds.targets, 'files': [os.path.relpath(f, R) for f, _ in ds.imgs]}
    for i in range(len(ds)):
        OUT[f'{split}:{i}'] = torch.from_numpy(np.array(ds[i][0]))
m = J + '/mirror'
os.makedirs(m)
with tarfile.open(m + '/filelist_places365-standard.tar', 'w') as t:
    for f in ('categories_places365.txt', 'places365_train_standard.txt', 'places365_val.txt'):
        t.add(R + '/' + f, f)
with tarfile.open(m + '/train_large_places365standard.tar', 'w') as t:
    t.add(R + '/data_large_standard', 'data_large')
OUT_J = res
`, { json: root });

test('Places365 reads the categories, file lists and images as torchvision does', () => {
  for (const split of ['train-standard', 'val'] as const) {
    const ds = new datasets.Places365({ root: join(root, 'data'), split });
    const want = ref.json[split];
    assert.deepEqual(ds.classes, want.classes);
    assert.deepEqual(ds.targets, want.targets);
    assert.deepEqual(ds.imgs.map(([f]) => f.slice(join(root, 'data').length + 1)), want.files);
    for (let i = 0; i < ds.length; i++) {
      const img = ds.get(i)[0];
      assert.ok(torch.fromBytes(img.data, [img.height, img.width, 3], 'uint8').eq(ref.tensors[`${split}:${i}`]!).all().item(), `${split} image ${i}`);
    }
  }
  assert.throws(() => new datasets.Places365({ root: join(root, 'data'), split: 'test' as never }), /Valid values are/);
  assert.throws(() => new datasets.Places365({ root: join(root, 'none') }), /not found; pass download: true/);
});

test('Places365.create downloads the devkit and the training images (md5-checked) and renames the folder', async () => {
  const md5 = (f: string): string => createHash('md5').update(readFileSync(join(root, 'mirror', f))).digest('hex');
  const sums = { 'filelist_places365-standard.tar': md5('filelist_places365-standard.tar'), 'train_large_places365standard.tar': md5('train_large_places365standard.tar') };
  await assert.rejects(datasets.Places365.create({ root: join(root, 'dl1'), download: true, baseUrl: base, md5: { ...sums, 'filelist_places365-standard.tar': 'a'.repeat(32) }, progress: false }), /md5 mismatch/);
  const ds = await datasets.Places365.create({ root: join(root, 'dl'), download: true, baseUrl: base, md5: sums, progress: false });
  assert.ok(existsSync(join(root, 'dl', 'data_large_standard', 'a', 'alley', '00000002.jpg')));
  assert.deepEqual(ds.targets, ref.json['train-standard'].targets);
  const img = ds.get(1)[0];
  assert.ok(torch.fromBytes(img.data, [img.height, img.width, 3], 'uint8').eq(ref.tensors['train-standard:1']!).all().item());
});
