// The layers of vision.ops against torchvision 0.14: FeaturePyramidNetwork (initialisation under the same seed,
// state-dict keys, version-1 checkpoints, forward and gradients with both extra blocks), MultiScaleRoIAlign
// (level assignment, forward and gradients), DropBlock (same seed, same blocks), Conv3dNormActivation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../src/index.js';
import * as vision from '../src/vision/index.js';
import { compareWithPyTorch } from './nn-harness.js';
import { runPython, assertClose } from './helpers/pytorch.js';

const ops = vision.ops;
type T = torch.Tensor;
const TV = "__import__('torchvision').ops";

/** Forward of dict-in, dict-out layers with a random cotangent; outputs, input and parameter gradients by name. */
function runDictLayer(m: torch.nn.Module, inputs: Map<string, T>, forward: (xs: Map<string, T>) => Map<string, T> | T, p = '') {
  const leaves = new Map([...inputs].map(([k, v]) => [k, v.clone().requiresGrad_()]));
  const out = forward(leaves);
  const outs = out instanceof Map ? out : new Map([['out', out]]);
  const cot = new Map([...outs].map(([k, v]) => [k, torch.randn(v.shape)]));
  let loss = torch.zeros([]);
  for (const [k, v] of outs) loss = loss.add(v.mul(cot.get(k)!).sum());
  loss.backward();
  const tensors: Record<string, T> = {};
  for (const [k, v] of inputs) tensors[`${p}x__${k}`] = v;
  for (const [k, v] of cot) tensors[`${p}g__${k}`] = v;
  for (const [k, v] of Object.entries(m.stateDict())) tensors[`${p}sd__${k}`] = v;
  return { outs, leaves, cot, tensors, p };
}

const PY_DICT = String.raw`
from collections import OrderedDict
def run(m, fwd, p=''):
    m.load_state_dict({k[len(p) + 4:]: v for k, v in T.items() if k.startswith(p + 'sd__')})
    xs = OrderedDict((k[len(p) + 3:], v.clone().requires_grad_()) for k, v in T.items() if k.startswith(p + 'x__'))
    out = fwd(m, xs)
    outs = out if isinstance(out, dict) else {'out': out}
    loss = sum((v * T[p + 'g__' + k]).sum() for k, v in outs.items())
    loss.backward()
    for k, v in outs.items(): OUT[p + 'y__' + k] = v
    for k, v in xs.items():
        if v.grad is not None: OUT[p + 'xg__' + k] = v.grad
    for k, v in m.named_parameters():
        if v.grad is not None: OUT[p + 'pg__' + k] = v.grad
    return list(outs.keys())
`;

function compareDict(what: string, m: torch.nn.Module, r: ReturnType<typeof runDictLayer>, py: { tensors: Record<string, T> }, keys: string[]): void {
  const p = r.p;
  assert.deepEqual([...r.outs.keys()], keys, `${what}: output names`);
  for (const [k, v] of r.outs) assertClose(v, py.tensors[`${p}y__${k}`]!, { what: `${what} output ${k}` });
  for (const [k, v] of r.leaves) {
    const want = py.tensors[`${p}xg__${k}`];
    if (v.grad === null || want === undefined) assert.equal(v.grad === null, want === undefined, `${what}: input ${k} has a gradient on one side only`);
    else assertClose(v.grad, want, { what: `${what} gradient of input ${k}` });
  }
  for (const [k, q] of m.namedParameters()) assertClose(q.grad!, py.tensors[`${p}pg__${k}`]!, { what: `${what} gradient of ${k}` });
}

