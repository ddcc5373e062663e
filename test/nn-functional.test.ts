// nn.functional against torch.nn.functional: forward and gradients, with option combinations.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../src/index.js';
import { compareWithPyTorch, type Case } from './nn-harness.js';

const F = torch.nn.functional;
type T = torch.Tensor;
torch.manualSeed(77);
const r = (...s: number[]): T => torch.randn(s);
const x = r(2, 4, 6, 6);

const fc = (name: string, inputs: T[], fn: (xs: T[]) => T, py: string, extra: Partial<Case> = {}): Case =>
  ({ name, inputs, fn: (_m, xs) => fn(xs), py, ...extra });

test('activation functions match PyTorch', () => {
  const a = r(3, 5);
  const cases: Case[] = [
    fc('relu', [a], ([v]) => F.relu(v!), 'F.relu(x0)'),
    fc('relu inplace', [a], ([v]) => F.relu(v!, { inplace: true }), 'F.relu(x0, inplace=True)'),
    fc('relu6', [a.mul(4)], ([v]) => F.relu6(v!), 'F.relu6(x0)'),
    fc('relu6 inplace', [a.mul(4)], ([v]) => F.relu6(v!, { inplace: true }), 'F.relu6(x0, inplace=True)'),
    fc('silu', [a], ([v]) => F.silu(v!), 'F.silu(x0)'),
    fc('hardswish', [a.mul(3)], ([v]) => F.hardswish(v!), 'F.hardswish(x0)'),
    fc('hardswish inplace', [a.mul(3)], ([v]) => F.hardswish(v!, { inplace: true }), 'F.hardswish(x0, inplace=True)'),
    fc('hardsigmoid', [a.mul(3)], ([v]) => F.hardsigmoid(v!), 'F.hardsigmoid(x0)'),
    fc('sigmoid', [a], ([v]) => F.sigmoid(v!), 'torch.sigmoid(x0)'),
    fc('tanh', [a], ([v]) => F.tanh(v!), 'torch.tanh(x0)'),
    fc('gelu', [a], ([v]) => F.gelu(v!), 'F.gelu(x0)'),
    fc('gelu tanh', [a], ([v]) => F.gelu(v!, { approximate: 'tanh' }), "F.gelu(x0, approximate='tanh')"),
    fc('elu', [a], ([v]) => F.elu(v!, { alpha: 0.7 }), 'F.elu(x0, alpha=0.7)'),
    fc('leakyRelu', [a], ([v]) => F.leakyRelu(v!, { negativeSlope: 0.2 }), 'F.leaky_relu(x0, 0.2)'),
    fc('hardtanh', [a], ([v]) => F.hardtanh(v!, { minVal: -0.5, maxVal: 0.7 }), 'F.hardtanh(x0, -0.5, 0.7)'),
    fc('softmax', [a], ([v]) => F.softmax(v!, 1), 'F.softmax(x0, 1)'),
    fc('softmax dim 0 float64', [a], ([v]) => F.softmax(v!, 0, { dtype: 'float64' }), 'F.softmax(x0, 0, dtype=torch.float64)'),
    fc('logSoftmax', [a], ([v]) => F.logSoftmax(v!, -1), 'F.log_softmax(x0, -1)'),
    fc('softplus', [a], ([v]) => F.softplus(v!, { beta: 2, threshold: 1 }), 'F.softplus(x0, beta=2, threshold=1)'),
  ];
  compareWithPyTorch(cases);
});

