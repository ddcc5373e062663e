// nn layers against PyTorch: forward, input and parameter gradients, buffers (train and eval) and repr.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../src/index.js';
import { compareWithPyTorch, type Case } from './nn-harness.js';

const { nn } = torch;
torch.manualSeed(1234);
const r = (...s: number[]): torch.Tensor => torch.randn(s);
const img = r(2, 4, 7, 7);

test('convolution and linear layers match PyTorch (forward, backward, repr)', () => {
  const cases: Case[] = [
    { name: 'Linear', build: () => new nn.Linear(5, 3), pyBuild: 'nn.Linear(5, 3)', inputs: [r(4, 5)], repr: true },
    { name: 'Linear no bias, 3-d input', build: () => new nn.Linear(5, 2, { bias: false }), pyBuild: 'nn.Linear(5, 2, bias=False)', inputs: [r(2, 3, 5)], repr: true },
    { name: 'Conv2d', build: () => new nn.Conv2d(4, 6, 3), pyBuild: 'nn.Conv2d(4, 6, 3)', inputs: [img], repr: true },
    { name: 'Conv2d stride/padding/dilation', build: () => new nn.Conv2d(4, 6, [3, 2], { stride: 2, padding: [1, 2], dilation: [2, 1] }),
      pyBuild: 'nn.Conv2d(4, 6, (3, 2), stride=2, padding=(1, 2), dilation=(2, 1))', inputs: [img], repr: true },
    { name: 'Conv2d groups no bias', build: () => new nn.Conv2d(4, 8, 3, { groups: 2, bias: false, padding: 1 }),
      pyBuild: 'nn.Conv2d(4, 8, 3, groups=2, bias=False, padding=1)', inputs: [img], repr: true },
    { name: 'Conv2d depthwise', build: () => new nn.Conv2d(4, 4, 3, { groups: 4 }), pyBuild: 'nn.Conv2d(4, 4, 3, groups=4)', inputs: [img], repr: true },
    { name: "Conv2d padding='same'", build: () => new nn.Conv2d(4, 3, 4, { padding: 'same', dilation: 2 }),
      pyBuild: "nn.Conv2d(4, 3, 4, padding='same', dilation=2)", inputs: [img], repr: true },
    { name: "Conv2d padding='valid'", build: () => new nn.Conv2d(4, 3, 3, { padding: 'valid' }),
      pyBuild: "nn.Conv2d(4, 3, 3, padding='valid')", inputs: [img], repr: true },
    { name: 'Conv2d reflect padding', build: () => new nn.Conv2d(4, 3, 3, { padding: [1, 2], paddingMode: 'reflect' }),
      pyBuild: "nn.Conv2d(4, 3, 3, padding=(1, 2), padding_mode='reflect')", inputs: [img], repr: true },
    { name: 'Conv2d circular same', build: () => new nn.Conv2d(4, 3, 4, { padding: 'same', paddingMode: 'circular' }),
      pyBuild: "nn.Conv2d(4, 3, 4, padding='same', padding_mode='circular')", inputs: [img], repr: true },
    { name: 'Conv2d unbatched', build: () => new nn.Conv2d(4, 2, 3), pyBuild: 'nn.Conv2d(4, 2, 3)', inputs: [r(4, 5, 5)] },
    { name: 'Conv1d', build: () => new nn.Conv1d(3, 4, 3, { stride: 2, padding: 1 }), pyBuild: 'nn.Conv1d(3, 4, 3, stride=2, padding=1)', inputs: [r(2, 3, 9)], repr: true },
    { name: 'ConvTranspose2d', build: () => new nn.ConvTranspose2d(4, 6, 3, { stride: 2, padding: 1, outputPadding: 1, groups: 2 }),
      pyBuild: 'nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2)', inputs: [img], repr: true },
    { name: 'ConvTranspose2d dilation no bias', build: () => new nn.ConvTranspose2d(4, 2, [2, 3], { dilation: 2, bias: false }),
      pyBuild: 'nn.ConvTranspose2d(4, 2, (2, 3), dilation=2, bias=False)', inputs: [img], repr: true },
    { name: 'ConvTranspose2d outputSize', build: () => new nn.ConvTranspose2d(4, 2, 3, { stride: 2 }), pyBuild: 'nn.ConvTranspose2d(4, 2, 3, stride=2)',
      fn: (m, [x]) => (m as InstanceType<typeof nn.ConvTranspose2d>).forward(x!, [16, 16]), py: 'm(x0, output_size=[16, 16])', inputs: [img] },
    { name: 'ConvTranspose1d', build: () => new nn.ConvTranspose1d(3, 2, 3, { stride: 2 }), pyBuild: 'nn.ConvTranspose1d(3, 2, 3, stride=2)', inputs: [r(2, 3, 5)], repr: true },
  ];
  compareWithPyTorch(cases);
});

