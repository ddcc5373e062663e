// Every command with every class of bad input: one line on stderr, exit code 1, no stack trace, and nothing done
// (no folder created, no training started). Runs `tstorch` in this process for speed (test/helpers/cli.ts); the
// runs that a missed check would start are tiny, so a regression shows as a failed assertion, not a hang.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as torch from '../src/index.js';
import * as io from '../src/vision/io/index.js';
import { cli } from './helpers/cli.js';
import { tinyCifar } from './helpers/cifar.js';
import { checkpointZip, op, pk } from './helpers/hostile-checkpoints.js';
import { makeBmp } from './helpers/hostile-images.js';

const work = mkdtempSync(join(tmpdir(), 'tstorch-cli-errors-'));
test.after(() => rmSync(work, { recursive: true, force: true }));
const data = tinyCifar(work, 8, 16);
const file = join(work, 'a-file.txt');
writeFileSync(file, 'not a folder\n');
const folder = join(work, 'a-folder');
mkdirSync(folder);
const missingDir = join(work, 'no', 'such', 'folder');

// checkpoints of every wrong kind
const lenet = (): torch.nn.Module => new (class extends torch.nn.Module {
  conv1 = new torch.nn.Conv2d(3, 6, 5);
})();
const ck = (name: string, bytes: Uint8Array | string): string => { const p = join(work, name); writeFileSync(p, bytes); return p; };
const textCk = ck('text.pth', 'hello\n');
const emptyCk = ck('empty.pth', '');
const refusedCk = ck('refused.pth', checkpointZip(pk(op.proto(2), op.global('os', 'system'), op.str('echo pwned'), op.tuple1, op.reduce, op.stop)));
const bareCk = join(work, 'bare.pth');
torch.save(lenet().stateDict(), bareCk);
const wrongArchCk = join(work, 'wrong-arch.pth');
torch.save({ model: lenet().stateDict(), optimizer: { state: {}, param_groups: [] }, epoch: 1, rng_state: torch.getRngState(), best_acc: 0.1 }, wrongArchCk);
const truncatedCk = ck('truncated.pth', readFileSync(wrongArchCk).subarray(0, 300));

// run folders whose last.pth is each of them (and one where last.pth is a folder)
const resumeRuns: [string, string][] = [];
for (const [kind, src] of [['text', textCk], ['empty', emptyCk], ['refused pickle', refusedCk], ['bare state dict', bareCk], ['wrong architecture', wrongArchCk], ['truncated', truncatedCk]] as const) {
  const d = join(work, `resume-${kind.replace(/ /g, '-')}`);
  mkdirSync(d);
  writeFileSync(join(d, 'last.pth'), readFileSync(src));
  resumeRuns.push([kind, d]);
}
const dirRun = join(work, 'resume-dir');
mkdirSync(join(dirRun, 'last.pth'), { recursive: true });
resumeRuns.push(['a folder', dirRun]);

// an image folder for finetune and predict, with a corrupt file and a bomb for the cases that need them
const images = join(work, 'images');
for (const split of ['train', 'val']) for (const c of ['ants', 'bees']) mkdirSync(join(images, split, c), { recursive: true });
const png = await io.encodeImage(io.createImage(12, 10, 3), { format: 'png' });
for (const split of ['train', 'val']) for (const c of ['ants', 'bees']) for (const i of [1, 2]) writeFileSync(join(images, split, c, `${i}.png`), png);
const goodImage = join(images, 'val', 'ants', '1.png');
const corruptFolder = join(work, 'images-corrupt');
for (const split of ['train', 'val']) for (const c of ['ants', 'bees']) {
  mkdirSync(join(corruptFolder, split, c), { recursive: true });
  for (const i of [1, 2]) writeFileSync(join(corruptFolder, split, c, `${i}.png`), png);
}
writeFileSync(join(corruptFolder, 'train', 'ants', '3-corrupt.jpg'), 'this is not a JPEG');
const bomb = ck('bomb.bmp', makeBmp({ width: 60000, height: 60000, bits: 24, pixels: new Uint8Array(16) }));
const corruptImage = ck('corrupt.png', png.subarray(0, 40));

const out = (name: string): string => join(work, 'runs', name);
/** argv with the value after `flag` replaced. */
const withOpt = (argv: string[], flag: string, value: string): string[] => argv.map((x, i) => (argv[i - 1] === flag ? value : x));
const trainBase = ['train', 'lenet', '--data', data, '--epochs', '1', '--max-steps', '1', '--max-test', '8', '--threads', '1', '--log-every', '0'];
const finetuneBase = ['finetune', 'squeezenet1_1', '--data', images, '--weights', 'none', '--epochs', '1', '--max-steps', '1', '--show', '0', '--batch-size', '2', '--threads', '1'];
const predictBase = ['predict', 'squeezenet1_1', '--weights', 'none', '--threads', '1'];

