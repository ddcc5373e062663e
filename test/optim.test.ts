// torch.optim optimizers against PyTorch 1.13: the same parameters and gradients give the same parameters
// and the same state dict, step for step; a Python state dict loads and continues identically.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../src/index.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runPython, assertClose } from './helpers/pytorch.js';

type Tensor = torch.Tensor;

// Parameter 3 (320 KB in float64) is larger than the optimizers' cache-sized ranges (Optimizer.updateGroup):
// a step updates [0, 3), [3] and [4] one after another.
const SHAPES = [[3, 4], [4], [2, 2], [160, 256], [5]];
const STEPS = 5;
// Parameter 2 gets no gradient at step 2, so its state runs one step behind the others (Adam's per-step
// bias correction, Adagrad's lr decay).
const hasGrad = (step: number, i: number): boolean => !(i === 2 && step === 2);

interface Config {
  name: string;
  cls: 'SGD' | 'Adam' | 'AdamW' | 'RMSprop' | 'Adagrad';
  /** Options in tstorch's names. */
  opts: Record<string, unknown>;
  dtype?: 'float32' | 'float64';
  /** Parameter groups as indices into the parameters, with per-group options (tstorch's names). */
  groups?: { params: number[]; opts?: Record<string, unknown> }[];
}

const CONFIGS: Config[] = [
  { name: 'sgd plain', cls: 'SGD', opts: { lr: 0.1 } },
  { name: 'sgd momentum dampening wd', cls: 'SGD', opts: { lr: 0.05, momentum: 0.9, dampening: 0.1, weightDecay: 0.01 } },
  { name: 'sgd nesterov maximize', cls: 'SGD', opts: { lr: 0.05, momentum: 0.8, nesterov: true, maximize: true } },
  {
    name: 'sgd groups', cls: 'SGD', opts: { lr: 1e-2, momentum: 0.9 },
    groups: [{ params: [0, 3] }, { params: [1, 2, 4], opts: { lr: 1e-3, weightDecay: 0.1 } }],
  },
  { name: 'adam', cls: 'Adam', opts: { lr: 0.01 } },
  { name: 'adam amsgrad wd maximize', cls: 'Adam', opts: { lr: 0.02, betas: [0.8, 0.99], eps: 1e-6, weightDecay: 0.05, amsgrad: true, maximize: true } },
  { name: 'adam float32', cls: 'Adam', opts: { lr: 0.01, weightDecay: 0.01 }, dtype: 'float32' },
  {
    name: 'adam groups', cls: 'Adam', opts: { lr: 0.01 },
    groups: [{ params: [0, 2, 3], opts: { amsgrad: true } }, { params: [1, 4], opts: { lr: 0.1, betas: [0.5, 0.9] } }],
  },
  { name: 'adamw', cls: 'AdamW', opts: { lr: 0.01 } },
  { name: 'adamw amsgrad maximize', cls: 'AdamW', opts: { lr: 0.03, weightDecay: 0.1, amsgrad: true, maximize: true } },
  { name: 'rmsprop', cls: 'RMSprop', opts: { lr: 0.01 } },
  { name: 'rmsprop centered momentum wd', cls: 'RMSprop', opts: { lr: 0.01, alpha: 0.9, momentum: 0.5, centered: true, weightDecay: 0.01 } },
  { name: 'rmsprop maximize float32', cls: 'RMSprop', opts: { lr: 0.001, maximize: true, centered: true }, dtype: 'float32' },
  { name: 'adagrad', cls: 'Adagrad', opts: { lr: 0.1 } },
  { name: 'adagrad decay wd init maximize', cls: 'Adagrad', opts: { lr: 0.1, lrDecay: 0.05, weightDecay: 0.01, initialAccumulatorValue: 0.1, eps: 1e-8, maximize: true } },
];

const snake = (k: string): string => k.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase());
const pyOpts = (o: Record<string, unknown> = {}): Record<string, unknown> => Object.fromEntries(Object.entries(o).map(([k, v]) => [snake(k), v]));

