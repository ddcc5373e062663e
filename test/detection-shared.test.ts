// The shared pieces of vision.models.detection against torchvision 0.14, in one Python run: BoxCoder (encode,
// decode, the dw/dh clip), BoxLinearCoder, Matcher (thresholds, low-quality matches with ties), SSDMatcher,
// BalancedPositiveNegativeSampler (same seed, same samples), AnchorGenerator, GeneralizedRCNNTransform (eval
// and training resizes with targets, batching, postprocess with mask pasting), backbones with FPN (state-dict keys
// and shapes, frozen layers, outputs with torchvision's weights).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../src/index.js';
import * as vision from '../src/vision/index.js';
import { runPython, assertClose } from './helpers/pytorch.js';

const det = vision.models.detection;
type T = torch.Tensor;

function randomBoxes(n: number, size: number): T {
  const xy = torch.rand([n, 2]).mul(size);
  const wh = torch.rand([n, 2]).mul(size / 2).add(1);
  return torch.cat([xy, xy.add(wh)], 1);
}

const PY = String.raw`
from torchvision.models.detection import _utils as U
from torchvision.models.detection.anchor_utils import AnchorGenerator
from torchvision.models.detection.transform import GeneralizedRCNNTransform
from torchvision.models.detection.image_list import ImageList
from torchvision.models.detection.roi_heads import paste_masks_in_image
from torchvision.models.detection.backbone_utils import resnet_fpn_backbone, mobilenet_backbone
OUT_J = {}
bc = U.BoxCoder((10., 10., 5., 5.))
OUT['enc'] = bc.encode_single(T['ref'], T['prop'])
OUT['enc_list'] = torch.cat(bc.encode([T['ref'][:5], T['ref'][5:]], [T['prop'][:5], T['prop'][5:]]))
OUT['dec'] = bc.decode(T['codes'], [T['prop'][:5], T['prop'][5:]])
OUT['dec_single'] = bc.decode_single(T['codes'], T['prop'])
lc = U.BoxLinearCoder(True)
OUT['lin_enc'] = lc.encode(T['ref'], T['prop'])
OUT['lin_dec'] = lc.decode(T['codes'][:, :4], T['prop'])
OUT['m_plain'] = U.Matcher(0.7, 0.3, False)(T['iou'])
OUT['m_low'] = U.Matcher(0.7, 0.3, True)(T['iou'])
OUT['m_ssd'] = U.SSDMatcher(0.5)(T['iou'])
torch.manual_seed(5)
pos, neg = U.BalancedPositiveNegativeSampler(16, 0.25)([T['mi0'], T['mi1']])
for i, (p, n) in enumerate(zip(pos, neg)): OUT['pos%d' % i] = p; OUT['neg%d' % i] = n
OUT['after_sampler'] = torch.rand(3)
ag = AnchorGenerator(((16, 24), (48,)), ((0.5, 1.0, 2.0), (0.7, 1.3)))
il = ImageList(torch.zeros(2, 3, 64, 96), [(60, 90), (64, 80)])
for i, a in enumerate(ag(il, [torch.zeros(2, 4, 16, 24), torch.zeros(2, 4, 8, 12)])): OUT['anchors%d' % i] = a
OUT_J['num_anchors'] = ag.num_anchors_per_location()
ag1 = AnchorGenerator((32, 64), (0.5, 1.0))
OUT['anchors_flat'] = ag1(il, [torch.zeros(2, 4, 16, 24), torch.zeros(2, 4, 8, 12)])[0]

t = GeneralizedRCNNTransform(80, 120, [0.485, 0.456, 0.406], [0.229, 0.224, 0.225])
OUT_J['repr'] = repr(t)
t.eval()
il, _ = t([T['img0'], T['img1']])
OUT['eval_batch'] = il.tensors
OUT_J['eval_sizes'] = il.image_sizes
t.train()
t.min_size = (64, 80, 96)
torch.manual_seed(11)
targets = [{'boxes': T['tb0'], 'labels': torch.tensor([1, 2]), 'masks': T['tm0'], 'keypoints': T['tk0']},
           {'boxes': T['tb1'], 'labels': torch.tensor([3]), 'masks': T['tm1'], 'keypoints': T['tk1']}]
il, tt = t([T['img0'], T['img1']], targets)
OUT['train_batch'] = il.tensors
OUT_J['train_sizes'] = il.image_sizes
for i, d in enumerate(tt):
    for k, v in d.items(): OUT['tt%d_%s' % (i, k)] = v
OUT['after_transform'] = torch.rand(2)
t.eval()
res = t.postprocess([{'boxes': T['pb'], 'masks': T['pm'], 'keypoints': T['pk']}], [(60, 90)], [(100, 130)])
for k, v in res[0].items(): OUT['pp_' + k] = v
OUT['paste'] = paste_masks_in_image(T['pm'], T['pb'], (40, 50))

bb = resnet_fpn_backbone(backbone_name='resnet18', weights=None, trainable_layers=2)
OUT_J['r18_keys'] = [[k, list(v.shape)] for k, v in bb.state_dict().items()]
OUT_J['r18_trainable'] = [k for k, p in bb.named_parameters() if p.requires_grad]
mb = mobilenet_backbone(backbone_name='mobilenet_v3_large', weights=None, fpn=True, trainable_layers=3)
OUT_J['mb_keys'] = [[k, list(v.shape)] for k, v in mb.state_dict().items()]
OUT_J['mb_trainable'] = [k for k, p in mb.named_parameters() if p.requires_grad]
mb2 = mobilenet_backbone(backbone_name='mobilenet_v3_large', weights=None, fpn=False, trainable_layers=0)
OUT_J['mb2_keys'] = [[k, list(v.shape)] for k, v in mb2.state_dict().items()]
OUT_J['mb2_trainable'] = [k for k, p in mb2.named_parameters() if p.requires_grad]
torch.manual_seed(2)
for m in [bb, mb]:
    for p in m.state_dict().values():
        if p.is_floating_point() and p.dim() == 1: p.copy_(torch.rand_like(p) * 0.2 + 0.9)
for k, v in bb.state_dict().items(): OUT['r18sd_' + k] = v
for k, v in mb.state_dict().items(): OUT['mbsd_' + k] = v
bb.eval(); mb.eval()
with torch.no_grad():
    for k, v in bb(T['bimg']).items(): OUT['r18out_' + k] = v
    for k, v in mb(T['bimg']).items(): OUT['mbout_' + k] = v
`;

