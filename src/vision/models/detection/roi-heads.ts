// torchvision.models.detection.roi_heads: the second stage of the R-CNNs. Proposals are pooled from the feature
// pyramid (MultiScaleRoIAlign), classified and regressed per class (box head + predictor); Mask R-CNN adds a mask
// head on the positive/kept boxes, Keypoint R-CNN a keypoint heatmap head. In training, proposals (plus the ground
// truth boxes) are matched and sampled with torchvision's generator calls, and the losses are torchvision's.
import { Tensor } from '../../../tensor.js';
import { arange, cat, zeros } from '../../../creation.js';
import { Module, releaseOutput } from '../../../nn/module.js';
import { crossEntropy, binaryCrossEntropyWithLogits, smoothL1Loss } from '../../../nn/functional/loss.js';
import { softmax } from '../../../nn/functional/activation.js';
import { interpolate } from '../../../nn/functional/upsampling.js';
import { batchedNms, boxIou, clipBoxesToImage, removeSmallBoxes } from '../../ops/boxes.js';
import { roiAlign } from '../../ops/roi-align.js';
import type { FeatureMaps, MultiScaleRoIAlign } from '../../ops/poolers.js';
import { BalancedPositiveNegativeSampler, BoxCoder, Matcher } from './det-utils.js';
import type { ImageSize } from './image-list.js';
import type { TargetDict } from './transform.js';
import { bindOwn, classArgs, registerSignature, type PyRest } from '../../../args.js';

// PyTorch's argument binding (src/args.ts) for this module's functions: an extra positional argument or an
// unknown keyword is a TypeError naming it.
registerSignature(fastrcnnLoss, 'fastrcnnLoss', 'torchvision.models.detection.fastrcnn_loss', 'classLogits, boxRegression, labels, regressionTargets');
registerSignature(heatmapsToKeypoints, 'heatmapsToKeypoints', 'torchvision.models.detection.heatmaps_to_keypoints', 'maps, rois');
registerSignature(keypointrcnnInference, 'keypointrcnnInference', 'torchvision.models.detection.keypointrcnn_inference', 'x, boxes');
registerSignature(keypointrcnnLoss, 'keypointrcnnLoss', 'torchvision.models.detection.keypointrcnn_loss', 'keypointLogits, proposals, gtKeypoints, keypointMatchedIdxs');
registerSignature(keypointsToHeatmap, 'keypointsToHeatmap', 'torchvision.models.detection.keypoints_to_heatmap', 'keypoints, rois, heatmapSize');
registerSignature(maskrcnnInference, 'maskrcnnInference', 'torchvision.models.detection.maskrcnn_inference', 'x, labels');
registerSignature(maskrcnnLoss, 'maskrcnnLoss', 'torchvision.models.detection.maskrcnn_loss', 'maskLogits, proposals, gtMasks, gtLabels, maskMatchedIdxs');
registerSignature(projectMasksOnBoxes, 'projectMasksOnBoxes', 'torchvision.models.detection.project_masks_on_boxes', 'gtMasks, boxes, matchedIdxs, M');

/** Faster R-CNN's losses: cross entropy of the classes, smooth L1 (beta 1/9) of the true class's box, per sample. */
export function fastrcnnLoss(classLogits: Tensor, boxRegression: Tensor, labelsList: readonly Tensor[], regressionTargetsList: readonly Tensor[]): [Tensor, Tensor] {
  [classLogits, boxRegression, labelsList, regressionTargetsList] = bindOwn(fastrcnnLoss, arguments) as Parameters<typeof fastrcnnLoss>;
  const labels = cat(labelsList, 0);
  const regressionTargets = cat(regressionTargetsList, 0);
  const classificationLoss = crossEntropy(classLogits, labels);
  const sampledPosIndsSubset = labels.gt(0).nonzero().select(1, 0);
  const labelsPos = labels.index(sampledPosIndsSubset);
  const N = classLogits.shape[0]!;
  const reg = boxRegression.reshape(N, Math.floor(boxRegression.shape.at(-1)! / 4), 4);
  const boxLoss = smoothL1Loss(reg.index(sampledPosIndsSubset, labelsPos), regressionTargets.index(sampledPosIndsSubset),
    { beta: 1 / 9, reduction: 'sum' });
  return [classificationLoss, boxLoss.div(labels.numel())];
}

