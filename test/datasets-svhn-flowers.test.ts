// The MAT-file reader against scipy.io.loadmat (files scipy writes, compressed or not, and hand-made ones in
// MATLAB's own storage tricks: big-endian, a double array stored as uint8, small data elements), and SVHN and
// Flowers102 against torchvision 0.14 on small data sets made here in their layouts; SVHN's file downloaded from
// a local server with its md5 checked.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as torch from '../src/index.js';
import * as datasets from '../src/vision/datasets/index.js';
import { runPython } from './helpers/pytorch.js';

const root = mkdtempSync(join(tmpdir(), 'tstorch-svhn-flowers-'));
const served = new Map<string, Buffer>();
let base = '';
const server: Server = createServer((req, res) => {
  const body = served.get(req.url ?? '');
  if (!body) { res.writeHead(404); res.end(); return; }
  res.writeHead(200, { 'content-length': body.length });
  res.end(body);
});
before(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
after(() => { server.close(); rmSync(root, { recursive: true, force: true }); });

const ref = runPython(`
import struct, scipy.io as sio
from PIL import Image
from torchvision.datasets import SVHN, Flowers102
R = J
rng = np.random.RandomState(3)
res = {'mat': {}}
# --- MAT files: scipy-written, and hand-made
sio.savemat(R + '/plain.mat', {'a': np.arange(24, dtype=np.float32).reshape(2, 3, 4) / 7, 'b': np.array([[-3, 5, 70000]], dtype=np.int32),
                               'c': np.array([[2**40, -5]], dtype=np.int64), 'd': (rng.rand(3, 2) > 0.5), 'e': np.zeros((0, 3)),
                               's': {'x': 1}, 'txt': 'hello', 'z': np.array([1 + 2j])})
sio.savemat(R + '/zipped.mat', {'u16': rng.randint(0, 65535, (5, 7)).astype(np.uint16), 'f': rng.randn(4, 1)}, do_compression=True)
def tag(t, n, big):
    return struct.pack('>II' if big else '<II', t, n)
def el(t, payload, big):
    pad = (-len(payload)) % 8
    if len(payload) <= 4 and len(payload) > 0:
        return struct.pack('>HH' if big else '<HH', len(payload), t) + payload + b'\\0' * (4 - len(payload)) if big else struct.pack('<HH', t, len(payload)) + payload + b'\\0' * (4 - len(payload))
    return tag(t, len(payload), big) + payload + b'\\0' * pad
def handmade(path, big):
    e = '>' if big else '<'
    hdr = b'MATLAB 5.0 MAT-file, handmade'.ljust(116, b' ') + b'\\0' * 8 + struct.pack(e + 'H', 0x0100) + (b'MI' if big else b'IM')
    def matrix(name, mx, dims, mi, fmt, vals):
        body = el(6, struct.pack(e + 'II', mx, 0), big) + el(5, struct.pack(e + '%di' % len(dims), *dims), big) + el(1, name, big) + el(mi, struct.pack(e + str(len(vals)) + fmt, *vals), big)
        return tag(14, len(body), big) + body
    # a double 2x3 stored as uint8; a uint16 1x2 in a small element; a single 1x1 stored as int16 (small)
    out = hdr + matrix(b'dbl', 6, (2, 3), 2, 'B', [1, 2, 3, 250, 5, 6]) + matrix(b'w', 11, (1, 2), 4, 'H', [513, 7]) + matrix(b'sg', 7, (1, 1), 3, 'h', [-9])
    open(path, 'wb').write(out)
handmade(R + '/hand-le.mat', False)
# structs, cells, chars (a devkit-like struct array of numbers and strings, nested)
syn = np.zeros((1, 3), dtype=[('ID', 'O'), ('WNID', 'O'), ('words', 'O'), ('children', 'O')])
for i, (w, words, ch) in enumerate((('n01', 'tench, Tinca tinca', np.zeros((1, 0))), ('n02', 'goldfish', np.array([[1, 2]], dtype=np.uint8)), ('n03', '', np.array([[3.5]])))):
    syn[0, i] = (i + 1, w, words, ch)
cell = np.empty((2, 1), dtype=object); cell[0, 0] = 'caf\u00e9'; cell[1, 0] = np.array([[1, 2, 3]], dtype=np.int16)
sio.savemat(R + '/nested.mat', {'synsets': syn, 'cellv': cell, 'rows': np.array(['ab', 'cd']), 'txt': 'hello'}, do_compression=True)
sio.savemat(R + '/nested-v6.mat', {'synsets': syn, 'cellv': cell, 'rows': np.array(['ab', 'cd']), 'txt': 'hello'})
def conv(v):
    if isinstance(v, str):
        return {'char': [v]}
    if v.dtype.names:
        flat = v.flatten(order='F')
        return {'struct': list(v.shape), 'fields': list(v.dtype.names), 'elements': [{f: conv(e[f]) for f in v.dtype.names} for e in flat]}
    if v.dtype.kind == 'O':
        return {'cell': list(v.shape), 'cells': [conv(e) for e in v.flatten(order='F')]}
    if v.dtype.kind == 'U':
        return {'char': [str(x) for x in v.flatten().tolist()] if v.size else []}
    return {'num': list(v.shape), 'values': [str(x) for x in v.flatten(order='F').tolist()]}
res['nested'] = {f: {k: conv(v) for k, v in sio.loadmat(f'{R}/{f}.mat').items() if not k.startswith('__')} for f in ('nested', 'nested-v6')}
handmade(R + '/hand-be.mat', True)
for f in ('plain', 'zipped', 'hand-le', 'hand-be'):
    m = sio.loadmat(f'{R}/{f}.mat')
    mt = sio.loadmat(f'{R}/{f}.mat', mat_dtype=True)
    res['mat'][f] = {k: {'dtype': v.dtype.name, 'class': mt[k].dtype.name, 'shape': list(v.shape), 'values': [str(x) for x in v.flatten(order='F').tolist()]}
                     for k, v in m.items() if not k.startswith('__') and v.dtype.kind in 'iufb'}
# --- SVHN: train uncompressed, test compressed
for split, n, comp in (('train', 5, False), ('test', 3, True)):
    y = rng.randint(1, 11, (n, 1)).astype(np.float64); y[0] = 10
    sio.savemat(f'{R}/svhn/{split}_32x32.mat' if os.makedirs(R + '/svhn', exist_ok=True) is None else '', {'X': rng.randint(0, 256, (32, 32, 3, n)).astype(np.uint8), 'y': y}, do_compression=comp)
SVHN._check_integrity = lambda self: True
for split in ('train', 'test'):
    ds = SVHN(R + '/svhn', split=split)
    OUT['svhn_' + split] = torch.stack([torch.from_numpy(np.array(ds[i][0])) for i in range(len(ds))])
    res['svhn_' + split] = [ds[i][1] for i in range(len(ds))]
# --- Flowers102: uint8 labels (compressed), uint16 split ids and a struct beside them
fb = R + '/flowers/flowers-102'
os.makedirs(fb + '/jpg')
for i in range(1, 8):
    Image.fromarray(rng.randint(0, 256, (12, 10 + i, 3)).astype(np.uint8)).save(f'{fb}/jpg/image_{i:05d}.jpg', quality=90)
Image.fromarray(rng.randint(0, 256, (9, 9)).astype(np.uint8)).save(f'{fb}/jpg/image_00007.jpg', quality=90)   # grey: converted to RGB
sio.savemat(fb + '/imagelabels.mat', {'labels': np.array([[5, 102, 1, 7, 5, 33, 2]], dtype=np.uint8)}, do_compression=True)
sio.savemat(fb + '/setid.mat', {'trnid': np.array([[3, 1, 7]], dtype=np.uint16), 'valid': np.array([[2, 5]], dtype=np.uint16), 'tstid': np.array([[6, 4]], dtype=np.uint16), 'info': {'v': 1}})
Flowers102._check_integrity = lambda self: True
for split in ('train', 'val', 'test'):
    ds = Flowers102(R + '/flowers', split=split)
    for i in range(len(ds)):
        OUT[f'fl_{split}_{i}'] = torch.from_numpy(np.array(ds[i][0]))
    res['fl_' + split] = [int(ds[i][1]) for i in range(len(ds))]
OUT_J = res
`, { json: root });

const str = (v: number | bigint): string => String(v);

test('readMat gives scipy.io.loadmat\'s numeric variables (classes, shapes, column-major values) for written and hand-made files', () => {
  const np: Record<string, string> = { double: 'float64', single: 'float32', int8: 'int8', uint8: 'uint8', int16: 'int16', uint16: 'uint16', int32: 'int32', uint32: 'uint32', int64: 'int64', uint64: 'uint64' };
  for (const [f, want] of Object.entries(ref.json.mat as Record<string, Record<string, { dtype: string; class: string; shape: number[]; values: string[] }>>)) {
    const mat = datasets.readMat(join(root, `${f}.mat`));
    assert.deepEqual([...mat.variables].filter(([, v]) => v.kind === 'numeric').map(([k]) => k).sort(), Object.keys(want).sort(), `${f} variables`);
    for (const [k, w] of Object.entries(want)) {
      const v = mat.get(k);
      assert.equal(np[v.stored], w.dtype, `${f}:${k} stored dtype`);
      assert.equal(v.logical ? 'bool' : np[v.class], w.class, `${f}:${k} class (mat_dtype=True gives logical arrays as bool)`);
      assert.deepEqual(v.dims, w.shape, `${f}:${k} shape`);
      const vals = Array.from(v.data as ArrayLike<number | bigint>, (x) => (v.stored === 'single' || v.stored === 'double' ? x : str(x)));
      if (v.stored === 'single' || v.stored === 'double') {
        // Python's repr of a float64 (float32 values widened) is the shortest round-trip string, as JS's
        assert.deepEqual(vals.map((x) => String(x)).map((s) => (s.includes('.') || s.includes('e') || s.includes('N') ? s : `${s}.0`)), w.values, `${f}:${k} values`);
      } else {
        assert.deepEqual(vals, w.values, `${f}:${k} values`);
      }
    }
  }
  const plain = datasets.readMat(join(root, 'plain.mat'));
  assert.throws(() => plain.get('s'), /'s' is a struct array, not a numeric one/);
  assert.deepEqual(plain.value('txt'), { kind: 'char', name: 'txt', dims: [1, 5], strings: ['hello'] });
  assert.throws(() => plain.get('z'), /'z' is complex/);
  assert.throws(() => plain.get('nope'), /no variable 'nope' \(it holds /);
  const bytes = readFileSync(join(root, 'zipped.mat'));
  assert.throws(() => datasets.parseMat(bytes.subarray(0, bytes.length - 9), 'cut.mat'), /cut\.mat: truncated/);
  const v73 = Buffer.from(bytes); v73.writeUInt16LE(0x0200, 124);
  assert.throws(() => datasets.parseMat(v73, 'x.mat'), /-v7\.3 \(HDF5\)/);
  assert.throws(() => datasets.parseMat(Buffer.alloc(200), 'y.mat'), /not a level 5 MAT-file/);
});

// loadmat's view (structs as record arrays, cells as object arrays, char rows as strings) of a MatValue
function conv(v: datasets.MatValue): unknown {
  switch (v.kind) {
    case 'char': return { char: v.strings };
    case 'struct': return { struct: v.dims, fields: v.fields, elements: v.elements.map((e) => Object.fromEntries(v.fields.map((f) => [f, conv(e[f]!)]))) };
    case 'cell': return { cell: v.dims, cells: v.cells.map(conv) };
    default: return { num: v.dims, values: Array.from(v.data as ArrayLike<number | bigint>, (x) => (v.stored === 'double' || v.stored === 'single' ? (Number.isInteger(x) ? `${x}.0` : String(x)) : String(x))) };
  }
}

test('readMat reads structs, cells and char arrays (nested, compressed or not) as loadmat does', () => {
  for (const f of ['nested', 'nested-v6']) {
    const mat = datasets.readMat(join(root, `${f}.mat`));
    const got = Object.fromEntries([...mat.variables].map(([k, v]) => [k, conv(v)]));
    assert.deepEqual(got, ref.json.nested[f], f);
  }
});

test('SVHN reads both files (plain and compressed) as torchvision does: images, labels with 10 made 0', async () => {
  for (const split of ['train', 'test'] as const) {
    const ds = new datasets.SVHN({ root: join(root, 'svhn'), split });
    assert.deepEqual(Array.from({ length: ds.length }, (_, i) => ds.get(i)[1]), ref.json[`svhn_${split}`]);
    const imgs = torch.stack(Array.from({ length: ds.length }, (_, i) => torch.fromBytes(ds.get(i)[0].data, [32, 32, 3], 'uint8')));
    assert.ok(imgs.eq(ref.tensors[`svhn_${split}`]!).all().item(), `${split} images`);
  }
  assert.throws(() => new datasets.SVHN({ root: join(root, 'svhn'), split: 'extra' }), /dataset not found.*extra_32x32\.mat.*download: true/);
  assert.throws(() => new datasets.SVHN({ root, split: 'val' as never }), /Valid values are/);
  const file = readFileSync(join(root, 'svhn', 'test_32x32.mat'));
  served.set('/m/test_32x32.mat', file);
  const md5 = createHash('md5').update(file).digest('hex');
  await assert.rejects(datasets.SVHN.create({ root: join(root, 'dl'), split: 'test', download: true, mirrors: [`${base}/m/`], md5: '2'.repeat(32), progress: false }), /md5 mismatch/);
  const dl = await datasets.SVHN.create({ root: join(root, 'dl'), split: 'test', download: true, mirrors: [`${base}/m/`], md5, progress: false });
  assert.deepEqual(Array.from({ length: dl.length }, (_, i) => dl.get(i)[1]), ref.json.svhn_test);
  writeFileSync(join(root, 'dl', 'train_32x32.mat'), file.subarray(0, 300));
  assert.throws(() => new datasets.SVHN({ root: join(root, 'dl') }), /train_32x32\.mat: (truncated|a compressed variable)/);
});

test('Flowers102 takes the split ids and labels from the MAT-files as torchvision does (RGB images, 0-based labels)', () => {
  for (const split of ['train', 'val', 'test'] as const) {
    const ds = new datasets.Flowers102({ root: join(root, 'flowers'), split });
    assert.deepEqual(Array.from({ length: ds.length }, (_, i) => ds.get(i)[1]), ref.json[`fl_${split}`], split);
    for (let i = 0; i < ds.length; i++) {
      const img = ds.get(i)[0];
      assert.equal(img.channels, 3);
      assert.ok(torch.fromBytes(img.data, [img.height, img.width, 3], 'uint8').eq(ref.tensors[`fl_${split}_${i}`]!).all().item(), `${split} image ${i}`);
    }
  }
  assert.throws(() => new datasets.Flowers102({ root }), /dataset not found.*download: true/);
});
