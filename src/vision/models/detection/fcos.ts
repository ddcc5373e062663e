// FCOS (Tian et al. 2019, "FCOS: Fully Convolutional One-Stage Object Detection") as torchvision 0.14's
// models/detection/fcos.py: anchor-free detection on FPN levels P3-P7 (one "anchor" per location, the size of the
// level's stride, standing for the point), centre sampling, GIoU box loss and a centre-ness branch; the heads and
// the fcos_resnet50_fpn builder.
import { Module } from '../../../nn/module.js';
import { Sequential } from '../../../nn/modules/container.js';
import * as nn from '../../../nn/index.js';
import * as init from '../../../nn/init.js';
import { Tensor } from '../../../tensor.js';
import { cat, full, stack, tensor, zeros, zerosLike } from '../../../creation.js';
import { relu } from '../../../nn/functional/activation.js';
import { binaryCrossEntropyWithLogits } from '../../../nn/functional/loss.js';
import { sigmoid } from '../../../functions.js';
import { sigmoidFocalLoss } from '../../ops/focal-loss.js';
import { generalizedBoxIouLoss } from '../../ops/giou-loss.js';
import { LastLevelP6P7 } from '../../ops/feature-pyramid-network.js';
import { FrozenBatchNorm2d, type NormLayerFactory } from '../../ops/misc.js';
import { resnet50, ResNet50_Weights } from '../resnet.js';
import { registerModel } from '../registry.js';
import { checkBuilderArity, registerBuilder } from '../builder-args.js';
import { detectionWeightsEnum } from './weights.js';
import { BoxLinearCoder, selectSingleStageDetections } from './det-utils.js';
import { AnchorGenerator } from './anchor-utils.js';
import { GeneralizedRCNNTransform } from './transform.js';
import { checkKeys, resnetFpnExtractor, validateTrainableLayers } from './backbone-utils.js';
import type { ImageList } from './image-list.js';
import {
  checkDegenerateBoxes, checkTargets, featureList, originalImageSizes, type SingleStageDetection, type SingleStageTarget,
} from './ssd.js';
import { resolveDetectionWeights, loadDetectionWeights, BUILDER_OPTIONS, type DetectionBuilderOptions } from './faster-rcnn.js';
import { backboneOutChannels, splitPerLevel, transformOptions, type TransformPassThroughOptions } from './retinanet.js';
import { bindOwn, classArgs, type PyRest } from '../../../args.js';

/** (N, A * K, H, W) -> (N, H*W*A, K). */
function toAnchorRows(t: Tensor, k: number): Tensor {
  const [N, , H, W] = [...t.shape] as [number, number, number, number];
  return t.view(N, -1, k, H, W).permute(0, 3, 4, 1, 2).reshape(N, -1, k);
}

const groupNorm32: NormLayerFactory = (c) => new nn.GroupNorm(32, c);

/** numConvs x (3x3 conv, norm, ReLU): the tower of FCOS's heads. */
function tower(inChannels: number, numConvs: number, normLayer: NormLayerFactory): Sequential {
  const layers: Module[] = [];
  for (let i = 0; i < numConvs; i++) {
    layers.push(new nn.Conv2d(inChannels, inChannels, 3, { stride: 1, padding: 1 }), normLayer(inChannels), new nn.ReLU());
  }
  return new Sequential(...layers);
}

export interface FCOSHeadOutputs {
  cls_logits: Tensor;
  bbox_regression: Tensor;
  bbox_ctrness: Tensor;
}

export class FCOSClassificationHead extends Module {
  declare conv: Sequential;
  declare cls_logits: nn.Conv2d;
  declare numClasses: number;
  declare numAnchors: number;

