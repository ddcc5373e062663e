// Default layer initialisation and nn.init draws are bit-identical to PyTorch's for the same seed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../src/index.js';
import { runPython, assertClose } from './helpers/pytorch.js';

const { nn } = torch;
const init = nn.init;
const exact = { atol: 0, rtol: 0 };

test('layers have bit-identical default parameters to PyTorch for the same seed', () => {
  const layers: [string, () => torch.nn.Module][] = [
    ['nn.Linear(3, 4)', () => new nn.Linear(3, 4)],
    ['nn.Linear(7, 2, bias=False)', () => new nn.Linear(7, 2, { bias: false })],
    ['nn.Conv2d(3, 6, 5)', () => new nn.Conv2d(3, 6, 5)],
    ['nn.Conv2d(4, 8, (3, 1), groups=2, bias=False)', () => new nn.Conv2d(4, 8, [3, 1], { groups: 2, bias: false })],
    ['nn.Conv1d(2, 3, 4)', () => new nn.Conv1d(2, 3, 4)],
    ['nn.ConvTranspose2d(4, 6, 3, groups=2)', () => new nn.ConvTranspose2d(4, 6, 3, { groups: 2 })],
    ['nn.ConvTranspose1d(3, 2, 2)', () => new nn.ConvTranspose1d(3, 2, 2)],
    ['nn.BatchNorm2d(5)', () => new nn.BatchNorm2d(5)],
    ['nn.BatchNorm1d(3, affine=False)', () => new nn.BatchNorm1d(3, { affine: false })],
    ['nn.LayerNorm((2, 3))', () => new nn.LayerNorm([2, 3])],
    ['nn.GroupNorm(2, 4)', () => new nn.GroupNorm(2, 4)],
  ];
  const seeds = [0, 42, 2024];
  const tensors: Record<string, torch.Tensor> = {};
  for (const seed of seeds) {
    // all layers from one seed, in sequence, so the generator's state carries from layer to layer as in Python
    torch.manualSeed(seed);
    layers.forEach(([, build], i) => {
      for (const [k, v] of Object.entries(build().stateDict())) tensors[`s${seed}_l${i}_${k}`] = v;
    });
  }
  const { tensors: py } = runPython(String.raw`
import torch.nn as nn
for seed in J['seeds']:
    torch.manual_seed(seed)
    for i, expr in enumerate(J['layers']):
        for k, v in eval(expr).state_dict().items():
            OUT['s%d_l%d_%s' % (seed, i, k)] = v
`, { json: { seeds, layers: layers.map(([e]) => e) } });
  assert.deepEqual(Object.keys(tensors).sort(), Object.keys(py).sort());
  for (const [k, v] of Object.entries(tensors)) {
    assert.equal(v.dtype, py[k]!.dtype, `${k} dtype`);
    assertClose(v, py[k]!, { ...exact, what: k });
  }
});

test('nn.init functions draw the same numbers as PyTorch and calculateGain agrees', () => {
  const steps: [string, (t: () => torch.Tensor) => torch.Tensor][] = [
    ['init.uniform_(torch.empty(4, 5), -2, 3)', (t) => init.uniform_(t(), -2, 3)],
    ['init.uniform_(torch.empty(4, 5), b=0.5)', (t) => init.uniform_(t(), { b: 0.5 })],
    ['init.normal_(torch.empty(4, 5), 0, 0.01)', (t) => init.normal_(t(), 0, 0.01)],
    ['init.normal_(torch.empty(4, 5), std=3)', (t) => init.normal_(t(), { std: 3 })],
    ['init.kaiming_uniform_(torch.empty(6, 4, 3, 3))', (t) => init.kaimingUniform_(t())],
    ['init.kaiming_uniform_(torch.empty(6, 4, 3, 3), a=math.sqrt(5))', (t) => init.kaimingUniform_(t(), { a: Math.sqrt(5) })],
    ["init.kaiming_normal_(torch.empty(6, 4, 3, 3), mode='fan_out', nonlinearity='relu')", (t) => init.kaimingNormal_(t(), { mode: 'fan_out', nonlinearity: 'relu' })],
    ["init.kaiming_normal_(torch.empty(5, 3), a=0.2)", (t) => init.kaimingNormal_(t(), { a: 0.2 })],
    ['init.xavier_uniform_(torch.empty(6, 4, 3, 3), gain=2.0)', (t) => init.xavierUniform_(t(), 2)],
    ["init.xavier_normal_(torch.empty(5, 3), gain=init.calculate_gain('tanh'))", (t) => init.xavierNormal_(t(), init.calculateGain('tanh'))],
    ['init.trunc_normal_(torch.empty(40, 30), std=0.02)', (t) => init.truncNormal_(t(), { std: 0.02 })],
    ['init.trunc_normal_(torch.empty(40, 30), 1.0, 2.0, -1.0, 3.0)', (t) => init.truncNormal_(t(), 1, 2, -1, 3)],
    ['init.orthogonal_(torch.empty(3, 5))', (t) => init.orthogonal_(t())],
    ['init.orthogonal_(torch.empty(6, 2, 2), gain=0.5)', (t) => init.orthogonal_(t(), 0.5)],
    ['init.constant_(torch.empty(2, 3), 0.3)', (t) => init.constant_(t(), 0.3)],
    ['init.ones_(torch.empty(2, 3))', (t) => init.ones_(t())],
    ['init.zeros_(torch.empty(2, 3))', (t) => init.zeros_(t())],
    ['init.eye_(torch.empty(3, 5))', (t) => init.eye_(t())],
    ['init.dirac_(torch.empty(4, 2, 3, 3), groups=2)', (t) => init.dirac_(t(), 2)],
    ['init.dirac_(torch.empty(3, 4, 5))', (t) => init.dirac_(t())],
  ];
  const shapeOf = (expr: string): number[] => JSON.parse(`[${/torch\.empty\(([^)]*)\)/.exec(expr)![1]}]`);
  torch.manualSeed(99);
  const ours = steps.map(([e, f]) => f(() => torch.empty(shapeOf(e))));
  // gradients must not flow into the initialised parameters
  const p = new nn.Parameter(torch.empty([3, 3]));
  init.kaimingUniform_(p);
  assert.equal(p.isLeaf, true);
  assert.equal(p.requiresGrad, true);
  const gains: [string, number | null][] = [['linear', null], ['conv2d', null], ['sigmoid', null], ['tanh', null], ['relu', null],
    ['leaky_relu', null], ['leaky_relu', 0.2], ['leaky_relu', Math.sqrt(5)], ['selu', null]];
  const { tensors: py, json } = runPython(String.raw`
import torch.nn.init as init
torch.manual_seed(99)
for i, e in enumerate(J['steps']):
    OUT['t%d' % i] = eval(e)
OUT_J = [init.calculate_gain(n, p) for n, p in J['gains']]
`, { json: { steps: steps.map(([e]) => e), gains } });
  steps.forEach(([e], i) => {
    // orthogonal_ goes through LAPACK's QR; the rest are the generator's raw draws and double-precision bounds
    const tol = e.includes('orthogonal') ? { atol: 1e-6, rtol: 0 } : exact;
    assertClose(ours[i]!, py[`t${i}`]!, { ...tol, what: e });
  });
  gains.forEach(([n, prm], i) => assert.equal(init.calculateGain(n as any, prm), json[i], `calculateGain(${n}, ${prm})`));
  assert.throws(() => init.kaimingUniform_(torch.empty([3])), /fewer than 2 dimensions/);
  assert.throws(() => init.kaimingUniform_(torch.empty([3, 3]), { mode: 'fan_avg' as any }), /fan_avg/);
});

