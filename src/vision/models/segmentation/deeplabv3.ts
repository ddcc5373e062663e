// DeepLabV3 (Chen et al. 2017, "Rethinking Atrous Convolution"), as torchvision's segmentation/deeplabv3.py:
// a dilated ResNet (output stride 8) or MobileNetV3-Large (output stride 16) backbone, atrous spatial pyramid
// pooling (rates 12, 24, 36 and image pooling), and optionally FCN's auxiliary head.
import { Module, releaseOutput } from '../../../nn/module.js';
import { ModuleList, Sequential } from '../../../nn/modules/container.js';
import * as nn from '../../../nn/index.js';
import { cat } from '../../../creation.js';
import { interpolate } from '../../../nn/functional/upsampling.js';
import type { Tensor } from '../../../tensor.js';
import { disposeTemporary } from '../../../memory.js';
import { resnet50, resnet101, type ResNet } from '../resnet.js';
import { mobilenet_v3_large, type MobileNetV3 } from '../mobilenetv3.js';
import { IntermediateLayerGetter } from '../intermediate-layer-getter.js';
import { registerModel } from '../registry.js';
import { segmentationWeightsEnum } from './preset.js';
import { SimpleSegmentationModel } from './segmentation-model.js';
import { FCNHead } from './fcn.js';
import { buildSegmentationModel, type SegmentationBuilderOptions } from './builder.js';
import { modelBuilder } from '../builder-args.js';
import { bindOwn, classArgs } from '../../../args.js';

export class DeepLabV3 extends SimpleSegmentationModel {}
// SimpleSegmentationModel's constructor binds the arguments
classArgs(DeepLabV3, 'torchvision.models.segmentation.DeepLabV3', 'backbone, classifier, auxClassifier?');

/** 3x3 atrous convolution (padding = dilation), BN, ReLU. */
export class ASPPConv extends Sequential {
  constructor(inChannels: number, outChannels: number, dilation: number) {
    [inChannels, outChannels, dilation] = bindOwn(ASPPConv, arguments) as ConstructorParameters<typeof ASPPConv>;
    super(
      new nn.Conv2d(inChannels, outChannels, 3, { padding: dilation, dilation, bias: false }),
      new nn.BatchNorm2d(outChannels),
      new nn.ReLU(),
    );
  }
}
classArgs(ASPPConv, 'torchvision.models.segmentation.ASPPConv', 'inChannels, outChannels, dilation');

/** Image-level features: global average, 1x1 convolution, BN, ReLU, upsampled back to the map's size. */
export class ASPPPooling extends Sequential {
  constructor(inChannels: number, outChannels: number) {
    [inChannels, outChannels] = bindOwn(ASPPPooling, arguments) as ConstructorParameters<typeof ASPPPooling>;
    super(new nn.AdaptiveAvgPool2d(1), new nn.Conv2d(inChannels, outChannels, 1, { bias: false }), new nn.BatchNorm2d(outChannels), new nn.ReLU());
  }

  override forward(x: Tensor): Tensor {
    const size = x.shape.slice(-2);
    const y: Tensor = super.forward(x);
    const out = interpolate(y, { size, mode: 'bilinear', alignCorners: false });
    disposeTemporary(y);
    return out;
  }
}
classArgs(ASPPPooling, 'torchvision.models.segmentation.ASPPPooling', 'inChannels, outChannels');

/** Atrous spatial pyramid pooling: a 1x1 branch, one atrous branch per rate, image pooling; concatenated and projected. */
export class ASPP extends Module {
  declare convs: ModuleList;
  declare project: Sequential;

  constructor(inChannels: number, atrousRates: readonly number[], outChannels = 256) {
    [inChannels, atrousRates, outChannels = 256] = bindOwn(ASPP, arguments) as ConstructorParameters<typeof ASPP>;
    super();
    const modules: Module[] = [new Sequential(new nn.Conv2d(inChannels, outChannels, 1, { bias: false }), new nn.BatchNorm2d(outChannels), new nn.ReLU())];
    for (const rate of atrousRates) modules.push(new ASPPConv(inChannels, outChannels, rate));
    modules.push(new ASPPPooling(inChannels, outChannels));
    this.convs = new ModuleList(modules);
    this.project = new Sequential(
      new nn.Conv2d(modules.length * outChannels, outChannels, 1, { bias: false }),
      new nn.BatchNorm2d(outChannels),
      new nn.ReLU(),
      new nn.Dropout(0.5),
    );
  }

  override forward(x: Tensor): Tensor {
    const branches = this.convs.children();
    const res = branches.map((conv) => conv.call(x) as Tensor);
    const y = cat(res, 1);
    res.forEach((r, i) => releaseOutput(branches[i]!, r));
    const out: Tensor = this.project.call(y);
    disposeTemporary(y);
    return out;
  }
}
classArgs(ASPP, 'torchvision.models.segmentation.ASPP', 'inChannels, atrousRates, outChannels?');