function makeOptimizer(cfg: Config, params: Tensor[]): torch.optim.Optimizer<any> {
  const Cls = torch.optim[cfg.cls] as unknown as new (p: unknown, o: unknown) => torch.optim.Optimizer<any>;
  const arg = cfg.groups ? cfg.groups.map((g) => ({ params: g.params.map((i) => params[i]!), ...g.opts })) : params;
  return new Cls(arg, cfg.opts);
}

torch.manualSeed(0);
const INIT = SHAPES.map((s) => torch.randn(s, { dtype: 'float64' }));
const GRADS = Array.from({ length: STEPS }, () => SHAPES.map((s) => torch.randn(s, { dtype: 'float64' })));

function inputTensors(): Record<string, Tensor> {
  const t: Record<string, Tensor> = {};
  INIT.forEach((p, i) => { t[`p${i}`] = p; });
  GRADS.forEach((gs, s) => gs.forEach((g, i) => { if (hasGrad(s, i)) t[`g${s}_${i}`] = g; }));
  return t;
}

/** Runs `steps` steps from `from` with the shared gradients. */
function runSteps(opt: torch.optim.Optimizer<any>, params: Tensor[], from: number, to: number, dtype: string): void {
  for (let s = from; s < to; s++) {
    params.forEach((p, i) => { p.grad = hasGrad(s, i) ? GRADS[s]![i]!.to(dtype) : null; });
    opt.step();
  }
}

const PY_HELPERS = String.raw`
import torch.optim as optim
def tuples(o):
    return {k: tuple(v) if k == 'betas' else v for k, v in o.items()}
def make_opt(cfg, ps):
    groups = ps
    if cfg.get('groups'):
        groups = [dict(params=[ps[i] for i in g['params']], **tuples(g['opts'])) for g in cfg['groups']]
    return getattr(optim, cfg['cls'])(groups, **tuples(cfg['opts']))
def run(opt, ps, frm, to, dtype):
    for s in range(frm, to):
        for i, p in enumerate(ps):
            k = 'g%d_%d' % (s, i)
            p.grad = T[k].to(dtype).clone() if k in T else None
        opt.step()
def export_sd(sd, prefix):
    meta = {'param_groups': sd['param_groups'], 'state': {}}
    for k, st in sd['state'].items():
        m = {}
        for name, v in st.items():
            if torch.is_tensor(v):
                key = '%s_s%d_%s' % (prefix, k, name)
                OUT[key] = v.detach().clone()
                m[name] = {'tensor': key, 'dtype': str(v.dtype).replace('torch.', ''), 'shape': list(v.shape)}
            else:
                m[name] = v
        meta['state'][str(k)] = m
    return meta
`;

interface PyStateDict {
  param_groups: Record<string, unknown>[];
  state: Record<string, Record<string, unknown>>;
}

const pyConfigs = CONFIGS.map((c) => ({
  cls: c.cls, opts: pyOpts(c.opts), dtype: c.dtype ?? 'float64',
  groups: c.groups?.map((g) => ({ params: g.params, opts: pyOpts(g.opts) })),
}));

// One Python run for all comparisons: STEPS steps of each config, and for the loading test, the state dict
// after 3 steps (with the lr of group 0 changed, to check that loaded hyper-parameters are used) and the
// parameters 2 steps later.
const py = runPython(PY_HELPERS + String.raw`
full, partial = [], []
for ci, cfg in enumerate(J['configs']):
    dtype = getattr(torch, cfg['dtype'])
    ps = [T['p%d' % i].to(dtype).clone().requires_grad_(True) for i in range(J['n'])]
    opt = make_opt(cfg, ps)
    run(opt, ps, 0, J['steps'], dtype)
    for i, p in enumerate(ps): OUT['c%d_p%d' % (ci, i)] = p
    full.append(export_sd(opt.state_dict(), 'c%d' % ci))
    full[-1]['repr'] = repr(opt)
    ps = [T['p%d' % i].to(dtype).clone().requires_grad_(True) for i in range(J['n'])]
    opt = make_opt(cfg, ps)
    run(opt, ps, 0, 3, dtype)
    opt.param_groups[0]['lr'] *= 0.5
    for i, p in enumerate(ps): OUT['h%d_p%d' % (ci, i)] = p.detach().clone()
    partial.append(export_sd(opt.state_dict(), 'h%d' % ci))
    run(opt, ps, 3, J['steps'], dtype)
    for i, p in enumerate(ps): OUT['h%d_final%d' % (ci, i)] = p
OUT_J = {'full': full, 'partial': partial}
`, { tensors: inputTensors(), json: { configs: pyConfigs, n: SHAPES.length, steps: STEPS } });

