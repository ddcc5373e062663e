// ShuffleNet V2 x0.5/x1.0/x1.5/x2.0 against torchvision 0.14: state-dict keys and shapes, bit-identical
// seeded initialisation (PyTorch's default layer init, drawn in construction order), eval logits, printing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../src/index.js';
import * as models from '../src/vision/models/index.js';
import { runPython } from './helpers/pytorch.js';
import { torchvisionReference, assertSameModel, assertLogitsClose, type RefSpec } from './helpers/zoo.js';

torch.manualSeed(14);
const x = torch.randn([2, 3, 64, 64]);
const builders = models as unknown as Record<string, (o?: any) => torch.nn.Module>;
const names = ['shufflenet_v2_x0_5', 'shufflenet_v2_x1_0', 'shufflenet_v2_x1_5', 'shufflenet_v2_x2_0'];
const specs: RefSpec[] = [
  ...names.map((name, i) => ({ name, seed: 60 + i, hash: true, input: 'x' })),
  { name: 'shufflenet_v2_x1_0', seed: 8, kwargs: 'num_classes=6', hash: true, input: 'x' },
];
const refs = torchvisionReference(specs, { x });

test('all four widths: same modules, seeded init and eval logits as torchvision', () => {
  names.forEach((name, i) => {
    torch.manualSeed(60 + i);
    const m = builders[name]!();
    assertSameModel(m, refs[i]!, name);
    assertLogitsClose(torch.noGrad(() => m.eval().call(x)), refs[i]!.eval!, `${name} logits`);
    assert.equal(m.numParameters(), models.getModelWeights(name).DEFAULT.meta.numParams, `${name}: published parameter count`);
  });
  torch.manualSeed(8);
  const m = models.shufflenet_v2_x1_0({ numClasses: 6 });
  assertSameModel(m, refs[4]!, 'shufflenet_v2_x1_0(num_classes=6)');
  assertLogitsClose(torch.noGrad(() => m.eval().call(x)), refs[4]!.eval!, 'shufflenet_v2_x1_0(num_classes=6) logits');
});

test('channel shuffle and printing match torchvision', () => {
  const t = torch.randn([2, 6, 3, 3]);
  const r = runPython(String.raw`
from torchvision.models.shufflenetv2 import channel_shuffle
OUT['s'] = channel_shuffle(T['t'], 3)
torch.manual_seed(0)
OUT_J = str(torchvision.models.shufflenet_v2_x0_5())
`, { tensors: { t } });
  assert.ok(models.channelShuffle(t, 3).equal(r.tensors['s']!));
  torch.manualSeed(0);
  assert.equal(String(models.shufflenet_v2_x0_5()), r.json);
  assert.throws(() => models.channelShuffle(t, 4), /6 channels cannot be split into 4 groups/);
  assert.throws(() => new models.ShuffleNetV2([4, 8], [24, 48, 96, 192, 1024]), /stagesRepeats/);
  assert.throws(() => new models.ShuffleNetInvertedResidual(24, 48, 1), /If stride == 1 then inp should be equal to oup \/\/ 2 << 1/);
});
