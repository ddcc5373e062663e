// The chapter's blocks (chapter-blocks.ts) against the same blocks written in PyTorch: with the same seed the
// same initial weights and outputs; output shapes, parameter counts, a training step.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../src/index.js';
import { chapter } from '../src/vision/models/index.js';
import { runPython, assertClose } from './helpers/pytorch.js';

torch.manualSeed(3);
const x = torch.randn([2, 16, 8, 8]);
const img = torch.randn([2, 3, 32, 32]);

// The chapter's code in PyTorch (d2l.ai's formulation), built with the same seeds as below.
const ref = runPython(String.raw`
from torch import nn
from torch.nn import functional as F
class Inception(nn.Module):
    def __init__(self, in_channels, c1, c2, c3, c4):
        super().__init__()
        self.p1_1 = nn.Conv2d(in_channels, c1, kernel_size=1)
        self.p2_1 = nn.Conv2d(in_channels, c2[0], kernel_size=1)
        self.p2_2 = nn.Conv2d(c2[0], c2[1], kernel_size=3, padding=1)
        self.p3_1 = nn.Conv2d(in_channels, c3[0], kernel_size=1)
        self.p3_2 = nn.Conv2d(c3[0], c3[1], kernel_size=5, padding=2)
        self.p4_1 = nn.MaxPool2d(kernel_size=3, stride=1, padding=1)
        self.p4_2 = nn.Conv2d(in_channels, c4, kernel_size=1)
    def forward(self, x):
        p1 = F.relu(self.p1_1(x))
        p2 = F.relu(self.p2_2(F.relu(self.p2_1(x))))
        p3 = F.relu(self.p3_2(F.relu(self.p3_1(x))))
        p4 = F.relu(self.p4_2(self.p4_1(x)))
        return torch.cat((p1, p2, p3, p4), dim=1)
class Residual(nn.Module):
    def __init__(self, input_channels, num_channels, use_1x1conv=False, strides=1):
        super().__init__()
        self.conv1 = nn.Conv2d(input_channels, num_channels, kernel_size=3, padding=1, stride=strides)
        self.conv2 = nn.Conv2d(num_channels, num_channels, kernel_size=3, padding=1)
        self.conv3 = nn.Conv2d(input_channels, num_channels, kernel_size=1, stride=strides) if use_1x1conv else None
        self.bn1 = nn.BatchNorm2d(num_channels)
        self.bn2 = nn.BatchNorm2d(num_channels)
    def forward(self, X):
        Y = F.relu(self.bn1(self.conv1(X)))
        Y = self.bn2(self.conv2(Y))
        if self.conv3:
            X = self.conv3(X)
        Y += X
        return F.relu(Y)
class Bottleneck(nn.Module):
    def __init__(self, cin, cout, use_1x1conv=False, strides=1, groups=1, ratio=0.25):
        super().__init__()
        mid = int(round(cout * ratio))
        self.conv1 = nn.Conv2d(cin, mid, 1); self.bn1 = nn.BatchNorm2d(mid)
        self.conv2 = nn.Conv2d(mid, mid, 3, stride=strides, padding=1, groups=groups); self.bn2 = nn.BatchNorm2d(mid)
        self.conv3 = nn.Conv2d(mid, cout, 1); self.bn3 = nn.BatchNorm2d(cout)
        self.conv4 = nn.Conv2d(cin, cout, 1, stride=strides) if use_1x1conv else None
        self.bn4 = nn.BatchNorm2d(cout) if use_1x1conv else None
    def forward(self, X):
        Y = F.relu(self.bn1(self.conv1(X)))
        Y = F.relu(self.bn2(self.conv2(Y)))
        Y = self.bn3(self.conv3(Y))
        if self.conv4:
            X = self.bn4(self.conv4(X))
        return F.relu(Y + X)
def conv_block(input_channels, num_channels):
    return nn.Sequential(nn.BatchNorm2d(input_channels), nn.ReLU(), nn.Conv2d(input_channels, num_channels, kernel_size=3, padding=1))
class DenseBlock(nn.Module):
    def __init__(self, num_convs, input_channels, num_channels):
        super().__init__()
        self.net = nn.Sequential(*[conv_block(num_channels * i + input_channels, num_channels) for i in range(num_convs)])
    def forward(self, X):
        for blk in self.net:
            X = torch.cat((X, blk(X)), dim=1)
        return X
def transition_block(input_channels, num_channels):
    return nn.Sequential(nn.BatchNorm2d(input_channels), nn.ReLU(), nn.Conv2d(input_channels, num_channels, kernel_size=1), nn.AvgPool2d(kernel_size=2, stride=2))
def pool(): return nn.MaxPool2d(3, stride=2, padding=1)
def cifar_googlenet():
    b1 = nn.Sequential(nn.Conv2d(3, 64, 3, padding=1), nn.ReLU())
    b2 = nn.Sequential(nn.Conv2d(64, 64, 1), nn.ReLU(), nn.Conv2d(64, 192, 3, padding=1), nn.ReLU(), pool())
    b3 = nn.Sequential(Inception(192, 64, (96, 128), (16, 32), 32), Inception(256, 128, (128, 192), (32, 96), 64), pool())
    b4 = nn.Sequential(Inception(480, 192, (96, 208), (16, 48), 64), Inception(512, 160, (112, 224), (24, 64), 64),
                       Inception(512, 128, (128, 256), (24, 64), 64), Inception(512, 112, (144, 288), (32, 64), 64),
                       Inception(528, 256, (160, 320), (32, 128), 128), pool())
    b5 = nn.Sequential(Inception(832, 256, (160, 320), (32, 128), 128), Inception(832, 384, (192, 384), (48, 128), 128),
                       nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten())
    return nn.Sequential(b1, b2, b3, b4, b5, nn.Linear(1024, 10))
class CifarAlexNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 64, 3, stride=2, padding=1), nn.ReLU(inplace=True), nn.MaxPool2d(2),
            nn.Conv2d(64, 192, 3, padding=1), nn.ReLU(inplace=True), nn.MaxPool2d(2),
            nn.Conv2d(192, 384, 3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(384, 256, 3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(256, 256, 3, padding=1), nn.ReLU(inplace=True), nn.MaxPool2d(2))
        self.clf = nn.Linear(1024, 10)
    def forward(self, x):
        return self.clf(torch.flatten(self.features(x), 1))
builds = [
    ('inception', lambda: Inception(16, 8, (4, 12), (2, 6), 6), 'x'),
    ('basic', lambda: Residual(16, 16), 'x'),
    ('basic_proj', lambda: Residual(16, 32, use_1x1conv=True, strides=2), 'x'),
    ('bottleneck', lambda: Bottleneck(16, 16), 'x'),
    ('bottleneck_proj', lambda: Bottleneck(16, 64, use_1x1conv=True, strides=2, groups=4, ratio=0.5), 'x'),
    ('dense', lambda: DenseBlock(2, 16, 10), 'x'),
    ('transition', lambda: transition_block(16, 8), 'x'),
    ('googlenet', cifar_googlenet, 'img'),
    ('alexnet', CifarAlexNet, 'img'),
]
meta = {}
for i, (name, build, inp) in enumerate(builds):
    torch.manual_seed(100 + i)
    m = build()
    meta[name] = {'keys': list(m.state_dict().keys()), 'params': sum(p.numel() for p in m.parameters())}
    m.train()
    OUT[name] = m(T[inp])
OUT_J = meta
`, { tensors: { x, img } });

