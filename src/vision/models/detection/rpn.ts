// torchvision.models.detection.rpn: the Region Proposal Network of Faster R-CNN. A small head scores every anchor
// and regresses its box; the best anchors per level, decoded, clipped, filtered by size and score and NMS'd per
// level, become the proposals; in training, anchors matched to ground truth and sampled (same generator calls as
// torchvision) give the objectness and box losses.
import type { Tensor } from '../../../tensor.js';
import { arange, cat, full, zeros } from '../../../creation.js';
import { Module, releaseOutput, type StateDict } from '../../../nn/module.js';
import { Sequential } from '../../../nn/modules/container.js';
import { Conv2d } from '../../../nn/modules/conv.js';
import * as init from '../../../nn/init.js';
import { binaryCrossEntropyWithLogits, smoothL1Loss } from '../../../nn/functional/loss.js';
import { Conv2dNormActivation } from '../../ops/misc.js';
import { batchedNms, boxIou, clipBoxesToImage, removeSmallBoxes } from '../../ops/boxes.js';
import { featureEntries, type FeatureMaps } from '../../ops/poolers.js';
import { BalancedPositiveNegativeSampler, BoxCoder, Matcher, topkMin } from './det-utils.js';
import type { AnchorGenerator } from './anchor-utils.js';
import type { ImageList, ImageSize } from './image-list.js';
import type { TargetDict } from './transform.js';
import { bindOwn, classArgs, registerSignature, type PyRest } from '../../../args.js';

// PyTorch's argument binding (src/args.ts) for this module's functions: an extra positional argument or an
// unknown keyword is a TypeError naming it.
registerSignature(concatBoxPredictionLayers, 'concatBoxPredictionLayers', 'torchvision.models.detection.concat_box_prediction_layers', 'boxCls, boxRegression');
registerSignature(permuteAndFlatten, 'permuteAndFlatten', 'torchvision.models.detection.permute_and_flatten', 'layer, N, A, C, H, W');

/** A 3x3 convolution (convDepth of them) then two 1x1 convolutions: objectness logits and box deltas per anchor. */
export class RPNHead extends Module {
  static readonly _version = 2;
  declare conv: Sequential;
  declare cls_logits: Conv2d;
  declare bbox_pred: Conv2d;

  constructor(inChannels: number, numAnchors: number, convDepth = 1) {
    [inChannels, numAnchors, convDepth = 1] = bindOwn(RPNHead, arguments) as ConstructorParameters<typeof RPNHead>;
    super();
    const convs: Module[] = [];
    for (let i = 0; i < convDepth; i++) convs.push(new Conv2dNormActivation(inChannels, inChannels, { kernelSize: 3, normLayer: null }));
    this.conv = new Sequential(...convs);
    this.cls_logits = new Conv2d(inChannels, numAnchors, 1, { stride: 1 });
    this.bbox_pred = new Conv2d(inChannels, numAnchors * 4, 1, { stride: 1 });
    for (const layer of this.modules()) {
      if (layer instanceof Conv2d) {
        init.normal_(layer.weight, { std: 0.01 });
        if (layer.bias !== null) init.constant_(layer.bias, 0);
      }
    }
  }

  protected override loadFromStateDict(sd: StateDict, prefix: string, missing: string[], used: Set<string>, errors: string[]): void {
    // Version-1 checkpoints (torchvision < 0.13) hold one bare Conv2d as "conv".
    for (const type of ['weight', 'bias']) {
      const oldKey = `${prefix}conv.${type}`;
      const newKey = `${prefix}conv.0.0.${type}`;
      if (oldKey in sd && !(newKey in sd)) {
        sd[newKey] = sd[oldKey]!;
        delete sd[oldKey];
      }
    }
    super.loadFromStateDict(sd, prefix, missing, used, errors);
  }

  override forward(x: readonly Tensor[]): [Tensor[], Tensor[]] {
    const logits: Tensor[] = [];
    const bboxReg: Tensor[] = [];
    for (const feature of x) {
      const t: Tensor = this.conv.call(feature);
      logits.push(this.cls_logits.call(t));
      bboxReg.push(this.bbox_pred.call(t));
      // the shared 3x3 activation (56 MB on an 800-px image's finest level) is freed once both heads have read it
      releaseOutput(this.conv, t);
    }
    return [logits, bboxReg];
  }
}
classArgs(RPNHead, 'torchvision.models.detection.RPNHead', 'inChannels, numAnchors, convDepth?');

/** [N, A*C, H, W] -> [N, H*W*A, C]. */
export function permuteAndFlatten(layer: Tensor, N: number, _A: number, C: number, H: number, W: number): Tensor {
  [layer, N, _A, C, H, W] = bindOwn(permuteAndFlatten, arguments) as Parameters<typeof permuteAndFlatten>;
  return layer.view(N, -1, C, H, W).permute(0, 3, 4, 1, 2).reshape(N, -1, C);
}

