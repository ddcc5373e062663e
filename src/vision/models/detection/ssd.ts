// SSD (Liu et al. 2016, "SSD: Single Shot MultiBox Detector"), as torchvision 0.14's models/detection/ssd.py:
// the SSD detector (fixed-size input, default boxes, softmax classification with hard negative mining), its
// convolutional heads, the VGG-16 feature extractor of SSD300 (conv4_3 with L2 normalisation and a learned scale,
// atrous fc6/fc7, four extra blocks) and the ssd300_vgg16 builder. Parameter names, initialisation order and
// every expression of the loss and the post-processing are torchvision's.
import { Module } from '../../../nn/module.js';
import { ModuleList, Sequential } from '../../../nn/modules/container.js';
import { Parameter } from '../../../nn/parameter.js';
import * as nn from '../../../nn/index.js';
import * as init from '../../../nn/init.js';
import { crossEntropy, smoothL1Loss } from '../../../nn/functional/loss.js';
import { Tensor } from '../../../tensor.js';
import { cat, full, fullLike, ones, stack, zeros } from '../../../creation.js';
import { softmax } from '../../../functions.js';
import { boxIou, clipBoxesToImage, batchedNms } from '../../ops/boxes.js';
import { VGG, vgg16, VGG16_Weights } from '../vgg.js';
import { registerModel } from '../registry.js';
import { checkBuilderArity, registerBuilder } from '../builder-args.js';
import { detectionWeightsEnum } from './weights.js';
import { resolveDetectionWeights, loadDetectionWeights, BUILDER_OPTIONS, type DetectionBuilderOptions } from './faster-rcnn.js';
import { BoxCoder, SSDMatcher, retrieveOutChannels, topkMin } from './det-utils.js';
import { DefaultBoxGenerator } from './default-box-generator.js';
import { GeneralizedRCNNTransform } from './transform.js';
import { checkKeys, validateTrainableLayers } from './backbone-utils.js';
import type { ImageList } from './image-list.js';
import { bindOwn, classArgs, type PyRest } from '../../../args.js';

/** A training target: ground-truth boxes [N, 4] (x1, y1, x2, y2, pixels of the input image) and int64 labels [N]. */
export interface SingleStageTarget {
  boxes: Tensor;
  labels: Tensor;
  [key: string]: Tensor;
}

/** One image's detections, in the input image's pixels. */
export interface SingleStageDetection {
  boxes: Tensor;
  scores: Tensor;
  labels: Tensor;
}

/** torchvision's _xavier_init: Xavier-uniform weights and zero biases for every Conv2d under `conv`. */
function xavierInit(conv: Module): void {
  for (const layer of conv.modules()) {
    if (layer instanceof nn.Conv2d) {
      init.xavierUniform_(layer.weight);
      if (layer.bias) init.constant_(layer.bias, 0.0);
    }
  }
}

/**
 * Runs module i of a list on feature map i and lays the outputs out as (N, H*W*A, K), all maps concatenated:
 * the common part of SSD's classification and regression heads.
 */
export class SSDScoringHead extends Module {
  declare module_list: ModuleList;
  declare numColumns: number;

  constructor(moduleList: ModuleList, numColumns: number) {
    [moduleList, numColumns] = bindOwn(SSDScoringHead, arguments) as ConstructorParameters<typeof SSDScoringHead>;
    super();
    this.module_list = moduleList;
    Object.defineProperty(this, 'numColumns', { value: numColumns, writable: true, enumerable: false });
  }

  override forward(x: Tensor[]): Tensor {
    const modules = this.module_list.children();
    if (x.length !== modules.length) throw new RangeError(`${this._getName()}: ${x.length} feature maps for ${modules.length} prediction layers`);
    const allResults = x.map((features, i) => {
      const results = modules[i]!.call(features) as Tensor;
      const [N, , H, W] = [...results.shape] as [number, number, number, number];
      // (N, A * K, H, W) -> (N, HWA, K)
      return results.view(N, -1, this.numColumns, H, W).permute(0, 3, 4, 1, 2).reshape(N, -1, this.numColumns);
    });
    return cat(allResults, 1);
  }
}
classArgs(SSDScoringHead, 'torchvision.models.detection.SSDScoringHead', 'moduleList, numColumns');

