// `tstorch summary resnet50 [--input 1,3,224,224] [--depth 3] [--weights none|FILE]`: a model's layers with
// output shapes, parameters and multiply-adds (torchinfo's table, from vision.models.summary).
import { parseArgs, helpText, type OptionSpec } from '../args.js';
import { UserError } from '../errors.js';
import { summary } from '../../vision/models/summary.js';
import { defaultPreset, loadZooModel } from '../../train/pretrained.js';

const spec = {
  input: { type: 'string', help: "input shape, comma-separated (default 1,3,S,S with S the weights' crop size)" },
  depth: { type: 'number', default: 3, help: 'nesting depth of the rows' },
  weights: { type: 'string', default: 'none', help: "weights to load first: 'none', DEFAULT, a published name or a checkpoint file" },
  mode: { type: 'string', default: 'eval', help: 'module mode during the forward pass', choices: ['eval', 'train'] },
} satisfies Record<string, OptionSpec>;

export const help = helpText('summary', '<model> [options]', spec);

export async function run(argv: string[]): Promise<void> {
  const a = parseArgs(argv, spec, 'summary');
  const name = a._[0];
  if (!name) throw new UserError("summary: name a model, e.g. 'tstorch summary resnet50' (see 'tstorch models')");
  if (a._.length > 1) throw new UserError(`summary: unexpected argument '${a._[1]}'`);
  if (!Number.isInteger(a.depth) || a.depth < 0) throw new UserError(`summary: --depth must be a non-negative integer, got ${a.depth}`);
  const loaded = await loadZooModel(name, a.weights!);
  let shape: number[];
  if (a.input !== undefined) {
    shape = a.input.split(',').map((s) => Number(s.trim()));
    if (shape.length < 2 || shape.some((v) => !Number.isInteger(v) || v < 1)) throw new UserError(`summary: --input must be positive integers like 1,3,224,224; got '${a.input}'`);
  } else {
    const s = defaultPreset(name).cropSize[0]!;
    shape = [1, 3, s, s];
  }
  console.log(String(summary(loaded.model, shape, { depth: a.depth, mode: a.mode as 'eval' | 'train' })));
}
