// RetinaNet (Lin et al. 2017, "Focal Loss for Dense Object Detection") as torchvision 0.14's
// models/detection/retinanet.py: the detector (FPN levels P3-P7, 9 anchors per location, sigmoid focal loss),
// its classification and regression heads (state-dict format version 2: each tower layer a Conv2dNormActivation),
// and the builders retinanet_resnet50_fpn and retinanet_resnet50_fpn_v2 (GroupNorm heads, GIoU loss, P6 from C5).
import { Module, releaseOutput, type StateDict } from '../../../nn/module.js';
import { disposeTemporary } from '../../../memory.js';
import { Sequential } from '../../../nn/modules/container.js';
import * as nn from '../../../nn/index.js';
import * as init from '../../../nn/init.js';
import { Tensor } from '../../../tensor.js';
import { cat, full, zerosLike } from '../../../creation.js';
import { sigmoid } from '../../../functions.js';
import { boxIou } from '../../ops/boxes.js';
import { sigmoidFocalLoss } from '../../ops/focal-loss.js';
import { LastLevelP6P7 } from '../../ops/feature-pyramid-network.js';
import { Conv2dNormActivation, FrozenBatchNorm2d, type NormLayerFactory } from '../../ops/misc.js';
import { resnet50, ResNet50_Weights } from '../resnet.js';
import { registerModel } from '../registry.js';
import { checkBuilderArity, registerBuilder } from '../builder-args.js';
import { detectionWeightsEnum } from './weights.js';
import { BoxCoder, Matcher, boxLoss, selectSingleStageDetections, type BoxLossType } from './det-utils.js';
import { AnchorGenerator } from './anchor-utils.js';
import { GeneralizedRCNNTransform } from './transform.js';
import { checkKeys, resnetFpnExtractor, validateTrainableLayers } from './backbone-utils.js';
import type { ImageList } from './image-list.js';
import {
  checkDegenerateBoxes, checkTargets, featureList, originalImageSizes, type SingleStageDetection, type SingleStageTarget,
} from './ssd.js';
import { resolveDetectionWeights, loadDetectionWeights, BUILDER_OPTIONS, type DetectionBuilderOptions } from './faster-rcnn.js';
import { bindOwn, classArgs, type PyRest } from '../../../args.js';

/** Python's sum of a list of tensors, left to right (torchvision's _sum). */
function sumList(x: Tensor[]): Tensor {
  let res = x[0]!;
  for (const t of x.slice(1)) res = res.add(t);
  return res;
}

/** Version-1 heads held bare Conv2d layers at conv.0, conv.2, ...: they are conv.0.0, conv.1.0, ... now. */
function v1ToV2Weights(sd: StateDict, prefix: string): void {
  for (let i = 0; i < 4; i++) {
    for (const type of ['weight', 'bias']) {
      const oldKey = `${prefix}conv.${2 * i}.${type}`;
      const newKey = `${prefix}conv.${i}.0.${type}`;
      if (oldKey in sd && !(newKey in sd)) {
        sd[newKey] = sd[oldKey]!;
        delete sd[oldKey];
      }
    }
  }
}

/** torchvision's _default_anchorgen: sizes 32-512 with three octave scales each, ratios 0.5, 1, 2, on 5 levels. */
export function defaultAnchorGen(): AnchorGenerator {
  const anchorSizes = [32, 64, 128, 256, 512].map((x) => [x, Math.trunc(x * 2 ** (1.0 / 3)), Math.trunc(x * 2 ** (2.0 / 3))]);
  const aspectRatios = anchorSizes.map(() => [0.5, 1.0, 2.0]);
  return new AnchorGenerator(anchorSizes, aspectRatios);
}

/** (N, A * K, H, W) -> (N, H*W*A, K). */
function toAnchorRows(t: Tensor, k: number): Tensor {
  const [N, , H, W] = [...t.shape] as [number, number, number, number];
  return t.view(N, -1, k, H, W).permute(0, 3, 4, 1, 2).reshape(N, -1, k);
}