/** The mask of each detection's own class, as probabilities [n, 1, M, M], split per image. */
export function maskrcnnInference(x: Tensor, labels: readonly Tensor[]): Tensor[] {
  [x, labels] = bindOwn(maskrcnnInference, arguments) as Parameters<typeof maskrcnnInference>;
  const maskProb = x.sigmoid();
  const numMasks = x.shape[0]!;
  const boxesPerImage = labels.map((l) => l.shape[0]!);
  const lab = cat(labels);
  const index = arange(numMasks);
  return maskProb.index(index, lab).unsqueeze(1).split(boxesPerImage, 0);
}

/** Ground-truth masks cropped and resized (RoI Align, scale 1) to the proposals: [n, M, M]. */
export function projectMasksOnBoxes(gtMasks: Tensor, boxes: Tensor, matchedIdxs: Tensor, M: number): Tensor {
  [gtMasks, boxes, matchedIdxs, M] = bindOwn(projectMasksOnBoxes, arguments) as Parameters<typeof projectMasksOnBoxes>;
  const idx = matchedIdxs.to(boxes);
  const rois = cat([idx.unsqueeze(1), boxes], 1);
  const masks = gtMasks.unsqueeze(1).to(rois);
  return roiAlign(masks, rois, [M, M], { spatialScale: 1.0 }).select(1, 0);
}

export function maskrcnnLoss(maskLogits: Tensor, proposals: readonly Tensor[], gtMasks: readonly Tensor[], gtLabels: readonly Tensor[],
  maskMatchedIdxs: readonly Tensor[]): Tensor {
  [maskLogits, proposals, gtMasks, gtLabels, maskMatchedIdxs] = bindOwn(maskrcnnLoss, arguments) as Parameters<typeof maskrcnnLoss>;
  const discretizationSize = maskLogits.shape.at(-1)!;
  const labels = cat(gtLabels.map((l, i) => l.index(maskMatchedIdxs[i]!)), 0);
  const maskTargets = cat(gtMasks.map((m, i) => projectMasksOnBoxes(m, proposals[i]!, maskMatchedIdxs[i]!, discretizationSize)), 0);
  if (maskTargets.numel() === 0) return maskLogits.sum().mul(0);
  return binaryCrossEntropyWithLogits(maskLogits.index(arange(labels.shape[0]!), labels), maskTargets);
}

/** Keypoints [n, K, 3] as flat indices into each RoI's heatmapSize^2 grid, and whether each is valid. */
export function keypointsToHeatmap(keypoints: Tensor, rois: Tensor, heatmapSize: number): [Tensor, Tensor] {
  [keypoints, rois, heatmapSize] = bindOwn(keypointsToHeatmap, arguments) as Parameters<typeof keypointsToHeatmap>;
  const offsetX = rois.select(1, 0).unsqueeze(1);
  const offsetY = rois.select(1, 1).unsqueeze(1);
  // Python's `int / tensor` is reciprocal(tensor) * int.
  const scaleX = rois.select(1, 2).sub(rois.select(1, 0)).reciprocal().mul(heatmapSize).unsqueeze(1);
  const scaleY = rois.select(1, 3).sub(rois.select(1, 1)).reciprocal().mul(heatmapSize).unsqueeze(1);
  let x = keypoints.select(-1, 0);
  let y = keypoints.select(-1, 1);
  const xBoundary = x.eq(rois.select(1, 2).unsqueeze(1));
  const yBoundary = y.eq(rois.select(1, 3).unsqueeze(1));
  x = x.sub(offsetX).mul(scaleX).floor().to('int64');
  y = y.sub(offsetY).mul(scaleY).floor().to('int64');
  x.indexPut_([xBoundary], heatmapSize - 1);
  y.indexPut_([yBoundary], heatmapSize - 1);
  const validLoc = x.ge(0).logicalAnd(y.ge(0)).logicalAnd(x.lt(heatmapSize)).logicalAnd(y.lt(heatmapSize));
  const vis = keypoints.select(-1, 2).gt(0);
  const valid = validLoc.logicalAnd(vis).to('int64');
  const linInd = y.mul(heatmapSize).add(x);
  return [linInd.mul(valid), valid];
}

