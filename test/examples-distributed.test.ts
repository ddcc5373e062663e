// examples/ddp-cifar10.ts runs under the launcher on tiny data (2 workers), writes its checkpoint, and a second
// run resumes from it, as a restarted job would.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tinyCifar } from './helpers/cifar.js';
import { ROOT, freePort } from './helpers/world.js';

test('examples/ddp-cifar10.ts trains with 2 workers under tstorch run and resumes from its checkpoint', async () => {
  const work = mkdtempSync(join(tmpdir(), 'tstorch-ddp-ex-'));
  try {
    const data = tinyCifar(work, 40, 20);
    const out = join(work, 'out');
    const run = async (epochs: string) => spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'run', '--nproc-per-node', '2',
      '--master-port', String(await freePort()), 'examples/ddp-cifar10.ts', '--data', data, '--model', 'lenet', '--epochs', epochs,
      '--batch-size', '8', '--max-steps', '3', '--out', out], { cwd: ROOT, encoding: 'utf8', timeout: 300_000 });
    const first = await run('1');
    assert.equal(first.status, 0, first.stderr + first.stdout);
    assert.match(first.stdout, /\[rank0\]:2 workers, \d+ thread\(s\) each, 8 images per worker per step/);
    assert.match(first.stdout, /\[rank0\]:epoch 1: train loss [\d.]+, \d+ img\/s over 2 workers, test accuracy [\d.]+ % \(20 images\)/);
    assert.ok(existsSync(join(out, 'checkpoint.pth')));
    const second = await run('2');
    assert.equal(second.status, 0, second.stderr + second.stdout);
    assert.match(second.stdout, /\[rank0\]:resuming after epoch 1 from/);
    assert.match(second.stdout, /\[rank0\]:epoch 2: /);
    assert.doesNotMatch(second.stdout, /\[rank0\]:epoch 1: /);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
