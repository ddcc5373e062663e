// SGD's one-pass update (src/native/fused_sgd.cc) against PyTorch 1.13's SGD, bit for bit: parameters, momentum
// buffers and version counters after several steps, for float32 and float64, sizes with and without a vector
// tail, every branch of the update; and the parameters the kernel hands back (non-contiguous, bfloat16) updated
// by ATen's operators in the same step, as exactly.
import { test } from 'node:test';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import * as torch from '../src/index.js';
import { native } from '../src/native/binding.js';
import { runPython } from './helpers/pytorch.js';

type Tensor = torch.Tensor;
const ROOT = fileURLToPath(new URL('..', import.meta.url));

// 40,000 elements pass ATen's grain (32,768), so with several threads the update is split as the operators split it.
const SIZES = [1, 7, 15, 16, 17, 33, 105, 40_000];
const STEPS = 4;
const CONFIGS: Record<string, unknown>[] = [
  { lr: 0.1 },
  { lr: 0.05, momentum: 0.9 },
  { lr: 0.05, momentum: 0.9, dampening: 0.1, weightDecay: 0.01 },
  { lr: 0.03, momentum: 0.8, nesterov: true, weightDecay: 1e-4, maximize: true },
  { lr: 0.2, weightDecay: 0.07, maximize: true },
];
const snake = (k: string): string => k.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase());

torch.manualSeed(3);
const INIT = SIZES.map((n) => torch.randn([n], { dtype: 'float64' }));
const GRADS = Array.from({ length: STEPS }, () => SIZES.map((n) => torch.randn([n], { dtype: 'float64' })));

function inputs(): Record<string, Tensor> {
  const t: Record<string, Tensor> = {};
  INIT.forEach((p, i) => { t[`p${i}`] = p; });
  GRADS.forEach((gs, s) => gs.forEach((g, i) => { t[`g${s}_${i}`] = g; }));
  return t;
}

// Each config in float32 and float64, all parameters plain; then a mixed list where parameter 1 is a strided
// (non-contiguous) view and parameter 2 is bfloat16, which the kernel hands back to the operators.
const py = runPython(String.raw`
res = {}
def param(i, dtype, mixed):
    x = T['p%d' % i].to(dtype)
    if mixed and i == 1: x = torch.stack([x, x], 1)[:, 0]
    elif mixed and i == 2: x = x.to(torch.bfloat16)
    else: x = x.clone()
    return torch.nn.Parameter(x)
for ci, cfg in enumerate(J['configs']):
    for dt in ('float32', 'float64'):
        for mixed in (0, 1):
            ps = [param(i, getattr(torch, dt), mixed) for i in range(J['n'])]
            opt = torch.optim.SGD(ps, **cfg)
            for s in range(J['steps']):
                for i, p in enumerate(ps): p.grad = T['g%d_%d' % (s, i)].to(p.dtype)
                opt.step()
            tag = 'c%d_%s_%d' % (ci, dt, mixed)
            for i, p in enumerate(ps):
                OUT['%s_p%d' % (tag, i)] = p.detach().clone()
                buf = opt.state[p].get('momentum_buffer')
                if buf is not None: OUT['%s_b%d' % (tag, i)] = buf
                res['%s_v%d' % (tag, i)] = p._version
OUT_J = res
`, { tensors: inputs(), json: { configs: CONFIGS.map((c) => Object.fromEntries(Object.entries(c).map(([k, v]) => [snake(k), v]))), n: SIZES.length, steps: STEPS } });

function param(i: number, dtype: 'float32' | 'float64', mixed: boolean): torch.nn.Parameter {
  let x = INIT[i]!.to(dtype);
  if (mixed && i === 1) x = torch.stack([x, x], 1).select(1, 0);
  else if (mixed && i === 2) x = x.to('bfloat16');
  else x = x.clone();
  return new torch.nn.Parameter(x);
}

const bitEqual = (a: Tensor, b: Tensor): boolean => a.dtype === b.dtype && a.equal(b);

