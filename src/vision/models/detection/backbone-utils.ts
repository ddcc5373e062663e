// torchvision.models.detection.backbone_utils: classification networks cut into feature extractors for the
// detectors. A ResNet or MobileNet with FrozenBatchNorm2d, its early layers frozen (trainableLayers counts the
// trainable ones from the top), and a Feature Pyramid Network over the chosen stages (BackboneWithFPN).
import type { Tensor } from '../../../tensor.js';
import { Module, releaseOutput, hookMaySeeOutput } from '../../../nn/module.js';
import { Sequential } from '../../../nn/modules/container.js';
import { Conv2d } from '../../../nn/modules/conv.js';
import { FrozenBatchNorm2d, type NormLayerFactory } from '../../ops/misc.js';
import { ExtraFPNBlock, FeaturePyramidNetwork, LastLevelMaxPool } from '../../ops/feature-pyramid-network.js';
import { IntermediateLayerGetter } from '../intermediate-layer-getter.js';
import { ResNet, resnet18, resnet34, resnet50, resnet101, resnet152, resnext50_32x4d, resnext101_32x8d, resnext101_64x4d,
  wide_resnet50_2, wide_resnet101_2 } from '../resnet.js';
import { MobileNetV2, mobilenet_v2 } from '../mobilenetv2.js';
import { MobileNetV3, mobilenet_v3_large, mobilenet_v3_small } from '../mobilenetv3.js';
import type { WeightsArg } from '../weights.js';
import { bindOwn, classArgs, registerSignature, type PyRest } from '../../../args.js';

// PyTorch's argument binding (src/args.ts) for this module's functions: an extra positional argument or an
// unknown keyword is a TypeError naming it.
registerSignature(checkKeys, 'checkKeys', 'tstorch.vision.models.detection.checkKeys', 'fn, opts:dict, known');
registerSignature(mobilenetExtractor, 'mobilenetExtractor', 'tstorch.vision.models.detection.mobilenetExtractor', 'model, fpn, trainableLayers, returnedLayers?, extraBlocks?, normLayer?');
registerSignature(mobilenet_backbone, 'mobilenet_backbone', 'torchvision.models.detection.mobilenet_backbone', '; *, backboneName, weights, fpn, normLayer, trainableLayers, returnedLayers, extraBlocks');
registerSignature(resnetFpnExtractor, 'resnetFpnExtractor', 'tstorch.vision.models.detection.resnetFpnExtractor', 'backbone, trainableLayers, returnedLayers?, extraBlocks?, normLayer?');
registerSignature(resnet_fpn_backbone, 'resnet_fpn_backbone', 'torchvision.models.detection.resnet_fpn_backbone', '; *, backboneName, weights, normLayer, trainableLayers, returnedLayers, extraBlocks');
registerSignature(validateTrainableLayers, 'validateTrainableLayers', 'tstorch.vision.models.detection.validateTrainableLayers', 'isTrained, trainableBackboneLayers, maxValue, defaultValue');

const frozenBn: NormLayerFactory = (c) => new FrozenBatchNorm2d(c);

/** A backbone whose chosen layers feed a Feature Pyramid Network; `outChannels` is the FPN's width. */
/** BackboneWithFPN's keyword arguments. */
export interface BackboneWithFPNOptions { extraBlocks?: ExtraFPNBlock | null; normLayer?: NormLayerFactory | null }

export class BackboneWithFPN extends Module {
  declare body: IntermediateLayerGetter;
  declare fpn: FeaturePyramidNetwork;
  declare outChannels: number;

  constructor(backbone: Module, returnLayers: Record<string, string>, inChannelsList: readonly number[], outChannels: number,
    ...rest: PyRest<BackboneWithFPNOptions, ['extraBlocks', 'normLayer']>);
  constructor(...args: unknown[]) {
    const [backbone, returnLayers, inChannelsList, outChannels, opts = {}] = bindOwn(BackboneWithFPN, args) as
      [Module, Record<string, string>, readonly number[], number, BackboneWithFPNOptions?];
    super();
    this.body = new IntermediateLayerGetter(backbone, returnLayers);
    this.fpn = new FeaturePyramidNetwork(inChannelsList, outChannels, {
      extraBlocks: opts.extraBlocks ?? new LastLevelMaxPool(), normLayer: opts.normLayer ?? null,
    });
    Object.defineProperty(this, 'outChannels', { value: outChannels, enumerable: false, writable: true });
  }

  override forward(x: Tensor): Map<string, Tensor> {
    // The body's feature maps are freed once the FPN has consumed them, as in Python (C2 alone is 56 MB at 800 px).
    // A hook on the body or on the layer that produced a map may keep it: such a map is left to the tidy scope.
    const features = this.body.call(x) as Record<string, Tensor>;
    const out: Map<string, Tensor> = this.fpn.call(features);
    if (!hookMaySeeOutput(this.body)) {
      for (const [layer, name] of Object.entries(this.body.returnLayers)) releaseOutput(this.body.get(layer)!, features[name]);
    }
    return out;
  }
}
classArgs(BackboneWithFPN, 'torchvision.models.detection.BackboneWithFPN', 'backbone, returnLayers:dict, inChannelsList, outChannels; extraBlocks, normLayer');

