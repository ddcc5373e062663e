// makeGrid / saveImage against torchvision.utils; captions and plots checked by their pixels (fonts through
// fontconfig: DejaVu Sans, whose advance widths PIL measures independently).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as torch from '../src/index.js';
import { makeGrid, saveImageAsync, saveImageSync, captionedGrid, drawText, plotCurves, plotCurvesSync, niceTicks, wrapText } from '../src/vision/utils/index.js';
import { createImage, decodeToImageSync, imageToTensor, type RGBImage } from '../src/vision/io/index.js';
import { runPython } from './helpers/pytorch.js';

const dir = mkdtempSync(join(tmpdir(), 'tstorch-grid-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

test('makeGrid equals torchvision.utils.make_grid; saveImage writes what save_image writes', async () => {
  torch.manualSeed(0);
  const b = torch.randn([7, 3, 5, 6]);
  const g1 = torch.rand([1, 9, 4]);
  const g2 = torch.rand([2, 1, 4, 4]).mul(3);
  const list = [torch.rand([3, 4, 5]), torch.rand([3, 4, 5])];
  const u8 = torch.randint(0, 256, [5, 3, 4, 4], { dtype: 'uint8' });
  const png = join(dir, 'ours.png');
  await saveImageAsync(b, png, { nrow: 4, normalize: true });
  saveImageSync(list, join(dir, 'ours2.png'), { padding: 0 });
  const { tensors } = runPython(`
from torchvision.utils import make_grid, save_image
from PIL import Image
b, g1, g2, u8 = T['b'], T['g1'], T['g2'], T['u8']
OUT['a'] = make_grid(b)
OUT['b'] = make_grid(b, nrow=3, padding=1, pad_value=0.5)
OUT['c'] = make_grid(b, normalize=True)
OUT['d'] = make_grid(b, normalize=True, value_range=(-1, 1))
OUT['e'] = make_grid(b, normalize=True, scale_each=True, nrow=2)
OUT['f'] = make_grid(g1)
OUT['g'] = make_grid(g2, padding=3)
OUT['h'] = make_grid([T['l0'], T['l1']], padding=0)
OUT['i'] = make_grid(u8, nrow=2, pad_value=255)
OUT['j'] = make_grid(b[:1])
OUT['k'] = make_grid(g1[0])
save_image(b, J + '/theirs.png', nrow=4, normalize=True)
save_image([T['l0'], T['l1']], J + '/theirs2.png', padding=0)
OUT['png'] = torch.from_numpy(np.array(Image.open(J + '/theirs.png')))
OUT['png2'] = torch.from_numpy(np.array(Image.open(J + '/theirs2.png')))
`, { tensors: { b, g1, g2, u8, l0: list[0]!, l1: list[1]! }, json: dir });
  const cases: [string, torch.Tensor][] = [
    ['a', makeGrid(b)], ['b', makeGrid(b, { nrow: 3, padding: 1, padValue: 0.5 })], ['c', makeGrid(b, { normalize: true })],
    ['d', makeGrid(b, { normalize: true, valueRange: [-1, 1] })], ['e', makeGrid(b, { normalize: true, scaleEach: true, nrow: 2 })],
    ['f', makeGrid(g1)], ['g', makeGrid(g2, { padding: 3 })], ['h', makeGrid(list, { padding: 0 })],
    ['i', makeGrid(u8, { nrow: 2, padValue: 255 })], ['j', makeGrid(b.slice(0, 0, 1))], ['k', makeGrid(g1.select(0, 0))],
  ];
  for (const [k, ours] of cases) {
    assert.deepEqual(ours.shape, tensors[k]!.shape, `case ${k} shape`);
    assert.ok(ours.equal(tensors[k]!), `case ${k} values`);
  }
  const hwc = (img: RGBImage): torch.Tensor => torch.fromBytes(img.data, [img.height, img.width, img.channels], 'uint8');
  assert.ok(hwc(decodeToImageSync(readFileSync(png))).equal(tensors.png!));
  assert.ok(hwc(decodeToImageSync(readFileSync(join(dir, 'ours2.png')))).equal(tensors.png2!));
  assert.throws(() => makeGrid(torch.rand([2, 2, 2, 2, 2])), /shape/);
  assert.throws(() => makeGrid([torch.rand([3, 2, 2]), 5 as unknown as torch.Tensor]), /tensor\[1\]/);
});

/** Columns [first, last] of dark pixels in a band of rows. */
function inkExtent(img: RGBImage, y0: number, y1: number, x0 = 0, x1 = img.width): [number, number, number] {
  let first = Infinity, last = -1, count = 0;
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const o = (y * img.width + x) * 3;
      if (img.data[o]! + img.data[o + 1]! + img.data[o + 2]! < 300) { first = Math.min(first, x); last = Math.max(last, x); count++; }
    }
  }
  return [first, last, count];
}

