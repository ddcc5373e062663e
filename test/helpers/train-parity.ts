// One training step of a torchvision model against the same step in tstorch: both built from the same seed,
// both run forward in train mode from the same generator state (so dropout masks and stochastic-depth draws
// are the same draws), cross-entropy loss, backward. Compared: the loss, every parameter's gradient and every
// buffer after the step (BatchNorm running statistics).
import assert from 'node:assert/strict';
import * as torch from '../../src/index.js';
import type { Module } from '../../src/nn/index.js';
import { runPython, assertClose } from './pytorch.js';

export interface TrainParitySpec {
  /** torchvision.models builder name ('video.r3d_18' for a submodule's). */
  name: string;
  /** Python keyword arguments. */
  kwargs?: string;
  /** Seed before building the model. */
  seed: number;
  /** Seed before the forward pass. */
  stepSeed: number;
  /**
   * Python statements run on the built model `m` before the step (e.g. to give a zero-initialised head random
   * weights, so that gradients reach the rest of the model); `afterBuild` does the same on the tstorch side.
   */
  pyAfterBuild?: string;
}

/**
 * Python lines that put model `m`'s parameter gradients (g0, g1, ...) and buffers (b0, ...) into OUT and their
 * names into `names` and `bnames`, as assertGradientsAndBuffersMatch reads them.
 */
export const PY_GRADIENTS_AND_BUFFERS = String.raw`
names = []
for i, (k, p) in enumerate(m.named_parameters()):
    names.append(k)
    OUT[f'g{i}'] = p.grad
bnames = []
for i, (k, b) in enumerate(m.named_buffers()):
    bnames.append(k)
    OUT[f'b{i}'] = b
`;

const CODE = String.raw`
s = J
torch.manual_seed(s['seed'])
m = eval('torchvision.models.' + s['name'])(**eval('dict(' + s.get('kwargs', '') + ')'))
exec(s.get('pyAfterBuild', ''))
m.train()
torch.manual_seed(s['stepSeed'])
out = m(T['x'])
loss = torch.nn.functional.cross_entropy(out, T['y'])
loss.backward()
OUT['loss'] = loss.detach()
OUT['out'] = out.detach()
${PY_GRADIENTS_AND_BUFFERS}OUT_J = {'params': names, 'buffers': bnames, 'repr': str(m)}
`;

export interface TrainParityResult {
  repr: string;
}

/** Runs the step on both sides and asserts equality; returns torchvision's printed model for further checks. */
export function assertTrainStepMatches(spec: TrainParitySpec, build: () => Module, x: torch.Tensor, y: torch.Tensor,
  afterBuild?: (m: Module) => void): TrainParityResult {
  const ref = runPython(CODE, { tensors: { x, y }, json: spec }, { timeoutMs: 300_000 });
  torch.manualSeed(spec.seed);
  const m = build();
  afterBuild?.(m);
  m.train();
  torch.manualSeed(spec.stepSeed);
  const out = m.call(x) as torch.Tensor;
  const loss = torch.nn.functional.crossEntropy(out, y);
  loss.backward();
  const what = spec.name;
  assertClose(out.detach(), ref.tensors['out']!, { atol: 1e-6, rtol: 1e-4, what: `${what}: train-mode logits` });
  assertClose(loss.detach(), ref.tensors['loss']!, { atol: 1e-6, rtol: 1e-5, what: `${what}: loss` });
  assertGradientsAndBuffersMatch(m, ref, what);
  return { repr: ref.json.repr };
}

/**
 * After one step on both sides: the same parameter names, every gradient close to PyTorch's, the same buffer
 * names, and every buffer after the step equal (integer counters exactly). `ref` holds PyTorch's gradients as
 * `g<i>` and buffers as `b<i>`, in named_parameters()/named_buffers() order, with the names in its JSON.
 */
export function assertGradientsAndBuffersMatch(m: Module, ref: { tensors: Record<string, torch.Tensor>; json: { params: string[]; buffers: string[] } }, what: string): void {
  const params = m.namedParameters();
  assert.deepEqual(params.map(([k]) => k), ref.json.params, `${what}: parameter names`);
  // Per tensor: 1e-3 of its own largest reference gradient, plus 1e-5 of the largest gradient of the whole model.
  // The relative part absorbs float32 rounding differences in reduction order (libtorch's kernels through the
  // dispatcher here, through Python there, may block sums differently). The absolute floor is needed because some
  // gradients are sums that cancel to rounding noise — a BatchNorm bias feeding another BatchNorm, a conv bias
  // before BatchNorm — so their own scale is no measure of their error; the model's largest gradient is.
  const scale = Math.max(...params.map((_, i) => ref.tensors[`g${i}`]?.abs().max().item() ?? 0));
  const bad: string[] = [];
  params.forEach(([k, p], i) => {
    const g = p.grad;
    const e = ref.tensors[`g${i}`];
    if (g === null || e === undefined) {
      if (!(g === null && e === undefined)) bad.push(`${k}: gradient present on one side only`);
      return;
    }
    try { assertClose(g, e, { atol: 1e-5 * scale, rtol: 1e-3, what: k }); } catch (err) { bad.push((err as Error).message); }
  });
  assert.deepEqual(bad, [], `${what}: parameter gradients that differ from PyTorch's`);
  const buffers = m.namedBuffers();
  assert.deepEqual(buffers.map(([k]) => k), ref.json.buffers, `${what}: buffer names`);
  buffers.forEach(([k, b], i) => {
    if (b.dtype.name === 'int64') assert.deepEqual(b.toArray(), ref.tensors[`b${i}`]!.toArray(), `${what}: buffer ${k} after the step`);
    else assertClose(b, ref.tensors[`b${i}`]!, { atol: 1e-6, rtol: 1e-4, what: `${what}: buffer ${k} after the step` });
  });
}
