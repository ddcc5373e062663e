// One training step of a torchvision classifier in ONE process (zeroGrad, forward, cross-entropy, backward, SGD with
// momentum), tstorch vs PyTorch. The two sides run at the same time, each pinned to a core of its own (taskset),
// and the cores are swapped every round, so both sample the same seconds of a noisy machine. Each side reports the
// median forward, backward, optimizer and whole-step times over its timed steps, and its minor page faults per step.
//
// Why at the same time: steps of ResNet-18 at batch 32 drift by 10-20 % from one minute to the next on this
// machine. Rounds run one after the other then spread by more than the gap they measure. bench/ddp-step.ts
// --paired solves this for DDP worlds by handing turns between them. Here each side gets a core of its own, so they
// can run together.
//
// The bench needs two cores for that. With one core, the sides run one after the other, which it says.
//
//   node --import tsx bench/train-step.ts [--model resnet18] [--batch 32] [--size 32] [--steps 60] [--warmup 10]
//       [--rounds 4] [--threads 1] [--tstorch-env 'K=V;K2=V2'] [--pytorch-env 'K=V']
//
// A PyTorch process's steps depend on glibc's state. PyTorch frees its activations with free(), and glibc unmaps
// each block above its mmap threshold (128 kB at start), so every step maps and zeroes them again: ResNet-18 at
// batch 32 takes about 13,700 page faults a step. The threshold rises (up to 32 MB) once the process frees a
// mapped block of that size. Freeing one 20 MB tensor before the loop leaves PyTorch with no faults at all, and so
// does the DDP bench's reference worker: it frees NumPy's 30 MB copy of the CIFAR-10 file. `--pytorch-env 'GLIBC_TUNABLES=glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=268435456'`
// gives the PyTorch side that heap from the start.
//
// `--worker` runs one side's steps (the bench starts it): it prints `ready` once the model is built, waits for a
// line on stdin, runs the steps, and prints one JSON line.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import * as torch from '../src/index.js';
import { parseArgs } from '../src/cli/args.js';
import { getModel } from '../src/vision/models/index.js';
import { median } from './stats.js';

const a = parseArgs(process.argv.slice(2), {
  model: { type: 'string', default: 'resnet18', help: 'a torchvision classifier (10 classes)' },
  batch: { type: 'number', default: 32, help: 'images per step' },
  size: { type: 'number', default: 32, help: 'image height and width' },
  steps: { type: 'number', default: 60, help: 'timed steps per round' },
  warmup: { type: 'number', default: 10, help: 'untimed steps first' },
  rounds: { type: 'number', default: 4, help: 'rounds; the cores swap every round' },
  threads: { type: 'number', default: 1, help: 'intra-op threads for both' },
  tstorchEnv: { type: 'string', default: '', help: 'KEY=VALUE pairs, separated by ";", added to the tstorch side\'s environment' },
  pytorchEnv: { type: 'string', default: '', help: 'KEY=VALUE pairs, separated by ";", added to the PyTorch side\'s environment' },
  worker: { type: 'boolean', default: false, help: 'run the tstorch side (started by the bench)' },
}, 'train-step');

/** One side's result: medians of the timed steps in ms, and minor page faults per timed step. */
interface Side { forward: number; backward: number; optimizer: number; whole: number; faultsPerStep: number }

async function worker(): Promise<void> {
  torch.setNumThreads(a.threads);
  torch.manualSeed(0);
  const m = (getModel(a.model!, { numClasses: 10 }) as torch.nn.Module).train();
  const opt = new torch.optim.SGD(m.parameters(), { lr: 0.01, momentum: 0.9 });
  const x = torch.randn([a.batch, 3, a.size, a.size]);
  const y = torch.randint(0, 10, [a.batch]);
  const F = torch.nn.functional;
  const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
  console.log('ready');
  // stdin closed before the go line: the bench has stopped, so there is nothing to time
  if ((await lines.next()).done) process.exit(1);
  const t = { forward: [] as number[], backward: [] as number[], optimizer: [] as number[], whole: [] as number[] };
  let faults = 0;
  for (let i = 0; i < a.warmup + a.steps; i++) {
    const f0 = process.resourceUsage().minorPageFault;
    const t0 = performance.now();
    opt.zeroGrad({ setToNone: false });
    let t2 = 0;
    const t1 = performance.now();
    torch.tidy(() => {
      const loss = F.crossEntropy(m.call(x), y);
      t2 = performance.now();
      loss.backward();
    });
    // tstorch's backward phase also holds the end of the step's tidy scope (its temporaries freed); PyTorch frees
    // them as their references drop, inside its own phases
    const t3 = performance.now();
    opt.step();
    const t4 = performance.now();
    if (i < a.warmup) continue;
    faults += process.resourceUsage().minorPageFault - f0;
    t.forward.push(t2 - t1);
    t.backward.push(t3 - t2);
    t.optimizer.push(t4 - t3);
    t.whole.push(t4 - t0);
  }
  const side: Side = {
    forward: median(t.forward), backward: median(t.backward), optimizer: median(t.optimizer), whole: median(t.whole),
    faultsPerStep: faults / a.steps,
  };
  console.log(JSON.stringify(side));
  process.exit(0);
}

/** `K=V;K2=V2` as an object; a pair without `=` is an error naming the option. */
function envPairs(option: string, text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of text.split(';').filter((x) => x !== '')) {
    const i = pair.indexOf('=');
    if (i <= 0) throw new Error(`train-step: --${option} wants KEY=VALUE pairs separated by ';', got '${pair}'`);
    out[pair.slice(0, i)] = pair.slice(i + 1);
  }
  return out;
}

