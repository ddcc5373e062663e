// Channel and pixel rearrangements of torch.nn.functional (ShuffleNet's channel shuffle, sub-pixel convolution).
import { withArgs } from '../../args.js';
import { Tensor } from '../../tensor.js';
import { op } from '../../native/ops.js';

const O = {
  channelShuffle: op('aten::channel_shuffle'), pixelShuffle: op('aten::pixel_shuffle'), pixelUnshuffle: op('aten::pixel_unshuffle'),
};

export const channelShuffle = withArgs('channelShuffle', 'torch.nn.functional.channel_shuffle', 'input, groups', (input: Tensor, groups: number): Tensor => {
  if (input.ndim < 3) throw new RangeError(`channelShuffle: expected an input of 3 or more dimensions, got shape [${input.shape.join()}]`);
  if (!Number.isInteger(groups) || groups <= 0 || input.shape[1]! % groups !== 0) {
    throw new RangeError(`channelShuffle: the number of channels (${input.shape[1]}) must be divisible by groups (${groups})`);
  }
  // ATen's channel_shuffle (PyTorch 1.13) has no derivative; the same permutation by views has one, which
  // training ShuffleNet needs
  if (input.requiresGrad) {
    const [n, c, ...rest] = input.shape;
    return input.reshape([n, groups, c / groups, ...rest]).transpose(1, 2).reshape(input.shape);
  }
  return new Tensor(O.channelShuffle(input._h, groups));
});

export const pixelShuffle = withArgs('pixelShuffle', 'torch.nn.functional.pixel_shuffle', 'input, upscaleFactor', (input: Tensor, upscaleFactor: number): Tensor => new Tensor(O.pixelShuffle(input._h, upscaleFactor)));
export const pixelUnshuffle = withArgs('pixelUnshuffle', 'torch.nn.functional.pixel_unshuffle', 'input, downscaleFactor', (input: Tensor, downscaleFactor: number): Tensor => new Tensor(O.pixelUnshuffle(input._h, downscaleFactor)));
