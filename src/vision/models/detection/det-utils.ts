// torchvision.models.detection._utils: the pieces every detector shares. BoxCoder (Faster R-CNN's box
// parameterisation), BoxLinearCoder (FCOS's), Matcher and SSDMatcher (anchors to ground truth by IoU),
// BalancedPositiveNegativeSampler (fixed-size, fixed-fraction training samples, drawn with torch.randperm so that
// the same seed draws the same samples as torchvision), overwriteEps, retrieveOutChannels, boxLoss, topkMin.
// Every expression follows torchvision 0.14's order of operations so that float32 results are bit-equal.
import { Tensor } from '../../../tensor.js';
import { arange, cat, randperm, scalarTensor, stack, tensor, zeros, zerosLike } from '../../../creation.js';
import type { Module } from '../../../nn/module.js';
import { noGrad } from '../../../autograd/grad-mode.js';
import { l1Loss, smoothL1Loss } from '../../../nn/functional/loss.js';
import { FrozenBatchNorm2d } from '../../ops/misc.js';
import { batchedNms, clipBoxesToImage } from '../../ops/boxes.js';
import { completeBoxIouLoss } from '../../ops/ciou-loss.js';
import { distanceBoxIouLoss } from '../../ops/diou-loss.js';
import { generalizedBoxIouLoss } from '../../ops/giou-loss.js';
import { featureEntries, type FeatureMaps } from '../../ops/poolers.js';
import { bindOwn, classArgs, registerSignature } from '../../../args.js';

// PyTorch's argument binding (src/args.ts) for this module's functions: an extra positional argument or an
// unknown keyword is a TypeError naming it.
registerSignature(boxLoss, 'boxLoss', 'tstorch.vision.models.detection.boxLoss', 'type, boxCoder, anchorsPerImage, matchedGtBoxesPerImage, bboxRegressionPerImage; *, beta, eps');
registerSignature(encodeBoxes, 'encodeBoxes', 'torchvision.models.detection.encode_boxes', 'referenceBoxes, proposals, weights');
registerSignature(overwriteEps, 'overwriteEps', 'torchvision.models.detection.overwrite_eps', 'model, eps');
registerSignature(retrieveOutChannels, 'retrieveOutChannels', 'torchvision.models.detection.retrieve_out_channels', 'model, size');
registerSignature(topkMin, 'topkMin', 'tstorch.vision.models.detection.topkMin', 'input, origKval, axis');

/** Samples a fixed number of elements per image with a fixed proportion of positives (matched index >= 1). */
export class BalancedPositiveNegativeSampler {
  readonly batchSizePerImage: number;
  readonly positiveFraction: number;
  constructor(batchSizePerImage: number, positiveFraction: number) {
    [batchSizePerImage, positiveFraction] = bindOwn(BalancedPositiveNegativeSampler, arguments) as ConstructorParameters<typeof BalancedPositiveNegativeSampler>;
    this.batchSizePerImage = batchSizePerImage;
    this.positiveFraction = positiveFraction;
  }

  /**
   * matchedIdxs: per image, -1 (ignore), 0 (negative) or >= 1 (positive). Returns per image two uint8 masks:
   * the positives selected and the negatives selected.
   */
  call(matchedIdxs: readonly Tensor[]): [Tensor[], Tensor[]] {
    const posIdx: Tensor[] = [];
    const negIdx: Tensor[] = [];
    for (const m of matchedIdxs) {
      const positive = m.ge(1).nonzero().select(1, 0);
      const negative = m.eq(0).nonzero().select(1, 0);
      let numPos = Math.trunc(this.batchSizePerImage * this.positiveFraction);
      numPos = Math.min(positive.numel(), numPos);
      let numNeg = this.batchSizePerImage - numPos;
      numNeg = Math.min(negative.numel(), numNeg);
      // Two draws per image, positives first: torchvision's generator calls, in its order.
      const perm1 = randperm(positive.numel()).slice(0, 0, numPos);
      const perm2 = randperm(negative.numel()).slice(0, 0, numNeg);
      const posMask = zerosLike(m, { dtype: 'uint8' });
      const negMask = zerosLike(m, { dtype: 'uint8' });
      posMask.indexPut_([positive.index(perm1)], 1);
      negMask.indexPut_([negative.index(perm2)], 1);
      posIdx.push(posMask);
      negIdx.push(negMask);
    }
    return [posIdx, negIdx];
  }
}
classArgs(BalancedPositiveNegativeSampler, 'torchvision.models.detection.BalancedPositiveNegativeSampler', 'batchSizePerImage, positiveFraction');

