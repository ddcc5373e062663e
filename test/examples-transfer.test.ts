// The chapter's transfer-learning and inference examples run end to end on tiny data: fine-tuning AlexNet
// on a small ImageFolder from torchvision's initialisation, and VGG13 inference with a checkpoint file made
// by torchvision (its top-5 must be PyTorch's for the same images).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as torch from '../src/index.js';
import { writeJpeg } from '../src/vision/io/tensor-io.js';
import { createImage } from '../src/vision/io/image.js';
import { runPython } from './helpers/pytorch.js';
import { IMAGENET_CLASSES } from '../src/vision/models/imagenet-classes.js';

const root = fileURLToPath(new URL('..', import.meta.url));

function picture(path: string, w: number, h: number, shift: number): void {
  const small = torch.rand([1, 3, 5, 5]).mul(0.7).add(shift);
  const t = torch.nn.functional.interpolate(small, { size: [h, w], mode: 'bilinear', alignCorners: false }).squeeze(0)
    .mul(255).round().clamp(0, 255).permute([1, 2, 0]).contiguous().to('uint8');
  writeJpeg(createImage(w, h, 3, new Uint8Array(t.toBytes())), path, 90);
}

function runExample(file: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, ['--import', 'tsx', join(root, file), ...args],
    { cwd: root, encoding: 'utf8', env: { ...process.env, TSTORCH_NUM_THREADS: '1' }, timeout: 300_000 });
}

test('examples/finetune-alexnet.ts runs the chapter\'s fine-tuning end to end', () => {
  const work = mkdtempSync(join(tmpdir(), 'tstorch-exft-'));
  try {
    torch.manualSeed(3);
    for (const split of ['train', 'val']) {
      for (const [ci, cls] of ['ants', 'bees'].entries()) {
        mkdirSync(join(work, 'data', split, cls), { recursive: true });
        for (let i = 0; i < 3; i++) picture(join(work, 'data', split, cls, `${i}.jpg`), 250 + 10 * i, 240, ci * 0.3);
      }
    }
    const out = join(work, 'out');
    const r = runExample('examples/finetune-alexnet.ts', ['--data', join(work, 'data'), '--weights', 'none', '--epochs', '1',
      '--max-steps', '1', '--batch-size', '2', '--out', out]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /classes: ants, bees; 6 training and 6 validation images/);
    assert.match(r.stdout, /^Sequential\(\n {2}\(0\): Conv2d\(3, 64, kernel_size=\(11, 11\), stride=\(4, 4\), padding=\(2, 2\)\)/m);
    assert.match(r.stdout, /\(6\): Linear\(in_features=4096, out_features=1000, bias=True\)/);
    assert.match(r.stdout, /train Loss: [\d.]+ Acc: [\d.]+\nval Loss: [\d.]+ Acc: [\d.]+/);
    assert.match(r.stdout, /Best val Acc: [\d.]+/);
    for (const f of ['batch.png', 'predictions.png', 'best.pth']) assert.ok(existsSync(join(out, f)), f);
    assert.equal(readFileSync(join(out, 'predictions.png')).subarray(1, 4).toString(), 'PNG');
    const sd = torch.load(join(out, 'best.pth')) as Record<string, torch.Tensor>;
    assert.deepEqual([...sd['classifier.6.weight']!.shape], [2, 4096]);

    const offline = runExample('examples/finetune-alexnet.ts', ['--data', join(work, 'data'), '--weights', join(work, 'missing.pth'), '--out', out]);
    assert.equal(offline.status, 1);
    assert.match(offline.stderr, /missing\.pth' does not exist/);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});

test('examples/vgg13-inference.ts prints PyTorch\'s top-5 for a torchvision checkpoint', () => {
  const work = mkdtempSync(join(tmpdir(), 'tstorch-exvgg-'));
  try {
    torch.manualSeed(5);
    mkdirSync(join(work, 'imgs'));
    const files = [0, 1, 2].map((i) => join(work, 'imgs', `p${i}.jpg`));
    files.forEach((f, i) => picture(f, 260 + 20 * i, 250, 0.1 * i));
    const weights = join(work, 'vgg13.pth');
    const py = runPython(`
from PIL import Image
torch.manual_seed(9)
m = torchvision.models.vgg13()
torch.save(m.state_dict(), J['weights'])
m.eval()
w = torchvision.models.VGG13_Weights.DEFAULT
tf = w.transforms()
x = torch.stack([tf(Image.open(f).convert('RGB')) for f in J['files']])
with torch.no_grad():
    OUT['p'] = m(x).softmax(1)
`, { json: { weights, files } });
    const grid = join(work, 'grid.png');
    const r = runExample('examples/vgg13-inference.ts', ['--weights', weights, '--out', grid, join(work, 'imgs')]);
    assert.equal(r.status, 0, r.stderr);
    const blocks = r.stdout.split(/\n(?=\/)/);
    // random weights give near-uniform probabilities, so ranks are compared with a tolerance for near ties
    const probs = py.tensors.p!.toArray() as number[][];
    files.forEach((f, k) => {
      const lines = blocks[k]!.trim().split('\n');
      assert.equal(lines[0], f);
      const fifth = [...probs[k]!].sort((a, b) => b - a)[4]!;
      for (const line of lines.slice(1, 6)) {
        const m = /^\s*([\d.]+) %\s+(.*)$/.exec(line)!;
        const candidates = IMAGENET_CLASSES.flatMap((c, i) => (c === m[2] ? [probs[k]![i]!] : []));
        assert.ok(candidates.some((p) => Math.abs(Number(m[1]) - 100 * p) < 0.0051 && p >= fifth - 1e-7), `${f}: ${line}`);
      }
    });
    assert.equal(readFileSync(grid).subarray(1, 4).toString(), 'PNG');
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
