// CUDA checks: run on a machine with an NVIDIA GPU and the addon built against a CUDA libtorch
// (LIBTORCH=/path/to/libtorch-or-python-torch npm install), with
//   node --import tsx --test test/device/cuda.test.ts
// It lives outside test/*.test.ts because CI machines have no GPU: there it would have nothing to check.
// Each check compares the GPU's result with the CPU's for the same inputs: float64 where the two should agree
// to rounding (cuDNN may use TF32 for float32 convolutions by default, as in PyTorch).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as torch from '../../src/index.js';
import * as vision from '../../src/vision/index.js';

const { nn } = torch;

function maxAbsDiff(a: torch.Tensor, b: torch.Tensor): number {
  return a.cpu().to('float64').sub(b.cpu().to('float64')).abs().max().item();
}

test('the addon is linked against a CUDA libtorch that sees a GPU', () => {
  const cfg = torch.config();
  assert.equal(cfg.cuda, true, `libtorch at ${cfg.path} is not a CUDA build`);
  assert.ok(cfg.cudaDeviceCount >= 1, 'no CUDA device visible');
  console.log(`libtorch ${cfg.version} from ${cfg.source}; ${cfg.cudaDeviceCount} CUDA device(s)`);
});

test('tensors move to the GPU and back unchanged; creation on the GPU; ops agree with the CPU', () => {
  torch.manualSeed(0);
  const x = torch.randn(64, 128, { dtype: 'float64' });
  const g = x.to('cuda');
  assert.equal(String(g.device), 'cuda:0');
  assert.ok(torch.equal(g.cpu(), x), 'round trip changed the values');
  const z = torch.zeros([3, 4], { device: 'cuda' });
  assert.equal(String(z.device), 'cuda:0');
  const w = torch.randn(128, 32, { dtype: 'float64' });
  assert.ok(maxAbsDiff(g.matmul(w.cuda()), x.matmul(w)) < 1e-10);
  assert.ok(maxAbsDiff(g.softmax(1).sum({ dim: 0 }), x.softmax(1).sum({ dim: 0 })) < 1e-10);
  // toBytes copies through the CPU; a zero-copy view (toBuffer) of GPU memory is refused, not a crash
  assert.deepEqual(new Float64Array(g.index(0).toBytes().buffer).slice(0, 4), new Float64Array(x.index(0).toBytes().buffer).slice(0, 4));
  assert.throws(() => g.toBuffer(), /contiguous CPU tensor/);
});

test('a device that does not exist is a JavaScript error, not an abort', () => {
  const n = torch.config().cudaDeviceCount;
  assert.throws(() => torch.ones(2).to(`cuda:${n + 7}`), /device|ordinal|invalid/i);
});

test('LeNet training steps on the GPU equal the CPU steps (float64: loss, gradients, weights)', () => {
  torch.manualSeed(0);
  const cpu = vision.models.lenet().to({ dtype: 'float64' });
  torch.manualSeed(0);
  const gpu = vision.models.lenet().to({ dtype: 'float64' }).to('cuda');
  const optC = new torch.optim.SGD(cpu.parameters(), { lr: 0.01, momentum: 0.9 });
  const optG = new torch.optim.SGD(gpu.parameters(), { lr: 0.01, momentum: 0.9 });
  const loss = new nn.CrossEntropyLoss();
  for (let step = 0; step < 5; step++) {
    const x = torch.randn(8, 3, 32, 32, { dtype: 'float64' });
    const y = torch.randint(0, 10, [8]);
    const lc = torch.tidy(() => { optC.zeroGrad(); const l = loss.call(cpu.call(x), y); l.backward(); optC.step(); return l.item(); });
    const lg = torch.tidy(() => { optG.zeroGrad(); const l = loss.call(gpu.call(x.cuda()), y.cuda()); l.backward(); optG.step(); return l.item(); });
    assert.ok(Math.abs(lc - lg) < 1e-9, `step ${step}: loss ${lg} on the GPU, ${lc} on the CPU`);
  }
  const sc = cpu.stateDict(), sg = gpu.stateDict();
  for (const [k, v] of Object.entries(sc)) {
    assert.equal(String(sg[k]!.device), 'cuda:0', k);
    assert.ok(maxAbsDiff(sg[k]!, v) < 1e-9, `${k} differs after 5 steps`);
  }
});

test('ResNet-18 inference on the GPU equals the CPU (float64), and a GPU state dict saves and loads', () => {
  torch.manualSeed(0);
  const m = vision.models.resnet18().to({ dtype: 'float64' }).train(false);
  const x = torch.randn(2, 3, 96, 96, { dtype: 'float64' });
  const ref = torch.noGrad(() => m.call(x)) as torch.Tensor;
  m.to('cuda');
  const out = torch.noGrad(() => m.call(x.cuda())) as torch.Tensor;
  assert.ok(maxAbsDiff(out, ref) < 1e-8, `max difference ${maxAbsDiff(out, ref)}`);
  const dir = mkdtempSync(join(tmpdir(), 'tstorch-cuda-'));
  try {
    torch.save(m.stateDict(), join(dir, 'r18.pth'));
    const back = torch.load(join(dir, 'r18.pth')) as Record<string, torch.Tensor>;
    const fresh = vision.models.resnet18().to({ dtype: 'float64' }).train(false);
    fresh.loadStateDict(back);
    const again = torch.noGrad(() => fresh.call(x)) as torch.Tensor;
    assert.ok(maxAbsDiff(again, ref) < 1e-8);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('float32 ResNet-18 on the GPU stays within TF32 tolerance of the CPU', () => {
  torch.manualSeed(1);
  const m = vision.models.resnet18().train(false);
  const x = torch.randn(4, 3, 128, 128);
  const ref = torch.noGrad(() => m.call(x)) as torch.Tensor;
  m.to('cuda');
  const out = torch.noGrad(() => m.call(x.cuda())) as torch.Tensor;
  const rel = maxAbsDiff(out, ref) / ref.abs().max().item();
  assert.ok(rel < 5e-3, `relative difference ${rel}`);
});