const builds: [string, () => torch.nn.Module, torch.Tensor][] = [
  ['inception', () => new chapter.InceptionBlock(16, 8, [4, 12], [2, 6], 6), x],
  ['basic', () => new chapter.BasicBlock(16, 16), x],
  ['basic_proj', () => new chapter.BasicBlock(16, 32, { use1x1conv: true, stride: 2 }), x],
  ['bottleneck', () => new chapter.Bottleneck(16, 16), x],
  ['bottleneck_proj', () => new chapter.Bottleneck(16, 64, { useProjection: true, stride: 2, groups: 4, bottleneckRatio: 0.5 }), x],
  ['dense', () => new chapter.DenseBlock(2, 16, 10), x],
  ['transition', () => chapter.transitionBlock(16, 8), x],
  ['googlenet', () => chapter.cifarGoogLeNet(), img],
  ['alexnet', () => new chapter.CifarAlexNet(), img],
];

test('each block equals its PyTorch counterpart: keys, parameter count, seeded output (training mode)', () => {
  builds.forEach(([name, build, input], i) => {
    torch.manualSeed(100 + i);
    const m = build().train();
    assert.deepEqual(Object.keys(m.stateDict()), ref.json[name].keys, `${name} keys`);
    assert.equal(m.numParameters(), ref.json[name].params, `${name} parameters`);
    assertClose(m.call(input), ref.tensors[name]!, { atol: 1e-5, rtol: 1e-4, what: name });
  });
});

