// Fuzzing the checkpoint loader and every image decoder with mutations of real files, in a child process: no
// signal (abort, segfault), no hang, bounded memory (the child's peak resident set), and only the errors that say
// what is wrong (SerializationError, ImageDecodeError). Checkpoints are also compared with PyTorch: whatever
// tstorch loads, torch.load loads to the same thing. A bounded number of cases runs in CI; TSTORCH_HEAVY_TESTS=1
// runs many more, and TSTORCH_FUZZ_SEED picks other mutations.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as torch from '../src/index.js';
import { runPython } from './helpers/pytorch.js';
import { PY_ORACLE } from './helpers/load-oracle.js';
import { mutate, mutatePngStructure, rng } from './helpers/hostile-images.js';
import { checkpointZip } from './helpers/hostile-checkpoints.js';
import { ZipReader } from '../src/serialization/zip.js';
import { MemorySource } from '../src/serialization/byte-source.js';

const here = dirname(fileURLToPath(import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'tstorch-fuzz-'));
// TSTORCH_FUZZ_KEEP=1 keeps the files for a look at a failure
test.after(() => { if (process.env.TSTORCH_FUZZ_KEEP !== '1') rmSync(dir, { recursive: true, force: true }); });
const HEAVY = process.env.TSTORCH_HEAVY_TESTS === '1';
const SEED = Number(process.env.TSTORCH_FUZZ_SEED ?? 1);
const MAX_MS = 10_000;
const MAX_PEAK_MIB = 1024;

interface ChildLine { path: string; ok: boolean; canon?: string; error?: string; errorName?: string; ms: number; rssMiB: number; same?: boolean }

/**
 * Runs the child on the files; fails the test on a signal, a timeout, a missing result or a peak over 1 GiB. Images
 * are decoded under a decompression-bomb limit of 4096 x 4096 pixels, so that the peak shows whether any file gets
 * past the guard (the default limit's own cost is measured file by file in image-hostile.test.ts).
 */
function runChild(mode: 'load' | 'decode' | 'mask', paths: string[], timeoutMs: number): ChildLine[] {
  const list = join(dir, `${mode}-list.json`);
  writeFileSync(list, JSON.stringify(paths));
  const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', join(here, 'helpers', 'hostile-child.ts'), mode, list],
    { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 256 << 20, env: { ...process.env, TSTORCH_MAX_IMAGE_PIXELS: String(4096 * 4096) } });
  const lines = (r.stdout ?? '').trim().split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as ChildLine & { done?: boolean; peakMiB?: number });
  const results = lines.filter((l) => !l.done);
  const last = results.at(-1)?.path;
  const next = paths[results.length];
  assert.equal(r.signal, null, `the child died with ${r.signal} (${r.error?.message ?? ''}) on ${next} after ${last}; stderr: ${r.stderr?.slice(-2000)}`);
  assert.equal(r.status, 0, `the child exited with ${r.status} on ${next}; stderr: ${r.stderr?.slice(-2000)}`);
  const done = lines.find((l) => l.done);
  assert.ok(done !== undefined && results.length === paths.length, `${results.length} of ${paths.length} results`);
  const over = results.find((l) => l.rssMiB >= MAX_PEAK_MIB);
  assert.ok(done.peakMiB! < MAX_PEAK_MIB, `peak resident memory ${done.peakMiB!.toFixed(0)} MiB, first over ${MAX_PEAK_MIB} MiB with ${over?.path} (${over?.ms.toFixed(0)} ms, ${over?.errorName ?? 'decoded'}: ${over?.error ?? ''})`);
  return results;
}

// ---------------------------------------------------------------------------------------------------- checkpoints
// Seeds: a state dict PyTorch wrote, a training checkpoint tstorch wrote, and a legacy-format file.
const seeds = runPython(`
from torch import nn
torch.manual_seed(0)
m = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.Linear(2, 2))
torch.save(m.state_dict(), J + '/py_sd.pt')
torch.save({'epoch': 3, 'acc': 0.5, 'names': ['a', 'b'], 'shape': (2, 3), 'w': torch.arange(6.).reshape(2, 3).t()}, J + '/py_mixed.pt')
`, { json: dir });
void seeds;
{
  torch.manualSeed(0);
  const net = new torch.nn.Sequential(new torch.nn.Linear(3, 2), new torch.nn.ReLU(), new torch.nn.Linear(2, 1));
  const opt = new torch.optim.Adam(net.parameters(), { lr: 1e-3 });
  net.call(torch.randn(4, 3)).sum().backward();
  opt.step();
  torch.save({ model: net.stateDict(), optimizer: opt.stateDict(), epoch: 1 }, join(dir, 'ts_ckpt.pt'));
  torch.save(net.stateDict(), join(dir, 'ts_legacy.pt'), { useNewZipfileSerialization: false });
}
const ckSeeds = ['py_sd.pt', 'py_mixed.pt', 'ts_ckpt.pt', 'ts_legacy.pt'].map((n) => ({ name: n, bytes: new Uint8Array(readFileSync(join(dir, n))) }));