const tol = (cfg: Config) => (cfg.dtype === 'float32' ? { atol: 1e-6, rtol: 1e-6 } : { atol: 1e-12, rtol: 1e-12 });

/** A JavaScript state dict from Python's (exported as JSON plus tensors), with the state as a Map or an object. */
function stateDictFromPython(sd: PyStateDict, asMap: boolean): torch.optim.OptimizerStateDictInput {
  const entries = Object.entries(sd.state).map(([k, st]) => {
    const v: Record<string, unknown> = {};
    for (const [name, x] of Object.entries(st)) {
      v[name] = x !== null && typeof x === 'object' && 'tensor' in x ? py.tensors[(x as { tensor: string }).tensor] : x;
    }
    return [k, v] as const;
  });
  return {
    param_groups: sd.param_groups,
    state: asMap ? new Map(entries.map(([k, v]) => [Number(k), v])) : Object.fromEntries(entries),
  };
}

CONFIGS.forEach((cfg, ci) => {
  test(`${cfg.name}: ${STEPS} steps match PyTorch, and so does the state dict`, () => {
    const dtype = cfg.dtype ?? 'float64';
    const params = INIT.map((p) => new torch.nn.Parameter(p.to(dtype).clone()));
    const opt = makeOptimizer(cfg, params);
    runSteps(opt, params, 0, STEPS, dtype);
    params.forEach((p, i) => assertClose(p, py.tensors[`c${ci}_p${i}`]!, { ...tol(cfg), what: `param ${i}` }));

    const expected = py.json.full[ci] as PyStateDict & { repr: string };
    assert.equal(String(opt), expected.repr);
    const sd = opt.stateDict();
    assert.deepEqual(sd.param_groups, expected.param_groups);
    assert.deepEqual([...sd.state.keys()].map(String), Object.keys(expected.state));
    for (const [k, st] of sd.state) {
      const want = expected.state[String(k)]!;
      assert.deepEqual(Object.keys(st).sort(), Object.keys(want).sort(), `state[${k}] keys`);
      for (const [name, v] of Object.entries(st)) {
        const w = want[name];
        if (v instanceof torch.Tensor) {
          const info = w as { tensor: string; dtype: string; shape: number[] };
          assert.equal(v.dtype.name, info.dtype, `state[${k}].${name} dtype`);
          assert.deepEqual([...v.shape], info.shape, `state[${k}].${name} shape`);
          assertClose(v, py.tensors[info.tensor]!, { ...tol(cfg), what: `state[${k}].${name}` });
        } else {
          assert.equal(v, w, `state[${k}].${name}`);
        }
      }
    }
  });

  test(`${cfg.name}: a state dict from Python loads and continues as in PyTorch`, () => {
    const dtype = cfg.dtype ?? 'float64';
    const params = INIT.map((_p, i) => new torch.nn.Parameter(py.tensors[`h${ci}_p${i}`]!.clone()));
    const opt = makeOptimizer(cfg, params);
    // Numeric-string keys (a JSON object) for half of the configs, a Map (torch.load's dict) for the others.
    opt.loadStateDict(stateDictFromPython(py.json.partial[ci] as PyStateDict, ci % 2 === 0));
    runSteps(opt, params, 3, STEPS, dtype);
    params.forEach((p, i) => assertClose(p, py.tensors[`h${ci}_final${i}`]!, { ...tol(cfg), what: `param ${i}` }));
  });
});

