// Native memory: dispose, tidy, and accounting stay exact so that long loops keep memory flat.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../src/index.js';

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
