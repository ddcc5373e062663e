// torchvision.models.detection.keypoint_rcnn: Keypoint R-CNN (Mask R-CNN's keypoint variant): Faster R-CNN plus
// a keypoint branch predicting one heatmap per keypoint (17 COCO person keypoints), and keypointrcnn_resnet50_fpn.
import type { Tensor } from '../../../tensor.js';
import { Module } from '../../../nn/module.js';
import { Sequential } from '../../../nn/modules/container.js';
import * as nn from '../../../nn/index.js';
import { interpolate } from '../../../nn/functional/upsampling.js';
import { FrozenBatchNorm2d, type NormLayerFactory } from '../../ops/misc.js';
import { MultiScaleRoIAlign } from '../../ops/poolers.js';
import { registerModel } from '../registry.js';
import { checkBuilderArity, registerBuilder } from '../builder-args.js';
import { resnet50, ResNet50_Weights } from '../resnet.js';
import { GeneralizedRCNN } from './generalized-rcnn.js';
import { resnetFpnExtractor, validateTrainableLayers } from './backbone-utils.js';
import { detectionWeightsEnum, ovewriteValueParam } from './weights.js';
import { BUILDER_OPTIONS, FASTER_RCNN_OPTIONS, checkOptions, fasterRCNNParts, loadDetectionWeights, resolveDetectionWeights,
  type DetectionBuilderOptions, type FasterRCNNOptions } from './faster-rcnn.js';
import { bindOwn, classArgs, type PyRest } from '../../../args.js';

/** Eight 3x3 convolutions with ReLU on the 14x14 pooled features. */
export class KeypointRCNNHeads extends Sequential {
  constructor(inChannels: number, layers: readonly number[]) {
    [inChannels, layers] = bindOwn(KeypointRCNNHeads, arguments) as ConstructorParameters<typeof KeypointRCNNHeads>;
    const d: Module[] = [];
    let next = inChannels;
    for (const out of layers) {
      d.push(new nn.Conv2d(next, out, 3, { stride: 1, padding: 1 }), new nn.ReLU({ inplace: true }));
      next = out;
    }
    super(...d);
    for (const m of this.children()) {
      if (m instanceof nn.Conv2d) {
        nn.init.kaimingNormal_(m.weight, { mode: 'fan_out', nonlinearity: 'relu' });
        nn.init.constant_(m.bias!, 0);
      }
    }
  }

  override _getName(): string { return 'KeypointRCNNHeads'; }
}
classArgs(KeypointRCNNHeads, 'torchvision.models.detection.KeypointRCNNHeads', 'inChannels, layers');

/** A 2x transposed convolution to one map per keypoint, then 2x bilinear upsampling: 56x56 heatmaps. */
export class KeypointRCNNPredictor extends Module {
  declare kps_score_lowres: nn.ConvTranspose2d;
  declare upScale: number;
  declare outChannels: number;

  constructor(inChannels: number, numKeypoints: number) {
    [inChannels, numKeypoints] = bindOwn(KeypointRCNNPredictor, arguments) as ConstructorParameters<typeof KeypointRCNNPredictor>;
    super();
    const deconvKernel = 4;
    this.kps_score_lowres = new nn.ConvTranspose2d(inChannels, numKeypoints, deconvKernel, { stride: 2, padding: deconvKernel / 2 - 1 });
    nn.init.kaimingNormal_(this.kps_score_lowres.weight, { mode: 'fan_out', nonlinearity: 'relu' });
    nn.init.constant_(this.kps_score_lowres.bias!, 0);
    Object.defineProperty(this, 'upScale', { value: 2, enumerable: false, writable: true });
    Object.defineProperty(this, 'outChannels', { value: numKeypoints, enumerable: false, writable: true });
  }

  override forward(x: Tensor): Tensor {
    const y = this.kps_score_lowres.call(x);
    return interpolate(y, { scaleFactor: this.upScale, mode: 'bilinear', alignCorners: false, recomputeScaleFactor: false });
  }
}
classArgs(KeypointRCNNPredictor, 'torchvision.models.detection.KeypointRCNNPredictor', 'inChannels, numKeypoints');

export interface KeypointRCNNOptions extends FasterRCNNOptions {
  keypointRoiPool?: MultiScaleRoIAlign | null;
  keypointHead?: Module | null;
  keypointPredictor?: Module | null;
  numKeypoints?: number | null;
}
export const KEYPOINT_RCNN_OPTIONS: readonly string[] = [...FASTER_RCNN_OPTIONS, 'keypointRoiPool', 'keypointHead', 'keypointPredictor', 'numKeypoints'];