/**
 * One head on every level: conv stack, final conv, rows per anchor, concatenated over levels. Each level's
 * activations are freed as soon as consumed, as Python's per-level loop frees them: at 800 px the finest level's
 * class logits alone are 45 MB, and holding every level's until the end of the pass doubled the head's memory.
 */
function headRowsOverLevels(conv: Module, final: Module, x: readonly Tensor[], k: number): Tensor {
  const rows = x.map((features) => {
    const hidden: Tensor = conv.call(features);
    const out: Tensor = final.call(hidden);
    releaseOutput(conv, hidden);
    const r = toAnchorRows(out, k);
    releaseOutput(final, out);
    return r;
  });
  const all = cat(rows, 1);
  for (const r of rows) disposeTemporary(r);
  return all;
}

export interface RetinaNetHeadOutputs {
  cls_logits: Tensor;
  bbox_regression: Tensor;
}

/** Four 3x3 conv (+ norm) + ReLU layers, then per anchor one logit per class (prior probability 0.01). */
export class RetinaNetClassificationHead extends Module {
  static readonly _version = 2;
  declare conv: Sequential;
  declare cls_logits: nn.Conv2d;
  declare numClasses: number;
  declare numAnchors: number;
  readonly BETWEEN_THRESHOLDS = Matcher.BETWEEN_THRESHOLDS;

  constructor(inChannels: number, numAnchors: number, numClasses: number, ...rest: PyRest<{ priorProbability?: number; normLayer?: NormLayerFactory | null }, ['priorProbability', 'normLayer']>);
  constructor(...args: unknown[]) {
    const [inChannels, numAnchors, numClasses, opts = {}] = bindOwn(RetinaNetClassificationHead, args) as [number, number, number, ({ priorProbability?: number; normLayer?: NormLayerFactory | null })?];
    super();
    checkKeys('RetinaNetClassificationHead', opts, ['priorProbability', 'normLayer']);
    const priorProbability = opts.priorProbability ?? 0.01;
    const layers: Module[] = [];
    for (let i = 0; i < 4; i++) layers.push(new Conv2dNormActivation(inChannels, inChannels, { normLayer: opts.normLayer ?? null }));
    this.conv = new Sequential(...layers);
    for (const layer of this.conv.modules()) {
      if (layer instanceof nn.Conv2d) {
        init.normal_(layer.weight, 0, 0.01);
        if (layer.bias) init.constant_(layer.bias, 0);
      }
    }
    this.cls_logits = new nn.Conv2d(inChannels, numAnchors * numClasses, 3, { stride: 1, padding: 1 });
    init.normal_(this.cls_logits.weight, 0, 0.01);
    init.constant_(this.cls_logits.bias!, -Math.log((1 - priorProbability) / priorProbability));
    Object.defineProperty(this, 'numClasses', { value: numClasses, writable: true, enumerable: false });
    Object.defineProperty(this, 'numAnchors', { value: numAnchors, writable: true, enumerable: false });
  }

  protected override loadFromStateDict(sd: StateDict, prefix: string, missing: string[], used: Set<string>, errors: string[]): void {
    v1ToV2Weights(sd, prefix);
    super.loadFromStateDict(sd, prefix, missing, used, errors);
  }

  /** Sigmoid focal loss over the anchors not between the thresholds, per image over its positives, averaged. */
  computeLoss(targets: readonly SingleStageTarget[], headOutputs: RetinaNetHeadOutputs, matchedIdxs: readonly Tensor[]): Tensor {
    const losses: Tensor[] = [];
    const clsLogits = headOutputs.cls_logits;
    targets.forEach((targetsPerImage, i) => {
      const clsLogitsPerImage = clsLogits.select(0, i);
      const matchedIdxsPerImage = matchedIdxs[i]!;
      // only the foreground
      const foregroundIdxsPerImage = matchedIdxsPerImage.ge(0);
      const numForeground = foregroundIdxsPerImage.sum().item();
      // the classification target
      const gtClassesTarget = zerosLike(clsLogitsPerImage);
      gtClassesTarget.indexPut_([foregroundIdxsPerImage, targetsPerImage.labels.index(matchedIdxsPerImage.index(foregroundIdxsPerImage))], 1.0);
      // anchors between the thresholds are ignored
      const validIdxsPerImage = matchedIdxsPerImage.ne(this.BETWEEN_THRESHOLDS);
      losses.push(sigmoidFocalLoss(clsLogitsPerImage.index(validIdxsPerImage), gtClassesTarget.index(validIdxsPerImage), { reduction: 'sum' })
        .div(Math.max(1, numForeground)));
    });
    return sumList(losses).div(targets.length);
  }