test('captions are real text in DejaVu Sans: their width matches the font metrics PIL reads from the TTF', () => {
  const red = createImage(120, 40, 3, new Uint8Array(120 * 40 * 3).map((_, i) => (i % 3 === 0 ? 220 : 20)));
  const t = imageToTensor(red).to('float32').div(255);
  const captions = ['Prediction: ants, Ground Truth: bees', 'bees'];
  const g = captionedGrid([red, t], { captions, nrow: 2, fontSize: 12, padding: 8 });
  const lines = wrapText(captions[0]!, 120, 12).split('\n');
  assert.ok(lines.length >= 2, 'the long caption wraps');
  const { json } = runPython(`
from PIL import ImageFont
f = ImageFont.truetype('/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf', 12)
OUT_J = [f.getlength(s) for s in J]
`, { json: [lines[0], lines[1], 'bees'] });
  const [w1, w2, w3] = json as number[];
  // The images sit at the top of their cells, untouched.
  for (const [cx] of [[8], [136]]) {
    for (let y = 0; y < 40; y++) {
      const o = ((8 + y) * g.width + cx! + 5) * 3;
      assert.deepEqual([...g.data.subarray(o, o + 3)], [220, 20, 20]);
    }
  }
  // Each of the first two lines' ink spans about the font's advance width.
  const lineH = 15;
  const top = 8 + 40 + 3;
  const [a0, a1] = inkExtent(g, top, top + lineH, 8, 128);
  const [b0, b1] = inkExtent(g, top + lineH, top + 2 * lineH + 2, 8, 128);
  const [c0, c1, cn] = inkExtent(g, top, top + lineH, 136, 256);
  for (const [ink, expected, what] of [[a1 - a0 + 1, w1!, 'line 1'], [b1 - b0 + 1, w2!, 'line 2'], [c1 - c0 + 1, w3!, 'bees']] as const) {
    assert.ok(Math.abs(ink - expected) <= Math.max(3, expected * 0.08), `${what}: ink ${ink}px, DejaVu Sans advance ${expected}px`);
  }
  assert.ok(cn > 20, 'caption pixels drawn');
  // Centred under its image.
  assert.ok(Math.abs((c0 + c1) / 2 - (136 + 60)) <= 2);
  // Normalised tensors (as a model sees them) come back to their pixels with mean/std.
  const mean = [0.485, 0.456, 0.406], std = [0.229, 0.224, 0.225];
  const normed = t.sub(torch.tensor(mean).view([3, 1, 1])).div(torch.tensor(std).view([3, 1, 1]));
  const gn = captionedGrid(torch.stack([normed]), { captions: ['x'], mean, std, padding: 0 });
  for (const [y, x] of [[0, 0], [20, 60], [39, 119]] as const) {
    const o = (y * gn.width + x) * 3;
    const px = [...gn.data.subarray(o, o + 3)];
    assert.ok(Math.abs(px[0]! - 220) <= 1 && Math.abs(px[1]! - 20) <= 1 && Math.abs(px[2]! - 20) <= 1, `pixel ${px}`);
  }
  const d = drawText(red, { text: 'Hi', x: 10, y: 5, fontSize: 20, color: '#ffffff' });
  let white = 0;
  for (let i = 0; i < d.width * d.height; i++) if (d.data[i * 3]! > 240 && d.data[i * 3 + 1]! > 240) white++;
  assert.ok(white > 20, 'white text drawn on the image');
  assert.throws(() => captionedGrid([red], { captions: [] }), /1 images but 0 captions/);
});

test('plotCurves writes a PNG line chart with each series in its colour', async () => {
  const path = join(dir, 'curves.png');
  const loss = [2.3, 1.7, 1.2, 0.9, 0.8, 0.7, NaN, 0.6];
  const acc = [0.3, 0.5, 0.62, 0.7, 0.74, 0.77, 0.79, 0.8];
  const png = await plotCurves({ series: { loss, acc }, xLabel: 'epoch', title: 'training', path, width: 400, height: 300 });
  assert.deepEqual(readFileSync(path), Buffer.from(png));
  assert.deepEqual(Buffer.from(plotCurvesSync({ series: { loss, acc }, xLabel: 'epoch', title: 'training', width: 400, height: 300 })), Buffer.from(png));
  const img = decodeToImageSync(png);
  assert.deepEqual([img.width, img.height], [400, 300]);
  const count = (rgb: number[]): number => {
    let n = 0;
    for (let i = 0; i < img.width * img.height; i++) if (rgb.every((v, c) => Math.abs(img.data[i * 3 + c]! - v) < 8)) n++;
    return n;
  };
  assert.ok(count([0x1f, 0x77, 0xb4]) > 100, 'blue series line');
  assert.ok(count([0xff, 0x7f, 0x0e]) > 100, 'orange series line');
  assert.deepEqual(niceTicks(0.13, 2.41, 6, true), [0, 0.5, 1, 1.5, 2, 2.5]);
  assert.deepEqual(niceTicks(1, 25, 8), [5, 10, 15, 20, 25]);
  await assert.rejects(plotCurves({ series: {} }), /empty/);
  await assert.rejects(plotCurves({ series: { a: ['x' as unknown as number] } }), /'a'/);
});
