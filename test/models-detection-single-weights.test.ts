// The published-weights path of the single-stage builders (weights: 'DEFAULT'), without a network: torchvision
// builds each model exactly as its COCO_V1 checkpoint is structured (FrozenBatchNorm2d where the builder uses it,
// SSDlite's reduced tail), with seeded parameters and seeded normalisation statistics, and saves it into a
// temporary $TORCH_HOME's hub cache under the published file name. Then torchvision and tstorch both build with
// weights 'DEFAULT' from that cache (torchvision applies overwrite_eps(0) to RetinaNet v1) and their eval
// detections on two photos must agree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as torch from '../src/index.js';
import type { Module } from '../src/nn/index.js';
import { FrozenBatchNorm2d } from '../src/vision/ops/misc.js';
import { ssd300_vgg16, SSD300_VGG16_Weights } from '../src/vision/models/detection/ssd.js';
import { ssdlite320_mobilenet_v3_large, SSDLite320_MobileNet_V3_Large_Weights } from '../src/vision/models/detection/ssdlite.js';
import { retinanet_resnet50_fpn, retinanet_resnet50_fpn_v2 } from '../src/vision/models/detection/retinanet.js';
import { fcos_resnet50_fpn } from '../src/vision/models/detection/fcos.js';
import { runPython, assertClose } from './helpers/pytorch.js';
import { photos } from './helpers/det-single-stage.js';

const heavy = process.env.TSTORCH_HEAVY_TESTS === '1';

const CODE = String.raw`
import torchvision.models.detection as D
from torchvision.models._api import WeightsEnum as Weights
s = J
os.environ['TORCH_HOME'] = s['home']
kw = eval('dict(' + s['kwargs'] + ')')
torch.manual_seed(0)
# build the published structure without fetching anything: no state dict to load yet
orig_get, orig_load = Weights.get_state_dict, torch.nn.Module.load_state_dict
Weights.get_state_dict = lambda self, *a, **k: {}
torch.nn.Module.load_state_dict = lambda self, *a, **k: None
try:
    m = getattr(D, s['name'])(weights='DEFAULT')
finally:
    Weights.get_state_dict, torch.nn.Module.load_state_dict = orig_get, orig_load
g = torch.Generator().manual_seed(5)
with torch.no_grad():
    for mod in m.modules():
        if hasattr(mod, 'running_var') and mod.running_var is not None:
            mod.running_var.copy_(0.5 + torch.rand(mod.running_var.shape, generator=g))
            mod.running_mean.copy_(0.1 * torch.randn(mod.running_mean.shape, generator=g))
            if mod.weight is not None:
                mod.weight.copy_(1 + 0.1 * torch.randn(mod.weight.shape, generator=g))
                mod.bias.copy_(0.1 * torch.randn(mod.bias.shape, generator=g))
w = getattr(D, s['enum']).DEFAULT
d = os.path.join(s['home'], 'hub', 'checkpoints')
os.makedirs(d, exist_ok=True)
torch.save(m.state_dict(), os.path.join(d, os.path.basename(w.url)))
m2 = getattr(D, s['name'])(weights='DEFAULT', **kw)
m2.eval()
with torch.no_grad():
    dets = m2([T['img0'], T['img1']])
for i, det in enumerate(dets):
    for k in ['boxes', 'scores', 'labels']:
        OUT[f'e{i}_{k}'] = det[k]
OUT_J = {'frozen': sum(isinstance(x, torchvision.ops.misc.FrozenBatchNorm2d) for x in m2.modules()),
         'eps': sorted({x.eps for x in m2.modules() if isinstance(x, torchvision.ops.misc.FrozenBatchNorm2d)})}
`;

