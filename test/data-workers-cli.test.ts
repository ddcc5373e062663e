// DataLoader worker threads behind the CLI: `tstorch train --workers N` builds its splits in worker threads
// (src/train/dataset-factories.ts), and `tstorch finetune`'s ImageFolder factory gives torchvision's batches.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as torch from '../src/index.js';
import { runPython } from './helpers/pytorch.js';
import { tinyCifar } from './helpers/cifar.js';
import { imageFolderWorkers, makeImageFolder, type ImageFolderArgs } from '../src/train/dataset-factories.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'tstorch-dwc-'));
test.after(() => rmSync(work, { recursive: true, force: true }));

test('train --workers 2 trains on the same batches as --workers 0 when nothing is random in the data', () => {
  const data = tinyCifar(work, 8, 16);
  const results = [0, 2].map((workers) => {
    const out = join(work, `run${workers}`);
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'src/cli/main.ts'), 'train', 'lenet', '--data', data, '--epochs', '2',
      '--batch-size', '4', '--no-augment', '--threads', '1', '--workers', String(workers), '--out', out, '--log-every', '0'],
    { cwd: root, encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 0, r.stderr);
    const metrics = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, number>);
    return { metrics, best: torch.load(join(out, 'best.pth')) as Record<string, torch.Tensor> };
  });
  const [w0, w2] = results as [typeof results[0], typeof results[0]];
  assert.deepEqual(w2.metrics.map((m) => [m.trainLoss, m.testLoss, m.testAccuracy]), w0.metrics.map((m) => [m.trainLoss, m.testLoss, m.testAccuracy]));
  for (const [k, v] of Object.entries(w0.best)) assert.ok(v.equal(w2.best[k]!), `best.pth ${k}`);
});

test('the ImageFolder factory in 2 worker threads gives the batches of torchvision with num_workers=2', async () => {
  const folder = join(work, 'images');
  const { tensors } = runPython(`
from PIL import Image
import torchvision.datasets as D, torchvision.transforms as TT
for c, cls in enumerate(['ants', 'bees']):
    os.makedirs(os.path.join(J, cls))
    for i in range(5):
        a = np.random.RandomState(10 * c + i).randint(0, 256, (24 + i, 30 - i, 3)).astype(np.uint8)
        Image.fromarray(a).save(os.path.join(J, cls, f'{i}.png'))
tf = TT.Compose([TT.RandomResizedCrop(16), TT.RandomHorizontalFlip(), TT.ToTensor(), TT.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])])
torch.manual_seed(3)
for k, (x, y) in enumerate(torch.utils.data.DataLoader(D.ImageFolder(J, transform=tf), batch_size=4, shuffle=True, num_workers=2)):
    OUT[f'x{k}'] = x
    OUT[f'y{k}'] = y
`, { json: folder });
  const args: ImageFolderArgs = { root: folder, train: true,
    transform: { cropSize: 16, resizeSize: 18, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], interpolation: 'bilinear', augment: true } };
  torch.manualSeed(3);
  const loader = new torch.utils.data.DataLoader(await makeImageFolder(args), { batchSize: 4, shuffle: true, numWorkers: 2, workerDataset: imageFolderWorkers(args) });
  let k = 0;
  for await (const [x, y] of loader as AsyncIterable<[torch.Tensor, torch.Tensor]>) {
    assert.ok(y.equal(tensors[`y${k}`]!), `labels of batch ${k}`);
    assert.ok(x.sub(tensors[`x${k}`]!).abs().max().item() < 1e-5, `images of batch ${k}`);
    k++;
  }
  assert.equal(k, 3);
});