/** Keypoint locations from heatmaps [n, K, S, S] in their RoIs: [n, K, 3] (x, y, 1) and the scores [n, K]. */
export function heatmapsToKeypoints(maps: Tensor, rois: Tensor): [Tensor, Tensor] {
  [maps, rois] = bindOwn(heatmapsToKeypoints, arguments) as Parameters<typeof heatmapsToKeypoints>;
  const offsetX = rois.select(1, 0);
  const offsetY = rois.select(1, 1);
  const widths = rois.select(1, 2).sub(rois.select(1, 0)).clamp(1);
  const heights = rois.select(1, 3).sub(rois.select(1, 1)).clamp(1);
  const widthsCeil = widths.ceil();
  const heightsCeil = heights.ceil();
  const numKeypoints = maps.shape[1]!;
  const n = rois.shape[0]!;
  const xyPreds = zeros([n, 3, numKeypoints], { dtype: 'float32' });
  const endScores = zeros([n, numKeypoints], { dtype: 'float32' });
  const wc = widthsCeil.tolist() as number[];
  const hc = heightsCeil.tolist() as number[];
  for (let i = 0; i < n; i++) {
    const roiMapWidth = Math.trunc(wc[i]!);
    const roiMapHeight = Math.trunc(hc[i]!);
    const widthCorrection = widths.select(0, i).div(roiMapWidth);
    const heightCorrection = heights.select(0, i).div(roiMapHeight);
    const roiMap = interpolate(maps.select(0, i).unsqueeze(1), { size: [roiMapHeight, roiMapWidth], mode: 'bicubic', alignCorners: false }).select(1, 0);
    const w = roiMap.shape[2]!;
    const pos = roiMap.reshape(numKeypoints, -1).argmax(1);
    const xInt = pos.remainder(w);
    const yInt = pos.sub(xInt).floorDivide(w);
    const x = xInt.float().add(0.5).mul(widthCorrection);
    const y = yInt.float().add(0.5).mul(heightCorrection);
    const row = xyPreds.select(0, i);
    row.select(0, 0).copy_(x.add(offsetX.select(0, i)));
    row.select(0, 1).copy_(y.add(offsetY.select(0, i)));
    row.select(0, 2).fill_(1);
    endScores.select(0, i).copy_(roiMap.index(arange(numKeypoints), yInt, xInt));
  }
  return [xyPreds.permute(0, 2, 1), endScores];
}

export function keypointrcnnLoss(keypointLogits: Tensor, proposals: readonly Tensor[], gtKeypoints: readonly Tensor[],
  keypointMatchedIdxs: readonly Tensor[]): Tensor {
  [keypointLogits, proposals, gtKeypoints, keypointMatchedIdxs] = bindOwn(keypointrcnnLoss, arguments) as Parameters<typeof keypointrcnnLoss>;
  const [N, K, H, W] = [...keypointLogits.shape] as [number, number, number, number];
  if (H !== W) {
    throw new RangeError(`keypoint_logits height and width (last two elements of shape) should be equal. Instead got H = ${H} and W = ${W}`);
  }
  const heatmaps: Tensor[] = [];
  const valids: Tensor[] = [];
  proposals.forEach((p, i) => {
    const kp = gtKeypoints[i]!.index(keypointMatchedIdxs[i]!);
    const [h, v] = keypointsToHeatmap(kp, p, H);
    heatmaps.push(h.view(-1));
    valids.push(v.view(-1));
  });
  const keypointTargets = cat(heatmaps, 0);
  const valid = cat(valids, 0).to('uint8').nonzero().select(1, 0);
  if (keypointTargets.numel() === 0 || valid.shape[0] === 0) return keypointLogits.sum().mul(0);
  const logits = keypointLogits.view(N * K, H * W);
  return crossEntropy(logits.index(valid), keypointTargets.index(valid));
}