test('linear, convolution and pooling functions match PyTorch', () => {
  const w = r(6, 2, 3, 3);
  const b = r(6);
  const cases: Case[] = [
    fc('linear', [r(3, 5), r(4, 5), r(4)], ([v, ww, bb]) => F.linear(v!, ww!, bb), 'F.linear(x0, x1, x2)'),
    fc('linear no bias', [r(2, 3, 5), r(4, 5)], ([v, ww]) => F.linear(v!, ww!), 'F.linear(x0, x1)'),
    fc('linear 1-d weight (a vector, as matmul)', [r(3, 5), r(5)], ([v, ww]) => F.linear(v!, ww!), 'F.linear(x0, x1)'),
    fc('conv2d groups stride', [x, w, b], ([v, ww, bb]) => F.conv2d(v!, ww!, bb, { stride: 2, padding: 1, groups: 2 }),
      'F.conv2d(x0, x1, x2, stride=2, padding=1, groups=2)'),
    fc('conv2d dilation asymmetric', [x, r(3, 4, 2, 3)], ([v, ww]) => F.conv2d(v!, ww!, null, { stride: [1, 2], padding: [2, 0], dilation: [2, 1] }),
      'F.conv2d(x0, x1, None, stride=(1, 2), padding=(2, 0), dilation=(2, 1))'),
    fc("conv2d 'same'", [x, r(3, 4, 4, 3)], ([v, ww]) => F.conv2d(v!, ww!, null, { padding: 'same' }), "F.conv2d(x0, x1, padding='same')"),
    fc('conv1d', [r(2, 3, 8), r(4, 3, 3), r(4)], ([v, ww, bb]) => F.conv1d(v!, ww!, bb, { stride: 2 }), 'F.conv1d(x0, x1, x2, stride=2)'),
    fc('convTranspose2d', [x, r(4, 3, 3, 3), r(6)], ([v, ww, bb]) => F.convTranspose2d(v!, ww!, bb, { stride: 2, padding: 1, outputPadding: 1, groups: 2 }),
      'F.conv_transpose2d(x0, x1, x2, stride=2, padding=1, output_padding=1, groups=2)'),
    fc('convTranspose2d dilation', [x, r(4, 2, 2, 2)], ([v, ww]) => F.convTranspose2d(v!, ww!, null, { dilation: 2 }), 'F.conv_transpose2d(x0, x1, dilation=2)'),
    fc('maxPool2d', [x], ([v]) => F.maxPool2d(v!, 3, { stride: 2, padding: 1, ceilMode: true }), 'F.max_pool2d(x0, 3, stride=2, padding=1, ceil_mode=True)'),
    fc('maxPool2d dilation', [x], ([v]) => F.maxPool2d(v!, 2, { dilation: 2 }), 'F.max_pool2d(x0, 2, dilation=2)'),
    fc('maxPool2d values', [x], ([v]) => F.maxPool2d(v!, 2, { returnIndices: true })[0], 'F.max_pool2d(x0, 2, return_indices=True)[0]'),
    fc('maxPool2d indices', [x], ([v]) => F.maxPool2d(v!, 2, { returnIndices: true })[1], 'F.max_pool2d(x0, 2, return_indices=True)[1]'),
    fc('avgPool2d', [x], ([v]) => F.avgPool2d(v!, [3, 2], { stride: [2, 1], padding: [1, 0], countIncludePad: false }),
      'F.avg_pool2d(x0, (3, 2), stride=(2, 1), padding=(1, 0), count_include_pad=False)'),
    fc('avgPool2d divisor ceil', [x], ([v]) => F.avgPool2d(v!, 4, { ceilMode: true, divisorOverride: 5 }), 'F.avg_pool2d(x0, 4, ceil_mode=True, divisor_override=5)'),
    fc('adaptiveAvgPool2d', [x], ([v]) => F.adaptiveAvgPool2d(v!, [4, 5]), 'F.adaptive_avg_pool2d(x0, (4, 5))'),
    fc('adaptiveAvgPool2d 1', [x], ([v]) => F.adaptiveAvgPool2d(v!, 1), 'F.adaptive_avg_pool2d(x0, 1)'),
    fc('adaptiveMaxPool2d', [x], ([v]) => F.adaptiveMaxPool2d(v!, [4, null]), 'F.adaptive_max_pool2d(x0, (4, None))'),
    fc('adaptiveMaxPool2d indices', [x], ([v]) => F.adaptiveMaxPool2d(v!, 3, { returnIndices: true })[1], 'F.adaptive_max_pool2d(x0, 3, return_indices=True)[1]'),
  ];
  compareWithPyTorch(cases);
});

