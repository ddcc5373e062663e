// OxfordIIITPet and Food101 against torchvision 0.14 on small folders made here in their layouts (JPEGs,
// trimap PNGs, the split lists and json metadata): the same samples, targets and class names; Food101's archive
// downloaded from a local server with its md5 checked.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as torch from '../src/index.js';
import * as datasets from '../src/vision/datasets/index.js';
import { runPython } from './helpers/pytorch.js';

const root = mkdtempSync(join(tmpdir(), 'tstorch-pets-food-'));
let archive: Buffer;
let base = '';
const server: Server = createServer((req, res) => {
  if (req.url !== '/food.tar.gz') { res.writeHead(404); res.end(); return; }
  res.writeHead(200, { 'content-length': archive.length });
  res.end(archive);
});
before(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
after(() => { server.close(); rmSync(root, { recursive: true, force: true }); });

const ref = runPython(`
from PIL import Image
import json
from torchvision.datasets import OxfordIIITPet, Food101
R = J
rng = np.random.RandomState(2)
def jpg(path, w, h):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    Image.fromarray(rng.randint(0, 256, (h, w, 3)).astype(np.uint8)).save(path, quality=90)
pb = R + '/oxford-iiit-pet'
pets = [('Abyssinian_1', 1, 1), ('great_pyrenees_12', 13, 2), ('Abyssinian_7', 1, 1), ('american_pit_bull_terrier_3', 3, 2)]
os.makedirs(pb + '/annotations/trimaps')
for i, (pid, cls, sp) in enumerate(pets):
    jpg(f'{pb}/images/{pid}.jpg', 20 + i, 16)
    Image.fromarray(rng.randint(1, 4, (16, 20 + i)).astype(np.uint8)).save(f'{pb}/annotations/trimaps/{pid}.png')
open(pb + '/annotations/trainval.txt', 'w').write(''.join(f'{p} {c} {s} 1\\n' for p, c, s in pets[:3]))
open(pb + '/annotations/test.txt', 'w').write(''.join(f'{p} {c} {s} 1\\n' for p, c, s in pets[3:]))
fb = R + '/food/food-101'
meta = {'train': {'waffles': ['waffles/11', 'waffles/3'], 'apple_pie': ['apple_pie/5']}, 'test': {'apple_pie': ['apple_pie/9']}}
os.makedirs(fb + '/meta')
for split, m in meta.items():
    json.dump(m, open(f'{fb}/meta/{split}.json', 'w'))
    for cls, paths in m.items():
        for p in paths:
            jpg(f'{fb}/images/{p}.jpg', 18, 14)
res = {}
for k, ds in (('pets', OxfordIIITPet(R, target_types=['category', 'segmentation'])), ('pets_test', OxfordIIITPet(R, split='test')),
              ('food', Food101(R + '/food')), ('food_test', Food101(R + '/food', split='test'))):
    res[k] = {'classes': ds.classes, 'targets': []}
    for i in range(len(ds)):
        img, t = ds[i]
        OUT[f'{k}:{i}'] = torch.from_numpy(np.array(img))
        if isinstance(t, tuple):
            OUT[f'{k}:{i}:seg'] = torch.from_numpy(np.array(t[1]))
            t = t[0]
        res[k]['targets'].append(t)
OUT_J = res
`, { json: root });

const hwc = (img: { data: Uint8Array; height: number; width: number; channels: number }): torch.Tensor =>
  torch.fromBytes(img.data, img.channels === 1 ? [img.height, img.width] : [img.height, img.width, img.channels], 'uint8');

test('OxfordIIITPet: classes from the ids, category and segmentation targets, both splits', () => {
  const ds = new datasets.OxfordIIITPet({ root, targetTypes: ['category', 'segmentation'] });
  assert.deepEqual(ds.classes, ref.json.pets.classes);
  for (let i = 0; i < ds.length; i++) {
    const [img, [cls, seg]] = ds.get(i) as [any, [number, any]];
    assert.equal(cls, ref.json.pets.targets[i]);
    assert.ok(hwc(img).eq(ref.tensors[`pets:${i}`]!).all().item(), `image ${i}`);
    assert.ok(hwc(seg).eq(ref.tensors[`pets:${i}:seg`]!).all().item(), `trimap ${i}`);
  }
  const test2 = new datasets.OxfordIIITPet({ root, split: 'test' });
  assert.deepEqual(Array.from({ length: test2.length }, (_, i) => test2.get(i)[1]), ref.json.pets_test.targets);
  assert.throws(() => new datasets.OxfordIIITPet({ root, targetTypes: 'bbox' as never }), /Valid values are/);
  assert.throws(() => new datasets.OxfordIIITPet({ root: join(root, 'none') }), /dataset not found.*download: true/);
});

test('Food101: the json metadata, sorted classes, images; the archive downloaded and md5-checked', async () => {
  for (const [k, split] of [['food', 'train'], ['food_test', 'test']] as const) {
    const ds = new datasets.Food101({ root: join(root, 'food'), split });
    assert.deepEqual(ds.classes, ref.json[k].classes);
    assert.deepEqual(Array.from({ length: ds.length }, (_, i) => ds.get(i)[1]), ref.json[k].targets);
    for (let i = 0; i < ds.length; i++) assert.ok(hwc(ds.get(i)[0]).eq(ref.tensors[`${k}:${i}`]!).all().item(), `${k} image ${i}`);
  }
  execFileSync('tar', ['-czf', join(root, 'food.tar.gz'), '-C', join(root, 'food'), 'food-101']);
  archive = readFileSync(join(root, 'food.tar.gz'));
  const md5 = createHash('md5').update(archive).digest('hex');
  await assert.rejects(datasets.Food101.create({ root: join(root, 'dl'), download: true, mirrors: [`${base}/food.tar.gz`], md5: '1'.repeat(32), progress: false }), /md5 mismatch/);
  const dl = await datasets.Food101.create({ root: join(root, 'dl'), download: true, mirrors: [`${base}/food.tar.gz`], md5, progress: false });
  assert.equal(dl.length, 3);
});