/** torchvision's encode_boxes: the (dx, dy, dw, dh) of `referenceBoxes` relative to `proposals`, weighted. */
export function encodeBoxes(referenceBoxes: Tensor, proposals: Tensor, weights: Tensor): Tensor {
  [referenceBoxes, proposals, weights] = bindOwn(encodeBoxes, arguments) as Parameters<typeof encodeBoxes>;
  const [wx, wy, ww, wh] = [0, 1, 2, 3].map((i) => weights.select(0, i)) as [Tensor, Tensor, Tensor, Tensor];
  const col = (t: Tensor, i: number): Tensor => t.select(1, i).unsqueeze(1);
  const px1 = col(proposals, 0), py1 = col(proposals, 1), px2 = col(proposals, 2), py2 = col(proposals, 3);
  const rx1 = col(referenceBoxes, 0), ry1 = col(referenceBoxes, 1), rx2 = col(referenceBoxes, 2), ry2 = col(referenceBoxes, 3);
  const exWidths = px2.sub(px1);
  const exHeights = py2.sub(py1);
  const exCtrX = px1.add(exWidths.mul(0.5));
  const exCtrY = py1.add(exHeights.mul(0.5));
  const gtWidths = rx2.sub(rx1);
  const gtHeights = ry2.sub(ry1);
  const gtCtrX = rx1.add(gtWidths.mul(0.5));
  const gtCtrY = ry1.add(gtHeights.mul(0.5));
  const dx = wx.mul(gtCtrX.sub(exCtrX)).div(exWidths);
  const dy = wy.mul(gtCtrY.sub(exCtrY)).div(exHeights);
  const dw = ww.mul(gtWidths.div(exWidths).log());
  const dh = wh.mul(gtHeights.div(exHeights).log());
  return cat([dx, dy, dw, dh], 1);
}

/** Encodes boxes as offsets from reference boxes and decodes them back (Faster R-CNN's parameterisation). */
export class BoxCoder {
  readonly weights: [number, number, number, number];
  /** Largest dw/dh decoded, so that exp() cannot overflow: log(1000/16) by default. */
  readonly bboxXformClip: number;

  constructor(weights: readonly number[], bboxXformClip = Math.log(1000.0 / 16)) {
    [weights, bboxXformClip = Math.log(1000.0 / 16)] = bindOwn(BoxCoder, arguments) as ConstructorParameters<typeof BoxCoder>;
    if (weights.length !== 4) throw new RangeError(`BoxCoder: weights must have 4 elements, got ${weights.length}`);
    this.weights = [weights[0]!, weights[1]!, weights[2]!, weights[3]!];
    this.bboxXformClip = bboxXformClip;
  }

  encode(referenceBoxes: readonly Tensor[], proposals: readonly Tensor[]): Tensor[] {
    const boxesPerImage = referenceBoxes.map((b) => b.shape[0]!);
    const targets = this.encodeSingle(cat(referenceBoxes, 0), cat(proposals, 0));
    return targets.split(boxesPerImage, 0);
  }

  encodeSingle(referenceBoxes: Tensor, proposals: Tensor): Tensor {
    const weights = tensor(this.weights, { dtype: referenceBoxes.dtype, device: referenceBoxes.device });
    return encodeBoxes(referenceBoxes, proposals, weights);
  }

  /** relCodes [sum(boxes), K*4] against the boxes of every image: [sum(boxes), K, 4]. */
  decode(relCodes: Tensor, boxes: readonly Tensor[]): Tensor {
    if (!Array.isArray(boxes)) throw new TypeError('BoxCoder.decode expects boxes as an array of tensors');
    if (!(relCodes instanceof Tensor)) throw new TypeError('BoxCoder.decode expects relCodes as a Tensor');
    const boxSum = boxes.reduce((s, b) => s + b.shape[0]!, 0);
    const concat = cat(boxes, 0);
    if (boxSum > 0) relCodes = relCodes.reshape(boxSum, -1);
    let pred = this.decodeSingle(relCodes, concat);
    if (boxSum > 0) pred = pred.reshape(boxSum, -1, 4);
    return pred;
  }

