// `vision.ops`: torchvision.ops (0.14) for detection and the model zoo. What exists, for code that builds on it:
//
// Native kernels (src/native/vision_ops.cc, registered as torchvision::<name> with torchvision's schemas, CPU,
// forward and backward through libtorch's autograd; `op('torchvision::roi_align')` reaches them directly):
//   nms                       boxes.ts           nms(boxes, scores, iouThreshold) -> int64 indices by score
//   roi_align / RoIAlign      roi-align.ts       roiAlign(input, boxes [K,5] | [L,4][], outputSize, {spatialScale, samplingRatio, aligned})
//   roi_pool / RoIPool        roi-pool.ts        roiPool(input, boxes, outputSize, spatialScale)
//   ps_roi_align / PSRoIAlign ps-roi-align.ts    psRoiAlign(input, boxes, outputSize, spatialScale, samplingRatio)
//   ps_roi_pool / PSRoIPool   ps-roi-pool.ts     psRoiPool(input, boxes, outputSize, spatialScale)
//   deform_conv2d / DeformConv2d  deform-conv.ts deformConv2d(input, offset, weight, {bias, stride, padding, dilation, mask})
// Composed of ATen operators (gradients from autograd):
//   boxes.ts      batchedNms (and its two strategies), removeSmallBoxes, clipBoxesToImage, boxConvert, boxArea,
//                 boxIou, generalizedBoxIou, distanceBoxIou, completeBoxIou, masksToBoxes
//   giou-loss.ts generalizedBoxIouLoss · diou-loss.ts distanceBoxIouLoss · ciou-loss.ts completeBoxIouLoss
//   focal-loss.ts sigmoidFocalLoss · drop-block.ts dropBlock2d/3d, DropBlock2d/3d
//   poolers.ts    MultiScaleRoIAlign (+ LevelMapper, initLevelMapper), takes feature maps as a Map or object
//   feature-pyramid-network.ts  FeaturePyramidNetwork (returns a Map), ExtraFPNBlock, LastLevelMaxPool, LastLevelP6P7
//   misc.ts       Conv2dNormActivation, Conv3dNormActivation, SqueezeExcitation, FrozenBatchNorm2d
//   permute.ts Permute · stochastic-depth.ts StochasticDepth · layer-norm2d.ts LayerNorm2d (ConvNeXt)
// Naming: torchvision's snake_case functions are camelCase, keyword arguments an options object; modules keep
// torchvision's attribute names where they are state-dict keys (inner_blocks, layer_blocks, extra_blocks).
export { Conv2dNormActivation, Conv3dNormActivation, ConvNormActivation, SqueezeExcitation, FrozenBatchNorm2d, type Conv2dNormActivationOptions, type Conv3dNormActivationOptions, type SqueezeExcitationOptions, type NormLayerFactory, type ActivationLayerFactory } from './misc.js';
export { StochasticDepth, stochasticDepth, type StochasticDepthMode } from './stochastic-depth.js';
export { Permute } from './permute.js';
export { LayerNorm2d } from './layer-norm2d.js';
export { MLP, type MLPOptions } from './mlp.js';
export { nms, batchedNms, batchedNmsCoordinateTrick, batchedNmsVanilla, removeSmallBoxes, clipBoxesToImage, boxConvert, boxArea, boxIou, generalizedBoxIou, distanceBoxIou, completeBoxIou, masksToBoxes, type BoxFormat } from './boxes.js';
export { generalizedBoxIouLoss, type BoxLossOptions } from './giou-loss.js';
export { distanceBoxIouLoss } from './diou-loss.js';
export { completeBoxIouLoss } from './ciou-loss.js';
export { sigmoidFocalLoss, type SigmoidFocalLossOptions } from './focal-loss.js';
export { roiAlign, RoIAlign, type RoIAlignOptions } from './roi-align.js';
export { roiPool, RoIPool } from './roi-pool.js';
export { psRoiAlign, PSRoIAlign } from './ps-roi-align.js';
export { psRoiPool, PSRoIPool } from './ps-roi-pool.js';
export { deformConv2d, DeformConv2d, type DeformConv2dOptions, type DeformConv2dModuleOptions } from './deform-conv.js';
export { dropBlock2d, dropBlock3d, DropBlock2d, DropBlock3d, type DropBlockOptions } from './drop-block.js';
export { MultiScaleRoIAlign, LevelMapper, initLevelMapper, type FeatureMaps, type MultiScaleRoIAlignOptions } from './poolers.js';
export { FeaturePyramidNetwork, ExtraFPNBlock, LastLevelMaxPool, LastLevelP6P7, type FeaturePyramidNetworkOptions } from './feature-pyramid-network.js';
export { convertBoxesToRoiFormat, checkRoiBoxesShape, type LossReduction } from './_utils.js';
