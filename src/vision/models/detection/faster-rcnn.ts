// torchvision.models.detection.faster_rcnn: Faster R-CNN (Ren et al. 2015) with a FPN backbone, its box heads
// (TwoMLPHead, FastRCNNConvFCHead for v2), FastRCNNPredictor (the head a user swaps to fine-tune), and the
// builders fasterrcnn_resnet50_fpn, _v2, fasterrcnn_mobilenet_v3_large_fpn and _320_fpn with torchvision's weights.
import type { Tensor } from '../../../tensor.js';
import { Module } from '../../../nn/module.js';
import { Sequential } from '../../../nn/modules/container.js';
import * as nn from '../../../nn/index.js';
import { relu } from '../../../nn/functional/activation.js';
import { Conv2dNormActivation, FrozenBatchNorm2d, type NormLayerFactory } from '../../ops/misc.js';
import { MultiScaleRoIAlign } from '../../ops/poolers.js';
import { registerModel } from '../registry.js';
import { checkBuilderArity, registerBuilder } from '../builder-args.js';
import { resolveWeights, loadWeights, type WeightsArg, type WeightsEnum, type ResolvedWeights } from '../weights.js';
import { resnet50, ResNet50_Weights } from '../resnet.js';
import { mobilenet_v3_large, MobileNet_V3_Large_Weights } from '../mobilenetv3.js';
import { AnchorGenerator } from './anchor-utils.js';
import { GeneralizedRCNNTransform } from './transform.js';
import { GeneralizedRCNN } from './generalized-rcnn.js';
import { RegionProposalNetwork, RPNHead } from './rpn.js';
import { RoIHeads } from './roi-heads.js';
import { mobilenetExtractor, resnetFpnExtractor, validateTrainableLayers } from './backbone-utils.js';
import { detectionWeightsEnum, ovewriteValueParam } from './weights.js';
import { overwriteEps } from './det-utils.js';
import { bindOwn, classArgs, registerSignature, type PyRest } from '../../../args.js';

// PyTorch's argument binding (src/args.ts) for this module's functions: an extra positional argument or an
// unknown keyword is a TypeError naming it.
registerSignature(defaultAnchorgen, 'defaultAnchorgen', 'tstorch.vision.models.detection.defaultAnchorgen', '');
registerSignature(loadDetectionWeights, 'loadDetectionWeights', 'tstorch.vision.models.detection.loadDetectionWeights', 'model, r:dict, progress, epsZeroFor?');
registerSignature(resolveDetectionWeights, 'resolveDetectionWeights', 'tstorch.vision.models.detection.resolveDetectionWeights', 'e, backboneEnum, o:dict, defaultBackbone, defaultNumClasses?');

/** The constructor options of FasterRCNN (torchvision's keyword arguments in camelCase). */
export interface FasterRCNNOptions {
  numClasses?: number | null;
  minSize?: number | readonly number[];
  maxSize?: number;
  imageMean?: readonly number[] | null;
  imageStd?: readonly number[] | null;
  rpnAnchorGenerator?: AnchorGenerator | null;
  rpnHead?: Module | null;
  rpnPreNmsTopNTrain?: number;
  rpnPreNmsTopNTest?: number;
  rpnPostNmsTopNTrain?: number;
  rpnPostNmsTopNTest?: number;
  rpnNmsThresh?: number;
  rpnFgIouThresh?: number;
  rpnBgIouThresh?: number;
  rpnBatchSizePerImage?: number;
  rpnPositiveFraction?: number;
  rpnScoreThresh?: number;
  boxRoiPool?: MultiScaleRoIAlign | null;
  boxHead?: Module | null;
  boxPredictor?: Module | null;
  boxScoreThresh?: number;
  boxNmsThresh?: number;
  boxDetectionsPerImg?: number;
  boxFgIouThresh?: number;
  boxBgIouThresh?: number;
  boxBatchSizePerImage?: number;
  boxPositiveFraction?: number;
  bboxRegWeights?: readonly number[] | null;
  /** GeneralizedRCNNTransform's extra arguments. */
  sizeDivisible?: number;
  fixedSize?: readonly [number, number] | null;
  skipResize?: boolean;
}

