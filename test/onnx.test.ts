// torch.onnx.export against ONNX's own checker and ONNX Runtime: classification models from every family
// export with a dynamic batch axis, pass onnx.checker.check_model(full_check=True) (Debian's python3-onnx),
// and ONNX Runtime's outputs equal tstorch's (1e-4) at batch 1 and batch 8. Opset-dependent conversions,
// constant folding, names, and the errors. The sweep over all 68 builders is opt-in (TSTORCH_HEAVY_TESTS=1).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as torch from '../src/index.js';
import * as models from '../src/vision/models/index.js';
import { runPython, assertClose } from './helpers/pytorch.js';
import { onnxSweep, ortRun, onnxCheck, type SweepCase } from './helpers/onnx.js';

const dir = mkdtempSync(join(tmpdir(), 'tstorch-onnx-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const ort = await torch.inference.loadOnnxRuntime();

// One model per family and operator set (shapes chosen small; AlexNet's and VGG's adaptive pooling need 224).
const cases: SweepCase[] = [
  { name: 'resnet18', size: 64 },
  { name: 'mobilenet_v3_small', size: 64 },
  { name: 'mobilenet_v3_small', size: 64, opset: 13 },
  { name: 'shufflenet_v2_x0_5', size: 64 },
  { name: 'squeezenet1_1', size: 64 },
  { name: 'efficientnet_b0', size: 64 },
  { name: 'googlenet', size: 64 },
  { name: 'mnasnet0_5', size: 64, opset: 11 },
  { name: 'regnet_y_400mf', size: 64 },
  { name: 'convnext_tiny', size: 64, opset: 17 },
  { name: 'densenet121', size: 64 },
];

test('classification models: full ONNX check, ONNX Runtime equals tstorch (1e-4) at batch 1 and 8 (dynamic axis)', { skip: ort ? false : 'onnxruntime-node is not installed' }, async () => {
  const results = await onnxSweep(cases, dir, ort!);
  for (const r of results) assert.ok(r.checked, `${r.file}: checked`);
});

test('opset conversions: LayerNormalization at 17, its decomposition before; HardSwish at 14, decomposed before', () => {
  torch.manualSeed(3);
  const ln = new torch.nn.Sequential(new torch.nn.Linear(6, 8), new torch.nn.LayerNorm(8), new torch.nn.Hardswish(), new torch.nn.GELU());
  const x = torch.randn(2, 6);
  const opsets = [11, 13, 14, 17];
  for (const opset of opsets) torch.onnx.export(ln, x, join(dir, `ln${opset}.onnx`), { opsetVersion: opset });
  const { json } = runPython(`
import onnx, onnx.checker
OUT_J = {}
for opset in J['opsets']:
    f = J['dir'] + '/ln%d.onnx' % opset
    onnx.checker.check_model(f, full_check=True)
    m = onnx.load(f)
    OUT_J[str(opset)] = {'version': m.opset_import[0].version, 'ops': [n.op_type for n in m.graph.node]}
`, { json: { dir, opsets } });
  const ops = (o: number): string[] => json[String(o)].ops;
  for (const o of opsets) assert.equal(json[String(o)].version, o);
  assert.ok(ops(17).includes('LayerNormalization') && !ops(13).includes('LayerNormalization') && ops(13).includes('ReduceMean'));
  assert.ok(ops(14).includes('HardSwish') && !ops(13).includes('HardSwish') && ops(13).includes('HardSigmoid'));
  assert.ok(ops(11).includes('Erf'), 'exact GELU through Erf');
});

test('constant folding: batch norms fold into convolutions; without it, parameters keep their state-dict names', () => {
  torch.manualSeed(4);
  const m = models.resnet18({ numClasses: 10 });
  const x = torch.randn(1, 3, 32, 32);
  const folded = join(dir, 'folded.onnx'), plain = join(dir, 'plain.onnx');
  torch.onnx.export(m, x, folded);
  torch.onnx.export(m, x, plain, { doConstantFolding: false, inputNames: ['images'], outputNames: ['logits'] });
  assert.equal(m.training, true, 'export restores the training mode');
  const { json } = runPython(`
import onnx
f, p = onnx.load(J['folded']), onnx.load(J['plain'])
OUT_J = {'f': [n.op_type for n in f.graph.node], 'p': [n.op_type for n in p.graph.node],
         'p_inits': [i.name for i in p.graph.initializer], 'p_in': [i.name for i in p.graph.input], 'p_out': [o.name for o in p.graph.output],
         'producer': f.producer_name}
`, { json: { folded, plain } });
  assert.ok(!json.f.includes('BatchNormalization'));
  assert.equal(json.p.filter((o: string) => o === 'BatchNormalization').length, 20);
  assert.ok(json.p_inits.includes('layer1.0.bn1.running_mean') && json.p_inits.includes('fc.weight'));
  assert.deepEqual(json.p_in, ['images']);
  assert.deepEqual(json.p_out, ['logits']);
  assert.equal(json.producer, 'tstorch');
});

test('external data: the weights in <file>.data (as models over 2 GiB must be), read by ONNX Runtime and the checker', { skip: ort ? false : 'onnxruntime-node is not installed' }, async () => {
  torch.manualSeed(6);
  const m = models.squeezenet1_1({ numClasses: 10 }).eval();
  const x = torch.randn(2, 3, 48, 48);
  const path = join(dir, 'external.onnx');
  torch.onnx.export(m, x, path, { externalData: true, dynamicAxes: { input: [0], output: [0] } });
  assert.ok(statSync(`${path}.data`).size > 4 * statSync(path).size, 'the weights are in the data file');
  assertClose(await ortRun(ort!, path, x), torch.noGrad(() => m.call(x)), { atol: 1e-4, rtol: 1e-4, what: 'external data' });
  onnxCheck([path]);
});

test('errors: an unsupported operator names itself and its module; registerSymbolic adds it; a batch fixed by the trace is refused', async () => {
  class Body extends torch.nn.Module {
    override forward(x: torch.Tensor): torch.Tensor { return x.cumsum(1); }
  }
  class Net extends torch.nn.Module {
    lin = new torch.nn.Linear(4, 4);
    body = new Body();
    override forward(x: torch.Tensor): torch.Tensor { return this.body.call(this.lin.call(x)); }
  }
  const net = new Net();
  const x = torch.randn(2, 4);
  const path = join(dir, 'cumsum.onnx');
  assert.throws(() => torch.onnx.export(net, x, path), /operator aten::cumsum \(from module 'body'\) has no ONNX conversion \(opset 14\)/);
  torch.onnx.registerSymbolic('aten::cumsum', (ctx) => {
    ctx.setOutput(0, ctx.op('CumSum', [ctx.input(0), ctx.scalar(ctx.constant<number>(1, 'dim'), 4)], {}, { out: 0 }));
  });
  torch.onnx.export(net, x, path, { dynamicAxes: { input: [0], output: [0] } });
  if (ort) {
    const x5 = torch.randn(5, 4);
    assertClose(await ortRun(ort, path, x5), torch.noGrad(() => net.call(x5)), { atol: 1e-5, what: 'registered CumSum' });
  }
  // view(-1) flattens the batch into the features: at another batch size the exported graph would be wrong.
  class Flat extends torch.nn.Module {
    override forward(x: torch.Tensor): torch.Tensor { return x.view(x.numel()).unsqueeze(0); }
  }
  assert.throws(() => torch.onnx.export(new Flat(), x, join(dir, 'flat.onnx'), { dynamicAxes: { input: { 0: 'n' }, output: { 0: 'n' } } }),
    /output 'output' dimension 0 does not depend on the dynamic axes/);
  assert.throws(() => torch.onnx.export(net, x, path, { opsetVersion: 9 }), /opsetVersion 9 is not supported \(11 to 17\)/);
  assert.throws(() => torch.onnx.export(net, x, path, { dynamicAxes: { images: [0] } }), /dynamicAxes names 'images'/);
  assert.throws(() => torch.onnx.export(net, x, path, { verbose: true } as never), /unexpected keyword argument 'verbose'/);
  assert.throws(() => torch.onnx.export(net, x, path, { training: true }), /training mode is not supported/);
});

test('all 68 classification builders: full check and ONNX Runtime at batch 1 and 8 (TSTORCH_HEAVY_TESTS=1)', { skip: process.env.TSTORCH_HEAVY_TESTS !== '1' ? 'set TSTORCH_HEAVY_TESTS=1' : ort ? false : 'onnxruntime-node is not installed' }, async () => {
  // TSTORCH_ONNX_SWEEP=name,name,... runs part of the sweep (to resume one, or to check a family).
  const names = process.env.TSTORCH_ONNX_SWEEP ? process.env.TSTORCH_ONNX_SWEEP.split(',') : models.listModels();
  if (!process.env.TSTORCH_ONNX_SWEEP) assert.equal(names.length, 68);
  const big = new Set(['alexnet', 'vgg11', 'vgg11_bn', 'vgg13', 'vgg13_bn', 'vgg16', 'vgg16_bn', 'vgg19', 'vgg19_bn']);
  const all: SweepCase[] = names.map((name) => ({ name, size: big.has(name) ? 224 : name === 'inception_v3' ? 128 : 96, log: true }));
  const results = await onnxSweep(all, dir, ort!, { oneAtATime: true });
  assert.equal(results.length, names.length);
});
