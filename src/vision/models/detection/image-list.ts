// torchvision.models.detection.image_list: a batch of images of different sizes, padded into one tensor, with
// each image's own [height, width] (after resizing, before padding) kept beside it.
import type { Tensor } from '../../../tensor.js';
import type { DeviceLike } from '../../../device.js';

export type ImageSize = [number, number];

export class ImageList {
  /** tensors: the padded batch [N, C, H, W]; imageSizes: each image's [height, width] inside it. */
  constructor(readonly tensors: Tensor, readonly imageSizes: ImageSize[]) {
    if (tensors.shape[0] !== imageSizes.length) {
      throw new RangeError(`ImageList: ${imageSizes.length} image sizes for a batch of ${tensors.shape[0]}`);
    }
  }

  to(device: DeviceLike): ImageList {
    return new ImageList(this.tensors.to(device), this.imageSizes);
  }
}