test('FeaturePyramidNetwork: same initial weights as torchvision under the same seed, same outputs and gradients', () => {
  const build = {
    maxpool: () => new ops.FeaturePyramidNetwork([4, 6, 8], 5, { extraBlocks: new ops.LastLevelMaxPool() }),
    p6p7: () => new ops.FeaturePyramidNetwork([4, 6, 8], 5, { extraBlocks: new ops.LastLevelP6P7(8, 5) }),
    p6p7P5: () => new ops.FeaturePyramidNetwork([4, 6, 5], 5, { extraBlocks: new ops.LastLevelP6P7(5, 5) }),
    norm: () => new ops.FeaturePyramidNetwork([3, 4], 6, { normLayer: (c) => new torch.nn.BatchNorm2d(c) }),
  };
  const pyBuild = {
    maxpool: 'FeaturePyramidNetwork([4, 6, 8], 5, extra_blocks=LastLevelMaxPool())',
    p6p7: 'FeaturePyramidNetwork([4, 6, 8], 5, extra_blocks=LastLevelP6P7(8, 5))',
    p6p7P5: 'FeaturePyramidNetwork([4, 6, 5], 5, extra_blocks=LastLevelP6P7(5, 5))',
    norm: 'FeaturePyramidNetwork([3, 4], 6, norm_layer=torch.nn.BatchNorm2d)',
  };
  const inits: Record<string, T> = {};
  const names: Record<string, string[]> = {};
  for (const [k, f] of Object.entries(build)) {
    torch.manualSeed(0);
    const sd = f().stateDict();
    names[k] = Object.keys(sd);
    for (const [n, v] of Object.entries(sd)) inits[`${k}__${n}`] = v;
  }
  const py = runPython(String.raw`
from torchvision.ops import FeaturePyramidNetwork
from torchvision.ops.feature_pyramid_network import LastLevelMaxPool, LastLevelP6P7
OUT_J = {}
for k, b in J.items():
    torch.manual_seed(0)
    m = eval(b)
    sd = m.state_dict()
    OUT_J[k] = [list(sd.keys()), str(m)]
    for n, v in sd.items(): OUT[k + '__' + n] = v
`, { json: pyBuild });
  for (const k of Object.keys(build)) {
    assert.deepEqual(names[k], py.json[k][0], `${k}: state-dict keys`);
    for (const n of names[k]!) assert.ok(inits[`${k}__${n}`]!.equal(py.tensors[`${k}__${n}`]!), `${k}: initial ${n}`);
    torch.manualSeed(0);
    assert.equal(build[k as keyof typeof build]().toString(), py.json[k][1], `${k}: repr`);
  }

  torch.manualSeed(3);
  const runs: { k: string; m: torch.nn.Module; r: ReturnType<typeof runDictLayer> }[] = [];
  const tensors: Record<string, T> = {};
  for (const [k, levels] of [['maxpool', [4, 6, 8]], ['p6p7', [4, 6, 8]], ['p6p7P5', [4, 6, 5]]] as const) {
    const m = build[k]();
    // Odd sizes: the top-down path interpolates 5x5 to 9x10 and 3x3 to 5x5.
    const inputs = new Map<string, T>([['feat0', torch.randn([2, levels[0], 9, 10])], ['feat1', torch.randn([2, levels[1], 5, 5])], ['feat2', torch.randn([2, levels[2], 3, 3])]]);
    const r = runDictLayer(m, inputs, (xs) => m.call(xs) as Map<string, T>, `${k}__`);
    Object.assign(tensors, r.tensors);
    runs.push({ k, m, r });
  }
  const out = runPython(PY_DICT + String.raw`
from torchvision.ops import FeaturePyramidNetwork
from torchvision.ops.feature_pyramid_network import LastLevelMaxPool, LastLevelP6P7
OUT_J = {k: run(eval(b), lambda m, xs: m(xs), k + '__') for k, b in J.items()}
`, { tensors, json: Object.fromEntries(runs.map(({ k }) => [k, pyBuild[k as keyof typeof pyBuild]])) });
  for (const { k, m, r } of runs) compareDict(`FPN ${k}`, m, r, out, out.json[k]);
});

test('FeaturePyramidNetwork loads version-1 state dicts (bare Conv2d blocks) and refuses a wrong shape', () => {
  torch.manualSeed(0);
  const m = new ops.FeaturePyramidNetwork([2, 3], 4);
  const sd = m.stateDict();
  const old: Record<string, T> = {};
  for (const [k, v] of Object.entries(sd)) old[k.replace(/(inner_blocks|layer_blocks)\.(\d+)\.0\./, '$1.$2.')] = v.add(1);
  assert.ok('inner_blocks.0.weight' in old);
  const m2 = new ops.FeaturePyramidNetwork([2, 3], 4);
  m2.loadStateDict(old);
  assert.ok(m2.inner_blocks.at(0).stateDict()['0.weight']!.equal(sd['inner_blocks.0.0.weight']!.add(1)));
  old['layer_blocks.1.weight'] = torch.zeros([4, 4, 1, 1]);
  assert.throws(() => m2.loadStateDict(old), /size mismatch for layer_blocks\.1\.0\.weight/);
});

