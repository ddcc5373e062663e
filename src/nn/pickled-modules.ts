// The torch.nn classes torch.load may rebuild from a pickled module (Python's `torch.save(model)`): each
// Python class name with the tstorch layer it becomes (see serialization/pickled-module.ts). Leaf layers are
// built by their constructor from the pickled hyper-parameters; containers receive their children.
import { registerPickledModule, type PickledAttrs } from '../serialization/pickled-module.js';
import type { Module } from './module.js';
import { Sequential, ModuleList, ModuleDict } from './modules/container.js';
import { Linear, Identity } from './modules/linear.js';
import { Conv1d, Conv2d, ConvTranspose1d, ConvTranspose2d, type PaddingMode } from './modules/conv.js';
import { BatchNorm1d, BatchNorm2d, BatchNorm3d } from './modules/batchnorm.js';
import {
  ReLU, ReLU6, Hardtanh, SiLU, Mish, Hardswish, Hardsigmoid, Sigmoid, Tanh, ELU, LeakyReLU, GELU, Softmax, LogSoftmax, PReLU,
} from './modules/activation.js';
import { MaxPool1d, MaxPool2d, AvgPool1d, AvgPool2d, AdaptiveAvgPool1d, AdaptiveAvgPool2d, AdaptiveMaxPool2d } from './modules/pooling.js';
import { Dropout, Dropout2d } from './modules/dropout.js';
import { Flatten, Unflatten } from './modules/flatten.js';
import { LayerNorm, GroupNorm, LocalResponseNorm } from './modules/normalization.js';
import { Upsample, UpsamplingNearest2d, UpsamplingBilinear2d } from './modules/upsampling.js';
import { CrossEntropyLoss, NLLLoss, MSELoss, L1Loss, SmoothL1Loss, BCELoss, BCEWithLogitsLoss } from './modules/loss.js';
import { ChannelShuffle, PixelShuffle, PixelUnshuffle } from './modules/shuffle.js';
import { ZeroPad2d, ConstantPad2d, ReflectionPad2d, ReplicationPad2d } from './modules/padding.js';

/** Registers a torch.nn leaf layer under its module path and torch.nn's short path. */
function leaf(file: string, name: string, attributes: readonly string[], build: (a: PickledAttrs) => Module): void {
  registerPickledModule([`torch.nn.modules.${file}.${name}`, `torch.nn.${name}`], { kind: 'construct', build, attributes });
}

const CONV = ['in_channels', 'out_channels', 'kernel_size', 'stride', 'padding', 'dilation', 'transposed', 'output_padding', 'groups',
  'padding_mode', '_reversed_padding_repeated_twice'];
const padding = (a: PickledAttrs): number | number[] | 'same' | 'valid' => {
  const p = a.get('padding');
  return p === 'same' || p === 'valid' ? p : a.ints('padding');
};
const conv = (a: PickledAttrs) => ({
  stride: a.ints('stride'), dilation: a.ints('dilation'), groups: a.int('groups'), bias: a.hasParam('bias'),
});
leaf('conv', 'Conv1d', CONV, (a) => new Conv1d(a.int('in_channels'), a.int('out_channels'), a.ints('kernel_size'),
  { ...conv(a), padding: padding(a), paddingMode: a.str('padding_mode') as PaddingMode }));
leaf('conv', 'Conv2d', CONV, (a) => new Conv2d(a.int('in_channels'), a.int('out_channels'), a.ints('kernel_size'),
  { ...conv(a), padding: padding(a), paddingMode: a.str('padding_mode') as PaddingMode }));
leaf('conv', 'ConvTranspose1d', CONV, (a) => new ConvTranspose1d(a.int('in_channels'), a.int('out_channels'), a.ints('kernel_size'),
  { ...conv(a), padding: a.ints('padding'), outputPadding: a.ints('output_padding') }));
leaf('conv', 'ConvTranspose2d', CONV, (a) => new ConvTranspose2d(a.int('in_channels'), a.int('out_channels'), a.ints('kernel_size'),
  { ...conv(a), padding: a.ints('padding'), outputPadding: a.ints('output_padding') }));
leaf('linear', 'Linear', ['in_features', 'out_features'], (a) => new Linear(a.int('in_features'), a.int('out_features'), { bias: a.hasParam('bias') }));
leaf('linear', 'Identity', [], () => new Identity());

const BN = ['num_features', 'eps', 'momentum', 'affine', 'track_running_stats'];
const bn = (a: PickledAttrs) => ({
  eps: a.num('eps'), momentum: a.get('momentum') as number | null, affine: a.bool('affine'), trackRunningStats: a.bool('track_running_stats'),
});
leaf('batchnorm', 'BatchNorm1d', BN, (a) => new BatchNorm1d(a.int('num_features'), bn(a)));
leaf('batchnorm', 'BatchNorm2d', BN, (a) => new BatchNorm2d(a.int('num_features'), bn(a)));
leaf('batchnorm', 'BatchNorm3d', BN, (a) => new BatchNorm3d(a.int('num_features'), bn(a)));

