// SSDlite (MobileNetV2 paper, section 6.2; MobileNetV3 paper, section 6.3) as torchvision 0.14's
// models/detection/ssdlite.py: SSD with depthwise-separable prediction and extra blocks on a MobileNetV3-Large
// backbone cut at C4's expansion layer, and the ssdlite320_mobilenet_v3_large builder.
import { Module } from '../../../nn/module.js';
import { ModuleList, Sequential } from '../../../nn/modules/container.js';
import * as nn from '../../../nn/index.js';
import * as init from '../../../nn/init.js';
import type { Tensor } from '../../../tensor.js';
import { Conv2dNormActivation, type NormLayerFactory, type ActivationLayerFactory } from '../../ops/misc.js';
import { MobileNetV3, MobileNetV3InvertedResidual, mobilenet_v3_large, MobileNet_V3_Large_Weights } from '../mobilenetv3.js';
import { registerModel } from '../registry.js';
import { checkBuilderArity, registerBuilder } from '../builder-args.js';
import { detectionWeightsEnum } from './weights.js';
import { retrieveOutChannels } from './det-utils.js';
import { DefaultBoxGenerator } from './default-box-generator.js';
import { checkKeys, validateTrainableLayers } from './backbone-utils.js';
import { SSD, SSDScoringHead, type SSDHeadOutputs, type SSDOptions } from './ssd.js';
import { resolveDetectionWeights, loadDetectionWeights, BUILDER_OPTIONS, type DetectionBuilderOptions } from './faster-rcnn.js';
import { bindOwn, classArgs } from '../../../args.js';

const relu6: ActivationLayerFactory = (o) => new nn.ReLU6(o);

/** A 3x3 depthwise convolution (norm, ReLU6) then a 1x1 projection to the outputs: SSDlite's prediction layer. */
function predictionBlock(inChannels: number, outChannels: number, kernelSize: number, normLayer: NormLayerFactory): Sequential {
  return new Sequential(
    new Conv2dNormActivation(inChannels, inChannels, { kernelSize, groups: inChannels, normLayer, activationLayer: relu6 }),
    new nn.Conv2d(inChannels, outChannels, 1),
  );
}

/** 1x1 projection to half the outputs, 3x3 depthwise with stride 2, 1x1 projection to the outputs (all ReLU6). */
function extraBlock(inChannels: number, outChannels: number, normLayer: NormLayerFactory): Sequential {
  const intermediate = Math.floor(outChannels / 2);
  return new Sequential(
    new Conv2dNormActivation(inChannels, intermediate, { kernelSize: 1, normLayer, activationLayer: relu6 }),
    new Conv2dNormActivation(intermediate, intermediate, { kernelSize: 3, stride: 2, groups: intermediate, normLayer, activationLayer: relu6 }),
    new Conv2dNormActivation(intermediate, outChannels, { kernelSize: 1, normLayer, activationLayer: relu6 }),
  );
}

/** torchvision's _normal_init: N(0, 0.03) weights and zero biases for every Conv2d under `conv`. */
function normalInit(conv: Module): void {
  for (const layer of conv.modules()) {
    if (layer instanceof nn.Conv2d) {
      init.normal_(layer.weight, 0.0, 0.03);
      if (layer.bias) init.constant_(layer.bias, 0.0);
    }
  }
}

export class SSDLiteClassificationHead extends SSDScoringHead {
  constructor(inChannels: number[], numAnchors: number[], numClasses: number, normLayer: NormLayerFactory) {
    [inChannels, numAnchors, numClasses, normLayer] = bindOwn(SSDLiteClassificationHead, arguments) as ConstructorParameters<typeof SSDLiteClassificationHead>;
    const clsLogits = new ModuleList();
    inChannels.forEach((channels, i) => clsLogits.append(predictionBlock(channels, numClasses * numAnchors[i]!, 3, normLayer)));
    normalInit(clsLogits);
    super(clsLogits, numClasses);
  }
}
classArgs(SSDLiteClassificationHead, 'torchvision.models.detection.SSDLiteClassificationHead', 'inChannels, numAnchors, numClasses, normLayer');