export const FASTER_RCNN_OPTIONS: readonly string[] = ['numClasses', 'minSize', 'maxSize', 'imageMean', 'imageStd', 'rpnAnchorGenerator', 'rpnHead',
  'rpnPreNmsTopNTrain', 'rpnPreNmsTopNTest', 'rpnPostNmsTopNTrain', 'rpnPostNmsTopNTest', 'rpnNmsThresh', 'rpnFgIouThresh', 'rpnBgIouThresh',
  'rpnBatchSizePerImage', 'rpnPositiveFraction', 'rpnScoreThresh', 'boxRoiPool', 'boxHead', 'boxPredictor', 'boxScoreThresh', 'boxNmsThresh',
  'boxDetectionsPerImg', 'boxFgIouThresh', 'boxBgIouThresh', 'boxBatchSizePerImage', 'boxPositiveFraction', 'bboxRegWeights', 'sizeDivisible',
  'fixedSize', 'skipResize'];

/** An option no one takes is an error naming it. */
export function checkOptions(what: string, opts: object, known: readonly string[]): void {
  for (const [k, v] of Object.entries(opts)) {
    if (v !== undefined && !known.includes(k)) throw new TypeError(`${what}: unknown option '${k}'`);
  }
}

/** The default anchors: one size per FPN level (32 to 512), three aspect ratios. */
export function defaultAnchorgen(): AnchorGenerator {
  bindOwn(defaultAnchorgen, arguments);
  const sizes = [[32], [64], [128], [256], [512]];
  return new AnchorGenerator(sizes, sizes.map(() => [0.5, 1.0, 2.0]));
}

/** Two fully connected layers on the pooled features (FPN box head). */
export class TwoMLPHead extends Module {
  declare fc6: nn.Linear;
  declare fc7: nn.Linear;

  constructor(inChannels: number, representationSize: number) {
    [inChannels, representationSize] = bindOwn(TwoMLPHead, arguments) as ConstructorParameters<typeof TwoMLPHead>;
    super();
    this.fc6 = new nn.Linear(inChannels, representationSize);
    this.fc7 = new nn.Linear(representationSize, representationSize);
  }

  override forward(x: Tensor): Tensor {
    return relu(this.fc7.call(relu(this.fc6.call(x.flatten(1)))));
  }
}
classArgs(TwoMLPHead, 'torchvision.models.detection.TwoMLPHead', 'inChannels, representationSize');

/** Convolutions (with a norm layer) then fully connected layers: the v2 box head. */
export class FastRCNNConvFCHead extends Sequential {
  constructor(inputSize: readonly [number, number, number], convLayers: readonly number[], fcLayers: readonly number[],
    normLayer: NormLayerFactory | null = null) {
    [inputSize, convLayers, fcLayers, normLayer = null] = bindOwn(FastRCNNConvFCHead, arguments) as ConstructorParameters<typeof FastRCNNConvFCHead>;
    const [inChannels, inHeight, inWidth] = inputSize;
    const blocks: Module[] = [];
    let previous = inChannels;
    for (const c of convLayers) {
      blocks.push(new Conv2dNormActivation(previous, c, { normLayer }));
      previous = c;
    }
    blocks.push(new nn.Flatten());
    previous = previous * inHeight * inWidth;
    for (const c of fcLayers) {
      blocks.push(new nn.Linear(previous, c), new nn.ReLU({ inplace: true }));
      previous = c;
    }
    super(...blocks);
    for (const layer of this.modules()) {
      if (layer instanceof nn.Conv2d) {
        nn.init.kaimingNormal_(layer.weight, { mode: 'fan_out', nonlinearity: 'relu' });
        if (layer.bias !== null) nn.init.zeros_(layer.bias);
      }
    }
  }

  override _getName(): string { return 'FastRCNNConvFCHead'; }
}
classArgs(FastRCNNConvFCHead, 'torchvision.models.detection.FastRCNNConvFCHead', 'inputSize, convLayers, fcLayers, normLayer?');

/** Class scores and per-class box deltas from the box head's features. */
export class FastRCNNPredictor extends Module {
  declare cls_score: nn.Linear;
  declare bbox_pred: nn.Linear;

  constructor(inChannels: number, numClasses: number) {
    [inChannels, numClasses] = bindOwn(FastRCNNPredictor, arguments) as ConstructorParameters<typeof FastRCNNPredictor>;
    super();
    this.cls_score = new nn.Linear(inChannels, numClasses);
    this.bbox_pred = new nn.Linear(inChannels, numClasses * 4);
  }

