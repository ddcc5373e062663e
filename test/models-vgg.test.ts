// AlexNet, VGG and SqueezeNet against torchvision 0.14: state-dict structure, bit-identical seeded
// initialisation, eval logits, published parameter counts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../src/index.js';
import * as models from '../src/vision/models/index.js';
import { torchvisionReference, assertSameModel, assertLogitsClose, type RefSpec } from './helpers/zoo.js';

torch.manualSeed(11);
const x = torch.randn([2, 3, 64, 64]);
const full = ['alexnet', 'vgg11_bn', 'squeezenet1_0', 'squeezenet1_1'];
const structural = ['vgg11', 'vgg13', 'vgg13_bn', 'vgg16', 'vgg16_bn', 'vgg19', 'vgg19_bn'];
const specs: RefSpec[] = [
  ...full.map((name, i) => ({ name, seed: 20 + i, kwargs: 'num_classes=10', hash: true, input: 'x' })),
  ...structural.map((name) => ({ name })),
];
const refs = torchvisionReference(specs, { x });
const builders = models as unknown as Record<string, (o?: any) => torch.nn.Module>;

test('AlexNet, VGG11-BN, SqueezeNet 1.0/1.1: same modules, same seeded init, same eval logits', () => {
  full.forEach((name, i) => {
    torch.manualSeed(20 + i);
    const m = builders[name]!({ numClasses: 10 });
    assertSameModel(m, refs[i]!, name);
    assertLogitsClose(torch.noGrad(() => m.eval().call(x)), refs[i]!.eval!, `${name} logits`);
  });
});

test('VGG variants: same keys, shapes and parameter counts as torchvision and its published weights', () => {
  structural.forEach((name, j) => {
    const m = builders[name]!();
    assertSameModel(m, refs[full.length + j]!, name);
    assert.equal(m.numParameters(), models.getModelWeights(name).DEFAULT.meta.numParams, `${name}: published count`);
  });
});

test('VGG16 features-only weights keep numClasses free; others fix it', () => {
  assert.equal(models.VGG16_Weights.IMAGENET1K_FEATURES.meta.categories, null);
  assert.throws(() => models.alexnet({ weights: 'IMAGENET1K_V1', numClasses: 10 }), /'numClasses' expected value 1000 but got 10/);
  assert.throws(() => models.vgg11({ weights: 'IMAGENET1K_V9' }), /VGG11_Weights has no weights 'IMAGENET1K_V9'/);
  assert.throws(() => models.vgg11({ weights: models.ResNet18_Weights.DEFAULT }), /expected VGG11_Weights but received ResNet18_Weights/);
  assert.throws(() => new models.SqueezeNet('2_0' as any), /Unsupported SqueezeNet version 2_0/);
});
