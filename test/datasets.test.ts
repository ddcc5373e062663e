import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync, rmSync, existsSync, readdirSync, truncateSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import * as torch from '../src/index.js';
import { CIFAR10, CIFAR100, MNIST, FashionMNIST, extractTar } from '../src/vision/datasets/index.js';
import * as T from '../src/vision/transforms/index.js';

const tmp = mkdtempSync(join(tmpdir(), 'tstorch-datasets-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

/** Deterministic bytes (a small LCG), so records differ from each other and from any pattern. */
function bytes(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; b[i] = s >>> 24; }
  return b;
}

/** CIFAR records with labels below `classes` in every label byte. */
function records(count: number, labelBytes: number, classes: number[], seed: number): Buffer {
  const rec = labelBytes + 3072;
  const b = bytes(count * rec, seed);
  for (let i = 0; i < count; i++) for (let k = 0; k < labelBytes; k++) b[i * rec + k] = b[i * rec + k]! % classes[k]!;
  return b;
}

const CIFAR10_NAMES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];

function writeCifar10(dir: string, perBatch = 60, testCount = 50): { train: Buffer; test: Buffer } {
  mkdirSync(dir, { recursive: true });
  const batches = [1, 2, 3, 4, 5].map((i) => records(perBatch, 1, [10], i));
  batches.forEach((b, i) => writeFileSync(join(dir, `data_batch_${i + 1}.bin`), b));
  const testBuf = records(testCount, 1, [10], 99);
  writeFileSync(join(dir, 'test_batch.bin'), testBuf);
  writeFileSync(join(dir, 'batches.meta.txt'), CIFAR10_NAMES.join('\n') + '\n\n');
  return { train: Buffer.concat(batches), test: testBuf };
}

/** The expected images (N x 32 x 32 x 3) and labels, decoded by libtorch rather than by the dataset's loop. */
function decode(buf: Buffer, labelBytes: number): { images: torch.Tensor; labels: number[][] } {
  const rec = labelBytes + 3072;
  const n = buf.length / rec;
  const t = torch.fromBytes(buf, [n, rec], 'uint8');
  const images = t.slice(1, labelBytes, rec).reshape(n, 3, 32, 32).permute(0, 2, 3, 1).contiguous();
  const labels = Array.from({ length: labelBytes }, (_, k) => (t.select(1, k).toArray() as number[]));
  return { images, labels };
}

const cifarDir = join(tmp, 'c10', 'cifar-10-batches-bin');
const written = writeCifar10(cifarDir);

test('CIFAR10 reads the binary batches back exactly (root = parent or the folder itself)', () => {
  const expected = decode(written.train, 1);
  for (const root of [join(tmp, 'c10'), cifarDir]) {
    const ds = new CIFAR10({ root, train: true });
    assert.equal(ds.length, 300);
    assert.deepEqual(ds.classes, CIFAR10_NAMES);
    assert.equal(ds.classToIdx.truck, 9);
    assert.deepEqual(ds.targets, expected.labels[0]);
    assert.ok(torch.fromBytes(ds.data, [300, 32, 32, 3], 'uint8').equal(expected.images));
    const [img, label] = ds.get(123);
    assert.deepEqual([img.width, img.height, img.channels], [32, 32, 3]);
    assert.equal(label, expected.labels[0]![123]);
    assert.ok(T.functional.pilToTensor(img).equal(expected.images.select(0, 123).permute(2, 0, 1)));
    assert.throws(() => ds.get(300), /out of range/);
  }
  const testSet = new CIFAR10({ root: join(tmp, 'c10'), train: false });
  assert.equal(testSet.length, 50);
  assert.ok(torch.fromBytes(testSet.data, [50, 32, 32, 3], 'uint8').equal(decode(written.test, 1).images));
  assert.match(String(testSet), /Dataset CIFAR10\n {4}Number of datapoints: 50\n.*\n {4}Split: Test/);
});

