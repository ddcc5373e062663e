// RAFT (raft_large, raft_small) against torchvision 0.14: modules, seeded initialisation, every flow update of an
// eval forward on two frames, a torchvision checkpoint loading strictly, the weight entries and their preset, and
// one training step of raft_small (the reference's sequence loss over every update: loss and all gradients).
// Inside tidy (as the CLI and benches run it) RAFT frees each temporary once used, as Python's reference counting
// does: the same numbers, and no tensor left alive per update besides its prediction.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import * as torch from '../src/index.js';
import * as models from '../src/vision/models/index.js';
import { runPython, assertClose } from './helpers/pytorch.js';
import { assertSameModel } from './helpers/zoo.js';
import { assertGradientsAndBuffersMatch, PY_GRADIENTS_AND_BUFFERS } from './helpers/train-parity.js';

const of = models.opticalFlow;
setFlagsFromString('--expose-gc');
// the live-tensor count must not drop by the collector freeing earlier garbage mid-pass
const collectGarbage = runInNewContext('gc') as () => void;
const dir = mkdtempSync(join(tmpdir(), 'tstorch-raft-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

torch.manualSeed(21);
// two frames: the second the first shifted by a few pixels, so that the flow means something
// 128 x 128: the weights' minimum (the coarsest correlation level must be 2 positions wide, or grid sampling divides by 0)
const base = torch.nn.functional.interpolate(torch.rand([1, 3, 11, 11]), { size: [136, 136], mode: 'bilinear', alignCorners: false });
const img1 = base.index(':', ':', '4:132', '4:132').mul(2).sub(1).contiguous();
const img2 = base.index(':', ':', '6:134', '1:129').mul(2).sub(1).contiguous();
const ckpt = join(dir, 'raft_small.pth');
const UPDATES = 4;
const u1 = torch.randint(0, 256, [3, 16, 24], { dtype: 'uint8' });
const u2 = torch.randint(0, 256, [2, 3, 16, 24], { dtype: 'uint8' });

const ref = runPython(`
import hashlib
V = torchvision.models.optical_flow
res = {}
for i, n in enumerate(['raft_small', 'raft_large']):
    torch.manual_seed(70 + i)
    m = getattr(V, n)()
    sd = m.state_dict()
    res[n] = {'keys': list(sd), 'shapes': [list(v.shape) for v in sd.values()], 'numParams': sum(p.numel() for p in m.parameters()),
              'hashes': [hashlib.sha256(v.contiguous().numpy().tobytes()).hexdigest() for v in sd.values()]}
    if n == 'raft_small':
        torch.save(sd, J['ckpt'])
    m.eval()
    with torch.no_grad():
        preds = m(T['img1'], T['img2'], num_flow_updates=J['updates'])
    for k, p in enumerate(preds):
        OUT[f'{n}:{k}'] = p
res['weights'] = {n: {w._name_: {'url': w.url, 'num_params': w.meta['num_params'], 'metrics': w.meta['_metrics']} for w in getattr(V, e)}
                  for n, e in [('raft_large', 'Raft_Large_Weights'), ('raft_small', 'Raft_Small_Weights')]}
res['defaults'] = [str(V.Raft_Large_Weights.DEFAULT), str(V.Raft_Small_Weights.DEFAULT)]
OUT['p1'], OUT['p2'] = V.Raft_Small_Weights.DEFAULT.transforms()(T['u1'], T['u2'])
OUT_J = res
`, { tensors: { img1, img2, u1, u2 },
  json: { ckpt, updates: UPDATES } });

for (const [i, name] of (['raft_small', 'raft_large'] as const).entries()) {
  test(`${name}: same modules, same seeded init, every flow update equal on two frames`, () => {
    torch.manualSeed(70 + i);
    const m = of[name]();
    assertSameModel(m, ref.json[name], name);
    const preds = torch.noGrad(() => m.eval().call(img1, img2, UPDATES)) as torch.Tensor[];
    assert.equal(preds.length, UPDATES);
    preds.forEach((p, k) => {
      assert.deepEqual([...p.shape], [1, 2, 128, 128]);
      assertClose(p, ref.tensors[`${name}:${k}`]!, { atol: 0, rtol: 1e-4, what: `${name} flow update ${k + 1}` });
    });
    // inside tidy, live tensors at the end of the forward pass: 2 x the updates must add exactly their predictions
    const liveAfter = (updates: number): { live: number; preds: torch.Tensor[] } => {
      collectGarbage();
      const before = torch.memoryStats().liveTensors;
      let live = 0;
      const out = torch.tidy(() => torch.inferenceMode(() => {
        const p = m.call(img1, img2, updates) as torch.Tensor[];
        live = torch.memoryStats().liveTensors - before;
        return p;
      }));
      return { live, preds: out };
    };
    const once = liveAfter(UPDATES);
    const twice = liveAfter(2 * UPDATES);
    assert.equal(twice.live - once.live, UPDATES, `${name}: tensors left alive per update inside tidy (${once.live} after ${UPDATES}, ${twice.live} after ${2 * UPDATES})`);
    once.preds.forEach((p, k) => assert.ok(p.equal(preds[k]!), `${name}: update ${k + 1} inside tidy equals the plain pass`));
  });
}

test('inside tidy, RAFT leaves alone every tensor a forward hook saw (the hook may keep it)', () => {
  torch.manualSeed(72);
  const m = of.raft_small().eval();
  const u = m.update_block;
  const watched: [string, torch.nn.Module][] = [['feature_encoder.layer1', (m.feature_encoder as any).layer1], ['feature_encoder', m.feature_encoder],
    ['context_encoder', m.context_encoder], ['update_block', u], ['motion_encoder', u.motion_encoder],
    ['motion_encoder.convcorr1', u.motion_encoder.convcorr1], ['convgru1', u.recurrent_block.convgru1],
    ['convgru1.convz', u.recurrent_block.convgru1.convz], ['flow_head.conv1', u.flow_head.conv1]];
  const seen: [string, torch.Tensor][] = [];
  const handles = watched.map(([name, mod]) => mod.registerForwardHook((_m, _i, o) => {
    for (const t of Array.isArray(o) ? o : [o]) seen.push([name, t as torch.Tensor]);
  }));
  torch.tidy(() => torch.inferenceMode(() => {
    m.call(img1, img2, 2);
    // every tensor a hook was handed is still readable at the end of the pass
    const dead = seen.filter(([, t]) => { try { t.abs(); return false; } catch { return true; } }).map(([name]) => name);
    assert.deepEqual(dead, [], 'outputs a hook saw, freed by the pass');
  }));
  for (const h of handles) h.remove();
  assert.deepEqual(new Set(seen.map(([name]) => name)), new Set(watched.map(([name]) => name)), 'every hook ran');
});

test('a torchvision RAFT checkpoint loads strictly; weight entries and the OpticalFlow preset equal torchvision\'s', () => {
  const m = of.raft_small({ weights: ckpt });
  const preds = torch.noGrad(() => m.eval().call(img1, img2, UPDATES)) as torch.Tensor[];
  assertClose(preds[UPDATES - 1]!, ref.tensors[`raft_small:${UPDATES - 1}`]!, { atol: 0, rtol: 1e-4, what: 'loaded raft_small' });
  assert.throws(() => of.raft_large({ weights: ckpt }), /Missing key|Unexpected key|size mismatch/);
  for (const [name, e] of [['raft_large', of.Raft_Large_Weights], ['raft_small', of.Raft_Small_Weights]] as const) {
    const want = ref.json.weights[name];
    assert.deepEqual(e.names(), Object.keys(want));
    for (const w of e) {
      assert.equal(w.url, want[w.name].url);
      assert.equal(w.meta.numParams, want[w.name].num_params);
      assert.deepEqual(w.meta.metrics, want[w.name].metrics);
    }
  }
  assert.deepEqual([String(of.Raft_Large_Weights.DEFAULT), String(of.Raft_Small_Weights.DEFAULT)], ref.json.defaults);
  const [p1, p2] = of.Raft_Small_Weights.DEFAULT.transforms().call(u1, u2);
  assertClose(p1, ref.tensors['p1']!, { what: 'OpticalFlow preset, image 1' });
  assertClose(p2, ref.tensors['p2']!, { what: 'OpticalFlow preset, batched image 2' });
  assert.equal(String(of.Raft_Small_Weights.DEFAULT.transforms()), 'OpticalFlow()');
  assert.deepEqual(models.listModels({ include: 'raft*' }), ['raft_large', 'raft_small']);
  assert.throws(() => m.call(img1, img2.index(':', ':', ':120')), /same shape/);
  assert.throws(() => m.call(img1.index(':', ':', ':124'), img2.index(':', ':', ':124')), /divisible by 8/);
});

test('raft_small training step (sequence loss over every update) matches torchvision: loss and all gradients', () => {
  const target = torch.randn([1, 2, 128, 128]).mul(2);
  const refStep = runPython(`
torch.manual_seed(80)
m = torchvision.models.optical_flow.raft_small()
m.train()
preds = m(T['img1'], T['img2'], num_flow_updates=3)
n = len(preds)
loss = sum(0.8 ** (n - i - 1) * (p - T['target']).abs().mean() for i, p in enumerate(preds))
loss.backward()
OUT['loss'] = loss.detach()
${PY_GRADIENTS_AND_BUFFERS}OUT_J = {'params': names, 'buffers': bnames}
`, { tensors: { img1, img2, target } });
  torch.manualSeed(80);
  const m = of.raft_small();
  m.train();
  // inside tidy: the temporaries RAFT frees early are still alive in the autograd graph for backward
  const loss = torch.tidy(() => {
    const preds = m.call(img1, img2, 3) as torch.Tensor[];
    let sum: torch.Tensor | null = null;
    preds.forEach((p, i) => {
      const l = p.sub(target).abs().mean().mul(0.8 ** (preds.length - i - 1));
      sum = sum === null ? l : sum.add(l);
    });
    sum!.backward();
    return sum!;
  });
  assertClose(loss.detach(), refStep.tensors['loss']!, { atol: 0, rtol: 1e-5, what: 'raft_small loss' });
  assertGradientsAndBuffersMatch(m, refStep, 'raft_small');
});
