// torch.load speed, tstorch vs PyTorch side by side in one run, on the checkpoints people load: a ResNet-50
// state dict (98 MB, 320 tensors), a training checkpoint with many small tensors (the model, Adam's state and
// metadata of a 2,000-layer MLP: many pickle opcodes and dict keys), and a 1 MiB LONG4 integer (the hostile case
// that took minutes before the big-integer decoding was made linear). Both sides read the same files from the page
// cache; each round times tstorch in this process and PyTorch in a fresh process (its time measured inside
// Python, interpreter start-up excluded), alternating, and the report compares medians.
//
//   node --import tsx bench/checkpoint-load.ts [--rounds 5]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as torch from '../src/index.js';
import { parseArgs } from '../src/cli/args.js';
import { median } from './stats.js';

const PYTHON = process.env.TSTORCH_PYTHON ?? '/usr/bin/python3';
const a = parseArgs(process.argv.slice(2), {
  rounds: { type: 'number', default: 5, integer: true, min: 1, help: 'alternations of tstorch and PyTorch' },
}, 'checkpoint-load');
const dir = mkdtempSync(join(tmpdir(), 'tstorch-bench-load-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

const make = spawnSync(PYTHON, ['-c', `
import torch, torchvision, sys
d = sys.argv[1]
torch.manual_seed(0)
torch.save(torchvision.models.resnet50().state_dict(), d + '/resnet50.pth')
layers = [torch.nn.Linear(8, 8) for _ in range(2000)]
m = torch.nn.Sequential(*layers)
opt = torch.optim.Adam(m.parameters())
m(torch.randn(2, 8)).sum().backward()
opt.step()
torch.save({'model': m.state_dict(), 'optimizer': opt.state_dict(), 'epoch': 3}, d + '/mlp2000.pth')
`, dir], { encoding: 'utf8' });
if (make.status !== 0) throw new Error(make.stderr);
// 1 MiB LONG4: PROTO 2, LONG4 n bytes, STOP, in PyTorch's zip layout
{
  const body = new Uint8Array(1 << 20).map((_, i) => (i * 2654435761) >>> 24);
  const pkl = new Uint8Array(2 + 5 + body.length + 1);
  pkl.set([0x80, 2, 0x8b, 0, 0, 0x10, 0]);
  pkl.set(body, 7);
  pkl[pkl.length - 1] = 0x2e;
  const { checkpointZip } = await import('../test/helpers/hostile-checkpoints.js');
  writeFileSync(join(dir, 'long4.pth'), checkpointZip(pkl));
}
const files = ['resnet50.pth', 'mlp2000.pth', 'long4.pth'];

function timeTstorch(f: string): number {
  const t0 = performance.now();
  const v = torch.load(join(dir, f));
  const ms = performance.now() - t0;
  void v;
  return ms;
}

function timePytorch(f: string): number {
  const r = spawnSync(PYTHON, ['-c', `
import torch, time, sys
torch.load(sys.argv[1])
t = time.perf_counter()
torch.load(sys.argv[1])
print((time.perf_counter() - t) * 1000)
`, join(dir, f)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return Number(r.stdout.trim());
}

const times: Record<string, { tstorch: number[]; pytorch: number[] }> = {};
for (const f of files) {
  times[f] = { tstorch: [], pytorch: [] };
  timeTstorch(f); // warm-up: the page cache, lazy module loading
}
for (let round = 0; round < a.rounds; round++) {
  for (const f of files) {
    times[f]!.tstorch.push(timeTstorch(f));
    times[f]!.pytorch.push(timePytorch(f));
  }
}
console.log(`torch.load, median of ${a.rounds} rounds (tstorch and PyTorch alternating)`);
console.log(`${'file'.padEnd(16)} ${'size'.padStart(9)} ${'tstorch'.padStart(10)} ${'PyTorch'.padStart(10)} ${'ratio'.padStart(7)}`);
for (const f of files) {
  const t = median(times[f]!.tstorch), p = median(times[f]!.pytorch);
  const mb = statSync(join(dir, f)).size / 2 ** 20;
  console.log(`${f.padEnd(16)} ${mb.toFixed(1).padStart(6)} MB ${t.toFixed(1).padStart(7)} ms ${p.toFixed(1).padStart(7)} ms ${(t / p).toFixed(2).padStart(6)}x`);
}