  override forward(x: Tensor): [Tensor, Tensor] {
    if (x.dim() === 4 && (x.shape[2] !== 1 || x.shape[3] !== 1)) {
      throw new RangeError(`x has the wrong shape, expecting the last two dimensions to be [1,1] instead of [${x.shape.slice(2)}]`);
    }
    const f = x.flatten(1);
    return [this.cls_score.call(f), this.bbox_pred.call(f)];
  }
}
classArgs(FastRCNNPredictor, 'torchvision.models.detection.FastRCNNPredictor', 'inChannels, numClasses');

/** The RPN, the box RoIHeads and the transform of a Faster R-CNN, from the options (shared with Mask/Keypoint R-CNN). */
export function fasterRCNNParts(backbone: Module, o: FasterRCNNOptions): { rpn: RegionProposalNetwork; roiHeads: RoIHeads; transform: GeneralizedRCNNTransform } {
  const outChannels = (backbone as { outChannels?: number }).outChannels;
  if (typeof outChannels !== 'number') {
    throw new TypeError('backbone should contain an attribute outChannels specifying the number of output channels (assumed to be the same for all the levels)');
  }
  if (o.rpnAnchorGenerator != null && !(o.rpnAnchorGenerator instanceof AnchorGenerator)) {
    throw new TypeError(`rpnAnchorGenerator should be of type AnchorGenerator or null instead of ${(o.rpnAnchorGenerator as object).constructor?.name}`);
  }
  if (o.boxRoiPool != null && !(o.boxRoiPool instanceof MultiScaleRoIAlign)) {
    throw new TypeError(`boxRoiPool should be of type MultiScaleRoIAlign or null instead of ${(o.boxRoiPool as object).constructor?.name}`);
  }
  const numClasses = o.numClasses ?? null;
  if (numClasses !== null) {
    if (o.boxPredictor != null) throw new TypeError('numClasses should be None when boxPredictor is specified');
  } else if (o.boxPredictor == null) {
    throw new TypeError('numClasses should not be None when boxPredictor is not specified');
  }
  const anchorGenerator = o.rpnAnchorGenerator ?? defaultAnchorgen();
  const rpnHead = o.rpnHead ?? new RPNHead(outChannels, anchorGenerator.numAnchorsPerLocation()[0]!);
  const rpn = new RegionProposalNetwork(anchorGenerator, rpnHead, {
    fgIouThresh: o.rpnFgIouThresh ?? 0.7, bgIouThresh: o.rpnBgIouThresh ?? 0.3,
    batchSizePerImage: o.rpnBatchSizePerImage ?? 256, positiveFraction: o.rpnPositiveFraction ?? 0.5,
    preNmsTopN: { training: o.rpnPreNmsTopNTrain ?? 2000, testing: o.rpnPreNmsTopNTest ?? 1000 },
    postNmsTopN: { training: o.rpnPostNmsTopNTrain ?? 2000, testing: o.rpnPostNmsTopNTest ?? 1000 },
    nmsThresh: o.rpnNmsThresh ?? 0.7, scoreThresh: o.rpnScoreThresh ?? 0.0,
  });
  const boxRoiPool = o.boxRoiPool ?? new MultiScaleRoIAlign(['0', '1', '2', '3'], 7, 2);
  const representationSize = 1024;
  const boxHead = o.boxHead ?? new TwoMLPHead(outChannels * boxRoiPool.outputSize[0] ** 2, representationSize);
  const boxPredictor = o.boxPredictor ?? new FastRCNNPredictor(representationSize, numClasses!);
  const roiHeads = new RoIHeads(boxRoiPool, boxHead, boxPredictor, {
    fgIouThresh: o.boxFgIouThresh ?? 0.5, bgIouThresh: o.boxBgIouThresh ?? 0.5,
    batchSizePerImage: o.boxBatchSizePerImage ?? 512, positiveFraction: o.boxPositiveFraction ?? 0.25,
    bboxRegWeights: o.bboxRegWeights ?? null, scoreThresh: o.boxScoreThresh ?? 0.05, nmsThresh: o.boxNmsThresh ?? 0.5,
    detectionsPerImg: o.boxDetectionsPerImg ?? 100,
  });
  const transform = new GeneralizedRCNNTransform(o.minSize ?? 800, o.maxSize ?? 1333, o.imageMean ?? [0.485, 0.456, 0.406],
    o.imageStd ?? [0.229, 0.224, 0.225], {
      ...(o.sizeDivisible !== undefined ? { sizeDivisible: o.sizeDivisible } : {}),
      ...(o.fixedSize != null ? { fixedSize: o.fixedSize } : {}),
      ...(o.skipResize !== undefined ? { skipResize: o.skipResize } : {}),
    });
  return { rpn, roiHeads, transform };
}

