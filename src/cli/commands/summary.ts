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
  const a = parseArgs(argv, spec, 'summary', { max: 1 });
  const name = a._[0];
  if (!name) throw new UserError("summary: name a model, e.g. 'tstorch summary resnet50' (see 'tstorch models')");
  const loaded = await loadZooModel(name, a.weights!);
  let shape: number[];
  if (a.input !== undefined) {
    shape = a.input.split(',').map((s) => (s.trim() === '' ? NaN : Number(s.trim())));
    if (shape.length < 2 || shape.length > 8 || shape.some((v) => !Number.isInteger(v) || v < 1 || v > 65_536) || shape.reduce((x, y) => x * y, 1) > 2 ** 28) {
      throw new UserError(`summary: --input must be 2 to 8 positive integers like 1,3,224,224 (at most 2^28 values); got '${a.input}'`);
    }
  } else {
    const s = defaultPreset(name).cropSize[0]!;
    shape = [1, 3, s, s];
  }
  let table;
  try {
    table = summary(loaded.model, shape, { depth: a.depth, mode: a.mode as 'eval' | 'train' });
  } catch (e) {
    // an input the model cannot take (wrong channels, too small for its pooling): the user's to fix
    throw new UserError(`summary: ${name} cannot run on an input of shape [${shape.join(', ')}]: ${(e as Error).message.split('\n')[0]}`);
  }
  console.log(String(table));
}
