// Exports a torchvision classifier with tstorch for the web page beside this file: model.onnx (torch.onnx.export,
// a dynamic batch axis) and model.json (the ImageNet class names and the weights' preprocessing, which the page
// applies before running the model in onnxruntime-web).
//
//   npx tsx examples/web/export-model.ts [--model mobilenet_v3_small] [--weights DEFAULT|FILE|none] [--out examples/web/model]
//   npx tsx examples/web/serve.ts            # then open http://127.0.0.1:8080 and drop an image
//
// --weights DEFAULT needs the ImageNet checkpoint (downloaded, or in $TORCH_HOME/hub/checkpoints); FILE is a
// state dict saved by torchvision or tstorch; none keeps the seeded random initialisation (classes mean nothing).
import { parseArgs } from 'node:util';
import { mkdirSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import * as torch from 'tstorch';
import * as vision from 'tstorch/vision';

const { values: args } = parseArgs({
  options: {
    model: { type: 'string', default: 'mobilenet_v3_small' },
    weights: { type: 'string', default: 'DEFAULT' },
    out: { type: 'string', default: join(import.meta.dirname, 'model') },
    opset: { type: 'string', default: String(torch.onnx.DEFAULT_OPSET) },
    seed: { type: 'string', default: '0' },
  },
});

const name = args.model!;
if (!vision.models.listModels().includes(name)) {
  console.error(`export-model: unknown model '${name}' (see npx tstorch models)`);
  process.exit(1);
}
// The weights entry gives the preprocessing and the class names, whichever weights fill the network.
const entry = vision.models.getModelWeights(name).DEFAULT;
torch.manualSeed(Number(args.seed));
let model: torch.nn.Module;
let source: string;
if (args.weights === 'none') {
  model = vision.models.getModel(name, { weights: null });
  source = `random weights, seed ${args.seed}`;
} else if (args.weights === 'DEFAULT') {
  try {
    model = vision.models.getModel(name, { weights: entry });
  } catch (e) {
    console.error(`export-model: no pretrained weights: ${(e as Error).message.split('\n')[0]}`);
    console.error('Offline, pass --weights FILE (a state dict) or --weights none.');
    process.exit(1);
  }
  source = String(entry);
} else {
  model = vision.models.getModel(name, { weights: null });
  model.loadStateDict(torch.load(args.weights!) as torch.nn.StateDict);
  source = args.weights!;
}
model.eval();

const out = args.out!;
mkdirSync(out, { recursive: true });
const t = entry.transformParams;
const opset = Number(args.opset);
torch.onnx.export(model, torch.zeros(1, 3, t.cropSize[0]!, t.cropSize[t.cropSize.length - 1]!), join(out, 'model.onnx'), {
  opsetVersion: opset, inputNames: ['input'], outputNames: ['logits'],
  dynamicAxes: { input: { 0: 'batch' }, logits: { 0: 'batch' } },
});
const meta = {
  model: name, source, opset,
  classes: entry.meta.categories,
  transforms: { resizeSize: t.resizeSize, cropSize: t.cropSize, mean: t.mean, std: t.std, interpolation: t.interpolation },
};
writeFileSync(join(out, 'model.json.tmp'), JSON.stringify(meta));
renameSync(join(out, 'model.json.tmp'), join(out, 'model.json'));
console.log(`wrote ${join(out, 'model.onnx')} and model.json (${name}, ${source}, ${t.interpolation} resize to ${t.resizeSize}, crop ${t.cropSize})`);
