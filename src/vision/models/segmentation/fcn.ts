// Fully Convolutional Networks (Long et al. 2015), as torchvision's segmentation/fcn.py: a dilated ResNet
// (output stride 8) with a 3x3 convolution head, and optionally an auxiliary head on layer3.
import { Sequential } from '../../../nn/modules/container.js';
import * as nn from '../../../nn/index.js';
import { resnet50, resnet101, type ResNet } from '../resnet.js';
import { IntermediateLayerGetter } from '../intermediate-layer-getter.js';
import { registerModel } from '../registry.js';
import { segmentationWeightsEnum } from './preset.js';
import { SimpleSegmentationModel } from './segmentation-model.js';
import { buildSegmentationModel, type SegmentationBuilderOptions } from './builder.js';
import { modelBuilder } from '../builder-args.js';
import { bindOwn, classArgs } from '../../../args.js';

export class FCN extends SimpleSegmentationModel {}
// SimpleSegmentationModel's constructor binds the arguments
classArgs(FCN, 'torchvision.models.segmentation.FCN', 'backbone, classifier, auxClassifier?');

/** 3x3 convolution to a quarter of the channels, BN, ReLU, dropout 0.1, 1x1 convolution to the classes. */
export class FCNHead extends Sequential {
  constructor(inChannels: number, channels: number) {
    [inChannels, channels] = bindOwn(FCNHead, arguments) as ConstructorParameters<typeof FCNHead>;
    const inter = Math.floor(inChannels / 4);
    super(
      new nn.Conv2d(inChannels, inter, 3, { padding: 1, bias: false }),
      new nn.BatchNorm2d(inter),
      new nn.ReLU(),
      new nn.Dropout(0.1),
      new nn.Conv2d(inter, channels, 1),
    );
  }
}
classArgs(FCNHead, 'torchvision.models.segmentation.FCNHead', 'inChannels, channels');

export const FCN_ResNet50_Weights = segmentationWeightsEnum('FCN_ResNet50_Weights');
export const FCN_ResNet101_Weights = segmentationWeightsEnum('FCN_ResNet101_Weights');

function fcnResnet(backbone: ResNet, numClasses: number, aux: boolean): FCN {
  const returnLayers: Record<string, string> = { layer4: 'out' };
  if (aux) returnLayers.layer3 = 'aux';
  const getter = new IntermediateLayerGetter(backbone, returnLayers);
  // the auxiliary head is built first, as in torchvision (the same initial weights from the same seed)
  const auxClassifier = aux ? new FCNHead(1024, numClasses) : null;
  const classifier = new FCNHead(2048, numClasses);
  return new FCN(getter, classifier, auxClassifier);
}

/** FCN with a dilated ResNet-50 backbone (weightsBackbone defaults to ResNet50_Weights.IMAGENET1K_V1, as in torchvision). */
export const fcn_resnet50 = modelBuilder('fcn_resnet50', (opts: SegmentationBuilderOptions = {}): FCN => buildSegmentationModel(FCN_ResNet50_Weights, opts,
  (wb, numClasses, aux) => fcnResnet(resnet50({ weights: wb, replaceStrideWithDilation: [false, true, true] }), numClasses, aux), 'classifier.4.weight'));
/** FCN with a dilated ResNet-101 backbone. */
export const fcn_resnet101 = modelBuilder('fcn_resnet101', (opts: SegmentationBuilderOptions = {}): FCN => buildSegmentationModel(FCN_ResNet101_Weights, opts,
  (wb, numClasses, aux) => fcnResnet(resnet101({ weights: wb, replaceStrideWithDilation: [false, true, true] }), numClasses, aux), 'classifier.4.weight'));

registerModel('fcn_resnet50', fcn_resnet50, FCN_ResNet50_Weights);
registerModel('fcn_resnet101', fcn_resnet101, FCN_ResNet101_Weights);
