// `tstorch finetune` end to end on a tiny ImageFolder, step by step against PyTorch's run of the same recipe
// (bench/pytorch/finetune_alexnet.py): the same starting checkpoint made by torchvision, no augmentation, no
// shuffling, dropout off. Then `tstorch predict` on the run's best.pth uses the run's class names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as torch from '../src/index.js';
import { writeJpeg } from '../src/vision/io/tensor-io.js';
import { createImage } from '../src/vision/io/image.js';
import { cli } from './helpers/cli.js';
import { PYTHON, runPython } from './helpers/pytorch.js';

/** Two classes of smooth random pictures: class 'dark' and class 'light', of varied sizes. */
function makeFolder(root: string, perClass: Record<'train' | 'val', number>): void {
  torch.manualSeed(21);
  for (const split of ['train', 'val'] as const) {
    for (const [ci, cls] of ['dark', 'light'].entries()) {
      mkdirSync(join(root, split, cls), { recursive: true });
      for (let i = 0; i < perClass[split]; i++) {
        const w = 240 + 13 * i, h = 230 + 7 * ((i * 3) % 5);
        const small = torch.rand([1, 3, 6, 6]).mul(0.6).add(ci * 0.4);
        const t = torch.nn.functional.interpolate(small, { size: [h, w], mode: 'bilinear', alignCorners: false }).squeeze(0)
          .mul(255).round().clamp(0, 255).permute([1, 2, 0]).contiguous().to('uint8');
        writeJpeg(createImage(w, h, 3, new Uint8Array(t.toBytes())), join(root, split, cls, `${cls}${i}.jpg`), 92);
      }
    }
  }
}


test('tstorch finetune follows PyTorch step by step; predict uses the run\'s class names', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tstorch-ftp-'));
  try {
    const data = join(dir, 'data');
    makeFolder(data, { train: 6, val: 3 });
    const weights = join(dir, 'resnet18-seed7.pth');
    runPython(`
torch.manual_seed(7)
torch.save(torchvision.models.resnet18().state_dict(), J)
`, { json: weights });
    const mean = '0.490,0.449,0.411', std = '0.231,0.221,0.230';
    const out = join(dir, 'run');
    const r = await cli(['finetune', 'resnet18', '--data', data, '--weights', weights, '--epochs', '2', '--batch-size', '4',
      '--no-augment', '--no-shuffle', '--no-dropout', '--mean', mean, '--std', std, '--seed', '7', '--out', out, '--show', '2', '--lr', '0.001']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /replaced fc: Linear\(in_features=512, out_features=1000, bias=True\) -> Linear\(in_features=512, out_features=2, bias=True\)/);
    for (const f of ['config.json', 'metrics.jsonl', 'steps.jsonl', 'best.pth', 'curves.png', 'batch.png', 'predictions.png']) {
      assert.ok(existsSync(join(out, f)), f);
    }
    const steps = readFileSync(join(out, 'steps.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { loss: number });
    const metrics = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { testAccuracy: number; testLoss: number });

    const py = execFileSync(PYTHON, ['bench/pytorch/finetune_alexnet.py', '--data', data, '--model', 'resnet18', '--weights', weights,
      '--epochs', '2', '--batch-size', '4', '--no-augment', '--no-shuffle', '--no-dropout', '--mean', mean, '--std', std, '--seed', '7',
      '--lr', '0.001', '--threads', String(torch.getNumThreads())], { encoding: 'utf8' });
    const rows = py.trim().split('\n').map((l) => JSON.parse(l) as Record<string, number | string>);
    const pySteps = rows.filter((x) => x.kind === 'step');
    const pyEpochs = rows.filter((x) => x.kind === 'epoch');
    assert.equal(steps.length, pySteps.length);
    assert.equal(steps.length, 6);
    steps.forEach((s, i) => {
      const p = pySteps[i]!.loss as number;
      assert.ok(Math.abs(s.loss - p) <= 1e-3 * Math.abs(p), `step ${i + 1}: ${s.loss} vs PyTorch ${p}`);
    });
    metrics.forEach((m, i) => {
      assert.equal(Math.round(m.testAccuracy * 6), pyEpochs[i]!.val_correct, `epoch ${i + 1} val accuracy`);
      assert.ok(Math.abs(m.testLoss - (pyEpochs[i]!.val_loss as number)) <= 1e-3 * (pyEpochs[i]!.val_loss as number));
    });

    const p = await cli(['predict', 'resnet18', '--weights', join(out, 'best.pth'), join(data, 'val'), '--json', '--topk', '2']);
    assert.equal(p.code, 0, p.err);
    const j = JSON.parse(p.out) as { predictions: { file: string; top: { label: string }[] }[] };
    assert.equal(j.predictions.length, 6);
    assert.ok(j.predictions.every((x) => x.top.map((t) => t.label).sort().join() === 'dark,light'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
