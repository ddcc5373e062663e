// Issue 3's throughput benchmark: one whole training epoch of the chapter's LeNet recipe on CIFAR-10 (data
// loading and augmentation included: random crop with padding 4, flip, normalise; Adam; shuffled batches),
// `tstorch train` against the same recipe as a PyTorch script with a DataLoader (bench/pytorch/lenet_cifar10.py),
// same batch size and threads, side by side in one run. Reports training images/s of each and the ratio.
//
//   node --import tsx bench/lenet-epoch.ts --data ../shared/data/cifar-10-batches-bin [--batches 8,64] [--threads 1,2] [--workers 0]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PYTHON = process.env.TSTORCH_PYTHON ?? '/usr/bin/python3';
const arg = (name: string, def?: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  if (i >= 0) return process.argv[i + 1]!;
  if (def === undefined) throw new Error(`--${name} is required`);
  return def;
};
const data = arg('data', process.env.TSTORCH_DATA ? join(process.env.TSTORCH_DATA, 'cifar-10-batches-bin') : undefined);
const batches = arg('batches', '8,64').split(',').map(Number);
const threadList = arg('threads', '1,2').split(',').map(Number);
const workers = arg('workers', '0');
const root = fileURLToPath(new URL('..', import.meta.url));

function tstorch(batch: number, threads: number): number {
  const out = mkdtempSync(join(tmpdir(), 'tstorch-bench-'));
  execFileSync(process.execPath, [join(root, 'dist/cli/main.js'), 'train', 'lenet', '--data', data, '--epochs', '1',
    '--batch-size', String(batch), '--threads', String(threads), '--workers', workers, '--max-test', '64', '--out', out, '--log-every', '0'],
  { stdio: ['ignore', 'ignore', 'ignore'] });
  const m = JSON.parse(readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n')[0]!) as { imagesPerSecond: number };
  return m.imagesPerSecond;
}

function pytorch(batch: number, threads: number): number {
  const script = join(root, 'bench/pytorch/lenet_cifar10.py');
  const out = execFileSync(PYTHON, [script, '--data', data, '--epochs', '1', '--batch-size', String(batch), '--threads', String(threads),
    '--workers', workers, '--no-test'], { encoding: 'utf8' });
  return (JSON.parse(out.trim().split('\n')[0]!) as { train_img_per_s: number }).train_img_per_s;
}

const rows: { batch: number; threads: number; tstorch: number; pytorch: number; ratio: number }[] = [];
for (const threads of threadList) {
  for (const batch of batches) {
    const py = pytorch(batch, threads);
    const ts = tstorch(batch, threads);
    rows.push({ batch, threads, tstorch: ts, pytorch: py, ratio: ts / py });
    console.log(`threads ${threads} batch ${String(batch).padStart(3)}: tstorch ${ts.toFixed(0)} img/s, PyTorch ${py.toFixed(0)} img/s, ratio ${(ts / py).toFixed(2)}`);
  }
}
mkdirSync(join(root, 'bench/out'), { recursive: true });
writeFileSync(join(root, 'bench/out/lenet-epoch.json'), JSON.stringify({ workers, rows }, null, 2));