export function keypointrcnnInference(x: Tensor, boxes: readonly Tensor[]): [Tensor[], Tensor[]] {
  [x, boxes] = bindOwn(keypointrcnnInference, arguments) as Parameters<typeof keypointrcnnInference>;
  const kpProbs: Tensor[] = [];
  const kpScores: Tensor[] = [];
  const x2 = x.split(boxes.map((b) => b.shape[0]!), 0);
  x2.forEach((xx, i) => {
    const [p, s] = heatmapsToKeypoints(xx, boxes[i]!);
    kpProbs.push(p);
    kpScores.push(s);
  });
  return [kpProbs, kpScores];
}

export interface RoIHeadsOptions {
  fgIouThresh: number;
  bgIouThresh: number;
  batchSizePerImage: number;
  positiveFraction: number;
  bboxRegWeights?: readonly number[] | null;
  scoreThresh: number;
  nmsThresh: number;
  detectionsPerImg: number;
  maskRoiPool?: MultiScaleRoIAlign | null;
  maskHead?: Module | null;
  maskPredictor?: Module | null;
  keypointRoiPool?: MultiScaleRoIAlign | null;
  keypointHead?: Module | null;
  keypointPredictor?: Module | null;
}

/** One image's detections: boxes [n, 4], labels [n], scores [n], masks [n, 1, H, W], keypoints [n, K, 3], keypointsScores [n, K]. */
export type Detection = Record<string, Tensor>;

export class RoIHeads extends Module {
  declare box_roi_pool: MultiScaleRoIAlign;
  declare box_head: Module;
  declare box_predictor: Module;
  declare mask_roi_pool: MultiScaleRoIAlign | null;
  declare mask_head: Module | null;
  declare mask_predictor: Module | null;
  declare keypoint_roi_pool: MultiScaleRoIAlign | null;
  declare keypoint_head: Module | null;
  declare keypoint_predictor: Module | null;
  declare proposalMatcher: Matcher;
  declare fgBgSampler: BalancedPositiveNegativeSampler;
  declare boxCoder: BoxCoder;
  declare scoreThresh: number;
  declare nmsThresh: number;
  declare detectionsPerImg: number;

  constructor(boxRoiPool: MultiScaleRoIAlign, boxHead: Module, boxPredictor: Module, ...rest: PyRest<RoIHeadsOptions, ['fgIouThresh', 'bgIouThresh', 'batchSizePerImage', 'positiveFraction', 'bboxRegWeights', 'scoreThresh', 'nmsThresh', 'detectionsPerImg', 'maskRoiPool', 'maskHead', 'maskPredictor', 'keypointRoiPool', 'keypointHead', 'keypointPredictor']>);
  constructor(...args: unknown[]) {
    const [boxRoiPool, boxHead, boxPredictor, o] = bindOwn(RoIHeads, args) as [MultiScaleRoIAlign, Module, Module, RoIHeadsOptions];
    super();
    const hidden = {
      proposalMatcher: new Matcher(o.fgIouThresh, o.bgIouThresh, false),
      fgBgSampler: new BalancedPositiveNegativeSampler(o.batchSizePerImage, o.positiveFraction),
      boxCoder: new BoxCoder(o.bboxRegWeights ?? [10.0, 10.0, 5.0, 5.0]),
      scoreThresh: o.scoreThresh,
      nmsThresh: o.nmsThresh,
      detectionsPerImg: o.detectionsPerImg,
    };
    for (const [k, v] of Object.entries(hidden)) Object.defineProperty(this, k, { value: v, writable: true, enumerable: false });
    this.box_roi_pool = boxRoiPool;
    this.box_head = boxHead;
    this.box_predictor = boxPredictor;
    this.mask_roi_pool = o.maskRoiPool ?? null;
    this.mask_head = o.maskHead ?? null;
    this.mask_predictor = o.maskPredictor ?? null;
    this.keypoint_roi_pool = o.keypointRoiPool ?? null;
    this.keypoint_head = o.keypointHead ?? null;
    this.keypoint_predictor = o.keypointPredictor ?? null;
  }