/** A zip checkpoint with its data.pkl mutated and the archive rebuilt (valid CRCs), so the mutation reaches the unpickler. */
function mutatePickle(file: Uint8Array, r: () => number): Uint8Array {
  const zip = new ZipReader(new MemorySource(file));
  const names = [...zip.entries.keys()];
  const pkl = names.find((n) => n.endsWith('/data.pkl'))!;
  const storages: Record<string, Uint8Array> = {};
  for (const n of names) {
    const m = /\/data\/(.+)$/.exec(n);
    if (m) storages[m[1]!] = zip.read(n);
  }
  return checkpointZip(mutate(zip.read(pkl), r, r() < 0.7 ? 1 : 3), storages);
}

const CK_COUNT = HEAVY ? 4000 : 240;
const ckFiles: string[] = [];
{
  const r = rng(SEED);
  for (let i = 0; i < CK_COUNT; i++) {
    const s = ckSeeds[i % ckSeeds.length]!;
    const isZip = s.bytes[0] === 0x50;
    // most mutations go to the pickle (re-zipped with valid CRCs), one edit at a time, so that many files still load
    const bytes = isZip && r() < 0.6 ? mutatePickle(s.bytes, r) : mutate(s.bytes, r, r() < 0.7 ? 1 : 4);
    const p = join(dir, `ck${i}-${s.name}`);
    writeFileSync(p, bytes);
    ckFiles.push(p);
  }
}

test(`checkpoint loader: ${CK_COUNT} mutated checkpoints, no crash, hang or memory growth, and nothing loaded that PyTorch loads differently`, () => {
  const ours = runChild('load', ckFiles, HEAVY ? 1_800_000 : 300_000);
  const bad = ours.filter((o) => o.ms > MAX_MS || (!o.ok && o.errorName !== 'SerializationError'));
  assert.deepEqual(bad.map((o) => `${o.path}: ${o.ms.toFixed(0)} ms ${o.errorName}: ${o.error}`), []);
  const loaded = ours.filter((o) => o.ok);
  const py = runPython(PY_ORACLE + `
OUT_J = {p: oracle(p) for p in J}
`, { json: loaded.map((o) => o.path) }, { timeoutMs: HEAVY ? 1_800_000 : 300_000 }).json as Record<string, { canon?: string; error?: string }>;
  const differ = loaded.filter((o) => py[o.path]!.canon !== o.canon)
    .map((o) => `${o.path}: ${py[o.path]!.error !== undefined ? `PyTorch refuses it: ${py[o.path]!.error}` : 'PyTorch loads something else'}`);
  assert.deepEqual(differ, []);
  // the mutations reach both outcomes
  assert.ok(loaded.length > CK_COUNT / 20 && loaded.length < CK_COUNT, `${loaded.length} of ${CK_COUNT} loaded`);
  if (process.env.TSTORCH_HOSTILE_REPORT === '1') {
    const slowest = Math.max(...ours.map((o) => o.ms));
    console.log(`checkpoints: ${CK_COUNT} files, ${loaded.length} loaded (all equal to PyTorch's), slowest ${slowest.toFixed(0)} ms`);
  }
});

// ---------------------------------------------------------------------------------------------------------- images
const imgSeeds = runPython(`
from PIL import Image
rng = np.random.RandomState(0)
a = rng.randint(0, 256, (21, 27, 3)).astype(np.uint8)
a[..., 0] = np.arange(27)[None, :] * 9
im = Image.fromarray(a)
files = {}
def save(name, img, **kw):
    p = os.path.join(J, name); img.save(p, **kw); files[name] = p
save('seed.jpg', im, quality=90)
save('seed-progressive.jpg', im, quality=90, progressive=True)
save('seed-grey.jpg', im.convert('L'))
save('seed.png', im)
save('seed-palette.png', im.convert('P', palette=Image.ADAPTIVE, colors=16))
save('seed-rgba.png', im.convert('RGBA'))
save('seed.bmp', im)
save('seed-palette.bmp', im.convert('P', palette=Image.ADAPTIVE, colors=16))
save('seed.ppm', im)
save('seed.pgm', im.convert('L'))
save('seed.webp', im, quality=80)
save('seed.gif', im.convert('P', palette=Image.ADAPTIVE))
save('seed.tif', im)
OUT_J = files
`, { json: dir }).json as Record<string, string>;

const IMG_PER_SEED = HEAVY ? 400 : 30;
const imgFiles: string[] = [];
{
  const r = rng(SEED + 100);
  for (const [name, path] of Object.entries(imgSeeds)) {
    const bytes = new Uint8Array(readFileSync(path));
    for (let i = 0; i < IMG_PER_SEED; i++) {
      const p = join(dir, `m${i}-${name}`);
      writeFileSync(p, mutate(bytes, r));
      imgFiles.push(p);
    }
  }
}