test('detection shared parts equal torchvision: box coders, matchers, sampler, anchors, transform, backbones', () => {
  torch.manualSeed(1);
  const ref = randomBoxes(9, 60);
  const prop = randomBoxes(9, 60);
  const codes = torch.randn([9, 8]).mul(2);
  codes.indexPut_([0, 2], 9); // beyond the dw clip
  const iou = det.Matcher && vision.ops.boxIou(randomBoxes(4, 40), randomBoxes(12, 40));
  iou.indexPut_([1, 5], iou.select(0, 1).max().item()); // a tie for gt 1
  iou.indexPut_([1, 7], iou.select(0, 1).max().item());
  const mi0 = torch.randint(-2, 3, [40]);
  const mi1 = torch.randint(-1, 2, [30]);
  const img0 = torch.rand([3, 50, 70]);
  const img1 = torch.rand([3, 64, 40]);
  const tb0 = torch.tensor([[5, 6, 30, 40], [10, 2, 60, 48]]);
  const tb1 = torch.tensor([[3, 4, 38, 60]]);
  const tm0 = torch.rand([2, 50, 70]).gt(0.5).to('uint8');
  const tm1 = torch.rand([1, 64, 40]).gt(0.5).to('uint8');
  const tk0 = torch.cat([torch.rand([2, 3, 2]).mul(40), torch.ones([2, 3, 1])], 2);
  const tk1 = torch.cat([torch.rand([1, 3, 2]).mul(40), torch.ones([1, 3, 1])], 2);
  const pb = torch.tensor([[-5, 3, 30, 28], [10.5, 12.2, 88, 59], [40, 30, 41, 31]]);
  const pm = torch.rand([3, 1, 28, 28]);
  const pk = torch.rand([3, 17, 3]).mul(50);
  const bimg = torch.rand([1, 3, 64, 96]);
  const py = runPython(PY, { tensors: { ref, prop, codes, iou, mi0, mi1, img0, img1, tb0, tb1, tm0, tm1, tk0, tk1, pb, pm, pk, bimg } });
  const P = py.tensors;
  const eq = (a: T, b: T, what: string) => { assert.deepEqual(a.shape, b.shape, what); assert.ok(a.equal(b), what); };

  const bc = new det.BoxCoder([10, 10, 5, 5]);
  assertClose(bc.encodeSingle(ref, prop), P.enc!, { atol: 1e-6, rtol: 1e-6, what: 'encode' });
  assertClose(torch.cat(bc.encode([ref.slice(0, 0, 5), ref.slice(0, 5)], [prop.slice(0, 0, 5), prop.slice(0, 5)])), P.enc_list!, { atol: 1e-6, rtol: 1e-6, what: 'encode list' });
  assertClose(bc.decode(codes, [prop.slice(0, 0, 5), prop.slice(0, 5)]), P.dec!, { atol: 1e-5, rtol: 1e-6, what: 'decode' });
  assertClose(bc.decodeSingle(codes, prop), P.dec_single!, { atol: 1e-5, rtol: 1e-6, what: 'decode single' });
  const lc = new det.BoxLinearCoder(true);
  assertClose(lc.encode(ref, prop), P.lin_enc!, { atol: 1e-6, what: 'linear encode' });
  assertClose(lc.decode(codes.slice(1, 0, 4), prop), P.lin_dec!, { atol: 1e-5, what: 'linear decode' });

  eq(new det.Matcher(0.7, 0.3, false).call(iou), P.m_plain!, 'Matcher');
  eq(new det.Matcher(0.7, 0.3, true).call(iou), P.m_low!, 'Matcher with low-quality matches');
  eq(new det.SSDMatcher(0.5).call(iou), P.m_ssd!, 'SSDMatcher');
  assert.throws(() => new det.Matcher(0.7, 0.3).call(torch.zeros([0, 5])), /No ground-truth boxes/);
  assert.throws(() => new det.Matcher(0.3, 0.7), /low_threshold should be <= high_threshold/);

  torch.manualSeed(5);
  const [pos, neg] = new det.BalancedPositiveNegativeSampler(16, 0.25).call([mi0, mi1]);
  pos.forEach((p, i) => eq(p, P[`pos${i}`]!, `sampler positives ${i}`));
  neg.forEach((n, i) => eq(n, P[`neg${i}`]!, `sampler negatives ${i}`));
  eq(torch.rand([3]), P.after_sampler!, 'generator state after sampling');

  const ag = new det.AnchorGenerator([[16, 24], [48]], [[0.5, 1.0, 2.0], [0.7, 1.3]]);
  const il = new det.ImageList(torch.zeros([2, 3, 64, 96]), [[60, 90], [64, 80]]);
  const anchors = ag.call(il, [torch.zeros([2, 4, 16, 24]), torch.zeros([2, 4, 8, 12])]) as T[];
  anchors.forEach((a, i) => eq(a, P[`anchors${i}`]!, `anchors ${i}`));
  assert.deepEqual(ag.numAnchorsPerLocation(), py.json.num_anchors);
  const ag1 = new det.AnchorGenerator([32, 64], [0.5, 1.0]);
  eq((ag1.call(il, [torch.zeros([2, 4, 16, 24]), torch.zeros([2, 4, 8, 12])]) as T[])[0]!, P.anchors_flat!, 'anchors, flat sizes');

  const t = new det.GeneralizedRCNNTransform(80, 120, [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]);
  assert.equal(t.toString(), py.json.repr);
  t.eval();
  const [ilE] = t.call([img0, img1]) as [InstanceType<typeof det.ImageList>, null];
  assertClose(ilE.tensors, P.eval_batch!, { atol: 1e-5, what: 'eval batch' });
  assert.deepEqual(ilE.imageSizes, py.json.eval_sizes);
  t.train();
  const tt = new det.GeneralizedRCNNTransform([64, 80, 96], 120, [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]);
  torch.manualSeed(11);
  const [ilT, targets] = tt.call([img0, img1], [
    { boxes: tb0, labels: torch.tensor([1, 2]), masks: tm0, keypoints: tk0 },
    { boxes: tb1, labels: torch.tensor([3]), masks: tm1, keypoints: tk1 },
  ]) as [InstanceType<typeof det.ImageList>, Record<string, T>[]];
  assertClose(ilT.tensors, P.train_batch!, { atol: 1e-5, what: 'training batch (random min size)' });
  assert.deepEqual(ilT.imageSizes, py.json.train_sizes);
  targets.forEach((d, i) => {
    for (const [k, v] of Object.entries(d)) {
      if (k === 'masks' || k === 'labels') eq(v, P[`tt${i}_${k}`]!, `target ${i} ${k}`);
      else assertClose(v, P[`tt${i}_${k}`]!, { atol: 1e-5, what: `target ${i} ${k}` });
    }
  });
  eq(torch.rand([2]), P.after_transform!, 'generator state after the transform');
  t.eval();
  const [pp] = t.postprocess([{ boxes: pb, masks: pm, keypoints: pk }], [[60, 90]], [[100, 130]]);
  for (const k of ['boxes', 'masks', 'keypoints']) assertClose(pp![k]!, P[`pp_${k}`]!, { atol: 1e-5, what: `postprocess ${k}` });
  assertClose(det.pasteMasksInImage(pm, pb, [40, 50]), P.paste!, { atol: 1e-6, what: 'paste masks (boxes partly outside)' });
  assert.throws(() => t.call([torch.rand([3, 4])]), /3d tensors of shape \[C, H, W\]/);
  assert.throws(() => t.call([torch.ones([3, 8, 8], { dtype: 'uint8' })]), /floating type/);

  const keysOf = (m: torch.nn.Module) => Object.entries(m.stateDict()).map(([k, v]) => [k, [...v.shape]]);
  const trainable = (m: torch.nn.Module) => m.namedParameters().filter(([, p]) => p.requiresGrad).map(([k]) => k);
  const bb = det.resnet_fpn_backbone({ backboneName: 'resnet18', weights: null, trainableLayers: 2 });
  assert.deepEqual(keysOf(bb), py.json.r18_keys, 'resnet18 FPN backbone state-dict keys and shapes');
  assert.deepEqual(trainable(bb), py.json.r18_trainable, 'resnet18 FPN trainable parameters');
  const mb = det.mobilenet_backbone({ backboneName: 'mobilenet_v3_large', weights: null, fpn: true, trainableLayers: 3 });
  assert.deepEqual(keysOf(mb), py.json.mb_keys, 'mobilenet FPN backbone keys');
  assert.deepEqual(trainable(mb), py.json.mb_trainable, 'mobilenet FPN trainable parameters');
  const mb2 = det.mobilenet_backbone({ backboneName: 'mobilenet_v3_large', weights: null, fpn: false, trainableLayers: 0 });
  assert.deepEqual(keysOf(mb2), py.json.mb2_keys, 'mobilenet backbone (no FPN) keys');
  assert.deepEqual(trainable(mb2), py.json.mb2_trainable, 'mobilenet backbone (no FPN) trainable parameters');
  assert.deepEqual(det.retrieveOutChannels(mb2, [64, 64]), [256]);
  const sub = (p: string) => Object.fromEntries(Object.entries(P).filter(([k]) => k.startsWith(p)).map(([k, v]) => [k.slice(p.length), v]));
  bb.loadStateDict(sub('r18sd_'), { strict: true });
  mb.loadStateDict(sub('mbsd_'), { strict: true });
  bb.eval(); mb.eval();
  torch.noGrad(() => {
    const o1 = bb.call(bimg) as Map<string, T>;
    assert.deepEqual([...o1.keys()], ['0', '1', '2', '3', 'pool']);
    for (const [k, v] of o1) assertClose(v, P[`r18out_${k}`]!, { atol: 1e-4, what: `resnet18 FPN output ${k}` });
    const o2 = mb.call(bimg) as Map<string, T>;
    assert.deepEqual([...o2.keys()], ['0', '1', 'pool']);
    for (const [k, v] of o2) assertClose(v, P[`mbout_${k}`]!, { atol: 1e-4, what: `mobilenet FPN output ${k}` });
  });
  assert.throws(() => det.resnet_fpn_backbone({ backboneName: 'resnet18', trainableLayers: 6 }), /range \[0,5\]/);
  assert.throws(() => det.resnet_fpn_backbone({ backboneName: 'resnet18', pretrained: true } as never), /unexpected keyword argument 'pretrained'/);
  assert.equal(det.validateTrainableLayers(true, null, 5, 3), 3);
  assert.throws(() => det.validateTrainableLayers(true, 7, 5, 3), /range \[0,5\]/);
});