  hasMask(): boolean { return this.mask_roi_pool !== null && this.mask_head !== null && this.mask_predictor !== null; }
  hasKeypoint(): boolean { return this.keypoint_roi_pool !== null && this.keypoint_head !== null && this.keypoint_predictor !== null; }

  assignTargetsToProposals(proposals: readonly Tensor[], gtBoxes: readonly Tensor[], gtLabels: readonly Tensor[]): [Tensor[], Tensor[]] {
    const matchedIdxs: Tensor[] = [];
    const labels: Tensor[] = [];
    proposals.forEach((p, i) => {
      const gt = gtBoxes[i]!;
      if (gt.numel() === 0) {
        matchedIdxs.push(zeros([p.shape[0]!], { dtype: 'int64' }));
        labels.push(zeros([p.shape[0]!], { dtype: 'int64' }));
        return;
      }
      const m = this.proposalMatcher.call(boxIou(gt, p));
      const clamped = m.clamp(0);
      const l = gtLabels[i]!.index(clamped).to('int64');
      l.indexPut_([m.eq(Matcher.BELOW_LOW_THRESHOLD)], 0);
      l.indexPut_([m.eq(Matcher.BETWEEN_THRESHOLDS)], -1); // -1 is ignored by the sampler
      matchedIdxs.push(clamped);
      labels.push(l);
    });
    return [matchedIdxs, labels];
  }

  subsample(labels: readonly Tensor[]): Tensor[] {
    const [pos, neg] = this.fgBgSampler.call(labels);
    return pos.map((p, i) => p.logicalOr(neg[i]!).nonzero().select(1, 0));
  }

  addGtProposals(proposals: readonly Tensor[], gtBoxes: readonly Tensor[]): Tensor[] {
    return proposals.map((p, i) => cat([p, gtBoxes[i]!]));
  }

  checkTargets(targets: readonly TargetDict[] | null): asserts targets is readonly TargetDict[] {
    if (targets === null) throw new TypeError('targets should not be None');
    if (!targets.every((t) => 'boxes' in t)) throw new TypeError('Every element of targets should have a boxes key');
    if (!targets.every((t) => 'labels' in t)) throw new TypeError('Every element of targets should have a labels key');
    if (this.hasMask() && !targets.every((t) => 'masks' in t)) throw new TypeError('Every element of targets should have a masks key');
  }

  selectTrainingSamples(proposalsIn: readonly Tensor[], targets: readonly TargetDict[] | null): [Tensor[], Tensor[], Tensor[], Tensor[]] {
    this.checkTargets(targets);
    const dtype = proposalsIn[0]!.dtype;
    const gtBoxes = targets.map((t) => t.boxes!.to(dtype));
    const gtLabels = targets.map((t) => t.labels!);
    const proposals = this.addGtProposals(proposalsIn, gtBoxes);
    const [matchedIdxs, labels] = this.assignTargetsToProposals(proposals, gtBoxes, gtLabels);
    const sampledInds = this.subsample(labels);
    const matchedGtBoxes: Tensor[] = [];
    for (let i = 0; i < proposals.length; i++) {
      const s = sampledInds[i]!;
      proposals[i] = proposals[i]!.index(s);
      labels[i] = labels[i]!.index(s);
      matchedIdxs[i] = matchedIdxs[i]!.index(s);
      let gt = gtBoxes[i]!;
      if (gt.numel() === 0) gt = zeros([1, 4], { dtype });
      matchedGtBoxes.push(gt.index(matchedIdxs[i]!));
    }
    const regressionTargets = this.boxCoder.encode(matchedGtBoxes, proposals);
    return [proposals, matchedIdxs, labels, regressionTargets];
  }

