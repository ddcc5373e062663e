// DDP parity between worlds: runs the same DistributedDataParallel job (test/helpers/ddp-worker.ts and its
// PyTorch twin ddp_reference.py) in several worlds (all PyTorch, all tstorch, mixed) and checks that every
// rank ends with bit-identical parameters and buffers, the same losses at every step, and the same buckets.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as torch from '../../src/index.js';
import { runWorld, failures, type RankKind } from './world.js';

export const DATA = process.env.TSTORCH_DATA ?? join(process.cwd(), '..', 'shared', 'data');
export const CIFAR = join(DATA, 'cifar-10-batches-bin');

export interface DdpConfig {
  steps: number;
  batch: number;
  model: 'resnet18' | 'tiny';
  lr?: number;
  momentum?: number;
  seed?: number;
  findUnused?: boolean;
  noSync?: number;
  syncBn?: boolean;
  staticGraph?: boolean;
  gradientAsBucketView?: boolean;
  bucketCapMb?: number;
  join?: number;
}

export interface RankOutput {
  kind: string;
  state: Record<string, torch.Tensor>;
  losses: number[];
  times: number[];
  logging: Record<string, unknown>;
}

export const kindsOf = (s: string): RankKind[] => s.split('').map((c) => (c === 't' ? 'ts' : 'py'));

/** Runs one world ('tp': tstorch rank 0, PyTorch rank 1) and returns every rank's final state and log. */
export async function ddpWorld(world: string, cfg: DdpConfig, env: Record<string, string> = {}): Promise<RankOutput[]> {
  const out = mkdtempSync(join(tmpdir(), 'tstorch-ddp-'));
  try {
    const full = { data: CIFAR, out, lr: 0.01, momentum: 0.9, seed: 1, ...cfg };
    const kinds = kindsOf(world);
    // The tiny model's worlds take seconds; a hang should cost minutes, not ten. (One was seen: a PyTorch rank
    // stuck at exit after its last step, PyTorch 1.13's own teardown deadlock, which ddp_reference.py now avoids;
    // see test/helpers/gloo_exit_deadlock.py.)
    const deadlineMs = cfg.model === 'tiny' ? 150_000 : 600_000;
    const res = await runWorld(kinds, { ts: 'test/helpers/ddp-worker.ts', py: 'test/helpers/ddp_reference.py', args: [JSON.stringify(full)], env, deadlineMs });
    assert.ok(res.every((r) => r.code === 0), `DDP world ${world} (${JSON.stringify(cfg)}) failed:\n${failures(res)}`);
    return kinds.map((_, r) => {
      const j = JSON.parse(readFileSync(join(out, `rank${r}.json`), 'utf8'));
      return { kind: j.kind, state: torch.load(join(out, `rank${r}.pt`)) as Record<string, torch.Tensor>, losses: j.losses, times: j.times, logging: j.logging };
    });
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/** Asserts that `got` equals the reference world rank by rank, bit for bit. */
export function assertSameWorld(ref: RankOutput[], got: RankOutput[], what: string): void {
  assert.equal(got.length, ref.length, `${what}: world size`);
  ref.forEach((r, i) => {
    const g = got[i]!;
    assert.deepEqual(Object.keys(g.state), Object.keys(r.state), `${what}, rank ${i}: state-dict keys (with the module. prefix)`);
    const differing = Object.keys(r.state).filter((k) => !g.state[k] || !r.state[k]!.equal(g.state[k]!));
    assert.deepEqual(differing, [], `${what}, rank ${i} (${g.kind}): tensors that differ from the reference's bits`);
    assert.deepEqual(g.losses, r.losses, `${what}, rank ${i}: losses at every step`);
    assert.deepEqual(g.logging, r.logging, `${what}, rank ${i}: buckets (DDP logging data)`);
  });
}