/**
 * Faster R-CNN: `new FasterRCNN(backbone, { numClasses: 2 })` with any backbone that has `outChannels` and returns
 * a feature map or feature maps by name ('0'...'3' for the default RoI pooler).
 */
export class FasterRCNN extends GeneralizedRCNN {
  constructor(backbone: Module, ...rest: PyRest<FasterRCNNOptions, ['numClasses', 'minSize', 'maxSize', 'imageMean', 'imageStd', 'rpnAnchorGenerator', 'rpnHead', 'rpnPreNmsTopNTrain', 'rpnPreNmsTopNTest', 'rpnPostNmsTopNTrain', 'rpnPostNmsTopNTest', 'rpnNmsThresh', 'rpnFgIouThresh', 'rpnBgIouThresh', 'rpnBatchSizePerImage', 'rpnPositiveFraction', 'rpnScoreThresh', 'boxRoiPool', 'boxHead', 'boxPredictor', 'boxScoreThresh', 'boxNmsThresh', 'boxDetectionsPerImg', 'boxFgIouThresh', 'boxBgIouThresh', 'boxBatchSizePerImage', 'boxPositiveFraction', 'bboxRegWeights']>);
  constructor(...args: unknown[]) {
    const [backbone, opts = {}] = bindOwn(FasterRCNN, args) as [Module, FasterRCNNOptions?];
    checkOptions('FasterRCNN', opts, FASTER_RCNN_OPTIONS);
    const { rpn, roiHeads, transform } = fasterRCNNParts(backbone, opts);
    super(backbone, rpn, roiHeads, transform);
  }
}
classArgs(FasterRCNN, 'torchvision.models.detection.FasterRCNN', 'backbone; numClasses, minSize, maxSize, imageMean, imageStd, rpnAnchorGenerator, rpnHead, rpnPreNmsTopNTrain, rpnPreNmsTopNTest, rpnPostNmsTopNTrain, rpnPostNmsTopNTest, rpnNmsThresh, rpnFgIouThresh, rpnBgIouThresh, rpnBatchSizePerImage, rpnPositiveFraction, rpnScoreThresh, boxRoiPool, boxHead, boxPredictor, boxScoreThresh, boxNmsThresh, boxDetectionsPerImg, boxFgIouThresh, boxBgIouThresh, boxBatchSizePerImage, boxPositiveFraction, bboxRegWeights, *, sizeDivisible, fixedSize, skipResize');

/** The options of every detection builder besides the model's own. */
export interface DetectionBuilderOptions {
  /** Published detection weights ('DEFAULT', 'COCO_V1', a Weights member), a checkpoint file, or null (random). */
  weights?: WeightsArg;
  progress?: boolean;
  numClasses?: number | null;
  /** The backbone's ImageNet weights (ignored, as in torchvision, when `weights` is given); null for random. */
  weightsBackbone?: WeightsArg;
  trainableBackboneLayers?: number | null;
}
export const BUILDER_OPTIONS: readonly string[] = ['weights', 'progress', 'numClasses', 'weightsBackbone', 'trainableBackboneLayers'];

export interface ResolvedDetectionWeights {
  weights: ResolvedWeights;
  weightsBackbone: WeightsArg;
  numClasses: number;
  isTrained: boolean;
}

/**
 * The weights logic every torchvision detection builder starts with: published weights fix numClasses and drop
 * the backbone weights; otherwise numClasses defaults to `defaultNumClasses` (91, COCO with background).
 */
export function resolveDetectionWeights(e: WeightsEnum<any>, backboneEnum: WeightsEnum<any>, o: DetectionBuilderOptions, defaultBackbone: string | null,
  defaultNumClasses = 91): ResolvedDetectionWeights {
  [e, backboneEnum, o, defaultBackbone, defaultNumClasses = 91] = bindOwn(resolveDetectionWeights, arguments) as Parameters<typeof resolveDetectionWeights>;
  const weights = resolveWeights(e, o.weights);
  let weightsBackbone: WeightsArg = o.weightsBackbone === undefined ? defaultBackbone : o.weightsBackbone;
  if (weightsBackbone !== null && typeof weightsBackbone !== 'string') backboneEnum.verify(weightsBackbone);
  let numClasses = o.numClasses ?? null;
  if (weights.kind === 'published') {
    weightsBackbone = null;
    numClasses = ovewriteValueParam('numClasses', numClasses, weights.weights.meta.categories!.length);
  } else if (weights.kind === 'file') {
    weightsBackbone = null;
  }
  if (numClasses === null) numClasses = defaultNumClasses;
  return { weights, weightsBackbone, numClasses, isTrained: weights.kind !== 'none' || weightsBackbone !== null };
}

