// PyTorch's "Learn the Basics: Transforms", ported statement by statement; the Python original is
// python/basics_transforms.py and test/tutorials.test.ts runs both and compares what they print.
// Statements that needed a form other than the mechanical port are marked "// not mechanical: why".
//
//   npx tsx examples/tutorials/basics-transforms.ts --data data
import { parseArgs } from 'node:util';
import * as torch from 'tstorch';
import * as vision from 'tstorch/vision';

const { datasets } = vision;
const { ToTensor, Lambda } = vision.transforms;

const { values: args } = parseArgs({ options: { data: { type: 'string', default: 'data' } } }); // side by side

const ds = new datasets.FashionMNIST({
  root: args.data!, // side by side
  train: true,
  download: true,
  transform: new ToTensor(),
  targetTransform: new Lambda((y: number) => torch.zeros(10, { dtype: torch.float }).scatter_(0, torch.tensor(y, { dtype: torch.int64 }), { value: 1 })), // not mechanical: torch.tensor(y) of a JavaScript number is float32, an index must be int64
});

const [img, target] = ds.at(0); // side by side
console.log(img.shape, img.dtype, `${torch.format(img.min().item(), '.4f')} ${torch.format(img.max().item(), '.4f')} ${torch.format(img.mean().item(), '.6f')}`); // side by side
console.log(target); // side by side