test('output shapes: channel concatenation, projection shortcuts, transition halving, 10 logits', () => {
  const shape = (m: torch.nn.Module, t: torch.Tensor): number[] => [...(torch.noGrad(() => m.eval().call(t)) as torch.Tensor).shape];
  assert.deepEqual(shape(new chapter.InceptionBlock(16, 8, [4, 12], [2, 6], 6), x), [2, 8 + 12 + 6 + 6, 8, 8]);
  assert.deepEqual(shape(new chapter.BasicBlock(16, 32, { useProjection: true, stride: 2 }), x), [2, 32, 4, 4]);
  assert.deepEqual(shape(new chapter.DenseBlock(3, 16, 10), x), [2, 16 + 3 * 10, 8, 8]);
  assert.deepEqual(shape(chapter.transitionBlock(46, 23), torch.randn([2, 46, 8, 8])), [2, 23, 4, 4]);
  assert.deepEqual(shape(chapter.cifarGoogLeNet({ numClasses: 7 }), img), [2, 7]);
  assert.deepEqual(shape(new chapter.CifarAlexNet(), img), [2, 10]);
  assert.match(String(new chapter.InceptionBlock(16, 8, [4, 12], [2, 6], 6)), /^Inception\(/);
  assert.throws(() => new chapter.BasicBlock(16, 32), /identity shortcut needs inChannels == outChannels/);
  assert.throws(() => new chapter.BasicBlock(16, 32, { useProjection: true, use1x1conv: false }), /disagree/);
  assert.throws(() => new chapter.Bottleneck(16, 64, { useProjection: true, groups: 3 }), /not divisible by groups=3/);
});

test('a network built from the blocks trains: forward, backward, SGD-style update', () => {
  torch.manualSeed(0);
  const net = new torch.nn.Sequential(
    new torch.nn.Conv2d(3, 16, 3, { padding: 1 }),
    new chapter.BasicBlock(16, 16),
    new chapter.InceptionBlock(16, 8, [4, 8], [2, 4], 4),
    new chapter.DenseBlock(2, 24, 8),
    chapter.transitionBlock(40, 20),
    new chapter.Bottleneck(20, 32, { useProjection: true, stride: 2 }),
    new torch.nn.AdaptiveAvgPool2d([1, 1]), new torch.nn.Flatten(), new torch.nn.Linear(32, 10));
  const target = torch.tensor([1, 7], { dtype: 'int64' });
  const loss = torch.nn.functional.crossEntropy(net.call(img) as torch.Tensor, target);
  loss.backward();
  const params = net.parameters();
  assert.ok(params.every((p) => p.grad !== null), 'every parameter has a gradient');
  torch.noGrad(() => { for (const p of params) p.sub_(p.grad!.mul(0.1)); });
  const after = torch.nn.functional.crossEntropy(net.call(img) as torch.Tensor, target);
  assert.ok(after.item() < loss.item(), `one step lowers the loss (${loss.item()} -> ${after.item()})`);
});
