// torchvision.ops.drop_block2d / drop_block3d and DropBlock2d / DropBlock3d (Ghiasi et al. 2018, "DropBlock"):
// dropout of contiguous blocks of a feature map. Block seeds are drawn as torchvision draws them (an empty tensor
// filled by bernoulli_), so after the same manualSeed the same blocks are dropped as in PyTorch.
import { Tensor } from '../../tensor.js';
import { op } from '../../native/ops.js';
import { dtypeCode } from '../../dtype.js';
import { Module } from '../../nn/module.js';
import { pad } from '../../nn/functional/padding.js';
import { maxPool2d, maxPool3d } from '../../nn/functional/pooling.js';
import { pyBool, pyFloat } from '../../nn/modules/repr.js';
import { bindOwn, classArgs, registerSignature, type PyRest } from '../../args.js';

// PyTorch's argument binding (src/args.ts) for this module's functions: an extra positional argument or an
// unknown keyword is a TypeError naming it.
registerSignature(dropBlock2d, 'dropBlock2d', 'torchvision.ops.drop_block2d', 'input, p, blockSize; inplace, eps, training');
registerSignature(dropBlock3d, 'dropBlock3d', 'torchvision.ops.drop_block3d', 'input, p, blockSize; inplace, eps, training');

const emptyOp = op('aten::empty.memory_format');
const bernoulli_ = op('aten::bernoulli_.float');

export interface DropBlockOptions {
  /** Multiply the input in place. Default false. */
  inplace?: boolean;
  /** Keeps the normalisation finite when everything is dropped. Default 1e-6. */
  eps?: number;
  /** Only in training is anything dropped. Default true. */
  training?: boolean;
}

function dropBlock(fn: string, spatial: 2 | 3, input: Tensor, p: number, blockSize: number, o: DropBlockOptions): Tensor {
  if (!(p >= 0.0 && p <= 1.0)) throw new RangeError(`${fn}: drop probability has to be between 0 and 1, but got ${p}.`);
  if (input.ndim !== spatial + 2) throw new RangeError(`${fn}: input should be ${spatial + 2} dimensional. Got ${input.ndim} dimensions.`);
  if (!Number.isInteger(blockSize) || blockSize < 1) throw new RangeError(`${fn}: blockSize must be a positive integer, got ${blockSize}`);
  const training = o.training ?? true;
  if (!training || p === 0.0) return input;
  const eps = o.eps ?? 1e-6;
  const [n, c, ...dims] = [...input.shape] as [number, number, ...number[]];
  const bs = Math.min(blockSize, ...dims);
  // An even block pads the noise to one more than the input and pools it to two more: torchvision fails on it
  // when multiplying; say why instead.
  if (bs % 2 === 0) throw new RangeError(`${fn}: the block size must be odd, got ${bs}${bs !== blockSize ? ` (blockSize ${blockSize} clamped to the input's size)` : ''}`);
  // The gamma of the Bernoulli distribution of block seeds, in Python's evaluation order.
  // Numerator ((p * H) * W) left to right in floats; the denominator is an exact integer.
  const numerator = dims.reduce((a, d) => a * d, p);
  const valid = dims.reduce((a, d) => a * (d - bs + 1), 1);
  const gamma = numerator / (bs ** spatial * valid);
  let noise = new Tensor(emptyOp([n, c, ...dims.map((d) => d - bs + 1)], dtypeCode(input.dtype), undefined, String(input.device)));
  bernoulli_(noise._h, gamma);
  const half = Math.floor(bs / 2);
  noise = pad(noise, Array<number>(2 * spatial).fill(half), { value: 0 });
  noise = spatial === 2
    ? maxPool2d(noise, [bs, bs], { stride: [1, 1], padding: half })
    : maxPool3d(noise, [bs, bs, bs], { stride: [1, 1, 1], padding: half });
  noise = noise.rsub(1);
  const normalizeScale = noise.sum().add(eps).reciprocal().mul(noise.numel());
  if (o.inplace) return input.mul_(noise).mul_(normalizeScale);
  return input.mul(noise).mul(normalizeScale);
}

/** DropBlock on [N, C, H, W]: zeroes blockSize x blockSize squares; the survivors are rescaled. */
export function dropBlock2d(input: Tensor, p: number, blockSize: number, ...rest: PyRest<DropBlockOptions, ['inplace', 'eps', 'training']>): Tensor;
export function dropBlock2d(...args: unknown[]): Tensor {
  const [input, p, blockSize, opts = {}] = bindOwn(dropBlock2d, args) as [Tensor, number, number, DropBlockOptions?];
  return dropBlock('dropBlock2d', 2, input, p, blockSize, opts);
}

/** DropBlock on [N, C, D, H, W]: zeroes blockSize^3 cubes; the survivors are rescaled. */
export function dropBlock3d(input: Tensor, p: number, blockSize: number, ...rest: PyRest<DropBlockOptions, ['inplace', 'eps', 'training']>): Tensor;
export function dropBlock3d(...args: unknown[]): Tensor {
  const [input, p, blockSize, opts = {}] = bindOwn(dropBlock3d, args) as [Tensor, number, number, DropBlockOptions?];
  return dropBlock('dropBlock3d', 3, input, p, blockSize, opts);
}

/** See dropBlock2d. Active only in training mode. */
export class DropBlock2d extends Module {
  p: number;
  blockSize: number;
  inplace: boolean;
  eps: number;

  constructor(p: number, blockSize: number, ...rest: PyRest<{ inplace?: boolean; eps?: number }, ['inplace', 'eps']>);
  constructor(...args: unknown[]) {
    const [p, blockSize, opts = {}] = bindOwn(DropBlock2d, args) as [number, number, ({ inplace?: boolean; eps?: number })?];
    super();
    this.p = p;
    this.blockSize = blockSize;
    this.inplace = opts.inplace ?? false;
    this.eps = opts.eps ?? 1e-6;
  }

  override forward(input: Tensor): Tensor {
    return dropBlock2d(input, this.p, this.blockSize, { inplace: this.inplace, eps: this.eps, training: this.training });
  }

  override extraRepr(): string {
    return `p=${pyFloat(this.p)}, block_size=${this.blockSize}, inplace=${pyBool(this.inplace)}`;
  }
}
classArgs(DropBlock2d, 'torchvision.ops.DropBlock2d', 'p, blockSize; inplace, eps');

/** See dropBlock3d. Active only in training mode. */
export class DropBlock3d extends DropBlock2d {
  override forward(input: Tensor): Tensor {
    return dropBlock3d(input, this.p, this.blockSize, { inplace: this.inplace, eps: this.eps, training: this.training });
  }
}
classArgs(DropBlock3d, 'torchvision.ops.DropBlock3d', 'p, blockSize; inplace, eps'); // bound by DropBlock2d's constructor