test('detection weights table: torchvision enums, COCO categories, ObjectDetection transform', () => {
  const w = det.detectionWeightsEnum('MaskRCNN_ResNet50_FPN_Weights');
  assert.equal(w.DEFAULT.toString(), 'MaskRCNN_ResNet50_FPN_Weights.COCO_V1');
  assert.equal(w.DEFAULT.meta.categories!.length, 91);
  assert.equal(w.DEFAULT.meta.categories![1], 'person');
  assert.deepEqual(w.DEFAULT.meta.metrics['COCO-val2017'], { box_map: 37.9, mask_map: 34.6 });
  const k = det.detectionWeightsEnum('KeypointRCNN_ResNet50_FPN_Weights');
  assert.deepEqual(k.names(), ['COCO_LEGACY', 'COCO_V1']);
  assert.deepEqual(k.DEFAULT.meta.categories, ['no person', 'person']);
  assert.equal((k.DEFAULT.meta as { keypointNames?: string[] }).keypointNames!.length, 17);
  const img = torch.randint(0, 256, [3, 4, 5], { dtype: 'uint8' });
  const x = w.DEFAULT.transforms().call(img);
  assert.ok(x.equal(img.float().div(255)));
});

test('registry: the detection builders are listed by their namespace, not among the classification models', () => {
  const d = vision.models.listModels({ module: vision.models.detection });
  for (const n of ['fasterrcnn_resnet50_fpn', 'fasterrcnn_resnet50_fpn_v2', 'fasterrcnn_mobilenet_v3_large_fpn', 'fasterrcnn_mobilenet_v3_large_320_fpn',
    'maskrcnn_resnet50_fpn', 'maskrcnn_resnet50_fpn_v2', 'keypointrcnn_resnet50_fpn']) assert.ok(d.includes(n), n);
  assert.ok(!d.includes('resnet50'));
  const cls = vision.models.listModels({ module: vision.models });
  assert.ok(cls.includes('resnet50') && !cls.includes('maskrcnn_resnet50_fpn'));
  assert.equal(vision.models.getModelWeights('maskrcnn_resnet50_fpn').toString(), 'MaskRCNN_ResNet50_FPN_Weights');
  assert.equal(vision.models.getWeight('KeypointRCNN_ResNet50_FPN_Weights.COCO_LEGACY').toString(), 'KeypointRCNN_ResNet50_FPN_Weights.COCO_LEGACY');
});
