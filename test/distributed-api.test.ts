// torch.distributed in one process: stores, rendezvous errors, a world of one rank (collectives, object
// collectives, DDP's module. prefix and its errors, SyncBatchNorm's fallback), DistributedSampler's indices
// against PyTorch's, convertSyncBatchnorm. (Worlds of several processes: distributed-*.test.ts.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as torch from '../src/index.js';
import * as models from '../src/vision/models/index.js';
import { runPython } from './helpers/pytorch.js';

const dist = torch.distributed;
const { nn } = torch;

test('stores: HashStore, FileStore, TCPStore (server and client in one process) and PrefixStore keys', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tstorch-store-'));
  try {
    const server = await dist.TCPStore.create('127.0.0.1', 0, { isMaster: true, timeout: 5000, waitForWorkers: false });
    const client = await dist.TCPStore.create('127.0.0.1', server.port, { timeout: 5000, waitForWorkers: false });
    for (const s of [new dist.HashStore(), new dist.FileStore(join(dir, 'store'), 1), server]) {
      s.set('a', 'hello');
      assert.equal((await s.get('a')).toString(), 'hello');
      s.set('bytes', new Uint8Array([0, 255, 7]));
      assert.deepEqual([...(await s.get('bytes'))], [0, 255, 7]);
      assert.equal(s.add('n', 2), 2);
      assert.equal(s.add('n', 3), 5);
      assert.equal(s.check(['a', 'n']), true);
      assert.equal(s.check(['missing']), false);
      assert.equal(s.compareSet('cas', '', 'first').toString(), 'first');
      assert.equal(s.compareSet('cas', 'wrong', 'second').toString(), 'first');
      await s.wait(['a']);
      await assert.rejects(s.wait(['never'], 200), /Store.wait\(\['never'\]\) failed/);
      assert.equal(s.deleteKey('a'), true);
      assert.equal(s.check(['a']), false);
    }
    // A prefix store's keys are the underlying store's "<prefix>/<key>".
    const p = new dist.PrefixStore('default_pg', client);
    p.set('k', 'v');
    assert.equal((await server.get('default_pg/k')).toString(), 'v');
    assert.equal(client.add('default_pg/count', 1) + p.add('count', 1), 3);
    server.setTimeout(1234);
    assert.equal(server.timeout, 1234);
    assert.throws(() => server.setTimeout(-1), /timeout must be a positive number/);
    await assert.rejects(dist.TCPStore.create('127.0.0.1', 70000), /port must be an integer 0\.\.65535/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('rendezvous errors name what is missing', async () => {
  const saved = { ...process.env };
  try {
    for (const k of ['RANK', 'WORLD_SIZE', 'MASTER_ADDR', 'MASTER_PORT']) delete process.env[k];
    await assert.rejects(dist.initProcessGroup(), /env:\/\/ rendezvous: environment variable RANK expected, but not set/);
    await assert.rejects(dist.initProcessGroup({ rank: 0, worldSize: 1 }), /environment variable MASTER_ADDR expected, but not set/);
    await assert.rejects(dist.initProcessGroup({ initMethod: 'tcp://127.0.0.1', rank: 0, worldSize: 1 }), /tcp:\/\/ rendezvous: port number missing/);
    await assert.rejects(dist.initProcessGroup({ initMethod: 'file:///tmp/x' }), /file:\/\/ rendezvous: rank parameter missing/);
    await assert.rejects(dist.initProcessGroup({ initMethod: 'udp://h:1', rank: 0, worldSize: 1 }), /No rendezvous handler for udp:\/\//);
    await assert.rejects(dist.initProcessGroup({ initMethod: 'tcp://h:1?rank=0', rank: 0, worldSize: 1 }), /has node-specific arguments\(rank, world_size\) already/);
    await assert.rejects(dist.initProcessGroup({ backend: 'nccl' }), /backend 'nccl' is not available: this libtorch is a CPU build/);
    await assert.rejects(dist.initProcessGroup({ bogus: 1 } as never), /unexpected keyword argument 'bogus'/);
    assert.throws(() => dist.getRank(), /Default process group has not been initialized/);
  } finally {
    process.env = saved;
  }
});

test('a world of one rank: collectives, object collectives, newGroup numbering, destroy and re-init', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tstorch-file-'));
  try {
    await dist.initProcessGroup({ backend: 'gloo', initMethod: `file://${join(dir, 'rdzv')}`, rank: 0, worldSize: 1, timeout: 10_000 });
    assert.equal(dist.isInitialized(), true);
    assert.equal(dist.getRank(), 0);
    assert.equal(dist.getWorldSize(), 1);
    assert.equal(dist.group.WORLD!.groupName, '0');
    const t = torch.tensor([1, 2]);
    dist.allReduce(t, { op: 'max' });
    assert.deepEqual(t.toArray(), [1, 2]);
    assert.equal(await dist.allReduce(t, { asyncOp: true })!.wait(), true);
    assert.throws(() => dist.allReduce(t, { op: 'mean' }), /unknown reduce op "mean"/);
    assert.throws(() => dist.allReduce([1, 2] as never), /Expected parameter `tensor` to be of type Tensor/);
    assert.throws(() => dist.gather(t, { dst: 0 }), /``gather_list`` must be specified on destination rank/);
    const objs: torch.distributed.JsonValue[] = [{ x: [1, 'two', null, true, 2.5] }];
    dist.broadcastObjectList(objs, { src: 0 });
    assert.deepEqual(objs, [{ x: [1, 'two', null, true, 2.5] }]);
    assert.throws(() => dist.broadcastObjectList([{ t: torch.ones([1]) }] as never), /the object\.t is a Tensor; object collectives carry JSON-able values only/);
    assert.throws(() => dist.allGatherObject([null], { n: NaN }), /the object\.n is NaN, which is not JSON-able/);
    const g = await dist.newGroup([0]);
    assert.ok(g instanceof dist.ProcessGroup && g.groupName === '1', 'the first newGroup is group 1, as in Python');
    assert.equal(dist.getDefaultStore().check(['store_based_barrier_key:1', 'store_based_barrier_key:2', '0/SEQ_NUM_STORE_KEY']), true);
    dist.destroyProcessGroup();
    assert.equal(dist.isInitialized(), false);
    // After destroy the group counter restarts: the new default group is "0" again.
    await dist.initProcessGroup({ backend: 'gloo', initMethod: `file://${join(dir, 'rdzv2')}`, rank: 0, worldSize: 1, timeout: 10_000 });
    assert.equal(dist.group.WORLD!.groupName, '0');
    await assert.rejects(dist.initProcessGroup({ initMethod: `file://${join(dir, 'rdzv3')}`, rank: 0, worldSize: 1 }), /initialize the default process group twice/);
  } finally {
    if (dist.isInitialized()) dist.destroyProcessGroup();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('DDP on one rank trains as the plain model does; state-dict keys carry module.; errors name the option', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tstorch-ddp1-'));
  try {
    await dist.initProcessGroup({ initMethod: `file://${join(dir, 'rdzv')}`, rank: 0, worldSize: 1 });
    const make = () => { torch.manualSeed(5); return new nn.Sequential(new nn.Linear(4, 8), new nn.BatchNorm1d(8), new nn.ReLU(), new nn.Linear(8, 3)); };
    const plain = make();
    const ddp = new nn.parallel.DistributedDataParallel(make());
    assert.match(String(ddp), /^DistributedDataParallel\(\n  \(module\): Sequential\(/);
    assert.deepEqual(Object.keys(ddp.stateDict()), Object.keys(plain.stateDict()).map((k) => `module.${k}`));
    torch.manualSeed(9);
    const x = torch.randn(6, 4), y = torch.tensor([0, 1, 2, 0, 1, 2], { dtype: 'int64' });
    for (const m of [plain, ddp]) {
      const opt = new torch.optim.SGD(m.parameters(), { lr: 0.1, momentum: 0.9 });
      for (let i = 0; i < 3; i++) {
        opt.zeroGrad();
        nn.functional.crossEntropy(m.call(x), y).backward();
        opt.step();
      }
    }
    for (const [k, v] of Object.entries(plain.stateDict())) assert.ok(v.equal(ddp.stateDict()[`module.${k}`]!), k);
    // A long loop keeps native memory flat (DDP's sink outputs, SyncBatchNorm's saved tensors, buckets).
    const loopModel = new nn.parallel.DistributedDataParallel(nn.SyncBatchNorm.convertSyncBatchnorm(make()), { findUnusedParameters: true });
    const loopOpt = new torch.optim.SGD(loopModel.parameters(), { lr: 0.01 });
    const live: number[] = [];
    for (let i = 0; i < 60; i++) {
      torch.tidy(() => { loopOpt.zeroGrad(); nn.functional.crossEntropy(loopModel.call(x), y).backward(); loopOpt.step(); });
      if (i === 10 || i === 59) live.push(torch.memoryStats().liveTensors);
    }
    // (<=: the collector may free earlier tests' garbage meanwhile; a leak would only add.)
    assert.ok(live[1]! <= live[0]!, `live tensors grew from ${live[0]} after 10 steps to ${live[1]} after 60`);
    assert.equal(ddp.getDdpLoggingData().world_size, 1);
    assert.throws(() => new nn.parallel.DistributedDataParallel(make(), { deviceIds: [0] }), /device_ids and output_device arguments only work with .*GPU modules or CPU modules/);
    assert.throws(() => new nn.parallel.DistributedDataParallel(make().requiresGrad_(false)), /doesn't have any parameter that requires a gradient/);
    assert.throws(() => new nn.parallel.DistributedDataParallel(make(), { bucketCap: 5 } as never), /unexpected keyword argument 'bucketCap'/);
    // Alone in its group, SyncBatchNorm is BatchNorm.
    const bn = new nn.BatchNorm2d(3), sync = nn.SyncBatchNorm.convertSyncBatchnorm(new nn.BatchNorm2d(3));
    const img = torch.randn(4, 3, 5, 5);
    assert.ok(bn.call(img).equal(sync.call(img)));
    assert.ok(bn.running_var!.equal(sync.running_var!));
  } finally {
    if (dist.isInitialized()) dist.destroyProcessGroup();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('convertSyncBatchnorm swaps every BatchNorm of ResNet18 for a SyncBatchNorm sharing its parameters', () => {
  const m = models.resnet18({ numClasses: 10 });
  const bnParams = m.namedModules().filter(([, x]) => x instanceof nn.BatchNorm2d).map(([n, x]) => [n, x.parameters()] as const);
  const c = nn.SyncBatchNorm.convertSyncBatchnorm(m);
  assert.equal(c, m, 'a model that is not itself a BatchNorm is converted in place');
  assert.equal(c.modules().filter((x) => x instanceof nn.BatchNorm2d).length, 0);
  assert.equal(bnParams.length, 20);
  for (const [name, params] of bnParams) {
    const s = c.getSubmodule(name);
    assert.ok(s instanceof nn.SyncBatchNorm, name);
    assert.deepEqual(s.parameters(), params, `${name}: the same Parameter objects`);
  }
  assert.equal(String(c.getSubmodule('bn1')), 'SyncBatchNorm(64, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)');
  assert.deepEqual(Object.keys(c.stateDict()), Object.keys(models.resnet18({ numClasses: 10 }).stateDict()));
});

test("DistributedSampler draws PyTorch's indices (shuffle, seed, epochs, padding, dropLast)", () => {
  const cases = [
    { n: 10, replicas: 3, shuffle: true, seed: 0, epoch: 0, dropLast: false },
    { n: 10, replicas: 3, shuffle: true, seed: 7, epoch: 4, dropLast: false },
    { n: 10, replicas: 3, shuffle: true, seed: 7, epoch: 4, dropLast: true },
    { n: 11, replicas: 4, shuffle: false, seed: 0, epoch: 0, dropLast: false },
    { n: 3, replicas: 8, shuffle: true, seed: 1, epoch: 2, dropLast: false },
    { n: 1000, replicas: 2, shuffle: true, seed: 42, epoch: 1, dropLast: false },
  ];
  const ref = runPython(String.raw`
from torch.utils.data.distributed import DistributedSampler
OUT_J = [[list(iter((lambda s: (s.set_epoch(c['epoch']), s)[1])(DistributedSampler(range(c['n']), num_replicas=c['replicas'], rank=r,
          shuffle=c['shuffle'], seed=c['seed'], drop_last=c['dropLast'])))) for r in range(c['replicas'])] for c in J]
`, { json: cases });
  cases.forEach((c, i) => {
    for (let r = 0; r < c.replicas; r++) {
      const s = new torch.utils.data.DistributedSampler({ length: c.n }, { numReplicas: c.replicas, rank: r, shuffle: c.shuffle, seed: c.seed, dropLast: c.dropLast });
      s.setEpoch(c.epoch);
      assert.deepEqual([...s], ref.json[i][r], `${JSON.stringify(c)}, rank ${r}`);
      assert.equal(s.length, ref.json[i][r].length);
    }
  });
  assert.throws(() => new torch.utils.data.DistributedSampler({ length: 5 }, { numReplicas: 2, rank: 2 }), /Invalid rank 2, rank should be in the interval \[0, 1\]/);
});