const inplace = (a: PickledAttrs) => ({ inplace: a.bool('inplace') });
leaf('activation', 'ReLU', ['inplace'], (a) => new ReLU(inplace(a)));
leaf('activation', 'ReLU6', ['min_val', 'max_val', 'inplace'], (a) => new ReLU6(inplace(a)));
leaf('activation', 'Hardtanh', ['min_val', 'max_val', 'inplace'], (a) => new Hardtanh({ minVal: a.num('min_val'), maxVal: a.num('max_val'), ...inplace(a) }));
leaf('activation', 'SiLU', ['inplace'], (a) => new SiLU(inplace(a)));
leaf('activation', 'Mish', ['inplace'], (a) => new Mish(inplace(a)));
leaf('activation', 'Hardswish', ['inplace'], (a) => new Hardswish(inplace(a)));
leaf('activation', 'Hardsigmoid', ['inplace'], (a) => new Hardsigmoid(inplace(a)));
leaf('activation', 'Sigmoid', [], () => new Sigmoid());
leaf('activation', 'Tanh', [], () => new Tanh());
leaf('activation', 'ELU', ['alpha', 'inplace'], (a) => new ELU({ alpha: a.num('alpha'), ...inplace(a) }));
leaf('activation', 'LeakyReLU', ['negative_slope', 'inplace'], (a) => new LeakyReLU({ negativeSlope: a.num('negative_slope'), ...inplace(a) }));
leaf('activation', 'GELU', ['approximate'], (a) => new GELU({ approximate: (a.has('approximate') ? a.str('approximate') : 'none') as 'none' | 'tanh' }));
leaf('activation', 'Softmax', ['dim'], (a) => new Softmax({ dim: a.get('dim') as number | null }));
leaf('activation', 'LogSoftmax', ['dim'], (a) => new LogSoftmax({ dim: a.get('dim') as number | null }));
leaf('activation', 'PReLU', ['num_parameters'], (a) => new PReLU({ numParameters: a.int('num_parameters') }));

const MAXPOOL = ['kernel_size', 'stride', 'padding', 'dilation', 'return_indices', 'ceil_mode'];
const maxPool = (a: PickledAttrs) => ({
  stride: a.ints('stride'), padding: a.ints('padding'), dilation: a.ints('dilation'), returnIndices: a.bool('return_indices'), ceilMode: a.bool('ceil_mode'),
});
leaf('pooling', 'MaxPool1d', MAXPOOL, (a) => new MaxPool1d(a.ints('kernel_size'), maxPool(a)));
leaf('pooling', 'MaxPool2d', MAXPOOL, (a) => new MaxPool2d(a.ints('kernel_size'), maxPool(a)));
const AVGPOOL = ['kernel_size', 'stride', 'padding', 'ceil_mode', 'count_include_pad', 'divisor_override'];
leaf('pooling', 'AvgPool1d', AVGPOOL, (a) => new AvgPool1d(a.ints('kernel_size'), {
  stride: a.ints('stride'), padding: a.ints('padding'), ceilMode: a.bool('ceil_mode'), countIncludePad: a.bool('count_include_pad'),
}));
leaf('pooling', 'AvgPool2d', AVGPOOL, (a) => new AvgPool2d(a.ints('kernel_size'), {
  stride: a.ints('stride'), padding: a.ints('padding'), ceilMode: a.bool('ceil_mode'), countIncludePad: a.bool('count_include_pad'),
  divisorOverride: a.has('divisor_override') ? a.get('divisor_override') as number | null : null,
}));
const outputSize = (a: PickledAttrs) => a.get('output_size') as number | (number | null)[] | null;
leaf('pooling', 'AdaptiveAvgPool1d', ['output_size'], (a) => new AdaptiveAvgPool1d(a.get('output_size') as number));
leaf('pooling', 'AdaptiveAvgPool2d', ['output_size'], (a) => new AdaptiveAvgPool2d(outputSize(a)));
leaf('pooling', 'AdaptiveMaxPool2d', ['output_size', 'return_indices'], (a) => new AdaptiveMaxPool2d(outputSize(a), { returnIndices: a.bool('return_indices') }));

