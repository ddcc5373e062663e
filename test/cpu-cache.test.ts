// The caching CPU allocator (src/native/cpu_cache.cc): inside tidy scopes a freed large block serves the next
// allocation of its size; freed blocks stay cached across scopes, and a block that four outermost scopes in a row
// left unused is freed; outside tidy nothing new is cached, and a large allocation the cache
// cannot serve empties it; emptyCpuCache() empties it at once; a reused block gives correct results;
// TSTORCH_CPU_CACHE_MB=0 turns it off.
import { test, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as torch from '../src/index.js';
import { cpuCacheStats, emptyCpuCache } from '../src/memory.js';

const N = 1 << 20; // 4 MiB of float32: above the 128 KiB threshold

beforeEach(() => emptyCpuCache());

test('inside tidy a freed large block is reused; the scope end keeps what it freed for the next scope', () => {
  const s0 = cpuCacheStats();
  assert.equal(s0.scopes, 0);
  assert.equal(s0.cachedBytes, 0);
  torch.tidy(() => {
    const a = torch.ones([N]);
    a.dispose();
    assert.ok(cpuCacheStats().cachedBytes >= 4 * N, 'the freed block is cached');
    const before = cpuCacheStats().hits;
    const b = torch.full([N], 3); // same size: served from the cache
    assert.equal(cpuCacheStats().hits, before + 1);
    assert.equal(cpuCacheStats().cachedBytes, 0);
    assert.equal(b.sum().item(), 3 * N, 'the reused block holds the new values');
    // nested scopes do not end caching
    torch.tidy(() => { torch.ones([N]).dispose(); });
    assert.ok(cpuCacheStats().cachedBytes >= 4 * N);
    assert.equal(cpuCacheStats().scopes, 1);
  });
  const s1 = cpuCacheStats();
  assert.equal(s1.scopes, 0);
  // b and the nested scope's block: both freed during the scope, both kept
  assert.equal(s1.cachedBytes, 2 * 4 * N, 'the blocks the scope freed stay cached');
  // the next scope (the next pass of the same work) is served from them without new blocks
  const { hits, misses } = s1;
  torch.tidy(() => { torch.ones([N]); torch.ones([N]); });
  const s2 = cpuCacheStats();
  assert.deepEqual([s2.hits - hits, s2.misses - misses], [2, 0]);
  assert.equal(s2.cachedBytes, 2 * 4 * N);
  emptyCpuCache();
  assert.equal(cpuCacheStats().cachedBytes, 0, 'emptyCpuCache frees every cached block');
});

test("a cached block that four scopes in a row left unused is freed at the fourth one's end", () => {
  emptyCpuCache();
  torch.tidy(() => { torch.ones([N]); });
  assert.equal(cpuCacheStats().cachedBytes, 4 * N);
  // other work: blocks of 2N elements; the N-element block waits three scopes, then goes
  for (let i = 1; i <= 3; i++) {
    torch.tidy(() => { torch.ones([2 * N]); });
    assert.equal(cpuCacheStats().cachedBytes, 4 * N + 8 * N, `after ${i} scope(s) without it the block is still cached`);
  }
  torch.tidy(() => { torch.ones([2 * N]); });
  assert.equal(cpuCacheStats().cachedBytes, 8 * N, 'only the block the recent scopes used is left');
  emptyCpuCache();
});

test("a training loop with the optimizer step outside the pass scope keeps both scopes' blocks", () => {
  // the loop PyTorch users write: zeroGrad and step outside, forward and backward inside one tidy scope;
  // the optimizer's update is a tidy scope of its own, so each step runs two outermost scopes
  emptyCpuCache();
  const w = torch.randn([N / 4, 4], { requiresGrad: true });
  const opt = new torch.optim.Adam([w], { lr: 0.1 });
  const x = torch.randn([4, 64]);
  const step = (): void => {
    opt.zeroGrad();
    torch.tidy(() => { torch.mm(w, x).relu().sum().backward(); });
    opt.step();
  };
  for (let i = 0; i < 3; i++) step();
  const s0 = cpuCacheStats();
  const faults0 = process.resourceUsage().minorPageFault;
  for (let i = 0; i < 5; i++) step();
  const s1 = cpuCacheStats();
  assert.equal(s1.misses - s0.misses, 0, 'every large block of the later steps came from the cache');
  assert.ok(s1.hits - s0.hits >= 5, `hits ${s1.hits - s0.hits}`);
  assert.ok(process.resourceUsage().minorPageFault - faults0 < 200, 'no activation faulted in again');
  emptyCpuCache();
});

test('outside tidy nothing is cached, and a large allocation the cache cannot serve empties it', () => {
  const a = torch.ones([N]);
  a.dispose();
  assert.equal(cpuCacheStats().cachedBytes, 0);
  torch.tidy(() => {
    torch.ones([1000]).dispose();
    torch.ones([30000]).dispose(); // 120 KiB: glibc's heap reuses it
    assert.equal(cpuCacheStats().cachedBytes, 0, 'small tensors are never cached');
    torch.ones([N]);
  });
  assert.equal(cpuCacheStats().cachedBytes, 4 * N);
  const hits = cpuCacheStats().hits;
  const b = torch.ones([N]); // outside tidy, the cached size: served from the cache
  assert.equal(cpuCacheStats().hits, hits + 1);
  b.dispose();
  assert.equal(cpuCacheStats().cachedBytes, 0, 'a block freed outside tidy is not cached');
  torch.tidy(() => { torch.ones([N]); });
  torch.ones([3 * N]).dispose(); // a size the cache cannot serve: the work has changed
  assert.equal(cpuCacheStats().cachedBytes, 0);
});

test('blocks from 128 KiB on are cached (a ResNet-18 layer-1 activation, 784 KiB, among them)', () => {
  torch.tidy(() => {
    torch.ones([1, 64, 56, 56]).dispose();
    assert.equal(cpuCacheStats().cachedBytes, 802816);
    torch.ones([32768]).dispose(); // exactly 128 KiB
    assert.equal(cpuCacheStats().cachedBytes, 802816 + 131072);
  });
});

test('the most recently freed block of a size is reused first (the one most likely still in cache)', () => {
  torch.tidy(() => {
    const a = torch.ones([N]);
    const b = torch.ones([N]);
    const [pa, pb] = [a.dataPtr(), b.dataPtr()];
    assert.notEqual(pa, pb);
    a.dispose();
    b.dispose();
    assert.equal(torch.zeros([N]).dataPtr(), pb);
    assert.equal(torch.zeros([N]).dataPtr(), pa);
    // dataPtr is torch.Tensor.data_ptr: a view starts at its offset
    assert.equal(b.isDisposed, true);
    const c = torch.ones([N]);
    assert.equal(c.narrow(0, 10, 5).dataPtr(), c.dataPtr() + 10 * 4);
  });
});

test('a block is reused only for a request at most 1/8 smaller; results stay exact across reuse', () => {
  torch.tidy(() => {
    torch.ones([N]).dispose();
    const hits = cpuCacheStats().hits;
    const half = torch.zeros([N / 2]); // half the size: a new block
    assert.equal(cpuCacheStats().hits, hits);
    half.dispose();
    torch.manualSeed(0);
    const x = torch.randn([512, 512]);
    const y = x.mul(2).add(1); // intermediate freed into the cache, result in reused blocks
    const z = x.mul(2).add(1);
    assert.ok(torch.equal(y, z));
  });
  // reused across scopes too: the same computation in the next scope, from the kept blocks
  torch.manualSeed(0);
  const x = torch.randn([512, 512]);
  const y = torch.tidy(() => x.mul(2).add(1));
  const hits = cpuCacheStats().hits;
  const z = torch.tidy(() => x.mul(2).add(1));
  assert.ok(cpuCacheStats().hits > hits);
  assert.ok(torch.equal(y, z));
});

test('an error inside tidy still ends the scope', () => {
  assert.throws(() => torch.tidy(() => { torch.ones([N]).dispose(); throw new Error('boom'); }), /boom/);
  assert.equal(cpuCacheStats().scopes, 0);
  assert.equal(cpuCacheStats().cachedBytes, 4 * N);
});

test('TSTORCH_CPU_CACHE_MB=0 turns caching off', () => {
  const code = `import * as torch from './src/index.js'; import { cpuCacheStats } from './src/memory.js';
torch.tidy(() => { torch.ones([${N}]).dispose(); torch.ones([${N}]); });
console.log(JSON.stringify(cpuCacheStats()));`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
    encoding: 'utf8', env: { ...process.env, TSTORCH_CPU_CACHE_MB: '0' }, cwd: new URL('..', import.meta.url).pathname,
  });
  assert.equal(r.status, 0, r.stderr);
  const s = JSON.parse(r.stdout.trim().split('\n').pop()!) as { limitBytes: number; hits: number; cachedBytes: number };
  assert.deepEqual([s.limitBytes, s.hits, s.cachedBytes], [0, 0, 0]);
});
