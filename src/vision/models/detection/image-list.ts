// torchvision.models.detection.image_list: a batch of images of different sizes, padded into one tensor, with
// each image's own [height, width] (after resizing, before padding) kept beside it.
import type { Tensor } from '../../../tensor.js';
import type { DeviceLike } from '../../../device.js';
import { bindOwn, classArgs } from '../../../args.js';

export type ImageSize = [number, number];

export class ImageList {
  readonly tensors: Tensor;
  readonly imageSizes: ImageSize[];
  /** tensors: the padded batch [N, C, H, W]; imageSizes: each image's [height, width] inside it. */
  constructor(tensors: Tensor, imageSizes: ImageSize[]) {
    [tensors, imageSizes] = bindOwn(ImageList, arguments) as ConstructorParameters<typeof ImageList>;
    this.tensors = tensors;
    this.imageSizes = imageSizes;
    if (tensors.shape[0] !== imageSizes.length) {
      throw new RangeError(`ImageList: ${imageSizes.length} image sizes for a batch of ${tensors.shape[0]}`);
    }
  }

  to(device: DeviceLike): ImageList {
    return new ImageList(this.tensors.to(device), this.imageSizes);
  }
}
classArgs(ImageList, 'torchvision.models.detection.ImageList', 'tensors, imageSizes');