  constructor(inChannels: number, numAnchors: number, numClasses: number, ...rest: PyRest<{ numConvs?: number; priorProbability?: number; normLayer?: NormLayerFactory | null }, ['numConvs', 'priorProbability', 'normLayer']>);
  constructor(...args: unknown[]) {
    const [inChannels, numAnchors, numClasses, opts = {}] = bindOwn(FCOSClassificationHead, args) as [number, number, number, ({ numConvs?: number; priorProbability?: number; normLayer?: NormLayerFactory | null })?];
    super();
    checkKeys('FCOSClassificationHead', opts, ['numConvs', 'priorProbability', 'normLayer']);
    Object.defineProperty(this, 'numClasses', { value: numClasses, writable: true, enumerable: false });
    Object.defineProperty(this, 'numAnchors', { value: numAnchors, writable: true, enumerable: false });
    const priorProbability = opts.priorProbability ?? 0.01;
    this.conv = tower(inChannels, opts.numConvs ?? 4, opts.normLayer ?? groupNorm32);
    for (const layer of this.conv.children()) {
      if (layer instanceof nn.Conv2d) {
        init.normal_(layer.weight, 0, 0.01);
        init.constant_(layer.bias!, 0);
      }
    }
    this.cls_logits = new nn.Conv2d(inChannels, numAnchors * numClasses, 3, { stride: 1, padding: 1 });
    init.normal_(this.cls_logits.weight, 0, 0.01);
    init.constant_(this.cls_logits.bias!, -Math.log((1 - priorProbability) / priorProbability));
  }

  override forward(x: Tensor[]): Tensor {
    return cat(x.map((features) => toAnchorRows(this.cls_logits.call(this.conv.call(features)), this.numClasses)), 1);
  }
}
classArgs(FCOSClassificationHead, 'torchvision.models.detection.FCOSClassificationHead', 'inChannels, numAnchors, numClasses; numConvs, priorProbability, normLayer');

/** The box regression branch (distances to the four edges, through ReLU) and the centre-ness branch, one tower. */
export class FCOSRegressionHead extends Module {
  declare conv: Sequential;
  declare bbox_reg: nn.Conv2d;
  declare bbox_ctrness: nn.Conv2d;

  constructor(inChannels: number, numAnchors: number, ...rest: PyRest<{ numConvs?: number; normLayer?: NormLayerFactory | null }, ['numConvs', 'normLayer']>);
  constructor(...args: unknown[]) {
    const [inChannels, numAnchors, opts = {}] = bindOwn(FCOSRegressionHead, args) as [number, number, ({ numConvs?: number; normLayer?: NormLayerFactory | null })?];
    super();
    checkKeys('FCOSRegressionHead', opts, ['numConvs', 'normLayer']);
    this.conv = tower(inChannels, opts.numConvs ?? 4, opts.normLayer ?? groupNorm32);
    this.bbox_reg = new nn.Conv2d(inChannels, numAnchors * 4, 3, { stride: 1, padding: 1 });
    this.bbox_ctrness = new nn.Conv2d(inChannels, numAnchors * 1, 3, { stride: 1, padding: 1 });
    for (const layer of [this.bbox_reg, this.bbox_ctrness]) {
      init.normal_(layer.weight, 0, 0.01);
      init.zeros_(layer.bias!);
    }
    for (const layer of this.conv.children()) {
      if (layer instanceof nn.Conv2d) {
        init.normal_(layer.weight, 0, 0.01);
        init.zeros_(layer.bias!);
      }
    }
  }

  override forward(x: Tensor[]): [Tensor, Tensor] {
    const allBboxRegression: Tensor[] = [];
    const allBboxCtrness: Tensor[] = [];
    for (const features of x) {
      const bboxFeature = this.conv.call(features);
      allBboxRegression.push(toAnchorRows(relu(this.bbox_reg.call(bboxFeature)), 4));
      allBboxCtrness.push(toAnchorRows(this.bbox_ctrness.call(bboxFeature), 1));
    }
    return [cat(allBboxRegression, 1), cat(allBboxCtrness, 1)];
  }
}
classArgs(FCOSRegressionHead, 'torchvision.models.detection.FCOSRegressionHead', 'inChannels, numAnchors; numConvs, normLayer');

export class FCOSHead extends Module {
  declare classification_head: FCOSClassificationHead;
  declare regression_head: FCOSRegressionHead;
  declare boxCoder: BoxLinearCoder;

  constructor(inChannels: number, numAnchors: number, numClasses: number, numConvs: number | null = 4) {
    [inChannels, numAnchors, numClasses, numConvs = 4] = bindOwn(FCOSHead, arguments) as ConstructorParameters<typeof FCOSHead>;
    super();
    Object.defineProperty(this, 'boxCoder', { value: new BoxLinearCoder(true), writable: true, enumerable: false });
    this.classification_head = new FCOSClassificationHead(inChannels, numAnchors, numClasses, { numConvs: numConvs ?? 4 });
    this.regression_head = new FCOSRegressionHead(inChannels, numAnchors, { numConvs: numConvs ?? 4 });
  }

