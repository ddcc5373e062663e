// DistributedDataParallel parity: ResNet18 (torchvision's, 10 classes) on CIFAR-10 batches drawn by
// DistributedSampler, SGD with momentum, the same seed everywhere. Every rank's parameters and buffers after
// the last step are bit-identical in the all-PyTorch world (the reference), the all-tstorch world and mixed
// worlds, with 2 and 3 ranks; so are the losses at every step and DDP's buckets (before and after the
// rebuild that follows the first backward). CI runs 20 steps of 2 images per rank; TSTORCH_HEAVY_TESTS=1
// runs 20 steps of 32 per rank and every mix. (findUnusedParameters, noSync, SyncBatchNorm:
// distributed-ddp-variants.test.ts.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { requirePyTorch } from './helpers/pytorch.js';
import { ddpWorld, assertSameWorld, CIFAR, type DdpConfig } from './helpers/ddp-parity.js';

const HEAVY = process.env.TSTORCH_HEAVY_TESTS === '1';
const cfg: DdpConfig = { model: 'resnet18', steps: 20, batch: HEAVY ? 32 : 2 };

test('ResNet18 DDP, 2 ranks, 20 SGD steps: all tstorch and mixed worlds end bit-identical to all PyTorch', { skip: !existsSync(CIFAR) && 'no CIFAR-10 data' }, async () => {
  requirePyTorch();
  const ref = await ddpWorld('pp', cfg);
  assert.equal(ref[0]!.logging.has_rebuilt_buckets, 1, 'the reference rebuilt its buckets after the first iteration');
  for (const w of HEAVY ? ['tt', 'tp', 'pt'] : ['tt', 'tp']) assertSameWorld(ref, await ddpWorld(w, cfg), `world ${w}`);
});

test('ResNet18 DDP, 3 ranks, 20 SGD steps: tstorch ranks around a PyTorch rank end bit-identical to all PyTorch', { skip: !existsSync(CIFAR) && 'no CIFAR-10 data' }, async () => {
  requirePyTorch();
  const ref = await ddpWorld('ppp', cfg);
  for (const w of HEAVY ? ['ttt', 'tpt', 'ptp'] : ['tpt']) assertSameWorld(ref, await ddpWorld(w, cfg), `world ${w}`);
});
