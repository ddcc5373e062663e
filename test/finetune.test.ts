// Transfer-learning pieces against torchvision: where each family's head is and what replacing it draws
// (the same seed gives PyTorch's new head), freezing, dropout off, best weights, and loading zoo weights
// from a checkpoint file made by torchvision, with the offline message for published weights.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as torch from '../src/index.js';
import { getModel, getModelWeights } from '../src/vision/models/index.js';
import { BestWeights, disableDropout, findHeads, finetuneLoss, freeze, replaceHead, trainableParameters } from '../src/train/finetune.js';
import { fetchPublished, loadZooModel } from '../src/train/pretrained.js';
import { UserError } from '../src/cli/errors.js';
import { runPython, assertClose } from './helpers/pytorch.js';

// The torchvision fine-tuning tutorial's replacements, in the order replaceHead makes them.
const FAMILIES: [string, string[]][] = [
  ['alexnet', ['classifier.6']],
  ['resnet18', ['fc']],
  ['squeezenet1_1', ['classifier.1']],
  ['densenet121', ['classifier']],
  ['mobilenet_v3_small', ['classifier.3']],
  ['googlenet', ['fc', 'aux1.fc2', 'aux2.fc2']],
  ['efficientnet_b0', ['classifier.1']],
];

test('replaceHead finds each family\'s heads and draws the new layers as PyTorch does', () => {
  const out: Record<string, torch.Tensor> = {};
  for (const [name, paths] of FAMILIES) {
    torch.manualSeed(3);
    const m = getModel(name, { weights: null });
    assert.deepEqual(findHeads(m, name).map((h) => h.path), paths, name);
    assert.deepEqual(replaceHead(m, name, 3), paths);
    const sd = m.stateDict();
    for (const p of paths) {
      out[`${name}|${p}.weight`] = sd[`${p}.weight`]!;
      out[`${name}|${p}.bias`] = sd[`${p}.bias`]!;
    }
    // the model still runs and gives 3 classes
    m.eval();
    const y = torch.noGrad(() => m.call(torch.zeros([1, 3, 64, 64]).add(0.1))) as torch.Tensor;
    assert.deepEqual([...y.shape], [1, 3], name);
  }
  const py = runPython(`
import torch.nn as nn
for name, paths in J:
    torch.manual_seed(3)
    m = torchvision.models.get_model(name, weights=None)
    for p in paths:
        parent = m.get_submodule('.'.join(p.split('.')[:-1])) if '.' in p else m
        key = p.split('.')[-1]
        old = parent[int(key)] if key.isdigit() else getattr(parent, key)
        if isinstance(old, nn.Conv2d):
            new = nn.Conv2d(old.in_channels, 3, kernel_size=old.kernel_size, stride=old.stride)
        else:
            new = nn.Linear(old.in_features, 3)
        if key.isdigit(): parent[int(key)] = new
        else: setattr(parent, key, new)
    sd = m.state_dict()
    for p in paths:
        OUT[name + '|' + p + '.weight'] = sd[p + '.weight']
        OUT[name + '|' + p + '.bias'] = sd[p + '.bias']
`, { json: FAMILIES });
  for (const [k, v] of Object.entries(out)) assertClose(v, py.tensors[k]!, { atol: 0, rtol: 0, what: k });
});

test('freeze: a submodule, everything but the head, and a clear error for an unknown part', () => {
  torch.manualSeed(0);
  const m = getModel('alexnet', { weights: null });
  replaceHead(m, 'alexnet', 2);
  const featureParams = m.getSubmodule('features').parameters().reduce((a, p) => a + p.numel(), 0);
  assert.equal(freeze(m, 'alexnet', ['features']), featureParams);
  assert.ok(m.getSubmodule('features').parameters().every((p) => !p.requiresGrad));
  assert.ok(m.getSubmodule('classifier').parameters().every((p) => p.requiresGrad));
  assert.equal(freeze(m, 'alexnet', ['all']), m.getSubmodule('classifier').parameters().reduce((a, p) => a + p.numel(), 0) - (4096 * 2 + 2));
  assert.deepEqual(trainableParameters(m).map((p) => [...p.shape]), [[2, 4096], [2]]);
  assert.throws(() => freeze(m, 'alexnet', ['feature']), /no submodule 'feature'.*features, avgpool, classifier/);
  assert.equal(disableDropout(m), 2);
  assert.ok(m.modules().filter((x) => x instanceof torch.nn.Dropout).every((x) => (x as torch.nn.Dropout).p === 0));
});