test('CIFAR10 with transforms through a DataLoader', () => {
  const mean = [0.4914, 0.4822, 0.4465];
  const std = [0.247, 0.243, 0.261];
  const ds = new CIFAR10({ root: join(tmp, 'c10'), train: false, transform: new T.Compose([new T.ToTensor(), new T.Normalize(mean, std)]), targetTransform: (y: number) => y * 2 });
  const loader = new torch.utils.data.DataLoader(ds, { batchSize: 8 });
  assert.equal(loader.length, 7);
  const batches = [...loader];
  const x = torch.cat(batches.map((b) => b[0]));
  const y = torch.cat(batches.map((b) => b[1]));
  const expected = decode(written.test, 1);
  const ref = expected.images.permute(0, 3, 1, 2).float().div(255).sub(torch.tensor(mean).view(1, 3, 1, 1)).div(torch.tensor(std).view(1, 3, 1, 1));
  assert.ok(x.equal(ref));
  assert.deepEqual(y.toArray(), expected.labels[0]!.map((v) => v * 2));
});

test('CIFAR100 reads coarse and fine labels', () => {
  const dir = join(tmp, 'c100', 'cifar-100-binary');
  mkdirSync(dir, { recursive: true });
  const train = records(200, 2, [20, 100], 5);
  writeFileSync(join(dir, 'train.bin'), train);
  writeFileSync(join(dir, 'test.bin'), records(30, 2, [20, 100], 6));
  const fine = Array.from({ length: 100 }, (_, i) => `fine_${i}`);
  writeFileSync(join(dir, 'fine_label_names.txt'), fine.join('\n') + '\n');
  writeFileSync(join(dir, 'coarse_label_names.txt'), Array.from({ length: 20 }, (_, i) => `coarse_${i}`).join('\n') + '\n');
  const ds = new CIFAR100({ root: join(tmp, 'c100') });
  const expected = decode(train, 2);
  assert.equal(ds.length, 200);
  assert.deepEqual(ds.targets, expected.labels[1]);
  assert.deepEqual(ds.coarseTargets, expected.labels[0]);
  assert.deepEqual(ds.classes, fine);
  assert.equal(ds.coarseClasses.length, 20);
  assert.ok(torch.fromBytes(ds.data, [200, 32, 32, 3], 'uint8').equal(expected.images));
  assert.equal(new CIFAR100({ root: dir, train: false }).length, 30);
});

test('CIFAR errors name the missing folder, the missing file and the truncated file', () => {
  const nowhere = join(tmp, 'nowhere');
  assert.throws(() => new CIFAR10({ root: nowhere }), (e: Error) => e.message.includes(join(nowhere, 'cifar-10-batches-bin')) && /download: true/.test(e.message));
  const broken = join(tmp, 'broken', 'cifar-10-batches-bin');
  cpSync(cifarDir, broken, { recursive: true });
  rmSync(join(broken, 'data_batch_3.bin'));
  assert.throws(() => new CIFAR10({ root: join(tmp, 'broken') }), new RegExp(`missing file ${join(broken, 'data_batch_3.bin').replaceAll('/', '\\/')}`));
  assert.equal(new CIFAR10({ root: join(tmp, 'broken'), train: false }).length, 50);
  truncateSync(join(broken, 'test_batch.bin'), 3073 * 10 + 100);
  assert.throws(() => new CIFAR10({ root: join(tmp, 'broken'), train: false }),
    (e: Error) => e.message.includes(join(broken, 'test_batch.bin')) && /truncated/.test(e.message) && /3073-byte record/.test(e.message));
  assert.throws(() => new CIFAR10({} as never), /root/);
});

// ---- download, md5 and extraction against a local HTTP server -------------------------------------------

function md5(b: Buffer): string { return createHash('md5').update(b).digest('hex'); }

/** A .tar.gz of CIFAR-10's layout made by GNU tar (with a long member name to exercise GNU long names). */
function cifarArchive(format: 'gnu' | 'pax'): Buffer {
  const src = mkdtempSync(join(tmp, 'src-'));
  writeCifar10(join(src, 'cifar-10-batches-bin'), 40, 20);
  writeFileSync(join(src, 'cifar-10-batches-bin', `readme-${'x'.repeat(120)}.html`), 'hello');
  const out = join(src, 'a.tar.gz');
  execFileSync('tar', ['-czf', out, `--format=${format}`, '-C', src, 'cifar-10-batches-bin']);
  return readFileSync(out);
}

