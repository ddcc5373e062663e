// torchvision.models.detection.mask_rcnn: Mask R-CNN (He et al. 2017), Faster R-CNN plus a mask branch
// (MaskRCNNHeads, MaskRCNNPredictor: the heads a user swaps to fine-tune), and the builders maskrcnn_resnet50_fpn and
// maskrcnn_resnet50_fpn_v2 with torchvision's weights.
import { Module, type StateDict } from '../../../nn/module.js';
import { Sequential } from '../../../nn/modules/container.js';
import * as nn from '../../../nn/index.js';
import { Conv2dNormActivation, FrozenBatchNorm2d, type NormLayerFactory } from '../../ops/misc.js';
import { MultiScaleRoIAlign } from '../../ops/poolers.js';
import { registerModel } from '../registry.js';
import { checkBuilderArity, registerBuilder } from '../builder-args.js';
import { resnet50, ResNet50_Weights } from '../resnet.js';
import { GeneralizedRCNN } from './generalized-rcnn.js';
import { RPNHead } from './rpn.js';
import { resnetFpnExtractor, validateTrainableLayers } from './backbone-utils.js';
import { detectionWeightsEnum } from './weights.js';
import { BUILDER_OPTIONS, FASTER_RCNN_OPTIONS, FastRCNNConvFCHead, checkOptions, defaultAnchorgen, fasterRCNNParts, loadDetectionWeights,
  resolveDetectionWeights, type DetectionBuilderOptions, type FasterRCNNOptions } from './faster-rcnn.js';
import { bindOwn, classArgs, type PyRest } from '../../../args.js';

/** 3x3 convolutions (with ReLU, and a norm layer in v2) on the 14x14 pooled features. */
export class MaskRCNNHeads extends Sequential {
  static readonly _version = 2;

  constructor(inChannels: number, layers: readonly number[], dilation: number, normLayer: NormLayerFactory | null = null) {
    [inChannels, layers, dilation, normLayer = null] = bindOwn(MaskRCNNHeads, arguments) as ConstructorParameters<typeof MaskRCNNHeads>;
    const blocks: Module[] = [];
    let next = inChannels;
    for (const f of layers) {
      blocks.push(new Conv2dNormActivation(next, f, { kernelSize: 3, stride: 1, padding: dilation, dilation, normLayer }));
      next = f;
    }
    super(...blocks);
    for (const layer of this.modules()) {
      if (layer instanceof nn.Conv2d) {
        nn.init.kaimingNormal_(layer.weight, { mode: 'fan_out', nonlinearity: 'relu' });
        if (layer.bias !== null) nn.init.zeros_(layer.bias);
      }
    }
  }

  override _getName(): string { return 'MaskRCNNHeads'; }

  protected override loadFromStateDict(sd: StateDict, prefix: string, missing: string[], used: Set<string>, errors: string[]): void {
    // Version-1 checkpoints name the blocks mask_fcn1..4 as bare convolutions.
    const numBlocks = this.children().length;
    for (let i = 0; i < numBlocks; i++) {
      for (const type of ['weight', 'bias']) {
        const oldKey = `${prefix}mask_fcn${i + 1}.${type}`;
        const newKey = `${prefix}${i}.0.${type}`;
        if (oldKey in sd && !(newKey in sd)) {
          sd[newKey] = sd[oldKey]!;
          delete sd[oldKey];
        }
      }
    }
    super.loadFromStateDict(sd, prefix, missing, used, errors);
  }
}
classArgs(MaskRCNNHeads, 'torchvision.models.detection.MaskRCNNHeads', 'inChannels, layers, dilation, normLayer?');

/** A 2x transposed convolution, ReLU, then one mask logit map per class. */
export class MaskRCNNPredictor extends Sequential {
  constructor(inChannels: number, dimReduced: number, numClasses: number) {
    [inChannels, dimReduced, numClasses] = bindOwn(MaskRCNNPredictor, arguments) as ConstructorParameters<typeof MaskRCNNPredictor>;
    super(new Map<string, Module>([
      ['conv5_mask', new nn.ConvTranspose2d(inChannels, dimReduced, 2, 2, 0)],
      ['relu', new nn.ReLU({ inplace: true })],
      ['mask_fcn_logits', new nn.Conv2d(dimReduced, numClasses, 1, 1, 0)],
    ]));
    for (const [name, param] of this.namedParameters()) {
      if (name.includes('weight')) nn.init.kaimingNormal_(param, { mode: 'fan_out', nonlinearity: 'relu' });
    }
  }

