// `tstorch train` and `tstorch evaluate` on a tiny CIFAR-10 made by the test: files, resume, the checkpoint in
// PyTorch, and clear errors for bad input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runPython } from './helpers/pytorch.js';
import { tinyCifar } from './helpers/cifar.js';
import { PY_LENET } from './helpers/pytorch-lenet.js';

const root = fileURLToPath(new URL('..', import.meta.url));
function cli(args: string[]): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'src/cli/main.ts'), ...args], {
    cwd: root, encoding: 'utf8', env: { ...process.env, TSTORCH_NUM_THREADS: '1' }, timeout: 300_000,
  });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const work = mkdtempSync(join(tmpdir(), 'tstorch-cli-'));
const data = tinyCifar(work, 16, 40);
const run = join(work, 'run');

test('train writes metrics, curves and checkpoints; resume continues; best.pth works in PyTorch', () => {
  const r = cli(['train', 'lenet', '--data', data, '--epochs', '2', '--batch-size', '8', '--out', run, '--log-every', '5']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /LeNet\(\n  \(conv1\): Conv2d\(3, 6, kernel_size=\(5, 5\), stride=\(1, 1\)\)/);
  assert.match(r.stdout, /\[1,     5\] loss: \d\.\d{3}/, 'the chapter\'s running-loss lines');
  assert.match(r.stdout, /epoch 2: train loss \d\.\d+, test accuracy [\d.]+ % \(40 images\)/);
  assert.match(r.stdout, /Accuracy for class: airplane\s+is [\d.]+ %/);
  for (const f of ['config.json', 'metrics.jsonl', 'best.pth', 'last.pth', 'curves.png']) assert.ok(existsSync(join(run, f)), f);
  const metrics = readFileSync(join(run, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(metrics.map((m) => m.epoch), [1, 2]);
  assert.equal(readFileSync(join(run, 'curves.png')).subarray(1, 4).toString(), 'PNG');

  const resumed = cli(['train', 'lenet', '--data', data, '--epochs', '3', '--batch-size', '8', '--out', run, '--resume']);
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.match(resumed.stdout, /resuming .* after epoch 2/);
  assert.doesNotMatch(resumed.stdout, /^epoch 1:/m);
  const metrics3 = readFileSync(join(run, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(metrics3.map((m) => m.epoch), [1, 2, 3]);

  const ev = cli(['evaluate', join(run, 'best.pth'), '--data', data]);
  assert.equal(ev.status, 0, ev.stderr);
  const report = JSON.parse(readFileSync(join(run, 'eval-cifar10.json'), 'utf8'));
  assert.equal(report.total, 40);
  assert.equal(report.confusion.length, 10);
  assert.match(ev.stdout, /Confusion matrix/);

  // The same weights in PyTorch's LeNet, on the same test images with the same normalisation.
  const { json } = runPython(PY_LENET + `
import numpy as np
net = Net()
net.load_state_dict(torch.load(J['ckpt']))
raw = np.fromfile(J['test'], dtype=np.uint8).reshape(-1, 3073)
x = (torch.from_numpy(raw[:, 1:].reshape(-1, 3, 32, 32).astype(np.float32)) / 255 - 0.5) / 0.5
y = torch.from_numpy(raw[:, 0].astype(np.int64))
with torch.no_grad():
    OUT_J = int((net(x).argmax(1) == y).sum())
`, { json: { ckpt: join(run, 'best.pth'), test: join(data, 'test_batch.bin') } });
  assert.equal(json, report.correct, 'PyTorch gets the same number of test images right');
});

test('bad input: one clear error, exit code 1, no stack trace', () => {
  const missing = cli(['train', 'lenet', '--data', join(work, 'nope'), '--no-download', '--epochs', '1']);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /dataset folder not found: .*nope/);
  assert.doesNotMatch(missing.stderr, /\n\s+at /);

  const broken = tinyCifar(join(work, 'broken'), 4, 4);
  truncateSync(join(broken, 'data_batch_3.bin'), 3073 * 2 + 100);
  const trunc = cli(['train', 'lenet', '--data', broken, '--no-download', '--epochs', '1']);
  assert.equal(trunc.status, 1);
  assert.match(trunc.stderr, /data_batch_3\.bin/);
  assert.doesNotMatch(trunc.stderr, /\n\s+at /);

  const badName = cli(['train', 'lenet', '--dataset', 'imagenet22k', '--data', data]);
  assert.equal(badName.status, 1);
  assert.match(badName.stderr, /--dataset must be one of cifar10, cifar100, mnist, fashionmnist; got 'imagenet22k'/);

  const badOpt = cli(['train', 'lenet', '--epochz', '3']);
  assert.equal(badOpt.status, 1);
  assert.match(badOpt.stderr, /unknown option --epochz/);

  const noCkpt = cli(['evaluate', join(work, 'none.pth')]);
  assert.equal(noCkpt.status, 1);
  assert.match(noCkpt.stderr, /no such checkpoint: .*none\.pth/);
});
