// torchvision.ops.stochastic_depth / StochasticDepth: randomly drops residual branches ("Deep Networks with
// Stochastic Depth"), per sample ('row') or for the whole batch ('batch').
import { Tensor } from '../../tensor.js';
import { op } from '../../native/ops.js';
import { dtypeCode } from '../../dtype.js';
import { Module } from '../../nn/module.js';
import { pyFloat } from '../../nn/modules/repr.js';
import { bindOwn, classArgs, registerSignature } from '../../args.js';

// PyTorch's argument binding (src/args.ts) for this module's functions: an extra positional argument or an
// unknown keyword is a TypeError naming it.
registerSignature(stochasticDepth, 'stochasticDepth', 'torchvision.ops.stochastic_depth', 'input, p, mode, training?');

export type StochasticDepthMode = 'batch' | 'row';

const empty = op('aten::empty.memory_format');
const bernoulli_ = op('aten::bernoulli_.float');
const divS_ = op('aten::div_.Scalar');

function checkArgs(p: number, mode: string): void {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`stochasticDepth: drop probability p has to be between 0 and 1, but got ${p}`);
  if (mode !== 'batch' && mode !== 'row') throw new TypeError(`stochasticDepth: mode has to be either 'batch' or 'row', but got '${mode}'`);
}

/**
 * Zeroes the whole input ('batch') or whole rows of it ('row') with probability p, scaling the survivors by
 * 1/(1-p). The noise is drawn exactly as torchvision draws it (an empty tensor filled by bernoulli_), so after
 * the same manualSeed the same rows are dropped as in PyTorch.
 */
export function stochasticDepth(input: Tensor, p: number, mode: StochasticDepthMode, training = true): Tensor {
  [input, p, mode, training = true] = bindOwn(stochasticDepth, arguments) as Parameters<typeof stochasticDepth>;
  checkArgs(p, mode);
  if (!training || p === 0) return input;
  const survivalRate = 1 - p;
  const size = mode === 'row' ? [input.shape[0]!, ...Array<number>(input.ndim - 1).fill(1)] : Array<number>(input.ndim).fill(1);
  const noise = new Tensor(empty(size, dtypeCode(input.dtype), undefined, String(input.device)));
  bernoulli_(noise._h, survivalRate);
  if (survivalRate > 0) divS_(noise._h, survivalRate);
  return input.mul(noise);
}

/** See stochasticDepth. Active only in training mode. */
export class StochasticDepth extends Module {
  p: number;
  mode: StochasticDepthMode;

  constructor(p: number, mode: StochasticDepthMode) {
    [p, mode] = bindOwn(StochasticDepth, arguments) as ConstructorParameters<typeof StochasticDepth>;
    super();
    checkArgs(p, mode);
    this.p = p;
    this.mode = mode;
  }

  override forward(input: Tensor): Tensor {
    return stochasticDepth(input, this.p, this.mode, this.training);
  }

  // torchvision's __repr__ prints the mode unquoted: StochasticDepth(p=0.1, mode=row)
  override extraRepr(): string {
    return `p=${pyFloat(this.p)}, mode=${this.mode}`;
  }
}
classArgs(StochasticDepth, 'torchvision.ops.StochasticDepth', 'p, mode');