  override forward(x: Tensor[]): Tensor {
    return headRowsOverLevels(this.conv, this.cls_logits, x, this.numClasses);
  }
}
classArgs(RetinaNetClassificationHead, 'torchvision.models.detection.RetinaNetClassificationHead', 'inChannels, numAnchors, numClasses; priorProbability, normLayer');

/** Four 3x3 conv (+ norm) + ReLU layers, then per anchor the 4 box deltas; L1 (or GIoU in v2) loss. */
export class RetinaNetRegressionHead extends Module {
  static readonly _version = 2;
  declare conv: Sequential;
  declare bbox_reg: nn.Conv2d;
  declare boxCoder: BoxCoder;
  /** torchvision's `_loss_type`: 'l1' (v1) or 'giou' (v2), or any of _box_loss's types. */
  declare lossType: BoxLossType;

  constructor(inChannels: number, numAnchors: number, ...rest: PyRest<{ normLayer?: NormLayerFactory | null }, ['normLayer']>);
  constructor(...args: unknown[]) {
    const [inChannels, numAnchors, opts = {}] = bindOwn(RetinaNetRegressionHead, args) as [number, number, ({ normLayer?: NormLayerFactory | null })?];
    super();
    checkKeys('RetinaNetRegressionHead', opts, ['normLayer']);
    const layers: Module[] = [];
    for (let i = 0; i < 4; i++) layers.push(new Conv2dNormActivation(inChannels, inChannels, { normLayer: opts.normLayer ?? null }));
    this.conv = new Sequential(...layers);
    this.bbox_reg = new nn.Conv2d(inChannels, numAnchors * 4, 3, { stride: 1, padding: 1 });
    init.normal_(this.bbox_reg.weight, 0, 0.01);
    init.zeros_(this.bbox_reg.bias!);
    for (const layer of this.conv.modules()) {
      if (layer instanceof nn.Conv2d) {
        init.normal_(layer.weight, 0, 0.01);
        if (layer.bias) init.zeros_(layer.bias);
      }
    }
    Object.defineProperty(this, 'boxCoder', { value: new BoxCoder([1.0, 1.0, 1.0, 1.0]), writable: true, enumerable: false });
    Object.defineProperty(this, 'lossType', { value: 'l1', writable: true, enumerable: false });
  }

  protected override loadFromStateDict(sd: StateDict, prefix: string, missing: string[], used: Set<string>, errors: string[]): void {
    v1ToV2Weights(sd, prefix);
    super.loadFromStateDict(sd, prefix, missing, used, errors);
  }

  computeLoss(targets: readonly SingleStageTarget[], headOutputs: RetinaNetHeadOutputs, anchors: readonly Tensor[], matchedIdxs: readonly Tensor[]): Tensor {
    const losses: Tensor[] = [];
    const bboxRegression = headOutputs.bbox_regression;
    targets.forEach((targetsPerImage, i) => {
      const matchedIdxsPerImage = matchedIdxs[i]!;
      // only the foreground indices; the rest is ignored
      const foregroundIdxsPerImage = matchedIdxsPerImage.ge(0).nonzero().select(1, 0);
      const numForeground = foregroundIdxsPerImage.numel();
      const matchedGtBoxesPerImage = targetsPerImage.boxes.index(matchedIdxsPerImage.index(foregroundIdxsPerImage));
      const bboxRegressionPerImage = bboxRegression.select(0, i).index(foregroundIdxsPerImage, ':');
      const anchorsPerImage = anchors[i]!.index(foregroundIdxsPerImage, ':');
      losses.push(boxLoss(this.lossType, this.boxCoder, anchorsPerImage, matchedGtBoxesPerImage, bboxRegressionPerImage).div(Math.max(1, numForeground)));
    });
    return sumList(losses).div(Math.max(1, targets.length));
  }