  /** Focal loss on all locations, GIoU and centre-ness (BCE) losses on the foreground, each over the positives. */
  computeLoss(targets: readonly SingleStageTarget[], headOutputs: FCOSHeadOutputs, anchors: readonly Tensor[], matchedIdxs: readonly Tensor[]): Record<string, Tensor> {
    const clsLogits = headOutputs.cls_logits; // [N, HWA, C]
    const bboxRegression = headOutputs.bbox_regression; // [N, HWA, 4]
    const bboxCtrness = headOutputs.bbox_ctrness; // [N, HWA, 1]
    const allGtClassesTargets: Tensor[] = [];
    const allGtBoxesTargets: Tensor[] = [];
    targets.forEach((targetsPerImage, i) => {
      const matchedIdxsPerImage = matchedIdxs[i]!;
      let gtClassesTargets: Tensor;
      let gtBoxesTargets: Tensor;
      if (targetsPerImage.labels.shape[0] === 0) {
        gtClassesTargets = zeros([matchedIdxsPerImage.shape[0]!], { dtype: targetsPerImage.labels.dtype });
        gtBoxesTargets = zeros([matchedIdxsPerImage.shape[0]!, 4], { dtype: targetsPerImage.boxes.dtype });
      } else {
        gtClassesTargets = targetsPerImage.labels.index(matchedIdxsPerImage.clip(0));
        gtBoxesTargets = targetsPerImage.boxes.index(matchedIdxsPerImage.clip(0));
      }
      gtClassesTargets.indexPut_([matchedIdxsPerImage.lt(0)], -1); // background
      allGtClassesTargets.push(gtClassesTargets);
      allGtBoxesTargets.push(gtBoxesTargets);
    });
    const gtBoxes = stack(allGtBoxesTargets);
    const gtClasses = stack(allGtClassesTargets);
    const anchorsT = stack([...anchors]);
    // the foreground
    const foregroundMask = gtClasses.ge(0);
    const numForeground = foregroundMask.sum().item();
    // classification loss
    const gtClassesTargets = zerosLike(clsLogits);
    gtClassesTargets.indexPut_([foregroundMask, gtClasses.index(foregroundMask)], 1.0);
    const lossCls = sigmoidFocalLoss(clsLogits, gtClassesTargets, { reduction: 'sum' });
    // regression loss: GIoU
    const predBoxes = this.boxCoder.decode(bboxRegression, anchorsT);
    const lossBboxReg = generalizedBoxIouLoss(predBoxes.index(foregroundMask), gtBoxes.index(foregroundMask), { reduction: 'sum' });
    // centre-ness loss
    const bboxRegTargets = this.boxCoder.encode(anchorsT, gtBoxes);
    let gtCtrnessTargets: Tensor;
    if (bboxRegTargets.shape[0] === 0) {
      gtCtrnessTargets = zeros(bboxRegTargets.shape.slice(0, -1), { dtype: bboxRegTargets.dtype });
    } else {
      const leftRight = bboxRegTargets.index(':', ':', tensorIdx([0, 2]));
      const topBottom = bboxRegTargets.index(':', ':', tensorIdx([1, 3]));
      gtCtrnessTargets = leftRight.min(-1).values.div(leftRight.max(-1).values)
        .mul(topBottom.min(-1).values.div(topBottom.max(-1).values)).sqrt();
    }
    const predCenterness = bboxCtrness.squeeze(2);
    const lossBboxCtrness = binaryCrossEntropyWithLogits(predCenterness.index(foregroundMask), gtCtrnessTargets.index(foregroundMask), { reduction: 'sum' });
    const n = Math.max(1, numForeground);
    return { classification: lossCls.div(n), bbox_regression: lossBboxReg.div(n), bbox_ctrness: lossBboxCtrness.div(n) };
  }