// the sides still running; if the bench stops early (a side failed), they are stopped with it
const children = new Set<ChildProcess>();
process.on('exit', () => { for (const c of children) c.kill(); });

/** Starts a side pinned to `core` (or unpinned); resolves once it is ready, with a function that runs it. */
function start(cmd: string, args: string[], core: number | null, label: string, env: Record<string, string>): Promise<() => Promise<Side>> {
  const argv = core === null ? [cmd, ...args] : ['taskset', '-c', String(core), cmd, ...args];
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, ...env } });
  children.add(child);
  const exited = once(child, 'exit').finally(() => children.delete(child));
  exited.catch(() => {}); // a spawn error is reported by next(), which may start waiting only after it
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async (): Promise<string> => {
    const r = await lines.next();
    if (!r.done) return r.value as string;
    const [code, signal] = await exited.catch((e: Error) => { throw new Error(`${label}: ${e.message}`); });
    throw new Error(`${label} exited (${signal ?? `code ${code}`}) before its result`);
  };
  return (async () => {
    while ((await next()) !== 'ready');
    return async (): Promise<Side> => {
      child.stdin.write('go\n');
      for (;;) {
        const l = await next();
        if (l.startsWith('{')) return JSON.parse(l) as Side;
      }
    };
  })();
}

async function bench(): Promise<void> {
  const pinned = availableParallelism() >= 2;
  const tsEnv = envPairs('tstorch-env', a.tstorchEnv!);
  const ptEnv = envPairs('pytorch-env', a.pytorchEnv!);
  const common = ['--model', a.model!, '--batch', String(a.batch), '--size', String(a.size), '--steps', String(a.steps),
    '--warmup', String(a.warmup), '--threads', String(a.threads)];
  const self = fileURLToPath(import.meta.url);
  const py = fileURLToPath(new URL('./pytorch/train_step.py', import.meta.url));
  const rounds: { round: number; cores: string; load: number; tstorch: Side; pytorch: Side; ratio: number }[] = [];
  console.log(`${a.model} training step, batch ${a.batch} at ${a.size}x${a.size}, ${a.threads} thread(s), ${a.steps} timed steps a round, ` +
    (pinned ? 'both sides at once on cores of their own' : 'one core: the sides one after the other') +
    (a.tstorchEnv ? `; tstorch with ${a.tstorchEnv}` : '') + (a.pytorchEnv ? `; PyTorch with ${a.pytorchEnv}` : ''));
  for (let r = 0; r < a.rounds; r++) {
    const [tc, pc] = pinned ? (r % 2 === 0 ? [0, 1] : [1, 0]) : [null, null];
    const load = loadavg()[0]!;
    const ts = start(process.execPath, ['--import', 'tsx', self, '--worker', ...common], tc, 'the tstorch side', tsEnv);
    const pt = start(process.env.TSTORCH_PYTHON ?? '/usr/bin/python3', [py, ...common], pc, 'the PyTorch side', ptEnv);
    const [runTs, runPt] = await Promise.all([ts, pt]);
    let tstorch: Side;
    let pytorch: Side;
    if (pinned) [tstorch, pytorch] = await Promise.all([runTs(), runPt()]);
    else if (r % 2 === 0) { tstorch = await runTs(); pytorch = await runPt(); } else { pytorch = await runPt(); tstorch = await runTs(); }
    const row = { round: r + 1, cores: pinned ? `tstorch ${tc}, PyTorch ${pc}` : 'one after the other', load, tstorch, pytorch, ratio: pytorch.whole / tstorch.whole };
    rounds.push(row);
    const ph = (s: Side): string => `${s.forward.toFixed(1)} / ${s.backward.toFixed(1)} / ${s.optimizer.toFixed(1)} ms, ${s.faultsPerStep.toFixed(0)} faults`;
    console.log(`round ${r + 1} (${row.cores}, load ${load.toFixed(1)}): step ${tstorch.whole.toFixed(1)} vs ${pytorch.whole.toFixed(1)} ms, ` +
      `ratio ${row.ratio.toFixed(2)}; forward / backward / optimizer ${ph(tstorch)} vs ${ph(pytorch)}`);
  }
  const med = (f: (s: Side) => number, side: 'tstorch' | 'pytorch'): number => median(rounds.map((x) => f(x[side])));
  const summary = Object.fromEntries((['forward', 'backward', 'optimizer', 'whole', 'faultsPerStep'] as const).map((k) =>
    [k, { tstorch: med((s) => s[k], 'tstorch'), pytorch: med((s) => s[k], 'pytorch') }]));
  const ratios = rounds.map((x) => x.ratio);
  console.log(`median of round ratios (PyTorch / tstorch, above 1: tstorch faster): ${median(ratios).toFixed(2)} ` +
    `(${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)}, ${ratios.filter((q) => q >= 1).length} of ${ratios.length} at or above 1)`);
  for (const [k, v] of Object.entries(summary)) console.log(`  ${k}: tstorch ${v.tstorch.toFixed(1)}, PyTorch ${v.pytorch.toFixed(1)}`);
  const dir = fileURLToPath(new URL('./out/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}train-step.json`, JSON.stringify({ config: { ...a, _: undefined, pinned }, rounds, summary }, null, 1));
}

await (a.worker ? worker() : bench());