export class SSDClassificationHead extends SSDScoringHead {
  constructor(inChannels: number[], numAnchors: number[], numClasses: number) {
    [inChannels, numAnchors, numClasses] = bindOwn(SSDClassificationHead, arguments) as ConstructorParameters<typeof SSDClassificationHead>;
    const clsLogits = new ModuleList();
    inChannels.forEach((channels, i) => clsLogits.append(new nn.Conv2d(channels, numClasses * numAnchors[i]!, 3, { padding: 1 })));
    xavierInit(clsLogits);
    super(clsLogits, numClasses);
  }
}
classArgs(SSDClassificationHead, 'torchvision.models.detection.SSDClassificationHead', 'inChannels, numAnchors, numClasses');

export class SSDRegressionHead extends SSDScoringHead {
  constructor(inChannels: number[], numAnchors: number[]) {
    [inChannels, numAnchors] = bindOwn(SSDRegressionHead, arguments) as ConstructorParameters<typeof SSDRegressionHead>;
    const bboxReg = new ModuleList();
    inChannels.forEach((channels, i) => bboxReg.append(new nn.Conv2d(channels, 4 * numAnchors[i]!, 3, { padding: 1 })));
    xavierInit(bboxReg);
    super(bboxReg, 4);
  }
}
classArgs(SSDRegressionHead, 'torchvision.models.detection.SSDRegressionHead', 'inChannels, numAnchors');

/** What an SSD head returns: box regression (N, HWA, 4) and class logits (N, HWA, numClasses). */
export interface SSDHeadOutputs {
  bbox_regression: Tensor;
  cls_logits: Tensor;
}

export class SSDHead extends Module {
  declare classification_head: SSDScoringHead;
  declare regression_head: SSDScoringHead;

  constructor(inChannels: number[], numAnchors: number[], numClasses: number) {
    [inChannels, numAnchors, numClasses] = bindOwn(SSDHead, arguments) as ConstructorParameters<typeof SSDHead>;
    super();
    this.classification_head = new SSDClassificationHead(inChannels, numAnchors, numClasses);
    this.regression_head = new SSDRegressionHead(inChannels, numAnchors);
  }

  override forward(x: Tensor[]): SSDHeadOutputs {
    return { bbox_regression: this.regression_head.call(x), cls_logits: this.classification_head.call(x) };
  }
}
classArgs(SSDHead, 'torchvision.models.detection.SSDHead', 'inChannels, numAnchors, numClasses');

export interface SSDOptions {
  /** Per-channel mean of the input normalisation (default ImageNet's). */
  imageMean?: number[] | null;
  imageStd?: number[] | null;
  /** The head on the backbone's features (default an SSDHead for the backbone's channels and the default boxes). */
  head?: Module | null;
  /** Detections scoring at most this are dropped (default 0.01). */
  scoreThresh?: number;
  /** NMS IoU threshold per class (default 0.45). */
  nmsThresh?: number;
  /** Detections kept per image after NMS (default 200). */
  detectionsPerImg?: number;
  /** IoU from which a default box matches a ground-truth box in training (default 0.5). */
  iouThresh?: number;
  /** Best-scoring boxes per class kept before NMS (default 400). */
  topkCandidates?: number;
  /** Share of positives among the sampled boxes; sets the hard negatives per positive (default 0.25). */
  positiveFraction?: number;
  /** Passed to GeneralizedRCNNTransform: keep the training images' sizes (torchvision's `_skip_resize`). */
  skipResize?: boolean;
}

const SSD_OPTIONS = ['imageMean', 'imageStd', 'head', 'scoreThresh', 'nmsThresh', 'detectionsPerImg', 'iouThresh', 'topkCandidates', 'positiveFraction', 'skipResize'];

