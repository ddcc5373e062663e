// PyTorch's "Learn the Basics: Save and Load the Model", ported statement by statement; the Python original is
// python/basics_saveload.py and test/tutorials.test.ts runs both and compares what they print.
// Statements that needed a form other than the mechanical port are marked "// not mechanical: why".
// The ImageNet weights are read from $TORCH_HOME/hub/checkpoints (downloaded when missing, as in PyTorch).
// tstorch does not write whole pickled modules (torch.save(model) is an error that points to stateDict()), but
// it reads the file Python's torch.save(model) wrote: run python/basics_saveload.py with the same --out first.
//
//   npx tsx examples/tutorials/basics-saveload.ts [--arch vgg16] [--out .]
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as torch from 'tstorch';
import * as vision from 'tstorch/vision';

const models = vision.models;

const { values: args } = parseArgs({ // side by side
  options: { arch: { type: 'string', default: 'vgg16' }, out: { type: 'string', default: '.' } },
});
torch.manualSeed(0); // side by side
const x = torch.rand(1, 3, 64, 64); // side by side

function show(model: torch.nn.Module): void { // side by side
  console.log(`${model.constructor.name}: output[0, :4] ${model.call(x).index(0, ':4')}, argmax ${model.call(x).argmax().item()}`);
}

let model = models.getModel(args.arch!, { weights: 'IMAGENET1K_V1' }); // side by side: models.vgg16({ weights: 'IMAGENET1K_V1' })
torch.save(model.stateDict(), join(args.out!, 'model_weights.pth')); // side by side: 'model_weights.pth'

model = models.getModel(args.arch!); // side by side: models.vgg16(); we do not specify weights, i.e. create untrained model
console.log(model.loadStateDict(torch.load(join(args.out!, 'model_weights.pth')))); // side by side: print
console.log(model.eval()); // side by side: print
show(model); // side by side

// torch.save(model, 'model.pth'); // not mechanical: tstorch saves state dicts, not pickled Python modules; Python's torch.save(model) wrote model.pth

model = torch.load(join(args.out!, 'model.pth')); // side by side: 'model.pth'
show(model); // side by side
