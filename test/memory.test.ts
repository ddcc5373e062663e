// Native memory: dispose, tidy, and accounting stay exact so that long loops keep memory flat.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import * as torch from '../src/index.js';
import * as vision from '../src/vision/index.js';

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

test('dispose frees the handle now and is idempotent', () => {
  const before = torch.memoryStats();
  const t = torch.zeros(1000);
  assert.equal(torch.memoryStats().liveBytes - before.liveBytes, 4000);
  t.dispose();
  t.dispose();
  assert.equal(torch.memoryStats().liveBytes, before.liveBytes);
  assert.throws(() => t.add(1), /disposed/);
  {
    using u = torch.ones(10);
    assert.equal(u.sum().item(), 10);
  }
});

test('tidy disposes intermediates and keeps results and kept tensors', () => {
  const base = torch.memoryStats().liveTensors;
  let kept!: torch.Tensor;
  const r = torch.tidy(() => {
    const a = torch.ones(100);
    const b = a.mul(2).add(1);
    kept = torch.keep(b.sub(1));
    return { out: b.sum(), list: [a.mean()] };
  });
  assert.equal(torch.memoryStats().liveTensors - base, 3, 'the result, the list entry and the kept tensor survive');
  assert.equal(r.out.item(), 300);
  assert.equal(r.list[0]!.item(), 1);
  assert.equal(kept.sum().item(), 200);
  assert.throws(() => torch.tidy(() => Promise.resolve(1) as never), /synchronous/);
});

test('a training-like loop inside tidy keeps the number of live tensors constant', () => {
  const w = torch.randn(20, 10, { requiresGrad: true });
  const step = () => torch.tidy(() => {
    const x = torch.randn(8, 20);
    const loss = x.matmul(w).relu().pow(2).mean();
    loss.backward();
    torch.noGrad(() => {
      const g = w.grad!;
      w.sub_(g.mul(0.01));
      g.zero_();
    });
    return loss.item();
  });
  step();
  const after1 = torch.memoryStats();
  for (let i = 0; i < 200; i++) step();
  const after = torch.memoryStats();
  // Not equal: the collector may meanwhile free handles that earlier code dropped without disposing.
  assert.ok(after.liveTensors <= after1.liveTensors, `live tensors ${after1.liveTensors} -> ${after.liveTensors}`);
  assert.ok(after.liveBytes <= after1.liveBytes, `live bytes ${after1.liveBytes} -> ${after.liveBytes}`);
});

test('tensors dropped without dispose are collected under external-memory pressure, without a crash', () => {
  // 100 x 16 MiB never disposed: V8 must collect (and finalize) them while new ones are reported, which
  // exercises finalizers running inside collections that the reporting itself starts.
  const rssBefore = process.memoryUsage().rss;
  let sum = 0;
  for (let i = 0; i < 100; i++) {
    const t = torch.ones(4 * 1024 * 1024);
    sum += t.index(0).item();
  }
  assert.equal(sum, 100);
  const grownMiB = (process.memoryUsage().rss - rssBefore) / 2 ** 20;
  assert.ok(grownMiB < 1000, `resident memory grew by ${grownMiB.toFixed(0)} MiB for 1600 MiB of dropped tensors`);
});

test('inside tidy new tensors are not reported to V8 until they escape the scope', () => {
  // 64 MiB: far above the addon's 1 MiB reporting step, so the difference is unambiguous.
  const n = 16 * 1024 * 1024;
  const ext = (): number => torch.memoryStats().reportedBytes;
  collectGarbage(); // earlier tests' garbage would otherwise be finalized (and unreported) mid-test
  const base = ext();
  let inside = 0;
  const escaped = torch.tidy(() => {
    const scratch = torch.zeros(n);
    inside = ext() - base;
    scratch.add_(1);
    return torch.tidy(() => torch.ones(n)); // escapes the inner scope into the outer one: still not reported
  });
  const afterEscape = ext() - base;
  assert.ok(inside < 32 * 1024 * 1024, `a scoped tensor was reported to V8 (${inside} bytes)`);
  assert.ok(afterEscape >= 60 * 1024 * 1024, `a tensor that left every scope was not reported (${afterEscape} bytes)`);
  escaped.dispose();
  assert.ok(ext() - base < 32 * 1024 * 1024, 'disposing it takes the report back');
  // Outside any scope a tensor is reported at once, and kept ones when kept.
  const free = torch.zeros(n);
  assert.ok(ext() - base >= 60 * 1024 * 1024);
  free.dispose();
  let kept!: torch.Tensor;
  torch.tidy(() => { kept = torch.keep(torch.zeros(n)); });
  assert.ok(ext() - base >= 60 * 1024 * 1024, 'a kept tensor is reported');
  kept.dispose();
});