test('stateDict -> loadStateDict into a fresh optimizer continues identically', () => {
  for (const cfg of CONFIGS.filter((c) => ['adam amsgrad wd maximize', 'sgd groups', 'adagrad decay wd init maximize', 'rmsprop centered momentum wd'].includes(c.name))) {
    const a = INIT.map((p) => new torch.nn.Parameter(p.clone()));
    const optA = makeOptimizer(cfg, a);
    runSteps(optA, a, 0, 3, 'float64');
    const b = a.map((p) => new torch.nn.Parameter(p.detach().clone()));
    const optB = makeOptimizer(cfg, b);
    optB.loadStateDict(optA.stateDict());
    runSteps(optA, a, 3, STEPS, 'float64');
    runSteps(optB, b, 3, STEPS, 'float64');
    a.forEach((p, i) => assert.ok(p.equal(b[i]!), `${cfg.name}: param ${i}`));
  }
});

test('zeroGrad: null gradients are skipped, zeroed ones still step (as in PyTorch)', () => {
  // a gradient with a graph (backward with createGraph) is detached before it is zeroed, as torch.optim does
  const q = new torch.nn.Parameter(torch.tensor([2.0, -1.0]));
  q.pow(3).sum().backward({ createGraph: true });
  assert.notEqual(q.grad!.gradFn, null);
  const withGraph = q.grad!;
  new torch.optim.SGD([q], { lr: 0.1 }).zeroGrad();
  assert.equal(q.grad!.gradFn, null);
  assert.equal(q.grad!.requiresGrad, false);
  assert.deepEqual(q.grad!.toArray(), [0, 0]);
  assert.deepEqual(withGraph.toArray(), [0, 0], 'zeroed in place');
  const x = torch.tensor([1.0, -2.0, 3.0], { dtype: 'float64' });
  const run = () => {
    const p = new torch.nn.Parameter(x.clone());
    const opt = new torch.optim.SGD([p], { lr: 0.1, momentum: 0.9 });
    const history: Tensor[] = [];
    for (let s = 0; s < 2; s++) {
      p.grad = GRADS[s]![0]!.index(0, ':3').clone();
      opt.step();
    }
    opt.zeroGrad({ setToNone: false });
    assert.deepEqual(p.grad!.toArray(), [0, 0, 0]);
    opt.step();
    history.push(p.detach().clone());
    opt.zeroGrad({ setToNone: true });
    assert.equal(p.grad, null);
    opt.step();
    history.push(p.detach().clone());
    return history;
  };
  const mine = run();
  const { tensors } = runPython(String.raw`
p = T['x'].clone().requires_grad_(True)
opt = torch.optim.SGD([p], lr=0.1, momentum=0.9)
for s in range(2):
    p.grad = T['g%d' % s][0, :3].clone()
    opt.step()
opt.zero_grad(set_to_none=False)
opt.step()
OUT['a'] = p.detach().clone()
opt.zero_grad(set_to_none=True)
opt.step()
OUT['b'] = p.detach().clone()
`, { tensors: { x, g0: GRADS[0]![0]!, g1: GRADS[1]![0]! } });
  assertClose(mine[0]!, tensors.a!, { atol: 1e-12, rtol: 0 });
  assertClose(mine[1]!, tensors.b!, { atol: 1e-12, rtol: 0 });
  assert.ok(mine[0]!.equal(mine[1]!), 'a step with no gradients leaves the parameter alone');
});

test('closure: step(closure) evaluates it with gradients on and returns the loss', () => {
  const p = new torch.nn.Parameter(torch.tensor([1.0, 2.0]));
  const opt = new torch.optim.SGD([p], { lr: 0.5 });
  const loss = torch.noGrad(() => opt.step(() => {
    opt.zeroGrad();
    const l = p.mul(p).sum();
    l.backward();
    return l;
  }));
  assert.equal(loss!.item(), 5);
  assert.deepEqual(p.toArray(), [0, 0]);
});