  override forward(x: Tensor[]): Tensor {
    return headRowsOverLevels(this.conv, this.bbox_reg, x, 4);
  }
}
classArgs(RetinaNetRegressionHead, 'torchvision.models.detection.RetinaNetRegressionHead', 'inChannels, numAnchors; normLayer');

export class RetinaNetHead extends Module {
  declare classification_head: RetinaNetClassificationHead;
  declare regression_head: RetinaNetRegressionHead;

  constructor(inChannels: number, numAnchors: number, numClasses: number, ...rest: PyRest<{ normLayer?: NormLayerFactory | null }, ['normLayer']>);
  constructor(...args: unknown[]) {
    const [inChannels, numAnchors, numClasses, opts = {}] = bindOwn(RetinaNetHead, args) as [number, number, number, ({ normLayer?: NormLayerFactory | null })?];
    super();
    checkKeys('RetinaNetHead', opts, ['normLayer']);
    this.classification_head = new RetinaNetClassificationHead(inChannels, numAnchors, numClasses, { normLayer: opts.normLayer ?? null });
    this.regression_head = new RetinaNetRegressionHead(inChannels, numAnchors, { normLayer: opts.normLayer ?? null });
  }

  computeLoss(targets: readonly SingleStageTarget[], headOutputs: RetinaNetHeadOutputs, anchors: readonly Tensor[], matchedIdxs: readonly Tensor[]): Record<string, Tensor> {
    return {
      classification: this.classification_head.computeLoss(targets, headOutputs, matchedIdxs),
      bbox_regression: this.regression_head.computeLoss(targets, headOutputs, anchors, matchedIdxs),
    };
  }

  override forward(x: Tensor[]): RetinaNetHeadOutputs {
    return { cls_logits: this.classification_head.call(x), bbox_regression: this.regression_head.call(x) };
  }
}
classArgs(RetinaNetHead, 'torchvision.models.detection.RetinaNetHead', 'inChannels, numAnchors, numClasses; normLayer');

/** The options GeneralizedRCNNTransform takes through a detector (torchvision's **kwargs). */
export interface TransformPassThroughOptions {
  sizeDivisible?: number;
  fixedSize?: [number, number] | null;
  skipResize?: boolean;
}

export interface RetinaNetOptions extends TransformPassThroughOptions {
  /** Short side after resizing (default 800; a list: one drawn per image in training). */
  minSize?: number | number[];
  /** Long side limit (default 1333). */
  maxSize?: number;
  imageMean?: number[] | null;
  imageStd?: number[] | null;
  anchorGenerator?: AnchorGenerator | null;
  head?: Module | null;
  proposalMatcher?: Matcher | null;
  /** Default 0.05. */
  scoreThresh?: number;
  /** Default 0.5. */
  nmsThresh?: number;
  /** Default 300. */
  detectionsPerImg?: number;
  /** Default 0.5. */
  fgIouThresh?: number;
  /** Default 0.4. */
  bgIouThresh?: number;
  /** Best boxes per level kept before NMS (default 1000). */
  topkCandidates?: number;
}

const TRANSFORM_OPTIONS = ['sizeDivisible', 'fixedSize', 'skipResize'];
const RETINANET_OPTIONS = ['minSize', 'maxSize', 'imageMean', 'imageStd', 'anchorGenerator', 'head', 'proposalMatcher', 'scoreThresh', 'nmsThresh',
  'detectionsPerImg', 'fgIouThresh', 'bgIouThresh', 'topkCandidates', ...TRANSFORM_OPTIONS];

