// The official PyTorch tutorials, ported to tstorch (examples/tutorials/*.ts), run side by side with their Python
// originals (examples/tutorials/python/*.py) on tiny data: the same seed, one intra-op thread on both sides, and
// what they print must be equal, line for line. The only text masked is the memory address in Python's
// `<AddBackward0 object at 0x7f...>`, which differs from run to run on either side.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, existsSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PYTHON, runPython } from './helpers/pytorch.js';
import { tinyCifar } from './helpers/cifar.js';
import { tinyFashionMNIST } from './helpers/fashion.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'tstorch-tutorials-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));

// One thread on both sides (what PyTorch picks on a small machine, and what makes the sums' order equal), no
// network, and the ImageNet checkpoints from a cache the test fills.
const torchHome = join(work, 'torch-home');
const env = { ...process.env, OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1', TSTORCH_NUM_THREADS: '1', TORCH_HOME: torchHome };

/** A seeded ResNet-18 state dict where torch.hub keeps IMAGENET1K_V1 (both sides read it from there). */
function resnet18Checkpoint(): void {
  const dir = join(torchHome, 'hub', 'checkpoints');
  if (existsSync(join(dir, 'resnet18-f37072fd.pth'))) return;
  mkdirSync(dir, { recursive: true });
  runPython(`
import torch, torchvision
torch.manual_seed(1)
torch.save(torchvision.models.resnet18().state_dict(), ${JSON.stringify(join(dir, 'resnet18-f37072fd.pth'))})
`);
}

// The tutorials run in their own folders (they write files where they run), so tsx is named by its path.
const tsxLoader = import.meta.resolve('tsx');

const mask = (s: string): string => s.replace(/ object at 0x[0-9a-f]+>/g, ' object at 0x...>');

/** Runs the Python original, then the port, in the same folder with the same arguments; returns both outputs. */
function sideBySide(name: string, args: string[] = []): { py: string; ts: string } {
  const cwd = join(work, name);
  mkdirSync(cwd, { recursive: true });
  const pyFile = join(root, 'examples/tutorials/python', `${name.replace(/-/g, '_')}.py`);
  const py = spawnSync(PYTHON, [pyFile, ...args], { cwd, encoding: 'utf8', env, timeout: 300_000 });
  assert.equal(py.status, 0, `${name}.py failed:\n${py.stderr}`);
  const ts = spawnSync(process.execPath, ['--import', tsxLoader, join(root, 'examples/tutorials', `${name}.ts`), ...args],
    { cwd, encoding: 'utf8', env, timeout: 300_000 });
  assert.equal(ts.status, 0, `${name}.ts failed:\n${ts.stderr}`);
  return { py: mask(py.stdout), ts: mask(ts.stdout) };
}

function assertSamePrint(name: string, args: string[] = [], expect?: RegExp, unmask: (s: string) => string = (s) => s): void {
  const both = sideBySide(name, args);
  const py = unmask(both.py);
  const ts = unmask(both.ts);
  assert.ok(py.trim().length > 0, `${name}.py printed nothing`);
  assert.equal(ts, py);
  if (expect) assert.match(ts, expect);
}

const fashion = (): string => {
  const dir = join(work, 'fashion');
  if (!existsSync(join(dir, 'FashionMNIST'))) tinyFashionMNIST(dir, 96, 48);
  return dir;
};

test('60-minute blitz: Tensors', () => { assertSamePrint('blitz-tensors', [], /tensor @ tensor.T/); });

test('60-minute blitz: autograd (ResNet-18 step, gradients of Q)', () => {
  resnet18Checkpoint();
  assertSamePrint('blitz-autograd', [], /loss: -?\d+\.\d{6}/);
});

test('60-minute blitz: neural networks (LeNet, loss, gradFn chain, SGD step)', () => {
  assertSamePrint('blitz-neural-networks', [], /MseLossBackward0/);
});

test('60-minute blitz: training a classifier on CIFAR-10 (tiny copy, a few steps)', () => {
  const data = tinyCifar(join(work, 'cifar'), 40, 20);
  assertSamePrint('blitz-cifar10', ['--data', data, '--out', join(work, 'blitz-cifar10'), '--print-every', '2', '--max-steps', '6'],
    /Finished Training[^]*Accuracy of the network on the 10000 test images/); // the tutorial's text says 10000 whatever the set
});

test('Learn the basics: quickstart (FashionMNIST, one epoch)', () => {
  assertSamePrint('basics-quickstart', ['--data', fashion(), '--epochs', '1', '--out', join(work, 'basics-quickstart')], /Test Error/);
});

test('Learn the basics: tensors', () => { assertSamePrint('basics-tensors'); });

test('Learn the basics: datasets and dataloaders', () => {
  assertSamePrint('basics-data', ['--data', fashion(), '--out', join(work, 'basics-data')]);
});

test('Learn the basics: transforms', () => { assertSamePrint('basics-transforms', ['--data', fashion()]); });

test('Learn the basics: build the model', () => { assertSamePrint('basics-buildmodel', [], /NeuralNetwork/); });

test('Learn the basics: automatic differentiation', () => { assertSamePrint('basics-autograd', [], /Gradient function for z/); });

test('Learn the basics: optimization (one epoch)', () => {
  assertSamePrint('basics-optimization', ['--data', fashion(), '--epochs', '1'], /Done!/);
});

test('Learn the basics: save and load (ResNet-18 in place of VGG16; a whole model Python saved loads here)', () => {
  resnet18Checkpoint();
  assertSamePrint('basics-saveload', ['--arch', 'resnet18', '--out', join(work, 'basics-saveload')], /<All keys matched successfully>/);
});

const sharedData = process.env.TSTORCH_DATA ?? join(root, '..', 'shared', 'data');

test('Transfer learning: ResNet-18 fine-tuned, then as a fixed feature extractor (8 ants and bees, 2 epochs)', (t) => {
  const hymenoptera = join(sharedData, 'hymenoptera_data');
  if (!existsSync(hymenoptera)) { t.skip(`no ${hymenoptera}`); return; }
  resnet18Checkpoint();
  // Two images of each class per phase: one training step per epoch, and a validation accuracy in quarters, so the
  // second epoch's `epoch_acc > best_acc` is decided by a comparison of 0-d tensors, which both sides must agree on.
  const data = join(work, 'hymenoptera');
  for (const phase of ['train', 'val']) {
    for (const cls of ['ants', 'bees']) {
      mkdirSync(join(data, phase, cls), { recursive: true });
      for (const f of readdirSync(join(hymenoptera, phase, cls)).sort().slice(0, 2)) symlinkSync(join(hymenoptera, phase, cls, f), join(data, phase, cls, f));
    }
  }
  assertSamePrint('transfer-learning', ['--data', data, '--epochs', '2', '--workers', '2'], /Best val Acc: \d\.\d{6}\n[^]*Best val Acc/,
    (s) => s.replace(/Training complete in \d+m \d+s/g, 'Training complete in (time)'));
});
