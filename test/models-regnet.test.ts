// RegNet X and Y against torchvision 0.14: every variant's stage parameters (widths, depths, group widths from
// the quantized linear parameterisation), state-dict keys, shapes and parameter counts; bit-identical seeded
// initialisation and eval logits for the small variants; printing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../src/index.js';
import * as models from '../src/vision/models/index.js';
import { runPython } from './helpers/pytorch.js';
import { torchvisionReference, assertSameModel, assertLogitsClose, type RefSpec, type RefResult } from './helpers/zoo.js';
import { HEAVY_TESTS } from './helpers/zoo-structure.js';

torch.manualSeed(13);
const x = torch.randn([2, 3, 64, 64]);
const builders = models as unknown as Record<string, (o?: any) => torch.nn.Module>;
const names = Object.keys(models.REGNET_CONFIGS);

const full = ['regnet_y_400mf', 'regnet_y_800mf', 'regnet_y_1_6gf', 'regnet_y_3_2gf', 'regnet_x_400mf', 'regnet_x_800mf', 'regnet_x_1_6gf', 'regnet_x_3_2gf'];
// The largest (84M to 645M parameters) take tens of seconds each to initialise; their stage parameters are
// checked below, the whole models with TSTORCH_HEAVY_TESTS=1.
const heavy = ['regnet_y_16gf', 'regnet_y_32gf', 'regnet_y_128gf', 'regnet_x_32gf'];
const structural = names.filter((n) => !full.includes(n) && (HEAVY_TESTS || !heavy.includes(n)));

const specs: RefSpec[] = [
  ...full.map((name, i) => ({ name, seed: 50 + i, hash: true, input: 'x' })),
  { name: 'regnet_x_400mf', seed: 9, kwargs: 'num_classes=4, stem_width=16', hash: true, input: 'x' },
];
const refs = torchvisionReference(specs, { x });

// The structure of the large variants without initialising them (torch.empty does not touch the memory).
const STRUCTURE = String.raw`
import torchvision.models.regnet as R
import torch.nn.init as I
params = {}
orig = R._regnet
R._regnet = lambda bp, weights, progress, **kw: bp
for n in J['names']:
    bp = getattr(R, n)()
    params[n] = {'depths': bp.depths, 'widths': bp.widths, 'groupWidths': bp.group_widths,
                 'bottleneckMultipliers': bp.bottleneck_multipliers, 'strides': bp.strides, 'seRatio': bp.se_ratio}
R._regnet = orig
for f in ['normal_', 'uniform_', 'kaiming_uniform_', 'kaiming_normal_', 'ones_', 'zeros_']:
    setattr(I, f, lambda t, *a, **k: t)
struct = {}
for n in J['structural']:
    m = getattr(torchvision.models, n)()
    sd = m.state_dict()
    struct[n] = {'keys': list(sd.keys()), 'shapes': [list(v.shape) for v in sd.values()],
                 'numParams': sum(p.numel() for p in m.parameters())}
    del m, sd
torch.manual_seed(0)
OUT_J = {'params': params, 'struct': struct, 'repr': str(torchvision.models.regnet_y_400mf())}
`;
const py = runPython(STRUCTURE, { json: { names, structural } }).json as {
  params: Record<string, unknown>; struct: Record<string, RefResult>; repr: string;
};

test('stage parameters of every variant equal torchvision BlockParams.from_init_params', () => {
  for (const name of names) {
    const bp = models.BlockParams.fromInitParams(models.REGNET_CONFIGS[name as keyof typeof models.REGNET_CONFIGS]);
    assert.deepEqual({
      depths: bp.depths, widths: bp.widths, groupWidths: bp.groupWidths, bottleneckMultipliers: bp.bottleneckMultipliers,
      strides: bp.strides, seRatio: bp.seRatio,
    }, py.params[name], name);
  }
  assert.throws(() => models.BlockParams.fromInitParams({ depth: 10, w0: 20, wA: 10, wM: 2, groupWidth: 8 }), /Invalid RegNet settings/);
});

test('small RegNets: same modules, seeded init and eval logits as torchvision', () => {
  full.forEach((name, i) => {
    torch.manualSeed(50 + i);
    const m = builders[name]!();
    assertSameModel(m, refs[i]!, name);
    assertLogitsClose(torch.noGrad(() => m.eval().call(x)), refs[i]!.eval!, `${name} logits`);
    assert.equal(m.numParameters(), models.getModelWeights(name).DEFAULT.meta.numParams, `${name}: published parameter count`);
  });
  torch.manualSeed(9);
  const m = models.regnet_x_400mf({ numClasses: 4, stemWidth: 16 });
  assertSameModel(m, refs[full.length]!, 'regnet_x_400mf(stem_width=16)');
  assertLogitsClose(torch.noGrad(() => m.eval().call(x)), refs[full.length]!.eval!, 'regnet_x_400mf(stem_width=16) logits');
});

test('large RegNets: same keys, shapes and parameter counts as torchvision', () => {
  for (const name of structural) {
    let m: torch.nn.Module | null = builders[name]!();
    assertSameModel(m, { ...py.struct[name]!, hashes: undefined }, name);
    assert.equal(m.numParameters(), models.getModelWeights(name).DEFAULT.meta.numParams, `${name}: published parameter count`);
    for (const p of m.parameters()) p.dispose();
    m = null;
  }
});

test('printing matches torchvision', () => {
  torch.manualSeed(0);
  assert.equal(String(models.regnet_y_400mf()), py.repr);
});
