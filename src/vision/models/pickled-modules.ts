// The torchvision classes torch.load may rebuild from a pickled model (Python's `torch.save(model)`): each
// Python class name with its tstorch class and the attributes its forward reads (see
// serialization/pickled-module.ts). Composite modules are rebuilt as empty instances that receive the file's
// children, parameters and these attributes; the torchvision.ops layers are built by their constructors.
import { registerPickledModule, type ModuleRule } from '../../serialization/pickled-module.js';
import type { Module } from '../../nn/module.js';
import { AlexNet } from './alexnet.js';
import { VGG } from './vgg.js';
import { BasicBlock, Bottleneck, ResNet } from './resnet.js';
import { DenseLayer, DenseBlock, Transition, DenseNet } from './densenet.js';
import { BasicConv2d, Inception, GoogLeNetInceptionAux, GoogLeNet } from './googlenet.js';
import { InceptionA, InceptionB, InceptionC, InceptionD, InceptionE, InceptionAux, Inception3 } from './inception.js';
import { Fire, SqueezeNet } from './squeezenet.js';
import { ShuffleNetInvertedResidual, ShuffleNetV2 } from './shufflenetv2.js';
import { MobileNetV2InvertedResidual, MobileNetV2 } from './mobilenetv2.js';
import { MobileNetV3InvertedResidual, MobileNetV3 } from './mobilenetv3.js';
import { MNASNetInvertedResidual, MNASNet } from './mnasnet.js';
import { MBConv, FusedMBConv, EfficientNet } from './efficientnet.js';
import { SimpleStemIN, BottleneckTransform, ResBottleneckBlock, AnyStage, RegNet } from './regnet.js';
import { CNBlock, ConvNeXt } from './convnext.js';
import { Conv2dNormActivation, SqueezeExcitation } from '../ops/misc.js';
import { StochasticDepth, type StochasticDepthMode } from '../ops/stochastic-depth.js';
import { Permute } from '../ops/permute.js';
import { LayerNorm2d } from '../ops/layer-norm2d.js';

const shell = (cls: abstract new (...a: any[]) => Module, attributes: Record<string, string | null> = {}): ModuleRule =>
  ({ kind: 'shell', cls, attributes });