test('normalisation layers match PyTorch in train and eval mode, including running statistics', () => {
  const bn = (o: string, opts: torch.nn.BatchNormOptions, train: boolean): Case => ({
    name: `BatchNorm2d(${o}) ${train ? 'train' : 'eval'}`, build: () => {
      const m = new nn.BatchNorm2d(4, opts);
      // non-trivial statistics and affine parameters, so that eval mode tests them
      torch.noGrad(() => {
        m.running_mean?.normal_();
        m.running_var?.uniform_(0.5, 2);
        m.weight?.normal_();
        m.bias?.normal_();
      });
      return m;
    }, pyBuild: `nn.BatchNorm2d(4${o ? ', ' + o : ''})`, inputs: [img], train, repr: true,
  });
  const cases: Case[] = [
    bn('', {}, true), bn('', {}, false),
    bn('momentum=None', { momentum: null }, true),
    bn('eps=0.001, momentum=0.01', { eps: 1e-3, momentum: 0.01 }, true),
    bn('affine=False', { affine: false }, true),
    bn('track_running_stats=False', { trackRunningStats: false }, true),
    bn('track_running_stats=False', { trackRunningStats: false }, false),
    { name: 'BatchNorm1d 2-d', build: () => new nn.BatchNorm1d(5), pyBuild: 'nn.BatchNorm1d(5)', inputs: [r(4, 5)], repr: true },
    { name: 'BatchNorm1d 3-d eval', build: () => new nn.BatchNorm1d(3), pyBuild: 'nn.BatchNorm1d(3)', inputs: [r(2, 3, 4)], train: false },
    { name: 'BatchNorm2d twice, cumulative', build: () => new nn.BatchNorm2d(4, { momentum: null }), pyBuild: 'nn.BatchNorm2d(4, momentum=None)',
      fn: (m, [x]) => { m!.call(x!.mul(2)); return m!.call(x!) as torch.Tensor; }, py: '[m(x0 * 2), m(x0)][1]', inputs: [img] },
    { name: 'LayerNorm', build: () => new nn.LayerNorm([7, 7]), pyBuild: 'nn.LayerNorm([7, 7])', inputs: [img], repr: true },
    { name: 'LayerNorm no affine', build: () => new nn.LayerNorm(7, { eps: 1e-6, elementwiseAffine: false }),
      pyBuild: 'nn.LayerNorm(7, eps=1e-6, elementwise_affine=False)', inputs: [img], repr: true },
    { name: 'GroupNorm', build: () => new nn.GroupNorm(2, 4), pyBuild: 'nn.GroupNorm(2, 4)', inputs: [img], repr: true },
    { name: 'GroupNorm no affine', build: () => new nn.GroupNorm(4, 4, { eps: 1e-3, affine: false }), pyBuild: 'nn.GroupNorm(4, 4, eps=1e-3, affine=False)', inputs: [img], repr: true },
    { name: 'LocalResponseNorm 4-d', build: () => new nn.LocalResponseNorm(3), pyBuild: 'nn.LocalResponseNorm(3)', inputs: [img], repr: true },
    { name: 'LocalResponseNorm 3-d', build: () => new nn.LocalResponseNorm(2, { alpha: 0.01, beta: 0.5, k: 2 }),
      pyBuild: 'nn.LocalResponseNorm(2, alpha=0.01, beta=0.5, k=2.0)', inputs: [r(2, 5, 6)], repr: true },
  ];
  compareWithPyTorch(cases);
});