test('dropout, normalisation and loss functions match PyTorch', () => {
  const rm = r(4);
  const rv = torch.rand([4]).add(0.5);
  const logits = r(6, 3);
  const tgt = torch.tensor([0, 2, 1, 1, 0, 2], { dtype: 'int64' });
  const w3 = torch.tensor([1, 0.5, 2]);
  const noGrad = { grad: [true, false, false] };
  const cases: Case[] = [
    fc('dropout', [x], ([v]) => F.dropout(v!, { p: 0.4 }), 'F.dropout(x0, 0.4)', { seed: 5 }),
    fc('dropout inplace', [x], ([v]) => F.dropout(v!, { p: 0.2, inplace: true }), 'F.dropout(x0, 0.2, inplace=True)', { seed: 6 }),
    fc('dropout not training', [x], ([v]) => F.dropout(v!, { training: false }), 'F.dropout(x0, training=False)'),
    fc('dropout2d', [x], ([v]) => F.dropout2d(v!, { p: 0.5 }), 'F.dropout2d(x0, 0.5)', { seed: 7 }),
    fc('batchNorm train', [x, rm, rv], ([v, m, s]) => F.batchNorm(v!, m!, s!, { training: true, momentum: 0.3 }),
      'F.batch_norm(x0, x1, x2, training=True, momentum=0.3)', noGrad),
    fc('batchNorm train updates running var', [x, rm, rv], ([v, m, s]) => { F.batchNorm(v!, m!, s!, { training: true, momentum: 0.3 }); return s!; },
      '[F.batch_norm(x0, x1, x2, training=True, momentum=0.3), x2][1]', noGrad),
    fc('batchNorm eval affine', [x, rm, rv, r(4), r(4)], ([v, m, s, ww, bb]) => F.batchNorm(v!, m!, s!, { weight: ww, bias: bb, eps: 1e-3 }),
      'F.batch_norm(x0, x1, x2, weight=x3, bias=x4, eps=1e-3)', { grad: [true, false, false, true, true] }),
    fc('batchNorm no running stats', [x], ([v]) => F.batchNorm(v!, null, null, { training: true }), 'F.batch_norm(x0, None, None, training=True)'),
    fc('layerNorm', [x, r(6, 6), r(6, 6)], ([v, ww, bb]) => F.layerNorm(v!, [6, 6], { weight: ww, bias: bb }), 'F.layer_norm(x0, (6, 6), x1, x2)'),
    fc('layerNorm eps', [x], ([v]) => F.layerNorm(v!, 6, { eps: 0.1 }), 'F.layer_norm(x0, (6,), eps=0.1)'),
    fc('groupNorm', [x, r(4), r(4)], ([v, ww, bb]) => F.groupNorm(v!, 2, { weight: ww, bias: bb }), 'F.group_norm(x0, 2, x1, x2)'),
    fc('localResponseNorm', [x], ([v]) => F.localResponseNorm(v!, 3, { alpha: 0.1, k: 2 }), 'F.local_response_norm(x0, 3, alpha=0.1, k=2.0)'),
    fc('crossEntropy', [logits, tgt], ([v, t]) => F.crossEntropy(v!, t!), 'F.cross_entropy(x0, x1)'),
    fc('crossEntropy all options', [logits, tgt], ([v, t]) => F.crossEntropy(v!, t!, { weight: w3, ignoreIndex: 1, labelSmoothing: 0.15, reduction: 'sum' }),
      "F.cross_entropy(x0, x1, weight=torch.tensor([1, 0.5, 2]), ignore_index=1, label_smoothing=0.15, reduction='sum')"),
    fc('crossEntropy none smoothing', [logits, tgt], ([v, t]) => F.crossEntropy(v!, t!, { reduction: 'none', labelSmoothing: 0.3 }),
      "F.cross_entropy(x0, x1, reduction='none', label_smoothing=0.3)"),
    fc('crossEntropy probabilities', [logits, r(6, 3).softmax(1)], ([v, t]) => F.crossEntropy(v!, t!, { weight: w3 }),
      'F.cross_entropy(x0, x1, weight=torch.tensor([1, 0.5, 2]))', { grad: [true, false] }),
    fc('nllLoss', [logits.logSoftmax(1), tgt], ([v, t]) => F.nllLoss(v!, t!, { weight: w3, reduction: 'mean' }), 'F.nll_loss(x0, x1, weight=torch.tensor([1, 0.5, 2]))'),
    fc('mseLoss broadcast', [r(3, 4), r(4)], ([a, b]) => F.mseLoss(a!, b!), 'F.mse_loss(x0, x1)'),
    fc('l1Loss sum', [r(3, 4), r(3, 4)], ([a, b]) => F.l1Loss(a!, b!, { reduction: 'sum' }), "F.l1_loss(x0, x1, reduction='sum')"),
    fc('bceWithLogits', [r(3, 4), torch.rand([3, 4]), torch.rand([4]), torch.rand([4]).mul(3)],
      ([a, b, ww, pw]) => F.binaryCrossEntropyWithLogits(a!, b!, { weight: ww, posWeight: pw, reduction: 'none' }),
      "F.binary_cross_entropy_with_logits(x0, x1, weight=x2, pos_weight=x3, reduction='none')", { grad: [true, false, false, false] }),
  ];
  compareWithPyTorch(cases);
});

