// torch.nn.utils.clip_grad_norm_ and clip_grad_value_, with PyTorch 1.13's arithmetic (the total norm is the
// norm of the per-gradient norms; the scale is max_norm * 1/(total + 1e-6), clamped to 1).
import { Tensor } from '../../tensor.js';
import { scalarTensor, stack } from '../../creation.js';
import { noGrad } from '../../autograd/grad-mode.js';
import { api, withArgs, type PyRest } from '../../args.js';

type Params = Tensor | Iterable<Tensor>;

function gradsOf(parameters: Params): Tensor[] {
  const list = parameters instanceof Tensor ? [parameters] : [...parameters];
  return list.map((p) => p.grad).filter((g): g is Tensor => g !== null);
}

/** Scales all gradients together so that their joint norm is at most maxNorm; returns the norm before clipping. */
function clipGradNorm_Impl(parameters: Params, maxNorm: number, normType = 2, opts: { errorIfNonfinite?: boolean } = {}): Tensor {
  const grads = gradsOf(parameters);
  if (grads.length === 0) return scalarTensor(0);
  return noGrad(() => {
    const device = grads[0]!.device;
    let total: Tensor;
    if (normType === Infinity) {
      const norms = grads.map((g) => g.detach().abs().max().to(device));
      total = norms.length === 1 ? norms[0]! : stack(norms).max();
    } else {
      const allDims = (t: Tensor): number[] => [...Array(t.ndim).keys()];
      const norms = grads.map((g) => g.detach().norm(normType, allDims(g)).to(device));
      const s = stack(norms);
      total = s.norm(normType, allDims(s));
    }
    if (opts.errorIfNonfinite && !total.isfinite().item()) {
      throw new Error(`clipGradNorm_: the total norm of order ${normType} for gradients from parameters is non-finite, so it cannot be clipped. To disable this error and scale the gradients by the non-finite norm anyway, set errorIfNonfinite: false`);
    }
    const coef = total.add(1e-6).reciprocal().mul(maxNorm).clamp(null, 1.0);
    for (const g of grads) g.detach().mul_(coef.to(g.device));
    return total;
  });
}

/** Clamps every gradient element to [-clipValue, clipValue] in place. */
function clipGradValue_Impl(parameters: Params, clipValue: number): void {
  noGrad(() => {
    for (const g of gradsOf(parameters)) g.clamp_(-clipValue, clipValue);
  });
}

// torch.nn.utils.clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite) and clip_grad_value_(parameters,
// clip_value), bound to PyTorch's order (a positional error_if_nonfinite is not dropped)
type ClipGradNorm = (parameters: Params, maxNorm: number,
  ...rest: PyRest<{ normType?: number; errorIfNonfinite?: boolean }, ['normType', 'errorIfNonfinite']>) => Tensor;
export const clipGradNorm_ = api<ClipGradNorm>('clipGradNorm_', 'torch.nn.utils.clip_grad_norm_', 'parameters, maxNorm, normType?; errorIfNonfinite', clipGradNorm_Impl);
export const clipGradValue_ = withArgs('clipGradValue_', 'torch.nn.utils.clip_grad_value_', 'parameters, clipValue', clipGradValue_Impl);