test('activations, pooling, dropout, flatten and upsampling layers match PyTorch', () => {
  const x = r(2, 3, 6, 6);
  const act = (ts: () => torch.nn.Module, py: string, input = x): Case => ({ name: py, build: ts, pyBuild: py, inputs: [input], repr: true });
  const cases: Case[] = [
    act(() => new nn.ReLU(), 'nn.ReLU()'), act(() => new nn.ReLU(true), 'nn.ReLU(inplace=True)'),
    act(() => new nn.ReLU({ inplace: true }), 'nn.ReLU(True)'),
    act(() => new nn.ReLU6(), 'nn.ReLU6()'), act(() => new nn.ReLU6(true), 'nn.ReLU6(inplace=True)'),
    act(() => new nn.Hardtanh({ minVal: -2, maxVal: 0.5 }), 'nn.Hardtanh(-2.0, 0.5)'),
    act(() => new nn.Sigmoid(), 'nn.Sigmoid()'), act(() => new nn.Tanh(), 'nn.Tanh()'),
    act(() => new nn.SiLU(), 'nn.SiLU()'), act(() => new nn.SiLU(true), 'nn.SiLU(inplace=True)'),
    act(() => new nn.Hardswish(), 'nn.Hardswish()'), act(() => new nn.Hardswish(true), 'nn.Hardswish(inplace=True)'),
    act(() => new nn.Hardsigmoid(), 'nn.Hardsigmoid()'), act(() => new nn.Mish(), 'nn.Mish()'),
    act(() => new nn.ELU(), 'nn.ELU()'), act(() => new nn.ELU({ alpha: 0.5, inplace: true }), 'nn.ELU(alpha=0.5, inplace=True)'),
    act(() => new nn.LeakyReLU(), 'nn.LeakyReLU()'), act(() => new nn.LeakyReLU({ negativeSlope: 0.2, inplace: true }), 'nn.LeakyReLU(0.2, inplace=True)'),
    act(() => new nn.GELU(), 'nn.GELU()'), act(() => new nn.GELU({ approximate: 'tanh' }), "nn.GELU(approximate='tanh')"),
    act(() => new nn.PReLU(), 'nn.PReLU()'), act(() => new nn.PReLU(3, { init: 0.1 }), 'nn.PReLU(3, init=0.1)'),
    act(() => new nn.Softmax(1), 'nn.Softmax(dim=1)'), act(() => new nn.LogSoftmax(-1), 'nn.LogSoftmax(dim=-1)'),
    act(() => new nn.MaxPool2d(2, 2), 'nn.MaxPool2d(2, 2)'),
    act(() => new nn.MaxPool2d(3, { stride: 2, padding: 1, dilation: 1, ceilMode: true }), 'nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True)'),
    act(() => new nn.MaxPool2d([3, 2], { stride: [1, 2], dilation: [2, 1] }), 'nn.MaxPool2d((3, 2), stride=(1, 2), dilation=(2, 1))'),
    act(() => new nn.MaxPool2d(3), 'nn.MaxPool2d(3)', r(2, 3, 7, 8)),
    act(() => new nn.AvgPool2d(2), 'nn.AvgPool2d(2)'),
    act(() => new nn.AvgPool2d(3, { stride: 2, padding: 1, ceilMode: true, countIncludePad: false }), 'nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True, count_include_pad=False)', r(1, 2, 7, 7)),
    act(() => new nn.AvgPool2d(2, { divisorOverride: 3 }), 'nn.AvgPool2d(2, divisor_override=3)'),
    act(() => new nn.AdaptiveAvgPool2d([1, 1]), 'nn.AdaptiveAvgPool2d((1, 1))'),
    act(() => new nn.AdaptiveAvgPool2d(4), 'nn.AdaptiveAvgPool2d(4)', r(1, 2, 7, 9)),
    act(() => new nn.AdaptiveAvgPool2d([null, 3]), 'nn.AdaptiveAvgPool2d((None, 3))', r(1, 2, 7, 9)),
    act(() => new nn.AdaptiveMaxPool2d([2, 3]), 'nn.AdaptiveMaxPool2d((2, 3))', r(1, 2, 7, 9)),
    act(() => new nn.MaxPool1d(2), 'nn.MaxPool1d(2)', r(2, 3, 7)), act(() => new nn.AvgPool1d(3, 2), 'nn.AvgPool1d(3, 2)', r(2, 3, 7)),
    act(() => new nn.AdaptiveAvgPool1d(3), 'nn.AdaptiveAvgPool1d(3)', r(2, 3, 7)),
    act(() => new nn.Flatten(), 'nn.Flatten()'), act(() => new nn.Flatten(0, 2), 'nn.Flatten(0, 2)'),
    act(() => new nn.Unflatten(1, [3, 1]), 'nn.Unflatten(1, (3, 1))'),
    act(() => new nn.Identity(), 'nn.Identity()'),
    act(() => new nn.Upsample({ scaleFactor: 2 }), 'nn.Upsample(scale_factor=2)'),
    act(() => new nn.Upsample({ size: [5, 9], mode: 'bilinear' }), "nn.Upsample(size=(5, 9), mode='bilinear')"),
    act(() => new nn.Upsample({ scaleFactor: 1.5, mode: 'bicubic', alignCorners: true }), "nn.Upsample(scale_factor=1.5, mode='bicubic', align_corners=True)"),
    // PyTorch 1.13's channel_shuffle has no backward: the reference is the same permutation by views
    { name: 'ChannelShuffle', build: () => new nn.ChannelShuffle(3), pyBuild: 'nn.ChannelShuffle(3)', inputs: [r(2, 6, 2, 2)], repr: true,
      py: 'x0.reshape(2, 3, 2, 2, 2).transpose(1, 2).reshape(2, 6, 2, 2)' },
    { name: 'ChannelShuffle no grad', build: () => new nn.ChannelShuffle(2), pyBuild: 'nn.ChannelShuffle(2)', inputs: [r(2, 6, 2, 2)], grad: [false] },
    act(() => new nn.PixelShuffle(2), 'nn.PixelShuffle(2)', r(1, 8, 2, 3)),
    act(() => new nn.ZeroPad2d([1, 0, 2, 1]), 'nn.ZeroPad2d((1, 0, 2, 1))'),
    act(() => new nn.ReflectionPad2d(2), 'nn.ReflectionPad2d(2)'),
    act(() => new nn.ReplicationPad2d([1, 2, 0, 1]), 'nn.ReplicationPad2d((1, 2, 0, 1))'),
    act(() => new nn.ConstantPad2d(1, 3.5), 'nn.ConstantPad2d(1, 3.5)'),
    { name: 'Dropout train', build: () => new nn.Dropout(0.3), pyBuild: 'nn.Dropout(0.3)', inputs: [x], seed: 7, repr: true },
    { name: 'Dropout inplace train', build: () => new nn.Dropout({ p: 0.5, inplace: true }), pyBuild: 'nn.Dropout(p=0.5, inplace=True)', inputs: [x], seed: 8, repr: true },
    { name: 'Dropout eval', build: () => new nn.Dropout(), pyBuild: 'nn.Dropout()', inputs: [x], train: false, repr: true },
    { name: 'Dropout2d train', build: () => new nn.Dropout2d(0.5), pyBuild: 'nn.Dropout2d(0.5)', inputs: [r(4, 6, 2, 2)], seed: 9, repr: true },
    { name: 'Dropout2d eval', build: () => new nn.Dropout2d(0.5), pyBuild: 'nn.Dropout2d(0.5)', inputs: [x], train: false },
  ];
  compareWithPyTorch(cases);
});

