// ConvNeXt's LayerNorm2d (torchvision.models.convnext.LayerNorm2d): LayerNorm over the channels of an
// NCHW tensor, applied channels-last and permuted back.
import type { Tensor } from '../../tensor.js';
import { LayerNorm } from '../../nn/modules/normalization.js';
import { layerNorm } from '../../nn/functional/normalization.js';
import { classArgs } from '../../args.js';

export class LayerNorm2d extends LayerNorm {
  override forward(x: Tensor): Tensor {
    if (x.ndim !== 4) throw new RangeError(`LayerNorm2d: expected a 4-d input (N, C, H, W), got shape [${x.shape.join()}]`);
    const y = layerNorm(x.permute(0, 2, 3, 1), this.normalizedShape, { weight: this.weight, bias: this.bias, eps: this.eps });
    return y.permute(0, 3, 1, 2);
  }
}
classArgs(LayerNorm2d, 'torchvision.models.convnext.LayerNorm2d', 'normalizedShape; eps, elementwiseAffine'); // bound by LayerNorm's constructor
