// torchvision.models.detection.generalized_rcnn: transform -> backbone -> RPN -> RoI heads -> postprocess, the
// skeleton shared by Faster, Mask and Keypoint R-CNN.
import { Tensor } from '../../../tensor.js';
import { Module } from '../../../nn/module.js';
import { tidy } from '../../../memory.js';
import type { FeatureMaps } from '../../ops/poolers.js';
import type { GeneralizedRCNNTransform, TargetDict } from './transform.js';
import type { ImageSize } from './image-list.js';
import type { RegionProposalNetwork } from './rpn.js';
import type { Detection, RoIHeads } from './roi-heads.js';
import { bindOwn, classArgs } from '../../../args.js';

export class GeneralizedRCNN extends Module {
  declare transform: GeneralizedRCNNTransform;
  declare backbone: Module;
  declare rpn: RegionProposalNetwork;
  declare roi_heads: RoIHeads;

  constructor(backbone: Module, rpn: RegionProposalNetwork, roiHeads: RoIHeads, transform: GeneralizedRCNNTransform) {
    [backbone, rpn, roiHeads, transform] = bindOwn(GeneralizedRCNN, arguments) as ConstructorParameters<typeof GeneralizedRCNN>;
    super();
    // torchvision's attribute order: transform, backbone, rpn, roi_heads (the state dict has no transform entries).
    this.transform = transform;
    this.backbone = backbone;
    this.rpn = rpn;
    this.roi_heads = roiHeads;
  }

  /**
   * Eval: `call(images)` with [C, H, W] float images of any sizes returns one Detection per image in its own
   * coordinates. Training: `call(images, targets)` returns torchvision's loss dict.
   */
  override forward(images: readonly Tensor[], targets: readonly TargetDict[] | null = null): Detection[] | Record<string, Tensor> {
    return tidy(() => this.forwardImpl(images, targets));
  }

  private forwardImpl(images: readonly Tensor[], targets: readonly TargetDict[] | null): Detection[] | Record<string, Tensor> {
    if (!Array.isArray(images) || images.length === 0 || !images.every((i) => i instanceof Tensor)) {
      throw new TypeError(`${this._getName()}: images must be a non-empty list of [C, H, W] tensors`);
    }
    if (this.training) {
      if (targets === null || targets === undefined) throw new TypeError('targets should not be none when in training mode');
      targets.forEach((t, i) => {
        const boxes = t.boxes;
        if (!(boxes instanceof Tensor)) throw new TypeError(`Expected target boxes to be of type Tensor, got ${typeof boxes} (targets[${i}]).`);
        if (boxes.ndim !== 2 || boxes.shape[1] !== 4) throw new RangeError(`Expected target boxes to be a tensor of shape [N, 4], got [${boxes.shape}] (targets[${i}]).`);
      });
    }
    const originalImageSizes: ImageSize[] = images.map((img) => {
      if (img.ndim < 2) throw new RangeError(`expecting the last two dimensions of the Tensor to be H and W instead got [${img.shape}]`);
      return [img.shape.at(-2)!, img.shape.at(-1)!];
    });
    const [imageList, tgts] = this.transform.call(images, targets ?? null) as [import('./image-list.js').ImageList, TargetDict[] | null];
    if (tgts !== null) {
      tgts.forEach((t, targetIdx) => {
        const boxes = t.boxes!;
        const degenerate = boxes.slice(1, 2).le(boxes.slice(1, 0, 2));
        if (degenerate.any().item()) {
          const bbIdx = degenerate.any(1).nonzero().select(1, 0).select(0, 0).item();
          const degenBb = boxes.select(0, bbIdx).tolist() as number[];
          throw new RangeError(`All bounding boxes should have positive height and width. Found invalid box [${degenBb.join(', ')}] for target at index ${targetIdx}.`);
        }
      });
    }
    let features = this.backbone.call(imageList.tensors) as Tensor | FeatureMaps;
    if (features instanceof Tensor) features = new Map([['0', features]]);
    const [proposals, proposalLosses] = this.rpn.call(imageList, features, tgts) as [Tensor[], Record<string, Tensor>];
    const [detections, detectorLosses] = this.roi_heads.call(features, proposals, imageList.imageSizes, tgts) as [Detection[], Record<string, Tensor>];
    if (this.training) return { ...detectorLosses, ...proposalLosses };
    return this.transform.postprocess(detections, imageList.imageSizes, originalImageSizes);
  }

  /**
   * The RPN's proposals for these images, in the resized images' coordinates, as torchvision's
   * `model.rpn(image_list, model.backbone(image_list.tensors))[0]` gives them: for inspecting the first stage.
   */
  proposals(images: readonly Tensor[]): Tensor[] {
    return tidy(() => {
      const originalImageSizes: ImageSize[] = images.map((img) => [img.shape.at(-2)!, img.shape.at(-1)!]);
      const [imageList] = this.transform.call(images, null) as [import('./image-list.js').ImageList, null];
      let features = this.backbone.call(imageList.tensors) as Tensor | FeatureMaps;
      if (features instanceof Tensor) features = new Map([['0', features]]);
      const [proposals] = this.rpn.call(imageList, features, null) as [Tensor[], Record<string, Tensor>];
      return proposals;
    });
  }
}
classArgs(GeneralizedRCNN, 'torchvision.models.detection.GeneralizedRCNN', 'backbone, rpn, roiHeads, transform');
