// One optimizer step over all of a torchvision model's parameters, tstorch vs PyTorch side by side: the update
// alone (fixed random gradients set once, no forward or backward), SGD with momentum and Adam by default, one
// thread each. tstorch runs SGD's update in one pass per parameter (src/native/fused_sgd.cc) and the others' as
// foreach passes over cache-sized ranges of parameters (Optimizer.updateGroup); PyTorch 1.13 loops over the
// parameters one at a time, several operators each. Rounds alternate which side goes
// first; the PyTorch side is one long-lived process (bench/python-peer.ts). Medians of every timed step.
//
//   node --import tsx bench/optimizer-step.ts [--model resnet18] [--optimizers sgd,adam] [--steps 30] [--warmup 5]
//       [--rounds 4] [--threads 1]
import * as torch from '../src/index.js';
import { parseArgs } from '../src/cli/args.js';
import { getModel } from '../src/vision/models/index.js';
import { bothSides, PythonPeer } from './python-peer.js';
import { median } from './stats.js';
import { loadavg } from 'node:os';

const a = parseArgs(process.argv.slice(2), {
  model: { type: 'string', default: 'resnet18', help: 'a torchvision classifier' },
  optimizers: { type: 'string', default: 'sgd,adam', help: 'sgd, adam, adamw' },
  steps: { type: 'number', default: 30, help: 'timed steps per round and optimizer' },
  warmup: { type: 'number', default: 5, help: 'untimed steps first, each round' },
  rounds: { type: 'number', default: 4, help: 'alternations of tstorch and PyTorch' },
  threads: { type: 'number', default: 1, help: 'intra-op threads for both' },
}, 'optimizer-step');
torch.setNumThreads(a.threads);

function make(name: string, params: torch.Tensor[]): torch.optim.Optimizer<any> {
  if (name === 'sgd') return new torch.optim.SGD(params, { lr: 0.01, momentum: 0.9 });
  if (name === 'adam') return new torch.optim.Adam(params, { lr: 1e-3 });
  if (name === 'adamw') return new torch.optim.AdamW(params, { lr: 1e-3, weightDecay: 0.01 });
  throw new Error(`unknown optimizer '${name}' (sgd, adam, adamw)`);
}

const names = a.optimizers!.split(',');
const optimizers = new Map<string, torch.optim.Optimizer<any>>();
for (const name of names) {
  torch.manualSeed(0);
  const params = (getModel(a.model!) as torch.nn.Module).parameters();
  for (const p of params) p.grad = torch.randnLike(p);
  optimizers.set(name, make(name, params));
}
const mb = (4 * (getModel(a.model!) as torch.nn.Module).parameters().reduce((s: number, p: torch.Tensor) => s + p.numel(), 0)) / 2 ** 20;

const peer = new PythonPeer(new URL('./pytorch/optimizer_step.py', import.meta.url).pathname);
const times = new Map<string, { tstorch: number[]; pytorch: number[] }>(names.map((n) => [n, { tstorch: [], pytorch: [] }]));
const load = [loadavg()[0]!];
for (let r = 0; r < a.rounds; r++) {
  await bothSides(r, () => {
    for (const [name, opt] of optimizers) {
      for (let i = 0; i < a.warmup; i++) opt.step();
      for (let i = 0; i < a.steps; i++) {
        const t0 = performance.now();
        opt.step();
        times.get(name)!.tstorch.push(performance.now() - t0);
      }
    }
  }, async () => {
    const out = await peer.run<{ optimizer: string; times_ms: number[] }>(['--model', a.model!, '--optimizers', a.optimizers!,
      '--steps', String(a.steps), '--warmup', String(a.warmup), '--threads', String(a.threads)]);
    for (const o of out) times.get(o.optimizer)!.pytorch.push(...o.times_ms);
  });
  load.push(loadavg()[0]!);
  process.stderr.write(`round ${r + 1}/${a.rounds} done\n`);
}
await peer.close();
console.log(`\`node --import tsx bench/optimizer-step.ts ${process.argv.slice(2).join(' ')}\` (${a.model}, ${mb.toFixed(1)} MB of float32 parameters, ${a.threads} thread(s); load ${load.map((l) => l.toFixed(1)).join(', ')})\n`);
console.log('| optimizer | tstorch ms / step (median) | PyTorch ms / step (median) | ratio (PyTorch / tstorch) | min ms tstorch / PyTorch |');
console.log('| --- | ---: | ---: | ---: | ---: |');
for (const [name, t] of times) {
  const ts = median(t.tstorch), py = median(t.pytorch);
  console.log(`| ${name} | ${ts.toFixed(2)} | ${py.toFixed(2)} | ${(py / ts).toFixed(2)} | ${Math.min(...t.tstorch).toFixed(2)} / ${Math.min(...t.pytorch).toFixed(2)} |`);
}
