// torchvision's functional_tensor affine and rotate: an affine sampling grid and grid_sample, with the fill
// value carried by an extra mask channel, as torchvision does it (so results match on tensors, not PIL).
import { Tensor } from '../../tensor.js';
import { cat, empty, linspace, ones, tensor as makeTensor, where } from '../../creation.js';
import { op } from '../../native/ops.js';

const O = { gridSampler: op('aten::grid_sampler') };

function affineGrid(theta: Tensor, w: number, h: number, ow: number, oh: number): Tensor {
  const d = 0.5;
  const base = empty([1, oh, ow, 3], { dtype: theta.dtype });
  base.select(3, 0).copy_(linspace(-ow * 0.5 + d, ow * 0.5 + d - 1, ow));
  base.select(3, 1).copy_(linspace(-oh * 0.5 + d, oh * 0.5 + d - 1, oh).unsqueeze(-1));
  base.select(3, 2).fill_(1);
  const rescaled = theta.transpose(1, 2).div(makeTensor([0.5 * w, 0.5 * h], { dtype: theta.dtype }));
  return base.view([1, oh * ow, 3]).bmm(rescaled).view([1, oh, ow, 2]);
}

/** torchvision's _apply_grid_transform: grid_sample (zeros padding, alignCorners false), the fill through a mask channel. */
export function applyGrid(img: Tensor, grid: Tensor, mode: 'nearest' | 'bilinear', fill: readonly number[] | null): Tensor {
  const outDtype = img.dtype;
  const squeeze = img.ndim < 4;
  let x = squeeze ? img.unsqueeze(0) : img;
  const cast = x.dtype !== grid.dtype;
  if (cast) x = x.to(grid.dtype);
  if (x.shape[0]! > 1) grid = grid.expand([x.shape[0]!, grid.shape[1]!, grid.shape[2]!, grid.shape[3]!]);
  if (fill !== null) x = cat([x, ones([x.shape[0]!, 1, x.shape[2]!, x.shape[3]!], { dtype: x.dtype })], 1);
  x = new Tensor(O.gridSampler(x._h, grid._h, mode === 'bilinear' ? 0 : 1, 0, false));
  if (fill !== null) {
    const c = x.shape[1]! - 1;
    let mask = x.narrow(1, c, 1);
    x = x.narrow(1, 0, c);
    mask = mask.expandAs(x);
    const fillImg = makeTensor([...fill], { dtype: x.dtype }).view([1, fill.length, 1, 1]).expandAs(x);
    x = mode === 'nearest' ? where(mask.lt(0.5), fillImg, x) : x.mul(mask).add(mask.neg().add(1.0).mul(fillImg));
  }
  if (squeeze) x = x.squeeze(0);
  if (cast) {
    if (outDtype.name === 'uint8' || outDtype.name === 'int8' || outDtype.name === 'int16' || outDtype.name === 'int32' || outDtype.name === 'int64') x = x.round();
    x = x.to(outDtype);
  }
  return x;
}

function check(img: Tensor, mode: string, what: string): void {
  if (img.ndim < 2) throw new RangeError(`${what}: expected a tensor of shape [..., H, W], got [${img.shape.join(', ')}]`);
  if (mode !== 'nearest' && mode !== 'bilinear') throw new RangeError(`${what}: tensors support nearest and bilinear interpolation, not ${mode}`);
}

/** F_t.affine: `matrix` is torchvision's inverse matrix computed around the image centre. */
export function affineTensor(img: Tensor, matrix: readonly number[], mode: 'nearest' | 'bilinear', fill: readonly number[] | null): Tensor {
  check(img, mode, 'affine');
  const dtype = img.isFloatingPoint() ? img.dtype : 'float32';
  const theta = makeTensor([...matrix], { dtype }).reshape([1, 2, 3]);
  const [h, w] = img.shape.slice(-2) as [number, number];
  return applyGrid(img, affineGrid(theta, w, h, w, h), mode, fill);
}

/** _compute_affine_output_size, in float32 as torchvision computes it. */
function expandedSize(matrix: readonly number[], w: number, h: number): [number, number] {
  const pts = makeTensor([[-0.5 * w, -0.5 * h, 1.0], [-0.5 * w, 0.5 * h, 1.0], [0.5 * w, 0.5 * h, 1.0], [0.5 * w, -0.5 * h, 1.0]]);
  const theta = makeTensor([...matrix]).view([2, 3]);
  const np = pts.matmul(theta.t());
  const half = makeTensor([w * 0.5, h * 0.5]);
  const minv = (np.min(0) as { values: Tensor }).values.add(half);
  const maxv = (np.max(0) as { values: Tensor }).values.add(half);
  const tol = 1e-4;
  const cmax = maxv.div(tol).trunc().mul(tol).ceil();
  const cmin = minv.div(tol).trunc().mul(tol).floor();
  const size = cmax.sub(cmin).toArray() as number[];
  return [Math.trunc(size[0]!), Math.trunc(size[1]!)];
}

/** F_t.rotate (matrix from F.rotate's tensor path). */
export function rotateTensor(img: Tensor, matrix: readonly number[], mode: 'nearest' | 'bilinear', expand: boolean, fill: readonly number[] | null): Tensor {
  check(img, mode, 'rotate');
  const [h, w] = img.shape.slice(-2) as [number, number];
  const [ow, oh] = expand ? expandedSize(matrix, w, h) : [w, h];
  const dtype = img.isFloatingPoint() ? img.dtype : 'float32';
  const theta = makeTensor([...matrix], { dtype }).reshape([1, 2, 3]);
  return applyGrid(img, affineGrid(theta, w, h, ow, oh), mode, fill);
}

/** F_t.perspective: torchvision's _perspective_grid over the output pixels, then grid_sample. */
export function perspectiveTensor(img: Tensor, coeffs: readonly number[], mode: 'nearest' | 'bilinear', fill: readonly number[] | null): Tensor {
  check(img, mode, 'perspective');
  const [oh, ow] = img.shape.slice(-2) as [number, number];
  const dtype = img.isFloatingPoint() ? img.dtype : 'float32';
  const c = coeffs;
  const theta1 = makeTensor([[[c[0]!, c[1]!, c[2]!], [c[3]!, c[4]!, c[5]!]]], { dtype });
  const theta2 = makeTensor([[[c[6]!, c[7]!, 1.0], [c[6]!, c[7]!, 1.0]]], { dtype });
  const d = 0.5;
  const base = empty([1, oh, ow, 3], { dtype });
  base.select(3, 0).copy_(linspace(d, ow * 1.0 + d - 1.0, ow));
  base.select(3, 1).copy_(linspace(d, oh * 1.0 + d - 1.0, oh).unsqueeze(-1));
  base.select(3, 2).fill_(1);
  const flat = base.view([1, oh * ow, 3]);
  const g1 = flat.bmm(theta1.transpose(1, 2).div(makeTensor([0.5 * ow, 0.5 * oh], { dtype })));
  const g2 = flat.bmm(theta2.transpose(1, 2));
  const grid = g1.div(g2).sub(1.0).view([1, oh, ow, 2]);
  return applyGrid(img, grid, mode, fill);
}