test('pad, interpolate, oneHot and channelShuffle match PyTorch', () => {
  const s = r(1, 2, 4, 5);
  const cases: Case[] = [
    fc('pad constant', [s], ([v]) => F.pad(v!, [1, 2, 0, 1], { value: 1.5 }), 'F.pad(x0, (1, 2, 0, 1), value=1.5)'),
    fc('pad 3 dims', [s], ([v]) => F.pad(v!, [1, 0, 0, 2, 1, 1]), 'F.pad(x0, (1, 0, 0, 2, 1, 1))'),
    fc('pad reflect', [s], ([v]) => F.pad(v!, [2, 1, 1, 3], { mode: 'reflect' }), "F.pad(x0, (2, 1, 1, 3), mode='reflect')"),
    fc('pad replicate', [s], ([v]) => F.pad(v!, [2, 1, 1, 3], { mode: 'replicate' }), "F.pad(x0, (2, 1, 1, 3), mode='replicate')"),
    fc('pad circular', [s], ([v]) => F.pad(v!, [2, 1, 1, 3], { mode: 'circular' }), "F.pad(x0, (2, 1, 1, 3), mode='circular')"),
    fc('nearest scale', [s], ([v]) => F.interpolate(v!, { scaleFactor: 2 }), 'F.interpolate(x0, scale_factor=2)'),
    fc('nearest size', [s], ([v]) => F.interpolate(v!, { size: [7, 3] }), 'F.interpolate(x0, size=(7, 3))'),
    fc('nearest fractional scale', [s], ([v]) => F.interpolate(v!, { scaleFactor: [1.7, 0.6] }), 'F.interpolate(x0, scale_factor=(1.7, 0.6))'),
    fc('nearest recompute', [s], ([v]) => F.interpolate(v!, { scaleFactor: 1.7, recomputeScaleFactor: true }), 'F.interpolate(x0, scale_factor=1.7, recompute_scale_factor=True)'),
    fc('nearest-exact', [s], ([v]) => F.interpolate(v!, { size: 7, mode: 'nearest-exact' }), "F.interpolate(x0, size=7, mode='nearest-exact')"),
    fc('bilinear', [s], ([v]) => F.interpolate(v!, { size: [6, 9], mode: 'bilinear' }), "F.interpolate(x0, size=(6, 9), mode='bilinear')"),
    fc('bilinear align corners', [s], ([v]) => F.interpolate(v!, { scaleFactor: 1.5, mode: 'bilinear', alignCorners: true }),
      "F.interpolate(x0, scale_factor=1.5, mode='bilinear', align_corners=True)"),
    fc('bilinear antialias', [r(1, 2, 9, 11)], ([v]) => F.interpolate(v!, { size: [4, 5], mode: 'bilinear', antialias: true }),
      "F.interpolate(x0, size=(4, 5), mode='bilinear', antialias=True)"),
    fc('bicubic', [s], ([v]) => F.interpolate(v!, { size: [5, 8], mode: 'bicubic' }), "F.interpolate(x0, size=(5, 8), mode='bicubic')"),
    fc('bicubic antialias align', [r(1, 2, 9, 11)], ([v]) => F.interpolate(v!, { scaleFactor: 0.5, mode: 'bicubic', antialias: true, alignCorners: true }),
      "F.interpolate(x0, scale_factor=0.5, mode='bicubic', antialias=True, align_corners=True)"),
    fc('area', [r(1, 2, 9, 11)], ([v]) => F.interpolate(v!, { scaleFactor: 0.5, mode: 'area' }), "F.interpolate(x0, scale_factor=0.5, mode='area')"),
    fc('linear 1d', [r(2, 3, 5)], ([v]) => F.interpolate(v!, { size: 8, mode: 'linear' }), "F.interpolate(x0, size=8, mode='linear')"),
    fc('oneHot', [torch.tensor([[0, 2], [3, 1]], { dtype: 'int64' })], ([v]) => F.oneHot(v!), 'F.one_hot(x0)'),
    fc('oneHot classes', [torch.tensor([0, 2, 1], { dtype: 'int64' })], ([v]) => F.oneHot(v!, 5), 'F.one_hot(x0, 5)'),
    fc('channelShuffle', [r(2, 6, 2, 3)], ([v]) => F.channelShuffle(v!, 3), 'F.channel_shuffle(x0, 3)', { grad: [false] }),
    fc('channelShuffle with grad', [r(2, 6, 2, 3)], ([v]) => F.channelShuffle(v!, 2), 'x0.reshape(2, 2, 3, 2, 3).transpose(1, 2).reshape(2, 6, 2, 3)'),
  ];
  compareWithPyTorch(cases);
});

