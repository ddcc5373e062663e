// FCOS against torchvision 0.14: state dict, strict loading of torchvision's file, eval detections on two real
// photos, one training step (focal, GIoU and centre-ness losses, gradients, buffers); builder option errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../src/index.js';
import { fcos_resnet50_fpn } from '../src/vision/models/detection/fcos.js';
import { assertSingleStageParity } from './helpers/det-single-stage.js';

const heavy = process.env.TSTORCH_HEAVY_TESTS === '1';

test('fcos_resnet50_fpn equals torchvision: keys, strict load, eval detections on photos, one training step', () => {
  const r = assertSingleStageParity('fcos_resnet50_fpn', {
    pyBuild: 'D.fcos_resnet50_fpn(weights=None, weights_backbone=None, min_size=160, max_size=224, score_thresh=0.0)',
    build: () => fcos_resnet50_fpn({ weights: null, weightsBackbone: null, minSize: 160, maxSize: 224, scoreThresh: 0 }), seed: 0, stepSeed: 1,
  });
  console.log('fcos_resnet50_fpn', JSON.stringify(r));
});

test('fcos_resnet50_fpn at 800 px (torchvision\'s default sizes) equals torchvision', { skip: !heavy && 'TSTORCH_HEAVY_TESTS=1' }, () => {
  const r = assertSingleStageParity('fcos_resnet50_fpn 800px', {
    pyBuild: 'D.fcos_resnet50_fpn(weights=None, weights_backbone=None, score_thresh=0.0)',
    build: () => fcos_resnet50_fpn({ weights: null, weightsBackbone: null, scoreThresh: 0 }), seed: 2, stepSeed: 3,
  });
  console.log('fcos_resnet50_fpn 800px', JSON.stringify(r));
});

test('FCOS builder: options it cannot use are errors naming them', () => {
  assert.throws(() => fcos_resnet50_fpn({ weightsBackbone: null, fgIouThresh: 0.5 } as never), /unknown option 'fgIouThresh'/);
  assert.throws(() => fcos_resnet50_fpn({ weights: 'COCO_V1', numClasses: 3 }), /numClasses/);
  const m = fcos_resnet50_fpn({ weightsBackbone: null, numClasses: 5, minSize: 64, maxSize: 64 });
  m.train();
  assert.throws(() => m.call([torch.rand(3, 32, 32)], [{ boxes: torch.tensor([1, 2, 3, 4]), labels: torch.tensor([1], { dtype: 'int64' }) }]), /shape \[N, 4\]/);
});