/** F.normalize(x) with its defaults (p = 2, dim = 1, eps = 1e-12). */
function l2Normalize(x: Tensor): Tensor {
  const denom = x.norm(2, 1, true).clamp(1e-12).expandAs(x);
  return x.div(denom);
}

/** The feature maps of a backbone's output (a tensor, a Map or a plain object of tensors), in order. */
export function featureList(features: Tensor | Map<string, Tensor> | Record<string, Tensor>): Tensor[] {
  if (features instanceof Tensor) return [features];
  if (features instanceof Map) return [...features.values()];
  return Object.values(features);
}

/** torchvision's checks on training targets: [N, 4] boxes, and every box of positive width and height. */
export function checkTargets(fn: string, targets: readonly SingleStageTarget[] | null | undefined, training: boolean): void {
  if (!training) return;
  if (targets === null || targets === undefined) throw new TypeError(`${fn}: targets should not be none when in training mode`);
  targets.forEach((t, i) => {
    if (!(t?.boxes instanceof Tensor)) throw new TypeError(`${fn}: Expected target boxes to be of type Tensor (target ${i}).`);
    if (t.boxes.ndim !== 2 || t.boxes.shape[1] !== 4) throw new RangeError(`${fn}: Expected target boxes to be a tensor of shape [N, 4], got [${t.boxes.shape.join(', ')}] (target ${i}).`);
    if (!(t.labels instanceof Tensor)) throw new TypeError(`${fn}: Expected target labels to be an int64 Tensor (target ${i}).`);
  });
}

/** torchvision's degenerate-box check, on the transformed targets. */
export function checkDegenerateBoxes(targets: readonly SingleStageTarget[] | null): void {
  if (targets === null) return;
  targets.forEach((target, targetIdx) => {
    const boxes = target.boxes;
    const degenerate = boxes.index(':', '2:').le(boxes.index(':', ':2'));
    if (degenerate.any().item()) {
      const bbIdx = degenerate.any(1).nonzero().select(1, 0).index(0).item();
      const degenBb = boxes.index(bbIdx).toArray() as number[];
      throw new RangeError(`All bounding boxes should have positive height and width. Found invalid box [${degenBb.join(', ')}] for target at index ${targetIdx}.`);
    }
  });
}

/** The [height, width] of each input image, checking that each is a [C, H, W] tensor. */
export function originalImageSizes(fn: string, images: readonly Tensor[]): [number, number][] {
  if (!Array.isArray(images)) throw new TypeError(`${fn}: images must be an array of [C, H, W] tensors`);
  return images.map((img, i) => {
    if (!(img instanceof Tensor)) throw new TypeError(`${fn}: image ${i} is not a Tensor`);
    if (img.ndim < 2) throw new RangeError(`${fn}: expecting the last two dimensions of image ${i} to be H and W, got shape [${img.shape.join(', ')}]`);
    const s = img.shape.slice(-2);
    return [s[0]!, s[1]!];
  });
}

/**
 * SSD: a backbone returning one or more feature maps, default boxes on each, and a head scoring every box.
 * `call(images)` in eval mode returns one `{ boxes, scores, labels }` per image; `call(images, targets)` in
 * training mode returns `{ bbox_regression, classification }` losses. Images are resized to the fixed `size`.
 */
export class SSD extends Module {
  declare backbone: Module;
  declare anchor_generator: DefaultBoxGenerator;
  declare head: Module;
  declare transform: GeneralizedRCNNTransform;
  declare boxCoder: BoxCoder;
  declare proposalMatcher: SSDMatcher;
  declare scoreThresh: number;
  declare nmsThresh: number;
  declare detectionsPerImg: number;
  declare topkCandidates: number;
  declare negToPosRatio: number;

