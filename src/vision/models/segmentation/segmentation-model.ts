// torchvision's _SimpleSegmentationModel: a backbone returning named feature maps, a classifier on the last one
// ('out') and an optional auxiliary classifier on an earlier one ('aux'), each upsampled bilinearly to the
// input's size. FCN and DeepLabV3 are this model with their own heads.
import { Module, releaseOutput } from '../../../nn/module.js';
import { interpolate } from '../../../nn/functional/upsampling.js';
import type { Tensor } from '../../../tensor.js';
import { bindOwn, classArgs } from '../../../args.js';

/** Per-pixel class scores (N, classes, H, W) at the input's size: `out`, and `aux` when trained with the auxiliary loss. */
export interface SegmentationOutput {
  out: Tensor;
  aux?: Tensor;
}

export class SimpleSegmentationModel extends Module {
  declare backbone: Module;
  declare classifier: Module;
  declare aux_classifier: Module | null;

  constructor(backbone: Module, classifier: Module, auxClassifier: Module | null = null) {
    [backbone, classifier, auxClassifier = null] = bindOwn(SimpleSegmentationModel, arguments) as ConstructorParameters<typeof SimpleSegmentationModel>;
    super();
    this.backbone = backbone;
    this.classifier = classifier;
    this.aux_classifier = auxClassifier;
  }

  override forward(x: Tensor): SegmentationOutput {
    const size = x.shape.slice(-2);
    const features = this.backbone.call(x) as Record<string, Tensor>;
    const head = (classifier: Module, f: Tensor): Tensor => {
      const y: Tensor = classifier.call(f);
      releaseOutput(this.backbone, f);
      const up = interpolate(y, { size, mode: 'bilinear', alignCorners: false });
      releaseOutput(classifier, y);
      return up;
    };
    const result: SegmentationOutput = { out: head(this.classifier, features.out!) };
    if (this.aux_classifier !== null) result.aux = head(this.aux_classifier, features.aux!);
    return result;
  }
}
classArgs(SimpleSegmentationModel, 'tstorch.vision.models.segmentation.SimpleSegmentationModel', 'backbone, classifier, auxClassifier?');
