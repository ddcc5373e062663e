// MNASNet 0.5/0.75/1.0/1.3 against torchvision 0.14: state-dict keys and shapes, bit-identical seeded
// initialisation, eval logits, printing, and torchvision's checkpoint versions (a version-1 checkpoint of a
// model with alpha != 1 rebuilds the stem before loading).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as torch from '../src/index.js';
import * as models from '../src/vision/models/index.js';
import { runPython } from './helpers/pytorch.js';
import { torchvisionReference, assertSameModel, assertLogitsClose, type RefSpec } from './helpers/zoo.js';

torch.manualSeed(16);
const x = torch.randn([2, 3, 64, 64]);
const builders = models as unknown as Record<string, (o?: any) => torch.nn.Module>;
const names = ['mnasnet0_5', 'mnasnet0_75', 'mnasnet1_0', 'mnasnet1_3'];
const specs: RefSpec[] = [
  ...names.map((name, i) => ({ name, seed: 80 + i, hash: true, input: 'x' })),
  { name: 'mnasnet1_0', seed: 6, kwargs: 'num_classes=3, dropout=0.5', hash: true },
];
const refs = torchvisionReference(specs, { x });

test('all four depths: same modules, seeded init and eval logits as torchvision', () => {
  names.forEach((name, i) => {
    torch.manualSeed(80 + i);
    const m = builders[name]!();
    assertSameModel(m, refs[i]!, name);
    assertLogitsClose(torch.noGrad(() => m.eval().call(x)), refs[i]!.eval!, `${name} logits`);
    assert.equal(m.numParameters(), models.getModelWeights(name).DEFAULT.meta.numParams, `${name}: published parameter count`);
  });
  torch.manualSeed(6);
  assertSameModel(models.mnasnet1_0({ numClasses: 3, dropout: 0.5 }), refs[4]!, 'mnasnet1_0(num_classes=3, dropout=0.5)');
});