export function transformOptions(o: TransformPassThroughOptions): TransformPassThroughOptions {
  const t: TransformPassThroughOptions = {};
  if (o.sizeDivisible !== undefined) t.sizeDivisible = o.sizeDivisible;
  if (o.fixedSize !== undefined) t.fixedSize = o.fixedSize;
  if (o.skipResize !== undefined) t.skipResize = o.skipResize;
  return t;
}

/** The backbone's (single) output channel count, as torchvision reads `backbone.out_channels`. */
export function backboneOutChannels(fn: string, backbone: Module): number {
  const b = backbone as { outChannels?: number; out_channels?: number };
  const c = b.outChannels ?? b.out_channels;
  if (typeof c !== 'number') {
    throw new TypeError(`${fn}: backbone should contain an attribute outChannels specifying the number of output channels (assumed to be the same for all the levels)`);
  }
  return c;
}

/** Splits (N, HWA, K) head outputs and each image's anchors per feature level. */
export function splitPerLevel<T extends Record<string, Tensor>>(headOutputs: T, anchors: readonly Tensor[], numAnchorsPerLevel: number[]): [Record<keyof T, Tensor[]>, Tensor[][]] {
  const split = {} as Record<keyof T, Tensor[]>;
  for (const k of Object.keys(headOutputs) as (keyof T)[]) split[k] = headOutputs[k]!.split(numAnchorsPerLevel, 1);
  return [split, anchors.map((a) => a.split(numAnchorsPerLevel))];
}

/**
 * RetinaNet: a backbone returning FPN levels with `outChannels` channels each, anchors on every level and a head
 * of two towers. `call(images)` in eval mode returns `{ boxes, scores, labels }` per image; `call(images, targets)`
 * in training mode returns `{ classification, bbox_regression }`.
 */
export class RetinaNet extends Module {
  declare backbone: Module;
  declare anchor_generator: AnchorGenerator;
  declare head: Module;
  declare transform: GeneralizedRCNNTransform;
  declare proposalMatcher: Matcher;
  declare boxCoder: BoxCoder;
  declare scoreThresh: number;
  declare nmsThresh: number;
  declare detectionsPerImg: number;
  declare topkCandidates: number;

  constructor(backbone: Module, numClasses: number, ...rest: PyRest<RetinaNetOptions, ['minSize', 'maxSize', 'imageMean', 'imageStd', 'anchorGenerator', 'head', 'proposalMatcher', 'scoreThresh', 'nmsThresh', 'detectionsPerImg', 'fgIouThresh', 'bgIouThresh', 'topkCandidates']>);
  constructor(...args: unknown[]) {
    const [backbone, numClasses, opts = {}] = bindOwn(RetinaNet, args) as [Module, number, RetinaNetOptions?];
    super();
    checkKeys('RetinaNet', opts, RETINANET_OPTIONS);
    const outChannels = backboneOutChannels('RetinaNet', backbone);
    this.backbone = backbone;
    const ag = opts.anchorGenerator ?? null;
    if (ag !== null && !(ag instanceof AnchorGenerator)) throw new TypeError('RetinaNet: anchorGenerator should be of type AnchorGenerator or null');
    const anchorGenerator = ag ?? defaultAnchorGen();
    this.anchor_generator = anchorGenerator;
    this.head = opts.head ?? new RetinaNetHead(outChannels, anchorGenerator.numAnchorsPerLocation()[0]!, numClasses);
    const hidden = (k: string, v: unknown) => Object.defineProperty(this, k, { value: v, writable: true, enumerable: false });
    hidden('proposalMatcher', opts.proposalMatcher ?? new Matcher(opts.fgIouThresh ?? 0.5, opts.bgIouThresh ?? 0.4, true));
    hidden('boxCoder', new BoxCoder([1.0, 1.0, 1.0, 1.0]));
    this.transform = new GeneralizedRCNNTransform(opts.minSize ?? 800, opts.maxSize ?? 1333, opts.imageMean ?? [0.485, 0.456, 0.406],
      opts.imageStd ?? [0.229, 0.224, 0.225], transformOptions(opts));
    hidden('scoreThresh', opts.scoreThresh ?? 0.05);
    hidden('nmsThresh', opts.nmsThresh ?? 0.5);
    hidden('detectionsPerImg', opts.detectionsPerImg ?? 300);
    hidden('topkCandidates', opts.topkCandidates ?? 1000);
  }

