// torchvision's functional_tensor colour operations on [..., C, H, W] tensors (uint8 or float), with the same
// ATen arithmetic, so ColorJitter and friends also work after ToTensor and on batches.
import { Tensor } from '../../tensor.js';
import { arange, einsum, ones, onesLike, scalarTensor, stack, where, zerosLike } from '../../creation.js';
import { conv2d } from '../../nn/functional/conv.js';
import { pad as padNd } from '../../nn/functional/padding.js';
import { op } from '../../native/ops.js';

const bitwiseAndScalar = op('aten::bitwise_and.Scalar');

function check(img: Tensor, what: string): number {
  if (img.ndim < 3) throw new RangeError(`${what}: expected a tensor of shape [..., C, H, W], got [${img.shape.join(', ')}]`);
  const c = img.shape[img.ndim - 3]!;
  if (c !== 1 && c !== 3) throw new RangeError(`${what}: expected 1 or 3 channels, got ${c}`);
  return c;
}

export function rgbToGrayscaleTensor(img: Tensor, numOutputChannels: 1 | 3 = 1): Tensor {
  const c = check(img, 'rgbToGrayscale');
  if (numOutputChannels !== 1 && numOutputChannels !== 3) throw new RangeError('rgbToGrayscale: numOutputChannels should be either 1 or 3');
  let l: Tensor;
  if (c === 3) {
    const [r, g, b] = img.unbind(-3) as [Tensor, Tensor, Tensor];
    l = r.mul(0.2989).add(g.mul(0.587)).add(b.mul(0.114)).to(img.dtype).unsqueeze(-3);
  } else {
    l = img.clone();
  }
  return numOutputChannels === 3 ? l.expand(img.shape) : l;
}

function blend(img1: Tensor, img2: Tensor, ratio: number): Tensor {
  const bound = img1.isFloatingPoint() ? 1.0 : 255.0;
  return img1.mul(ratio).add(img2.mul(1.0 - ratio)).clamp(0, bound).to(img1.dtype);
}

export function adjustBrightnessTensor(img: Tensor, factor: number): Tensor {
  check(img, 'adjustBrightness');
  return blend(img, zerosLike(img), factor);
}

export function adjustContrastTensor(img: Tensor, factor: number): Tensor {
  const c = check(img, 'adjustContrast');
  const dtype = img.isFloatingPoint() ? img.dtype : 'float32';
  const src = c === 3 ? rgbToGrayscaleTensor(img) : img;
  const mean = src.to(dtype).mean({ dim: [-3, -2, -1], keepdim: true });
  return blend(img, mean, factor);
}

export function adjustSaturationTensor(img: Tensor, factor: number): Tensor {
  if (check(img, 'adjustSaturation') === 1) return img;
  return blend(img, rgbToGrayscaleTensor(img), factor);
}

function rgb2hsv(img: Tensor): Tensor {
  const [r, g, b] = img.unbind(-3) as [Tensor, Tensor, Tensor];
  const maxc = (img.max(-3) as { values: Tensor }).values;
  const minc = (img.min(-3) as { values: Tensor }).values;
  const eqc = maxc.eq(minc);
  const cr = maxc.sub(minc);
  const ones = onesLike(maxc);
  const s = cr.div(where(eqc, ones, maxc));
  const crd = where(eqc, ones, cr);
  const rc = maxc.sub(r).div(crd), gc = maxc.sub(g).div(crd), bc = maxc.sub(b).div(crd);
  const hr = maxc.eq(r).mul(bc.sub(gc));
  const hg = maxc.eq(g).logicalAnd(maxc.ne(r)).mul(rc.add(2.0).sub(bc));
  const hb = maxc.ne(g).logicalAnd(maxc.ne(r)).mul(gc.add(4.0).sub(rc));
  const h = hr.add(hg).add(hb).div(6.0).add(1.0).fmod(1.0);
  return stack([h, s, maxc], -3);
}

function hsv2rgb(img: Tensor): Tensor {
  const [h, s, v] = img.unbind(-3) as [Tensor, Tensor, Tensor];
  const i0 = h.mul(6.0).floor();
  const f = h.mul(6.0).sub(i0);
  const i = i0.to('int32').remainder(6);
  const one = (t: Tensor): Tensor => t.neg().add(1.0);
  const p = v.mul(one(s)).clamp(0.0, 1.0);
  const q = v.mul(one(s.mul(f))).clamp(0.0, 1.0);
  const t = v.mul(one(s.mul(one(f)))).clamp(0.0, 1.0);
  const mask = i.unsqueeze(-3).eq(arange(6).view([-1, 1, 1]));
  const a1 = stack([v, q, p, p, t, v], -3);
  const a2 = stack([t, v, v, q, p, p], -3);
  const a3 = stack([p, p, t, v, v, q], -3);
  const a4 = stack([a1, a2, a3], -4);
  return einsum('...ijk, ...xijk -> ...xjk', mask.to(img.dtype), a4);
}