test('checkpoint versions: a version-1 checkpoint loads into mnasnet0_5 (stem rebuilt), as in torchvision', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tstorch-mnasnet-'));
  try {
    const v1 = join(dir, 'mnasnet0_5-v1.pth');
    const v2 = join(dir, 'mnasnet0_5-v2.pth');
    // torchvision converts a model to version 1 inside _load_from_state_dict; call it directly to make a
    // version-1 model, give its BN statistics non-trivial values, save it (metadata version 1) and reload it
    // into a fresh model the way a user would.
    const r = runPython(String.raw`
torch.manual_seed(3)
m = torchvision.models.mnasnet0_5(num_classes=10)
m._load_from_state_dict({}, '', {'version': 1}, False, [], [], [])
for mod in m.modules():
    if isinstance(mod, torch.nn.BatchNorm2d):
        mod.running_mean.uniform_(-0.5, 0.5)
        mod.running_var.uniform_(0.5, 1.5)
sd = m.state_dict()
torch.save(sd, J['v1'])
fresh = torchvision.models.mnasnet0_5(num_classes=10)
fresh.load_state_dict(torch.load(J['v1']))
fresh.eval()
with torch.no_grad():
    OUT['y1'] = fresh(T['x'])
torch.manual_seed(4)
m2 = torchvision.models.mnasnet0_5(num_classes=10).eval()
torch.save(m2.state_dict(), J['v2'])
with torch.no_grad():
    OUT['y2'] = m2(T['x'])
OUT_J = {'version': sd._metadata['']['version'], 'stem': list(sd['layers.0.weight'].shape), 'repr': str(fresh)}
`, { tensors: { x }, json: { v1, v2 } });
    assert.equal(r.json.version, 1);
    assert.deepEqual(r.json.stem, [32, 3, 3, 3]);

    const m = models.mnasnet0_5({ numClasses: 10, weights: v1 });
    assert.equal(m.version, 1);
    assertLogitsClose(torch.noGrad(() => m.eval().call(x)), r.tensors['y1']!, 'mnasnet0_5 from a version-1 checkpoint');
    assert.equal(String(m), r.json.repr);

    const m2 = models.mnasnet0_5({ numClasses: 10, weights: v2 });
    assert.equal(m2.version, 2);
    assertLogitsClose(torch.noGrad(() => m2.eval().call(x)), r.tensors['y2']!, 'mnasnet0_5 from a version-2 checkpoint');

    // PyTorch's metadata, where a state dict carries it, decides the version
    const sd = m2.stateDict();
    Object.defineProperty(sd, '_metadata', { value: { '': { version: 1 } }, enumerable: false, writable: true });
    assert.throws(() => models.mnasnet0_5({ numClasses: 10 }).loadStateDict(sd), /size mismatch for layers\.0\.weight/);
    (sd as any)._metadata = { '': { version: 7 } };
    assert.throws(() => models.mnasnet0_5({ numClasses: 10 }).loadStateDict(sd), /version should be set to 1 or 2 instead of 7/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('printing matches torchvision; bad arguments are refused', () => {
  const r = runPython('OUT_J = str(torchvision.models.mnasnet1_3())');
  assert.equal(String(models.mnasnet1_3()), r.json);
  assert.throws(() => new models.MNASNet(0), /alpha should be greater than 0.0/);
  assert.throws(() => new models.MNASNetInvertedResidual(8, 8, 7, 1, 3), /kernelSize should be 3 or 5/);
  assert.deepEqual(models.mnasnetDepths(0.5), [16, 8, 16, 24, 40, 48, 96, 160]);
});

test('state dicts carry PyTorch\'s _metadata: torchvision loads what tstorch saves, versions and all', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tstorch-mnasnet-meta-'));
  try {
    torch.manualSeed(5);
    const m2 = models.mnasnet0_5({ numClasses: 10 }).eval();
    const v2 = join(dir, 'ts-v2.pth');
    torch.save(m2.stateDict(), v2);
    // a version-1 model (loaded from a version-1 file of torchvision's) saved again keeps saying version 1
    const v1src = join(dir, 'py-v1.pth');
    runPython(String.raw`
torch.manual_seed(3)
m = torchvision.models.mnasnet0_5(num_classes=10)
m._load_from_state_dict({}, '', {'version': 1}, False, [], [], [])
torch.save(m.state_dict(), J)
`, { json: v1src });
    const m1 = models.mnasnet0_5({ numClasses: 10, weights: v1src }).eval();
    const loadedSd = torch.load(v1src) as Record<string, torch.Tensor>;
    assert.equal(torch.nn.stateDictMetadata(loadedSd)?.['']?.version, 1, 'torch.load keeps the metadata of a PyTorch file');
    const v1 = join(dir, 'ts-v1.pth');
    torch.save(m1.stateDict(), v1);
    const resnet = join(dir, 'ts-resnet18.pth');
    torch.save(models.resnet18().stateDict(), resnet);
    const r = runPython(String.raw`
out = {}
for name, path in (('v2', J['v2']), ('v1', J['v1'])):
    sd = torch.load(path)
    m = torchvision.models.mnasnet0_5(num_classes=10)
    m.load_state_dict(sd)  # strict; raises without metadata
    m.eval()
    with torch.no_grad():
        OUT[name] = m(T['x'])
    out[name] = {'type': type(sd).__name__, 'meta': dict(sd._metadata), 'stem': list(m.layers[0].weight.shape)}
sd = torch.load(J['resnet'])
ref = torchvision.models.resnet18().state_dict()
out['resnet_same_metadata'] = list(sd._metadata.items()) == list(ref._metadata.items())
out['resnet_same_keys'] = list(sd.keys()) == list(ref.keys())
out['mnasnet_ref_meta'] = dict(torchvision.models.mnasnet0_5().state_dict()._metadata)
OUT_J = out
`, { tensors: { x }, json: { v2, v1, resnet } });
    const j = r.json as Record<string, any>;
    assert.equal(j.v2.type, 'OrderedDict');
    assert.deepEqual(j.v2.meta, j.mnasnet_ref_meta, 'the same _metadata as torchvision\'s own state_dict()');
    assert.equal(j.v1.meta[''].version, 1);
    assert.deepEqual(j.v1.stem, [32, 3, 3, 3]);
    assert.ok(j.resnet_same_metadata && j.resnet_same_keys, 'ResNet-18: keys and _metadata (BatchNorm version 2) equal torchvision\'s');
    assertLogitsClose(torch.noGrad(() => m2.call(x)), r.tensors['v2']!, 'torchvision running tstorch\'s version-2 file');
    assertLogitsClose(torch.noGrad(() => m1.call(x)), r.tensors['v1']!, 'torchvision running tstorch\'s version-1 file');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