  postprocessDetections(classLogits: Tensor, boxRegression: Tensor, proposals: readonly Tensor[], imageShapes: readonly ImageSize[]): [Tensor[], Tensor[], Tensor[]] {
    const numClasses = classLogits.shape.at(-1)!;
    const boxesPerImage = proposals.map((p) => p.shape[0]!);
    const predBoxes = this.boxCoder.decode(boxRegression, proposals);
    const predScores = softmax(classLogits, -1);
    const predBoxesList = predBoxes.split(boxesPerImage, 0);
    const predScoresList = predScores.split(boxesPerImage, 0);
    const allBoxes: Tensor[] = [];
    const allScores: Tensor[] = [];
    const allLabels: Tensor[] = [];
    predBoxesList.forEach((b, i) => {
      let boxes = clipBoxesToImage(b, imageShapes[i]!);
      let scores = predScoresList[i]!;
      let labels = arange(numClasses).view(1, -1).expandAs(scores);
      // Remove the predictions of the background class, then one detection per (box, class).
      boxes = boxes.slice(1, 1).reshape(-1, 4);
      scores = scores.slice(1, 1).reshape(-1);
      labels = labels.slice(1, 1).reshape(-1);
      const inds = scores.gt(this.scoreThresh).nonzero().select(1, 0);
      [boxes, scores, labels] = [boxes.index(inds), scores.index(inds), labels.index(inds)];
      let keep = removeSmallBoxes(boxes, 1e-2);
      [boxes, scores, labels] = [boxes.index(keep), scores.index(keep), labels.index(keep)];
      keep = batchedNms(boxes, scores, labels, this.nmsThresh).slice(0, 0, this.detectionsPerImg);
      allBoxes.push(boxes.index(keep));
      allScores.push(scores.index(keep));
      allLabels.push(labels.index(keep));
    });
    return [allBoxes, allScores, allLabels];
  }

