// Image decoding and encoding against PIL (what torchvision's ImageFolder loads) and torchvision.io.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as torch from '../src/index.js';
import * as io from '../src/vision/io/index.js';
import { runPython } from './helpers/pytorch.js';

const dir = mkdtempSync(join(tmpdir(), 'tstorch-images-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

const hwc = (img: io.RGBImage): torch.Tensor => torch.fromBytes(img.data, [img.height, img.width, img.channels], 'uint8');

// PIL writes one file per kind of image a loader meets, and decodes each as ImageFolder's pil_loader does.
const made = runPython(`
from PIL import Image, ImageOps
import io as _io
d = J
rng = np.random.RandomState(0)
base = np.zeros((23, 31, 3), np.uint8)
base[..., 0] = np.arange(31)[None, :] * 8
base[..., 1] = np.arange(23)[:, None] * 11
base[..., 2] = rng.randint(0, 256, (23, 31))
rgb = Image.fromarray(base)
files = {}
def save(name, im, **kw):
    p = os.path.join(d, name); im.save(p, **kw); files[name] = p
save('rgb.jpg', rgb, quality=92)
save('rgb.png', rgb)
save('rgba.png', Image.fromarray(np.dstack([base, rng.randint(0, 256, (23, 31)).astype(np.uint8)])))
save('grey.png', rgb.convert('L'))
save('grey.jpg', rgb.convert('L'))
save('la.png', rgb.convert('LA'))
save('palette.png', rgb.convert('P', palette=Image.ADAPTIVE, colors=37))
save('palette.bmp', rgb.convert('P', palette=Image.ADAPTIVE, colors=17))
save('rgb.bmp', rgb)
save('rgb.ppm', rgb)
save('grey.pgm', rgb.convert('L'))
save('rgb.tif', rgb)
save('rgb.webp', rgb, lossless=True)
frames = [rgb.convert('P', palette=Image.ADAPTIVE), Image.fromarray(255 - base).convert('P', palette=Image.ADAPTIVE)]
save('anim.gif', frames[0], save_all=True, append_images=frames[1:])
save('cmyk.jpg', rgb.convert('CMYK'), quality=95)
exif = Image.Exif(); exif[274] = 6
save('exif6.jpg', rgb, quality=92, exif=exif.tobytes())
for name, p in files.items():
    im = Image.open(p)
    if name.startswith('exif'):
        im = ImageOps.exif_transpose(im)
    OUT[name] = torch.from_numpy(np.array(im.convert('RGB')))
    OUT[name + ':L'] = torch.from_numpy(np.array(im.convert('L')))
for name in ('grey.png', 'rgba.png', 'la.png', 'grey.jpg', 'rgb.jpg'):
    OUT['unchanged:' + name] = torchvision.io.read_image(files[name])
OUT['read_image'] = torchvision.io.read_image(files['rgb.png'])
OUT['read_image_jpg'] = torchvision.io.read_image(files['rgb.jpg'])
OUT_J = files
`, { json: dir });
const files = made.json as Record<string, string>;

test('every format decodes to the pixels PIL gives (RGB and L)', () => {
  for (const [name, path] of Object.entries(files)) {
    const tol = 0;
    for (const mode of ['RGB', 'L'] as const) {
      const img = io.openImageSync(path, { mode });
      const expected = made.tensors[mode === 'RGB' ? name : `${name}:L`]!;
      const ours = mode === 'RGB' ? hwc(img) : hwc(img).squeeze(2);
      assert.deepEqual(ours.shape, expected.shape, `${name} ${mode} shape`);
      const d = ours.to('int32').sub(expected.to('int32')).abs();
      const max = d.max().item();
      assert.ok(max <= tol, `${name} ${mode}: max |diff| ${max} (mean ${d.to('float32').mean().item()})`);
    }
  }
});

test('async and sync decoding agree; readImage equals torchvision.io.read_image', async () => {
  const a = await io.openImage(files['rgb.jpg']!);
  const b = io.openImageSync(files['rgb.jpg']!);
  assert.deepEqual(a.data, b.data);
  const t = await io.readImageAsync(files['rgb.png']!);
  assert.ok(t.equal(made.tensors.read_image!));
  assert.ok(io.readImage(files['rgb.jpg']!, 'RGB').equal(made.tensors.read_image_jpg!));
  const d = await io.decodeToImage(readFileSync(files['rgb.webp']!));
  assert.deepEqual([d.width, d.height, d.channels], [31, 23, 3]);
});

test("mode 'unchanged' keeps grey and alpha channels as torchvision.io.read_image does", async () => {
  // (torchvision 0.14 returns a palette PNG's raw indices here; we expand palettes, as its later versions do.)
  for (const name of ['grey.png', 'rgba.png', 'la.png', 'grey.jpg', 'rgb.jpg']) {
    const expected = made.tensors[`unchanged:${name}`]!;
    const ours = io.readImage(files[name]!);
    assert.deepEqual(ours.shape, expected.shape, name);
    assert.ok(ours.equal(expected), name);
    assert.ok((await io.readImageAsync(files[name]!)).equal(expected), `${name} async`);
  }
  // RGB from an RGBA image in 'unchanged' mode equals the RGB decode.
  const rgba = io.openImageSync(files['rgba.png']!, { mode: 'unchanged' });
  assert.equal(rgba.channels, 4);
  assert.deepEqual(io.toRGB(rgba).data, io.openImageSync(files['rgba.png']!).data);
  assert.deepEqual(io.toGrayscale(rgba).data, io.openImageSync(files['rgba.png']!, { mode: 'L' }).data);
  assert.equal(io.openImageSync(files['palette.png']!, { mode: 'unchanged' }).channels, 3);
});

test('a corrupt, truncated or non-image file gives an error naming the file', async () => {
  const junk = join(dir, 'junk.jpg');
  writeFileSync(junk, 'not an image at all');
  assert.throws(() => io.openImageSync(junk), (e: Error) => e.message.includes(junk));
  await assert.rejects(io.openImage(junk), (e: Error) => e.message.includes(junk));
  const cut = join(dir, 'cut.jpg');
  const bytes = readFileSync(files['rgb.jpg']!);
  writeFileSync(cut, bytes.subarray(0, bytes.length >> 1));
  assert.throws(() => io.openImageSync(cut), (e: Error) => e.message.includes(cut));
  const badPpm = join(dir, 'bad.ppm');
  writeFileSync(badPpm, 'P6\n10 10\n255\nabc');
  assert.throws(() => io.openImageSync(badPpm), (e: Error) => e.message.includes(badPpm) && /truncated/.test(e.message));
  assert.throws(() => io.openImageSync(files['rgb.png']!, { mode: 'CMYK' as 'RGB' }), /mode/);
});

test('encoding: PNG round-trips exactly, JPEG decodes in PIL close to the source; tensors in [0, 1] are accepted', async () => {
  const img = io.openImageSync(files['rgb.png']!);
  const png = join(dir, 'out.png');
  io.writePng(img, png);
  assert.deepEqual(io.openImageSync(png).data, img.data);
  const pngSync = join(dir, 'out-sync.png');
  writeFileSync(pngSync, io.encodeImageSync(io.imageToTensor(img).to('float32').div(255)));
  const jpg = join(dir, 'out.jpg');
  io.writeJpeg(img, jpg, 95);
  const { tensors } = runPython(`
from PIL import Image
import io as _io
OUT['png'] = torch.from_numpy(np.array(Image.open(J[0])))
OUT['jpg'] = torch.from_numpy(np.array(Image.open(J[1])))
src = Image.open(J[2]).convert('RGB')
b = _io.BytesIO(); src.save(b, format='JPEG', quality=95); b.seek(0)
OUT['pil_jpg'] = torch.from_numpy(np.array(Image.open(b)))
`, { json: [pngSync, jpg, files['rgb.png']] });
  // float -> uint8 truncates as torchvision's to_pil_image (mul(255).byte()): k/255*255 may land on k-1.
  const dPng = tensors.png!.to('int32').sub(hwc(img).to('int32'));
  assert.ok(dPng.min().item() >= -1 && dPng.max().item() <= 0);
  // Same quality, same libjpeg defaults: our JPEG loses about what PIL's own JPEG loses.
  const err = (t: torch.Tensor): number => t.to('float32').sub(hwc(img).to('float32')).abs().mean().item();
  const ours = err(tensors.jpg!), pils = err(tensors.pil_jpg!);
  assert.ok(ours <= pils * 1.25 + 0.5, `JPEG mean |diff| ${ours} vs PIL's ${pils}`);
});

test('the addon\'s JPEG path refuses a decompression bomb header before allocating, and hands garbage or a truncated file to sharp', async () => {
  const { native } = await import('../src/native/binding.js');
  const good = new Uint8Array(readFileSync(files['rgb.jpg']!));
  if (native.buildInfo().libjpeg) assert.notEqual(native.decodeJpeg(good), null, 'a plain JPEG takes the fast path');
  // SOF0 with a 60000x60000 frame: refused before any allocation, with its size, and reported as a bomb
  const bomb = good.slice();
  let sof = -1;
  for (let i = 2; i + 9 < bomb.length; i++) if (bomb[i] === 0xff && bomb[i + 1] === 0xc0) { sof = i; break; }
  assert.ok(sof > 0, 'SOF0 marker');
  bomb.set([0xea, 0x60, 0xea, 0x60], sof + 5);
  if (native.buildInfo().libjpeg) assert.deepEqual(native.decodeJpeg(bomb, 1e8), { width: 60000, height: 60000, tooLarge: true });
  assert.throws(() => io.decodeToImageSync(bomb, { name: 'bomb.jpg' }), (e: Error) => e instanceof io.DecompressionBombError && /bomb\.jpg/.test(e.message));
  const garbage = new Uint8Array(4096).map((_, i) => (i * 7919) & 255);
  garbage.set([0xff, 0xd8, 0xff, 0xe0]);
  assert.equal(native.decodeJpeg(garbage), null);
  assert.throws(() => io.decodeToImageSync(garbage, { name: 'garbage.jpg' }), /garbage\.jpg/);
  const truncated = good.slice(0, Math.floor(good.length * 0.6));
  assert.equal(native.decodeJpeg(truncated), null, 'libjpeg only warns on a truncated file: not the fast path');
  assert.throws(() => io.decodeToImageSync(truncated, { name: 'cut.jpg' }), /cut\.jpg/);
});