  override _getName(): string { return 'MaskRCNNPredictor'; }
}
classArgs(MaskRCNNPredictor, 'torchvision.models.detection.MaskRCNNPredictor', 'inChannels, dimReduced, numClasses');

export interface MaskRCNNOptions extends FasterRCNNOptions {
  maskRoiPool?: MultiScaleRoIAlign | null;
  maskHead?: Module | null;
  maskPredictor?: Module | null;
}
export const MASK_RCNN_OPTIONS: readonly string[] = [...FASTER_RCNN_OPTIONS, 'maskRoiPool', 'maskHead', 'maskPredictor'];

export class MaskRCNN extends GeneralizedRCNN {
  constructor(backbone: Module, ...rest: PyRest<MaskRCNNOptions, ['numClasses', 'minSize', 'maxSize', 'imageMean', 'imageStd', 'rpnAnchorGenerator', 'rpnHead', 'rpnPreNmsTopNTrain', 'rpnPreNmsTopNTest', 'rpnPostNmsTopNTrain', 'rpnPostNmsTopNTest', 'rpnNmsThresh', 'rpnFgIouThresh', 'rpnBgIouThresh', 'rpnBatchSizePerImage', 'rpnPositiveFraction', 'rpnScoreThresh', 'boxRoiPool', 'boxHead', 'boxPredictor', 'boxScoreThresh', 'boxNmsThresh', 'boxDetectionsPerImg', 'boxFgIouThresh', 'boxBgIouThresh', 'boxBatchSizePerImage', 'boxPositiveFraction', 'bboxRegWeights', 'maskRoiPool', 'maskHead', 'maskPredictor']>);
  constructor(...args: unknown[]) {
    const [backbone, opts = {}] = bindOwn(MaskRCNN, args) as [Module, MaskRCNNOptions?];
    checkOptions('MaskRCNN', opts, MASK_RCNN_OPTIONS);
    if (opts.maskRoiPool != null && !(opts.maskRoiPool instanceof MultiScaleRoIAlign)) {
      throw new TypeError(`maskRoiPool should be of type MultiScaleRoIAlign or null instead of ${(opts.maskRoiPool as object).constructor?.name}`);
    }
    const numClasses = opts.numClasses ?? null;
    if (numClasses !== null && opts.maskPredictor != null) throw new TypeError('numClasses should be None when maskPredictor is specified');
    const outChannels = (backbone as { outChannels?: number }).outChannels!;
    const maskRoiPool = opts.maskRoiPool ?? new MultiScaleRoIAlign(['0', '1', '2', '3'], 14, 2);
    const maskHead = opts.maskHead ?? new MaskRCNNHeads(outChannels, [256, 256, 256, 256], 1);
    const maskPredictor = opts.maskPredictor ?? new MaskRCNNPredictor(256, 256, numClasses!);
    const { maskRoiPool: _a, maskHead: _b, maskPredictor: _c, ...rest } = opts;
    const { rpn, roiHeads, transform } = fasterRCNNParts(backbone, rest);
    super(backbone, rpn, roiHeads, transform);
    this.roi_heads.mask_roi_pool = maskRoiPool;
    this.roi_heads.mask_head = maskHead;
    this.roi_heads.mask_predictor = maskPredictor;
  }
}
classArgs(MaskRCNN, 'torchvision.models.detection.MaskRCNN', 'backbone; numClasses, minSize, maxSize, imageMean, imageStd, rpnAnchorGenerator, rpnHead, rpnPreNmsTopNTrain, rpnPreNmsTopNTest, rpnPostNmsTopNTrain, rpnPostNmsTopNTest, rpnNmsThresh, rpnFgIouThresh, rpnBgIouThresh, rpnBatchSizePerImage, rpnPositiveFraction, rpnScoreThresh, boxRoiPool, boxHead, boxPredictor, boxScoreThresh, boxNmsThresh, boxDetectionsPerImg, boxFgIouThresh, boxBgIouThresh, boxBatchSizePerImage, boxPositiveFraction, bboxRegWeights, maskRoiPool, maskHead, maskPredictor, *, sizeDivisible, fixedSize, skipResize');