  decodeSingle(relCodes: Tensor, boxes: Tensor): Tensor {
    boxes = boxes.to(relCodes.dtype);
    const widths = boxes.select(1, 2).sub(boxes.select(1, 0));
    const heights = boxes.select(1, 3).sub(boxes.select(1, 1));
    const ctrX = boxes.select(1, 0).add(widths.mul(0.5));
    const ctrY = boxes.select(1, 1).add(heights.mul(0.5));
    const [wx, wy, ww, wh] = this.weights;
    const dx = relCodes.slice(1, 0, null, 4).div(wx);
    const dy = relCodes.slice(1, 1, null, 4).div(wy);
    let dw = relCodes.slice(1, 2, null, 4).div(ww);
    let dh = relCodes.slice(1, 3, null, 4).div(wh);
    dw = dw.clamp(null, this.bboxXformClip);
    dh = dh.clamp(null, this.bboxXformClip);
    const predCtrX = dx.mul(widths.unsqueeze(1)).add(ctrX.unsqueeze(1));
    const predCtrY = dy.mul(heights.unsqueeze(1)).add(ctrY.unsqueeze(1));
    const predW = dw.exp().mul(widths.unsqueeze(1));
    const predH = dh.exp().mul(heights.unsqueeze(1));
    const half = scalarTensor(0.5, { dtype: predCtrX.dtype });
    const cToCH = half.mul(predH);
    const cToCW = half.mul(predW);
    return stack([predCtrX.sub(cToCW), predCtrY.sub(cToCH), predCtrX.add(cToCW), predCtrY.add(cToCH)], 2).flatten(1);
  }
}
classArgs(BoxCoder, 'torchvision.models.detection.BoxCoder', 'weights, bboxXformClip?');

/** FCOS's box coding: distances from the centre of the reference box to the four edges of the target box. */
export class BoxLinearCoder {
  readonly normalizeBySize: boolean;
  constructor(normalizeBySize = true) {
    [normalizeBySize = true] = bindOwn(BoxLinearCoder, arguments) as ConstructorParameters<typeof BoxLinearCoder>;
    this.normalizeBySize = normalizeBySize;
  }

  encode(referenceBoxes: Tensor, proposals: Tensor): Tensor {
    const c = (t: Tensor, i: number): Tensor => t.select(-1, i);
    const ctrX = c(referenceBoxes, 0).add(c(referenceBoxes, 2)).mul(0.5);
    const ctrY = c(referenceBoxes, 1).add(c(referenceBoxes, 3)).mul(0.5);
    let targets = stack([ctrX.sub(c(proposals, 0)), ctrY.sub(c(proposals, 1)), c(proposals, 2).sub(ctrX), c(proposals, 3).sub(ctrY)], -1);
    if (this.normalizeBySize) {
      const w = c(referenceBoxes, 2).sub(c(referenceBoxes, 0));
      const h = c(referenceBoxes, 3).sub(c(referenceBoxes, 1));
      targets = targets.div(stack([w, h, w, h], -1));
    }
    return targets;
  }

  decode(relCodes: Tensor, boxes: Tensor): Tensor {
    boxes = boxes.to(relCodes.dtype);
    const c = (t: Tensor, i: number): Tensor => t.select(-1, i);
    const ctrX = c(boxes, 0).add(c(boxes, 2)).mul(0.5);
    const ctrY = c(boxes, 1).add(c(boxes, 3)).mul(0.5);
    if (this.normalizeBySize) {
      const w = c(boxes, 2).sub(c(boxes, 0));
      const h = c(boxes, 3).sub(c(boxes, 1));
      relCodes = relCodes.mul(stack([w, h, w, h], -1));
    }
    return stack([ctrX.sub(c(relCodes, 0)), ctrY.sub(c(relCodes, 1)), ctrX.add(c(relCodes, 2)), ctrY.add(c(relCodes, 3))], -1);
  }
}
classArgs(BoxLinearCoder, 'torchvision.models.detection.BoxLinearCoder', 'normalizeBySize?');

/**
 * Assigns each prediction (column of an M x N quality matrix, e.g. IoU of M ground-truth boxes with N anchors)
 * the ground truth it matches best: its index when the quality is >= highThreshold, BELOW_LOW_THRESHOLD (-1)
 * below lowThreshold, BETWEEN_THRESHOLDS (-2) between. With allowLowQualityMatches, each ground truth also keeps
 * the predictions that overlap it most, whatever the thresholds.
 */
export class Matcher {
  static readonly BELOW_LOW_THRESHOLD = -1;
  static readonly BETWEEN_THRESHOLDS = -2;
  readonly BELOW_LOW_THRESHOLD = -1;
  readonly BETWEEN_THRESHOLDS = -2;

