// Issue 2's memory benchmark: train LeNet for 20,000 steps (batch 8, Adam, random data) and sample the
// resident set size every 1,000 steps. Two loops: with tidy() (deterministic freeing) and without it (the
// collector frees handles; each tensor's native bytes are reported to V8 so that it collects in time).
//
//   node --import tsx bench/lenet-memory.ts [--steps 20000] [--every 1000]
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as torch from '../src/index.js';
import { plotCurvesSync } from '../src/vision/utils/plot.js';
import { Net } from './lenet-model.js';

const arg = (name: string, def: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : def;
};
const steps = Number(arg('steps', '20000'));
const every = Number(arg('every', '1000'));
const mib = (b: number): number => Math.round((b / 2 ** 20) * 10) / 10;

function run(mode: 'tidy' | 'gc'): { step: number; rssMiB: number; liveTensors: number }[] {
  torch.manualSeed(0);
  const net = new Net();
  const opt = new torch.optim.Adam(net.parameters(), { lr: 1e-3 });
  const crit = new torch.nn.CrossEntropyLoss();
  const curve: { step: number; rssMiB: number; liveTensors: number }[] = [];
  const body = (): void => {
    const x = torch.randn(8, 3, 32, 32);
    const y = torch.randint(0, 10, [8]);
    opt.zeroGrad();
    const loss = crit.call(net.call(x), y) as torch.Tensor;
    loss.backward();
    opt.step();
  };
  for (let i = 1; i <= steps; i++) {
    if (mode === 'tidy') torch.tidy(body); else body();
    if (i % every === 0 || i === 1) {
      curve.push({ step: i, rssMiB: mib(process.memoryUsage().rss), liveTensors: torch.memoryStats().liveTensors });
    }
  }
  return curve;
}

const out: Record<string, unknown> = { steps };
for (const mode of ['tidy', 'gc'] as const) {
  const curve = run(mode);
  out[mode] = curve;
  const first = curve.find((c) => c.step >= every)!;
  const last = curve[curve.length - 1]!;
  console.log(`${mode}: RSS ${first.rssMiB} MiB at step ${first.step} -> ${last.rssMiB} MiB at step ${last.step}; ` +
    `live tensors ${first.liveTensors} -> ${last.liveTensors}`);
  console.log('  ' + curve.map((c) => `${c.step}:${c.rssMiB}`).join(' '));
}
mkdirSync(fileURLToPath(new URL('./out/', import.meta.url)), { recursive: true });
writeFileSync(fileURLToPath(new URL('./out/lenet-memory.json', import.meta.url)), JSON.stringify(out, null, 2));
const tidyCurve = out.tidy as { step: number; rssMiB: number }[];
const gcCurve = out.gc as { step: number; rssMiB: number }[];
plotCurvesSync({
  title: `LeNet training, batch 8: resident memory over ${steps} steps`, xLabel: 'step', yLabel: 'RSS (MiB)',
  x: tidyCurve.map((c) => c.step),
  series: { 'with tidy()': tidyCurve.map((c) => c.rssMiB), 'collector only': gcCurve.map((c) => c.rssMiB) },
  path: fileURLToPath(new URL('./out/lenet-memory.png', import.meta.url)),
});
console.log('curve: bench/out/lenet-memory.png');