export type MaskRCNNBuilderOptions = DetectionBuilderOptions & Omit<MaskRCNNOptions, 'numClasses'>;

export const MaskRCNN_ResNet50_FPN_Weights = detectionWeightsEnum('MaskRCNN_ResNet50_FPN_Weights');
export const MaskRCNN_ResNet50_FPN_V2_Weights = detectionWeightsEnum('MaskRCNN_ResNet50_FPN_V2_Weights');

const frozenBn: NormLayerFactory = (c) => new FrozenBatchNorm2d(c);
const batchNorm: NormLayerFactory = (c) => new nn.BatchNorm2d(c);

function modelOptions(opts: MaskRCNNBuilderOptions): MaskRCNNOptions {
  const o: Record<string, unknown> = { ...opts };
  for (const k of BUILDER_OPTIONS) delete o[k];
  return o as MaskRCNNOptions;
}

/** Mask R-CNN with a ResNet-50-FPN backbone (box AP 37.9, mask AP 34.6 with COCO_V1). */
export function maskrcnn_resnet50_fpn(opts: MaskRCNNBuilderOptions = {}): MaskRCNN {
  checkBuilderArity('maskrcnn_resnet50_fpn', arguments.length, opts);
  checkOptions('maskrcnn_resnet50_fpn', opts, [...BUILDER_OPTIONS, ...MASK_RCNN_OPTIONS]);
  const r = resolveDetectionWeights(MaskRCNN_ResNet50_FPN_Weights, ResNet50_Weights, opts, 'IMAGENET1K_V1');
  const tbl = validateTrainableLayers(r.isTrained, opts.trainableBackboneLayers, 5, 3);
  const normLayer = r.isTrained ? frozenBn : batchNorm;
  const backbone = resnetFpnExtractor(resnet50({ weights: r.weightsBackbone, progress: opts.progress, normLayer }), tbl);
  const model = new MaskRCNN(backbone, { ...modelOptions(opts), numClasses: r.numClasses });
  loadDetectionWeights(model, r, opts.progress, ['MaskRCNN_ResNet50_FPN_Weights.COCO_V1']);
  return model;
}

/** Mask R-CNN v2 (box AP 47.4, mask AP 41.8). */
export function maskrcnn_resnet50_fpn_v2(opts: MaskRCNNBuilderOptions = {}): MaskRCNN {
  checkBuilderArity('maskrcnn_resnet50_fpn_v2', arguments.length, opts);
  checkOptions('maskrcnn_resnet50_fpn_v2', opts, [...BUILDER_OPTIONS, ...MASK_RCNN_OPTIONS]);
  const r = resolveDetectionWeights(MaskRCNN_ResNet50_FPN_V2_Weights, ResNet50_Weights, opts, null);
  const tbl = validateTrainableLayers(r.isTrained, opts.trainableBackboneLayers, 5, 3);
  const backbone = resnetFpnExtractor(resnet50({ weights: r.weightsBackbone, progress: opts.progress }), tbl, null, null, batchNorm);
  const anchorGenerator = defaultAnchorgen();
  const rpnHead = new RPNHead(backbone.outChannels, anchorGenerator.numAnchorsPerLocation()[0]!, 2);
  const boxHead = new FastRCNNConvFCHead([backbone.outChannels, 7, 7], [256, 256, 256, 256], [1024], batchNorm);
  const maskHead = new MaskRCNNHeads(backbone.outChannels, [256, 256, 256, 256], 1, batchNorm);
  const model = new MaskRCNN(backbone, {
    ...modelOptions(opts), numClasses: r.numClasses, rpnAnchorGenerator: anchorGenerator, rpnHead, boxHead, maskHead,
  });
  loadDetectionWeights(model, r, opts.progress);
  return model;
}

registerBuilder('maskrcnn_resnet50_fpn', maskrcnn_resnet50_fpn);
registerModel('maskrcnn_resnet50_fpn', maskrcnn_resnet50_fpn, MaskRCNN_ResNet50_FPN_Weights);
registerBuilder('maskrcnn_resnet50_fpn_v2', maskrcnn_resnet50_fpn_v2);
registerModel('maskrcnn_resnet50_fpn_v2', maskrcnn_resnet50_fpn_v2, MaskRCNN_ResNet50_FPN_V2_Weights);