test('bad arguments are rejected with errors that name them', () => {
  assert.throws(() => F.conv2d(x, r(3, 5, 3, 3)), /conv2d: input of shape \[2,4,6,6\] has 4 channels/);
  assert.throws(() => F.linear(r(2, 3), r(4, 5)), /linear: input of shape \[2,3\] does not match weight/);
  assert.throws(() => F.layerNorm(r(2, 3), [4]), /layerNorm: normalizedShape \[4\] does not match the trailing dimensions of input shape \[2,3\]/);
  assert.throws(() => F.dropout(x, { p: 1.5 }), /dropout probability p has to be between 0 and 1/);
  assert.throws(() => F.batchNorm(r(1, 4), null, null, { training: true }), /more than 1 value per channel/);
  assert.throws(() => F.crossEntropy(r(3, 4), torch.tensor([1, 2], { dtype: 'int64' })), /target of shape \[2\]/);
  assert.throws(() => F.crossEntropy(r(3, 4), torch.tensor([1, 2, 0], { dtype: 'int64' }), { reduction: 'avg' as any }), /reduction must be/);
  assert.throws(() => F.interpolate(x, { size: 3, scaleFactor: 2 }), /only one of size or scaleFactor/);
  assert.throws(() => F.interpolate(x, { size: 3, mode: 'nearest', alignCorners: true }), /alignCorners/);
  assert.throws(() => F.pad(x, [1, 2, 3]), /even-length/);
  assert.throws(() => new torch.nn.Conv2d(4, 6, 3, { groups: 4 }), /outChannels \(6\) must be divisible by groups \(4\)/);
  assert.throws(() => new torch.nn.Conv2d(4, 6, 3, { padding: 'same', stride: 2 }), /not supported for strided/);
  assert.throws(() => new torch.nn.BatchNorm2d(4).call(r(2, 4)), /expected 4D input \(got 2D input/);
  assert.throws(() => F.oneHot(torch.tensor([1.0, 2.0])), /int64/);
});