  constructor(backbone: Module, anchorGenerator: DefaultBoxGenerator, size: [number, number], numClasses: number, ...rest: PyRest<SSDOptions, ['imageMean', 'imageStd', 'head', 'scoreThresh', 'nmsThresh', 'detectionsPerImg', 'iouThresh', 'topkCandidates', 'positiveFraction']>);
  constructor(...args: unknown[]) {
    const [backbone, anchorGenerator, size, numClasses, opts = {}] = bindOwn(SSD, args) as [Module, DefaultBoxGenerator, [number, number], number, SSDOptions?];
    super();
    checkKeys('SSD', opts, SSD_OPTIONS);
    if (!(anchorGenerator instanceof DefaultBoxGenerator)) throw new TypeError('SSD: anchorGenerator must be a DefaultBoxGenerator');
    this.backbone = backbone;
    this.anchor_generator = anchorGenerator;
    const hidden = (k: string, v: unknown) => Object.defineProperty(this, k, { value: v, writable: true, enumerable: false });
    hidden('boxCoder', new BoxCoder([10.0, 10.0, 5.0, 5.0]));
    let head = opts.head ?? null;
    if (head === null) {
      const bo = (backbone as { outChannels?: number[] | number }).outChannels;
      const outChannels = bo !== undefined ? (Array.isArray(bo) ? bo : [bo]) : retrieveOutChannels(backbone, size);
      if (outChannels.length !== anchorGenerator.aspectRatios.length) {
        throw new RangeError(`The length of the output channels from the backbone (${outChannels.length}) do not match the length of the anchor generator aspect ratios (${anchorGenerator.aspectRatios.length})`);
      }
      head = new SSDHead(outChannels, anchorGenerator.numAnchorsPerLocation(), numClasses);
    }
    this.head = head;
    hidden('proposalMatcher', new SSDMatcher(opts.iouThresh ?? 0.5));
    const imageMean = opts.imageMean ?? [0.485, 0.456, 0.406];
    const imageStd = opts.imageStd ?? [0.229, 0.224, 0.225];
    this.transform = new GeneralizedRCNNTransform(Math.min(...size), Math.max(...size), imageMean, imageStd,
      { sizeDivisible: 1, fixedSize: size, ...(opts.skipResize !== undefined ? { skipResize: opts.skipResize } : {}) });
    hidden('scoreThresh', opts.scoreThresh ?? 0.01);
    hidden('nmsThresh', opts.nmsThresh ?? 0.45);
    hidden('detectionsPerImg', opts.detectionsPerImg ?? 200);
    hidden('topkCandidates', opts.topkCandidates ?? 400);
    const positiveFraction = opts.positiveFraction ?? 0.25;
    hidden('negToPosRatio', (1.0 - positiveFraction) / positiveFraction);
  }