const served = new Map<string, Buffer>();
let requests = 0;
const server: Server = createServer((req, res) => {
  requests++;
  const body = served.get(req.url ?? '');
  if (!body) { res.writeHead(404); res.end(); return; }
  res.writeHead(200, { 'content-length': body.length });
  res.end(body);
});
let base = '';
before(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
after(() => server.close());

test('CIFAR10.create downloads, checks the md5, extracts, and skips it all when the files are present', async () => {
  const archive = cifarArchive('gnu');
  served.set('/c10.tar.gz', archive);
  const root = join(tmp, 'dl');
  const before = requests;
  const ds = await CIFAR10.create({ root, download: true, url: `${base}/c10.tar.gz`, md5: md5(archive), progress: false });
  assert.equal(ds.length, 200);
  assert.equal(requests, before + 1);
  assert.ok(existsSync(join(root, 'cifar-10-batches-bin', `readme-${'x'.repeat(120)}.html`)));
  assert.ok(existsSync(join(root, 'cifar-10-binary.tar.gz')));
  const again = await CIFAR10.create({ root, download: true, url: `${base}/c10.tar.gz`, md5: md5(archive), progress: false });
  assert.equal(again.length, 200);
  const sync = new CIFAR10({ root, download: true, url: `${base}/c10.tar.gz`, md5: md5(archive), progress: false });
  assert.equal(sync.length, 200);
  assert.equal(requests, before + 1, 'files present: nothing is downloaded');
  assert.equal(readdirSync(join(root, 'cifar-10-batches-bin')).filter((f) => f.includes('partial')).length, 0);
});

test('a wrong md5 or a missing file on the server leaves nothing behind', async () => {
  served.set('/c10.tar.gz', cifarArchive('pax'));
  const root = join(tmp, 'bad');
  await assert.rejects(CIFAR10.create({ root, download: true, url: `${base}/c10.tar.gz`, md5: '0123456789abcdef0123456789abcdef', progress: false }), /md5 mismatch/);
  assert.deepEqual(existsSync(root) ? readdirSync(root) : [], []);
  await assert.rejects(CIFAR10.create({ root, download: true, url: `${base}/missing.tar.gz`, progress: false }), /HTTP 404/);
  assert.deepEqual(existsSync(root) ? readdirSync(root) : [], []);
  // a pax archive with the right md5 extracts the same files
  const archive = served.get('/c10.tar.gz')!;
  const ds = await CIFAR10.create({ root, download: true, url: `${base}/c10.tar.gz`, md5: md5(archive), progress: false });
  assert.equal(ds.length, 200);
});

test('the synchronous constructor downloads through a child process (server in another process)', async () => {
  const archive = cifarArchive('gnu');
  const file = join(tmp, 'serve.tar.gz');
  writeFileSync(file, archive);
  const child = spawn(process.execPath, ['-e', `
    const http = require('http'); const fs = require('fs');
    const body = fs.readFileSync(${JSON.stringify(file)});
    const s = http.createServer((q, r) => { if (q.url !== '/a.tar.gz') { r.writeHead(404); return r.end(); } r.writeHead(200, {'content-length': body.length}); r.end(body); });
    s.listen(0, '127.0.0.1', () => console.log(s.address().port));`], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const port = await new Promise<string>((resolve) => child.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim())));
    const root = join(tmp, 'sync');
    assert.throws(() => new CIFAR10({ root, download: true, url: `http://127.0.0.1:${port}/a.tar.gz`, md5: 'f'.repeat(32), progress: false }), /md5 mismatch/);
    assert.deepEqual(existsSync(root) ? readdirSync(root) : [], []);
    const ds = new CIFAR10({ root, download: true, url: `http://127.0.0.1:${port}/a.tar.gz`, md5: md5(archive), progress: false, train: false });
    assert.equal(ds.length, 20);
  } finally {
    child.kill();
  }
});