  override forward(x: Tensor[]): FCOSHeadOutputs {
    const clsLogits = this.classification_head.call(x) as Tensor;
    const [bboxRegression, bboxCtrness] = this.regression_head.call(x) as [Tensor, Tensor];
    return { cls_logits: clsLogits, bbox_regression: bboxRegression, bbox_ctrness: bboxCtrness };
  }
}
classArgs(FCOSHead, 'torchvision.models.detection.FCOSHead', 'inChannels, numAnchors, numClasses, numConvs?');

/** An int64 index tensor for advanced indexing (Python's `t[:, :, [0, 2]]`). */
function tensorIdx(v: number[]): Tensor {
  return tensor(v, { dtype: 'int64' });
}

export interface FCOSOptions extends TransformPassThroughOptions {
  minSize?: number | number[];
  maxSize?: number;
  imageMean?: number[] | null;
  imageStd?: number[] | null;
  /** One anchor per location, the size of the level's stride (default sizes 8, 16, 32, 64, 128, ratio 1). */
  anchorGenerator?: AnchorGenerator | null;
  head?: Module | null;
  /** Radius (in strides) around a box's centre within which locations are positives (default 1.5). */
  centerSamplingRadius?: number;
  /** Default 0.2. */
  scoreThresh?: number;
  /** Default 0.6. */
  nmsThresh?: number;
  /** Default 100. */
  detectionsPerImg?: number;
  /** Default 1000. */
  topkCandidates?: number;
}

const FCOS_OPTIONS = ['minSize', 'maxSize', 'imageMean', 'imageStd', 'anchorGenerator', 'head', 'centerSamplingRadius', 'scoreThresh', 'nmsThresh',
  'detectionsPerImg', 'topkCandidates', 'sizeDivisible', 'fixedSize', 'skipResize'];

/**
 * FCOS: per location of each FPN level, class scores, the distances to the box's edges and a centre-ness score.
 * `call(images)` in eval mode returns `{ boxes, scores, labels }` per image; `call(images, targets)` in training
 * mode returns `{ classification, bbox_regression, bbox_ctrness }`.
 */
export class FCOS extends Module {
  declare backbone: Module;
  declare anchor_generator: AnchorGenerator;
  declare head: Module;
  declare transform: GeneralizedRCNNTransform;
  declare boxCoder: BoxLinearCoder;
  declare centerSamplingRadius: number;
  declare scoreThresh: number;
  declare nmsThresh: number;
  declare detectionsPerImg: number;
  declare topkCandidates: number;

  constructor(backbone: Module, numClasses: number, ...rest: PyRest<FCOSOptions, ['minSize', 'maxSize', 'imageMean', 'imageStd', 'anchorGenerator', 'head', 'centerSamplingRadius', 'scoreThresh', 'nmsThresh', 'detectionsPerImg', 'topkCandidates']>);
  constructor(...args: unknown[]) {
    const [backbone, numClasses, opts = {}] = bindOwn(FCOS, args) as [Module, number, FCOSOptions?];
    super();
    checkKeys('FCOS', opts, FCOS_OPTIONS);
    const outChannels = backboneOutChannels('FCOS', backbone);
    this.backbone = backbone;
    const ag = opts.anchorGenerator ?? null;
    if (ag !== null && !(ag instanceof AnchorGenerator)) throw new TypeError('FCOS: anchorGenerator should be of type AnchorGenerator or null');
    // anchor sizes equal to the strides of the levels, one anchor per location
    const anchorGenerator = ag ?? new AnchorGenerator([[8], [16], [32], [64], [128]], [[1.0], [1.0], [1.0], [1.0], [1.0]]);
    this.anchor_generator = anchorGenerator;
    if (anchorGenerator.numAnchorsPerLocation()[0] !== 1) {
      throw new RangeError(`anchor_generator.num_anchors_per_location()[0] should be 1 instead of ${anchorGenerator.numAnchorsPerLocation()[0]}`);
    }
    this.head = opts.head ?? new FCOSHead(outChannels, anchorGenerator.numAnchorsPerLocation()[0]!, numClasses);
    const hidden = (k: string, v: unknown) => Object.defineProperty(this, k, { value: v, writable: true, enumerable: false });
    hidden('boxCoder', new BoxLinearCoder(true));
    this.transform = new GeneralizedRCNNTransform(opts.minSize ?? 800, opts.maxSize ?? 1333, opts.imageMean ?? [0.485, 0.456, 0.406],
      opts.imageStd ?? [0.229, 0.224, 0.225], transformOptions(opts));
    hidden('centerSamplingRadius', opts.centerSamplingRadius ?? 1.5);
    hidden('scoreThresh', opts.scoreThresh ?? 0.2);
    hidden('nmsThresh', opts.nmsThresh ?? 0.6);
    hidden('detectionsPerImg', opts.detectionsPerImg ?? 100);
    hidden('topkCandidates', opts.topkCandidates ?? 1000);
  }

