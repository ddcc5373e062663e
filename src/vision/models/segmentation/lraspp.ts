// Lite R-ASPP (Howard et al. 2019, "Searching for MobileNetV3"), as torchvision's segmentation/lraspp.py: the
// high-level features (C5) through a 1x1 convolution gated by their global average (a squeeze-excitation-like
// scale), upsampled and added to a classifier of the low-level features (C2).
import { Module, releaseOutput } from '../../../nn/module.js';
import { Sequential } from '../../../nn/modules/container.js';
import * as nn from '../../../nn/index.js';
import { interpolate } from '../../../nn/functional/upsampling.js';
import type { Tensor } from '../../../tensor.js';
import { disposeTemporary } from '../../../memory.js';
import { mobilenet_v3_large, type MobileNetV3 } from '../mobilenetv3.js';
import { IntermediateLayerGetter } from '../intermediate-layer-getter.js';
import { registerModel } from '../registry.js';
import { segmentationWeightsEnum } from './preset.js';
import { mobileNetV3StageIndices } from './deeplabv3.js';
import { buildSegmentationModel, type SegmentationBuilderOptions } from './builder.js';
import type { SegmentationOutput } from './segmentation-model.js';
import { modelBuilder } from '../builder-args.js';
import { bindOwn, classArgs } from '../../../args.js';

export class LRASPPHead extends Module {
  declare cbr: Sequential;
  declare scale: Sequential;
  declare low_classifier: nn.Conv2d;
  declare high_classifier: nn.Conv2d;

  constructor(lowChannels: number, highChannels: number, numClasses: number, interChannels: number) {
    [lowChannels, highChannels, numClasses, interChannels] = bindOwn(LRASPPHead, arguments) as ConstructorParameters<typeof LRASPPHead>;
    super();
    this.cbr = new Sequential(new nn.Conv2d(highChannels, interChannels, 1, { bias: false }), new nn.BatchNorm2d(interChannels), new nn.ReLU({ inplace: true }));
    this.scale = new Sequential(new nn.AdaptiveAvgPool2d(1), new nn.Conv2d(highChannels, interChannels, 1, { bias: false }), new nn.Sigmoid());
    this.low_classifier = new nn.Conv2d(lowChannels, numClasses, 1);
    this.high_classifier = new nn.Conv2d(interChannels, numClasses, 1);
  }

  override forward(input: Record<string, Tensor>): Tensor {
    const low = input.low!, high = input.high!;
    const c: Tensor = this.cbr.call(high);
    const s: Tensor = this.scale.call(high);
    const gated = c.mul(s);
    releaseOutput(this.cbr, c);
    releaseOutput(this.scale, s);
    const up = interpolate(gated, { size: low.shape.slice(-2), mode: 'bilinear', alignCorners: false });
    disposeTemporary(gated);
    const a: Tensor = this.low_classifier.call(low);
    const b: Tensor = this.high_classifier.call(up);
    disposeTemporary(up);
    const out = a.add(b);
    releaseOutput(this.low_classifier, a);
    releaseOutput(this.high_classifier, b);
    return out;
  }
}
classArgs(LRASPPHead, 'torchvision.models.segmentation.LRASPPHead', 'lowChannels, highChannels, numClasses, interChannels');

export class LRASPP extends Module {
  declare backbone: Module;
  declare classifier: LRASPPHead;

  constructor(backbone: Module, lowChannels: number, highChannels: number, numClasses: number, interChannels = 128) {
    [backbone, lowChannels, highChannels, numClasses, interChannels = 128] = bindOwn(LRASPP, arguments) as ConstructorParameters<typeof LRASPP>;
    super();
    this.backbone = backbone;
    this.classifier = new LRASPPHead(lowChannels, highChannels, numClasses, interChannels);
  }

  override forward(input: Tensor): SegmentationOutput {
    const features = this.backbone.call(input) as Record<string, Tensor>;
    const out: Tensor = this.classifier.call(features);
    for (const f of Object.values(features)) releaseOutput(this.backbone, f);
    const up = interpolate(out, { size: input.shape.slice(-2), mode: 'bilinear', alignCorners: false });
    releaseOutput(this.classifier, out);
    return { out: up };
  }
}
classArgs(LRASPP, 'torchvision.models.segmentation.LRASPP', 'backbone, lowChannels, highChannels, numClasses, interChannels?');

export const LRASPP_MobileNet_V3_Large_Weights = segmentationWeightsEnum('LRASPP_MobileNet_V3_Large_Weights');

function lrasppMobilenetv3(backbone: MobileNetV3, numClasses: number): LRASPP {
  const features = backbone.features;
  const stages = mobileNetV3StageIndices(features);
  const lowPos = stages[stages.length - 4]!; // C2, output stride 8
  const highPos = stages[stages.length - 1]!; // C5, output stride 16
  const channels = (i: number): number => (features.at(i) as unknown as { outChannels: number }).outChannels;
  const getter = new IntermediateLayerGetter(features, { [String(lowPos)]: 'low', [String(highPos)]: 'high' });
  return new LRASPP(getter, channels(lowPos), channels(highPos), numClasses);
}

/** LR-ASPP with a dilated MobileNetV3-Large backbone; it has no auxiliary head (auxLoss: true is an error, as in torchvision). */
export const lraspp_mobilenet_v3_large = modelBuilder('lraspp_mobilenet_v3_large', (opts: SegmentationBuilderOptions = {}): LRASPP => buildSegmentationModel(LRASPP_MobileNet_V3_Large_Weights, opts,
  (wb, numClasses) => lrasppMobilenetv3(mobilenet_v3_large({ weights: wb, dilated: true }), numClasses), 'classifier.low_classifier.weight', { hasAux: false }));

registerModel('lraspp_mobilenet_v3_large', lraspp_mobilenet_v3_large, LRASPP_MobileNet_V3_Large_Weights);
