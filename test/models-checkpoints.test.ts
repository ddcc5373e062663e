// Checkpoints made by torchvision 0.14 load into every zoo architecture: PyTorch builds each model from a fixed
// seed and saves model.state_dict() twice, in the legacy format (PyTorch < 1.6, _use_new_zipfile_serialization=
// False) and in the zip format; `vision.models.<builder>({weights: file})` loads each file strictly, and the
// eval-mode logits for a fixed input equal PyTorch's (1e-4 of the largest logit).
// Models over 60M parameters (VGG, AlexNet, the big RegNets, ResNeXts, ConvNeXts...) with TSTORCH_HEAVY_TESTS=1.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, openSync, readSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as torch from '../src/index.js';
import * as models from '../src/vision/models/index.js';
import { runPython } from './helpers/pytorch.js';
import { assertLogitsClose } from './helpers/zoo.js';
import { HEAVY_TESTS } from './helpers/zoo-structure.js';

const builders = models as unknown as Record<string, (o?: Record<string, unknown>) => torch.nn.Module>;
const NUM_CLASSES = 10;
const names = models.listModels({ module: models }).filter((n) => HEAVY_TESTS || models.getModelWeights(n).DEFAULT.meta.numParams <= 60e6);
// without init_weights torchvision 0.14 warns that the default will change, then initialises anyway
const initWeights = new Set(['googlenet', 'inception_v3']);
// Inception v3's smallest input; the ViTs and MaxViT are built for 224x224
const inputOf = (n: string): 'x75' | 'x64' | 'x224' => (n === 'inception_v3' ? 'x75' : /^(vit_|maxvit_)/.test(n) ? 'x224' : 'x64');

torch.manualSeed(5);
const inputs = { x64: torch.randn([1, 3, 64, 64]), x75: torch.randn([1, 3, 75, 75]), x224: torch.randn([1, 3, 224, 224]) };
const dir = mkdtempSync(join(tmpdir(), 'tstorch-ckpt-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const file = (n: string, format: 'legacy' | 'zip'): string => join(dir, `${n}-${format}.pth`);

// One Python process builds, saves and runs every model in turn (one model in memory at a time).
const ref = runPython(String.raw`
for i, s in enumerate(J):
    torch.manual_seed(100 + i)
    kw = {'num_classes': s['numClasses']}
    if s['initWeights']:
        kw['init_weights'] = True
    m = getattr(torchvision.models, s['name'])(**kw).eval()
    sd = m.state_dict()
    torch.save(sd, s['legacy'], _use_new_zipfile_serialization=False)
    torch.save(sd, s['zip'])
    if s['name'] == 'resnet18':
        # strictness: a key missing (legacy format), a key too many (zip format)
        torch.save({k: v for k, v in sd.items() if k != 'fc.bias'}, s['missing'], _use_new_zipfile_serialization=False)
        torch.save({**sd, 'fc.scale': torch.ones(1)}, s['unexpected'])
    with torch.no_grad():
        OUT[s['name']] = m(T[s['input']])
    del m, sd
`, {
  tensors: inputs,
  json: names.map((n) => ({ name: n, numClasses: NUM_CLASSES, initWeights: initWeights.has(n), input: inputOf(n), legacy: file(n, 'legacy'), zip: file(n, 'zip'),
    missing: join(dir, 'resnet18-missing.pth'), unexpected: join(dir, 'resnet18-unexpected.pth') })),
}, { timeoutMs: 600_000 });

function head(path: string): string {
  const fd = openSync(path, 'r');
  try {
    const b = Buffer.alloc(2);
    readSync(fd, b, 0, 2, 0);
    return b.toString('latin1');
  } finally {
    closeSync(fd);
  }
}

for (const n of names) {
  test(`${n}: torchvision checkpoints (legacy and zip) load strictly and give torchvision's logits`, () => {
    for (const format of ['legacy', 'zip'] as const) {
      const path = file(n, format);
      // the zip format is a zip archive ("PK"); the legacy one a pickle stream (protocol 2: 0x80 0x02)
      assert.equal(head(path) === 'PK', format === 'zip', `${path}: not a ${format}-format file`);
      const m = builders[n]!({ numClasses: NUM_CLASSES, weights: path, ...(initWeights.has(n) ? { initWeights: true } : {}) });
      const y = torch.noGrad(() => m.eval().call(inputs[inputOf(n)]) as torch.Tensor);
      assertLogitsClose(y, ref.tensors[n]!, `${n} logits from the ${format} checkpoint`);
    }
    rmSync(file(n, 'legacy'));
    rmSync(file(n, 'zip'));
  });
}

test('a checkpoint that lacks a key or has one too many is refused, naming the key', () => {
  assert.throws(() => models.resnet18({ numClasses: NUM_CLASSES, weights: join(dir, 'resnet18-missing.pth') }),
    /Error\(s\) in loading state_dict for ResNet:\n\tMissing key\(s\) in state_dict: "fc\.bias"\./);
  assert.throws(() => models.resnet18({ numClasses: NUM_CLASSES, weights: join(dir, 'resnet18-unexpected.pth') }),
    /Unexpected key\(s\) in state_dict: "fc\.scale"\./);
  assert.throws(() => models.resnet18({ numClasses: 7, weights: join(dir, 'resnet18-unexpected.pth') }),
    /size mismatch for fc\.weight: copying a param with shape torch\.Size\(\[10, 512\]\) from checkpoint/);
});
