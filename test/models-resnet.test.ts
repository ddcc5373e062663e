// ResNet, ResNeXt and Wide ResNet against torchvision 0.14: module structure (state-dict keys, shapes, parameter
// counts), bit-identical seeded initialisation, eval logits, loading a torchvision checkpoint file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as torch from '../src/index.js';
import * as models from '../src/vision/models/index.js';
import { torchvisionReference, assertSameModel, assertLogitsClose, type RefSpec } from './helpers/zoo.js';

const dir = mkdtempSync(join(tmpdir(), 'tstorch-resnet-'));
const ckpt = join(dir, 'resnet18-10.pth');
torch.manualSeed(7);
const x = torch.randn([2, 3, 64, 64]);

// Small variants: init hashes and logits; large ones: structure only (building them is what costs).
const full = ['resnet18', 'resnet50', 'resnext50_32x4d'];
const structural = ['resnet34', 'resnet101', 'resnet152', 'resnext101_32x8d', 'resnext101_64x4d', 'wide_resnet50_2', 'wide_resnet101_2'];
const specs: RefSpec[] = [
  ...full.map((name, i) => ({ name, seed: 100 + i, kwargs: 'num_classes=10', hash: true, input: 'x' })),
  ...structural.map((name) => ({ name })),
  { name: 'resnet18', seed: 3, kwargs: 'num_classes=10, zero_init_residual=True', hash: true },
  { name: 'resnet50', seed: 4, kwargs: 'replace_stride_with_dilation=[False, True, True]', input: 'x', hash: true },
  { name: 'resnet18', seed: 5, kwargs: 'num_classes=10', savePath: ckpt, input: 'x' },
];
const refs = torchvisionReference(specs, { x });
const builders = models as unknown as Record<string, (o?: any) => torch.nn.Module>;

test('small ResNets: same modules, same seeded init, same eval logits', () => {
  full.forEach((name, i) => {
    torch.manualSeed(100 + i);
    const m = builders[name]!({ numClasses: 10 });
    assertSameModel(m, refs[i]!, name);
    const y = torch.noGrad(() => m.eval().call(x));
    assertLogitsClose(y, refs[i]!.eval!, `${name} logits`);
  });
});

test('large ResNets, ResNeXts and Wide ResNets: same keys, shapes, parameter counts', () => {
  structural.forEach((name, j) => {
    const m = builders[name]!();
    assertSameModel(m, refs[full.length + j]!, name);
    const w = models.getModelWeights(name);
    assert.equal(m.numParameters(), w.DEFAULT.meta.numParams, `${name}: torchvision's published parameter count`);
  });
});

test('zeroInitResidual and replaceStrideWithDilation', () => {
  const base = full.length + structural.length;
  torch.manualSeed(3);
  assertSameModel(models.resnet18({ numClasses: 10, zeroInitResidual: true }), refs[base]!, 'resnet18 zero_init_residual');
  torch.manualSeed(4);
  const m = models.resnet50({ replaceStrideWithDilation: [false, true, true] });
  assertSameModel(m, refs[base + 1]!, 'resnet50 dilated');
  assertLogitsClose(torch.noGrad(() => m.eval().call(x)), refs[base + 1]!.eval!, 'dilated resnet50 logits');
});

test('a torchvision checkpoint file loads through the weights option', () => {
  const ref = refs[refs.length - 1]!;
  const m = models.resnet18({ weights: ckpt, numClasses: 10 });
  assertLogitsClose(torch.noGrad(() => m.eval().call(x)), ref.eval!, 'loaded resnet18 logits');
  assert.throws(() => models.resnet18({ weights: ckpt }), /size mismatch for fc.weight/);
  rmSync(dir, { recursive: true, force: true });
});

test('training step: BasicBlock and Bottleneck backpropagate, BN running stats update', () => {
  torch.manualSeed(0);
  const m = models.resnet18({ numClasses: 3 });
  const out = m.train().call(torch.randn([2, 3, 32, 32])) as torch.Tensor;
  out.sum().backward();
  assert.ok(m.conv1.weight.grad !== null && m.fc.weight.grad !== null);
  assert.equal((m.bn1 as any).num_batches_tracked.item(), 1);
  assert.throws(() => new models.BasicBlock(64, 64, { groups: 2 }), /BasicBlock only supports groups=1/);
});