  readonly highThreshold: number;
  readonly lowThreshold: number;
  readonly allowLowQualityMatches: boolean;
  constructor(highThreshold: number, lowThreshold: number, allowLowQualityMatches = false) {
    [highThreshold, lowThreshold, allowLowQualityMatches = false] = bindOwn(Matcher, arguments) as ConstructorParameters<typeof Matcher>;
    this.highThreshold = highThreshold;
    this.lowThreshold = lowThreshold;
    this.allowLowQualityMatches = allowLowQualityMatches;
    if (!(lowThreshold <= highThreshold)) throw new RangeError('low_threshold should be <= high_threshold');
  }

  call(matchQualityMatrix: Tensor): Tensor {
    if (matchQualityMatrix.numel() === 0) {
      if (matchQualityMatrix.shape[0] === 0) throw new RangeError('No ground-truth boxes available for one of the images during training');
      throw new RangeError('No proposal boxes available for one of the images during training');
    }
    const { values: matchedVals, indices: matches } = matchQualityMatrix.max(0);
    const allMatches = this.allowLowQualityMatches ? matches.clone() : null;
    const belowLow = matchedVals.lt(this.lowThreshold);
    const between = matchedVals.ge(this.lowThreshold).logicalAnd(matchedVals.lt(this.highThreshold));
    matches.indexPut_([belowLow], this.BELOW_LOW_THRESHOLD);
    matches.indexPut_([between], this.BETWEEN_THRESHOLDS);
    if (allMatches !== null) this.setLowQualityMatches_(matches, allMatches, matchQualityMatrix);
    return matches;
  }

  /** For each ground truth, its best predictions (ties included) take their best match back. */
  setLowQualityMatches_(matches: Tensor, allMatches: Tensor, matchQualityMatrix: Tensor): void {
    const highest = matchQualityMatrix.max(1).values;
    const pairs = matchQualityMatrix.eq(highest.unsqueeze(1)).nonzero();
    const predIndsToUpdate = pairs.select(1, 1);
    matches.indexPut_([predIndsToUpdate], allMatches.index(predIndsToUpdate));
  }
}
classArgs(Matcher, 'torchvision.models.detection.Matcher', 'highThreshold, lowThreshold, allowLowQualityMatches?');

/** SSD's matcher: one threshold, and every ground truth is the match of its best prediction. */
export class SSDMatcher extends Matcher {
  constructor(threshold: number) {
    [threshold] = bindOwn(SSDMatcher, arguments) as ConstructorParameters<typeof SSDMatcher>;
    super(threshold, threshold, false);
  }

  override call(matchQualityMatrix: Tensor): Tensor {
    const matches = super.call(matchQualityMatrix);
    const highestQualityPredForeachGt = matchQualityMatrix.max(1).indices;
    matches.indexPut_([highestQualityPredForeachGt], arange(highestQualityPredForeachGt.shape[0]!, { dtype: 'int64' }));
    return matches;
  }
}
classArgs(SSDMatcher, 'torchvision.models.detection.SSDMatcher', 'threshold');

/**
 * Sets the eps of every FrozenBatchNorm2d in the model: torchvision's older detection checkpoints were trained
 * with eps 0 (before pytorch/vision#2933), so their builders set it back when those weights are loaded.
 */
export function overwriteEps(model: Module, eps: number): void {
  [model, eps] = bindOwn(overwriteEps, arguments) as Parameters<typeof overwriteEps>;
  for (const m of model.modules()) if (m instanceof FrozenBatchNorm2d) m.eps = eps;
}

/** The channel counts of a backbone's outputs, from one forward pass of zeros of size [width, height], in eval mode. */
export function retrieveOutChannels(model: Module, size: readonly [number, number]): number[] {
  [model, size] = bindOwn(retrieveOutChannels, arguments) as Parameters<typeof retrieveOutChannels>;
  const inTraining = model.training;
  model.eval();
  try {
    return noGrad(() => {
      const tmp = zeros([1, 3, size[1], size[0]]);
      const features = model.call(tmp) as Tensor | FeatureMaps;
      if (features instanceof Tensor) return [features.shape[1]!];
      return featureEntries(features).map(([, v]) => v.shape[1]!);
    });
  } finally {
    if (inTraining) model.train();
  }
}

/** min(k, input.size(axis)): torchvision's _topk_min outside tracing. */
export function topkMin(input: Tensor, origKval: number, axis: number): number {
  [input, origKval, axis] = bindOwn(topkMin, arguments) as Parameters<typeof topkMin>;
  return Math.min(origKval, input.shape.at(axis)!);
}

export type BoxLossType = 'l1' | 'smooth_l1' | 'ciou' | 'diou' | 'giou';

