// Every example runs on tiny data, so that the documentation never rots.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tinyCifar } from './helpers/cifar.js';

const root = fileURLToPath(new URL('..', import.meta.url));

test('examples/lenet-cifar10.ts runs the chapter end to end', () => {
  const work = mkdtempSync(join(tmpdir(), 'tstorch-ex-'));
  const data = tinyCifar(work, 16, 24);
  const out = join(work, 'out');
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'examples/lenet-cifar10.ts'), '--data', data,
    '--epochs', '1', '--out', out], { cwd: root, encoding: 'utf8', env: { ...process.env, TSTORCH_NUM_THREADS: '1' }, timeout: 300_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /Finished Training/);
  assert.match(r.stdout, /GroundTruth: .*\nPredicted: /);
  assert.match(r.stdout, /Accuracy of the network on the 24 test images: [\d.]+ %/);
  assert.equal(r.stdout.match(/Accuracy for class: /g)?.length, 10);
  assert.ok(existsSync(join(out, 'cifar_model.pth')));
  assert.equal(readFileSync(join(out, 'train-images.png')).subarray(1, 4).toString(), 'PNG');
});