test('MultiScaleRoIAlign equals torchvision: level mapping, per-level pooling, gradients; one level too', () => {
  torch.manualSeed(4);
  const imageShapes: [number, number][] = [[64, 60], [50, 64]];
  const feats = new Map<string, T>([
    ['0', torch.randn([2, 3, 16, 16])], ['1', torch.randn([2, 3, 8, 8])], ['2', torch.randn([2, 3, 4, 4])],
    ['3', torch.randn([2, 3, 2, 2])], ['pool', torch.randn([2, 3, 1, 1])],
  ]);
  // Boxes of every size, so that every level gets some: tiny ones to level 0, the whole image to level 3.
  const boxes = [
    torch.tensor([[1, 1, 5, 6], [10, 3, 40, 30], [0, 0, 64, 64], [20, 20, 22, 21], [5, 5, 200, 250]]),
    torch.tensor([[3, 4, 60, 48], [7, 7, 14, 12], [30, 10, 31, 50]]),
  ];
  const configs = [[['0', '1', '2', '3'], [7, 7], 2], [['1'], 3, -1], [['0', '2'], [2, 3], 1]] as const;
  const runs = configs.map(([names, size, sr], i) => {
    const m = new ops.MultiScaleRoIAlign(names, size, sr);
    return { m, r: runDictLayer(m, feats, (xs) => m.call(xs, boxes, imageShapes) as T, `c${i}__`) };
  });
  const out = runPython(PY_DICT + String.raw`
from torchvision.ops import MultiScaleRoIAlign
boxes = [T['b0'], T['b1']]
OUT_J = []
for i, c in enumerate(J['configs']):
    m = MultiScaleRoIAlign(c[0], c[1], c[2])
    keys = run(m, lambda m, xs: m(xs, boxes, J['shapes']), 'c%d__' % i)
    OUT_J.append({'keys': keys, 'repr': str(m), 'scales': m.scales})
`, { tensors: Object.assign({ b0: boxes[0]!, b1: boxes[1]! }, ...runs.map(({ r }) => r.tensors)), json: { configs, shapes: imageShapes } });
  runs.forEach(({ m, r }, i) => {
    compareDict(`MultiScaleRoIAlign ${configs[i]![0]}`, m, r, out, out.json[i].keys);
    assert.equal(m.toString(), out.json[i].repr);
    assert.deepEqual(m.scales, out.json[i].scales);
  });
  assert.throws(() => new ops.MultiScaleRoIAlign(['x'], 7, 2).call(feats, boxes, imageShapes), /none of the feature maps \["x"\]/);
});

test('DropBlock2d / DropBlock3d drop the same blocks as torchvision after the same seed; identity in eval', () => {
  const x2 = torch.randn([2, 3, 9, 8]);
  const x3 = torch.randn([2, 2, 5, 6, 7]);
  compareWithPyTorch([
    { name: 'drop_block2d', inputs: [x2], seed: 9, fn: (_m, [x]) => ops.dropBlock2d(x!, 0.3, 3), py: `${TV}.drop_block2d(x0, 0.3, 3)` },
    { name: 'drop_block2d block larger than the map', inputs: [torch.randn([2, 3, 7, 9])], seed: 2, fn: (_m, [x]) => ops.dropBlock2d(x!, 0.5, 20), py: `${TV}.drop_block2d(x0, 0.5, 20)` },
    { name: 'drop_block3d', inputs: [x3], seed: 9, fn: (_m, [x]) => ops.dropBlock3d(x!, 0.2, 3), py: `${TV}.drop_block3d(x0, 0.2, 3)` },
    { name: 'DropBlock2d module', inputs: [x2], seed: 1, repr: true, build: () => new ops.DropBlock2d(0.25, 3), pyBuild: `${TV}.DropBlock2d(0.25, 3)` },
    { name: 'DropBlock3d eval', inputs: [x3], train: false, repr: true, build: () => new ops.DropBlock3d(0.5, 2, { inplace: true }), pyBuild: `${TV}.DropBlock3d(0.5, 2, inplace=True)` },
  ]);
  assert.throws(() => ops.dropBlock2d(x3, 0.1, 3), /input should be 4 dimensional/);
  assert.throws(() => ops.dropBlock2d(x2, 1.5, 3), /between 0 and 1/);
  assert.throws(() => ops.dropBlock2d(x2, 0.1, 20), /block size must be odd, got 8 \(blockSize 20 clamped/);
});

test('Conv3dNormActivation and Conv2dNormActivation build, print and compute as torchvision', () => {
  compareWithPyTorch([
    { name: 'Conv3dNormActivation', inputs: [torch.randn([2, 3, 4, 6, 6])], repr: true,
      build: () => new ops.Conv3dNormActivation(3, 5, { kernelSize: [1, 3, 3], stride: [1, 2, 2] }),
      pyBuild: `${TV}.Conv3dNormActivation(3, 5, kernel_size=(1, 3, 3), stride=(1, 2, 2))` },
    { name: 'Conv3dNormActivation without norm', inputs: [torch.randn([1, 2, 3, 5, 5])], repr: true,
      build: () => new ops.Conv3dNormActivation(2, 4, { normLayer: null, activationLayer: null, dilation: 2 }),
      pyBuild: `${TV}.Conv3dNormActivation(2, 4, norm_layer=None, activation_layer=None, dilation=2)` },
    { name: 'Conv2dNormActivation, tuple kernel', inputs: [torch.randn([1, 2, 7, 7])], repr: true,
      build: () => new ops.Conv2dNormActivation(2, 3, { kernelSize: [3, 5], dilation: [1, 2] }),
      pyBuild: `${TV}.Conv2dNormActivation(2, 3, kernel_size=(3, 5), dilation=(1, 2))` },
  ]);
});
