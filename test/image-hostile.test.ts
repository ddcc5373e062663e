// Small hostile image files, one per class, decoded in a child process with Pillow's default decompression-bomb
// limit: each ends within seconds, under 1 GiB, in an ImageDecodeError of the right kind (a bomb, a truncated
// file, not an image). Then the limit itself: Pillow's warning above MAX_IMAGE_PIXELS and error above twice it,
// setMaxImagePixels and $TSTORCH_MAX_IMAGE_PIXELS (also in threads started later), and the paths that read
// images: openImage, decodeToImage, torchvision.io's readImage and decodeImage, ImageFolder (get and getAsync,
// and onError: 'skip').
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { deflateSync } from 'node:zlib';
import * as io from '../src/vision/io/index.js';
import { ImageFolder } from '../src/vision/datasets/folder.js';
import { runPython } from './helpers/pytorch.js';
import { makeBmp, pngChunk, withDeclaredSize } from './helpers/hostile-images.js';

const here = dirname(fileURLToPath(import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'tstorch-hostile-img-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

// real small files to start from, written by Pillow
const real = runPython(`
from PIL import Image
rng = np.random.RandomState(0)
im = Image.fromarray(rng.randint(0, 256, (16, 16, 3)).astype(np.uint8))
files = {}
for name, img, kw in [('a.jpg', im, {}), ('cmyk.jpg', im.convert('CMYK'), {}), ('a.png', im, {}), ('a.gif', im.convert('P'), {}),
                      ('a.webp', im, {'lossless': True}), ('a.tif', im, {}), ('a.bmp', im, {}), ('a.ppm', im, {})]:
    p = os.path.join(J, name); img.save(p, **kw); files[name] = p
OUT_J = files
`, { json: dir }).json as Record<string, string>;
const bytesOf = (name: string): Uint8Array => new Uint8Array(readFileSync(real[name]!));

interface Case { name: string; bytes: Uint8Array; expect: RegExp }
const BOMB = /DecompressionBombError/;
const BAD = /ImageDecodeError|TruncatedImageError|UnidentifiedImageError/;
const NOT_IMAGE = /UnidentifiedImageError/;
const cases: Case[] = [];
const bmpHeader = (o: { colors?: number; bits: number; height: number; width?: number }): Uint8Array =>
  makeBmp({ width: o.width ?? 1, height: o.height, bits: o.bits, colors: o.colors, pixels: new Uint8Array(4) }).slice(0, 58);
cases.push({ name: 'BMP of 58 bytes with 0xFFFFFFFF colours', bytes: bmpHeader({ colors: 0xffffffff, bits: 8, height: 1 }), expect: BAD });
cases.push({ name: 'BMP of 58 bytes with 2^31-1 colours', bytes: bmpHeader({ colors: 2 ** 31 - 1, bits: 8, height: 1 }), expect: BAD });
cases.push({ name: 'BMP of 54 bytes, 0 bits per pixel, height 2^30', bytes: bmpHeader({ bits: 0, height: 2 ** 30 }).slice(0, 54), expect: BAD });
cases.push({ name: 'BMP of 58 bytes, 24 bits, height 2^30', bytes: bmpHeader({ bits: 24, height: 2 ** 30 }), expect: BOMB });
cases.push({ name: 'BMP of 58 bytes, 65535 x 65535', bytes: bmpHeader({ bits: 8, height: 65535, width: 65535 }), expect: BOMB });
for (const [name, format] of [['a.jpg', 'jpeg'], ['cmyk.jpg', 'jpeg'], ['a.png', 'png'], ['a.gif', 'gif'], ['a.webp', 'webp'], ['a.tif', 'tiff'], ['a.ppm', 'ppm']] as const) {
  const side = format === 'gif' ? 65535 : format === 'webp' ? 16383 : 16000; // libwebp stops at 16383
  cases.push({ name: `${name} declaring ${side} x ${side}`, bytes: withDeclaredSize(format, bytesOf(name), side, side), expect: BOMB });
}
for (const name of Object.keys(real)) {
  const b = bytesOf(name);
  cases.push({ name: `${name} cut in half`, bytes: b.slice(0, b.length >> 1), expect: BAD });
  cases.push({ name: `${name} cut after 20 bytes`, bytes: b.slice(0, 20), expect: BAD });
}
cases.push({ name: 'random bytes', bytes: Uint8Array.from({ length: 3000 }, (_, i) => (i * 2654435761) >>> 24), expect: NOT_IMAGE });
cases.push({ name: 'a text file', bytes: new TextEncoder().encode('not an image\n'.repeat(40)), expect: NOT_IMAGE });
cases.push({ name: 'an empty file', bytes: new Uint8Array(0), expect: NOT_IMAGE });
cases.push({ name: 'an SVG (which Pillow does not open)', bytes: new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg" width="100000" height="100000"><image href="/etc/passwd"/></svg>'), expect: NOT_IMAGE });
cases.push({ name: 'PGM plain text of one sample for 200M pixels', bytes: new TextEncoder().encode('P2 20000 10000 255 7'), expect: BOMB });
for (const [i, c] of cases.entries()) writeFileSync(join(dir, `c${i}.img`), c.bytes);

interface ChildResult { path: string; ok: boolean; error?: string; errorName?: string; ms: number; rssMiB: number }
const list = join(dir, 'list.json');
writeFileSync(list, JSON.stringify(cases.map((_, i) => join(dir, `c${i}.img`))));
const out = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', join(here, 'helpers', 'hostile-child.ts'), 'decode', list],
  { encoding: 'utf8', timeout: 300_000, maxBuffer: 64 << 20, env: { ...process.env, TSTORCH_MAX_IMAGE_PIXELS: '' } });
const lines = out.trim().split('\n').map((l) => JSON.parse(l) as ChildResult & { done?: boolean; peakMiB?: number });

test('every hostile image ends within seconds and under 1 GiB, in an ImageDecodeError that names the problem', () => {
  const done = lines.find((l) => l.done);
  assert.ok(done !== undefined, 'the child finished');
  assert.ok(done.peakMiB! < 1024, `peak ${done.peakMiB} MiB`);
  const problems: string[] = [];
  cases.forEach((c, i) => {
    const r = lines[i]!;
    if (process.env.TSTORCH_HOSTILE_REPORT === '1') console.log(`${c.name.padEnd(52)} ${r.ms.toFixed(0).padStart(5)} ms ${r.rssMiB.toFixed(0).padStart(5)} MiB  ${r.ok ? 'DECODED' : `${r.errorName}: ${r.error?.replace(/^cannot decode image \S+: /, '').slice(0, 90)}`}`);
    if (r.ok) problems.push(`${c.name}: decoded`);
    else if (!c.expect.test(r.errorName ?? '')) problems.push(`${c.name}: ${r.errorName}: ${r.error}`);
    if (r.ms > 5000) problems.push(`${c.name}: ${r.ms.toFixed(0)} ms`);
  });
  assert.deepEqual(problems, []);
});

test("Pillow's limit: a warning above MAX_IMAGE_PIXELS, an error above twice it, configurable and off with null", async () => {
  assert.equal(io.getMaxImagePixels(), io.DEFAULT_MAX_IMAGE_PIXELS);
  assert.equal(io.DEFAULT_MAX_IMAGE_PIXELS, 89_478_485);
  const png = (w: number, h: number): Promise<Uint8Array> => io.encodeImage(io.createImage(w, h, 3), { format: 'png' });
  const warnings: string[] = [];
  const onWarning = (w: Error): void => { if (w.name === 'DecompressionBombWarning') warnings.push(w.message); };
  process.on('warning', onWarning);
  try {
    io.setMaxImagePixels(100 * 100);
    assert.equal(io.getMaxImagePixels(), 10_000);
    assert.equal(process.env.TSTORCH_MAX_IMAGE_PIXELS, '10000', 'threads started later see it');
    const ok = await io.decodeToImage(await png(100, 100));
    assert.equal(ok.width, 100);
    const warned = await io.decodeToImage(await png(150, 100), { name: 'big.png' }); // 15000 pixels: a warning
    assert.equal(warned.width, 150);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(warnings, ['Image size (15000 pixels) exceeds limit of 10000 pixels, could be decompression bomb DOS attack.']);
    await assert.rejects(io.decodeToImage(await png(201, 100), { name: 'huge.png' }),
      (e: Error) => e instanceof io.DecompressionBombError && e.reason === 'bomb' && /huge\.png.*20100 pixels\) exceeds limit of 20000 pixels/.test(e.message));
    // every decoder: the addon's JPEG, sharp synchronously, BMP and PPM in JavaScript
    const jpeg = await io.encodeImage(io.createImage(201, 100, 3), { format: 'jpeg' });
    assert.throws(() => io.decodeToImageSync(jpeg), io.DecompressionBombError);
    const bigPng = await png(201, 100);
    assert.throws(() => io.decodeToImageSync(bigPng), io.DecompressionBombError);
    assert.throws(() => io.decodeToImageSync(makeBmp({ width: 201, height: 100, bits: 24, pixels: new Uint8Array(201 * 3 * 100 + 100) })), io.DecompressionBombError);
    assert.throws(() => io.decodeToImageSync(new TextEncoder().encode('P5 201 100 255\n' + 'x'.repeat(20100))), io.DecompressionBombError);
    io.setMaxImagePixels(null);
    assert.equal(io.getMaxImagePixels(), null);
    assert.equal((await io.decodeToImage(await png(201, 100))).width, 201);
    assert.throws(() => io.setMaxImagePixels(-5), /positive integer/);
    assert.throws(() => io.setMaxImagePixels(1.5), /positive integer/);
    // a thread started now inherits the setting
    io.setMaxImagePixels(12345);
    const seen = await new Promise<string>((resolve, reject) => {
      const w = new Worker("require('node:worker_threads').parentPort.postMessage(process.env.TSTORCH_MAX_IMAGE_PIXELS)", { eval: true });
      w.once('message', (m: string) => { resolve(m); void w.terminate(); });
      w.once('error', reject);
    });
    assert.equal(seen, '12345');
  } finally {
    process.off('warning', onWarning);
    io.setMaxImagePixels(io.DEFAULT_MAX_IMAGE_PIXELS);
  }
  // the environment variable, in a fresh process; a bad value is an error that names it
  const script = "import('./src/vision/io/limits.ts').then((m) => console.log(String(m.getMaxImagePixels())))";
  const run = (v: string): string => execFileSync(process.execPath, ['--import', 'tsx', '-e', script], { encoding: 'utf8', env: { ...process.env, TSTORCH_MAX_IMAGE_PIXELS: v }, stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  assert.equal(run('1000'), '1000');
  assert.equal(run('none'), 'null');
  assert.throws(() => run('lots'), /TSTORCH_MAX_IMAGE_PIXELS must be a positive integer/);
});

test('openImage, readImage, decodeImage, ImageFolder (get, getAsync, onError skip) name the file and the problem', async () => {
  const root = join(dir, 'folder');
  mkdirSync(join(root, 'a'), { recursive: true });
  writeFileSync(join(root, 'a', '1-good.png'), bytesOf('a.png'));
  writeFileSync(join(root, 'a', '2-bomb.bmp'), cases[3]!.bytes);
  writeFileSync(join(root, 'a', '3-good.jpg'), bytesOf('a.jpg'));
  const bomb = join(root, 'a', '2-bomb.bmp');
  await assert.rejects(io.openImage(bomb), (e: Error) => e instanceof io.DecompressionBombError && e.message.includes(bomb));
  assert.throws(() => io.openImageSync(bomb), (e: Error) => e instanceof io.DecompressionBombError && e.message.includes(bomb));
  // torchvision.io's tensor functions go through the same guard
  assert.throws(() => io.readImage(bomb), (e: Error) => e instanceof io.DecompressionBombError && e.message.includes(bomb));
  await assert.rejects(io.readImageAsync(bomb), (e: Error) => e instanceof io.DecompressionBombError);
  assert.throws(() => io.decodeImage(io.readFile(bomb)), io.DecompressionBombError);
  const strict = new ImageFolder({ root });
  assert.throws(() => strict.get(1), (e: Error) => e instanceof io.DecompressionBombError && e.message.includes(bomb));
  await assert.rejects(strict.getAsync(1), (e: Error) => e.message.includes(bomb));
  const warnings: string[] = [];
  const onWarning = (w: Error): void => { warnings.push(w.message); };
  process.on('warning', onWarning);
  try {
    const lenient = new ImageFolder({ root, onError: 'skip' });
    const [img] = lenient.get(1) as [io.RGBImage, number];
    assert.equal(img.width, 16, 'the next good file stands in');
    assert.deepEqual([...lenient.skipped.keys()], [bomb]);
    await new Promise((r) => setImmediate(r));
    assert.ok(warnings.some((w) => w.includes(bomb) && /decompression bomb/.test(w)), warnings.join('\n'));
  } finally {
    process.off('warning', onWarning);
  }
});

test("the PNG mask decoder (VOC's class masks) has the same guards: bomb, inflation capped at the header's size, truncation", () => {
  const png = (width: number, height: number, idat: Uint8Array): Uint8Array => {
    const ihdr = new Uint8Array(13);
    const dv = new DataView(ihdr.buffer);
    dv.setUint32(0, width); dv.setUint32(4, height);
    ihdr.set([8, 3, 0, 0, 0], 8); // 8-bit palette, not interlaced
    const parts = [Uint8Array.from([137, 80, 78, 71, 13, 10, 26, 10]), pngChunk('IHDR', ihdr), pngChunk('PLTE', new Uint8Array(3 * 256)), pngChunk('IDAT', idat), pngChunk('IEND', new Uint8Array(0))];
    return Buffer.concat(parts);
  };
  // a valid 4 x 2 mask of class ids
  const rows = Uint8Array.from([0, 1, 2, 3, 4, 0, 5, 6, 7, 8]); // each row: filter 0, then 4 indices
  const ok = io.decodePaletteImage(png(4, 2, deflateSync(rows)), 'ok.png');
  assert.deepEqual([...ok.data], [1, 2, 3, 4, 5, 6, 7, 8]);
  assert.equal(ok.mode, 'P');
  // 16000 x 16000 declared in a file of a few hundred bytes: refused before anything is inflated
  assert.throws(() => io.decodePaletteImage(png(16000, 16000, deflateSync(rows)), 'bomb.png'),
    (e: Error) => e instanceof io.DecompressionBombError && /256000000 pixels/.test(e.message));
  // a deflate bomb: 64 x 64 declared, 32 MiB of zeros in a 32 KiB stream; inflation stops at the declared size
  const zbomb = png(64, 64, deflateSync(new Uint8Array(32 << 20), { level: 9 }));
  const rss0 = process.memoryUsage().rss;
  const t0 = performance.now();
  assert.throws(() => io.decodePaletteImage(zbomb, 'zbomb.png'),
    (e: Error) => e instanceof io.ImageDecodeError && /inflates to more than the 4160 bytes/.test(e.message));
  assert.ok(performance.now() - t0 < 5000);
  assert.ok(process.memoryUsage().rss - rss0 < 16 << 20, "no 32 MiB buffer");
  // too little data, a cut file, not a PNG at all
  assert.throws(() => io.decodePaletteImage(png(4, 3, deflateSync(rows)), 'short.png'), io.TruncatedImageError);
  const whole = png(4, 2, deflateSync(rows));
  assert.throws(() => io.decodePaletteImage(whole.subarray(0, 40), 'cut.png'), io.TruncatedImageError);
  assert.throws(() => io.decodePaletteImage(new TextEncoder().encode('not a png'), 'text.png'), io.UnidentifiedImageError);
});