// [what, argv, a pattern the one line must match]
const cases: [string, string[], RegExp][] = [
  // train: every number flag, out of range or not a number
  ['train --lr -1', [...trainBase, '--out', out('t1'), '--lr', '-1'], /--lr must be a number above 0/],
  ['train --lr 0', [...trainBase, '--out', out('t1'), '--lr', '0'], /--lr must be a number above 0/],
  ['train --lr 1e9', [...trainBase, '--out', out('t1'), '--lr', '1e9'], /--lr must be .* at most 1000/],
  ['train --lr abc', [...trainBase, '--out', out('t1'), '--lr', 'abc'], /--lr expects a number, got 'abc'/],
  ['train --lr Infinity', [...trainBase, '--out', out('t1'), '--lr', 'Infinity'], /--lr must be a finite number/],
  ['train --lr (no value)', [...trainBase, '--out', out('t1'), '--lr'], /--lr needs a value/],
  ['train --momentum -0.1', [...trainBase, '--out', out('t1'), '--momentum', '-0.1'], /--momentum must be a number at least 0 and below 1/],
  ['train --momentum 1', [...trainBase, '--out', out('t1'), '--momentum', '1'], /--momentum must be/],
  ['train --momentum 7', [...trainBase, '--out', out('t1'), '--momentum', '7'], /--momentum must be/],
  ['train --weight-decay -1', [...trainBase, '--out', out('t1'), '--weight-decay', '-1'], /--weight-decay must be a number at least 0 and at most 1/],
  ['train --weight-decay 50', [...trainBase, '--out', out('t1'), '--weight-decay', '50'], /--weight-decay must be/],
  ['train --workers -1', [...trainBase, '--out', out('t1'), '--workers', '-1'], /--workers must be a whole number at least 0/],
  ['train --workers 100000', [...trainBase, '--out', out('t1'), '--workers', '100000'], /--workers must be a whole number .* at most 64/],
  ['train --workers 1.5', [...trainBase, '--out', out('t1'), '--workers', '1.5'], /--workers must be a whole number/],
  ['train --threads -3', [...trainBase, '--out', out('t1'), '--threads', '-3'], /--threads must be a whole number at least 0/],
  ['train --threads 5000', [...trainBase, '--out', out('t1'), '--threads', '5000'], /--threads must be .* at most 256/],
  ['train --seed -1', [...trainBase, '--out', out('t1'), '--seed', '-1'], /--seed must be a whole number at least 0/],
  ['train --seed 1.5', [...trainBase, '--out', out('t1'), '--seed', '1.5'], /--seed must be a whole number/],
  ['train --seed 1e300', [...trainBase, '--out', out('t1'), '--seed', '1e300'], /--seed must be .* at most 9007199254740991/],
  ['train --max-steps -5', [...trainBase, '--out', out('t1'), '--max-steps', '-5'], /--max-steps must be a whole number at least 0/],
  ['train --max-steps 0.5', [...trainBase, '--out', out('t1'), '--max-steps', '0.5'], /--max-steps must be a whole number/],
  ['train --batch-size 0', [...trainBase, '--out', out('t1'), '--batch-size', '0'], /--batch-size must be a whole number at least 1/],
  ['train --batch-size -8', [...trainBase, '--out', out('t1'), '--batch-size', '-8'], /--batch-size must be/],
  ['train --batch-size 1e9', [...trainBase, '--out', out('t1'), '--batch-size', '1e9'], /--batch-size must be .* at most 65536/],
  ['train --epochs 0', [...trainBase, '--out', out('t1'), '--epochs', '0'], /--epochs must be a whole number at least 1/],
  ['train --max-test -1', [...trainBase, '--out', out('t1'), '--max-test', '-1'], /--max-test must be/],
  ['train --log-every -1', [...trainBase, '--out', out('t1'), '--log-every', '-1'], /--log-every must be/],
  ['train --optimizer nope', [...trainBase, '--out', out('t1'), '--optimizer', 'nope'], /--optimizer must be one of/],
  ['train --dataset nope', [...trainBase, '--out', out('t1'), '--dataset', 'nope'], /--dataset must be one of/],
  ['train --augment=maybe', [...trainBase, '--out', out('t1'), '--augment=maybe'], /--augment is a switch/],
  ['train --no-lr', [...trainBase, '--out', out('t1'), '--no-lr'], /--no-lr is not a switch/],
  ['train --lrr (unknown)', [...trainBase, '--out', out('t1'), '--lrr', '1'], /unknown option --lrr/],
  ['train extra argument', [...trainBase, '--out', out('t1'), 'extra'], /unexpected argument 'extra'/],
  ['train unknown model', ['train', 'nonet', '--data', data, '--out', out('t1')], /nonet/],
  ['train --data missing', ['train', 'lenet', '--data', missingDir, '--no-download', '--out', out('t1')], /no such|not found|missing|does not exist/i],
  // train: where the run goes
  ['train --out a file', [...trainBase, '--out', file], /--out '.*a-file\.txt'.* exists and is not a folder/],
  ['train --out under a file', [...trainBase, '--out', join(file, 'run')], /is a file, not a folder/],
  ['train --out under /proc', [...trainBase, '--out', '/proc/tstorch-test/run'], /pseudo file system/],
  ['train --out under /sys', [...trainBase, '--out', '/sys/tstorch-test/run'], /pseudo file system|not writable/],
  // train --resume from every bad last.pth
  ...resumeRuns.map(([kind, d]): [string, string[], RegExp] => [`train --resume from ${kind}`, [...trainBase, '--out', d, '--resume'], /cannot resume from .*last\.pth/]),
  ['train --resume with no last.pth', [...trainBase, '--out', out('fresh'), '--resume'], /--resume: no checkpoint at/],
  // train's distributed flags (checked before any worker is launched)
  ['train --nproc-per-node 0', [...trainBase, '--out', out('t1'), '--nproc-per-node', '0'], /--nproc-per-node must be a whole number at least 1/],
  ['train --nproc-per-node 1.5', [...trainBase, '--out', out('t1'), '--nproc-per-node', '1.5'], /--nproc-per-node must be a whole number/],
  ['train --master-port 70000', [...trainBase, '--out', out('t1'), '--master-port', '70000'], /--master-port must be a whole number at least 1 and at most 65535/],
  ['train --max-restarts -1', [...trainBase, '--out', out('t1'), '--max-restarts', '-1'], /--max-restarts must be/],
  ['train --node-rank 2 --nnodes 2', [...trainBase, '--out', out('t1'), '--nnodes', '2', '--node-rank', '2'], /--node-rank must be below --nnodes \(2\), got 2/],
  ['train --nproc-per-node 2 --out under /proc', [...trainBase, '--nproc-per-node', '2', '--out', '/proc/tstorch-test/run'], /pseudo file system/],
  // serve
  ['serve --batch-size 0', ['serve', 'resnet18', '--batch-size', '0'], /--batch-size must be/],
  ['serve --topk -1', ['serve', 'resnet18', '--topk', '-1'], /--topk must be/],
  ['serve --port 70000', ['serve', 'resnet18', '--port', '70000'], /--port must be a whole number at least 0 and at most 65535/],
  ['serve --queue-size 0', ['serve', 'resnet18', '--queue-size', '0'], /--queue-size must be a whole number at least 1/],
  ['serve --max-body-bytes -5', ['serve', 'resnet18', '--max-body-bytes', '-5'], /--max-body-bytes must be/],
  ['serve --max-image-pixels 1.5', ['serve', 'resnet18', '--max-image-pixels', '1.5'], /--max-image-pixels must be a whole number/],
  ['serve --timeout 0', ['serve', 'resnet18', '--timeout', '0'], /--timeout must be/],
  ['serve --threads 100000', ['serve', 'resnet18', '--threads', '100000'], /--threads must be/],
  // evaluate
  ['evaluate missing checkpoint', ['evaluate', join(work, 'nope.pth'), '--data', data], /no such checkpoint/],
  ['evaluate a folder', ['evaluate', folder, '--data', data], /is not a file/],
  ['evaluate a text file', ['evaluate', textCk, '--data', data], /cannot read checkpoint .*text\.pth/],
  ['evaluate an empty file', ['evaluate', emptyCk, '--data', data], /file is empty/],
  ['evaluate a refused pickle', ['evaluate', refusedCk, '--data', data], /refusing to load global 'os\.system'/],
  ['evaluate a truncated file', ['evaluate', truncatedCk, '--data', data], /truncated|corrupt/],
  ['evaluate another architecture', ['evaluate', wrongArchCk, '--data', data, '--max-test', '8'], /does not fit lenet/],
  ['evaluate --batch-size 0', ['evaluate', bareCk, '--data', data, '--batch-size', '0'], /--batch-size must be/],
  ['evaluate --threads -1', ['evaluate', bareCk, '--data', data, '--threads', '-1'], /--threads must be/],
  ['evaluate --json in a missing folder', ['evaluate', bareCk, '--data', data, '--json', join(missingDir, 'r.json')], /--json '.*': cannot write .* does not exist/],
  ['evaluate --json a folder', ['evaluate', bareCk, '--data', data, '--json', folder], /is a folder, not a file/],
  ['evaluate extra argument', ['evaluate', bareCk, 'extra', '--data', data], /unexpected argument 'extra'/],
  // finetune
  ['finetune --lr 0', [...finetuneBase, '--out', out('f1'), '--lr', '0'], /--lr must be a number above 0/],
  ['finetune --momentum 2', [...finetuneBase, '--out', out('f1'), '--momentum', '2'], /--momentum must be/],
  ['finetune --std 0,0,0', [...finetuneBase, '--out', out('f1'), '--std', '0,0,0'], /--std values must not be 0/],
  ['finetune --mean 1,2', [...finetuneBase, '--out', out('f1'), '--mean', '1,2'], /--mean needs 3 comma-separated numbers/],
  ['finetune --mean a,b,c', [...finetuneBase, '--out', out('f1'), '--mean', 'a,b,c'], /--mean needs 3 comma-separated numbers/],
  ['finetune --workers -1', [...finetuneBase, '--out', out('f1'), '--workers', '-1'], /--workers must be/],
  ['finetune --seed -1', [...finetuneBase, '--out', out('f1'), '--seed', '-1'], /--seed must be/],
  ['finetune --epochs 0', [...finetuneBase, '--out', out('f1'), '--epochs', '0'], /--epochs must be/],
  ['finetune --batch-size 0', [...finetuneBase, '--out', out('f1'), '--batch-size', '0'], /--batch-size must be/],
  ['finetune --show -1', [...finetuneBase, '--out', out('f1'), '--show', '-1'], /--show must be/],
  ['finetune --out a file', [...finetuneBase, '--out', file], /exists and is not a folder/],
  ['finetune --out under /proc', [...finetuneBase, '--out', '/proc/tstorch-test/run'], /pseudo file system/],
  ['finetune --data missing', ['finetune', 'squeezenet1_1', '--data', missingDir, '--weights', 'none', '--out', out('f1')], /is not a folder/],
  ['finetune --data a file', ['finetune', 'squeezenet1_1', '--data', file, '--weights', 'none', '--out', out('f1')], /is not a folder/],
  ['finetune --weights missing file', [...finetuneBase.filter((_, i) => i !== 5 && i !== 6), '--weights', join(work, 'nope.pth'), '--out', out('f1')], /nope\.pth/],
  ['finetune --weights text file', [...finetuneBase.filter((_, i) => i !== 5 && i !== 6), '--weights', textCk, '--out', out('f1')], /text\.pth/],
  ['finetune a corrupt image', [...withOpt(withOpt(finetuneBase, '--data', corruptFolder), '--max-steps', '0'), '--out', out('f2')], /3-corrupt\.jpg.*--skip-bad-images/],
  ['finetune extra argument', [...finetuneBase, 'extra', '--out', out('f1')], /unexpected argument 'extra'/],
  // predict
  ['predict --topk 0', [...predictBase, goodImage, '--topk', '0'], /--topk must be a whole number at least 1/],
  ['predict --topk -1', [...predictBase, goodImage, '--topk', '-1'], /--topk must be/],
  ['predict --batch-size 0', [...predictBase, goodImage, '--batch-size', '0'], /--batch-size must be/],
  ['predict --engine unknown', [...predictBase, goodImage, '--engine', 'tensorrt'], /--engine must be one of eager, jit, onnxruntime, auto; got 'tensorrt'/],
  ['predict --grid-max 0', [...predictBase, goodImage, '--grid-max', '0'], /--grid-max must be/],
  ['predict --threads 9999', [...predictBase, goodImage, '--threads', '9999'], /--threads must be/],
  ['predict --grid in a missing folder', [...predictBase, goodImage, '--grid', join(missingDir, 'g.png')], /--grid '.*': cannot write .* does not exist/],
  ['predict --grid a folder', [...predictBase, goodImage, '--grid', folder], /is a folder, not a file/],
  ['predict a missing image', [...predictBase, join(work, 'nope.png')], /no such file or folder/],
  ['predict a decompression bomb', [...predictBase, bomb], /bomb\.bmp.*decompression bomb/],
  ['predict a corrupt image', [...predictBase, corruptImage], /corrupt\.png/],
  ['predict a text file', [...predictBase, file], /a-file\.txt/],
  ['predict --weights missing file', ['predict', 'squeezenet1_1', '--weights', join(work, 'nope.pth'), goodImage], /nope\.pth/],
  // summary
  ['summary wrong input channels', ['summary', 'resnet18', '--input', '1,1,224,224'], /resnet18 cannot run on an input of shape \[1, 1, 224, 224\]/],
  ['summary an input too small', ['summary', 'alexnet', '--input', '1,3,16,16'], /alexnet cannot run on an input of shape \[1, 3, 16, 16\]/],
  ['summary --input 1,3,0,0', ['summary', 'resnet18', '--input', '1,3,0,0'], /--input must be 2 to 8 positive integers/],
  ['summary --input a', ['summary', 'resnet18', '--input', 'a'], /--input must be/],
  ['summary --input huge', ['summary', 'resnet18', '--input', '65536,3,65536,65536'], /at most 2\^28 values/],
  ['summary --depth -1', ['summary', 'resnet18', '--depth', '-1'], /--depth must be a whole number at least 0/],
  ['summary --depth 1.5', ['summary', 'resnet18', '--depth', '1.5'], /--depth must be a whole number/],
  ['summary --mode nope', ['summary', 'resnet18', '--mode', 'nope'], /--mode must be one of eval, train/],
  ['summary extra argument', ['summary', 'resnet18', 'extra'], /unexpected argument 'extra'/],
  ['summary unknown model', ['summary', 'resnet1000'], /unknown model 'resnet1000'/],
  // models, doctor, the command itself
  ['models extra argument', ['models', 'resnet*', 'extra'], /unexpected argument 'extra'/],
  ['models --gflops=maybe', ['models', '--gflops=maybe'], /--gflops is a switch/],
  ['doctor extra argument', ['doctor', 'extra'], /unexpected argument 'extra' \(doctor takes options only\)/],
  ['doctor --json=2', ['doctor', '--json=2'], /--json is a switch/],
  ['unknown command', ['trian'], /unknown command 'trian'/],
];