export class SSDLiteRegressionHead extends SSDScoringHead {
  constructor(inChannels: number[], numAnchors: number[], normLayer: NormLayerFactory) {
    [inChannels, numAnchors, normLayer] = bindOwn(SSDLiteRegressionHead, arguments) as ConstructorParameters<typeof SSDLiteRegressionHead>;
    const bboxReg = new ModuleList();
    inChannels.forEach((channels, i) => bboxReg.append(predictionBlock(channels, 4 * numAnchors[i]!, 3, normLayer)));
    normalInit(bboxReg);
    super(bboxReg, 4);
  }
}
classArgs(SSDLiteRegressionHead, 'torchvision.models.detection.SSDLiteRegressionHead', 'inChannels, numAnchors, normLayer');

export class SSDLiteHead extends Module {
  declare classification_head: SSDLiteClassificationHead;
  declare regression_head: SSDLiteRegressionHead;

  constructor(inChannels: number[], numAnchors: number[], numClasses: number, normLayer: NormLayerFactory) {
    [inChannels, numAnchors, numClasses, normLayer] = bindOwn(SSDLiteHead, arguments) as ConstructorParameters<typeof SSDLiteHead>;
    super();
    this.classification_head = new SSDLiteClassificationHead(inChannels, numAnchors, numClasses, normLayer);
    this.regression_head = new SSDLiteRegressionHead(inChannels, numAnchors, normLayer);
  }

  override forward(x: Tensor[]): SSDHeadOutputs {
    return { bbox_regression: this.regression_head.call(x), cls_logits: this.classification_head.call(x) };
  }
}
classArgs(SSDLiteHead, 'torchvision.models.detection.SSDLiteHead', 'inChannels, numAnchors, numClasses, normLayer');

/**
 * MobileNet feature maps for SSDlite: C4's expansion layer (stride 16), the end of the backbone (stride 32) and
 * four extra blocks halving the resolution each.
 */
export class SSDLiteFeatureExtractorMobileNet extends Module {
  declare features: Sequential;
  declare extra: ModuleList;

  constructor(backbone: Sequential, c4Pos: number, normLayer: NormLayerFactory, widthMult = 1.0, minDepth = 16) {
    [backbone, c4Pos, normLayer, widthMult = 1.0, minDepth = 16] = bindOwn(SSDLiteFeatureExtractorMobileNet, arguments) as ConstructorParameters<typeof SSDLiteFeatureExtractorMobileNet>;
    super();
    const layers = backbone.children();
    const c4 = layers[c4Pos] as MobileNetV3InvertedResidual;
    if (c4.useResConnect) throw new RangeError('backbone[c4_pos].use_res_connect should be False');
    const c4Block = c4.block;
    this.features = new Sequential(
      // as described in section 6.3 of the MobileNetV3 paper
      new Sequential(...layers.slice(0, c4Pos), c4Block.children()[0]!), // from the start until C4's expansion layer
      new Sequential(c4Block.slice(1), ...layers.slice(c4Pos + 1)), // from C4's depthwise until the end
    );
    const getDepth = (d: number): number => Math.max(minDepth, Math.trunc(d * widthMult));
    const lastOut = (layers[layers.length - 1] as { outChannels?: number }).outChannels;
    if (typeof lastOut !== 'number') throw new TypeError('SSDLiteFeatureExtractorMobileNet: the last layer of the backbone must have outChannels');
    const extra = new ModuleList([
      extraBlock(lastOut, getDepth(512), normLayer),
      extraBlock(getDepth(512), getDepth(256), normLayer),
      extraBlock(getDepth(256), getDepth(256), normLayer),
      extraBlock(getDepth(256), getDepth(128), normLayer),
    ]);
    normalInit(extra);
    this.extra = extra;
  }

  override forward(x: Tensor): Map<string, Tensor> {
    const output: Tensor[] = [];
    for (const block of this.features.children()) {
      x = block.call(x);
      output.push(x);
    }
    for (const block of this.extra.children()) {
      x = block.call(x);
      output.push(x);
    }
    return new Map(output.map((v, i) => [String(i), v]));
  }
}
classArgs(SSDLiteFeatureExtractorMobileNet, 'torchvision.models.detection.SSDLiteFeatureExtractorMobileNet', 'backbone, c4Pos, normLayer, widthMult?, minDepth?');