/** Loads the resolved detection weights (strict) and sets FrozenBatchNorm2d's eps to 0 for the checkpoints trained so. */
export function loadDetectionWeights(model: Module, r: ResolvedDetectionWeights, progress: boolean | undefined, epsZeroFor: readonly string[] = []): void {
  [model, r, progress, epsZeroFor = []] = bindOwn(loadDetectionWeights, arguments) as Parameters<typeof loadDetectionWeights>;
  loadWeights(model, r.weights, { progress });
  if (r.weights.kind === 'published' && epsZeroFor.includes(r.weights.weights.toString())) overwriteEps(model, 0.0);
}

const frozenBn: NormLayerFactory = (c) => new FrozenBatchNorm2d(c);
const batchNorm: NormLayerFactory = (c) => new nn.BatchNorm2d(c);

export type FasterRCNNBuilderOptions = DetectionBuilderOptions & Omit<FasterRCNNOptions, 'numClasses'>;

export const FasterRCNN_ResNet50_FPN_Weights = detectionWeightsEnum('FasterRCNN_ResNet50_FPN_Weights');
export const FasterRCNN_ResNet50_FPN_V2_Weights = detectionWeightsEnum('FasterRCNN_ResNet50_FPN_V2_Weights');
export const FasterRCNN_MobileNet_V3_Large_FPN_Weights = detectionWeightsEnum('FasterRCNN_MobileNet_V3_Large_FPN_Weights');
export const FasterRCNN_MobileNet_V3_Large_320_FPN_Weights = detectionWeightsEnum('FasterRCNN_MobileNet_V3_Large_320_FPN_Weights');

function modelOptions(opts: FasterRCNNBuilderOptions): FasterRCNNOptions {
  const o: Record<string, unknown> = { ...opts };
  for (const k of BUILDER_OPTIONS) delete o[k];
  return o as FasterRCNNOptions;
}

/** Faster R-CNN with a ResNet-50-FPN backbone (torchvision's fasterrcnn_resnet50_fpn; box AP 37.0 with COCO_V1). */
export function fasterrcnn_resnet50_fpn(opts: FasterRCNNBuilderOptions = {}): FasterRCNN {
  checkBuilderArity('fasterrcnn_resnet50_fpn', arguments.length, opts);
  checkOptions('fasterrcnn_resnet50_fpn', opts, [...BUILDER_OPTIONS, ...FASTER_RCNN_OPTIONS]);
  const r = resolveDetectionWeights(FasterRCNN_ResNet50_FPN_Weights, ResNet50_Weights, opts, 'IMAGENET1K_V1');
  const tbl = validateTrainableLayers(r.isTrained, opts.trainableBackboneLayers, 5, 3);
  const normLayer = r.isTrained ? frozenBn : batchNorm;
  const backbone = resnetFpnExtractor(resnet50({ weights: r.weightsBackbone, progress: opts.progress, normLayer }), tbl);
  const model = new FasterRCNN(backbone, { ...modelOptions(opts), numClasses: r.numClasses });
  loadDetectionWeights(model, r, opts.progress, ['FasterRCNN_ResNet50_FPN_Weights.COCO_V1']);
  return model;
}

/** Faster R-CNN v2 (Li et al. 2021's improvements: BatchNorm FPN, 2-conv RPN head, 4-conv-1-fc box head; box AP 46.7). */
export function fasterrcnn_resnet50_fpn_v2(opts: FasterRCNNBuilderOptions = {}): FasterRCNN {
  checkBuilderArity('fasterrcnn_resnet50_fpn_v2', arguments.length, opts);
  checkOptions('fasterrcnn_resnet50_fpn_v2', opts, [...BUILDER_OPTIONS, ...FASTER_RCNN_OPTIONS]);
  const r = resolveDetectionWeights(FasterRCNN_ResNet50_FPN_V2_Weights, ResNet50_Weights, opts, null);
  const tbl = validateTrainableLayers(r.isTrained, opts.trainableBackboneLayers, 5, 3);
  const backbone = resnetFpnExtractor(resnet50({ weights: r.weightsBackbone, progress: opts.progress }), tbl, null, null, batchNorm);
  const anchorGenerator = defaultAnchorgen();
  const rpnHead = new RPNHead(backbone.outChannels, anchorGenerator.numAnchorsPerLocation()[0]!, 2);
  const boxHead = new FastRCNNConvFCHead([backbone.outChannels, 7, 7], [256, 256, 256, 256], [1024], batchNorm);
  const model = new FasterRCNN(backbone, { ...modelOptions(opts), numClasses: r.numClasses, rpnAnchorGenerator: anchorGenerator, rpnHead, boxHead });
  loadDetectionWeights(model, r, opts.progress);
  return model;
}