test('a truncated archive is reported and leaves no partial file', async () => {
  const archive = cifarArchive('gnu');
  const cut = gzipSync(execFileSync('gzip', ['-dc'], { input: archive }).subarray(0, 3073 * 30));
  const path = join(tmp, 'cut.tar.gz');
  writeFileSync(path, cut);
  const dest = join(tmp, 'cut');
  await assert.rejects(extractTar(path, dest), /unexpected end of archive/);
  const files = readdirSync(join(dest, 'cifar-10-batches-bin'));
  assert.ok(files.every((f) => !f.includes('partial')), files.join(', '));
});

// ---- MNIST --------------------------------------------------------------------------------------------------

function idx(dims: number[], data: Buffer): Buffer {
  const h = Buffer.alloc(4 + 4 * dims.length);
  h[2] = 0x08;
  h[3] = dims.length;
  dims.forEach((d, i) => h.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([h, data]);
}

function mnistFiles(n: number, seed: number): { images: Buffer; labels: Buffer } {
  const labels = bytes(n, seed + 1);
  for (let i = 0; i < n; i++) labels[i] = labels[i]! % 10;
  return { images: bytes(n * 784, seed), labels };
}

test('MNIST and FashionMNIST read IDX files (raw or .gz) exactly', () => {
  const raw = join(tmp, 'm', 'MNIST', 'raw');
  mkdirSync(raw, { recursive: true });
  const train = mnistFiles(300, 3);
  const testF = mnistFiles(40, 4);
  writeFileSync(join(raw, 'train-images-idx3-ubyte.gz'), gzipSync(idx([300, 28, 28], train.images)));
  writeFileSync(join(raw, 'train-labels-idx1-ubyte.gz'), gzipSync(idx([300], train.labels)));
  writeFileSync(join(raw, 't10k-images-idx3-ubyte'), idx([40, 28, 28], testF.images));
  writeFileSync(join(raw, 't10k-labels-idx1-ubyte'), idx([40], testF.labels));
  const ds = new MNIST({ root: join(tmp, 'm'), transform: new T.ToTensor() });
  assert.equal(ds.length, 300);
  assert.deepEqual(ds.targets, Array.from(train.labels));
  const [x, y] = ds.get(17);
  assert.deepEqual([...x.shape], [1, 28, 28]);
  assert.ok(x.equal(torch.fromBytes(train.images.subarray(17 * 784, 18 * 784), [1, 28, 28], 'uint8').float().div(255)));
  assert.equal(y, train.labels[17]);
  const testSet = new MNIST({ root: raw, train: false });
  assert.equal(testSet.length, 40);
  assert.equal(testSet.classes[3], '3 - three');
  const [img] = testSet.get(-1);
  assert.deepEqual(Buffer.from(img.data), testF.images.subarray(39 * 784));

  const fraw = join(tmp, 'f', 'FashionMNIST', 'raw');
  cpSync(raw, fraw, { recursive: true });
  const f = new FashionMNIST({ root: join(tmp, 'f'), train: false });
  assert.equal(f.classes[9], 'Ankle boot');
  truncateSync(join(fraw, 't10k-images-idx3-ubyte'), 16 + 784 * 10);
  assert.throws(() => new FashionMNIST({ root: join(tmp, 'f'), train: false }), (e: Error) => e.message.includes(join(fraw, 't10k-images-idx3-ubyte')) && /truncated/.test(e.message));
  assert.throws(() => new MNIST({ root: join(tmp, 'none') }), /dataset not found.*download: true/);
});

test('MNIST.create downloads the four files from a mirror with their md5s', async () => {
  const train = mnistFiles(50, 7);
  const testF = mnistFiles(10, 8);
  const files: Record<string, Buffer> = {
    'train-images-idx3-ubyte.gz': gzipSync(idx([50, 28, 28], train.images)),
    'train-labels-idx1-ubyte.gz': gzipSync(idx([50], train.labels)),
    't10k-images-idx3-ubyte.gz': gzipSync(idx([10, 28, 28], testF.images)),
    't10k-labels-idx1-ubyte.gz': gzipSync(idx([10], testF.labels)),
  };
  for (const [k, v] of Object.entries(files)) served.set(`/mnist/${k}`, v);
  const md5s = Object.fromEntries(Object.entries(files).map(([k, v]) => [k, md5(v)]));
  const root = join(tmp, 'mdl');
  await assert.rejects(MNIST.create({ root, download: true, mirrors: [`${base}/mnist/`], md5: { ...md5s, 't10k-labels-idx1-ubyte.gz': 'a'.repeat(32) }, progress: false }), /md5 mismatch/);
  assert.ok(!existsSync(join(root, 'MNIST', 'raw', 't10k-labels-idx1-ubyte.gz')));
  const ds = await MNIST.create({ root, download: true, mirrors: [`${base}/mnist/`], md5: md5s, progress: false });
  assert.equal(ds.length, 50);
  assert.ok(existsSync(join(root, 'MNIST', 'raw', 'train-images-idx3-ubyte')));
  assert.deepEqual(readdirSync(join(root, 'MNIST', 'raw')).filter((f) => f.includes('partial')), []);
});

test('CIFAR10 + train transforms + shuffling DataLoader give PyTorch\'s batches for the same seed (numWorkers 0 and 2)', async () => {
  const { runPython } = await import('./helpers/pytorch.js');
  const mean = [0.4914, 0.4822, 0.4465];
  const std = [0.2470, 0.2435, 0.2616];
  const ds = new CIFAR10({ root: join(tmp, 'c10'), train: false, transform: new T.Compose([
    new T.RandomCrop(32, { padding: 4 }), new T.RandomHorizontalFlip(), new T.ToTensor(), new T.Normalize(mean, std)]) });
  const run = (numWorkers: number): [torch.Tensor, torch.Tensor] => {
    torch.manualSeed(5);
    const loader = new torch.utils.data.DataLoader(ds, { batchSize: 8, shuffle: true, numWorkers });
    const xs: torch.Tensor[] = [];
    const ys: torch.Tensor[] = [];
    for (let epoch = 0; epoch < 2; epoch++) for (const [x, y] of loader) { xs.push(x); ys.push(y); }
    return [torch.cat(xs), torch.cat(ys)];
  };
  const [x0, y0] = run(0);
  const [x2, y2] = run(2);
  const py = runPython(String.raw`
import torchvision.transforms as TV
from torch.utils.data import DataLoader, Dataset
raw = np.fromfile(J['path'], dtype=np.uint8).reshape(-1, 3073)
imgs = torch.from_numpy(raw[:, 1:].copy()).reshape(-1, 3, 32, 32)
labels = raw[:, 0].tolist()
tf = TV.Compose([TV.RandomCrop(32, padding=4), TV.RandomHorizontalFlip(), TV.ConvertImageDtype(torch.float), TV.Normalize(J['mean'], J['std'])])
class DS(Dataset):
    def __len__(self): return len(labels)
    def __getitem__(self, i): return tf(imgs[i]), labels[i]
for w in (0, 2):
    torch.manual_seed(5)
    loader = DataLoader(DS(), batch_size=8, shuffle=True, num_workers=w)
    batches = [b for _ in range(2) for b in loader]
    OUT['x%d' % w] = torch.cat([b[0] for b in batches]); OUT['y%d' % w] = torch.cat([b[1] for b in batches])
`, { json: { path: join(cifarDir, 'test_batch.bin'), mean, std } });
  assert.ok(y0.equal(py.tensors.y0!), 'sample order (numWorkers 0)');
  assert.ok(x0.equal(py.tensors.x0!), 'augmented images (numWorkers 0)');
  assert.ok(y2.equal(py.tensors.y2!), 'sample order (numWorkers 2)');
  // The first epoch's order is the same; later epochs differ in PyTorch too, because with numWorkers 0 the
  // augmentations advance the default generator that the next epoch's shuffle seed is drawn from.
  assert.ok(y2.slice(0, 0, 50).equal(y0.slice(0, 0, 50)), 'the first epoch\'s order does not depend on numWorkers');
  assert.ok(x2.equal(py.tensors.x2!), 'augmented images (numWorkers 2): worker seeds as in PyTorch');
});
