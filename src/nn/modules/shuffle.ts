// nn.ChannelShuffle, nn.PixelShuffle, nn.PixelUnshuffle.
import { Tensor } from '../../tensor.js';
import { bindCtor, classArgs } from '../../args.js';
import { Module } from '../module.js';
import { channelShuffle, pixelShuffle, pixelUnshuffle } from '../functional/shuffle.js';

export class ChannelShuffle extends Module {
  groups: number;
  constructor(groups: number | { groups: number }) {
    super();
    [this.groups] = bindCtor(ChannelShuffle, arguments) as [number];
  }
  override forward(input: Tensor): Tensor { return channelShuffle(input, this.groups); }
  override extraRepr(): string { return `groups=${this.groups}`; }
}

export class PixelShuffle extends Module {
  upscaleFactor: number;
  constructor(upscaleFactor: number | { upscaleFactor: number }) {
    super();
    [this.upscaleFactor] = bindCtor(PixelShuffle, arguments) as [number];
  }
  override forward(input: Tensor): Tensor { return pixelShuffle(input, this.upscaleFactor); }
  override extraRepr(): string { return `upscale_factor=${this.upscaleFactor}`; }
}

export class PixelUnshuffle extends Module {
  downscaleFactor: number;
  constructor(downscaleFactor: number | { downscaleFactor: number }) {
    super();
    [this.downscaleFactor] = bindCtor(PixelUnshuffle, arguments) as [number];
  }
  override forward(input: Tensor): Tensor { return pixelUnshuffle(input, this.downscaleFactor); }
  override extraRepr(): string { return `downscale_factor=${this.downscaleFactor}`; }
}

classArgs(ChannelShuffle, 'torch.nn.ChannelShuffle', 'groups');
classArgs(PixelShuffle, 'torch.nn.PixelShuffle', 'upscaleFactor');
classArgs(PixelUnshuffle, 'torch.nn.PixelUnshuffle', 'downscaleFactor');