test('loss modules match PyTorch (weights, ignore index, label smoothing, reductions)', () => {
  const logits = r(5, 4);
  const target = torch.tensor([0, 3, 1, 3, 2], { dtype: 'int64' });
  const ignoring = torch.tensor([0, -100, 1, 3, 2], { dtype: 'int64' });
  const probs = r(5, 4).softmax(1);
  const w = torch.tensor([0.5, 1, 2, 1.5]);
  const spatial = r(2, 3, 2, 2);
  const spatialT = torch.randint(0, 3, [2, 2, 2]);
  const loss = (name: string, ts: () => torch.nn.Module, py: string, inputs: torch.Tensor[], grad?: boolean[]): Case =>
    ({ name, build: ts, pyBuild: py, inputs, grad, repr: true });
  const cases: Case[] = [
    loss('CE', () => new nn.CrossEntropyLoss(), 'nn.CrossEntropyLoss()', [logits, target]),
    loss('CE weight sum', () => new nn.CrossEntropyLoss({ weight: w, reduction: 'sum' }), 'nn.CrossEntropyLoss(weight=torch.tensor([0.5, 1, 2, 1.5]), reduction="sum")', [logits, target]),
    loss('CE weight ignore mean', () => new nn.CrossEntropyLoss({ weight: w, ignoreIndex: 3 }), 'nn.CrossEntropyLoss(weight=torch.tensor([0.5, 1, 2, 1.5]), ignore_index=3)', [logits, target]),
    loss('CE default ignore none', () => new nn.CrossEntropyLoss({ reduction: 'none' }), 'nn.CrossEntropyLoss(reduction="none")', [logits, ignoring]),
    loss('CE label smoothing', () => new nn.CrossEntropyLoss({ labelSmoothing: 0.1, weight: w }), 'nn.CrossEntropyLoss(label_smoothing=0.1, weight=torch.tensor([0.5, 1, 2, 1.5]))', [logits, target]),
    loss('CE probabilities', () => new nn.CrossEntropyLoss({ labelSmoothing: 0.2 }), 'nn.CrossEntropyLoss(label_smoothing=0.2)', [logits, probs], [true, false]),
    loss('CE spatial', () => new nn.CrossEntropyLoss(), 'nn.CrossEntropyLoss()', [spatial, spatialT]),
    loss('NLL', () => new nn.NLLLoss({ weight: w, ignoreIndex: 1 }), 'nn.NLLLoss(weight=torch.tensor([0.5, 1, 2, 1.5]), ignore_index=1)', [logits.logSoftmax(1), target]),
    loss('NLL none', () => new nn.NLLLoss({ reduction: 'none' }), 'nn.NLLLoss(reduction="none")', [logits.logSoftmax(1), target]),
    loss('MSE', () => new nn.MSELoss(), 'nn.MSELoss()', [logits, probs]),
    loss('MSE sum', () => new nn.MSELoss({ reduction: 'sum' }), 'nn.MSELoss(reduction="sum")', [logits, probs]),
    loss('L1 none', () => new nn.L1Loss({ reduction: 'none' }), 'nn.L1Loss(reduction="none")', [logits, probs]),
    loss('SmoothL1', () => new nn.SmoothL1Loss({ beta: 0.5 }), 'nn.SmoothL1Loss(beta=0.5)', [logits, probs]),
    loss('BCEWithLogits', () => new nn.BCEWithLogitsLoss(), 'nn.BCEWithLogitsLoss()', [logits, probs]),
    loss('BCEWithLogits weights', () => new nn.BCEWithLogitsLoss({ weight: w, posWeight: torch.tensor([1, 2, 3, 0.5]), reduction: 'sum' }),
      'nn.BCEWithLogitsLoss(weight=torch.tensor([0.5, 1, 2, 1.5]), pos_weight=torch.tensor([1, 2, 3, 0.5]), reduction="sum")', [logits, probs]),
    loss('BCE', () => new nn.BCELoss(), 'nn.BCELoss()', [logits.sigmoid(), probs]),
  ];
  compareWithPyTorch(cases);
});

test("reprs format floats exactly as Python's repr does", async () => {
  const { pyFloat } = await import('../src/nn/modules/repr.js');
  const { runPython } = await import('./helpers/pytorch.js');
  const values = [1e-5, 0.1, 0.001, 1e-4, 0.0003, 1, 2.5, 100, 1e15, 1e16, 1.5e16, 123456789012345680000, 1e-320, 0, -2.75e-7, 1 / 3];
  const { json } = runPython('OUT_J = [repr(float(v)) for v in J]', { json: values });
  values.forEach((v, i) => assert.equal(pyFloat(v), json[i], `pyFloat(${v})`));
});
