// vision.utils.drawBoundingBoxes / drawSegmentationMasks / drawKeypoints against torchvision.utils (PIL's
// rasterisation): every pixel of boxes (outline widths, RGBA fill, grayscale input, boxes partly outside), masks
// and keypoints (ellipses of several radii, skeleton lines of several widths and slopes) equals torchvision's.
// Labels use another font than torchvision's, so they are compared where they are, not pixel for pixel. The
// pictures are written to test/.fixtures/draw/ for a person to look at.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import * as torch from '../src/index.js';
import * as vision from '../src/vision/index.js';
import { runPython } from './helpers/pytorch.js';

const U = vision.utils;
type T = torch.Tensor;
const out = join(import.meta.dirname, '.fixtures', 'draw');
mkdirSync(out, { recursive: true });

/** A 60 x 80 picture: gradients, so that blending shows. */
function picture(): T {
  const y = torch.arange(60).reshape(1, 60, 1).expand(1, 60, 80);
  const x = torch.arange(80).reshape(1, 1, 80).expand(1, 60, 80);
  return torch.cat([x.mul(3), y.mul(4), x.add(y).mul(1.5)]).clamp(0, 255).to('uint8');
}

function diffCount(a: T, b: T): number {
  return a.ne(b).any(0).sum().item();
}

test('drawBoundingBoxes equals torchvision pixel for pixel: widths, fill, colours, grayscale, boxes outside', () => {
  const img = picture();
  const boxes = torch.tensor([[5, 4, 40, 30], [30.7, 20.2, 75.9, 55.5], [-5, 40, 20, 70], [60, 2, 60, 10], [10, 10, 12, 11]]);
  const cases: { name: string; py: string; fn: () => T }[] = [
    { name: 'default', py: 'draw_bounding_boxes(img, boxes)', fn: () => U.drawBoundingBoxes(img, boxes) },
    { name: 'width 3 named colours', py: "draw_bounding_boxes(img, boxes, colors=['red', '#00ff00', 'rgb(10,20,250)', 'orchid', 'hsl(120,50%,50%)'], width=3)",
      fn: () => U.drawBoundingBoxes(img, boxes, { colors: ['red', '#00ff00', 'rgb(10,20,250)', 'orchid', 'hsl(120,50%,50%)'], width: 3 }) },
    { name: 'fill', py: 'draw_bounding_boxes(img, boxes, fill=True, width=2)', fn: () => U.drawBoundingBoxes(img, boxes, { fill: true, width: 2 }) },
    { name: 'one colour tuple', py: 'draw_bounding_boxes(img, boxes, colors=(240, 10, 157), fill=True)', fn: () => U.drawBoundingBoxes(img, boxes, { colors: [240, 10, 157], fill: true }) },
    { name: 'grayscale', py: "draw_bounding_boxes(img[:1], boxes, colors='yellow', width=4)", fn: () => U.drawBoundingBoxes(img.narrow(0, 0, 1), boxes, { colors: 'yellow', width: 4 }) },
  ];
  const py = runPython(String.raw`
from torchvision.utils import draw_bounding_boxes
img, boxes = T['img'], T['boxes']
for i, c in enumerate(J):
    OUT['c%d' % i] = eval(c)
`, { tensors: { img, boxes }, json: cases.map((c) => c.py) });
  cases.forEach((c, i) => {
    const ours = c.fn();
    assert.deepEqual([...ours.shape], [3, 60, 80]);
    assert.equal(diffCount(ours, py.tensors[`c${i}`]!), 0, `${c.name}: pixels differing from torchvision`);
  });
  vision.io.writePng(cases[2]!.fn(), join(out, 'boxes-fill.png'));
});

test('drawBoundingBoxes labels: the boxes stay exact, the text is drawn in the box corner', () => {
  const img = picture();
  const boxes = torch.tensor([[5, 4, 50, 30], [30, 32, 78, 58]]);
  const labels = ['ant 0.98', 'bee'];
  const ours = U.drawBoundingBoxes(img, boxes, { labels, colors: ['white', 'cyan'], width: 1 });
  const py = runPython(String.raw`
from torchvision.utils import draw_bounding_boxes
OUT['y'] = draw_bounding_boxes(T['img'], T['boxes'], labels=J, colors=['white', 'cyan'])
OUT['plain'] = draw_bounding_boxes(T['img'], T['boxes'], colors=['white', 'cyan'])
`, { tensors: { img, boxes }, json: labels }).tensors;
  vision.io.writePng(ours, join(out, 'boxes-labels.png'));
  vision.io.writePng(py.y!, join(out, 'boxes-labels-torchvision.png'));
  // Outside the label areas (from the corner inside the box, about 12 pixels high) everything equals torchvision.
  const inLabel = torch.zeros([60, 80], { dtype: 'bool' });
  inLabel.indexPut_(['6:19', '7:56'], true); // torchvision's bitmap font runs past the box here
  inLabel.indexPut_(['34:47', '32:60'], true);
  const differs = ours.ne(py.y!).any(0);
  assert.equal(differs.logicalAnd(inLabel.logicalNot()).sum().item(), 0, 'pixels outside the labels');
  // The labels were drawn: inside their areas the image differs from the unlabelled drawing.
  assert.ok(ours.ne(py.plain!).any(0).logicalAnd(inLabel).sum().item() > 10, 'label text drawn');
});

