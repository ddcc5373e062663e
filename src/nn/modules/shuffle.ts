// nn.ChannelShuffle, nn.PixelShuffle, nn.PixelUnshuffle.
import { Tensor } from '../../tensor.js';
import { Module } from '../module.js';
import { channelShuffle, pixelShuffle, pixelUnshuffle } from '../functional/shuffle.js';

export class ChannelShuffle extends Module {
  groups: number;
  constructor(groups: number) {
    super();
    this.groups = groups;
  }
  override forward(input: Tensor): Tensor { return channelShuffle(input, this.groups); }
  override extraRepr(): string { return `groups=${this.groups}`; }
}

export class PixelShuffle extends Module {
  upscaleFactor: number;
  constructor(upscaleFactor: number) {
    super();
    this.upscaleFactor = upscaleFactor;
  }
  override forward(input: Tensor): Tensor { return pixelShuffle(input, this.upscaleFactor); }
  override extraRepr(): string { return `upscale_factor=${this.upscaleFactor}`; }
}

export class PixelUnshuffle extends Module {
  downscaleFactor: number;
  constructor(downscaleFactor: number) {
    super();
    this.downscaleFactor = downscaleFactor;
  }
  override forward(input: Tensor): Tensor { return pixelUnshuffle(input, this.downscaleFactor); }
  override extraRepr(): string { return `downscale_factor=${this.downscaleFactor}`; }
}