test('paramGroups are mutable, addParamGroup takes the defaults, bad input gets clear errors', () => {
  const a = new torch.nn.Parameter(torch.ones([2]));
  const b = new torch.nn.Parameter(torch.ones([2]));
  const opt = new torch.optim.SGD([a], { lr: 0.1, momentum: 0.9 });
  opt.addParamGroup({ params: [b], lr: 0.01 });
  assert.equal(opt.paramGroups[1]!.lr, 0.01);
  assert.equal(opt.paramGroups[1]!.momentum, 0.9);
  opt.paramGroups[0]!.lr = 1;
  a.grad = torch.ones([2]);
  opt.step();
  assert.deepEqual(a.toArray(), [0, 0]);
  assert.throws(() => opt.addParamGroup({ params: [a] }), /more than one parameter group/);
  assert.throws(() => new torch.optim.SGD([a]), /required optimization parameter lr/);
  assert.throws(() => new torch.optim.Adam([a], { lr: -1 }), /Invalid learning rate/);
  assert.throws(() => new torch.optim.Adam([a], { betas: [1, 0.9] }), /beta parameter at index 0/);
  assert.throws(() => new torch.optim.SGD([a], { lr: 0.1, nesterov: true }), /Nesterov/);
  assert.throws(() => new torch.optim.SGD([], { lr: 0.1 }), /empty parameter list/);
  assert.throws(() => new torch.optim.Adam([a], { weight_decay: 0.1 } as never), /unexpected keyword argument 'weight_decay' \(PyTorch's 'weight_decay' is 'weightDecay' here\)/);
  assert.throws(() => new torch.optim.Adam([a], { lrr: 0.1 } as never), /unexpected keyword argument 'lrr' \(did you mean 'lr'\?\); it takes 'params', 'lr', 'betas'/);
  assert.throws(() => opt.addParamGroup({ params: [new torch.nn.Parameter(torch.ones([1]))], weight_decay: 0 }), /'weight_decay': tstorch spells it 'weightDecay'/);
  assert.throws(() => new torch.optim.SGD([a.mul(2)], { lr: 0.1 }), /non-leaf/);
  assert.throws(() => opt.loadStateDict({ state: {}, param_groups: [] }), /has 0 parameter groups, the optimizer has 2/);
  assert.throws(() => opt.loadStateDict({ state: {}, param_groups: [{ params: [0, 1] }, { params: [2] }] }), /param_groups\[0\] has 2 parameters/);
  assert.throws(() => opt.loadStateDict({ state: { 7: {} }, param_groups: [{ params: [0] }, { params: [1] }] }), /parameter index 7/);
});

test('native memory stays flat over 2000 Adam steps of a small model', () => {
  class Tiny extends torch.nn.Module {
    w = new torch.nn.Parameter(torch.randn([8, 4]).mul(0.1));
    b = new torch.nn.Parameter(torch.zeros([4]));
    override forward(x: Tensor): Tensor { return x.matmul(this.w).add(this.b).relu(); }
  }
  const x = torch.randn([16, 8]);
  const y = torch.randn([16, 4]);
  const flat = (model: Tiny, opt: torch.optim.Optimizer<any>, sched: { step(): void }, steps: number) => {
    const iteration = () => torch.tidy(() => {
      opt.zeroGrad();
      const loss = model.forward(x).sub(y).square().mean();
      loss.backward();
      opt.step();
      sched.step();
    });
    iteration();
    const after1 = torch.memoryStats();
    for (let i = 1; i < steps; i++) iteration();
    const after = torch.memoryStats();
    // At most as many: the collector may meanwhile free handles that earlier tests dropped without disposing.
    assert.ok(after.liveTensors <= after1.liveTensors, `${opt.constructor.name}: live tensors ${after1.liveTensors} -> ${after.liveTensors}`);
    assert.ok(after.liveBytes <= after1.liveBytes, `${opt.constructor.name}: live bytes ${after1.liveBytes} -> ${after.liveBytes}`);
  };
  const model = new Tiny();
  const adam = new torch.optim.Adam(model.parameters(), { lr: 1e-3, amsgrad: true, weightDecay: 1e-4 });
  flat(model, adam, new torch.optim.lrScheduler.CosineAnnealingLR(adam, { tMax: 100 }), 2000);
  assert.equal((adam.state.get(model.w)!.step as Tensor).item(), 2000);
  const others = [
    (ps: Tensor[]) => new torch.optim.SGD(ps, { lr: 0.01, momentum: 0.9, nesterov: true, weightDecay: 1e-4 }),
    (ps: Tensor[]) => new torch.optim.AdamW(ps, { maximize: true }),
    (ps: Tensor[]) => new torch.optim.RMSprop(ps, { momentum: 0.5, centered: true, weightDecay: 1e-4 }),
    (ps: Tensor[]) => new torch.optim.Adagrad(ps, { lrDecay: 0.01, weightDecay: 1e-4 }),
  ];
  for (const make of others) {
    const m = new Tiny();
    const opt = make(m.parameters());
    flat(m, opt, new torch.optim.lrScheduler.OneCycleLR(opt, { maxLr: 0.01, totalSteps: 200, cycleMomentum: !(opt instanceof torch.optim.Adagrad) }), 200);
  }
});

test('checkpoint files: torch.save of stateDict() loads in Python, and Python\'s torch.save loads here', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tstorch-optim-'));
  try {
    const cfgs = CONFIGS.filter((c) => ['sgd groups', 'adam amsgrad wd maximize', 'rmsprop centered momentum wd'].includes(c.name));
    const mine = cfgs.map((cfg, k) => {
      const params = INIT.map((p) => new torch.nn.Parameter(p.clone()));
      const opt = makeOptimizer(cfg, params);
      runSteps(opt, params, 0, 3, 'float64');
      torch.save({ optimizer: opt.stateDict(), params }, join(dir, `js${k}.pt`));
      runSteps(opt, params, 3, STEPS, 'float64');
      return params;
    });
    const { tensors } = runPython(PY_HELPERS + String.raw`
for k, cfg in enumerate(J['configs']):
    ck = torch.load('%s/js%d.pt' % (J['dir'], k))
    ps = [p.detach().clone().requires_grad_(True) for p in ck['params']]
    opt = make_opt(cfg, ps)
    opt.load_state_dict(ck['optimizer'])
    run(opt, ps, 3, J['steps'], torch.float64)
    for i, p in enumerate(ps): OUT['js%d_%d' % (k, i)] = p
    ps = [T['p%d' % i].clone().requires_grad_(True) for i in range(J['n'])]
    opt = make_opt(cfg, ps)
    run(opt, ps, 0, 3, torch.float64)
    torch.save({'optimizer': opt.state_dict(), 'params': ps}, '%s/py%d.pt' % (J['dir'], k))
    run(opt, ps, 3, J['steps'], torch.float64)
    for i, p in enumerate(ps): OUT['py%d_%d' % (k, i)] = p
`, { tensors: inputTensors(), json: { configs: cfgs.map((c) => pyConfigs[CONFIGS.indexOf(c)]), dir, n: SHAPES.length, steps: STEPS } });
    cfgs.forEach((cfg, k) => {
      mine[k]!.forEach((p, i) => assertClose(p, tensors[`js${k}_${i}`]!, { atol: 1e-12, rtol: 1e-12, what: `${cfg.name}: Python from our file, param ${i}` }));
      const ck = torch.load(join(dir, `py${k}.pt`)) as { optimizer: torch.optim.OptimizerStateDictInput; params: Tensor[] };
      const params = ck.params.map((p) => new torch.nn.Parameter(p.detach()));
      const opt = makeOptimizer(cfg, params);
      opt.loadStateDict(ck.optimizer);
      runSteps(opt, params, 3, STEPS, 'float64');
      params.forEach((p, i) => assertClose(p, tensors[`py${k}_${i}`]!, { atol: 1e-12, rtol: 1e-12, what: `${cfg.name}: from Python's file, param ${i}` }));
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