test('initialiser statistics match the distributions PyTorch documents', () => {
  torch.manualSeed(3);
  const tn = init.truncNormal_(torch.empty([20000]), { mean: 0.5, std: 1, a: -1, b: 1 });
  const kn = init.kaimingNormal_(torch.empty([200, 50, 2]), { mode: 'fan_out', nonlinearity: 'relu' });
  const xu = init.xavierUniform_(torch.empty([100, 300]), 3);
  const ku = init.kaimingUniform_(torch.empty([300, 100]), { a: Math.sqrt(5) });
  // the analytic moments, computed by Python's math from PyTorch's documented formulas
  const { json } = runPython(String.raw`
def pdf(x): return math.exp(-x * x / 2) / math.sqrt(2 * math.pi)
def cdf(x): return (1 + math.erf(x / math.sqrt(2))) / 2
mu, sd, a, b = 0.5, 1.0, -1.0, 1.0
al, be = (a - mu) / sd, (b - mu) / sd
Z = cdf(be) - cdf(al)
tmean = mu + sd * (pdf(al) - pdf(be)) / Z
tvar = sd * sd * (1 + (al * pdf(al) - be * pdf(be)) / Z - ((pdf(al) - pdf(be)) / Z) ** 2)
OUT_J = {
  'trunc': [tmean, math.sqrt(tvar)],
  'kaiming_normal_std': math.sqrt(2.0) / math.sqrt(200 * 2),
  'xavier_uniform_bound': 3 * math.sqrt(6.0 / (100 + 300)),
  'kaiming_uniform_bound': 1 / math.sqrt(100),
}
`);
  const close = (v: number, want: number, tol: number, what: string): void => assert.ok(Math.abs(v - want) <= tol, `${what}: ${v} vs ${want}`);
  assert.ok(tn.min().item() >= -1 && tn.max().item() <= 1, 'trunc normal within [a, b]');
  close(tn.mean().item(), json.trunc[0], 0.015, 'trunc normal mean');
  close(tn.std().item(), json.trunc[1], 0.015, 'trunc normal std');
  close(kn.std().item(), json.kaiming_normal_std, 0.03 * json.kaiming_normal_std, 'kaiming normal std');
  close(kn.mean().item(), 0, 0.03 * json.kaiming_normal_std, 'kaiming normal mean');
  assert.ok(xu.abs().max().item() <= json.xavier_uniform_bound, 'xavier uniform bound');
  close(xu.abs().max().item(), json.xavier_uniform_bound, 0.01 * json.xavier_uniform_bound, 'xavier uniform reaches its bound');
  close(xu.std().item(), json.xavier_uniform_bound / Math.sqrt(3), 0.02 * json.xavier_uniform_bound, 'xavier uniform std');
  assert.ok(ku.abs().max().item() <= json.kaiming_uniform_bound, 'kaiming uniform (a=sqrt(5)) bound is 1/sqrt(fan_in)');
});