test('drawSegmentationMasks equals torchvision: alpha blending, palette and named colours', () => {
  const img = picture();
  const masks = torch.zeros([3, 60, 80], { dtype: 'bool' });
  masks.indexPut_([0, '5:30', '5:40'], true);
  masks.indexPut_([1, '20:55', '30:75'], true);
  masks.indexPut_([2, '0:60', '60:62'], true);
  const py = runPython(String.raw`
from torchvision.utils import draw_segmentation_masks
OUT['a'] = draw_segmentation_masks(T['img'], T['m'])
OUT['b'] = draw_segmentation_masks(T['img'], T['m'], alpha=0.35, colors=['blue', (255, 128, 0), '#0f0'])
OUT['c'] = draw_segmentation_masks(T['img'], T['m'][0], alpha=1.0, colors='red')
`, { tensors: { img, m: masks } }).tensors;
  assert.ok(U.drawSegmentationMasks(img, masks).equal(py.a!));
  const b = U.drawSegmentationMasks(img, masks, { alpha: 0.35, colors: ['blue', [255, 128, 0], '#0f0'] });
  assert.ok(b.equal(py.b!));
  assert.ok(U.drawSegmentationMasks(img, masks.select(0, 0), { alpha: 1, colors: 'red' }).equal(py.c!));
  vision.io.writePng(b, join(out, 'masks.png'));
  assert.throws(() => U.drawSegmentationMasks(img, masks.to('uint8')), /must be of dtype bool/);
  assert.throws(() => U.drawSegmentationMasks(img, masks, { colors: ['red'] }), /more masks \(3\) than colors \(1\)/);
});

test('drawKeypoints equals torchvision: dots of several radii, skeletons of several widths and slopes', () => {
  const img = picture();
  const kps = torch.tensor([
    [[10, 10], [30, 12], [25, 40], [11.8, 50.6], [70, 5]],
    [[50, 30], [75, 55], [52, 58], [40, 33], [79, 0]],
  ]);
  const conn: [number, number][] = [[0, 1], [1, 2], [2, 3], [3, 0], [0, 4], [1, 3]];
  const cases: { py: string; fn: () => T }[] = [
    { py: "draw_keypoints(img, kps, connectivity=conn, colors='red')", fn: () => U.drawKeypoints(img, kps, { connectivity: conn, colors: 'red' }) },
    { py: "draw_keypoints(img, kps, connectivity=conn, colors=(0, 255, 255), radius=5, width=1)", fn: () => U.drawKeypoints(img, kps, { connectivity: conn, colors: [0, 255, 255], radius: 5, width: 1 }) },
    { py: "draw_keypoints(img, kps, connectivity=conn, colors='blue', radius=1, width=6)", fn: () => U.drawKeypoints(img, kps, { connectivity: conn, colors: 'blue', radius: 1, width: 6 }) },
    { py: "draw_keypoints(img, kps, colors='lime', radius=4)", fn: () => U.drawKeypoints(img, kps, { colors: 'lime', radius: 4 }) },
    { py: 'draw_keypoints(img, kps, connectivity=conn, width=2)', fn: () => U.drawKeypoints(img, kps, { connectivity: conn, width: 2 }) },
    { py: "draw_keypoints(img, kps, colors='yellow', radius=0)", fn: () => U.drawKeypoints(img, kps, { colors: 'yellow', radius: 0 }) },
  ];
  const py = runPython(String.raw`
from torchvision.utils import draw_keypoints
img, kps = T['img'], T['kps']
conn = [tuple(c) for c in J['conn']]
for i, c in enumerate(J['cases']):
    OUT['c%d' % i] = eval(c)
`, { tensors: { img, kps }, json: { conn, cases: cases.map((c) => c.py) } }).tensors;
  cases.forEach((c, i) => assert.equal(diffCount(c.fn(), py[`c${i}`]!), 0, `${c.py}: pixels differing from torchvision`));
  vision.io.writePng(cases[0]!.fn(), join(out, 'keypoints.png'));
  assert.throws(() => U.drawKeypoints(img, kps, { connectivity: [[0, 9]] }), /names a keypoint outside 0..4/);
});

test('colour strings as PIL reads them, and bad input', () => {
  assert.deepEqual(U.getrgb('Orchid'), [218, 112, 214]);
  assert.deepEqual(U.getrgb('#abc'), [170, 187, 204]);
  assert.deepEqual(U.getrgb('rgb(50%,0%,100%)'), [128, 0, 255]);
  assert.deepEqual(U.getrgb('hsv(240,100%,50%)'), [0, 0, 128]);
  assert.deepEqual(U.getrgb('#11223344'), [17, 34, 51, 68]);
  assert.throws(() => U.getrgb('reddish'), /unknown color specifier: 'reddish'/);
  const img = picture();
  assert.throws(() => U.drawBoundingBoxes(img, torch.tensor([[10, 10, 5, 20]])), /\(xmin, ymin, xmax, ymax\) format/);
  assert.throws(() => U.drawBoundingBoxes(img.float(), torch.tensor([[1, 1, 5, 5]])), /dtype must be uint8/);
  assert.throws(() => U.drawBoundingBoxes(img, torch.tensor([[1, 1, 5, 5]]), { labels: ['a', 'b'] }), /number of boxes \(1\) and labels \(2\) mismatch/);
  assert.throws(() => U.drawKeypoints(img.unsqueeze(0), torch.zeros([1, 2, 2])), /individual images/);
});