/** torchvision's _box_loss: the summed box regression loss of one image, of the given type. */
export function boxLoss(type: BoxLossType, boxCoder: BoxCoder, anchorsPerImage: Tensor, matchedGtBoxesPerImage: Tensor,
  bboxRegressionPerImage: Tensor, cnf: { beta?: number; eps?: number } | null = null): Tensor {
  [type, boxCoder, anchorsPerImage, matchedGtBoxesPerImage, bboxRegressionPerImage, cnf = null] = bindOwn(boxLoss, arguments) as Parameters<typeof boxLoss>;
  if (!['l1', 'smooth_l1', 'ciou', 'diou', 'giou'].includes(type)) throw new RangeError(`Unsupported loss: ${type}`);
  if (type === 'l1') {
    const target = boxCoder.encodeSingle(matchedGtBoxesPerImage, anchorsPerImage);
    return l1Loss(bboxRegressionPerImage, target, { reduction: 'sum' });
  }
  if (type === 'smooth_l1') {
    const target = boxCoder.encodeSingle(matchedGtBoxesPerImage, anchorsPerImage);
    return smoothL1Loss(bboxRegressionPerImage, target, { reduction: 'sum', beta: cnf?.beta ?? 1.0 });
  }
  const bboxPerImage = boxCoder.decodeSingle(bboxRegressionPerImage, anchorsPerImage);
  const eps = cnf?.eps ?? 1e-7;
  if (type === 'ciou') return completeBoxIouLoss(bboxPerImage, matchedGtBoxesPerImage, { reduction: 'sum', eps });
  if (type === 'diou') return distanceBoxIouLoss(bboxPerImage, matchedGtBoxesPerImage, { reduction: 'sum', eps });
  return generalizedBoxIouLoss(bboxPerImage, matchedGtBoxesPerImage, { reduction: 'sum', eps });
}

/** The per-level inputs of selectSingleStageDetections, for one image. */
export interface SingleStageLevel {
  /** [anchors, classes] scores of this level (after the sigmoid; FCOS folds its centerness in). */
  scores: Tensor;
  /** [anchors, 4] box regression of this level. */
  boxRegression: Tensor;
  /** [anchors, 4] anchors of this level. */
  anchors: Tensor;
}

/**
 * One image's detections, as RetinaNet's and FCOS's postprocess_detections compute them (torchvision repeats the
 * same steps in both; they differ only in the score and the box decoding, which the caller passes). Per level:
 * drop scores at or below scoreThresh, keep the top-k, decode the kept anchors' boxes and clip them to the image;
 * then one batched NMS over all levels, keeping the best detectionsPerImg.
 */
export function selectSingleStageDetections(
  levels: readonly SingleStageLevel[], decode: (relCodes: Tensor, anchors: Tensor) => Tensor, imageShape: readonly number[],
  o: { scoreThresh: number; topkCandidates: number; nmsThresh: number; detectionsPerImg: number },
): { boxes: Tensor; scores: Tensor; labels: Tensor } {
  const imageBoxes: Tensor[] = [];
  const imageScores: Tensor[] = [];
  const imageLabels: Tensor[] = [];
  for (const { scores, boxRegression, anchors } of levels) {
    const numClasses = scores.shape.at(-1)!;
    // remove low scoring boxes
    let scoresPerLevel = scores.flatten();
    const keepIdxs = scoresPerLevel.gt(o.scoreThresh);
    scoresPerLevel = scoresPerLevel.index(keepIdxs);
    let topkIdxs = keepIdxs.nonzero().select(1, 0);
    // keep only the top-k scoring predictions
    const top = scoresPerLevel.topk(topkMin(topkIdxs, o.topkCandidates, 0));
    scoresPerLevel = top.values;
    topkIdxs = topkIdxs.index(top.indices);
    const anchorIdxs = topkIdxs.div(numClasses, { roundingMode: 'floor' });
    imageLabels.push(topkIdxs.remainder(numClasses));
    imageBoxes.push(clipBoxesToImage(decode(boxRegression.index(anchorIdxs), anchors.index(anchorIdxs)), imageShape));
    imageScores.push(scoresPerLevel);
  }
  const boxes = cat(imageBoxes, 0);
  const scores = cat(imageScores, 0);
  const labels = cat(imageLabels, 0);
  const keep = batchedNms(boxes, scores, labels, o.nmsThresh).slice(0, 0, o.detectionsPerImg);
  return { boxes: boxes.index(keep), scores: scores.index(keep), labels: labels.index(keep) };
}