function check(name: string, enumName: string, pyKwargs: string, build: () => Module, top = 50): void {
  const home = mkdtempSync(join(tmpdir(), 'tstorch-hub-'));
  const saved = process.env.TORCH_HOME;
  try {
    const imgs = photos();
    const ref = runPython(CODE, { tensors: { img0: imgs[0]!, img1: imgs[1]! }, json: { name, enum: enumName, kwargs: pyKwargs, home } }, { timeoutMs: 600_000 });
    process.env.TORCH_HOME = home;
    const m = build();
    m.eval();
    const frozen = m.modules().filter((x) => x instanceof FrozenBatchNorm2d) as FrozenBatchNorm2d[];
    assert.equal(frozen.length, ref.json.frozen, `${name}: FrozenBatchNorm2d layers`);
    assert.deepEqual([...new Set(frozen.map((f) => f.eps))].sort(), ref.json.eps, `${name}: FrozenBatchNorm2d eps`);
    const dets = torch.noGrad(() => m.call(imgs)) as { boxes: torch.Tensor; scores: torch.Tensor; labels: torch.Tensor }[];
    dets.forEach((d, i) => {
      const n = Math.min(top, ref.tensors[`e${i}_boxes`]!.shape[0]!);
      assert.equal(d.boxes.shape[0], ref.tensors[`e${i}_boxes`]!.shape[0], `${name}: detections in image ${i}`);
      assertClose(d.boxes.slice(0, 0, n), ref.tensors[`e${i}_boxes`]!.slice(0, 0, n), { atol: 1e-4, rtol: 0, what: `${name}: boxes ${i}` });
      assertClose(d.scores.slice(0, 0, n), ref.tensors[`e${i}_scores`]!.slice(0, 0, n), { atol: 1e-4, rtol: 0, what: `${name}: scores ${i}` });
      assert.deepEqual(d.labels.slice(0, 0, n).toArray(), ref.tensors[`e${i}_labels`]!.slice(0, 0, n).toArray(), `${name}: labels ${i}`);
    });
  } finally {
    if (saved === undefined) delete process.env.TORCH_HOME; else process.env.TORCH_HOME = saved;
    rmSync(home, { recursive: true, force: true });
  }
}

test('ssdlite320_mobilenet_v3_large({ weights: "DEFAULT" }) from the hub cache equals torchvision\'s', () => {
  check('ssdlite320_mobilenet_v3_large', 'SSDLite320_MobileNet_V3_Large_Weights', 'score_thresh=0.0',
    () => ssdlite320_mobilenet_v3_large({ weights: 'DEFAULT', scoreThresh: 0 }));
  assert.equal(SSDLite320_MobileNet_V3_Large_Weights.DEFAULT.meta.categories!.length, 91);
  assert.equal(SSDLite320_MobileNet_V3_Large_Weights.DEFAULT.meta.metrics['COCO-val2017']!['box_map'], 21.3);
});

test('retinanet_resnet50_fpn({ weights: "DEFAULT" }): FrozenBatchNorm2d with eps 0, as torchvision', () => {
  check('retinanet_resnet50_fpn', 'RetinaNet_ResNet50_FPN_Weights', 'min_size=160, max_size=224, score_thresh=0.0',
    () => retinanet_resnet50_fpn({ weights: 'DEFAULT', minSize: 160, maxSize: 224, scoreThresh: 0 }));
});

test('retinanet v2, FCOS and SSD300 published paths equal torchvision\'s', { skip: !heavy && 'TSTORCH_HEAVY_TESTS=1' }, () => {
  check('retinanet_resnet50_fpn_v2', 'RetinaNet_ResNet50_FPN_V2_Weights', 'min_size=160, max_size=224, score_thresh=0.0',
    () => retinanet_resnet50_fpn_v2({ weights: 'DEFAULT', minSize: 160, maxSize: 224, scoreThresh: 0 }));
  check('fcos_resnet50_fpn', 'FCOS_ResNet50_FPN_Weights', 'min_size=160, max_size=224, score_thresh=0.0',
    () => fcos_resnet50_fpn({ weights: 'DEFAULT', minSize: 160, maxSize: 224, scoreThresh: 0 }));
  check('ssd300_vgg16', 'SSD300_VGG16_Weights', 'score_thresh=0.0', () => ssd300_vgg16({ weights: 'DEFAULT', scoreThresh: 0 }));
  assert.equal(SSD300_VGG16_Weights.DEFAULT.meta.metrics['COCO-val2017']!['box_map'], 25.1);
});
