// `vision.models.segmentation`: torchvision's semantic segmentation models (FCN, DeepLabV3, LR-ASPP), their VOC
// weights entries and the 21 VOC category names.
export { VOC_CATEGORIES, SEGMENTATION_WEIGHTS_DATA } from './weights-data.js';
export { SemanticSegmentation, segmentationPreset, type SegmentationTransformParams } from './preset.js';
export { SimpleSegmentationModel, type SegmentationOutput } from './segmentation-model.js';
export { type SegmentationBuilderOptions } from './builder.js';
export { FCN, FCNHead, FCN_ResNet50_Weights, FCN_ResNet101_Weights, fcn_resnet50, fcn_resnet101 } from './fcn.js';
export {
  DeepLabV3, DeepLabHead, ASPP, ASPPConv, ASPPPooling, DeepLabV3_ResNet50_Weights, DeepLabV3_ResNet101_Weights,
  DeepLabV3_MobileNet_V3_Large_Weights, deeplabv3_resnet50, deeplabv3_resnet101, deeplabv3_mobilenet_v3_large,
} from './deeplabv3.js';
export { LRASPP, LRASPPHead, LRASPP_MobileNet_V3_Large_Weights, lraspp_mobilenet_v3_large } from './lraspp.js';