export function adjustHueTensor(img: Tensor, factor: number): Tensor {
  if (!(factor >= -0.5 && factor <= 0.5)) throw new RangeError(`adjustHue: hue_factor (${factor}) is not in [-0.5, 0.5].`);
  if (check(img, 'adjustHue') === 1) return img;
  const orig = img.dtype;
  let x = orig.name === 'uint8' ? img.to('float32').div(255.0) : img;
  x = rgb2hsv(x);
  const [h, s, v] = x.unbind(-3) as [Tensor, Tensor, Tensor];
  const out = hsv2rgb(stack([h.add(factor).remainder(1.0), s, v], -3));
  return orig.name === 'uint8' ? out.mul(255.0).to(orig) : out;
}

// ---- The remaining colour operations of functional_tensor (AugMix applies them to tensors) ----

/** _blurred_degenerate_image: the 3x3 smoothing kernel (centre 5, others 1) inside a one-pixel border kept as is. */
function blurredDegenerate(img: Tensor): Tensor {
  const dtype = img.isFloatingPoint() ? img.dtype : 'float32';
  const kernel = ones([3, 3], { dtype });
  kernel.select(0, 1).select(0, 1).fill_(5.0);
  kernel.div_(kernel.sum());
  const c = img.shape[img.ndim - 3]!;
  const shape = img.shape;
  let x = img.ndim < 4 ? img.unsqueeze(0) : img.reshape([-1, ...shape.slice(-3)]);
  const cast = x.dtype !== dtype;
  if (cast) x = x.to(dtype);
  x = conv2d(x, kernel.expand([c, 1, 3, 3]), null, { groups: c });
  if (cast) x = x.round().to(img.dtype);
  const result = img.clone();
  result.narrow(-2, 1, shape[shape.length - 2]! - 2).narrow(-1, 1, shape[shape.length - 1]! - 2)
    .copy_(x.reshape([...shape.slice(0, -2), shape[shape.length - 2]! - 2, shape[shape.length - 1]! - 2]));
  return result;
}

export function adjustSharpnessTensor(img: Tensor, factor: number): Tensor {
  if (factor < 0) throw new RangeError(`sharpness_factor (${factor}) is not non-negative.`);
  check(img, 'adjustSharpness');
  if (img.shape[img.ndim - 1]! <= 2 || img.shape[img.ndim - 2]! <= 2) return img;
  return blend(img, blurredDegenerate(img), factor);
}

export function posterizeTensor(img: Tensor, bits: number): Tensor {
  check(img, 'posterize');
  if (img.dtype.name !== 'uint8') throw new TypeError(`Only torch.uint8 image tensors are supported, but found ${img.dtype}`);
  if (!Number.isInteger(bits) || bits < 0 || bits > 8) throw new RangeError(`posterize: bits must be an integer in [0, 8], got ${bits}`);
  // img & -(2 ** (8 - bits)): the negative Python int becomes the uint8 mask
  return new Tensor(bitwiseAndScalar(img._h, (256 - 2 ** (8 - bits)) & 0xff));
}

export function invertTensor(img: Tensor): Tensor {
  check(img, 'invert');
  return scalarTensor(img.isFloatingPoint() ? 1 : 255, { dtype: img.dtype }).sub(img);
}

export function solarizeTensor(img: Tensor, threshold: number): Tensor {
  check(img, 'solarize');
  const bound = img.isFloatingPoint() ? 1 : 255;
  if (threshold > bound) throw new TypeError('Threshold should be less than bound of img.');
  return where(img.ge(threshold), invertTensor(img), img);
}

export function autocontrastTensor(img: Tensor): Tensor {
  check(img, 'autocontrast');
  const bound = img.isFloatingPoint() ? 1.0 : 255.0;
  const dtype = img.isFloatingPoint() ? img.dtype : 'float32';
  const minimum = img.amin([-2, -1], true).to(dtype);
  const maximum = img.amax([-2, -1], true).to(dtype);
  const scale = maximum.sub(minimum).reciprocal().mul(bound);
  const eq = scale.isfinite().logicalNot();
  minimum.maskedFill_(eq, 0.0);
  scale.maskedFill_(eq, 1.0);
  return img.sub(minimum).mul(scale).clamp(0, bound).to(img.dtype);
}

function scaleChannel(chan: Tensor): Tensor {
  const hist = chan.reshape(-1).bincount({ minlength: 256 });
  const nonzero = hist.index(hist.ne(0));
  const step = nonzero.slice(0, 0, -1).sum().div(255, { roundingMode: 'floor' });
  if (step.item() === 0) return chan;
  const lut = hist.cumsum(0).add(step.div(2, { roundingMode: 'floor' })).div(step, { roundingMode: 'floor' });
  const shifted = padNd(lut, [1, 0]).slice(0, 0, -1).clamp(0, 255);
  return shifted.index(chan.to('int64')).to('uint8');
}

export function equalizeTensor(img: Tensor): Tensor {
  if (img.ndim !== 3 && img.ndim !== 4) throw new TypeError(`Input image tensor should have 3 or 4 dimensions, but found ${img.ndim}`);
  if (img.dtype.name !== 'uint8') throw new TypeError(`Only torch.uint8 image tensors are supported, but found ${img.dtype}`);
  check(img, 'equalize');
  const single = (x: Tensor): Tensor => stack(x.unbind(0).map(scaleChannel));
  return img.ndim === 3 ? single(img) : stack(img.unbind(0).map(single));
}