/** ASPP, 3x3 convolution, BN, ReLU, 1x1 convolution to the classes. */
export class DeepLabHead extends Sequential {
  constructor(inChannels: number, numClasses: number) {
    [inChannels, numClasses] = bindOwn(DeepLabHead, arguments) as ConstructorParameters<typeof DeepLabHead>;
    super(
      new ASPP(inChannels, [12, 24, 36]),
      new nn.Conv2d(256, 256, 3, { padding: 1, bias: false }),
      new nn.BatchNorm2d(256),
      new nn.ReLU(),
      new nn.Conv2d(256, numClasses, 1),
    );
  }
}
classArgs(DeepLabHead, 'torchvision.models.segmentation.DeepLabHead', 'inChannels, numClasses');

export const DeepLabV3_ResNet50_Weights = segmentationWeightsEnum('DeepLabV3_ResNet50_Weights');
export const DeepLabV3_ResNet101_Weights = segmentationWeightsEnum('DeepLabV3_ResNet101_Weights');
export const DeepLabV3_MobileNet_V3_Large_Weights = segmentationWeightsEnum('DeepLabV3_MobileNet_V3_Large_Weights');

function deeplabv3Resnet(backbone: ResNet, numClasses: number, aux: boolean): DeepLabV3 {
  const returnLayers: Record<string, string> = { layer4: 'out' };
  if (aux) returnLayers.layer3 = 'aux';
  const getter = new IntermediateLayerGetter(backbone, returnLayers);
  const auxClassifier = aux ? new FCNHead(1024, numClasses) : null;
  const classifier = new DeepLabHead(2048, numClasses);
  return new DeepLabV3(getter, classifier, auxClassifier);
}

/**
 * Where MobileNetV3's stages begin, as torchvision finds them: the first layer, every strided block (C1..C4),
 * the last layer (C5).
 */
export function mobileNetV3StageIndices(features: Sequential): number[] {
  const strided = features.children().flatMap((b, i) => ((b as { isCn?: boolean }).isCn ? [i] : []));
  return [0, ...strided, features.length - 1];
}

function outChannelsOf(m: Module): number {
  const c = (m as { outChannels?: number }).outChannels;
  if (typeof c !== 'number') throw new Error(`${m._getName()} does not say its number of output channels`);
  return c;
}

function deeplabv3Mobilenetv3(backbone: MobileNetV3, numClasses: number, aux: boolean): DeepLabV3 {
  const features = backbone.features;
  const stages = mobileNetV3StageIndices(features);
  const outPos = stages[stages.length - 1]!; // C5, output stride 16
  const auxPos = stages[stages.length - 4]!; // C2, output stride 8
  const returnLayers: Record<string, string> = { [String(outPos)]: 'out' };
  if (aux) returnLayers[String(auxPos)] = 'aux';
  const getter = new IntermediateLayerGetter(features, returnLayers);
  const auxClassifier = aux ? new FCNHead(outChannelsOf(features.at(auxPos)), numClasses) : null;
  const classifier = new DeepLabHead(outChannelsOf(features.at(outPos)), numClasses);
  return new DeepLabV3(getter, classifier, auxClassifier);
}

/** DeepLabV3 with a dilated ResNet-50 backbone (weightsBackbone defaults to ResNet50_Weights.IMAGENET1K_V1, as in torchvision). */
export const deeplabv3_resnet50 = modelBuilder('deeplabv3_resnet50', (opts: SegmentationBuilderOptions = {}): DeepLabV3 => buildSegmentationModel(DeepLabV3_ResNet50_Weights, opts,
  (wb, numClasses, aux) => deeplabv3Resnet(resnet50({ weights: wb, replaceStrideWithDilation: [false, true, true] }), numClasses, aux), 'classifier.4.weight'));
/** DeepLabV3 with a dilated ResNet-101 backbone. */
export const deeplabv3_resnet101 = modelBuilder('deeplabv3_resnet101', (opts: SegmentationBuilderOptions = {}): DeepLabV3 => buildSegmentationModel(DeepLabV3_ResNet101_Weights, opts,
  (wb, numClasses, aux) => deeplabv3Resnet(resnet101({ weights: wb, replaceStrideWithDilation: [false, true, true] }), numClasses, aux), 'classifier.4.weight'));
/** DeepLabV3 with a dilated MobileNetV3-Large backbone (weightsBackbone defaults to MobileNet_V3_Large_Weights.IMAGENET1K_V1). */
export const deeplabv3_mobilenet_v3_large = modelBuilder('deeplabv3_mobilenet_v3_large', (opts: SegmentationBuilderOptions = {}): DeepLabV3 => buildSegmentationModel(DeepLabV3_MobileNet_V3_Large_Weights, opts,
  (wb, numClasses, aux) => deeplabv3Mobilenetv3(mobilenet_v3_large({ weights: wb, dilated: true }), numClasses, aux), 'classifier.4.weight'));

registerModel('deeplabv3_resnet50', deeplabv3_resnet50, DeepLabV3_ResNet50_Weights);
registerModel('deeplabv3_resnet101', deeplabv3_resnet101, DeepLabV3_ResNet101_Weights);
registerModel('deeplabv3_mobilenet_v3_large', deeplabv3_mobilenet_v3_large, DeepLabV3_MobileNet_V3_Large_Weights);
