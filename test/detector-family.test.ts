// src/train/detector-family.ts: where each detector family keeps its classes. Swapping the class predictor for
// numClasses gives the structure torchvision's builder makes for numClasses (keys, shapes, strict load), the class
// count reads back from the state dict, and a swapped RetinaNet and FCOS compute torchvision's head outputs and
// training losses for the same weights (torchvision's model built with num_classes=3 loading the swapped state dict).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as torch from '../src/index.js';
import { getModelBuilder } from '../src/vision/models/registry.js';
import { detectorFamily, replaceClassPredictor, scoreThreshOptions, stateDictNumClasses } from '../src/train/detector-family.js';
import { runPython, assertClose } from './helpers/pytorch.js';

type Builder = (o: Record<string, unknown>) => torch.nn.Module;

test('detector families: score-threshold option, class count from the state dict, class predictor swap', () => {
  assert.deepEqual(scoreThreshOptions('rcnn', 0), { boxScoreThresh: 0 });
  assert.deepEqual(scoreThreshOptions('retinanet', 0.5), { scoreThresh: 0.05 });
  assert.deepEqual(scoreThreshOptions('fcos', 0.1), { scoreThresh: 0.1 });
  assert.deepEqual(scoreThreshOptions('ssdlite', 0.5), { scoreThresh: 0.001 });
  assert.equal(detectorFamily('resnet18'), null);
  for (const name of ['retinanet_resnet50_fpn', 'retinanet_resnet50_fpn_v2', 'fcos_resnet50_fpn', 'ssd300_vgg16', 'ssdlite320_mobilenet_v3_large',
    'fasterrcnn_mobilenet_v3_large_320_fpn', 'maskrcnn_resnet50_fpn']) {
    const family = detectorFamily(name)!;
    const build = getModelBuilder(name) as Builder;
    const model = build({ weights: null, weightsBackbone: null });
    assert.equal(stateDictNumClasses(model.stateDict(), family), 91, name);
    const three = build({ weights: null, weightsBackbone: null, numClasses: 3 });
    replaceClassPredictor(model, name, 3);
    const [got, want] = [model.stateDict(), three.stateDict()];
    assert.deepEqual(Object.keys(got), Object.keys(want), `${name}: keys after the swap`);
    for (const k of Object.keys(want)) assert.deepEqual([...got[k]!.shape], [...want[k]!.shape], `${name}: ${k}`);
    three.loadStateDict(got, { strict: true });
    assert.equal(stateDictNumClasses(got, family), 3, name);
  }
  assert.throws(() => stateDictNumClasses({}, 'fcos'), /no key 'head\.classification_head\.cls_logits\.weight'/);
  assert.throws(() => stateDictNumClasses({ 'head.classification_head.cls_logits.weight': torch.zeros([10, 1, 1, 1]),
    'head.regression_head.bbox_reg.weight': torch.zeros([36, 1, 1, 1]) }, 'retinanet'), /10 output channels, not a multiple of the 36 \/ 4 anchors/);
});

test('a RetinaNet and an FCOS with swapped class predictors equal torchvision num_classes=3 models (head outputs, training losses)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tstorch-detfam-'));
  try {
    torch.manualSeed(0);
    const image = torch.rand([3, 64, 80]);
    const target = { boxes: torch.tensor([[8, 10, 40, 50]]), labels: torch.tensor([2], { dtype: 'int64' }) };
    const x = torch.rand([1, 3, 64, 96]);
    const mine: Record<string, torch.Tensor> = {};
    const files: Record<string, string> = {};
    for (const name of ['retinanet_resnet50_fpn', 'fcos_resnet50_fpn']) {
      const model = (getModelBuilder(name) as Builder)({ weights: null, weightsBackbone: null, minSize: 64, maxSize: 96 }) as torch.nn.Module & {
        backbone: torch.nn.Module; head: torch.nn.Module };
      replaceClassPredictor(model, name, 3);
      files[name] = join(dir, `${name}.pth`);
      torch.save(model.stateDict(), files[name]!);
      model.eval();
      torch.noGrad(() => {
        const features = [...(model.backbone.call(x) as Map<string, torch.Tensor>).values()];
        mine[`${name}.cls_logits`] = (model.head.call(features) as Record<string, torch.Tensor>).cls_logits!;
      });
      model.train();
      const losses = model.call([image], [target]) as Record<string, torch.Tensor>;
      for (const [k, v] of Object.entries(losses)) mine[`${name}.${k}`] = v.detach();
    }
    const ref = runPython(String.raw`
import torchvision.models.detection as D
for name, f in J.items():
    m = getattr(D, name)(weights=None, weights_backbone=None, num_classes=3, min_size=64, max_size=96)
    m.load_state_dict(torch.load(f), strict=True)
    m.eval()
    with torch.no_grad():
        OUT[name + '.cls_logits'] = m.head(list(m.backbone(T['x']).values()))['cls_logits']
    m.train()
    losses = m([T['image']], [{'boxes': T['boxes'], 'labels': T['labels']}])
    for k, v in losses.items():
        OUT[name + '.' + k] = v.detach()
`, { tensors: { x, image, boxes: target.boxes, labels: target.labels }, json: files });
    assert.deepEqual(Object.keys(mine).sort(), Object.keys(ref.tensors).sort());
    assert.equal(mine['retinanet_resnet50_fpn.cls_logits']!.shape.at(-1), 3);
    for (const k of Object.keys(mine)) assertClose(mine[k]!, ref.tensors[k]!, { atol: 1e-4, what: k });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
