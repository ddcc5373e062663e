// torchvision's FiveCrop and TenCrop (test-time augmentation): the four corners and the centre, and the same
// of the flipped image. They return arrays, so a Lambda usually stacks them (as in torchvision's docs).
import { withArgs } from '../../args.js';
import * as F from './functional.js';
import type { ImageOrTensor } from './functional.js';
import { bindCtor, classArgs, type PyRest } from '../../args.js';
import { Transform } from './transforms.js';

export const fiveCrop = withArgs('fiveCrop', 'torchvision.transforms.functional.five_crop', 'img:dict, size', fiveCropImpl);
function fiveCropImpl<T extends ImageOrTensor>(img: T, size: number | readonly number[]): [T, T, T, T, T] {
  const [ch, cw] = F.parseSize(size, 'fiveCrop');
  const [, h, w] = F.getDimensions(img);
  if (cw > w || ch > h) throw new RangeError(`fiveCrop: requested crop size (${ch}, ${cw}) is bigger than input size (${h}, ${w})`);
  return [
    F.crop(img, 0, 0, ch, cw), F.crop(img, 0, w - cw, ch, cw), F.crop(img, h - ch, 0, ch, cw),
    F.crop(img, h - ch, w - cw, ch, cw), F.centerCrop(img, [ch, cw]),
  ];
}

export const tenCrop = withArgs('tenCrop', 'torchvision.transforms.functional.ten_crop', 'img:dict, size, verticalFlip?', tenCropImpl);
function tenCropImpl<T extends ImageOrTensor>(img: T, size: number | readonly number[], verticalFlip = false): T[] {
  const first = fiveCrop(img, size);
  return [...first, ...fiveCrop(verticalFlip ? F.vflip(img) : F.hflip(img), size)];
}

export class FiveCrop extends Transform<ImageOrTensor, ImageOrTensor[]> {
  readonly size: [number, number];
  constructor(size: number | readonly number[] | { size: number | readonly number[] }) {
    super();
    const [s] = bindCtor(FiveCrop, arguments) as [number | readonly number[]];
    this.size = F.parseSize(s, 'FiveCrop');
  }
  forward(img: ImageOrTensor): ImageOrTensor[] { return fiveCrop(img, this.size); }
  override toString(): string { return `FiveCrop(size=(${this.size.join(', ')}))`; }
}

export class TenCrop extends Transform<ImageOrTensor, ImageOrTensor[]> {
  readonly size: [number, number];
  readonly verticalFlip: boolean;
  constructor(size: number | readonly number[], ...rest: PyRest<{ verticalFlip?: boolean }, ['verticalFlip']>) {
    super();
    let opts: { verticalFlip?: boolean };
    [size, opts = {}] = bindCtor(TenCrop, arguments) as [number | readonly number[], { verticalFlip?: boolean }];
    this.size = F.parseSize(size, 'TenCrop');
    this.verticalFlip = opts.verticalFlip ?? false;
  }
  forward(img: ImageOrTensor): ImageOrTensor[] { return tenCrop(img, this.size, this.verticalFlip); }
  override toString(): string { return `TenCrop(size=(${this.size.join(', ')}), vertical_flip=${this.verticalFlip ? 'True' : 'False'})`; }
}

classArgs(FiveCrop, 'torchvision.transforms.FiveCrop', 'size');
classArgs(TenCrop, 'torchvision.transforms.TenCrop', 'size; verticalFlip');