const TABLE: [string, ModuleRule][] = [
  ['torchvision.models.alexnet.AlexNet', shell(AlexNet)],
  ['torchvision.models.vgg.VGG', shell(VGG)],
  ['torchvision.models.resnet.ResNet', shell(ResNet, { _norm_layer: null, inplanes: 'inplanes', dilation: 'dilation', groups: 'groups', base_width: 'baseWidth' })],
  ['torchvision.models.resnet.BasicBlock', shell(BasicBlock, { downsample: 'downsample', stride: 'stride' })],
  ['torchvision.models.resnet.Bottleneck', shell(Bottleneck, { downsample: 'downsample', stride: 'stride' })],
  ['torchvision.models.densenet.DenseNet', shell(DenseNet)],
  ['torchvision.models.densenet._DenseBlock', shell(DenseBlock)],
  ['torchvision.models.densenet._DenseLayer', shell(DenseLayer, { drop_rate: 'dropRate', memory_efficient: null })],
  ['torchvision.models.densenet._Transition', shell(Transition)],
  ['torchvision.models.googlenet.GoogLeNet', shell(GoogLeNet, { aux_logits: 'auxLogits', transform_input: 'transformInput' })],
  ['torchvision.models.googlenet.Inception', shell(Inception)],
  ['torchvision.models.googlenet.InceptionAux', shell(GoogLeNetInceptionAux)],
  ['torchvision.models.googlenet.BasicConv2d', shell(BasicConv2d)],
  ['torchvision.models.inception.Inception3', shell(Inception3, { aux_logits: 'auxLogits', transform_input: 'transformInput' })],
  ['torchvision.models.inception.BasicConv2d', shell(BasicConv2d)],
  ['torchvision.models.inception.InceptionA', shell(InceptionA)],
  ['torchvision.models.inception.InceptionB', shell(InceptionB)],
  ['torchvision.models.inception.InceptionC', shell(InceptionC)],
  ['torchvision.models.inception.InceptionD', shell(InceptionD)],
  ['torchvision.models.inception.InceptionE', shell(InceptionE)],
  ['torchvision.models.inception.InceptionAux', shell(InceptionAux)],
  ['torchvision.models.squeezenet.SqueezeNet', shell(SqueezeNet, { num_classes: 'numClasses' })],
  ['torchvision.models.squeezenet.Fire', shell(Fire, { inplanes: 'inplanes' })],
  ['torchvision.models.shufflenetv2.ShuffleNetV2', shell(ShuffleNetV2, { _stage_out_channels: 'stageOutChannels' })],
  ['torchvision.models.shufflenetv2.InvertedResidual', shell(ShuffleNetInvertedResidual, { stride: 'stride' })],
  ['torchvision.models.mobilenetv2.MobileNetV2', shell(MobileNetV2, { last_channel: 'lastChannel' })],
  ['torchvision.models.mobilenetv2.InvertedResidual', shell(MobileNetV2InvertedResidual,
    { stride: 'stride', use_res_connect: 'useResConnect', out_channels: 'outChannels', _is_cn: null })],
  ['torchvision.models.mobilenetv3.MobileNetV3', shell(MobileNetV3)],
  ['torchvision.models.mobilenetv3.InvertedResidual', shell(MobileNetV3InvertedResidual,
    { use_res_connect: 'useResConnect', out_channels: 'outChannels', _is_cn: null })],
  ['torchvision.models.mnasnet.MNASNet', shell(MNASNet, { alpha: 'alpha', num_classes: 'numClasses' })],
  ['torchvision.models.mnasnet._InvertedResidual', shell(MNASNetInvertedResidual, { apply_residual: 'applyResidual' })],
  ['torchvision.models.efficientnet.EfficientNet', shell(EfficientNet)],
  ['torchvision.models.efficientnet.MBConv', shell(MBConv, { use_res_connect: 'useResConnect', out_channels: 'outChannels' })],
  ['torchvision.models.efficientnet.FusedMBConv', shell(FusedMBConv, { use_res_connect: 'useResConnect', out_channels: 'outChannels' })],
  ['torchvision.models.regnet.RegNet', shell(RegNet)],
  ['torchvision.models.regnet.SimpleStemIN', shell(SimpleStemIN, { out_channels: 'outChannels' })],
  ['torchvision.models.regnet.BottleneckTransform', shell(BottleneckTransform)],
  ['torchvision.models.regnet.ResBottleneckBlock', shell(ResBottleneckBlock)],
  ['torchvision.models.regnet.AnyStage', shell(AnyStage)],
  ['torchvision.models.convnext.ConvNeXt', shell(ConvNeXt)],
  ['torchvision.models.convnext.CNBlock', shell(CNBlock)],
  ['torchvision.ops.misc.Conv2dNormActivation', shell(Conv2dNormActivation, { out_channels: 'outChannels' })],
  ['torchvision.ops.misc.SqueezeExcitation', shell(SqueezeExcitation)],
  ['torchvision.ops.misc.Permute', {
    kind: 'construct', attributes: ['dims'], build: (a) => new Permute(a.get('dims') as number[]),
  }],
  ['torchvision.ops.stochastic_depth.StochasticDepth', {
    kind: 'construct', attributes: ['p', 'mode'], build: (a) => new StochasticDepth(a.num('p'), a.str('mode') as StochasticDepthMode),
  }],
  ['torchvision.models.convnext.LayerNorm2d', {
    kind: 'construct', attributes: ['normalized_shape', 'eps', 'elementwise_affine'],
    build: (a) => new LayerNorm2d(a.ints('normalized_shape'), { eps: a.num('eps'), elementwiseAffine: a.bool('elementwise_affine') }),
  }],
];

for (const [qualname, rule] of TABLE) registerPickledModule(qualname, rule);
