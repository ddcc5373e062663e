// torchvision.utils.make_grid and save_image.
import { writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { Tensor } from '../../tensor.js';
import { cat, full, stack } from '../../creation.js';
import { withArgs, api, type PyRest, bindOwn, registerSignature } from '../../args.js';
import { encodeImage, encodeImageSync } from '../io/decode.js';
import { createImage, type RGBImage } from '../io/image.js';

// PyTorch's argument binding (src/args.ts) for this module's functions: an extra positional argument or an
// unknown keyword is a TypeError naming it.
registerSignature(gridToImage, 'gridToImage', 'tstorch.vision.utils.gridToImage', 'grid');

export interface MakeGridOptions {
  /** Images per row (default 8). */
  nrow?: number;
  padding?: number;
  /** Shift the values to [0, 1] using valueRange, or the min and max of the tensor. */
  normalize?: boolean;
  valueRange?: [number, number] | null;
  /** Normalise each image by its own min and max. */
  scaleEach?: boolean;
  padValue?: number;
}

/** make_grid: a B x C x H x W tensor (or a list of C x H x W tensors) as one C x H' x W' image of tiles. */
function makeGridImpl(tensor: Tensor | readonly Tensor[], opts: MakeGridOptions = {}): Tensor {
  const nrow = opts.nrow ?? 8, padding = opts.padding ?? 2, padValue = opts.padValue ?? 0;
  if (!Number.isInteger(nrow) || nrow < 1) throw new RangeError(`makeGrid: nrow must be a positive integer, got ${nrow}`);
  if (!Number.isInteger(padding) || padding < 0) throw new RangeError(`makeGrid: padding must be a non-negative integer, got ${padding}`);
  let t: Tensor;
  if (Array.isArray(tensor)) {
    (tensor as readonly unknown[]).forEach((x, i) => { if (!(x instanceof Tensor)) throw new TypeError(`makeGrid: tensor[${i}] is not a tensor`); });
    t = stack(tensor as readonly Tensor[], 0);
  } else if (tensor instanceof Tensor) {
    t = tensor;
  } else {
    throw new TypeError('makeGrid: expected a tensor or an array of tensors');
  }
  if (t.ndim === 2) t = t.unsqueeze(0);
  if (t.ndim === 3) {
    if (t.shape[0] === 1) t = cat([t, t, t], 0);
    t = t.unsqueeze(0);
  }
  if (t.ndim !== 4) throw new RangeError(`makeGrid: expected images of shape [B, C, H, W], [C, H, W] or [H, W], got [${t.shape.join(', ')}]`);
  if (t.shape[1] === 1) t = cat([t, t, t], 1);
  if (opts.normalize) {
    t = t.clone();
    const vr = opts.valueRange ?? null;
    const normIp = (img: Tensor, low: number, high: number): void => {
      img.clamp_(low, high);
      img.sub_(low).div_(Math.max(high - low, 1e-5));
    };
    const normRange = (x: Tensor): void => {
      if (vr !== null) normIp(x, vr[0], vr[1]);
      else normIp(x, (x.min() as Tensor).item(), (x.max() as Tensor).item());
    };
    if (opts.scaleEach) for (const img of t.unbind(0)) normRange(img);
    else normRange(t);
  }
  if (t.shape[0] === 1) return t.squeeze(0);
  const [nmaps, channels, h, w] = t.shape;
  const xmaps = Math.min(nrow, nmaps);
  const ymaps = Math.ceil(nmaps / xmaps);
  const height = h + padding, width = w + padding;
  const grid = full([channels, height * ymaps + padding, width * xmaps + padding], padValue, { dtype: t.dtype, device: t.device });
  let k = 0;
  for (let y = 0; y < ymaps; y++) {
    for (let x = 0; x < xmaps && k < nmaps; x++, k++) {
      grid.narrow(1, y * height + padding, height - padding).narrow(2, x * width + padding, width - padding).copy_(t.select(0, k));
    }
  }
  return grid;
}
/** torchvision.utils.make_grid(tensor, nrow=8, padding=2, normalize=False, value_range=None, scale_each=False, pad_value=0.0) */
export const makeGrid = withArgs('makeGrid', 'torchvision.utils.make_grid', 'tensor; nrow, padding, normalize, valueRange, scaleEach, padValue', makeGridImpl) as
  (tensor: Tensor | readonly Tensor[], ...rest: PyRest<MakeGridOptions, ['nrow', 'padding', 'normalize', 'valueRange', 'scaleEach', 'padValue']>) => Tensor;

/** save_image's conversion: a float image in [0, 1] to 8 bits, rounding to nearest (x * 255 + 0.5). */
export function gridToImage(grid: Tensor): RGBImage {
  [grid] = bindOwn(gridToImage, arguments) as Parameters<typeof gridToImage>;
  const x = grid.detach().mul(255).add_(0.5).clamp_(0, 255).permute([1, 2, 0]).to('cpu').to('uint8').contiguous();
  const [h, w, c] = x.shape;
  return createImage(w, h, c, new Uint8Array(x.toBytes()));
}

function formatOf(path: string, format?: 'png' | 'jpeg'): 'png' | 'jpeg' {
  if (format !== undefined) return format;
  const p = path.toLowerCase();
  if (p.endsWith('.jpg') || p.endsWith('.jpeg')) return 'jpeg';
  if (p.endsWith('.png')) return 'png';
  throw new RangeError(`saveImage: cannot tell the format of '${path}' from its extension; pass {format: 'png' | 'jpeg'}`);
}

/** torchvision.utils.save_image: makeGrid, then an 8-bit PNG or JPEG file, synchronously as in Python. */
/** save_image's keyword arguments: make_grid's and the file format. */
export type SaveImageOptions = MakeGridOptions & { format?: 'png' | 'jpeg' };

function saveImageImpl(tensor: Tensor | readonly Tensor[], path: string, opts: MakeGridOptions & { format?: 'png' | 'jpeg' } = {}): void {
  const img = gridToImage(makeGridImpl(tensor, opts));
  writeFileSync(path, encodeImageSync(img, { format: formatOf(path, opts.format), quality: 75 }));
}
export const saveImage = api<(tensor: Tensor | readonly Tensor[], fp: string,
  ...rest: PyRest<SaveImageOptions, ['format', 'nrow', 'padding', 'normalize', 'valueRange', 'scaleEach', 'padValue']>) => void>('saveImage', 'torchvision.utils.save_image', 'tensor, fp; format, nrow, padding, normalize, valueRange, scaleEach, padValue', saveImageImpl);

/** saveImage without blocking the event loop while the file is encoded. */
async function saveImageAsyncImpl(tensor: Tensor | readonly Tensor[], path: string, opts: MakeGridOptions & { format?: 'png' | 'jpeg' } = {}): Promise<void> {
  const img = gridToImage(makeGridImpl(tensor, opts));
  await writeFile(path, await encodeImage(img, { format: formatOf(path, opts.format), quality: 75 }));
}
export const saveImageAsync = api<(tensor: Tensor | readonly Tensor[], fp: string,
  ...rest: PyRest<SaveImageOptions, ['format', 'nrow', 'padding', 'normalize', 'valueRange', 'scaleEach', 'padValue']>) => Promise<void>>('saveImageAsync', 'torchvision.utils.save_image', 'tensor, fp; format, nrow, padding, normalize, valueRange, scaleEach, padValue', saveImageAsyncImpl);

/** The same as saveImage (kept for code written before saveImage became synchronous, as torchvision's). */
export const saveImageSync = saveImage;
