// The caching CPU allocator (src/native/cpu_cache.cc): inside tidy scopes a freed large block serves the next
// allocation of its size; the last scope's end frees every cached block; outside tidy nothing is cached; a reused
// block gives correct results; TSTORCH_CPU_CACHE_MB=0 turns it off.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as torch from '../src/index.js';
import { cpuCacheStats } from '../src/memory.js';

const N = 1 << 20; // 4 MiB of float32: above the 1 MiB threshold

test('inside tidy a freed large block is reused; the scope end frees the cache', () => {
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
  assert.equal(s1.cachedBytes, 0, 'the outermost scope end frees every cached block');
});

test('outside tidy, and for small tensors, nothing is cached', () => {
  const a = torch.ones([N]);
  a.dispose();
  assert.equal(cpuCacheStats().cachedBytes, 0);
  torch.tidy(() => {
    torch.ones([1000]).dispose();
    assert.equal(cpuCacheStats().cachedBytes, 0);
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
  assert.equal(cpuCacheStats().cachedBytes, 0);
});

test('an error inside tidy still ends the scope and frees the cache', () => {
  assert.throws(() => torch.tidy(() => { torch.ones([N]).dispose(); throw new Error('boom'); }), /boom/);
  assert.deepEqual([cpuCacheStats().scopes, cpuCacheStats().cachedBytes], [0, 0]);
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