test('finetuneLoss adds the auxiliary losses with the reference weights', () => {
  const crit = new torch.nn.CrossEntropyLoss();
  torch.manualSeed(1);
  const [a, b, c] = [torch.randn([4, 3]), torch.randn([4, 3]), torch.randn([4, 3])];
  const y = torch.tensor([0, 2, 1, 1], { dtype: 'int64' });
  const lf = finetuneLoss(crit);
  const py = runPython(`
c = torch.nn.CrossEntropyLoss()
a, b, d, y = T['a'], T['b'], T['c'], T['y']
OUT['plain'] = c(a, y)
OUT['inception'] = c(a, y) + 0.4 * c(b, y)
OUT['googlenet'] = c(a, y) + 0.3 * c(b, y) + 0.3 * c(d, y)
`, { tensors: { a, b, c, y } });
  assertClose(lf(a, y), py.tensors.plain!, { atol: 1e-6 });
  assertClose(lf({ logits: a, auxLogits: b }, y), py.tensors.inception!, { atol: 1e-6 });
  assertClose(lf({ logits: a, aux2: b, aux1: c }, y), py.tensors.googlenet!, { atol: 1e-6 });
});

test('BestWeights keeps a copy of the best epoch and restores it', () => {
  torch.manualSeed(0);
  const m = new torch.nn.Linear(4, 2);
  const best = new BestWeights();
  assert.equal(best.update(m, 0.5, 1), true);
  const saved = m.weight.detach().clone();
  torch.noGrad(() => m.weight.add_(1));
  assert.equal(best.update(m, 0.4, 2), false);
  assert.equal(best.epoch, 1);
  best.restore(m);
  assertClose(m.weight.detach(), saved, { atol: 0, rtol: 0 });
  best.dispose();
});

test('loadZooModel: a torchvision checkpoint file, a fine-tuned file with its class names, and the offline message', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tstorch-ft-'));
  try {
    const file = join(dir, 'resnet18.pth');
    const x = torch.rand([2, 3, 64, 64]);
    const py = runPython(`
torch.manual_seed(5)
m = torchvision.models.resnet18()
torch.save(m.state_dict(), J['file'])
m.eval()
with torch.no_grad():
    OUT['y'] = m(T['x'])
m.fc = torch.nn.Linear(512, 2)
torch.save({'model': m.state_dict(), 'epoch': 3}, J['tuned'])
with torch.no_grad():
    OUT['y2'] = m(T['x'])
`, { tensors: { x }, json: { file, tuned: join(dir, 'tuned.pth') } });
    const a = await loadZooModel('resnet18', file);
    assert.equal(a.kind, 'file');
    assert.equal(a.classes!.length, 1000);
    assert.equal(a.classes![0], 'tench');
    a.model.eval();
    assertClose(torch.noGrad(() => a.model.call(x)) as torch.Tensor, py.tensors.y!, { atol: 1e-4 });

    writeFileSync(join(dir, 'config.json'), JSON.stringify({ model: 'resnet18', classes: ['ants', 'bees'], preprocess: { mean: [0.49, 0.449, 0.411] } }));
    const b = await loadZooModel('resnet18', join(dir, 'tuned.pth'));
    assert.deepEqual(b.classes, ['ants', 'bees']);
    assert.deepEqual(b.preprocess.mean, [0.49, 0.449, 0.411]);
    assert.deepEqual(b.preprocess.cropSize, [224]);
    b.model.eval();
    assertClose(torch.noGrad(() => b.model.call(x)) as torch.Tensor, py.tensors.y2!, { atol: 1e-4 });

    await assert.rejects(loadZooModel('resnet18', join(dir, 'missing.pth')), (e: Error) => e instanceof UserError && /missing\.pth' does not exist/.test(e.message));
    await assert.rejects(loadZooModel('alexnet', file), (e: Error) => e instanceof UserError && /classifier\.6\.weight/.test(e.message));
    await assert.rejects(loadZooModel('resnet18', 'IMAGENET1K_V9'), (e: Error) => e instanceof UserError && /IMAGENET1K_V9/.test(e.message));
    await assert.rejects(loadZooModel('resnet_18', 'none'), (e: Error) => e instanceof UserError && /unknown model 'resnet_18'/.test(e.message));

    // published weights that are neither cached nor downloadable (an unreachable URL stands for no network)
    const w = getModelWeights('resnet18').DEFAULT;
    const offline = Object.create(w, { url: { value: 'http://127.0.0.1:9/resnet18-f37072fd.pth' } });
    const saved = process.env.TORCH_HOME;
    process.env.TORCH_HOME = join(dir, 'torch-home');
    try {
      await assert.rejects(fetchPublished(offline, { progress: false, allowNone: true }),
        (e: Error) => e instanceof UserError && /no pretrained weights can be had for ResNet18_Weights\.IMAGENET1K_V1/.test(e.message) &&
          e.message.includes(join(dir, 'torch-home', 'hub', 'checkpoints')) && /--weights none/.test(e.message));
    } finally {
      if (saved === undefined) delete process.env.TORCH_HOME; else process.env.TORCH_HOME = saved;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