function fasterrcnnMobilenetV3LargeFpn(e: WeightsEnum<any>, defaults: FasterRCNNOptions, opts: FasterRCNNBuilderOptions, name: string): FasterRCNN {
  checkOptions(name, opts, [...BUILDER_OPTIONS, ...FASTER_RCNN_OPTIONS]);
  const r = resolveDetectionWeights(e, MobileNet_V3_Large_Weights, opts, 'IMAGENET1K_V1');
  const tbl = validateTrainableLayers(r.isTrained, opts.trainableBackboneLayers, 6, 3);
  const normLayer = r.isTrained ? frozenBn : batchNorm;
  const backbone = mobilenetExtractor(mobilenet_v3_large({ weights: r.weightsBackbone, progress: opts.progress, normLayer }), true, tbl);
  const anchorSizes = [[32, 64, 128, 256, 512], [32, 64, 128, 256, 512], [32, 64, 128, 256, 512]];
  const aspectRatios = anchorSizes.map(() => [0.5, 1.0, 2.0]);
  const given = Object.fromEntries(Object.entries(modelOptions(opts)).filter(([, v]) => v !== undefined));
  const model = new FasterRCNN(backbone, {
    ...defaults, ...given, numClasses: r.numClasses, rpnAnchorGenerator: new AnchorGenerator(anchorSizes, aspectRatios),
  });
  loadDetectionWeights(model, r, opts.progress);
  return model;
}

/** Faster R-CNN with a MobileNetV3-Large FPN backbone (box AP 32.8). */
export function fasterrcnn_mobilenet_v3_large_fpn(opts: FasterRCNNBuilderOptions = {}): FasterRCNN {
  checkBuilderArity('fasterrcnn_mobilenet_v3_large_fpn', arguments.length, opts);
  return fasterrcnnMobilenetV3LargeFpn(FasterRCNN_MobileNet_V3_Large_FPN_Weights, { rpnScoreThresh: 0.05 }, opts, 'fasterrcnn_mobilenet_v3_large_fpn');
}

/** The same at 320 px for mobile use (box AP 22.8). */
export function fasterrcnn_mobilenet_v3_large_320_fpn(opts: FasterRCNNBuilderOptions = {}): FasterRCNN {
  checkBuilderArity('fasterrcnn_mobilenet_v3_large_320_fpn', arguments.length, opts);
  return fasterrcnnMobilenetV3LargeFpn(FasterRCNN_MobileNet_V3_Large_320_FPN_Weights, {
    minSize: 320, maxSize: 640, rpnPreNmsTopNTest: 150, rpnPostNmsTopNTest: 150, rpnScoreThresh: 0.05,
  }, opts, 'fasterrcnn_mobilenet_v3_large_320_fpn');
}

registerBuilder('fasterrcnn_resnet50_fpn', fasterrcnn_resnet50_fpn);
registerModel('fasterrcnn_resnet50_fpn', fasterrcnn_resnet50_fpn, FasterRCNN_ResNet50_FPN_Weights);
registerBuilder('fasterrcnn_resnet50_fpn_v2', fasterrcnn_resnet50_fpn_v2);
registerModel('fasterrcnn_resnet50_fpn_v2', fasterrcnn_resnet50_fpn_v2, FasterRCNN_ResNet50_FPN_V2_Weights);
registerBuilder('fasterrcnn_mobilenet_v3_large_fpn', fasterrcnn_mobilenet_v3_large_fpn);
registerModel('fasterrcnn_mobilenet_v3_large_fpn', fasterrcnn_mobilenet_v3_large_fpn, FasterRCNN_MobileNet_V3_Large_FPN_Weights);
registerBuilder('fasterrcnn_mobilenet_v3_large_320_fpn', fasterrcnn_mobilenet_v3_large_320_fpn);
registerModel('fasterrcnn_mobilenet_v3_large_320_fpn', fasterrcnn_mobilenet_v3_large_320_fpn, FasterRCNN_MobileNet_V3_Large_320_FPN_Weights);
