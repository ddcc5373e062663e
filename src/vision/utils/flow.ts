// torchvision.utils.flow_to_image: an optical flow [N, 2, H, W] (or [2, H, W]) float32 as an RGB picture uint8,
// the colour giving the direction (Baker et al.'s Middlebury colour wheel) and the saturation the magnitude
// relative to the largest in the batch. The same operations as torchvision's, so the pixels are its pixels.
import { Tensor } from '../../tensor.js';
import { arange, zeros } from '../../creation.js';
import { withArgs, bindOwn, registerSignature } from '../../args.js';

// PyTorch's argument binding (src/args.ts) for this module's functions: an extra positional argument or an
// unknown keyword is a TypeError naming it.
registerSignature(makeColorwheel, 'makeColorwheel', 'tstorch.vision.utils.makeColorwheel', '');

/** float32's machine epsilon (torch.finfo(torch.float).eps). */
const FLOAT32_EPS = 1.1920928955078125e-7;

/** The 55 colours of the wheel (torchvision's _make_colorwheel): [55, 3] float32, 0 to 255. */
export function makeColorwheel(): Tensor {
  bindOwn(makeColorwheel, arguments);
  const [RY, YG, GC, CB, BM, MR] = [15, 6, 4, 11, 13, 6];
  const wheel = zeros([RY + YG + GC + CB + BM + MR, 3]);
  const ramp = (n: number): Tensor => arange(0, n, { dtype: 'int64' }).mul(255).div(n).floor();
  const set = (start: number, n: number, c: number, v: Tensor | number): void => {
    const dst = wheel.slice(0, start, start + n).select(1, c);
    if (typeof v === 'number') dst.fill_(v); else dst.copy_(v);
  };
  let col = 0;
  set(col, RY, 0, 255); set(col, RY, 1, ramp(RY)); col += RY;
  set(col, YG, 0, ramp(YG).neg().add(255)); set(col, YG, 1, 255); col += YG;
  set(col, GC, 1, 255); set(col, GC, 2, ramp(GC)); col += GC;
  set(col, CB, 1, ramp(CB).neg().add(255)); set(col, CB, 2, 255); col += CB;
  set(col, BM, 2, 255); set(col, BM, 0, ramp(BM)); col += BM;
  set(col, MR, 2, ramp(MR).neg().add(255)); set(col, MR, 0, 255);
  return wheel;
}

/** A flow of norm at most 1 as colours (torchvision's _normalized_flow_to_image). */
function normalizedFlowToImage(nf: Tensor): Tensor {
  const [n, , h, w] = nf.shape as number[] as [number, number, number, number];
  const image = zeros([n, 3, h, w], { dtype: 'uint8' });
  const wheel = makeColorwheel();
  const numCols = wheel.shape[0]!;
  const norm = nf.pow(2).sum(1).sqrt();
  const a = nf.select(1, 1).neg().atan2(nf.select(1, 0).neg()).div(Math.PI);
  const fk = a.add(1).div(2).mul(numCols - 1);
  const k0 = fk.floor().to('int64');
  const k1 = k0.add(1);
  k1.maskedFill_(k1.eq(numCols), 0);
  const f = fk.sub(k0);
  for (let c = 0; c < wheel.shape[1]!; c++) {
    const tmp = wheel.select(1, c);
    const col0 = tmp.index(k0).div(255.0);
    const col1 = tmp.index(k1).div(255.0);
    let col = f.neg().add(1).mul(col0).add(f.mul(col1));
    col = norm.mul(col.neg().add(1)).neg().add(1);
    image.select(1, c).copy_(col.mul(255).floor());
  }
  return image;
}

/** torchvision.utils.flow_to_image. */
function flowToImageImpl(flow: Tensor): Tensor {
  if (!(flow instanceof Tensor)) throw new TypeError('flowToImage: expected a tensor');
  if (flow.dtype.name !== 'float32') throw new TypeError(`Flow should be of dtype torch.float, got ${flow.dtype}.`);
  const batched = flow.ndim === 3 ? flow.unsqueeze(0) : flow;
  if (batched.ndim !== 4 || batched.shape[1] !== 2) throw new RangeError(`Input flow should have shape (2, H, W) or (N, 2, H, W), got [${flow.shape}].`);
  const maxNorm = batched.pow(2).sum(1).sqrt().max() as Tensor;
  const img = normalizedFlowToImage(batched.div(maxNorm.add(FLOAT32_EPS)));
  return flow.ndim === 3 ? img.select(0, 0) : img;
}

export const flowToImage = withArgs('flowToImage', 'torchvision.utils.flow_to_image', 'flow', flowToImageImpl);
