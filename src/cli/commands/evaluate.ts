// `tstorch evaluate runs/NAME/best.pth --dataset cifar10 --data DIR`: overall and per-class accuracy and the
// confusion matrix of a checkpoint on a test set, printed and written as JSON.
import { existsSync, statSync } from 'node:fs';
import { join, dirname } from 'node:path';
import * as torch from '../../index.js';
import { parseArgs, helpText, type OptionSpec } from '../args.js';
import { UserError } from '../errors.js';
import { evaluate } from '../../train/classifier.js';
import { formatReport } from '../../train/metrics.js';
import { configBeside } from '../../train/run-dir.js';
import { buildModel } from '../../train/models.js';
import { openDataset, DATASETS, type DatasetName } from '../../train/datasets.js';
import { loadCheckpointStateDict } from '../../train/checkpoint.js';
import { useThreads } from '../../train/threads.js';
import { writeTextAtomic } from '../../serialization/atomic.js';

const spec = {
  model: { type: 'string', help: 'architecture (default: from config.json beside the checkpoint, else lenet)' },
  dataset: { type: 'string', help: 'the data set (default: from config.json beside the checkpoint)', choices: DATASETS },
  data: { type: 'string', help: 'folder of the data set (else $TSTORCH_DATA, else ./data)' },
  download: { type: 'boolean', default: false, help: 'download the official archive when the files are missing' },
  batchSize: { type: 'number', default: 64, help: 'batch size' },
  maxTest: { type: 'number', default: 0, help: 'evaluate on at most this many images (0: all)' },
  json: { type: 'string', help: 'write the report here (default: eval-<dataset>.json beside the checkpoint)' },
  threads: { type: 'number', default: 0, help: 'libtorch intra-op threads (0: all cores)' },
} satisfies Record<string, OptionSpec>;

export const help = helpText('evaluate', '<checkpoint.pth> [options]', spec);

export async function run(argv: string[]): Promise<void> {
  const a = parseArgs(argv, spec, 'evaluate', { max: 1 });
  const ckpt = a._[0];
  if (!ckpt) throw new UserError('evaluate: name a checkpoint, e.g. tstorch evaluate runs/lenet-cifar10/best.pth');
  if (!existsSync(ckpt)) throw new UserError(`evaluate: no such checkpoint: ${ckpt}`);
  if (!statSync(ckpt).isFile()) throw new UserError(`evaluate: ${ckpt} is not a file`);
  useThreads(a.threads, 'evaluate');
  const cfg = configBeside(ckpt);
  const dataset = (a.dataset ?? cfg?.dataset ?? 'cifar10') as DatasetName;
  const modelName = a.model ?? cfg?.model ?? 'lenet';
  const data = openDataset(dataset, { root: a.data, download: a.download, augment: false, trainSet: false });
  const model = buildModel(modelName, { numClasses: data.classes.length, inChannels: data.channels });
  const sd = loadCheckpointStateDict(ckpt);
  try {
    model.loadStateDict(sd);
  } catch (e) {
    throw new UserError(`evaluate: ${ckpt} does not fit ${modelName}: ${(e as Error).message.replace(/\n\s*/g, ' ')}`);
  }
  const loader = new torch.utils.data.DataLoader(data.test, { batchSize: a.batchSize });
  const r = await evaluate({ model, loader, classes: data.classes, maxSteps: a.maxTest > 0 ? Math.ceil(a.maxTest / a.batchSize) : undefined });
  const report = r.confusion.report();
  console.log(formatReport(report));
  const out = a.json ?? join(dirname(ckpt), `eval-${dataset}.json`);
  writeTextAtomic(out, JSON.stringify({ checkpoint: ckpt, model: modelName, dataset, ...report }, null, 2) + '\n');
  console.log(`\nreport written to ${out}`);
}
