// RetinaNet (v1 and v2) against torchvision 0.14: state dict, strict loading of torchvision's file, eval
// detections on two real photos, one training step (focal and L1 / GIoU losses, gradients, buffers); the
// version-1 head keys of older checkpoints; builder option errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../src/index.js';
import { retinanet_resnet50_fpn, retinanet_resnet50_fpn_v2, RetinaNetClassificationHead } from '../src/vision/models/detection/retinanet.js';
import { assertSingleStageParity } from './helpers/det-single-stage.js';

const heavy = process.env.TSTORCH_HEAVY_TESTS === '1';
// small images keep the ResNet-50 forward and backward fast; score threshold 0 so that random weights detect
const PY_SMALL = 'weights=None, weights_backbone=None, min_size=160, max_size=224, score_thresh=0.0';
const SMALL = { weights: null, weightsBackbone: null, minSize: 160, maxSize: 224, scoreThresh: 0 } as const;

test('retinanet_resnet50_fpn equals torchvision: keys, strict load, eval detections on photos, one training step', () => {
  const r = assertSingleStageParity('retinanet_resnet50_fpn', {
    pyBuild: `D.retinanet_resnet50_fpn(${PY_SMALL})`, build: () => retinanet_resnet50_fpn({ ...SMALL }), seed: 0, stepSeed: 1,
  });
  console.log('retinanet_resnet50_fpn', JSON.stringify(r));
});

test('retinanet_resnet50_fpn_v2 (GroupNorm heads, GIoU loss) equals torchvision', { skip: !heavy && 'TSTORCH_HEAVY_TESTS=1' }, () => {
  const r = assertSingleStageParity('retinanet_resnet50_fpn_v2', {
    pyBuild: `D.retinanet_resnet50_fpn_v2(${PY_SMALL})`, build: () => retinanet_resnet50_fpn_v2({ ...SMALL }), seed: 0, stepSeed: 1,
  });
  console.log('retinanet_resnet50_fpn_v2', JSON.stringify(r));
});

test('retinanet_resnet50_fpn at 800 px (torchvision\'s default sizes) equals torchvision', { skip: !heavy && 'TSTORCH_HEAVY_TESTS=1' }, () => {
  const r = assertSingleStageParity('retinanet_resnet50_fpn 800px', {
    pyBuild: 'D.retinanet_resnet50_fpn(weights=None, weights_backbone=None, score_thresh=0.0)',
    build: () => retinanet_resnet50_fpn({ weights: null, weightsBackbone: null, scoreThresh: 0 }), seed: 2, stepSeed: 3,
  });
  console.log('retinanet_resnet50_fpn 800px', JSON.stringify(r));
});

test('RetinaNet heads load version-1 keys (conv.0, conv.2, ...) as torchvision migrates them', () => {
  torch.manualSeed(0);
  const head = new RetinaNetClassificationHead(32, 9, 3);
  const sd = head.stateDict();
  const old: Record<string, torch.Tensor> = {};
  for (const [k, v] of Object.entries(sd)) {
    const m = /^conv\.(\d)\.0\.(weight|bias)$/.exec(k);
    old[m ? `conv.${2 * Number(m[1])}.${m[2]}` : k] = v.clone();
  }
  assert.ok('conv.6.weight' in old && !('conv.3.0.weight' in old));
  const fresh = new RetinaNetClassificationHead(32, 9, 3);
  fresh.loadStateDict(old, { strict: true });
  assert.ok(fresh.stateDict()['conv.3.0.weight']!.equal(sd['conv.3.0.weight']!));
});

test('RetinaNet builders: options they cannot use are errors naming them', () => {
  assert.throws(() => retinanet_resnet50_fpn({ weightsBackbone: null, boxScoreThresh: 0.1 } as never), /unknown option 'boxScoreThresh'/);
  assert.throws(() => retinanet_resnet50_fpn({ weights: 'COCO_V1', numClasses: 3 }), /numClasses/);
  assert.throws(() => retinanet_resnet50_fpn_v2({ weights: 'NOPE' }), /RetinaNet_ResNet50_FPN_V2_Weights has no weights 'NOPE'/);
  const m = retinanet_resnet50_fpn({ weightsBackbone: null, numClasses: 5, minSize: 64, maxSize: 64 });
  m.eval();
  assert.throws(() => m.call([torch.rand(3, 32)]), /index 0/);
  m.train();
  assert.throws(() => m.call([torch.rand(3, 32, 32)]), /targets should not be none/);
  assert.throws(() => m.call([torch.rand(3, 32, 32)], [{ boxes: torch.tensor([[5, 5, 5, 9]]), labels: torch.tensor([1], { dtype: 'int64' }) }]),
    /positive height and width. Found invalid box \[10, 10, 10, 18\] for target at index 0/);
});