/** Per-level head outputs flattened and concatenated: class scores [N*sum(HWA), C], box deltas [N*sum(HWA), 4]. */
export function concatBoxPredictionLayers(boxCls: readonly Tensor[], boxRegression: readonly Tensor[]): [Tensor, Tensor] {
  [boxCls, boxRegression] = bindOwn(concatBoxPredictionLayers, arguments) as Parameters<typeof concatBoxPredictionLayers>;
  const clsFlat: Tensor[] = [];
  const regFlat: Tensor[] = [];
  boxCls.forEach((c, i) => {
    const [N, AxC, H, W] = [...c.shape] as [number, number, number, number];
    const r = boxRegression[i]!;
    const A = Math.floor(r.shape[1]! / 4);
    const C = Math.floor(AxC / A);
    clsFlat.push(permuteAndFlatten(c, N, A, C, H, W));
    regFlat.push(permuteAndFlatten(r, N, A, 4, H, W));
  });
  return [cat(clsFlat, 1).flatten(0, -2), cat(regFlat, 1).reshape(-1, 4)];
}

export interface RPNTopN { training: number; testing: number }

export interface RegionProposalNetworkOptions {
  fgIouThresh: number;
  bgIouThresh: number;
  batchSizePerImage: number;
  positiveFraction: number;
  preNmsTopN: RPNTopN;
  postNmsTopN: RPNTopN;
  nmsThresh: number;
  scoreThresh?: number;
}

export class RegionProposalNetwork extends Module {
  declare anchor_generator: AnchorGenerator;
  declare head: Module;
  declare boxCoder: BoxCoder;
  declare proposalMatcher: Matcher;
  declare fgBgSampler: BalancedPositiveNegativeSampler;
  declare _preNmsTopN: RPNTopN;
  declare _postNmsTopN: RPNTopN;
  declare nmsThresh: number;
  declare scoreThresh: number;
  declare minSize: number;

  constructor(anchorGenerator: AnchorGenerator, head: Module, ...rest: PyRest<RegionProposalNetworkOptions, ['fgIouThresh', 'bgIouThresh', 'batchSizePerImage', 'positiveFraction', 'preNmsTopN', 'postNmsTopN', 'nmsThresh', 'scoreThresh']>);
  constructor(...args: unknown[]) {
    const [anchorGenerator, head, o] = bindOwn(RegionProposalNetwork, args) as [AnchorGenerator, Module, RegionProposalNetworkOptions];
    super();
    this.anchor_generator = anchorGenerator;
    this.head = head;
    const hidden = {
      boxCoder: new BoxCoder([1.0, 1.0, 1.0, 1.0]),
      proposalMatcher: new Matcher(o.fgIouThresh, o.bgIouThresh, true),
      fgBgSampler: new BalancedPositiveNegativeSampler(o.batchSizePerImage, o.positiveFraction),
      _preNmsTopN: { ...o.preNmsTopN },
      _postNmsTopN: { ...o.postNmsTopN },
      nmsThresh: o.nmsThresh,
      scoreThresh: o.scoreThresh ?? 0.0,
      minSize: 1e-3,
    };
    for (const [k, v] of Object.entries(hidden)) Object.defineProperty(this, k, { value: v, writable: true, enumerable: false });
  }

  preNmsTopN(): number { return this.training ? this._preNmsTopN.training : this._preNmsTopN.testing; }
  postNmsTopN(): number { return this.training ? this._postNmsTopN.training : this._postNmsTopN.testing; }

  /** Per image: anchor labels (1 object, 0 background, -1 ignored) and the ground-truth box each anchor is matched to. */
  assignTargetsToAnchors(anchors: readonly Tensor[], targets: readonly TargetDict[]): [Tensor[], Tensor[]] {
    const labels: Tensor[] = [];
    const matchedGtBoxes: Tensor[] = [];
    anchors.forEach((anchorsPerImage, i) => {
      const gtBoxes = targets[i]!.boxes!;
      if (gtBoxes.numel() === 0) {
        matchedGtBoxes.push(zeros(anchorsPerImage.shape, { dtype: 'float32' }));
        labels.push(zeros([anchorsPerImage.shape[0]!], { dtype: 'float32' }));
        return;
      }
      const matchQualityMatrix = boxIou(gtBoxes, anchorsPerImage);
      const matchedIdxs = this.proposalMatcher.call(matchQualityMatrix);
      matchedGtBoxes.push(gtBoxes.index(matchedIdxs.clamp(0)));
      const l = matchedIdxs.ge(0).to('float32');
      l.indexPut_([matchedIdxs.eq(Matcher.BELOW_LOW_THRESHOLD)], 0.0);
      l.indexPut_([matchedIdxs.eq(Matcher.BETWEEN_THRESHOLDS)], -1.0);
      labels.push(l);
    });
    return [labels, matchedGtBoxes];
  }

