// A decoded picture in memory: 8-bit samples, row-major, channels interleaved (HWC), as PIL holds an 'L' or
// 'RGB' image. Transforms that must match torchvision on PIL images work on this type, because PIL's
// arithmetic is 8-bit integer arithmetic that a float CHW tensor cannot reproduce.
import { Tensor } from '../../tensor.js';
import { fromBytes } from '../../creation.js';
import { bindOwn, registerSignature } from '../../args.js';

// PyTorch's argument binding (src/args.ts) for this module's functions: an extra positional argument or an
// unknown keyword is a TypeError naming it.
registerSignature(createImage, 'createImage', 'tstorch.vision.io.createImage', 'width, height, channels, data?');
registerSignature(imageMode, 'imageMode', 'tstorch.vision.io.imageMode', 'img:dict');
registerSignature(imageToTensor, 'imageToTensor', 'tstorch.vision.io.imageToTensor', 'img:dict');
registerSignature(isImage, 'isImage', 'tstorch.vision.io.isImage', 'x:dict');
registerSignature(tensorToImage, 'tensorToImage', 'tstorch.vision.io.tensorToImage', 't');
registerSignature(toGrayscale, 'toGrayscale', 'tstorch.vision.io.toGrayscale', 'img:dict, outChannels?');
registerSignature(toRGB, 'toRGB', 'tstorch.vision.io.toRGB', 'img:dict');

export type ImageMode = 'RGB' | 'L';

export interface RGBImage {
  readonly width: number;
  readonly height: number;
  /** 3 for 'RGB', 1 for 'L' (2 and 4, with alpha, only from openImage's 'unchanged' mode). */
  readonly channels: number;
  /** height * width * channels bytes, HWC. */
  readonly data: Uint8Array;
}

/**
 * The image objects tstorch makes (a class rather than a plain object, so that argument binding never takes an
 * image for an options object). Any object with these four fields is accepted as an image.
 */
class Image implements RGBImage {
  constructor(readonly width: number, readonly height: number, readonly channels: number, readonly data: Uint8Array) {}
}

export function isImage(x: unknown): x is RGBImage {
  [x] = bindOwn(isImage, arguments) as Parameters<typeof isImage>;
  if (x === null || typeof x !== 'object') return false;
  const o = x as Partial<RGBImage>;
  return typeof o.width === 'number' && typeof o.height === 'number' && typeof o.channels === 'number' && o.data instanceof Uint8Array;
}

export function createImage(width: number, height: number, channels: number, data?: Uint8Array): RGBImage {
  [width, height, channels, data] = bindOwn(createImage, arguments) as Parameters<typeof createImage>;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 0 || height < 0) {
    throw new RangeError(`createImage: width and height must be non-negative integers, got ${width}x${height}`);
  }
  if (!Number.isInteger(channels) || channels < 1 || channels > 4) throw new RangeError(`createImage: channels must be 1 to 4, got ${channels}`);
  const n = width * height * channels;
  if (data !== undefined && data.length !== n) {
    throw new RangeError(`createImage: ${data.length} bytes do not fill a ${width}x${height}x${channels} image (${n} bytes)`);
  }
  return new Image(width, height, channels, data ?? new Uint8Array(n));
}

export function imageMode(img: RGBImage): ImageMode {
  [img] = bindOwn(imageMode, arguments) as Parameters<typeof imageMode>;
  if (img.channels === 3) return 'RGB';
  if (img.channels === 1) return 'L';
  throw new RangeError(`image has ${img.channels} channels; only 'L' (1) and 'RGB' (3) are supported here`);
}

/** PIL's convert('L') from RGB: ITU-R 601-2 luma in 16-bit fixed point, as Convert.c's L24 macro. */
export function toGrayscale(img: RGBImage, outChannels: 1 | 3 = 1): RGBImage {
  [img, outChannels = 1] = bindOwn(toGrayscale, arguments) as Parameters<typeof toGrayscale>;
  const { width, height } = img;
  const n = width * height;
  const out = new Uint8Array(n * outChannels);
  const C = img.channels;
  const d = img.data;
  if (C <= 2) {
    for (let i = 0; i < n; i++) for (let c = 0; c < outChannels; c++) out[i * outChannels + c] = d[i * C]!;
    return createImage(width, height, outChannels, out);
  }
  for (let i = 0; i < n; i++) {
    const l = (d[i * C]! * 19595 + d[i * C + 1]! * 38470 + d[i * C + 2]! * 7471 + 0x8000) >> 16;
    for (let c = 0; c < outChannels; c++) out[i * outChannels + c] = l;
  }
  return createImage(width, height, outChannels, out);
}

/** PIL's convert('RGB') of an 'L' image (the grey value in every channel). */
export function toRGB(img: RGBImage): RGBImage {
  [img] = bindOwn(toRGB, arguments) as Parameters<typeof toRGB>;
  if (img.channels === 3) return img;
  if (img.channels === 1) return toGrayscale(img, 3);
  // Grey+alpha or RGBA: PIL drops alpha without compositing.
  const n = img.width * img.height, C = img.channels;
  const out = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) out[i * 3 + c] = img.data[i * C + (C === 2 ? 0 : c)]!;
  return createImage(img.width, img.height, 3, out);
}

/** A CHW uint8 tensor of the image (torchvision.transforms.functional.pil_to_tensor). */
export function imageToTensor(img: RGBImage): Tensor {
  [img] = bindOwn(imageToTensor, arguments) as Parameters<typeof imageToTensor>;
  return fromBytes(img.data, [img.height, img.width, img.channels], 'uint8').permute([2, 0, 1]).contiguous();
}

/** An image from a CHW (or HW) uint8 tensor, or a float tensor in [0, 1] scaled as torchvision's to_pil_image (mul(255).byte()). */
export function tensorToImage(t: Tensor): RGBImage {
  [t] = bindOwn(tensorToImage, arguments) as Parameters<typeof tensorToImage>;
  let x = t.detach().cpu();
  if (x.ndim === 2) x = x.unsqueeze(0);
  if (x.ndim !== 3) throw new RangeError(`tensorToImage: expected a CHW or HW tensor, got shape [${t.shape.join(', ')}]`);
  const [c, h, w] = x.shape;
  if (c !== 1 && c !== 3 && c !== 4) throw new RangeError(`tensorToImage: expected 1, 3 or 4 channels, got shape [${t.shape.join(', ')}]`);
  if (x.dtype.name !== 'uint8') {
    if (x.dtype.name === 'float32' || x.dtype.name === 'float64' || x.dtype.name === 'float16' || x.dtype.name === 'bfloat16') x = x.mul(255).to('uint8');
    else x = x.to('uint8');
  }
  const hwc = x.permute([1, 2, 0]).contiguous();
  return createImage(w, h, c, new Uint8Array(hwc.toBytes()));
}
