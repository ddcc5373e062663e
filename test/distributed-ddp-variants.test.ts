// DistributedDataParallel parity with findUnusedParameters, noSync (gradient accumulation), SyncBatchNorm,
// join() (uneven inputs) and staticGraph:
// the same job in the all-PyTorch world (the reference) and in tstorch and mixed worlds ends with bit-identical
// parameters, buffers and losses on every rank. CI uses a small model (a convolution, BatchNorm, a head, and a
// second head that never runs: findUnusedParameters has something to find); TSTORCH_HEAVY_TESTS=1 adds
// ResNet18 at 32 images per rank and every world.
//
// SyncBatchNorm: PyTorch 1.13 runs it on CUDA only. The reference patches in CPU versions of its five CUDA
// kernels (test/helpers/ddp_reference.py), the same operators tstorch's SyncBatchNorm node uses; the
// autograd function, its allgather/allreduce and DDP are PyTorch's own.
import { test } from 'node:test';
import { existsSync } from 'node:fs';
import { requirePyTorch } from './helpers/pytorch.js';
import { ddpWorld, assertSameWorld, CIFAR, type DdpConfig } from './helpers/ddp-parity.js';

const HEAVY = process.env.TSTORCH_HEAVY_TESTS === '1';
const skip = !existsSync(CIFAR) && 'no CIFAR-10 data';
const worlds = (ci: string[]) => (HEAVY ? ['tt', 'tp', 'pt'] : ci);

async function parity(cfg: DdpConfig, ci: string[]): Promise<void> {
  requirePyTorch();
  const ref = await ddpWorld('pp', cfg);
  for (const w of worlds(ci)) assertSameWorld(ref, await ddpWorld(w, cfg), `${JSON.stringify(cfg)}, world ${w}`);
  if (HEAVY && cfg.model === 'tiny') {
    const big = { ...cfg, model: 'resnet18' as const, batch: 32, findUnused: cfg.findUnused };
    const bigRef = await ddpWorld('pp', big);
    for (const w of ['tt', 'tp']) assertSameWorld(bigRef, await ddpWorld(w, big), `${JSON.stringify(big)}, world ${w}`);
  }
}

test('DDP with findUnusedParameters (a head that never runs): tstorch and mixed worlds equal PyTorch', { skip }, async () => {
  await parity({ model: 'tiny', steps: 20, batch: 4, findUnused: true }, ['tp']);
});

test('DDP with noSync (2 micro-batches per step, the first accumulated without communication) equals PyTorch', { skip }, async () => {
  await parity({ model: 'tiny', steps: 20, batch: 4, findUnused: true, noSync: 2 }, ['pt']);
});

test('DDP with SyncBatchNorm (statistics over both ranks) equals PyTorch', { skip }, async () => {
  await parity({ model: 'tiny', steps: 20, batch: 4, findUnused: true, syncBn: true }, ['tt', 'tp']);
});

test('DDP join() with uneven inputs (rank 1 takes 3 more steps; rank 0 shadows its collectives) equals PyTorch', { skip }, async () => {
  await parity({ model: 'tiny', steps: 10, batch: 4, findUnused: true, join: 3 }, ['tp']);
});

test('DDP with staticGraph (the delayed allreduce of the first iteration, then rebuilt buckets), gradients as bucket views and small buckets equals PyTorch', { skip }, async () => {
  await parity({ model: 'tiny', steps: 10, batch: 4, staticGraph: true, gradientAsBucketView: true, bucketCapMb: 0.001 }, ['pt']);
});
