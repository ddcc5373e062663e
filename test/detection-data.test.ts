// Detection data: CocoDetection and the conversion of COCO annotations to model targets, VOCDetection and
// VOCSegmentation against torchvision on small files the test makes, the detection collate with a DataLoader, and
// the detection transforms of torchvision's references against the same steps in PyTorch under the same seed.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as torch from '../src/index.js';
import * as vision from '../src/vision/index.js';
import { runPython, assertClose } from './helpers/pytorch.js';

const { datasets, transforms, io } = vision;
const D = transforms.detection;
type T = torch.Tensor;

const dir = mkdtempSync(join(tmpdir(), 'tstorch-detdata-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A small test picture: a gradient with a bright rectangle. */
function picture(h: number, w: number, seed: number): T {
  torch.manualSeed(seed);
  return torch.rand([3, h, w]).mul(255).to('uint8');
}

test('CocoDetection reads images and annotations; ConvertCocoPolysToMask makes model targets', () => {
  mkdirSync(join(dir, 'coco'), { recursive: true });
  io.writePng(picture(30, 40, 1), join(dir, 'coco', 'b.png'));
  io.writePng(picture(24, 20, 2), join(dir, 'coco', 'a.png'));
  const kp = (x: number, y: number): number[] => Array.from({ length: 17 }, (_, j) => (j % 4 === 0 ? [0, 0, 0] : [x + j, y + j / 2, 2])).flat();
  const ann = {
    images: [{ id: 9, file_name: 'b.png', width: 40, height: 30 }, { id: 4, file_name: 'a.png', width: 20, height: 24 }],
    categories: [{ id: 1, name: 'person' }, { id: 3, name: 'car' }],
    annotations: [
      { id: 1, image_id: 9, category_id: 1, bbox: [2, 3, 10, 12], area: 80, iscrowd: 0, segmentation: [[2, 3, 12, 3, 12, 15, 2, 15]], keypoints: kp(2, 3), num_keypoints: 12 },
      // Sticks out of the image: clipped to (35, 20, 40, 30).
      { id: 2, image_id: 9, category_id: 3, bbox: [35, 20, 10, 15], area: 50, iscrowd: 0, segmentation: [[35, 20, 45, 20, 45, 35, 35, 35], [36, 21, 37, 21, 37, 22]], keypoints: kp(35, 20), num_keypoints: 12 },
      // A crowd region (uncompressed RLE): dropped from the targets.
      { id: 3, image_id: 9, category_id: 1, bbox: [0, 0, 5, 5], area: 25, iscrowd: 1, segmentation: { size: [30, 40], counts: [0, 5, 25, 5, 25, 5, 25, 5, 25, 5, 1075] }, keypoints: kp(0, 0), num_keypoints: 12 },
      // Degenerate box (no width): removed by the conversion.
      { id: 4, image_id: 9, category_id: 3, bbox: [5, 5, 0, 4], area: 0, iscrowd: 0, segmentation: [[5, 5, 5, 5, 5, 9]], keypoints: kp(5, 5), num_keypoints: 12 },
    ],
  };
  writeFileSync(join(dir, 'coco', 'instances.json'), JSON.stringify(ann));
  const ds = new datasets.CocoDetection({ root: join(dir, 'coco'), annFile: join(dir, 'coco', 'instances.json') });
  assert.equal(ds.length, 2);
  assert.deepEqual(ds.ids, [4, 9]);
  const [img, anns] = ds.get(1) as [vision.io.RGBImage, vision.coco.CocoAnnotation[]];
  assert.deepEqual([img.width, img.height, img.channels], [40, 30, 3]);
  assert.deepEqual(anns.map((a) => a.id), [1, 2, 3, 4]);
  assert.deepEqual(ds.get(0)[1], []);

  const withTargets = new datasets.CocoDetectionTargets({ root: join(dir, 'coco'), annFile: join(dir, 'coco', 'instances.json'), transforms: new D.PILToTensor() });
  const [timg, t] = withTargets.get(1) as [T, vision.coco.DetectionTarget];
  assert.deepEqual([...timg.shape], [3, 30, 40]);
  assert.deepEqual(t.boxes.toArray(), [[2, 3, 12, 15], [35, 20, 40, 30]]);
  assert.deepEqual(t.labels.toArray(), [1, 3]);
  assert.deepEqual((t.image_id as T).toArray(), [9]);
  assert.deepEqual([...t.masks!.shape], [2, 30, 40]);
  assert.deepEqual([...t.keypoints!.shape], [2, 17, 3]);
  assert.deepEqual(t.iscrowd!.toArray(), [0, 0, 0]); // area and iscrowd of the non-crowd objects, before degenerate removal
  // The mask of the first object is the polygon rasterised as pycocotools does: the 10 x 12 rectangle.
  assert.equal(t.masks!.select(0, 0).sum().item(), vision.coco.mask.area(vision.coco.mask.frPyObjects([[2, 3, 12, 3, 12, 15, 2, 15]], 30, 40) as vision.coco.RLE[])[0]);
  // The second object's two parts are merged.
  assert.ok(t.masks!.select(0, 1).index(21, 36).item() === 1);
  // Images without usable annotations are left out for training.
  assert.equal(datasets.removeImagesWithoutAnnotations(ds).length, 1);
  // A ground-truth COCO set from the targets scores a perfect prediction 1.
  const gt = vision.coco.convertToCocoApi([[timg, t]]);
  assert.deepEqual(gt.getAnnIds(), [1, 2]);
  assert.throws(() => new datasets.CocoDetection({ root: dir, annFile: join(dir, 'missing.json') }), /cannot read annotation file/);
});

test('VOCDetection and VOCSegmentation read the VOC layout as torchvision does', () => {
  const root = join(dir, 'voc');
  // The files are made by PIL: JPEG images, a palette ('P') mask, an annotation XML with two objects.
  const py = runPython(String.raw`
import os
from PIL import Image
import numpy as np
root = J
base = os.path.join(root, 'VOCdevkit', 'VOC2012')
for d in ['JPEGImages', 'Annotations', 'SegmentationClass', 'ImageSets/Main', 'ImageSets/Segmentation']:
    os.makedirs(os.path.join(base, d), exist_ok=True)
rng = np.random.RandomState(0)
for name in ['2008_000001', '2008_000002']:
    Image.fromarray(rng.randint(0, 255, (20, 30, 3), dtype=np.uint8)).save(os.path.join(base, 'JPEGImages', name + '.jpg'))
    m = Image.fromarray(rng.randint(0, 21, (20, 30), dtype=np.uint8), mode='P')
    m.putpalette([v for i in range(256) for v in (i, 255 - i, (i * 7) % 256)])
    m.save(os.path.join(base, 'SegmentationClass', name + '.png'))
    open(os.path.join(base, 'Annotations', name + '.xml'), 'w').write('''<annotation>
  <folder>VOC2012</folder><filename>%s.jpg</filename>
  <source><database>The VOC2008 Database</database></source>
  <size><width>30</width><height>20</height><depth>3</depth></size>
  <segmented>0</segmented>
  <object><name>dog</name><pose>Left</pose><truncated>0</truncated><difficult>0</difficult>
    <bndbox><xmin>3</xmin><ymin>4</ymin><xmax>20</xmax><ymax>18</ymax></bndbox></object>
  <!-- a comment -->
  <object><name>person &amp; co</name><bndbox><xmin>1</xmin><ymin>1</ymin><xmax>5</xmax><ymax>9</ymax></bndbox>
    <part><name>head</name><bndbox><xmin>1</xmin><ymin>1</ymin><xmax>2</xmax><ymax>2</ymax></bndbox></part></object>
</annotation>''' % name)
open(os.path.join(base, 'ImageSets/Main/train.txt'), 'w').write('2008_000001\n2008_000002\n')
open(os.path.join(base, 'ImageSets/Segmentation/val.txt'), 'w').write('2008_000002\n')
det = torchvision.datasets.VOCDetection(root, year='2012', image_set='train')
seg = torchvision.datasets.VOCSegmentation(root, year='2012', image_set='val')
OUT_J = {'targets': [det[i][1] for i in range(len(det))], 'n': len(seg)}
OUT['mask'] = torch.from_numpy(np.array(seg[0][1]).astype(np.int64))
OUT['img'] = torch.from_numpy(np.array(seg[0][0]))
`, { json: root });
  const det = new datasets.VOCDetection({ root, year: '2012', imageSet: 'train' });
  assert.equal(det.length, 2);
  assert.deepEqual([det.get(0)[1], det.get(1)[1]], py.json.targets);
  const seg = new datasets.VOCSegmentation({ root, imageSet: 'val' });
  assert.equal(seg.length, py.json.n);
  const [img, mask] = seg.get(0) as [vision.io.RGBImage, vision.io.PaletteImage];
  assert.equal(mask.mode, 'P');
  assert.ok(torch.fromTypedArray(mask.data, [mask.height, mask.width], 'uint8').long().equal(py.tensors.mask!));
  assert.ok(torch.fromTypedArray(img.data, [img.height, img.width, 3], 'uint8').equal(py.tensors.img!));
  assert.throws(() => new datasets.VOCDetection({ root, imageSet: 'test' }), /imageSet must be one of train, trainval, val/);
  assert.throws(() => new datasets.VOCDetection({ root: join(dir, 'nowhere') }), /dataset not found/);
  assert.throws(() => datasets.parseXml('<a><b></a>'), /expected <\/b>/);
  assert.throws(() => datasets.parseXml('<!DOCTYPE x [<!ENTITY e "x">]><a/>'), /DTDs are not accepted/);
});

test('detectionCollate keeps images and targets as lists through a DataLoader', async () => {
  const data = [0, 1, 2].map((i) => [torch.zeros([3, 4 + i, 5]), { boxes: torch.tensor([[0, 0, 1, 1]]), labels: torch.tensor([i], { dtype: 'int64' }) }] as const);
  const loader = new torch.utils.data.DataLoader(data, { batchSize: 2, collateFn: datasets.detectionCollate });
  const batches = [];
  for await (const b of loader) batches.push(b);
  assert.equal(batches.length, 2);
  const [images, targets] = batches[0]!;
  assert.deepEqual(images.map((x) => [...x.shape]), [[3, 4, 5], [3, 5, 5]]);
  assert.deepEqual(targets.map((t) => t.labels.item()), [0, 1]);
});

// The steps of torchvision's references/detection/transforms.py, on the same inputs and seed, in PyTorch.
const PY_TRANSFORMS = String.raw`
import torchvision.transforms.functional as F
from torchvision.ops import box_iou, masks_to_boxes
FLIP = [0, 2, 1, 4, 3, 6, 5, 8, 7, 10, 9, 12, 11, 14, 13, 16, 15]
def hflip(image, t, p=0.5):
    if torch.rand(1) < p:
        image = F.hflip(image); w = F.get_dimensions(image)[2]
        t = dict(t); b = t['boxes'].clone(); b[:, [0, 2]] = w - t['boxes'][:, [2, 0]]; t['boxes'] = b
        t['masks'] = t['masks'].flip(-1)
        k = t['keypoints'][:, FLIP].clone(); k[..., 0] = w - k[..., 0]; k[k[..., 2] == 0] = 0; t['keypoints'] = k
    return image, t
def iou_crop(image, t, options=(0.0, 0.1, 0.3, 0.5, 0.7, 0.9, 1.0)):
    _, oh, ow = F.get_dimensions(image)
    while True:
        m = options[int(torch.randint(low=0, high=len(options), size=(1,)))]
        if m >= 1.0: return image, t
        for _ in range(40):
            r = 0.3 + 0.7 * torch.rand(2); nw = int(ow * r[0]); nh = int(oh * r[1])
            if not (0.5 <= nw / nh <= 2.0): continue
            r = torch.rand(2); left = int((ow - nw) * r[0]); top = int((oh - nh) * r[1])
            if left == left + nw or top == top + nh: continue
            cx = 0.5 * (t['boxes'][:, 0] + t['boxes'][:, 2]); cy = 0.5 * (t['boxes'][:, 1] + t['boxes'][:, 3])
            inside = (left < cx) & (cx < left + nw) & (top < cy) & (cy < top + nh)
            if not inside.any(): continue
            b = t['boxes'][inside]
            if box_iou(b, torch.tensor([[left, top, left + nw, top + nh]], dtype=b.dtype)).max() < m: continue
            t = dict(t); b = b.clone(); b[:, 0::2] -= left; b[:, 1::2] -= top; b[:, 0::2].clamp_(min=0, max=nw); b[:, 1::2].clamp_(min=0, max=nh)
            t['boxes'] = b; t['labels'] = t['labels'][inside]
            return F.crop(image, top, left, nh, nw), t
def zoom_out(image, t, fill=(123.0, 117.0, 104.0), p=0.5):
    if torch.rand(1) >= p: return image, t
    _, oh, ow = F.get_dimensions(image)
    r = 1.0 + torch.rand(1) * 3.0; cw = int(ow * r); ch = int(oh * r)
    r = torch.rand(2); left = int((cw - ow) * r[0]); top = int((ch - oh) * r[1])
    right = cw - (left + ow); bottom = ch - (top + oh)
    image = F.pad(image, [left, top, right, bottom], fill=0)
    v = torch.tensor(fill, dtype=image.dtype).view(-1, 1, 1)
    image[..., :top, :] = image[..., :, :left] = image[..., (top + oh):, :] = image[..., :, (left + ow):] = v
    t = dict(t); b = t['boxes'].clone(); b[:, 0::2] += left; b[:, 1::2] += top; t['boxes'] = b
    return image, t
def photometric(image, t, p=0.5):
    import torchvision.transforms as TT
    bri = TT.ColorJitter(brightness=(0.875, 1.125)); con = TT.ColorJitter(contrast=(0.5, 1.5))
    hue = TT.ColorJitter(hue=(-0.05, 0.05)); sat = TT.ColorJitter(saturation=(0.5, 1.5))
    r = torch.rand(7)
    if r[0] < p: image = bri(image)
    before = r[1] < 0.5
    if before and r[2] < p: image = con(image)
    if r[3] < p: image = sat(image)
    if r[4] < p: image = hue(image)
    if not before and r[5] < p: image = con(image)
    if r[6] < p: image = image[..., torch.randperm(F.get_dimensions(image)[0]), :, :]
    return image, t
def scale_jitter(image, t, size=(60, 80)):
    _, oh, ow = F.get_dimensions(image)
    s = 0.1 + torch.rand(1) * 1.9; r = min(size[1] / oh, size[0] / ow) * s
    nw = int(ow * r); nh = int(oh * r)
    image = F.resize(image, [nh, nw])
    t = dict(t); b = t['boxes'].clone(); b[:, 0::2] *= nw / ow; b[:, 1::2] *= nh / oh; t['boxes'] = b
    t['masks'] = F.resize(t['masks'], [nh, nw], interpolation=F.InterpolationMode.NEAREST)
    return image, t
def fixed_crop(image, t, ch=40, cw=50, fill=0):
    _, h, w = F.get_dimensions(image)
    nh = min(h, ch); nw = min(w, cw)
    t = dict(t)
    if nh != h or nw != w:
        r = torch.rand(1); top = int(max(h - ch, 0) * r); left = int(max(w - cw, 0) * r)
        image = F.crop(image, top, left, nh, nw)
        b = t['boxes'].clone(); b[:, 0::2] -= left; b[:, 1::2] -= top; b[:, 0::2].clamp_(min=0, max=nw); b[:, 1::2].clamp_(min=0, max=nh)
        ok = (b[:, 0] < b[:, 2]) & (b[:, 1] < b[:, 3]); t['boxes'] = b[ok]; t['labels'] = t['labels'][ok]
        t['masks'] = F.crop(t['masks'][ok], top, left, nh, nw)
    pb = max(ch - nh, 0); pr = max(cw - nw, 0)
    if pb or pr:
        image = F.pad(image, [0, 0, pr, pb], fill, 'constant'); t['masks'] = F.pad(t['masks'], [0, 0, pr, pb], 0, 'constant')
    return image, t
def shortest(image, t, sizes=(20, 30, 40), max_size=70):
    _, oh, ow = F.get_dimensions(image)
    m = sizes[torch.randint(len(sizes), (1,)).item()]; r = min(m / min(oh, ow), max_size / max(oh, ow))
    nw = int(ow * r); nh = int(oh * r)
    image = F.resize(image, [nh, nw])
    t = dict(t); b = t['boxes'].clone(); b[:, 0::2] *= nw / ow; b[:, 1::2] *= nh / oh; t['boxes'] = b
    t['masks'] = F.resize(t['masks'], [nh, nw], interpolation=F.InterpolationMode.NEAREST)
    return image, t
def copy_paste(image, t, pimage, pt):
    n = len(pt['masks']); sel = torch.unique(torch.randint(0, n, (n,))).to(torch.long)
    pm = pt['masks'][sel]; pb = pt['boxes'][sel]; pl = pt['labels'][sel]
    s1 = image.shape[-2:]; s2 = pimage.shape[-2:]
    if s1 != s2:
        pimage = F.resize(pimage, s1); pm = F.resize(pm, s1, interpolation=F.InterpolationMode.NEAREST)
        pb = pb.view(-1, 2, 2).mul(torch.tensor((s1[1] / s2[1], s1[0] / s2[0]))).view(pb.shape)
    a = F.gaussian_blur((pm.sum(dim=0) > 0).unsqueeze(0), kernel_size=(5, 5), sigma=[2.0])
    image = image * (~a) + pimage * a
    m = t['masks'] * (~a); keep = m.sum((-1, -2)) > 0; m = m[keep]
    out = dict(t); out['masks'] = torch.cat([m, pm]); out['boxes'] = torch.cat([masks_to_boxes(m), pb]); out['labels'] = torch.cat([t['labels'][keep], pl])
    d = out['boxes'][:, 2:] <= out['boxes'][:, :2]
    if d.any():
        v = ~d.any(dim=1)
        for k in ('boxes', 'masks', 'labels'): out[k] = out[k][v]
    return image, out
`;

test('detection transforms move boxes, masks and keypoints with the image, as torchvision\'s references do', () => {
  const H = 48;
  const W = 64;
  torch.manualSeed(21);
  const image = torch.rand([3, H, W]).mul(255).to('uint8');
  const boxes = torch.tensor([[4, 6, 30, 40], [20, 10, 60, 30], [40, 30, 63, 47]]);
  const masks = torch.zeros([3, H, W], { dtype: 'uint8' });
  masks.indexPut_([0, '6:40', '4:30'], 1);
  masks.indexPut_([1, '10:30', '20:60'], 1);
  masks.indexPut_([2, '30:47', '40:63'], 1);
  const keypoints = torch.rand([3, 17, 3]).mul(torch.tensor([W, H, 1])).round();
  keypoints.indexPut_(['...', 2], keypoints.select(2, 2).mul(2)); // visibility 0 or 2
  const target = { boxes, labels: torch.tensor([1, 2, 3], { dtype: 'int64' }), masks, keypoints };
  const fimage = image.float().div(255);
  const steps: [string, (img: T, t: any) => [any, any], string, T][] = [
    ['hflip', (i, t) => new D.RandomHorizontalFlip(0.5).call(i, t), 'hflip', image],
    ['iou_crop', (i, t) => new D.RandomIoUCrop().call(i, t), 'iou_crop', image],
    ['zoom_out', (i, t) => new D.RandomZoomOut({ fill: [123, 117, 104] }).call(i, t), 'zoom_out', image],
    ['photometric', (i, t) => new D.RandomPhotometricDistort().call(i, t), 'photometric', fimage],
    ['scale_jitter', (i, t) => new D.ScaleJitter([60, 80]).call(i, t), 'scale_jitter', fimage],
    ['fixed_crop', (i, t) => new D.FixedSizeCrop([40, 50]).call(i, t), 'fixed_crop', image],
    ['shortest', (i, t) => new D.RandomShortestSize([20, 30, 40], 70).call(i, t), 'shortest', fimage],
  ];
  const seeds = [0, 1, 2, 3, 4, 5];
  const tensors: Record<string, T> = { image, fimage, boxes, masks, keypoints, labels: target.labels };
  const ours: Record<string, T> = {};
  for (const [name, f, , img] of steps) {
    for (const s of seeds) {
      torch.manualSeed(s);
      const [oi, ot] = f(img, target);
      ours[`${name}_${s}_img`] = oi as T;
      ours[`${name}_${s}_boxes`] = ot.boxes;
      ours[`${name}_${s}_labels`] = ot.labels;
      if (ot.masks) ours[`${name}_${s}_masks`] = ot.masks;
      if (name === 'hflip') ours[`${name}_${s}_kps`] = ot.keypoints;
    }
  }
  // Simple Copy-Paste between two images of different sizes.
  const image2 = torch.rand([3, 30, 40]);
  const masks2 = torch.zeros([2, 30, 40], { dtype: 'uint8' });
  masks2.indexPut_([0, '2:20', '3:30'], 1);
  masks2.indexPut_([1, '15:29', '20:39'], 1);
  const t2 = { boxes: torch.tensor([[3, 2, 29, 19], [20, 15, 38, 28]]), labels: torch.tensor([5, 6], { dtype: 'int64' }), masks: masks2 };
  for (const s of seeds) {
    torch.manualSeed(s);
    const [imgs, ts] = new D.SimpleCopyPaste().call([fimage, image2], [target, t2]);
    ours[`cp_${s}_img0`] = imgs[0]!;
    ours[`cp_${s}_img1`] = imgs[1]!;
    for (const k of ['boxes', 'labels', 'masks'] as const) { ours[`cp_${s}_${k}0`] = ts[0]![k]!; ours[`cp_${s}_${k}1`] = ts[1]![k]!; }
  }
  const py = runPython(PY_TRANSFORMS + String.raw`
t = {'boxes': T['boxes'], 'labels': T['labels'], 'masks': T['masks'], 'keypoints': T['keypoints']}
for name, img in J['steps']:
    for s in J['seeds']:
        torch.manual_seed(s)
        oi, ot = globals()[name](T[img], t)
        OUT['%s_%d_img' % (name, s)] = oi; OUT['%s_%d_boxes' % (name, s)] = ot['boxes']; OUT['%s_%d_labels' % (name, s)] = ot['labels']
        if 'masks' in ot and name not in ('iou_crop', 'zoom_out', 'photometric'): OUT['%s_%d_masks' % (name, s)] = ot['masks']
        if name == 'hflip': OUT['%s_%d_kps' % (name, s)] = ot['keypoints']
t2 = {'boxes': T['b2'], 'labels': T['l2'], 'masks': T['m2']}
for s in J['seeds']:
    torch.manual_seed(s)
    i0, o0 = copy_paste(T['fimage'], t, T['i2'], t2)
    i1, o1 = copy_paste(T['i2'], t2, T['fimage'], t)
    OUT['cp_%d_img0' % s] = i0; OUT['cp_%d_img1' % s] = i1
    for k in ('boxes', 'labels', 'masks'): OUT['cp_%d_%s0' % (s, k)] = o0[k]; OUT['cp_%d_%s1' % (s, k)] = o1[k]
`, { tensors: { ...tensors, i2: image2, b2: t2.boxes, l2: t2.labels, m2: masks2 }, json: { steps: steps.map(([n, , p, img]) => [p, img === image ? 'image' : 'fimage']), seeds } });
  for (const [k, v] of Object.entries(ours)) {
    const want = py.tensors[k];
    if (k.endsWith('_masks') && (k.startsWith('iou_crop') || k.startsWith('zoom_out') || k.startsWith('photometric'))) continue; // these leave masks alone
    assert.ok(want, `PyTorch has no ${k}`);
    assertClose(v.to(want.dtype), want, { atol: 1e-5, rtol: 1e-5, what: k });
  }
});

test('detection presets and errors', () => {
  torch.manualSeed(0);
  const img = picture(20, 30, 3);
  const pilLike = io.tensorToImage(img);
  const target = { boxes: torch.tensor([[1, 2, 10, 12]]), labels: torch.tensor([1], { dtype: 'int64' }) };
  const [t, tg] = new transforms.DetectionPresetTrain({ dataAugmentation: 'hflip' }).call(pilLike, target);
  assert.equal((t as T).dtype, torch.float32);
  assert.deepEqual([...(t as T).shape], [3, 20, 30]);
  assert.equal(tg!.boxes.shape[0], 1);
  const [e] = new transforms.DetectionPresetEval().call(pilLike, null);
  assert.ok((e as T).mul(255).round().to('uint8').equal(img));
  assert.throws(() => new transforms.DetectionPresetTrain({ dataAugmentation: 'mosaic' as never }), /unknown data augmentation policy "mosaic"/);
  assert.throws(() => new D.RandomIoUCrop().call(img, null), /targets can't be None/);
  assert.throws(() => D.flipKeypoints(torch.zeros([1, 5, 3]), 10), /17 flip indices for 5 keypoints/);
  // A custom flip table: two keypoints that swap.
  const k = D.flipKeypoints(torch.tensor([[[1, 2, 2], [3, 4, 0]]]), 10, [1, 0]);
  assert.deepEqual(k.toArray(), [[[0, 0, 0], [9, 2, 2]]]);
});