for (const [ci, cfg] of CONFIGS.entries()) {
  for (const dtype of ['float32', 'float64'] as const) {
    for (const mixed of [false, true]) {
      test(`SGD ${JSON.stringify(cfg)} ${dtype}${mixed ? ', with a strided and a bfloat16 parameter' : ''}: bit for bit PyTorch's`, () => {
        const ps = SIZES.map((_n, i) => param(i, dtype, mixed));
        if (mixed) assert.equal(ps[1]!.isContiguous(), false, 'parameter 1 is strided');
        const opt = new torch.optim.SGD(ps, cfg);
        for (let s = 0; s < STEPS; s++) {
          ps.forEach((p, i) => { p.grad = GRADS[s]![i]!.to(p.dtype); });
          opt.step();
        }
        const tag = `c${ci}_${dtype}_${mixed ? 1 : 0}`;
        ps.forEach((p, i) => {
          assert.ok(bitEqual(p.detach(), py.tensors[`${tag}_p${i}`]!), `${tag}: parameter ${i} (${SIZES[i]} elements)`);
          const want = py.tensors[`${tag}_b${i}`];
          const buf = opt.state.get(p)?.momentum_buffer;
          if (want === undefined) assert.equal(buf, null, `${tag}: no buffer ${i}`);
          else assert.ok(buf instanceof torch.Tensor && bitEqual(buf, want), `${tag}: momentum buffer ${i}`);
          assert.equal(p._version, (py.json as Record<string, number>)[`${tag}_v${i}`], `${tag}: version of parameter ${i}`);
        });
      });
    }
  }
}

test('the one-pass kernel takes plain float32/float64 parameters here, and hands back the others', () => {
  // libtorch's AVX2 and AVX512 kernels fuse `self + alpha * other` (FMA), and there the probe against ATen's
  // operators must agree; elsewhere the kernel must stay unused
  const fma = process.arch === 'x64' && ['AVX2', 'AVX512'].includes(torch.config().cpuCapability ?? '');
  for (const dtype of ['float32', 'float64'] as const) assert.equal(native.sgdFusedUsable(dtype), fma, `usable for ${dtype}`);
  const plain = torch.randn([100]);
  const strided = torch.randn([100, 2]).select(1, 0);
  const half = torch.randn([100]).to('bfloat16');
  const g = torch.randn([100]);
  const buf = torch.randn([100]);
  const handed = native.sgdFusedStep([plain._h, strided._h, half._h, plain._h], [g._h, g._h, g.to('bfloat16')._h, plain._h],
    [buf._h, buf.clone()._h, buf.to('bfloat16')._h, buf.clone()._h], 0.1, 0.9, 0, 0, false, false);
  // the last pair shares its memory (parameter and gradient are one tensor): the operators' path, not the kernel
  assert.deepEqual(handed, fma ? [1, 2, 3] : [0, 1, 2, 3]);
});

test("with libtorch's kernels without FMA (ATEN_CPU_CAPABILITY=default), the probe refuses the one-pass kernel", () => {
  // ATen's DEFAULT kernels round `self + alpha * other` twice; the fused kernel would differ from them in the
  // last bit of about a quarter of the elements, so it must not be used there
  const out = execFileSync(process.execPath, ['--import', 'tsx', '-e',
    "import { native } from './src/native/binding.js'; console.log(JSON.stringify([native.sgdFusedUsable('float32'), native.sgdFusedUsable('float64')]))"],
  { cwd: ROOT, env: { ...process.env, ATEN_CPU_CAPABILITY: 'default' }, encoding: 'utf8' });
  assert.deepEqual(JSON.parse(out.trim().split('\n').pop()!), [false, false]);
});

test('an lr beyond float32 is refused for float32 parameters, as ATen refuses it, and nothing is written', () => {
  // PyTorch: p.add_(buf, alpha=-1e39) raises "value cannot be converted to type float without overflow"
  for (const momentum of [0, 0.9]) {
    const p = new torch.nn.Parameter(torch.ones([20]));
    const opt = new torch.optim.SGD([p], { lr: 1e39, momentum });
    p.grad = torch.ones([20]);
    if (momentum !== 0) {
      // the first step with momentum creates the buffer on the operators' path; the fused path takes the second
      assert.throws(() => opt.step(), /cannot be converted to type float without overflow/);
      opt.state.get(p)!.momentum_buffer = torch.ones([20]);
    }
    assert.throws(() => opt.step(), /cannot be converted to type float without overflow/);
    assert.deepEqual(p.detach().toArray(), new Array(20).fill(1), `momentum ${momentum}: parameter unchanged`);
  }
});