test(`the CLI table: ${cases.length} bad inputs, each one line on stderr and exit code 1, nothing started`, { timeout: 600_000 }, async () => {
  const problems: string[] = [];
  for (const [what, argv, pattern] of cases) {
    let r: { code: number; out: string; err: string };
    try {
      r = await cli(argv);
    } catch (e) {
      problems.push(`${what}: threw (a stack trace): ${(e as Error).stack?.split('\n').slice(0, 3).join(' | ')}`);
      continue;
    }
    // notes (random weights...) and Node's warnings are not errors
    const lines = r.err.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('(node:') && !/^\w+: note: |DecompressionBombWarning|Use `node --trace-warnings/.test(l));
    const message = what === 'unknown command' ? lines[0] ?? '' : lines.join('\n');
    if (r.code !== 1) problems.push(`${what}: exit code ${r.code} (stdout: ${r.out.slice(0, 200)})`);
    else if (what !== 'unknown command' && lines.length !== 1) problems.push(`${what}: ${lines.length} lines on stderr: ${r.err.slice(0, 300)}`);
    else if (!message.startsWith('tstorch: ') || !pattern.test(message)) problems.push(`${what}: '${message}' does not match ${pattern}`);
    else if (/\n\s+at |Error: /.test(message)) problems.push(`${what}: looks like a stack trace: ${message}`);
  }
  assert.deepEqual(problems, []);
  // nothing was created where a check failed
  assert.ok(!existsSync(out('t1')), 'no run folder for a refused train');
  assert.ok(!existsSync(out('f1')), 'no run folder for a refused finetune');
  assert.ok(!existsSync('/proc/tstorch-test'));
});

test('finetune --skip-bad-images logs the corrupt file and trains on the others', { timeout: 300_000 }, async () => {
  const run = out('skip');
  const warnings: string[] = [];
  const onWarning = (w: Error): void => { warnings.push(w.message); };
  process.on('warning', onWarning);
  try {
    const r = await cli([...withOpt(withOpt(finetuneBase, '--data', corruptFolder), '--max-steps', '0'), '--out', run, '--skip-bad-images']);
    assert.equal(r.code, 0, r.err);
  } finally {
    process.off('warning', onWarning);
  }
  assert.ok(existsSync(join(run, 'best.pth')));
  assert.ok(warnings.some((w) => w.includes('3-corrupt.jpg') && /skipping/.test(w)), warnings.join('\n'));
});