/** torchvision's ssdlite._mobilenet_extractor: freezes all but the last `trainableLayers` stages, cuts at C4. */
export function ssdliteMobilenetExtractor(backbone: MobileNetV3, trainableLayers: number, normLayer: NormLayerFactory): SSDLiteFeatureExtractorMobileNet {
  const features = backbone.features;
  const layers = features.children();
  // the strided blocks start the stages C1 ... Cn-1; the first and last layers are C0 and Cn
  const stageIndices = [0, ...layers.flatMap((b, i) => ((b as { isCn?: boolean }).isCn ? [i] : [])), layers.length - 1];
  const numStages = stageIndices.length;
  if (!(trainableLayers >= 0 && trainableLayers <= numStages)) {
    throw new RangeError(`trainable_layers should be in the range [0, ${numStages}], instead got ${trainableLayers}`);
  }
  const freezeBefore = trainableLayers === 0 ? layers.length : stageIndices[numStages - trainableLayers]!;
  for (const b of layers.slice(0, freezeBefore)) for (const p of b.parameters()) p.requiresGrad_(false);
  return new SSDLiteFeatureExtractorMobileNet(features, stageIndices[stageIndices.length - 2]!, normLayer);
}

export const SSDLite320_MobileNet_V3_Large_Weights = detectionWeightsEnum('SSDLite320_MobileNet_V3_Large_Weights');

export interface SSDLite320BuilderOptions extends DetectionBuilderOptions, SSDOptions {
  /** The backbone's and the heads' normalisation (default BatchNorm2d with eps 0.001, momentum 0.03). */
  normLayer?: NormLayerFactory | null;
}

const SSDLITE_SSD_OPTIONS = ['imageMean', 'imageStd', 'scoreThresh', 'nmsThresh', 'detectionsPerImg', 'iouThresh', 'topkCandidates', 'positiveFraction', 'skipResize'];

export function ssdlite320_mobilenet_v3_large(opts: SSDLite320BuilderOptions = {}): SSD {
  checkBuilderArity('ssdlite320_mobilenet_v3_large', arguments.length, opts);
  if ('size' in opts) throw new TypeError("ssdlite320_mobilenet_v3_large: the size of the model is fixed (320x320); option 'size' cannot be used");
  checkKeys('ssdlite320_mobilenet_v3_large', opts, [...BUILDER_OPTIONS, 'normLayer', ...SSDLITE_SSD_OPTIONS]);
  const { weights: _w, progress, numClasses: _n, weightsBackbone: _wb, trainableBackboneLayers, normLayer: nl, ...kwargs } = opts;
  const r = resolveDetectionWeights(SSDLite320_MobileNet_V3_Large_Weights, MobileNet_V3_Large_Weights, opts, 'IMAGENET1K_V1');
  const { numClasses, weightsBackbone } = r;
  const trainable = validateTrainableLayers(r.isTrained, trainableBackboneLayers ?? null, 6, 6);
  // the reduced tail when no pretrained backbone is selected (Table 6 of the MobileNetV3 paper)
  const reducedTail = weightsBackbone === null;
  const normLayer: NormLayerFactory = nl ?? ((c) => new nn.BatchNorm2d(c, { eps: 0.001, momentum: 0.03 }));
  const mobilenet = mobilenet_v3_large({ weights: weightsBackbone, progress, normLayer, reducedTail });
  // a different initialisation when not pretrained
  if (weightsBackbone === null) normalInit(mobilenet);
  const backbone = ssdliteMobilenetExtractor(mobilenet, trainable, normLayer);
  const size: [number, number] = [320, 320];
  const anchorGenerator = new DefaultBoxGenerator(Array.from({ length: 6 }, () => [2, 3]), { minRatio: 0.2, maxRatio: 0.95 });
  const outChannels = retrieveOutChannels(backbone, size);
  const numAnchors = anchorGenerator.numAnchorsPerLocation();
  if (outChannels.length !== anchorGenerator.aspectRatios.length) {
    throw new RangeError(`The length of the output channels from the backbone ${outChannels.length} do not match the length of the anchor generator aspect ratios ${anchorGenerator.aspectRatios.length}`);
  }
  const model = new SSD(backbone, anchorGenerator, size, numClasses, {
    scoreThresh: 0.001,
    nmsThresh: 0.55,
    detectionsPerImg: 300,
    topkCandidates: 300,
    // rescale the input from [0, 1] to [-1, 1]
    imageMean: [0.5, 0.5, 0.5],
    imageStd: [0.5, 0.5, 0.5],
    ...kwargs,
    head: new SSDLiteHead(outChannels, numAnchors, numClasses, normLayer),
  });
  loadDetectionWeights(model, r, progress);
  return model;
}

registerBuilder('ssdlite320_mobilenet_v3_large', ssdlite320_mobilenet_v3_large);
registerModel('ssdlite320_mobilenet_v3_large', ssdlite320_mobilenet_v3_large as never, SSDLite320_MobileNet_V3_Large_Weights);