  /**
   * Matches each location to the smallest ground-truth box that contains it, whose centre is within
   * centerSamplingRadius strides, and whose size falls in the level's range (4-8 strides; open at both ends).
   */
  computeLoss(targets: readonly SingleStageTarget[], headOutputs: FCOSHeadOutputs, anchors: readonly Tensor[], numAnchorsPerLevel: number[]): Record<string, Tensor> {
    const matchedIdxs = anchors.map((anchorsPerImage, i) => {
      const targetsPerImage = targets[i]!;
      if (targetsPerImage.boxes.numel() === 0) return full([anchorsPerImage.shape[0]!], -1, { dtype: 'int64' });
      const gtBoxes = targetsPerImage.boxes;
      const gtCenters = gtBoxes.index(':', ':2').add(gtBoxes.index(':', '2:')).div(2); // Nx2
      const anchorCenters = anchorsPerImage.index(':', ':2').add(anchorsPerImage.index(':', '2:')).div(2); // N
      const anchorSizes = anchorsPerImage.select(1, 2).sub(anchorsPerImage.select(1, 0));
      // centre sampling: the anchor point must be close enough to the box's centre
      let pairwiseMatch = anchorCenters.index(':', null, ':').sub(gtCenters.index(null, ':', ':')).abs_().max(2).values
        .lt(anchorSizes.index(':', null).mul(this.centerSamplingRadius));
      // pairwise distances between the N points and the M boxes
      const [x, y] = anchorCenters.unsqueeze(2).unbind(1) as [Tensor, Tensor]; // (N, 1)
      const [x0, y0, x1, y1] = gtBoxes.unsqueeze(0).unbind(2) as [Tensor, Tensor, Tensor, Tensor]; // (1, M)
      let pairwiseDist = stack([x.sub(x0), y.sub(y0), x1.sub(x), y1.sub(y)], 2); // (N, M)
      // the anchor point must be inside the box
      pairwiseMatch = pairwiseMatch.logicalAnd(pairwiseDist.min(2).values.gt(0));
      // each level is responsible for a range of sizes
      const lowerBound = anchorSizes.mul(4);
      lowerBound.slice(0, 0, numAnchorsPerLevel[0]!).fill_(0);
      const upperBound = anchorSizes.mul(8);
      upperBound.slice(0, -numAnchorsPerLevel[numAnchorsPerLevel.length - 1]!, null).fill_(Infinity);
      pairwiseDist = pairwiseDist.max(2).values;
      pairwiseMatch = pairwiseMatch.logicalAnd(pairwiseDist.gt(lowerBound.index(':', null)).logicalAnd(pairwiseDist.lt(upperBound.index(':', null))));
      // several boxes: the one of smallest area
      const gtAreas = gtBoxes.select(1, 2).sub(gtBoxes.select(1, 0)).mul(gtBoxes.select(1, 3).sub(gtBoxes.select(1, 1)));
      const weighted = pairwiseMatch.to('float32').mul(gtAreas.index(null, ':').rsub(1e8));
      const { values: minValues, indices: matchedIdx } = weighted.max(1);
      matchedIdx.indexPut_([minValues.lt(1e-5)], -1); // unmatched anchors are assigned -1
      return matchedIdx;
    });
    return (this.head as FCOSHead).computeLoss(targets, headOutputs, anchors, matchedIdxs);
  }