leaf('dropout', 'Dropout', ['p', 'inplace'], (a) => new Dropout({ p: a.num('p'), ...inplace(a) }));
leaf('dropout', 'Dropout2d', ['p', 'inplace'], (a) => new Dropout2d({ p: a.num('p'), ...inplace(a) }));
leaf('flatten', 'Flatten', ['start_dim', 'end_dim'], (a) => new Flatten({ startDim: a.int('start_dim'), endDim: a.int('end_dim') }));
leaf('flatten', 'Unflatten', ['dim', 'unflattened_size'], (a) => new Unflatten(a.int('dim'), a.get('unflattened_size') as number[]));

leaf('normalization', 'LayerNorm', ['normalized_shape', 'eps', 'elementwise_affine'], (a) => new LayerNorm(a.ints('normalized_shape'),
  { eps: a.num('eps'), elementwiseAffine: a.bool('elementwise_affine') }));
leaf('normalization', 'GroupNorm', ['num_groups', 'num_channels', 'eps', 'affine'], (a) => new GroupNorm(a.int('num_groups'), a.int('num_channels'),
  { eps: a.num('eps'), affine: a.bool('affine') }));
leaf('normalization', 'LocalResponseNorm', ['size', 'alpha', 'beta', 'k'], (a) => new LocalResponseNorm(a.int('size'),
  { alpha: a.num('alpha'), beta: a.num('beta'), k: a.num('k') }));

const UPSAMPLE = ['name', 'size', 'scale_factor', 'mode', 'align_corners', 'recompute_scale_factor'];
const upsample = (a: PickledAttrs) => ({
  size: a.get('size') as number | number[] | null, scaleFactor: a.get('scale_factor') as number | number[] | null,
});
leaf('upsampling', 'Upsample', UPSAMPLE, (a) => new Upsample({
  ...upsample(a), mode: a.str('mode') as never, alignCorners: a.get('align_corners') as boolean | null,
  recomputeScaleFactor: a.has('recompute_scale_factor') ? a.get('recompute_scale_factor') as boolean | null : null,
}));
leaf('upsampling', 'UpsamplingNearest2d', UPSAMPLE, (a) => new UpsamplingNearest2d(upsample(a)));
leaf('upsampling', 'UpsamplingBilinear2d', UPSAMPLE, (a) => new UpsamplingBilinear2d(upsample(a)));

type Reduction = 'none' | 'mean' | 'sum';
const reduction = (a: PickledAttrs) => a.str('reduction') as Reduction;
leaf('loss', 'CrossEntropyLoss', ['reduction', 'ignore_index', 'label_smoothing'], (a) => new CrossEntropyLoss({
  reduction: reduction(a), ignoreIndex: a.int('ignore_index'), labelSmoothing: a.has('label_smoothing') ? a.num('label_smoothing') : 0,
}));
leaf('loss', 'NLLLoss', ['reduction', 'ignore_index'], (a) => new NLLLoss({ reduction: reduction(a), ignoreIndex: a.int('ignore_index') }));
leaf('loss', 'MSELoss', ['reduction'], (a) => new MSELoss({ reduction: reduction(a) }));
leaf('loss', 'L1Loss', ['reduction'], (a) => new L1Loss({ reduction: reduction(a) }));
leaf('loss', 'SmoothL1Loss', ['reduction', 'beta'], (a) => new SmoothL1Loss({ reduction: reduction(a), beta: a.num('beta') }));
leaf('loss', 'BCELoss', ['reduction'], (a) => new BCELoss({ reduction: reduction(a) }));
leaf('loss', 'BCEWithLogitsLoss', ['reduction'], (a) => new BCEWithLogitsLoss({ reduction: reduction(a) }));

leaf('channelshuffle', 'ChannelShuffle', ['groups'], (a) => new ChannelShuffle(a.int('groups')));
leaf('pixelshuffle', 'PixelShuffle', ['upscale_factor'], (a) => new PixelShuffle(a.int('upscale_factor')));
leaf('pixelshuffle', 'PixelUnshuffle', ['downscale_factor'], (a) => new PixelUnshuffle(a.int('downscale_factor')));
leaf('padding', 'ZeroPad2d', ['padding', 'value'], (a) => new ZeroPad2d(a.ints('padding')));
leaf('padding', 'ConstantPad2d', ['padding', 'value'], (a) => new ConstantPad2d(a.ints('padding'), a.num('value')));
leaf('padding', 'ReflectionPad2d', ['padding'], (a) => new ReflectionPad2d(a.ints('padding')));
leaf('padding', 'ReplicationPad2d', ['padding'], (a) => new ReplicationPad2d(a.ints('padding')));

for (const [name, cls] of [['Sequential', Sequential], ['ModuleList', ModuleList], ['ModuleDict', ModuleDict]] as const) {
  registerPickledModule([`torch.nn.modules.container.${name}`, `torch.nn.${name}`], { kind: 'shell', cls, attributes: {} });
}