test('Sequential frees each intermediate once the next layer consumed it, inside tidy only', () => {
  // A probe layer records how many bytes are live when it runs: with eager freeing only the current
  // activation (and the input) are alive, not every earlier one.
  class Probe extends torch.nn.Module {
    live = 0;
    override forward(x: torch.Tensor): torch.Tensor {
      this.live = torch.memoryStats().liveBytes;
      return x.mul(1);
    }
  }
  const layers = () => [new torch.nn.Linear(64, 4096), new torch.nn.ReLU(), new torch.nn.Linear(4096, 4096),
    new torch.nn.Sigmoid(), new torch.nn.Linear(4096, 4096), new torch.nn.Tanh()];
  // A layer that keeps its output in a property, as some Python code does: fine outside tidy.
  class Store extends torch.nn.Module {
    out: torch.Tensor | null = null;
    override forward(x: torch.Tensor): torch.Tensor { this.out = x.mul(2); return this.out; }
  }
  const probe = new Probe();
  const store = new Store();
  const seq = new torch.nn.Sequential(...layers(), store, new torch.nn.ReLU(), probe);
  const x = torch.randn(256, 64);
  const act = 256 * 4096 * 4; // one activation, 4 MiB
  torch.noGrad(() => {
    const base = torch.memoryStats().liveBytes;
    torch.tidy(() => { seq.call(x); });
    assert.ok(probe.live - base <= act, `eager: ${(probe.live - base) / act} activations alive at the probe`);
    assert.ok(store.out!.isDisposed, 'inside tidy an intermediate is freed once consumed');
    // Outside tidy nothing is disposed early: the collector decides, as reference counting does in Python.
    const out = seq.call(x);
    assert.ok(!store.out!.isDisposed && store.out!.shape[1] === 4096, 'outside tidy an intermediate was disposed');
    out.dispose();
  });
  // A forward hook sees a layer's output: that output is left alone, so the hook may keep it.
  let seen: torch.Tensor | undefined;
  const h = (seq.at(2) as torch.nn.Module).registerForwardHook((_m, _i, o) => { seen = o as torch.Tensor; });
  torch.noGrad(() => torch.tidy(() => {
    seq.call(x);
    assert.equal(seen!.shape[1], 4096, 'the hooked output is still alive inside the scope');
  }));
  h.remove();
  // Also when an in-place module passes the hooked output on: ReLU(inplace) returns the tensor the hook saw.
  const inplace = new torch.nn.Sequential(new torch.nn.Linear(64, 32), new torch.nn.ReLU({ inplace: true }), new torch.nn.Linear(32, 8));
  let seenInplace: torch.Tensor | undefined;
  const h2 = (inplace.at(0) as torch.nn.Module).registerForwardHook((_m, _i, o) => { seenInplace = o as torch.Tensor; });
  torch.noGrad(() => torch.tidy(() => {
    inplace.call(x);
    assert.ok(!seenInplace!.isDisposed, 'an output a hook saw, passed through an in-place ReLU, is still alive');
  }));
  h2.remove();
  // And when the hook is inside a block: a BatchNorm's output that the block's in-place ReLU returns, in a
  // Sequential and in IntermediateLayerGetter (the detection backbones' body).
  const block = (cin: number) => new torch.nn.Sequential(new torch.nn.Conv2d(cin, 4, 3), new torch.nn.BatchNorm2d(4), new torch.nn.ReLU({ inplace: true }));
  const img = torch.randn(1, 3, 12, 12);
  for (const wrap of ['Sequential', 'IntermediateLayerGetter'] as const) {
    const blocks = new torch.nn.Sequential(block(3), block(4), block(4)).eval();
    const net = wrap === 'Sequential' ? blocks : new vision.models.IntermediateLayerGetter(blocks, { '2': 'out' });
    let seenInner: torch.Tensor | undefined;
    const h3 = ((blocks.at(0) as torch.nn.Sequential).at(1) as torch.nn.Module).registerForwardHook((_m, _i, o) => { seenInner = o as torch.Tensor; });
    torch.noGrad(() => torch.tidy(() => {
      net.call(img);
      assert.ok(!seenInner!.isDisposed, `${wrap}: an output a hook inside a block saw is still alive`);
    }));
    h3.remove();
  }
  // Gradients are unaffected: the graph holds its own references to what backward needs.
  const lin = new torch.nn.Sequential(new torch.nn.Linear(4, 8), new torch.nn.Tanh(), new torch.nn.Linear(8, 1));
  const xs = torch.randn(5, 4);
  torch.tidy(() => { lin.call(xs).sum().backward(); });
  const g1 = (lin.at(0) as torch.nn.Linear).weight.grad!.clone();
  lin.zeroGrad();
  const y = (lin.at(2) as torch.nn.Module).call((lin.at(1) as torch.nn.Module).call((lin.at(0) as torch.nn.Module).call(xs)));
  y.sum().backward();
  assert.ok((lin.at(0) as torch.nn.Linear).weight.grad!.equal(g1));
});

test('when fn throws, the tensors of its scope are handed to the collector and reported to V8', () => {
  collectGarbage();
  const before = torch.memoryStats().reportedBytes;
  let made!: torch.Tensor;
  assert.throws(() => torch.tidy(() => { made = torch.zeros(4 * 1024 * 1024); throw new Error('boom'); }), /boom/);
  assert.ok(!made.isDisposed, 'left alive, as Python leaves what the exception may still refer to');
  assert.ok(torch.memoryStats().reportedBytes - before >= 16 * 1024 * 1024 - 1, 'its 16 MiB are now reported');
  made.dispose();
});
