// What `tstorch detect` and `tstorch finetune --task detection` need to know about each family of torchvision's
// detectors, which differ in where they keep their classes: the R-CNNs in roi_heads.box_predictor, RetinaNet and
// FCOS in the cls_logits conv of head.classification_head, SSD and SSDlite in the per-level convs of
// head.classification_head.module_list. Also the name of each family's score-threshold option and its default.
import { existsSync } from 'node:fs';
import * as torch from '../index.js';
import * as vision from '../vision/index.js';
import { UserError } from '../cli/errors.js';
import * as nn from '../nn/index.js';
import * as init from '../nn/init.js';

export type DetectorFamily = 'rcnn' | 'retinanet' | 'fcos' | 'ssd' | 'ssdlite';

/** The family of a torchvision detection builder's name, or null for a name that is not a detector. */
export function detectorFamily(name: string): DetectorFamily | null {
  if (/^(fasterrcnn|maskrcnn|keypointrcnn)_/.test(name)) return 'rcnn';
  if (name.startsWith('retinanet_')) return 'retinanet';
  if (name.startsWith('fcos_')) return 'fcos';
  if (name.startsWith('ssdlite')) return 'ssdlite';
  if (name.startsWith('ssd')) return 'ssd';
  return null;
}

/**
 * The builder option that drops low-scoring detections before NMS, as torchvision names it for the family, and its
 * default in torchvision 0.14 (box_score_thresh for the R-CNNs; score_thresh for RetinaNet, FCOS and SSD, which
 * ssdlite320_mobilenet_v3_large's builder lowers to 0.001).
 */
const SCORE_THRESH: Record<DetectorFamily, [option: string, dflt: number]> = {
  rcnn: ['boxScoreThresh', 0.05],
  retinanet: ['scoreThresh', 0.05],
  fcos: ['scoreThresh', 0.2],
  ssd: ['scoreThresh', 0.01],
  ssdlite: ['scoreThresh', 0.001],
};

/**
 * Builder options under which the model keeps every detection scoring above `thresh`: the family's threshold lowered
 * to `thresh` where the default is higher (a higher default would hide detections a lower --score-thresh asks for;
 * a lower one only passes boxes that the caller's own filter then drops, and cannot change the boxes NMS keeps above it).
 */
export function scoreThreshOptions(family: DetectorFamily, thresh: number): Record<string, number> {
  const [option, dflt] = SCORE_THRESH[family];
  return { [option]: Math.min(dflt, thresh) };
}

/** The state-dict keys of a family's class scores, and of its box regression (4 numbers per anchor) beside it. */
const CLASS_KEYS: Record<Exclude<DetectorFamily, 'rcnn'>, [cls: string, reg: string]> = {
  retinanet: ['head.classification_head.cls_logits.weight', 'head.regression_head.bbox_reg.weight'],
  fcos: ['head.classification_head.cls_logits.weight', 'head.regression_head.bbox_reg.weight'],
  ssd: ['head.classification_head.module_list.0.weight', 'head.regression_head.module_list.0.weight'],
  ssdlite: ['head.classification_head.module_list.0.1.weight', 'head.regression_head.module_list.0.1.weight'],
};

/**
 * The number of classes (background included) a state dict of the family was trained for. The single-stage heads
 * have anchors x classes output channels; the anchors per location are the regression conv's channels / 4.
 * Throws an Error naming the missing key or the shapes that do not divide.
 */
export function stateDictNumClasses(sd: Record<string, torch.Tensor>, family: DetectorFamily): number {
  if (family === 'rcnn') {
    const cls = sd['roi_heads.box_predictor.cls_score.weight'];
    if (!cls) throw new Error("no key 'roi_heads.box_predictor.cls_score.weight'");
    return cls.shape[0]!;
  }
  const [clsKey, regKey] = CLASS_KEYS[family];
  const cls = sd[clsKey];
  const reg = sd[regKey];
  if (!cls) throw new Error(`no key '${clsKey}'`);
  if (!reg) throw new Error(`no key '${regKey}'`);
  const anchors = reg.shape[0]! / 4;
  const numClasses = cls.shape[0]! / anchors;
  if (!Number.isInteger(anchors) || anchors < 1 || !Number.isInteger(numClasses) || numClasses < 1) {
    throw new Error(`'${clsKey}' has ${cls.shape[0]} output channels, not a multiple of the ${reg.shape[0]} / 4 anchors of '${regKey}'`);
  }
  return numClasses;
}

