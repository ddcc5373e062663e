// `tstorch models [PATTERN] [--gflops] [--json]`: the zoo's architectures with their parameter counts, GFLOPS
// (giga multiply-adds per image at the weights' crop size, the figure torchvision publishes as GFLOPS from 0.15)
// and published weights (ImageNet top-1, checkpoint file). GFLOPS needs a forward pass per model, so it is
// computed when asked for or when a pattern selects a few models.
import * as torch from '../../index.js';
import { parseArgs, helpText, type OptionSpec } from '../args.js';
import { UserError } from '../errors.js';
import { getModel, getModelWeights, listModels } from '../../vision/models/registry.js';
import '../../vision/models/index.js';
import { classificationModels, inputSizeOptions } from '../../train/zoo-names.js';
import { summary } from '../../vision/models/summary.js';
import { defaultPreset } from '../../train/pretrained.js';

const spec = {
  gflops: { type: 'boolean', default: false, help: 'compute GFLOPS for every listed model (builds each one)' },
  json: { type: 'boolean', default: false, help: 'print JSON' },
} satisfies Record<string, OptionSpec>;

export const help = helpText('models', '[PATTERN] [--gflops] [--json]', spec) +
  "\n\nPATTERN is a glob on the names ('resnet*', 'efficientnet_b?'); with 8 or fewer matches GFLOPS are computed.";

export interface ModelInfo {
  name: string;
  params: number;
  gflops: number | null;
  inputSize: number;
  weights: { name: string; default: boolean; acc1: number | null; acc5: number | null; file: string }[];
}

/** Multiply-adds per image / 1e9 at the model's crop size, from a summary() forward pass on zeros. */
export function modelGflops(name: string): number {
  const size = defaultPreset(name).cropSize[0]!;
  const model = getModel(name, { weights: null, ...inputSizeOptions(name, size) });
  return torch.tidy(() => summary(model, [1, 3, size, size], { depth: 1 }).totalMultAdds / 1e9);
}

export function modelInfo(name: string, withGflops: boolean): ModelInfo {
  let weights: ModelInfo['weights'] = [];
  let params: number | null = null;
  try {
    const e = getModelWeights(name);
    weights = e.values().map((w) => {
      const m = w.meta.metrics['ImageNet-1K'] ?? {};
      return { name: String(w), default: w === e.DEFAULT, acc1: m['acc@1'] ?? null, acc5: m['acc@5'] ?? null, file: w.fileName };
    });
    params = e.DEFAULT.meta.numParams;
  } catch { /* a model without published weights */ }
  if (params === null) params = getModel(name, { weights: null }).numParameters();
  return { name, params, gflops: withGflops ? modelGflops(name) : null, inputSize: defaultPreset(name).cropSize[0]!, weights };
}

export function run(argv: string[]): void {
  const a = parseArgs(argv, spec, 'models', { max: 1 });
  if (a._.length > 1) throw new UserError(`models: expected at most one pattern, got ${a._.join(' ')}`);
  // the classification zoo (segmentation models have no crop size or ImageNet accuracy to show here)
  const matching = new Set(listModels(a._[0] ? { include: a._[0] } : {}));
  const names = classificationModels().filter((n) => matching.has(n));
  if (names.length === 0) throw new UserError(`models: no model matches '${a._[0]}' (try 'tstorch models' for all)`);
  const withGflops = a.gflops || (a._[0] !== undefined && names.length <= 8);
  const infos = names.map((n) => modelInfo(n, withGflops));
  if (a.json) {
    console.log(JSON.stringify(infos, null, 2));
    return;
  }
  const w = Math.max(...infos.map((i) => i.name.length), 5);
  console.log(`${'model'.padEnd(w)}  ${'params'.padStart(8)}  ${'GFLOPS'.padStart(7)}  ${'input'.padStart(5)}  weights (ImageNet-1K acc@1 / acc@5; * = DEFAULT)`);
  for (const i of infos) {
    const ws = i.weights.map((x) => `${x.name.split('.')[1]}${x.default ? '*' : ''}${x.acc1 !== null ? ` ${x.acc1.toFixed(1)}/${x.acc5!.toFixed(1)}` : ''}`);
    console.log(`${i.name.padEnd(w)}  ${(i.params / 1e6).toFixed(1).padStart(7)}M  ${(i.gflops === null ? '-' : i.gflops.toFixed(2)).padStart(7)}  ` +
      `${String(i.inputSize).padStart(5)}  ${ws.join(', ') || '(none published)'}`);
  }
  if (!withGflops) console.log("\nGFLOPS: pass --gflops, or a pattern that selects a few models ('tstorch models resnet50').");
}