const RESNETS = {
  resnet18, resnet34, resnet50, resnet101, resnet152, resnext50_32x4d, resnext101_32x8d, resnext101_64x4d, wide_resnet50_2, wide_resnet101_2,
} as const;
export type ResNetBackboneName = keyof typeof RESNETS;

export interface ResnetFpnBackboneOptions {
  backboneName: ResNetBackboneName;
  /** The classification weights of the backbone ('DEFAULT', 'IMAGENET1K_V1', a Weights member, a file, or null). */
  weights?: WeightsArg;
  normLayer?: NormLayerFactory;
  trainableLayers?: number;
  returnedLayers?: number[] | null;
  extraBlocks?: ExtraFPNBlock | null;
}

/** torchvision's resnet_fpn_backbone: a ResNet (FrozenBatchNorm2d by default) with an FPN on layers 1-4. */
export function resnet_fpn_backbone(opts: ResnetFpnBackboneOptions): BackboneWithFPN {
  [opts] = bindOwn(resnet_fpn_backbone, arguments) as Parameters<typeof resnet_fpn_backbone>;
  checkKeys('resnet_fpn_backbone', opts, ['backboneName', 'weights', 'normLayer', 'trainableLayers', 'returnedLayers', 'extraBlocks']);
  const build = RESNETS[opts.backboneName];
  if (!build) throw new RangeError(`resnet_fpn_backbone: unknown backboneName '${opts.backboneName}' (one of ${Object.keys(RESNETS).join(', ')})`);
  const backbone = build({ weights: opts.weights ?? null, normLayer: opts.normLayer ?? frozenBn });
  return resnetFpnExtractor(backbone, opts.trainableLayers ?? 3, opts.returnedLayers ?? null, opts.extraBlocks ?? null);
}

/** torchvision's _resnet_fpn_extractor: freezes all but the last `trainableLayers` of a ResNet and adds the FPN. */
export function resnetFpnExtractor(backbone: ResNet, trainableLayers: number, returnedLayers: number[] | null = null,
  extraBlocks: ExtraFPNBlock | null = null, normLayer: NormLayerFactory | null = null): BackboneWithFPN {
  [backbone, trainableLayers, returnedLayers = null, extraBlocks = null, normLayer = null] = bindOwn(resnetFpnExtractor, arguments) as Parameters<typeof resnetFpnExtractor>;
  if (!(trainableLayers >= 0 && trainableLayers <= 5)) throw new RangeError(`Trainable layers should be in the range [0,5], got ${trainableLayers}`);
  const layersToTrain = ['layer4', 'layer3', 'layer2', 'layer1', 'conv1'].slice(0, trainableLayers);
  if (trainableLayers === 5) layersToTrain.push('bn1');
  for (const [name, p] of backbone.namedParameters()) {
    if (layersToTrain.every((l) => !name.startsWith(l))) p.requiresGrad_(false);
  }
  const extra = extraBlocks ?? new LastLevelMaxPool();
  const returned = returnedLayers ?? [1, 2, 3, 4];
  if (Math.min(...returned) <= 0 || Math.max(...returned) >= 5) throw new RangeError(`Each returned layer should be in the range [1,4]. Got [${returned}]`);
  const returnLayers: Record<string, string> = {};
  returned.forEach((k, v) => { returnLayers[`layer${k}`] = String(v); });
  const inChannelsStage2 = Math.floor(backbone.inplanes / 8);
  const inChannelsList = returned.map((i) => inChannelsStage2 * 2 ** (i - 1));
  return new BackboneWithFPN(backbone, returnLayers, inChannelsList, 256, { extraBlocks: extra, normLayer });
}

/**
 * torchvision's _validate_trainable_layers: without pretrained weights every layer trains (a value given anyway
 * is overridden, with a warning, as torchvision does); with them, the default or the given count in [0, maxValue].
 */
export function validateTrainableLayers(isTrained: boolean, trainableBackboneLayers: number | null | undefined, maxValue: number,
  defaultValue: number): number {
  [isTrained, trainableBackboneLayers, maxValue, defaultValue] = bindOwn(validateTrainableLayers, arguments) as Parameters<typeof validateTrainableLayers>;
  let t = trainableBackboneLayers ?? null;
  if (!isTrained) {
    if (t !== null) {
      process.emitWarning(`Changing trainable_backbone_layers has not effect if neither pretrained nor pretrained_backbone have been set to True, falling back to trainable_backbone_layers=${maxValue} so that all layers are trainable`);
    }
    t = maxValue;
  }
  if (t === null) t = defaultValue;
  if (!(t >= 0 && t <= maxValue)) throw new RangeError(`Trainable backbone layers should be in the range [0,${maxValue}], got ${t} `);
  return t;
}