  /** The SSD losses: smooth-L1 box regression on matched boxes, cross-entropy on positives and the hardest negatives. */
  computeLoss(targets: readonly SingleStageTarget[], headOutputs: SSDHeadOutputs, anchors: readonly Tensor[], matchedIdxs: readonly Tensor[]): Record<string, Tensor> {
    const bboxRegression = headOutputs.bbox_regression;
    const clsLogits = headOutputs.cls_logits;
    let numForeground = 0;
    const bboxLoss: Tensor[] = [];
    const clsTargets: Tensor[] = [];
    targets.forEach((targetsPerImage, i) => {
      const bboxRegressionPerImage = bboxRegression.select(0, i);
      const clsLogitsPerImage = clsLogits.select(0, i);
      const matchedIdxsPerImage = matchedIdxs[i]!;
      // the matching between default boxes and targets
      const foregroundIdxsPerImage = matchedIdxsPerImage.ge(0).nonzero().select(1, 0);
      const foregroundMatchedIdxsPerImage = matchedIdxsPerImage.index(foregroundIdxsPerImage);
      numForeground += foregroundMatchedIdxsPerImage.numel();
      // regression loss
      const matchedGtBoxesPerImage = targetsPerImage.boxes.index(foregroundMatchedIdxsPerImage);
      const regression = bboxRegressionPerImage.index(foregroundIdxsPerImage, ':');
      const anchorsPerImage = anchors[i]!.index(foregroundIdxsPerImage, ':');
      const targetRegression = this.boxCoder.encodeSingle(matchedGtBoxesPerImage, anchorsPerImage);
      bboxLoss.push(smoothL1Loss(regression, targetRegression, { reduction: 'sum' }));
      // ground truth of the class targets
      const gtClassesTarget = zeros([clsLogitsPerImage.shape[0]!], { dtype: targetsPerImage.labels.dtype });
      gtClassesTarget.indexPut_([foregroundIdxsPerImage], targetsPerImage.labels.index(foregroundMatchedIdxsPerImage));
      clsTargets.push(gtClassesTarget);
    });
    const bboxLossT = stack(bboxLoss);
    const clsTargetsT = stack(clsTargets);
    // classification loss
    const numClasses = clsLogits.shape.at(-1)!;
    const clsLoss = crossEntropy(clsLogits.view(-1, numClasses), clsTargetsT.view(-1), { reduction: 'none' }).view(clsTargetsT.shape);
    // hard negative sampling
    const foregroundIdxs = clsTargetsT.gt(0);
    const numNegative = foregroundIdxs.sum(1, true).mul(this.negToPosRatio);
    const negativeLoss = clsLoss.clone();
    negativeLoss.indexPut_([foregroundIdxs], -Infinity); // -inf marks positives that crept into the sample
    const { indices: idx } = negativeLoss.sort(1, true);
    const backgroundIdxs = idx.sort(1).indices.lt(numNegative);
    const N = Math.max(1, numForeground);
    return {
      bbox_regression: bboxLossT.sum().div(N),
      classification: clsLoss.index(foregroundIdxs).sum().add(clsLoss.index(backgroundIdxs).sum()).div(N),
    };
  }

  override forward(images: Tensor[], targets?: SingleStageTarget[] | null): Record<string, Tensor> | SingleStageDetection[] {
    checkTargets('SSD', targets, this.training);
    const origSizes = originalImageSizes('SSD', images);
    const [imageList, tTargets] = this.transform.call(images, targets ?? null) as [ImageList, SingleStageTarget[] | null];
    checkDegenerateBoxes(tTargets);
    const features = featureList(this.backbone.call(imageList.tensors));
    const headOutputs = this.head.call(features) as SSDHeadOutputs;
    const anchors = this.anchor_generator.call(imageList, features) as Tensor[];
    if (this.training) {
      const matchedIdxs = anchors.map((anchorsPerImage, i) => {
        const targetsPerImage = tTargets![i]!;
        if (targetsPerImage.boxes.numel() === 0) return full([anchorsPerImage.shape[0]!], -1, { dtype: 'int64' });
        return this.proposalMatcher.call(boxIou(targetsPerImage.boxes, anchorsPerImage));
      });
      return this.computeLoss(tTargets!, headOutputs, anchors, matchedIdxs);
    }
    const detections = this.postprocessDetections(headOutputs, anchors, imageList.imageSizes);
    return this.transform.postprocess(detections as never, imageList.imageSizes, origSizes) as unknown as SingleStageDetection[];
  }