  computeLoss(targets: readonly SingleStageTarget[], headOutputs: RetinaNetHeadOutputs, anchors: readonly Tensor[]): Record<string, Tensor> {
    const matchedIdxs = anchors.map((anchorsPerImage, i) => {
      const targetsPerImage = targets[i]!;
      if (targetsPerImage.boxes.numel() === 0) return full([anchorsPerImage.shape[0]!], -1, { dtype: 'int64' });
      return this.proposalMatcher.call(boxIou(targetsPerImage.boxes, anchorsPerImage));
    });
    return (this.head as RetinaNetHead).computeLoss(targets, headOutputs, anchors, matchedIdxs);
  }

  /** Per level: sigmoid scores above the threshold, the top-k, decoded and clipped; then class-wise NMS. */
  postprocessDetections(headOutputs: Record<'cls_logits' | 'bbox_regression', Tensor[]>, anchors: readonly Tensor[][], imageShapes: readonly (readonly number[])[]): SingleStageDetection[] {
    const classLogits = headOutputs.cls_logits;
    const boxRegression = headOutputs.bbox_regression;
    return imageShapes.map((imageShape, index) => selectSingleStageDetections(
      anchors[index]!.map((anchorsPerLevel, level) => ({
        scores: sigmoid(classLogits[level]!.select(0, index)),
        boxRegression: boxRegression[level]!.select(0, index),
        anchors: anchorsPerLevel,
      })),
      (codes, anchorsKept) => this.boxCoder.decodeSingle(codes, anchorsKept), imageShape, this));
  }

  override forward(images: Tensor[], targets?: SingleStageTarget[] | null): Record<string, Tensor> | SingleStageDetection[] {
    checkTargets('RetinaNet', targets, this.training);
    const origSizes = originalImageSizes('RetinaNet', images);
    const [imageList, tTargets] = this.transform.call(images, targets ?? null) as [ImageList, SingleStageTarget[] | null];
    checkDegenerateBoxes(tTargets);
    const features = featureList(this.backbone.call(imageList.tensors));
    const headOutputs = this.head.call(features) as RetinaNetHeadOutputs;
    const anchors = this.anchor_generator.call(imageList, features) as Tensor[];
    if (this.training) return this.computeLoss(tTargets!, headOutputs, anchors);
    // recover the level sizes
    const hw = features.map((x) => x.shape[2]! * x.shape[3]!);
    const HW = hw.reduce((a, b) => a + b, 0);
    const A = Math.floor(headOutputs.cls_logits.shape[1]! / HW);
    const [splitHeadOutputs, splitAnchors] = splitPerLevel(headOutputs as unknown as Record<'cls_logits' | 'bbox_regression', Tensor>, anchors, hw.map((v) => v * A));
    const detections = this.postprocessDetections(splitHeadOutputs, splitAnchors, imageList.imageSizes);
    return this.transform.postprocess(detections as never, imageList.imageSizes, origSizes) as unknown as SingleStageDetection[];
  }
}
classArgs(RetinaNet, 'torchvision.models.detection.RetinaNet', 'backbone, numClasses; minSize, maxSize, imageMean, imageStd, anchorGenerator, head, proposalMatcher, scoreThresh, nmsThresh, detectionsPerImg, fgIouThresh, bgIouThresh, topkCandidates, *, sizeDivisible, fixedSize, skipResize');

export const RetinaNet_ResNet50_FPN_Weights = detectionWeightsEnum('RetinaNet_ResNet50_FPN_Weights');
export const RetinaNet_ResNet50_FPN_V2_Weights = detectionWeightsEnum('RetinaNet_ResNet50_FPN_V2_Weights');