  getTopNIdx(objectness: Tensor, numAnchorsPerLevel: readonly number[]): Tensor {
    const r: Tensor[] = [];
    let offset = 0;
    for (const ob of objectness.split([...numAnchorsPerLevel], 1)) {
      const numAnchors = ob.shape[1]!;
      const preNmsTopN = topkMin(ob, this.preNmsTopN(), 1);
      const topNIdx = ob.topk(preNmsTopN, 1).indices;
      r.push(topNIdx.add(offset));
      offset += numAnchors;
    }
    return cat(r, 1);
  }

  filterProposals(proposals: Tensor, objectness: Tensor, imageShapes: readonly ImageSize[], numAnchorsPerLevel: readonly number[]): [Tensor[], Tensor[]] {
    const numImages = proposals.shape[0]!;
    objectness = objectness.detach().reshape(numImages, -1);
    let levels = cat(numAnchorsPerLevel.map((n, idx) => full([n], idx, { dtype: 'int64' })), 0).reshape(1, -1).expandAs(objectness);
    const topNIdx = this.getTopNIdx(objectness, numAnchorsPerLevel);
    const batchIdx = arange(numImages).unsqueeze(1);
    objectness = objectness.index(batchIdx, topNIdx);
    levels = levels.index(batchIdx, topNIdx);
    proposals = proposals.index(batchIdx, topNIdx);
    const objectnessProb = objectness.sigmoid();
    const finalBoxes: Tensor[] = [];
    const finalScores: Tensor[] = [];
    for (let i = 0; i < numImages; i++) {
      let boxes = clipBoxesToImage(proposals.select(0, i), imageShapes[i]!);
      let scores = objectnessProb.select(0, i);
      let lvl = levels.select(0, i);
      let keep = removeSmallBoxes(boxes, this.minSize);
      [boxes, scores, lvl] = [boxes.index(keep), scores.index(keep), lvl.index(keep)];
      keep = scores.ge(this.scoreThresh).nonzero().select(1, 0);
      [boxes, scores, lvl] = [boxes.index(keep), scores.index(keep), lvl.index(keep)];
      keep = batchedNms(boxes, scores, lvl, this.nmsThresh);
      keep = keep.slice(0, 0, this.postNmsTopN());
      finalBoxes.push(boxes.index(keep));
      finalScores.push(scores.index(keep));
    }
    return [finalBoxes, finalScores];
  }

  computeLoss(objectness: Tensor, predBboxDeltas: Tensor, labels: readonly Tensor[], regressionTargets: readonly Tensor[]): [Tensor, Tensor] {
    const [posMasks, negMasks] = this.fgBgSampler.call(labels);
    const sampledPosInds = cat(posMasks, 0).nonzero().select(1, 0);
    const sampledNegInds = cat(negMasks, 0).nonzero().select(1, 0);
    const sampledInds = cat([sampledPosInds, sampledNegInds], 0);
    const obj = objectness.flatten();
    const lab = cat(labels, 0);
    const reg = cat(regressionTargets, 0);
    const boxLoss = smoothL1Loss(predBboxDeltas.index(sampledPosInds), reg.index(sampledPosInds), { beta: 1 / 9, reduction: 'sum' })
      .div(sampledInds.numel());
    const objectnessLoss = binaryCrossEntropyWithLogits(obj.index(sampledInds), lab.index(sampledInds));
    return [objectnessLoss, boxLoss];
  }

  /** Proposals per image ([K, 4] in the resized image's coordinates) and, in training, the RPN losses. */
  override forward(images: ImageList, features: FeatureMaps, targets: readonly TargetDict[] | null = null): [Tensor[], Record<string, Tensor>] {
    const feats = featureEntries(features).map(([, v]) => v);
    const [objectnessList, predList] = this.head.call(feats) as [Tensor[], Tensor[]];
    const anchors = this.anchor_generator.call(images, feats) as Tensor[];
    const numImages = anchors.length;
    const numAnchorsPerLevel = objectnessList.map((o) => o.shape[1]! * o.shape[2]! * o.shape[3]!);
    const [objectness, predBboxDeltas] = concatBoxPredictionLayers(objectnessList, predList);
    const proposals = this.boxCoder.decode(predBboxDeltas.detach(), anchors).view(numImages, -1, 4);
    const [boxes] = this.filterProposals(proposals, objectness, images.imageSizes, numAnchorsPerLevel);
    let losses: Record<string, Tensor> = {};
    if (this.training) {
      if (targets === null) throw new TypeError('targets should not be None');
      const [labels, matchedGtBoxes] = this.assignTargetsToAnchors(anchors, targets);
      const regressionTargets = this.boxCoder.encode(matchedGtBoxes, anchors);
      const [lossObjectness, lossRpnBoxReg] = this.computeLoss(objectness, predBboxDeltas, labels, regressionTargets);
      losses = { loss_objectness: lossObjectness, loss_rpn_box_reg: lossRpnBoxReg };
    }
    return [boxes, losses];
  }
}
classArgs(RegionProposalNetwork, 'torchvision.models.detection.RegionProposalNetwork', 'anchorGenerator, head; fgIouThresh, bgIouThresh, batchSizePerImage, positiveFraction, preNmsTopN, postNmsTopN, nmsThresh, scoreThresh');