  /** Softmax scores, per class: threshold, top-k, then class-wise NMS over all classes, best detections first. */
  postprocessDetections(headOutputs: SSDHeadOutputs, imageAnchors: readonly Tensor[], imageShapes: readonly (readonly number[])[]): SingleStageDetection[] {
    const bboxRegression = headOutputs.bbox_regression;
    const predScores = softmax(headOutputs.cls_logits, -1);
    const numClasses = predScores.shape.at(-1)!;
    return imageAnchors.map((anchors, i) => {
      let boxes = this.boxCoder.decodeSingle(bboxRegression.select(0, i), anchors);
      boxes = clipBoxesToImage(boxes, imageShapes[i]!);
      const scores = predScores.select(0, i);
      const imageBoxes: Tensor[] = [];
      const imageScores: Tensor[] = [];
      const imageLabels: Tensor[] = [];
      for (let label = 1; label < numClasses; label++) {
        let score = scores.select(1, label);
        const keepIdxs = score.gt(this.scoreThresh);
        score = score.index(keepIdxs);
        let box = boxes.index(keepIdxs);
        // keep only the top-k scoring predictions
        const numTopk = topkMin(score, this.topkCandidates, 0);
        const top = score.topk(numTopk);
        score = top.values;
        box = box.index(top.indices);
        imageBoxes.push(box);
        imageScores.push(score);
        imageLabels.push(fullLike(score, label, { dtype: 'int64' }));
      }
      const allBoxes = cat(imageBoxes, 0);
      const allScores = cat(imageScores, 0);
      const allLabels = cat(imageLabels, 0);
      const keep = batchedNms(allBoxes, allScores, allLabels, this.nmsThresh).slice(0, 0, this.detectionsPerImg);
      return { boxes: allBoxes.index(keep), scores: allScores.index(keep), labels: allLabels.index(keep) };
    });
  }
}
classArgs(SSD, 'torchvision.models.detection.SSD', 'backbone, anchorGenerator, size, numClasses; imageMean, imageStd, head, scoreThresh, nmsThresh, detectionsPerImg, iouThresh, topkCandidates, positiveFraction, *, skipResize');

/**
 * SSD300's VGG-16 feature maps: conv4_3 (L2-normalised, times a learned per-channel scale starting at 20), fc7
 * (atrous fc6 + fc7 after conv5_3) and four extra blocks (five for SSD512, `highres`).
 */
export class SSDFeatureExtractorVGG extends Module {
  declare scale_weight: Parameter;
  declare features: Sequential;
  declare extra: ModuleList;

  constructor(backbone: Sequential, highres: boolean) {
    [backbone, highres] = bindOwn(SSDFeatureExtractorVGG, arguments) as ConstructorParameters<typeof SSDFeatureExtractorVGG>;
    super();
    const layers = backbone.children();
    const maxpools = layers.flatMap((l, i) => (l instanceof nn.MaxPool2d ? [i] : []));
    if (maxpools.length !== 5) throw new RangeError(`SSDFeatureExtractorVGG: expected VGG features with 5 max pools, got ${maxpools.length}`);
    const maxpool3Pos = maxpools[2]!;
    const maxpool4Pos = maxpools[3]!;
    // ceil_mode on maxpool3 gives the paper's feature map sizes (38x38 for a 300x300 input)
    (layers[maxpool3Pos] as nn.MaxPool2d).ceilMode = true;
    // parameters used for L2 regularisation + rescaling
    this.scale_weight = new Parameter(ones([512]).mul(20));
    // multiple feature maps - page 4, Fig 2 of the SSD paper
    this.features = new Sequential(...layers.slice(0, maxpool4Pos)); // until conv4_3
    const block = (cin: number, cmid: number, cout: number, o: nn.ConvOptions, k = 3) => new Sequential(
      new nn.Conv2d(cin, cmid, 1), new nn.ReLU({ inplace: true }),
      new nn.Conv2d(cmid, cout, k, o), new nn.ReLU({ inplace: true }),
    );
    const extra = new ModuleList([
      block(1024, 256, 512, { padding: 1, stride: 2 }), // conv8_2
      block(512, 128, 256, { padding: 1, stride: 2 }), // conv9_2
      block(256, 128, 256, {}), // conv10_2
      block(256, 128, 256, {}), // conv11_2
    ]);
    if (highres) extra.append(block(256, 128, 256, {}, 4)); // conv12_2, SSD512 (page 11, footnote 5)
    xavierInit(extra);
    const fc = new Sequential(
      new nn.MaxPool2d(3, { stride: 1, padding: 1, ceilMode: false }), // modified maxpool5
      new nn.Conv2d(512, 1024, 3, { padding: 6, dilation: 6 }), // fc6, atrous
      new nn.ReLU({ inplace: true }),
      new nn.Conv2d(1024, 1024, 1), // fc7
      new nn.ReLU({ inplace: true }),
    );
    xavierInit(fc);
    extra.insert(0, new Sequential(...layers.slice(maxpool4Pos, -1), fc)); // until conv5_3, skipping maxpool5
    this.extra = extra;
  }

