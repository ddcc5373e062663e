// STL10 against torchvision 0.14 on small files made here in its binary format (channel-by-channel, column-major
// 96x96 images, 1-based labels, fold lists), every split and a fold, and the archive downloaded from a local
// server with its md5 checked.
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

const root = mkdtempSync(join(tmpdir(), 'tstorch-stl10-'));
let archive: Buffer;
let base = '';
const server: Server = createServer((req, res) => {
  if (req.url !== '/stl.tar.gz') { res.writeHead(404); res.end(); return; }
  res.writeHead(200, { 'content-length': archive.length });
  res.end(archive);
});
before(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
after(() => { server.close(); rmSync(root, { recursive: true, force: true }); });

const ref = runPython(`
from torchvision.datasets import STL10
d = J + '/data/stl10_binary'
os.makedirs(d)
rng = np.random.RandomState(1)
for name, n in (('train', 5), ('test', 3), ('unlabeled', 4)):
    rng.randint(0, 256, n * 3 * 96 * 96).astype(np.uint8).tofile(f'{d}/{name}_X.bin')
    if name != 'unlabeled':
        rng.randint(1, 11, n).astype(np.uint8).tofile(f'{d}/{name}_y.bin')
open(d + '/fold_indices.txt', 'w').write('0 2 4\\n1 3\\n' + '0\\n' * 8)
open(d + '/class_names.txt', 'w').write('\\n'.join(['airplane', 'bird', 'car', 'cat', 'deer', 'dog', 'horse', 'monkey', 'ship', 'truck']) + '\\n')
STL10._check_integrity = lambda self: True   # the files are not the real data set's (md5s)
res = {}
for k, kw in (('train', {}), ('test', dict(split='test')), ('unlabeled', dict(split='unlabeled')), ('train+unlabeled', dict(split='train+unlabeled')), ('fold1', dict(folds=1))):
    ds = STL10(J + '/data', **kw)
    OUT[k] = torch.stack([torch.from_numpy(np.array(ds[i][0])) for i in range(len(ds))])
    res[k] = {'targets': [ds[i][1] for i in range(len(ds))], 'classes': ds.classes, 'repr': repr(ds)}
OUT_J = res
`, { json: root });

test('STL10 reads every split and a fold as torchvision does (images, targets, classes)', () => {
  const cases: [string, Omit<datasets.STL10Options, 'root'>][] = [['train', {}], ['test', { split: 'test' }], ['unlabeled', { split: 'unlabeled' }], ['train+unlabeled', { split: 'train+unlabeled' }], ['fold1', { folds: 1 }]];
  for (const [k, o] of cases) {
    const ds = new datasets.STL10({ root: join(root, 'data'), ...o });
    const want = ref.json[k];
    assert.deepEqual(Array.from({ length: ds.length }, (_, i) => ds.get(i)[1]), want.targets, `${k} targets`);
    assert.deepEqual(ds.classes, want.classes);
    const imgs = torch.stack(Array.from({ length: ds.length }, (_, i) => { const im = ds.get(i)[0]; return torch.fromBytes(im.data, [96, 96, 3], 'uint8'); }));
    assert.ok(imgs.eq(ref.tensors[k]!).all().item(), `${k} images`);
  }
  assert.throws(() => new datasets.STL10({ root: join(root, 'data'), folds: 10 }), /range \[0, 10\)/);
  assert.throws(() => new datasets.STL10({ root: join(root, 'data'), split: 'val' as never }), /Valid values are/);
  assert.throws(() => new datasets.STL10({ root: join(root, 'nowhere') }), /dataset not found.*download: true/);
});

test('STL10.create downloads the archive (md5-checked) and extracts it', async () => {
  execFileSync('tar', ['-czf', join(root, 'stl.tar.gz'), '-C', join(root, 'data'), 'stl10_binary']);
  archive = readFileSync(join(root, 'stl.tar.gz'));
  const md5 = createHash('md5').update(archive).digest('hex');
  const dl = join(root, 'dl');
  await assert.rejects(datasets.STL10.create({ root: dl, download: true, mirrors: [`${base}/stl.tar.gz`], md5: '0'.repeat(32), progress: false }), /md5 mismatch/);
  const ds = await datasets.STL10.create({ root: dl, download: true, mirrors: [`${base}/stl.tar.gz`], md5, progress: false, split: 'test' });
  assert.deepEqual(Array.from({ length: ds.length }, (_, i) => ds.get(i)[1]), ref.json.test.targets);
});
