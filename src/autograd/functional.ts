// torch.autograd.grad / backward and a finite-difference gradient check.
import { native } from '../native/binding.js';
import { Tensor } from '../tensor.js';
import { noGrad } from './grad-mode.js';
import { bindOwn, registerSignature, type PyRest } from '../args.js';

// PyTorch's argument binding (src/args.ts) for this module's functions: an extra positional argument or an
// unknown keyword is a TypeError naming it.
registerSignature(backward, 'backward', 'torch.autograd.backward', 'tensors, gradTensors?; retainGraph, createGraph, *, inputs');
registerSignature(grad, 'grad', 'torch.autograd.grad', 'outputs, inputs; gradOutputs, retainGraph, createGraph, *, allowUnused');
registerSignature(gradcheck, 'gradcheck', 'torch.autograd.gradcheck', 'func, inputs; *, eps, atol, rtol, raiseException');

export interface GradOptions {
  gradOutputs?: (Tensor | null)[] | Tensor | null;
  retainGraph?: boolean;
  createGraph?: boolean;
  allowUnused?: boolean;
}

/** torch.autograd.grad(outputs, inputs): the gradients of outputs with respect to inputs (null when unused). */
export function grad(outputs: Tensor | Tensor[], inputs: Tensor | Tensor[], ...rest: PyRest<GradOptions, ['gradOutputs', 'retainGraph', 'createGraph']>): (Tensor | null)[];
export function grad(...args: unknown[]): (Tensor | null)[] {
  const [outputs, inputs, opts = {}] = bindOwn(grad, args) as [Tensor | Tensor[], Tensor | Tensor[], GradOptions?];
  const outs = Array.isArray(outputs) ? outputs : [outputs];
  const ins = Array.isArray(inputs) ? inputs : [inputs];
  const go = opts.gradOutputs === undefined || opts.gradOutputs === null ? null
    : (Array.isArray(opts.gradOutputs) ? opts.gradOutputs : [opts.gradOutputs]).map((t) => (t === null ? null : t._h));
  const res = native.autogradGrad(outs.map((t) => t._h), ins.map((t) => t._h), go, opts.retainGraph,
    opts.createGraph ?? false, opts.allowUnused ?? false);
  return res.map((h) => (h === null ? null : new Tensor(h)));
}

/** torch.autograd.backward's keyword arguments (grad_tensors aside). */
export interface BackwardOptions { retainGraph?: boolean; createGraph?: boolean; inputs?: Tensor[] }

/** torch.autograd.backward(tensors, gradTensors, retainGraph, createGraph) */
export function backward(tensors: Tensor | Tensor[], gradTensors?: (Tensor | null)[] | null,
  ...rest: PyRest<BackwardOptions, ['retainGraph', 'createGraph']>): void;
export function backward(...args: unknown[]): void {
  const [tensors, gradTensors, opts = {}] = bindOwn(backward, args) as [Tensor | Tensor[], ((Tensor | null)[] | null)?, BackwardOptions?];
  const ts = Array.isArray(tensors) ? tensors : [tensors];
  native.backward(ts.map((t) => t._h), gradTensors ? gradTensors.map((g) => (g === null ? null : g._h)) : null,
    opts.retainGraph, opts.createGraph ?? false, opts.inputs ? opts.inputs.map((t) => t._h) : null);
}

/**
 * torch.autograd.gradcheck: compares analytical gradients with central finite differences. Inputs should be
 * float64 and require grad. Throws with the first mismatch (input, element, both values) unless raiseException
 * is false, in which case it returns false.
 */
export function gradcheck(fn: (...inputs: Tensor[]) => Tensor, inputs: Tensor[],
  opts: { eps?: number; atol?: number; rtol?: number; raiseException?: boolean } = {}): boolean {
  [fn, inputs, opts = {}] = bindOwn(gradcheck, arguments) as Parameters<typeof gradcheck>;
  const eps = opts.eps ?? 1e-6;
  const atol = opts.atol ?? 1e-5;
  const rtol = opts.rtol ?? 1e-3;
  const out = fn(...inputs);
  const outFlat = out.reshape(-1);
  const nOut = outFlat.numel();
  // All analytical Jacobians first: the finite differences below modify the inputs in place, which would
  // invalidate the graph of `out`.
  const analytical = inputs.map((x) => {
    if (!x.requiresGrad) return null;
    const rows: number[][] = [];
    for (let j = 0; j < nOut; j++) {
      const g = grad(outFlat.select(0, j), x, { retainGraph: true, allowUnused: true })[0];
      rows.push(g === null ? new Array(x.numel()).fill(0) : Array.from(g.reshape(-1).to('float64').dataSync() as Float64Array));
    }
    return rows;
  });
  for (let k = 0; k < inputs.length; k++) {
    const x = inputs[k]!;
    const rows = analytical[k];
    if (!rows) continue;
    const n = x.numel();
    const flatX = x.detach().view(-1);
    for (let i = 0; i < n; i++) {
      const orig = flatX.select(0, i).item();
      const f = (v: number): Float64Array => noGrad(() => {
        flatX.select(0, i).fill_(v);
        return fn(...inputs).reshape(-1).to('float64').dataSync() as Float64Array;
      });
      const plus = f(orig + eps);
      const minus = f(orig - eps);
      noGrad(() => flatX.select(0, i).fill_(orig));
      for (let j = 0; j < nOut; j++) {
        const numerical = (plus[j]! - minus[j]!) / (2 * eps);
        const a = rows[j]![i]!;
        if (Math.abs(a - numerical) > atol + rtol * Math.abs(numerical)) {
          if (opts.raiseException === false) return false;
          throw new Error(`gradcheck: Jacobian mismatch for input ${k}, output ${j}, element ${i}: analytical ${a}, numerical ${numerical}`);
        }
      }
    }
  }
  return true;
}