  /** Per level: sqrt(class score x centre-ness) above the threshold, top-k, decoded, clipped; class-wise NMS. */
  postprocessDetections(headOutputs: Record<'cls_logits' | 'bbox_regression' | 'bbox_ctrness', Tensor[]>, anchors: readonly Tensor[][], imageShapes: readonly (readonly number[])[]): SingleStageDetection[] {
    const classLogits = headOutputs.cls_logits;
    const boxRegression = headOutputs.bbox_regression;
    const boxCtrness = headOutputs.bbox_ctrness;
    return imageShapes.map((imageShape, index) => selectSingleStageDetections(
      anchors[index]!.map((anchorsPerLevel, level) => ({
        // FCOS scores a box by the geometric mean of its class probability and its centerness
        scores: sigmoid(classLogits[level]!.select(0, index)).mul(sigmoid(boxCtrness[level]!.select(0, index))).sqrt(),
        boxRegression: boxRegression[level]!.select(0, index),
        anchors: anchorsPerLevel,
      })),
      (codes, anchorsKept) => this.boxCoder.decode(codes, anchorsKept), imageShape, this));
  }

  override forward(images: Tensor[], targets?: SingleStageTarget[] | null): Record<string, Tensor> | SingleStageDetection[] {
    checkTargets('FCOS', targets, this.training);
    const origSizes = originalImageSizes('FCOS', images);
    const [imageList, tTargets] = this.transform.call(images, targets ?? null) as [ImageList, SingleStageTarget[] | null];
    checkDegenerateBoxes(tTargets);
    const features = featureList(this.backbone.call(imageList.tensors));
    const headOutputs = this.head.call(features) as FCOSHeadOutputs;
    const anchors = this.anchor_generator.call(imageList, features) as Tensor[];
    // the level sizes
    const numAnchorsPerLevel = features.map((x) => x.shape[2]! * x.shape[3]!);
    if (this.training) return this.computeLoss(tTargets!, headOutputs, anchors, numAnchorsPerLevel);
    const [splitHeadOutputs, splitAnchors] = splitPerLevel(headOutputs as unknown as Record<'cls_logits' | 'bbox_regression' | 'bbox_ctrness', Tensor>, anchors, numAnchorsPerLevel);
    const detections = this.postprocessDetections(splitHeadOutputs, splitAnchors, imageList.imageSizes);
    return this.transform.postprocess(detections as never, imageList.imageSizes, origSizes) as unknown as SingleStageDetection[];
  }
}
classArgs(FCOS, 'torchvision.models.detection.FCOS', 'backbone, numClasses; minSize, maxSize, imageMean, imageStd, anchorGenerator, head, centerSamplingRadius, scoreThresh, nmsThresh, detectionsPerImg, topkCandidates, *, sizeDivisible, fixedSize, skipResize');

export const FCOS_ResNet50_FPN_Weights = detectionWeightsEnum('FCOS_ResNet50_FPN_Weights');

export type FCOSBuilderOptions = DetectionBuilderOptions & FCOSOptions;

export function fcos_resnet50_fpn(opts: FCOSBuilderOptions = {}): FCOS {
  checkBuilderArity('fcos_resnet50_fpn', arguments.length, opts);
  checkKeys('fcos_resnet50_fpn', opts, [...BUILDER_OPTIONS, ...FCOS_OPTIONS]);
  const { weights: _w, progress, numClasses: _n, weightsBackbone: _wb, trainableBackboneLayers, ...kwargs } = opts;
  const r = resolveDetectionWeights(FCOS_ResNet50_FPN_Weights, ResNet50_Weights, opts, 'IMAGENET1K_V1');
  const { numClasses, weightsBackbone, isTrained } = r;
  const trainable = validateTrainableLayers(isTrained, trainableBackboneLayers ?? null, 5, 3);
  const normLayer: NormLayerFactory = isTrained ? (c) => new FrozenBatchNorm2d(c) : (c) => new nn.BatchNorm2d(c);
  const resnet = resnet50({ weights: weightsBackbone, progress, normLayer });
  const backbone = resnetFpnExtractor(resnet, trainable, [2, 3, 4], new LastLevelP6P7(256, 256));
  const model = new FCOS(backbone, numClasses, kwargs);
  loadDetectionWeights(model, r, progress);
  return model;
}

registerBuilder('fcos_resnet50_fpn', fcos_resnet50_fpn);
registerModel('fcos_resnet50_fpn', fcos_resnet50_fpn as never, FCOS_ResNet50_FPN_Weights);
