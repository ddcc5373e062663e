// Inference engines side by side in one run, same threads: tstorch's eager, jit (TorchScript frozen and
// optimized for inference) and onnxruntime engines, `auto` (what `tstorch predict --engine auto` picks),
// ONNX Runtime's own session on the very file tstorch exported (onnxruntime-node, no tstorch in between), and
// PyTorch 1.13 eager (bench/pytorch/zoo_inference.py). Random weights, a random input of 224x224.
//
// The machine is shared and drifts, so the sides alternate: each round times every engine, then ORT's own
// session, then a fresh PyTorch process; the report compares medians over all rounds.
//
//   node --import tsx bench/deploy-inference.ts [--models resnet50,mobilenet_v2,vgg13,efficientnet_b0]
//       [--batch-sizes 1,8] [--threads 2] [--rounds 2] [--iters 5] [--warmup 1]
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as torch from '../src/index.js';
import { parseArgs } from '../src/cli/args.js';
import { getModel } from '../src/vision/models/index.js';
import { median } from './stats.js';
import { mkdirSync as makeOutFolder } from 'node:fs';
makeOutFolder(new URL('./out/', import.meta.url), { recursive: true }); // the default --out folder (git ignores it)

const PYTHON = process.env.TSTORCH_PYTHON ?? '/usr/bin/python3';
const a = parseArgs(process.argv.slice(2), {
  models: { type: 'string', default: 'resnet50,mobilenet_v2,vgg13,efficientnet_b0', help: 'models' },
  batchSizes: { type: 'string', default: '1,8', help: 'batch sizes' },
  threads: { type: 'number', default: 2, help: 'intra-op threads for every side' },
  rounds: { type: 'number', default: 2, help: 'alternations of all sides per model' },
  iters: { type: 'number', default: 5, help: 'timed passes per round, side and batch size' },
  warmup: { type: 'number', default: 1, help: 'untimed passes first, each round' },
  out: { type: 'string', default: 'bench/out/deploy-inference.json', help: 'JSON report', path: 'outFile' },
}, 'deploy-inference');
torch.setNumThreads(a.threads);
const ort = await torch.inference.loadOnnxRuntime();
if (!ort) throw new Error('this benchmark needs onnxruntime-node');
const models = a.models!.split(',');
const batches = a.batchSizes!.split(',').map(Number);
const SIDES = ['eager', 'jit', 'onnxruntime', 'auto', 'ort-session', 'pytorch'] as const;
type Side = (typeof SIDES)[number];
interface Row { model: string; batch: number; times: Record<Side, number[]>; auto: string }
const rows: Row[] = [];
mkdirSync('bench/out', { recursive: true });

async function timeIt(run: () => Promise<unknown>, into: number[]): Promise<void> {
  for (let w = 0; w < a.warmup; w++) await run();
  for (let i = 0; i < a.iters; i++) {
    const t0 = performance.now();
    await run();
    into.push(performance.now() - t0);
  }
}

for (const name of models) {
  torch.manualSeed(0);
  const model = getModel(name, { weights: null }).eval();
  const file = `bench/out/${name}.onnx`;
  torch.onnx.export(model, torch.zeros(1, 3, 224, 224), file, { dynamicAxes: { input: { 0: 'batch' }, output: { 0: 'batch' } } });
  const session = await ort.InferenceSession.create(file, torch.inference.sessionOptions(a.threads));
  for (const bs of batches) {
    const x = torch.randn(bs, 3, 224, 224);
    const engines: Partial<Record<Side, torch.inference.InferenceEngine>> = {};
    for (const e of ['eager', 'jit', 'onnxruntime', 'auto'] as const) {
      engines[e] = await torch.inference.compile(model, { engine: e, exampleInput: x, threads: a.threads });
    }
    const xb = x.contiguous().toBytes();
    const feed = { input: new ort.Tensor('float32', new Float32Array(xb.buffer, xb.byteOffset, xb.byteLength / 4), x.shape) };
    const row: Row = { model: name, batch: bs, times: Object.fromEntries(SIDES.map((s) => [s, []])) as unknown as Row['times'], auto: engines.auto!.engine };
    rows.push(row);
    for (let round = 0; round < a.rounds; round++) {
      for (const e of ['eager', 'jit', 'onnxruntime', 'auto'] as const) {
        await timeIt(async () => (await engines[e]!.run(x)).dispose(), row.times[e]);
      }
      await timeIt(async () => { const r = await session.run(feed); for (const v of Object.values(r)) v.dispose(); }, row.times['ort-session']);
      const py = spawnSync(PYTHON, ['bench/pytorch/zoo_inference.py', '--models', name, '--batch-sizes', String(bs),
        '--iters', String(a.iters), '--warmup', String(a.warmup), '--threads', String(a.threads)], { encoding: 'utf8' });
      if (py.status !== 0) throw new Error(`PyTorch side failed:\n${py.stderr}`);
      for (const l of py.stdout.split('\n').filter((l) => l.trim())) row.times.pytorch.push(...(JSON.parse(l) as { times_ms: number[] }).times_ms);
      console.error(`round ${round + 1}/${a.rounds} ${name} batch ${bs}: ` + SIDES.map((s) => `${s} ${median(row.times[s]).toFixed(1)} ms`).join(', '));
    }
    for (const e of Object.values(engines)) e.dispose();
    x.dispose();
  }
  await session.release();
}

const report = rows.map((r) => {
  const ms = Object.fromEntries(SIDES.map((s) => [s, median(r.times[s])])) as Record<Side, number>;
  const imgS = (s: Side): number => (r.batch * 1000) / ms[s];
  return {
    model: r.model, batch: r.batch, autoEngine: r.auto, medianMs: ms,
    imgS: Object.fromEntries(SIDES.map((s) => [s, imgS(s)])),
    autoVsOrtSession: imgS('auto') / imgS('ort-session'), autoVsPytorch: imgS('auto') / imgS('pytorch'), jitVsPytorch: imgS('jit') / imgS('pytorch'),
  };
});
const command = `node --import tsx bench/deploy-inference.ts ${process.argv.slice(2).join(' ')}`.trim();
writeFileSync(a.out!, JSON.stringify({ command, threads: a.threads, rounds: a.rounds, iters: a.iters, warmup: a.warmup, rows: report }, null, 2) + '\n');
console.log(`\`${command}\` (${a.threads} threads; ${a.rounds} alternating rounds of ${a.iters} timed passes after ${a.warmup} warm-up; img/s from medians)\n`);
console.log('| model | batch | tstorch auto (picks) | jit | eager | onnxruntime engine | ORT own session | PyTorch eager | auto / ORT | auto / PyTorch | jit / PyTorch |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const r of report) {
  const f = (s: Side): string => (r.imgS[s] as number).toFixed(1);
  console.log(`| ${r.model} | ${r.batch} | ${f('auto')} (${r.autoEngine}) | ${f('jit')} | ${f('eager')} | ${f('onnxruntime')} | ${f('ort-session')} | ${f('pytorch')} | ` +
    `${r.autoVsOrtSession.toFixed(2)} | ${r.autoVsPytorch.toFixed(2)} | ${r.jitVsPytorch.toFixed(2)} |`);
}
