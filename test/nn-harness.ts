// Runs layers and functions in tstorch and in PyTorch on the same inputs and parameters, forward and backward,
// and compares outputs, input gradients, parameter gradients, buffers and printed reprs. One Python process
// runs all the cases of a test.
import assert from 'node:assert/strict';
import * as torch from '../src/index.js';
import { runPython, assertClose } from './helpers/pytorch.js';

type Tensor = torch.Tensor;
type Module = torch.nn.Module;

export interface Case {
  name: string;
  /** The tstorch module (built after manualSeed(0)); omit for a pure function. */
  build?: () => Module;
  /** The PyTorch module, as a Python expression (`nn.Conv2d(3, 6, 5)`). */
  pyBuild?: string;
  /** The tstorch forward: defaults to m.call(...xs). */
  fn?: (m: Module | undefined, xs: Tensor[]) => Tensor;
  /** The PyTorch forward as a Python expression of m and x0, x1, ...: defaults to m(*xs). */
  py?: string;
  inputs: Tensor[];
  /** Which inputs get gradients (default: the floating-point ones). */
  grad?: boolean[];
  train?: boolean;
  /** Seeds the generator right before the forward (dropout masks). */
  seed?: number;
  /** Compare the module's printed repr with PyTorch's. */
  repr?: boolean;
  atol?: number;
  rtol?: number;
}

const PY = String.raw`
import torch.nn as nn
import torch.nn.functional as F
reprs = []
for i, c in enumerate(J):
    p = 'c%d__' % i
    m = None
    if c['build']:
        m = eval(c['build'])
        sd = {k[len(p + 'sd__'):]: v for k, v in T.items() if k.startswith(p + 'sd__')}
        m.load_state_dict(sd, strict=True)
        m.train(c['train'])
    leaves, hs = [], []
    for j in range(c['nin']):
        x = T['%sx%d' % (p, j)].clone()
        if c['grad'][j]:
            x.requires_grad_(True)
            leaves.append(x)
            hs.append(x * 1)
        else:
            leaves.append(None)
            hs.append(x)
    if c['seed'] is not None:
        torch.manual_seed(c['seed'])
    env = {'m': m, 'xs': hs, 'F': F, 'torch': torch, 'nn': nn, 'math': math}
    env.update({'x%d' % j: h for j, h in enumerate(hs)})
    y = eval(c['py'] or 'm(*xs)', env)
    OUT[p + 'y'] = y
    if (p + 'g') in T and y.requires_grad:
        (y * T[p + 'g']).sum().backward()
        for j, leaf in enumerate(leaves):
            if leaf is not None and leaf.grad is not None:
                OUT['%sxg%d' % (p, j)] = leaf.grad
        if m is not None:
            for k, v in m.named_parameters():
                if v.grad is not None:
                    OUT[p + 'pg__' + k] = v.grad
    if m is not None:
        for k, v in m.named_buffers():
            OUT[p + 'b__' + k] = v
    reprs.append(repr(m) if m is not None else None)
OUT_J = reprs
`;

interface TsResult {
  y: Tensor;
  xg: (Tensor | null)[];
  pg: Map<string, Tensor>;
  buffers: Map<string, Tensor>;
  repr: string | null;
}

/** Runs every case in both libraries and asserts they agree; returns nothing on success. */
export function compareWithPyTorch(cases: Case[]): void {
  const tensors: Record<string, Tensor> = {};
  const meta: unknown[] = [];
  const results: TsResult[] = [];
  cases.forEach((c, i) => {
    const p = `c${i}__`;
    torch.manualSeed(0);
    const m = c.build?.();
    if (m) {
      m.train(c.train ?? true);
      for (const [k, v] of Object.entries(m.stateDict())) tensors[`${p}sd__${k}`] = v.clone();
    }
    const grad = c.grad ?? c.inputs.map((x) => x.isFloatingPoint());
    const leaves = c.inputs.map((x, j) => {
      tensors[`${p}x${j}`] = x;
      const t = x.clone();
      return grad[j] ? t.requiresGrad_(true) : t;
    });
    const hs = leaves.map((t, j) => (grad[j] ? t.mul(1) : t));
    if (c.seed !== undefined) torch.manualSeed(c.seed);
    const y = c.fn ? c.fn(m, hs) : m!.call(...hs) as Tensor;
    if (y.requiresGrad) {
      const g = torch.randn(y.shape, { dtype: y.dtype });
      tensors[`${p}g`] = g;
      y.mul(g).sum().backward();
    }
    results.push({
      y: y.detach(),
      xg: leaves.map((t, j) => (grad[j] ? t.grad : null)),
      pg: new Map(m ? m.namedParameters().filter(([, v]) => v.grad !== null).map(([k, v]) => [k, v.grad!]) : []),
      buffers: new Map(m ? m.namedBuffers() : []),
      repr: m ? m.toString() : null,
    });
    meta.push({ build: c.pyBuild ?? null, py: c.py ?? null, train: c.train ?? true, nin: c.inputs.length, grad, seed: c.seed ?? null });
  });
  const out = runPython(PY, { tensors, json: meta });
  cases.forEach((c, i) => {
    const p = `c${i}__`;
    const r = results[i]!;
    const tol = { atol: c.atol ?? 1e-5, rtol: c.rtol ?? 1e-4 };
    const want = (k: string): Tensor => {
      const t = out.tensors[p + k];
      assert.ok(t, `${c.name}: PyTorch produced no '${k}'`);
      return t;
    };
    assertClose(r.y, want('y'), { ...tol, what: `${c.name} output` });
    assert.equal(r.y.dtype, want('y').dtype, `${c.name}: output dtype`);
    r.xg.forEach((g, j) => {
      const pk = `${p}xg${j}`;
      if (g === null) return assert.equal(out.tensors[pk], undefined, `${c.name}: PyTorch has a gradient for input ${j}, tstorch none`);
      assertClose(g, want(`xg${j}`), { ...tol, what: `${c.name} input ${j} gradient` });
    });
    const pyGrads = Object.keys(out.tensors).filter((k) => k.startsWith(`${p}pg__`)).map((k) => k.slice(`${p}pg__`.length));
    assert.deepEqual([...r.pg.keys()].sort(), pyGrads.sort(), `${c.name}: parameters with gradients`);
    for (const [k, g] of r.pg) assertClose(g, want(`pg__${k}`), { ...tol, what: `${c.name} gradient of ${k}` });
    const pyBufs = Object.keys(out.tensors).filter((k) => k.startsWith(`${p}b__`)).map((k) => k.slice(`${p}b__`.length));
    assert.deepEqual([...r.buffers.keys()].sort(), pyBufs.sort(), `${c.name}: buffers`);
    for (const [k, b] of r.buffers) assertClose(b, want(`b__${k}`), { ...tol, what: `${c.name} buffer ${k}` });
    if (c.repr) assert.equal(r.repr, out.json[i], `${c.name}: repr`);
  });
}
