// torchvision's ElasticTransform and F.elastic_transform (0.14): every pixel displaced by a smooth random field
// (uniform noise blurred with a Gaussian of sigma, scaled by alpha), sampled with grid_sample. Images go through
// their uint8 tensor and back, as torchvision converts PIL images; the draws are torchvision's (two torch.rand).
import { Tensor } from '../../tensor.js';
import { cat, linspace, meshgrid, rand, stack } from '../../creation.js';
import { Transform } from './transforms.js';
import { gaussianBlur } from './image-color.js';
import { applyGrid } from './tensor-grid.js';
import { imageToTensor, isImage, tensorToImage, type RGBImage } from '../io/image.js';
import type { ImageOrTensor } from './functional.js';
import { pyFloat } from '../../nn/modules/repr.js';
import { bindCtor, classArgs, withArgs, type PyRest } from '../../args.js';

type Mode = 'nearest' | 'bilinear';

/** F.elastic_transform: `displacement` [1, H, W, 2] in grid units (x then y), added to the identity grid. */
function elasticTransformImpl<T extends ImageOrTensor>(img: T, displacement: Tensor, interpolation: Mode = 'bilinear', fill: number | readonly number[] | null = null): T {
  if (!(displacement instanceof Tensor)) throw new TypeError('Argument displacement should be a Tensor');
  if (interpolation !== 'nearest' && interpolation !== 'bilinear') throw new RangeError(`elasticTransform: interpolation must be 'nearest' or 'bilinear', got '${String(interpolation)}'`);
  const isImg = isImage(img);
  if (!isImg && !(img instanceof Tensor)) throw new TypeError(`img should be PIL Image or Tensor. Got ${typeof img}`);
  const t = isImg ? imageToTensor(img as RGBImage) : img as Tensor;
  const [h, w] = t.shape.slice(-2) as [number, number];
  const want = [1, h, w, 2];
  if (displacement.shape.join() !== want.join()) {
    throw new RangeError(`Argument displacement shape should be (${want.join(', ')}), but given [${displacement.shape}]`);
  }
  // _create_identity_grid: pixel centres in [-1, 1]
  const [gy, gx] = meshgrid([linspace((-h + 1) / h, (h - 1) / h, h), linspace((-w + 1) / w, (w - 1) / w, w)], 'ij') as [Tensor, Tensor];
  const grid = stack([gx, gy], -1).unsqueeze(0).add(displacement);
  const f = fill === null ? null : typeof fill === 'number' ? [fill] : [...fill];
  const out = applyGrid(t, grid, interpolation, f);
  return (isImg ? tensorToImage(out) : out) as T;
}

function pair(v: number | readonly number[], what: string): [number, number] {
  if (typeof v === 'number') return [v, v];
  if (!Array.isArray(v) || (v.length !== 1 && v.length !== 2) || v.some((e) => typeof e !== 'number')) {
    throw new RangeError(`If ${what} is a sequence its length should be 2. Got ${Array.isArray(v) ? v.length : typeof v}`);
  }
  return v.length === 1 ? [v[0]!, v[0]!] : [v[0]!, v[1]!];
}

export interface ElasticTransformOptions {
  /** Displacement strength, one value or (x, y) (default 50). */
  alpha?: number | readonly number[];
  /** Smoothness of the displacement (the Gaussian's sigma), one value or (x, y) (default 5). */
  sigma?: number | readonly number[];
  /** 'bilinear' (default) or 'nearest'. */
  interpolation?: Mode;
  /** The value of pixels that come from outside the image (default 0). */
  fill?: number;
}

export class ElasticTransform extends Transform<ImageOrTensor, ImageOrTensor> {
  readonly alpha: [number, number];
  readonly sigma: [number, number];
  readonly interpolation: Mode;
  readonly fill: number;

  /** torchvision's order (alpha, sigma, interpolation, fill), or an options object. */
  constructor(...args: PyRest<ElasticTransformOptions, ['alpha', 'sigma', 'interpolation', 'fill']>) {
    super();
    const [o = {}] = bindCtor(ElasticTransform, args) as [ElasticTransformOptions];
    this.alpha = pair(o.alpha ?? 50.0, 'alpha');
    this.sigma = pair(o.sigma ?? 5.0, 'sigma');
    this.interpolation = o.interpolation ?? 'bilinear';
    if (this.interpolation !== 'nearest' && this.interpolation !== 'bilinear') throw new RangeError(`ElasticTransform: interpolation must be 'nearest' or 'bilinear', got '${String(this.interpolation)}'`);
    if (typeof (o.fill ?? 0) !== 'number') throw new TypeError(`fill should be int or float. Got ${typeof o.fill}`);
    this.fill = o.fill ?? 0;
  }

  /** torchvision's get_params: the random displacement [1, H, W, 2] for an image of `size` [H, W]. */
  static getParams(alpha: readonly [number, number], sigma: readonly [number, number], size: readonly [number, number]): Tensor {
    const field = (i: 0 | 1): Tensor => {
      let d = rand([1, 1, size[0], size[1]]).mul(2).sub(1);
      if (sigma[i] > 0.0) {
        let k = Math.trunc(8 * sigma[i] + 1);
        if (k % 2 === 0) k += 1;
        d = gaussianBlur(d, [k, k], [...sigma]);
      }
      return d.mul(alpha[i]).div(size[i]);
    };
    const dx = field(0);
    const dy = field(1);
    return cat([dx, dy], 1).permute([0, 2, 3, 1]);
  }

  forward(img: ImageOrTensor): ImageOrTensor {
    const [h, w] = img instanceof Tensor ? img.shape.slice(-2) as [number, number] : [(img as RGBImage).height, (img as RGBImage).width];
    const displacement = ElasticTransform.getParams(this.alpha, this.sigma, [h, w]);
    return elasticTransform(img, displacement, this.interpolation, this.fill);
  }

  // torchvision 0.14 prints the interpolation and fill placeholders literally (its repr is not an f-string there)
  override toString(): string {
    return `ElasticTransform(alpha=[${this.alpha.map(pyFloat).join(', ')}]), (sigma=[${this.sigma.map(pyFloat).join(', ')}]), interpolation={self.interpolation}, fill={self.fill})`;
  }
}

/** F.elastic_transform(img, displacement, interpolation, fill), bound to torchvision's order. */
export const elasticTransform: <T extends ImageOrTensor>(img: T, displacement: Tensor, interpolation?: Mode,
  fill?: number | readonly number[] | null) => T = withArgs('elasticTransform', 'torchvision.transforms.functional.elastic_transform',
  'img, displacement, interpolation?, fill?', elasticTransformImpl);
classArgs(ElasticTransform, 'torchvision.transforms.ElasticTransform', '; alpha, sigma, interpolation, fill');