  override forward(features: FeatureMaps, proposals: Tensor[], imageShapes: readonly ImageSize[],
    targets: readonly TargetDict[] | null = null): [Detection[], Record<string, Tensor>] {
    if (targets !== null) {
      targets.forEach((t, i) => {
        if (!(t.boxes instanceof Tensor) || !['float32', 'float64', 'float16'].includes(t.boxes.dtype.name)) {
          throw new TypeError(`target boxes must of float type, instead got ${t.boxes instanceof Tensor ? t.boxes.dtype : typeof t.boxes} (targets[${i}])`);
        }
        if (!(t.labels instanceof Tensor) || t.labels.dtype.name !== 'int64') {
          throw new TypeError(`target labels must of int64 type, instead got ${t.labels instanceof Tensor ? t.labels.dtype : typeof t.labels} (targets[${i}])`);
        }
        if (this.hasKeypoint() && (!(t.keypoints instanceof Tensor) || t.keypoints.dtype.name !== 'float32')) {
          throw new TypeError(`target keypoints must of float type, instead got ${t.keypoints instanceof Tensor ? t.keypoints.dtype : typeof t.keypoints} (targets[${i}])`);
        }
      });
    }
    let matchedIdxs: Tensor[] | null = null;
    let labels: Tensor[] | null = null;
    let regressionTargets: Tensor[] | null = null;
    if (this.training) [proposals, matchedIdxs, labels, regressionTargets] = this.selectTrainingSamples(proposals, targets);
    const pooled: Tensor = this.box_roi_pool.call(features, proposals, imageShapes);
    const boxFeatures: Tensor = this.box_head.call(pooled);
    // the pooled features (1000 x 256 x 7 x 7, 50 MB at test time) are freed once the box head has read them
    if (boxFeatures !== pooled) releaseOutput(this.box_roi_pool, pooled);
    const [classLogits, boxRegression] = this.box_predictor.call(boxFeatures) as [Tensor, Tensor];

    const result: Detection[] = [];
    const losses: Record<string, Tensor> = {};
    if (this.training) {
      const [lossClassifier, lossBoxReg] = fastrcnnLoss(classLogits, boxRegression, labels!, regressionTargets!);
      losses.loss_classifier = lossClassifier;
      losses.loss_box_reg = lossBoxReg;
    } else {
      const [boxes, scores, labs] = this.postprocessDetections(classLogits, boxRegression, proposals, imageShapes);
      boxes.forEach((b, i) => result.push({ boxes: b, labels: labs[i]!, scores: scores[i]! }));
    }

    /** Positive proposals and their matched ground truths (training), or the detections (eval). */
    const positives = (): [Tensor[], Tensor[] | null] => {
      if (!this.training) return [result.map((r) => r.boxes!), null];
      const props: Tensor[] = [];
      const idxs: Tensor[] = [];
      proposals.forEach((p, i) => {
        const pos = labels![i]!.gt(0).nonzero().select(1, 0);
        props.push(p.index(pos));
        idxs.push(matchedIdxs![i]!.index(pos));
      });
      return [props, idxs];
    };

    if (this.hasMask()) {
      const [maskProposals, posMatchedIdxs] = positives();
      const maskPooled: Tensor = this.mask_roi_pool!.call(features, maskProposals, imageShapes);
      const maskFeatures: Tensor = this.mask_head!.call(maskPooled);
      if (maskFeatures !== maskPooled) releaseOutput(this.mask_roi_pool!, maskPooled);
      const maskLogits: Tensor = this.mask_predictor!.call(maskFeatures);
      if (maskLogits !== maskFeatures) releaseOutput(this.mask_head!, maskFeatures);
      if (this.training) {
        losses.loss_mask = maskrcnnLoss(maskLogits, maskProposals, targets!.map((t) => t.masks!), targets!.map((t) => t.labels!), posMatchedIdxs!);
      } else {
        const probs = maskrcnnInference(maskLogits, result.map((r) => r.labels!));
        probs.forEach((p, i) => { result[i]!.masks = p; });
      }
    }

    if (this.hasKeypoint()) {
      const [kpProposals, posMatchedIdxs] = positives();
      let kpFeatures: Tensor = this.keypoint_roi_pool!.call(features, kpProposals, imageShapes);
      kpFeatures = this.keypoint_head!.call(kpFeatures);
      const kpLogits: Tensor = this.keypoint_predictor!.call(kpFeatures);
      if (this.training) {
        losses.loss_keypoint = keypointrcnnLoss(kpLogits, kpProposals, targets!.map((t) => t.keypoints!), posMatchedIdxs!);
      } else {
        const [kps, scores] = keypointrcnnInference(kpLogits, kpProposals);
        kps.forEach((k, i) => { result[i]!.keypoints = k; result[i]!.keypointsScores = scores[i]!; });
      }
    }
    return [result, losses];
  }
}
classArgs(RoIHeads, 'torchvision.models.detection.RoIHeads', 'boxRoiPool, boxHead, boxPredictor; fgIouThresh, bgIouThresh, batchSizePerImage, positiveFraction, bboxRegWeights, scoreThresh, nmsThresh, detectionsPerImg, maskRoiPool, maskHead, maskPredictor, keypointRoiPool, keypointHead, keypointPredictor');