/**
 * A detector checkpoint file read for `command` ('detect', 'finetune'): its state dict and the builder options its
 * heads need (a fine-tuned file has as many classes as its class predictor's outputs, a keypoint R-CNN as many
 * keypoints as its keypoint maps). Errors are UserErrors naming the file.
 */
export function readDetectorCheckpoint(path: string, model: string, family: DetectorFamily, command: string):
  { stateDict: Record<string, torch.Tensor>; options: { numClasses: number; numKeypoints?: number } } {
  if (!existsSync(path)) throw new UserError(`${command}: checkpoint file '${path}' does not exist`);
  let sd: unknown;
  try {
    sd = torch.load(path);
  } catch (e) {
    throw new UserError(`${command}: '${path}' is not a PyTorch checkpoint: ${(e as Error).message.split('\n')[0]}`);
  }
  if (sd === null || typeof sd !== 'object' || Object.values(sd).some((v) => !(v instanceof torch.Tensor))) {
    throw new UserError(`${command}: '${path}' does not hold a state dict (a dict of tensors)`);
  }
  const stateDict = sd as Record<string, torch.Tensor>;
  let numClasses: number;
  try {
    numClasses = stateDictNumClasses(stateDict, family);
  } catch (e) {
    throw new UserError(`${command}: checkpoint '${path}' does not fit ${model}: ${(e as Error).message}`);
  }
  const kps = stateDict['roi_heads.keypoint_predictor.kps_score_lowres.weight'];
  return { stateDict, options: kps && model.startsWith('keypoint') ? { numClasses, numKeypoints: kps.shape[1]! } : { numClasses } };
}

type Det = typeof vision.models.detection;

/**
 * Swaps the model's class predictor for one with `numClasses` outputs (background included), the way torchvision's
 * fine-tuning recipes do: the R-CNNs get a new FastRCNNPredictor (and MaskRCNNPredictor), RetinaNet and FCOS a new
 * cls_logits conv under the trained conv tower (N(0, 0.01) weights, the prior-probability 0.01 bias, as their
 * classification heads initialise it), SSD and SSDlite a new classification head on the same feature maps and anchors.
 */
export function replaceClassPredictor(model: torch.nn.Module, name: string, numClasses: number): void {
  const det: Det = vision.models.detection;
  const family = detectorFamily(name);
  if (family === 'rcnn') {
    const heads = (model as unknown as { roi_heads: InstanceType<Det['RoIHeads']> }).roi_heads;
    const inFeatures = (heads.box_predictor as InstanceType<Det['FastRCNNPredictor']>).cls_score.inFeatures;
    heads.box_predictor = new det.FastRCNNPredictor(inFeatures, numClasses);
    if (name.startsWith('maskrcnn')) heads.mask_predictor = new det.MaskRCNNPredictor(256, 256, numClasses);
    return;
  }
  if (family === 'retinanet' || family === 'fcos') {
    const head = (model as unknown as { head: { classification_head: InstanceType<Det['RetinaNetClassificationHead']> | InstanceType<Det['FCOSClassificationHead']> } }).head.classification_head;
    const old = head.cls_logits;
    const clsLogits = new nn.Conv2d(old.inChannels, head.numAnchors * numClasses, 3, { stride: 1, padding: 1 });
    const priorProbability = 0.01;
    init.normal_(clsLogits.weight, 0, 0.01);
    init.constant_(clsLogits.bias!, -Math.log((1 - priorProbability) / priorProbability));
    head.cls_logits = clsLogits;
    head.numClasses = numClasses;
    return;
  }
  if (family === 'ssd' || family === 'ssdlite') {
    const ssd = model as unknown as InstanceType<Det['SSD']>;
    const head = ssd.head as unknown as { classification_head: InstanceType<Det['SSDScoringHead']> };
    // the input channels of each level's prediction block: its first conv's
    const inChannels = head.classification_head.module_list.children().map((block) => {
      const conv = block.modules().find((m): m is InstanceType<typeof nn.Conv2d> => m instanceof nn.Conv2d);
      if (!conv) throw new Error(`${name}: a classification block without a Conv2d`);
      return conv.inChannels;
    });
    const numAnchors = ssd.anchor_generator.numAnchorsPerLocation();
    head.classification_head = family === 'ssd'
      ? new det.SSDClassificationHead(inChannels, numAnchors, numClasses)
      // ssdlite320_mobilenet_v3_large's norm layer
      : new det.SSDLiteClassificationHead(inChannels, numAnchors, numClasses, (c) => new nn.BatchNorm2d(c, { eps: 0.001, momentum: 0.03 }));
    return;
  }
  throw new Error(`'${name}' is not a torchvision detection model`);
}
