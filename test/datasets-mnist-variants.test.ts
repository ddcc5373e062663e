// KMNIST, EMNIST and QMNIST against torchvision 0.14 on small files made here in each format: IDX .gz files,
// EMNIST's zip of .gz members (downloaded from a local server with its md5 checked, then extracted), QMNIST's
// SN3 files with big-endian int32 labels (read right here; torchvision 0.14 reads them byte-swapped).
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

const root = mkdtempSync(join(tmpdir(), 'tstorch-mnist-variants-'));
const served = join(root, 'served');
let base = '';
const server: Server = createServer((req, res) => {
  const p = join(served, (req.url ?? '/').slice(1));
  if (!existsSync(p)) { res.writeHead(404); res.end(); return; }
  const body = readFileSync(p);
  res.writeHead(200, { 'content-length': body.length });
  res.end(body);
});
before(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
after(() => { server.close(); rmSync(root, { recursive: true, force: true }); });

const ref = runPython(`
import gzip, zipfile, struct
from torchvision.datasets import KMNIST, EMNIST, QMNIST
R = J
rng = np.random.RandomState(0)
def idx(dims, data, typ=0x08):
    return bytes([0, 0, typ, len(dims)]) + b''.join(struct.pack('>I', d) for d in dims) + data
def images(n): return rng.randint(0, 256, (n, 28, 28)).astype(np.uint8)
os.makedirs(R + '/KMNIST/raw', exist_ok=True)
for split, n in (('train', 6), ('t10k', 3)):
    im, lb = images(n), rng.randint(0, 10, n).astype(np.uint8)
    for kind, blob in (('images-idx3', idx([n, 28, 28], im.tobytes())), ('labels-idx1', idx([n], lb.tobytes()))):
        # torchvision wants the files decompressed (as its download leaves them); tstorch reads either
        open(f'{R}/KMNIST/raw/{split}-{kind}-ubyte', 'wb').write(blob)
        if split == 't10k':
            open(f'{R}/KMNIST/raw/{split}-{kind}-ubyte.gz', 'wb').write(gzip.compress(blob))
os.makedirs(R + '/served', exist_ok=True)
with zipfile.ZipFile(R + '/served/gzip.zip', 'w', zipfile.ZIP_DEFLATED) as z:
    for split in ('letters', 'balanced'):
        for part, n in (('train', 5), ('test', 4)):
            im = images(n)
            lb = rng.randint(1 if split == 'letters' else 0, 27 if split == 'letters' else 47, n).astype(np.uint8)
            z.writestr(f'gzip/emnist-{split}-{part}-images-idx3-ubyte.gz', gzip.compress(idx([n, 28, 28], im.tobytes())))
            z.writestr(f'gzip/emnist-{split}-{part}-labels-idx1-ubyte.gz', gzip.compress(idx([n], lb.tobytes())))
os.makedirs(R + '/QMNIST/raw', exist_ok=True)
qi = images(12)
ql = rng.randint(0, 70000, (12, 8)).astype('>i4')
ql[:, 0] = rng.randint(0, 10, 12)
open(R + '/QMNIST/raw/qmnist-test-images-idx3-ubyte', 'wb').write(idx([12, 28, 28], qi.tobytes()))
open(R + '/QMNIST/raw/qmnist-test-labels-idx2-int', 'wb').write(idx([12, 8], ql.tobytes(), 0x0C))
res = {'qlabels': ql.astype(np.int64).tolist()}
for name, ds in (('kmnist', KMNIST(R, train=True)), ('kmnist_test', KMNIST(R, train=False)), ('q10k', QMNIST(R, what='test10k')), ('q50k', QMNIST(R, what='test50k'))):
    OUT[name] = torch.stack([torch.from_numpy(np.array(ds[i][0])) for i in range(len(ds))]) if len(ds) else torch.zeros(0)
    res[name] = {'len': len(ds), 'classes': ds.classes, 'targets': [int(ds[i][1]) for i in range(len(ds))] if name.startswith('k') else None}
OUT_J = res
`, { json: root });

const stackImages = (ds: { length: number; get(i: number): [any, any] }): torch.Tensor =>
  torch.stack(Array.from({ length: ds.length }, (_, i) => { const img = ds.get(i)[0]; return torch.fromBytes(img.data, [img.height, img.width], 'uint8'); }));

test('KMNIST reads the IDX .gz files as torchvision does', () => {
  for (const [name, train] of [['kmnist', true], ['kmnist_test', false]] as const) {
    const ds = new datasets.KMNIST({ root, train });
    assert.equal(ds.length, ref.json[name].len);
    assert.deepEqual(ds.classes, ref.json[name].classes);
    assert.deepEqual(Array.from({ length: ds.length }, (_, i) => ds.get(i)[1]), ref.json[name].targets);
    assert.ok(stackImages(ds).eq(ref.tensors[name]!).all().item());
  }
});

test('EMNIST downloads its zip (md5-checked), extracts the split files, and reads them as torchvision does', async () => {
  const zip = readFileSync(join(served, 'gzip.zip'));
  const md5 = createHash('md5').update(zip).digest('hex');
  await assert.rejects(datasets.EMNIST.create({ root, split: 'letters', download: true, mirrors: [`${base}/`], md5: { 'gzip.zip': 'f'.repeat(32) }, progress: false }), /md5 mismatch/);
  const ds = await datasets.EMNIST.create({ root, split: 'letters', download: true, mirrors: [`${base}/`], md5: { 'gzip.zip': md5 }, progress: false });
  const check = runPython(`
from torchvision.datasets import EMNIST
res = {}
for split in ('letters', 'balanced'):
    for train in (True, False):
        d = EMNIST(J, split=split, train=train)
        k = f'{split}:{int(train)}'
        OUT[k] = torch.stack([torch.from_numpy(np.array(d[i][0])) for i in range(len(d))])
        res[k] = {'targets': [int(d[i][1]) for i in range(len(d))], 'classes': d.classes}
OUT_J = res
`, { json: root });
  assert.ok(existsSync(join(root, 'EMNIST', 'raw', 'emnist-balanced-test-images-idx3-ubyte')), 'every member extracted');
  for (const split of ['letters', 'balanced'] as const) {
    for (const train of [true, false]) {
      const d = split === 'letters' && train ? ds : new datasets.EMNIST({ root, split, train });
      const k = `${split}:${train ? 1 : 0}`;
      assert.deepEqual(d.classes, check.json[k].classes, `${k} classes`);
      assert.deepEqual(Array.from({ length: d.length }, (_, i) => d.get(i)[1]), check.json[k].targets, `${k} targets`);
      assert.ok(stackImages(d).eq(check.tensors[k]!).all().item(), `${k} images`);
    }
  }
  assert.throws(() => new datasets.EMNIST({ root, split: 'bogus' as never }), /Valid values are/);
  assert.throws(() => new datasets.EMNIST({ root: join(root, 'none'), split: 'digits' }), /dataset not found.*download: true/);
});

test('QMNIST: images as torchvision reads them, the 8 label columns big-endian, test10k/test50k, compat targets', () => {
  const q10 = new datasets.QMNIST({ root, what: 'test10k' });
  assert.equal(q10.length, ref.json.q10k.len);
  assert.ok(stackImages(q10).eq(ref.tensors['q10k']!).all().item());
  const labels = ref.json.qlabels as number[][];
  assert.deepEqual(Array.from({ length: q10.length }, (_, i) => q10.get(i)[1]), labels.map((r) => r[0]));
  const full = new datasets.QMNIST({ root, train: false, compat: false });
  assert.deepEqual(full.get(3)[1], labels[3]);
  assert.equal(new datasets.QMNIST({ root, what: 'test50k' }).length, ref.json.q50k.len);
  assert.throws(() => new datasets.QMNIST({ root, what: 'nist' }), /xz-compressed/);
  assert.equal(torch.tensor(labels[0]!).numel(), 8);
});