export class KeypointRCNN extends GeneralizedRCNN {
  constructor(backbone: Module, ...rest: PyRest<KeypointRCNNOptions, ['numClasses', 'minSize', 'maxSize', 'imageMean', 'imageStd', 'rpnAnchorGenerator', 'rpnHead', 'rpnPreNmsTopNTrain', 'rpnPreNmsTopNTest', 'rpnPostNmsTopNTrain', 'rpnPostNmsTopNTest', 'rpnNmsThresh', 'rpnFgIouThresh', 'rpnBgIouThresh', 'rpnBatchSizePerImage', 'rpnPositiveFraction', 'rpnScoreThresh', 'boxRoiPool', 'boxHead', 'boxPredictor', 'boxScoreThresh', 'boxNmsThresh', 'boxDetectionsPerImg', 'boxFgIouThresh', 'boxBgIouThresh', 'boxBatchSizePerImage', 'boxPositiveFraction', 'bboxRegWeights', 'keypointRoiPool', 'keypointHead', 'keypointPredictor', 'numKeypoints']>);
  constructor(...args: unknown[]) {
    const [backbone, opts = {}] = bindOwn(KeypointRCNN, args) as [Module, KeypointRCNNOptions?];
    checkOptions('KeypointRCNN', opts, KEYPOINT_RCNN_OPTIONS);
    if (opts.keypointRoiPool != null && !(opts.keypointRoiPool instanceof MultiScaleRoIAlign)) {
      throw new TypeError(`keypointRoiPool should be of type MultiScaleRoIAlign or null instead of ${(opts.keypointRoiPool as object).constructor?.name}`);
    }
    let numKeypoints = opts.numKeypoints ?? null;
    if (numKeypoints !== null) {
      if (opts.keypointPredictor != null) throw new TypeError('numKeypoints should be None when keypointPredictor is specified');
    } else {
      numKeypoints = 17;
    }
    const outChannels = (backbone as { outChannels?: number }).outChannels!;
    const keypointRoiPool = opts.keypointRoiPool ?? new MultiScaleRoIAlign(['0', '1', '2', '3'], 14, 2);
    const keypointHead = opts.keypointHead ?? new KeypointRCNNHeads(outChannels, Array(8).fill(512));
    const keypointPredictor = opts.keypointPredictor ?? new KeypointRCNNPredictor(512, numKeypoints);
    const { keypointRoiPool: _a, keypointHead: _b, keypointPredictor: _c, numKeypoints: _d, ...rest } = opts;
    const { rpn, roiHeads, transform } = fasterRCNNParts(backbone, { ...rest, minSize: opts.minSize ?? [640, 672, 704, 736, 768, 800] });
    super(backbone, rpn, roiHeads, transform);
    this.roi_heads.keypoint_roi_pool = keypointRoiPool;
    this.roi_heads.keypoint_head = keypointHead;
    this.roi_heads.keypoint_predictor = keypointPredictor;
  }
}
classArgs(KeypointRCNN, 'torchvision.models.detection.KeypointRCNN', 'backbone; numClasses, minSize, maxSize, imageMean, imageStd, rpnAnchorGenerator, rpnHead, rpnPreNmsTopNTrain, rpnPreNmsTopNTest, rpnPostNmsTopNTrain, rpnPostNmsTopNTest, rpnNmsThresh, rpnFgIouThresh, rpnBgIouThresh, rpnBatchSizePerImage, rpnPositiveFraction, rpnScoreThresh, boxRoiPool, boxHead, boxPredictor, boxScoreThresh, boxNmsThresh, boxDetectionsPerImg, boxFgIouThresh, boxBgIouThresh, boxBatchSizePerImage, boxPositiveFraction, bboxRegWeights, keypointRoiPool, keypointHead, keypointPredictor, numKeypoints, *, sizeDivisible, fixedSize, skipResize');

export type KeypointRCNNBuilderOptions = DetectionBuilderOptions & Omit<KeypointRCNNOptions, 'numClasses'>;

export const KeypointRCNN_ResNet50_FPN_Weights = detectionWeightsEnum('KeypointRCNN_ResNet50_FPN_Weights');

const frozenBn: NormLayerFactory = (c) => new FrozenBatchNorm2d(c);
const batchNorm: NormLayerFactory = (c) => new nn.BatchNorm2d(c);

/** Keypoint R-CNN with a ResNet-50-FPN backbone (box AP 65.0, keypoint AP 61.1 with COCO_V1). */
export function keypointrcnn_resnet50_fpn(opts: KeypointRCNNBuilderOptions = {}): KeypointRCNN {
  checkBuilderArity('keypointrcnn_resnet50_fpn', arguments.length, opts);
  checkOptions('keypointrcnn_resnet50_fpn', opts, [...BUILDER_OPTIONS, ...KEYPOINT_RCNN_OPTIONS]);
  const r = resolveDetectionWeights(KeypointRCNN_ResNet50_FPN_Weights, ResNet50_Weights, opts, 'IMAGENET1K_V1', 2);
  let numKeypoints = opts.numKeypoints ?? null;
  if (r.weights.kind === 'published') {
    const names = (r.weights.weights.meta as { keypointNames?: string[] }).keypointNames!;
    numKeypoints = ovewriteValueParam('numKeypoints', numKeypoints, names.length);
  } else if (numKeypoints === null) {
    numKeypoints = 17;
  }
  const tbl = validateTrainableLayers(r.isTrained, opts.trainableBackboneLayers, 5, 3);
  const normLayer = r.isTrained ? frozenBn : batchNorm;
  const backbone = resnetFpnExtractor(resnet50({ weights: r.weightsBackbone, progress: opts.progress, normLayer }), tbl);
  const o: Record<string, unknown> = { ...opts };
  for (const k of BUILDER_OPTIONS) delete o[k];
  const model = new KeypointRCNN(backbone, { ...(o as KeypointRCNNOptions), numClasses: r.numClasses, numKeypoints });
  loadDetectionWeights(model, r, opts.progress, ['KeypointRCNN_ResNet50_FPN_Weights.COCO_V1']);
  return model;
}

registerBuilder('keypointrcnn_resnet50_fpn', keypointrcnn_resnet50_fpn);
registerModel('keypointrcnn_resnet50_fpn', keypointrcnn_resnet50_fpn, KeypointRCNN_ResNet50_FPN_Weights);