  override forward(x: Tensor): Map<string, Tensor> {
    // L2 regularisation + rescaling of the first block's feature map
    x = this.features.call(x);
    const rescaled = this.scale_weight.view(1, -1, 1, 1).mul(l2Normalize(x));
    const output: Tensor[] = [rescaled];
    // the feature maps of the remaining blocks
    for (const block of this.extra.children()) {
      x = block.call(x);
      output.push(x);
    }
    return new Map(output.map((v, i) => [String(i), v]));
  }
}
classArgs(SSDFeatureExtractorVGG, 'torchvision.models.detection.SSDFeatureExtractorVGG', 'backbone, highres');

/** torchvision's _vgg_extractor: freezes all but the last `trainableLayers` stages of VGG's features. */
export function vggExtractor(backbone: VGG, highres: boolean, trainableLayers: number): SSDFeatureExtractorVGG {
  const features = backbone.features as Sequential;
  const layers = features.children();
  // the maxpools mark the stages
  const stageIndices = [0, ...layers.flatMap((b, i) => (b instanceof nn.MaxPool2d ? [i] : [])).slice(0, -1)];
  const numStages = stageIndices.length;
  if (!(trainableLayers >= 0 && trainableLayers <= numStages)) {
    throw new RangeError(`trainable_layers should be in the range [0, ${numStages}]. Instead got ${trainableLayers}`);
  }
  const freezeBefore = trainableLayers === 0 ? layers.length : stageIndices[numStages - trainableLayers]!;
  for (const b of layers.slice(0, freezeBefore)) for (const p of b.parameters()) p.requiresGrad_(false);
  return new SSDFeatureExtractorVGG(features, highres);
}

export const SSD300_VGG16_Weights = detectionWeightsEnum('SSD300_VGG16_Weights');

export type SSD300BuilderOptions = DetectionBuilderOptions & SSDOptions;

export function ssd300_vgg16(opts: SSD300BuilderOptions = {}): SSD {
  checkBuilderArity('ssd300_vgg16', arguments.length, opts);
  if ('size' in opts) throw new TypeError("ssd300_vgg16: the size of the model is fixed (300x300); option 'size' cannot be used");
  checkKeys('ssd300_vgg16', opts, [...BUILDER_OPTIONS, ...SSD_OPTIONS]);
  const { weights: _w, progress, numClasses: _n, weightsBackbone: _wb, trainableBackboneLayers, ...kwargs } = opts;
  const r = resolveDetectionWeights(SSD300_VGG16_Weights, VGG16_Weights, opts, 'IMAGENET1K_FEATURES');
  const trainable = validateTrainableLayers(r.isTrained, trainableBackboneLayers ?? null, 5, 4);
  // a backbone more appropriate for SSD
  const vgg = vgg16({ weights: r.weightsBackbone, progress });
  const backbone = vggExtractor(vgg, false, trainable);
  const anchorGenerator = new DefaultBoxGenerator([[2], [2, 3], [2, 3], [2, 3], [2], [2]], {
    scales: [0.07, 0.15, 0.33, 0.51, 0.69, 0.87, 1.05], steps: [8, 16, 32, 64, 100, 300],
  });
  const model = new SSD(backbone, anchorGenerator, [300, 300], r.numClasses, {
    // rescale the input as the backbone expects: 0-255 pixel values minus the mean
    imageMean: [0.48235, 0.45882, 0.40784],
    imageStd: [1.0 / 255.0, 1.0 / 255.0, 1.0 / 255.0],
    ...kwargs,
  });
  loadDetectionWeights(model, r, progress);
  return model;
}

registerBuilder('ssd300_vgg16', ssd300_vgg16);
registerModel('ssd300_vgg16', ssd300_vgg16 as never, SSD300_VGG16_Weights);