test(`image decoders: ${IMG_PER_SEED} mutations of each of ${Object.keys(imgSeeds).length} files (JPEG, PNG, BMP, PPM/PGM, WebP, GIF, TIFF), no crash, hang or memory growth`, () => {
  const ours = runChild('decode', imgFiles, HEAVY ? 3_600_000 : 300_000);
  const bad = ours.filter((o) => o.ms > MAX_MS || (!o.ok && !/ImageDecodeError|DecompressionBombError|TruncatedImageError|UnidentifiedImageError/.test(o.errorName ?? '')) || o.same === false);
  assert.deepEqual(bad.map((o) => `${o.path}: ${o.ms.toFixed(0)} ms ${o.errorName}: ${o.error}${o.same === false ? ' (sync and async decode differ)' : ''}`), []);
  const decoded = ours.filter((o) => o.ok).length;
  assert.ok(decoded > 0 && decoded < ours.length, `${decoded} of ${ours.length} decoded`);
  if (process.env.TSTORCH_HOSTILE_REPORT === '1') {
    const slowest = Math.max(...ours.map((o) => o.ms));
    console.log(`images: ${ours.length} files, ${decoded} decoded, slowest ${slowest.toFixed(0)} ms, peak ${Math.max(...ours.map((o) => o.rssMiB)).toFixed(0)} MiB`);
  }
});

// ------------------------------------------------------------------------------- PNG class masks (VOC segmentation)
const maskSeeds = runPython(`
from PIL import Image
rng = np.random.RandomState(1)
a = rng.randint(0, 256, (19, 23)).astype(np.uint8)
files = {}
def save(name, img):
    p = os.path.join(J, name); img.save(p); files[name] = p
save('mask-p8.png', Image.fromarray(a % 21, 'L').convert('P'))
p4 = Image.fromarray(a % 16, 'P'); p4.putpalette(list(range(48))); save('mask-p4.png', p4)
save('mask-l8.png', Image.fromarray(a, 'L'))
save('mask-1.png', Image.fromarray(a > 127).convert('1'))
OUT_J = files
`, { json: dir }).json as Record<string, string>;
const maskFiles: string[] = [];
{
  const r = rng(SEED + 200);
  for (const [name, path] of Object.entries(maskSeeds)) {
    const bytes = new Uint8Array(readFileSync(path));
    maskFiles.push(path);
    for (let i = 0; i < IMG_PER_SEED; i++) {
      // half byte-level (mostly refused by checksums, as Pillow does), half well-formed outside, odd inside
      const p = join(dir, `m${i}-${name}`);
      writeFileSync(p, i % 2 === 0 ? mutate(bytes, r) : mutatePngStructure(bytes, r));
      maskFiles.push(p);
    }
  }
}

test(`PNG mask decoder: ${IMG_PER_SEED} mutations of each of ${Object.keys(maskSeeds).length} masks ('P' 8 and 4 bits, 'L', '1'), no crash, hang or memory growth, and what decodes equals Pillow`, () => {
  const ours = runChild('mask', maskFiles, HEAVY ? 1_800_000 : 300_000);
  const bad = ours.filter((o) => o.ms > MAX_MS || (!o.ok && !/ImageDecodeError|DecompressionBombError|TruncatedImageError|UnidentifiedImageError/.test(o.errorName ?? '')));
  assert.deepEqual(bad.map((o) => `${o.path}: ${o.ms.toFixed(0)} ms ${o.errorName}: ${o.error}`), []);
  const decoded = ours.filter((o) => o.ok);
  // Pillow on the files decoded here: the stored values of a 'P' image, the grey levels of 'L' and '1'
  const pil = runPython(`
import hashlib
from PIL import Image
out = {}
for p in J:
    try:
        im = Image.open(p); im.load()
        a = np.ascontiguousarray(np.array(im if im.mode in ('P', 'L') else im.convert('L')))
        out[p] = {'canon': '%dx%d:%s' % (im.width, im.height, hashlib.sha1(a.tobytes()).hexdigest()), 'mode': im.mode}
    except Exception as e:
        out[p] = {'error': type(e).__name__ + ': ' + str(e)[:200]}
OUT_J = out
`, { json: decoded.map((o) => o.path) }).json as Record<string, { canon?: string; mode?: string; error?: string }>;
  const differ = decoded.filter((o) => pil[o.path]!.canon !== undefined && pil[o.path]!.canon !== o.canon);
  assert.deepEqual(differ.map((o) => `${o.path}: ${o.canon} vs Pillow's ${pil[o.path]!.canon}`), []);
  for (const seed of Object.values(maskSeeds)) assert.equal(ours.find((o) => o.path === seed)?.canon, pil[seed]?.canon, seed);
  const refused = decoded.filter((o) => pil[o.path]!.error !== undefined);
  if (process.env.TSTORCH_HOSTILE_REPORT === '1') {
    console.log(`masks: ${ours.length} files, ${decoded.length} decoded (${decoded.length - refused.length} equal to Pillow's, ${refused.length} that Pillow refuses), slowest ${Math.max(...ours.map((o) => o.ms)).toFixed(0)} ms`);
    for (const o of refused) console.log(`  Pillow refuses ${o.path}: ${pil[o.path]!.error}`);
  }
});