const MOBILENETS = { mobilenet_v2, mobilenet_v3_large, mobilenet_v3_small } as const;
export type MobileNetBackboneName = keyof typeof MOBILENETS;

export interface MobilenetBackboneOptions {
  backboneName: MobileNetBackboneName;
  weights?: WeightsArg;
  fpn: boolean;
  normLayer?: NormLayerFactory;
  trainableLayers?: number;
  returnedLayers?: number[] | null;
  extraBlocks?: ExtraFPNBlock | null;
}

/** torchvision's mobilenet_backbone: a MobileNet's features, with an FPN on its last two stages or a 1x1 conv to 256. */
export function mobilenet_backbone(opts: MobilenetBackboneOptions): Module {
  [opts] = bindOwn(mobilenet_backbone, arguments) as Parameters<typeof mobilenet_backbone>;
  checkKeys('mobilenet_backbone', opts, ['backboneName', 'weights', 'fpn', 'normLayer', 'trainableLayers', 'returnedLayers', 'extraBlocks']);
  const build = MOBILENETS[opts.backboneName];
  if (!build) throw new RangeError(`mobilenet_backbone: unknown backboneName '${opts.backboneName}' (one of ${Object.keys(MOBILENETS).join(', ')})`);
  const backbone = build({ weights: opts.weights ?? null, normLayer: opts.normLayer ?? frozenBn });
  return mobilenetExtractor(backbone, opts.fpn, opts.trainableLayers ?? 2, opts.returnedLayers ?? null, opts.extraBlocks ?? null);
}

/** A MobileNet's features as a Sequential with `outChannels` (the no-FPN form of mobilenet_backbone). */
export class MobileNetFeatures extends Sequential {
  declare outChannels: number;
}
classArgs(MobileNetFeatures, 'tstorch.vision.models.detection.MobileNetFeatures', '...modules'); // bound by Sequential's constructor

/** torchvision's _mobilenet_extractor. Stages start at the strided blocks (`_is_cn`); the last trainableLayers stages train. */
export function mobilenetExtractor(model: MobileNetV2 | MobileNetV3, fpn: boolean, trainableLayers: number, returnedLayers: number[] | null = null,
  extraBlocks: ExtraFPNBlock | null = null, normLayer: NormLayerFactory | null = null): Module {
  [model, fpn, trainableLayers, returnedLayers = null, extraBlocks = null, normLayer = null] = bindOwn(mobilenetExtractor, arguments) as Parameters<typeof mobilenetExtractor>;
  const backbone = model.features;
  const blocks = backbone.children();
  const stageIndices = [0, ...blocks.flatMap((b, i) => ((b as { isCn?: boolean }).isCn ? [i] : [])), blocks.length - 1];
  const numStages = stageIndices.length;
  if (!(trainableLayers >= 0 && trainableLayers <= numStages)) throw new RangeError(`Trainable layers should be in the range [0,${numStages}], got ${trainableLayers} `);
  const freezeBefore = trainableLayers === 0 ? blocks.length : stageIndices[numStages - trainableLayers]!;
  for (const b of blocks.slice(0, freezeBefore)) for (const p of b.parameters()) p.requiresGrad_(false);
  const outChannels = 256;
  const outChannelsOf = (i: number): number => (blocks[i] as unknown as { outChannels: number }).outChannels;
  if (fpn) {
    const extra = extraBlocks ?? new LastLevelMaxPool();
    const returned = returnedLayers ?? [numStages - 2, numStages - 1];
    if (Math.min(...returned) < 0 || Math.max(...returned) >= numStages) {
      throw new RangeError(`Each returned layer should be in the range [0,${numStages - 1}], got [${returned}] `);
    }
    const returnLayers: Record<string, string> = {};
    returned.forEach((k, v) => { returnLayers[String(stageIndices[k])] = String(v); });
    const inChannelsList = returned.map((i) => outChannelsOf(stageIndices[i]!));
    return new BackboneWithFPN(backbone, returnLayers, inChannelsList, outChannels, { extraBlocks: extra, normLayer });
  }
  const m = new MobileNetFeatures(backbone, new Conv2d(outChannelsOf(blocks.length - 1), outChannels, 1));
  Object.defineProperty(m, 'outChannels', { value: outChannels, enumerable: false, writable: true });
  return m;
}

/** An option the function does not know is an error naming it (no silently ignored arguments). */
export function checkKeys(fn: string, opts: object, known: readonly string[]): void {
  [fn, opts, known] = bindOwn(checkKeys, arguments) as Parameters<typeof checkKeys>;
  for (const k of Object.keys(opts)) {
    if (!known.includes(k)) throw new TypeError(`${fn}: unknown option '${k}' (known: ${known.join(', ')})`);
  }
}
