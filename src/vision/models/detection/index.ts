// `vision.models.detection`: torchvision.models.detection (0.14). Shared infrastructure (one file per torchvision
// module), the R-CNN family, and the single-stage detectors.
export { ImageList, type ImageSize } from './image-list.js';
export { BalancedPositiveNegativeSampler, BoxCoder, BoxLinearCoder, Matcher, SSDMatcher, encodeBoxes, overwriteEps, retrieveOutChannels,
  topkMin, boxLoss, type BoxLossType } from './det-utils.js';
export { AnchorGenerator } from './anchor-utils.js';
export { GeneralizedRCNNTransform, resizeBoxes, resizeKeypoints, resizeImageAndMasks, type GeneralizedRCNNTransformOptions,
  type TargetDict } from './transform.js';
export { pasteMasksInImage, pasteMaskInImage, expandBoxes, expandMasks } from './paste-masks.js';
export { BackboneWithFPN, MobileNetFeatures, resnet_fpn_backbone, resnetFpnExtractor, mobilenet_backbone, mobilenetExtractor,
  validateTrainableLayers, checkKeys, type ResnetFpnBackboneOptions, type MobilenetBackboneOptions, type ResNetBackboneName,
  type MobileNetBackboneName } from './backbone-utils.js';
export { COCO_CATEGORIES, COCO_PERSON_CATEGORIES, COCO_PERSON_KEYPOINT_NAMES, COCO_PERSON_SKELETON } from './coco-categories.js';
export { ObjectDetection, type DetectionWeights, detectionWeightsEnum, ovewriteValueParam, type DetectionWeightsEnumName } from './weights.js';
export { IntermediateLayerGetter } from '../intermediate-layer-getter.js';

// R-CNN family (det-rcnn)
export { GeneralizedRCNN } from './generalized-rcnn.js';
export { RPNHead, RegionProposalNetwork, concatBoxPredictionLayers, permuteAndFlatten, type RegionProposalNetworkOptions, type RPNTopN } from './rpn.js';
export { RoIHeads, fastrcnnLoss, maskrcnnInference, maskrcnnLoss, projectMasksOnBoxes, keypointsToHeatmap, heatmapsToKeypoints, keypointrcnnLoss,
  keypointrcnnInference, type RoIHeadsOptions, type Detection } from './roi-heads.js';
export { FasterRCNN, TwoMLPHead, FastRCNNConvFCHead, FastRCNNPredictor, defaultAnchorgen, fasterrcnn_resnet50_fpn, fasterrcnn_resnet50_fpn_v2,
  fasterrcnn_mobilenet_v3_large_fpn, fasterrcnn_mobilenet_v3_large_320_fpn, FasterRCNN_ResNet50_FPN_Weights, FasterRCNN_ResNet50_FPN_V2_Weights,
  FasterRCNN_MobileNet_V3_Large_FPN_Weights, FasterRCNN_MobileNet_V3_Large_320_FPN_Weights, resolveDetectionWeights, loadDetectionWeights,
  type FasterRCNNOptions, type FasterRCNNBuilderOptions, type DetectionBuilderOptions } from './faster-rcnn.js';
export { MaskRCNN, MaskRCNNHeads, MaskRCNNPredictor, maskrcnn_resnet50_fpn, maskrcnn_resnet50_fpn_v2, MaskRCNN_ResNet50_FPN_Weights,
  MaskRCNN_ResNet50_FPN_V2_Weights, type MaskRCNNOptions, type MaskRCNNBuilderOptions } from './mask-rcnn.js';
export { KeypointRCNN, KeypointRCNNHeads, KeypointRCNNPredictor, keypointrcnn_resnet50_fpn, KeypointRCNN_ResNet50_FPN_Weights,
  type KeypointRCNNOptions, type KeypointRCNNBuilderOptions } from './keypoint-rcnn.js';


// single-stage detectors (det-single): appended below this line
export { DefaultBoxGenerator, type DefaultBoxGeneratorOptions } from './default-box-generator.js';
export { SSD, SSDHead, SSDScoringHead, SSDClassificationHead, SSDRegressionHead, SSDFeatureExtractorVGG, SSD300_VGG16_Weights, ssd300_vgg16,
  type SSDOptions, type SSD300BuilderOptions, type SingleStageTarget, type SingleStageDetection } from './ssd.js';
export { SSDLiteHead, SSDLiteClassificationHead, SSDLiteRegressionHead, SSDLiteFeatureExtractorMobileNet, SSDLite320_MobileNet_V3_Large_Weights,
  ssdlite320_mobilenet_v3_large, type SSDLite320BuilderOptions } from './ssdlite.js';
export { RetinaNet, RetinaNetHead, RetinaNetClassificationHead, RetinaNetRegressionHead, RetinaNet_ResNet50_FPN_Weights,
  RetinaNet_ResNet50_FPN_V2_Weights, retinanet_resnet50_fpn, retinanet_resnet50_fpn_v2, type RetinaNetOptions, type RetinaNetBuilderOptions } from './retinanet.js';
export { FCOS, FCOSHead, FCOSClassificationHead, FCOSRegressionHead, FCOS_ResNet50_FPN_Weights, fcos_resnet50_fpn, type FCOSOptions,
  type FCOSBuilderOptions } from './fcos.js';