export type RetinaNetBuilderOptions = DetectionBuilderOptions & RetinaNetOptions;

export function retinanet_resnet50_fpn(opts: RetinaNetBuilderOptions = {}): RetinaNet {
  checkBuilderArity('retinanet_resnet50_fpn', arguments.length, opts);
  checkKeys('retinanet_resnet50_fpn', opts, [...BUILDER_OPTIONS, ...RETINANET_OPTIONS]);
  const { weights: _w, progress, numClasses: _n, weightsBackbone: _wb, trainableBackboneLayers, ...kwargs } = opts;
  const r = resolveDetectionWeights(RetinaNet_ResNet50_FPN_Weights, ResNet50_Weights, opts, 'IMAGENET1K_V1');
  const { numClasses, weightsBackbone, isTrained } = r;
  const trainable = validateTrainableLayers(isTrained, trainableBackboneLayers ?? null, 5, 3);
  const normLayer: NormLayerFactory = isTrained ? (c) => new FrozenBatchNorm2d(c) : (c) => new nn.BatchNorm2d(c);
  const resnet = resnet50({ weights: weightsBackbone, progress, normLayer });
  // P2 is skipped: it generates too many anchors (according to the paper)
  const backbone = resnetFpnExtractor(resnet, trainable, [2, 3, 4], new LastLevelP6P7(256, 256));
  const model = new RetinaNet(backbone, numClasses, kwargs);
  // the COCO_V1 weights were trained with FrozenBatchNorm2d's eps at 0
  loadDetectionWeights(model, r, progress, ['RetinaNet_ResNet50_FPN_Weights.COCO_V1']);
  return model;
}

export function retinanet_resnet50_fpn_v2(opts: RetinaNetBuilderOptions = {}): RetinaNet {
  checkBuilderArity('retinanet_resnet50_fpn_v2', arguments.length, opts);
  checkKeys('retinanet_resnet50_fpn_v2', opts, [...BUILDER_OPTIONS, ...RETINANET_OPTIONS]);
  const { weights: _w, progress, numClasses: _n, weightsBackbone: _wb, trainableBackboneLayers, ...kwargs } = opts;
  if (opts.anchorGenerator !== undefined || opts.head !== undefined) throw new TypeError('retinanet_resnet50_fpn_v2: options anchorGenerator and head are set by the builder');
  const r = resolveDetectionWeights(RetinaNet_ResNet50_FPN_V2_Weights, ResNet50_Weights, opts, null);
  const { numClasses, weightsBackbone, isTrained } = r;
  const trainable = validateTrainableLayers(isTrained, trainableBackboneLayers ?? null, 5, 3);
  const resnet = resnet50({ weights: weightsBackbone, progress });
  const backbone = resnetFpnExtractor(resnet, trainable, [2, 3, 4], new LastLevelP6P7(2048, 256));
  const anchorGenerator = defaultAnchorGen();
  const head = new RetinaNetHead(backboneOutChannels('retinanet_resnet50_fpn_v2', backbone), anchorGenerator.numAnchorsPerLocation()[0]!, numClasses,
    { normLayer: (c) => new nn.GroupNorm(32, c) });
  head.regression_head.lossType = 'giou';
  const model = new RetinaNet(backbone, numClasses, { ...kwargs, anchorGenerator, head });
  loadDetectionWeights(model, r, progress);
  return model;
}

registerBuilder('retinanet_resnet50_fpn', retinanet_resnet50_fpn);
registerModel('retinanet_resnet50_fpn', retinanet_resnet50_fpn as never, RetinaNet_ResNet50_FPN_Weights);
registerBuilder('retinanet_resnet50_fpn_v2', retinanet_resnet50_fpn_v2);
registerModel('retinanet_resnet50_fpn_v2', retinanet_resnet50_fpn_v2 as never, RetinaNet_ResNet50_FPN_V2_Weights);
