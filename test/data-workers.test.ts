// DataLoader worker threads (workerDataset): the same batches as the in-process workers and as PyTorch with
// the same seed and num_workers, errors carried to the main thread, no thread left behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as torch from '../src/index.js';
import { runPython } from './helpers/pytorch.js';
import { tinyCifar } from './helpers/cifar.js';
import { makeNoisy, makeInitProbe } from './helpers/worker-datasets.js';
import { liveWorkerThreads } from '../src/data/worker-pool.js';
import { makeSplit, splitWorkers } from '../src/train/dataset-factories.js';

const { DataLoader } = torch.utils.data;
const HELPERS = new URL('./helpers/worker-datasets.ts', import.meta.url);
const spec = (exportName: string, ...args: unknown[]): torch.utils.data.WorkerDatasetSpec => ({ module: HELPERS, export: exportName, args });

type Pair = [torch.Tensor, torch.Tensor];

async function collect(loader: AsyncIterable<Pair>): Promise<Pair[]> {
  const out: Pair[] = [];
  for await (const b of loader) out.push(b);
  return out;
}

async function noThreadsLeft(): Promise<void> {
  for (let i = 0; i < 200 && liveWorkerThreads() > 0; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(liveWorkerThreads(), 0, 'every worker thread has exited');
}

function assertSameBatches(a: Pair[], b: Pair[], what: string): void {
  assert.equal(a.length, b.length, `${what}: number of batches`);
  a.forEach(([x, y], k) => {
    assert.ok(x.equal(b[k]![0]), `${what}: images of batch ${k}`);
    assert.ok(y.equal(b[k]![1]), `${what}: labels of batch ${k}`);
  });
}

test('CIFAR-10 with augmentation: worker threads give the in-process batches and PyTorch\'s, for numWorkers 0, 1, 2', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tstorch-dw-'));
  try {
    tinyCifar(dir, 4, 2);
    const args = { dataset: 'cifar10' as const, root: dir, train: true, augment: true };
    const ours: Record<number, Pair[]> = {};
    for (const numWorkers of [0, 1, 2]) {
      const opts = { batchSize: 8, shuffle: true, numWorkers, workerDataset: splitWorkers(args) };
      torch.manualSeed(11);
      const threaded = await collect(new DataLoader(makeSplit(args), opts) as AsyncIterable<Pair>);
      const after = torch.rand(2);
      torch.manualSeed(11);
      const inProcess = await collect(new DataLoader(makeSplit(args), { ...opts, workerDataset: undefined }) as AsyncIterable<Pair>);
      assertSameBatches(threaded, inProcess, `numWorkers=${numWorkers}, threads vs in-process`);
      assert.ok(after.equal(torch.rand(2)), 'the main thread\'s generator is left where the in-process loader leaves it');
      ours[numWorkers] = threaded;
    }
    // The sample order does not depend on numWorkers (the augmentations do, as in PyTorch).
    for (const n of [1, 2]) ours[n]!.forEach(([, y], k) => assert.ok(y.equal(ours[0]![k]![1]), `labels of batch ${k}, numWorkers=${n}`));
    await noThreadsLeft();

    const { tensors } = runPython(`
import numpy as np
from PIL import Image
import torchvision.transforms as TT
folder = ${JSON.stringify(join(dir, 'cifar-10-batches-bin'))}
raw = np.concatenate([np.fromfile(f'{folder}/data_batch_{i}.bin', dtype=np.uint8).reshape(-1, 3073) for i in range(1, 6)])
images = raw[:, 1:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
labels = raw[:, 0].astype(np.int64)
tf = TT.Compose([TT.RandomCrop(32, padding=4), TT.RandomHorizontalFlip(), TT.ToTensor(), TT.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))])
class Cifar(torch.utils.data.Dataset):
    def __len__(self): return len(labels)
    def __getitem__(self, i): return tf(Image.fromarray(images[i])), int(labels[i])
for n in (0, 1, 2):
    torch.manual_seed(11)
    for k, (x, y) in enumerate(torch.utils.data.DataLoader(Cifar(), batch_size=8, shuffle=True, num_workers=n)):
        OUT[f'x{n}_{k}'] = x
        OUT[f'y{n}_{k}'] = y
`, {}, { timeoutMs: 60_000 });
    for (const n of [0, 1, 2]) {
      ours[n]!.forEach(([x, y], k) => {
        assert.ok(x.equal(tensors[`x${n}_${k}`]!), `images of batch ${k} equal PyTorch's, num_workers=${n}`);
        assert.ok(y.equal(tensors[`y${n}_${k}`]!), `labels of batch ${k} equal PyTorch's, num_workers=${n}`);
      });
      assert.equal(tensors[`x${n}_${ours[n]!.length}`], undefined, 'as many batches as PyTorch');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('for...of, prefetchFactor 1, unbatched samples and a custom collateFn give the in-process results', async () => {
  const cases: { name: string; opts: torch.utils.data.DataLoaderOptions }[] = [
    { name: 'batched', opts: { batchSize: 3, shuffle: true, numWorkers: 3, prefetchFactor: 1 } },
    { name: 'unbatched', opts: { batchSize: null, shuffle: true, numWorkers: 2 } },
    { name: 'custom collate', opts: { batchSize: 4, numWorkers: 2, seed: 5, collateFn: (s: unknown[]) => torch.stack(s.map((p) => (p as Pair)[0])).sum(1) } },
  ];
  for (const { name, opts } of cases) {
    const flat = (l: Iterable<unknown>): string => JSON.stringify([...l].map((b) => (Array.isArray(b) ? b.map((t) => (t instanceof torch.Tensor ? t.toArray() : t)) : (b as torch.Tensor).toArray())), (_, v) => (typeof v === 'bigint' ? Number(v) : v));
    torch.manualSeed(2);
    const threaded = flat(new DataLoader(makeNoisy(10), { ...opts, workerDataset: spec('makeNoisy', 10) }));
    torch.manualSeed(2);
    const inProcess = flat(new DataLoader(makeNoisy(10), opts));
    assert.equal(threaded, inProcess, name);
  }
  await noThreadsLeft();
});

test('asynchronous datasets and the init hook run in the workers with their seeds', async () => {
  torch.manualSeed(4);
  const asyncBatches = await collect(new DataLoader(makeNoisy(7), { batchSize: 2, shuffle: true, numWorkers: 2, workerDataset: spec('makeAsyncNoisy', 7) }) as AsyncIterable<Pair>);
  torch.manualSeed(4);
  const syncBatches = await collect(new DataLoader(makeNoisy(7), { batchSize: 2, shuffle: true, numWorkers: 2 }) as AsyncIterable<Pair>);
  assertSameBatches(asyncBatches, syncBatches, 'async dataset');

  // PyTorch seeds worker w with base_seed + w before worker_init_fn, which draws from that stream.
  const loader = new DataLoader(makeInitProbe(4), { batchSize: 1, numWorkers: 2, seed: 21, workerDataset: { ...spec('makeInitProbe', 4), init: 'initHook' } });
  const rows = [...loader] as [torch.Tensor, torch.Tensor, string[]][];
  const { json } = runPython(`
import torch.utils.data as D
class Probe(D.Dataset):
    def __len__(self): return 4
    def __getitem__(self, i):
        w = D.get_worker_info()
        return draw[0], i, f'{w.id}/{w.num_workers}/{w.seed}'
draw = [None]
def init(i): draw[0] = torch.rand(1).item()
OUT_J = [[float(a), int(b), c[0]] for a, b, c in D.DataLoader(Probe(), batch_size=1, num_workers=2, worker_init_fn=init, generator=torch.Generator().manual_seed(21))]
`);
  assert.deepEqual(rows.map(([a, b, c]) => [Number(a.item()), Number(b.item()), c[0]]), json);
  await noThreadsLeft();
});

test('a worker\'s error reaches the main thread with its message and sample index; threads end', async () => {
  const loader = new DataLoader(makeNoisy(12), { batchSize: 2, numWorkers: 2, workerDataset: spec('makeNoisy', 12, 7) });
  const seen: number[] = [];
  await assert.rejects(async () => { for await (const [, y] of loader as AsyncIterable<Pair>) seen.push(...(y.toArray() as bigint[]).map(Number)); },
    /DataLoader worker 1 .*failed on sample index 7 \(batch 3\): sample 7 is unreadable/);
  assert.deepEqual(seen, [0, 1, 2, 3, 4, 5], 'the batches before the failing one arrive');
  assert.throws(() => [...loader], /worker 1 .*sample index 7.*sample 7 is unreadable/);
  await noThreadsLeft();

  assert.throws(() => [...new DataLoader(makeNoisy(4), { batchSize: 2, numWorkers: 1, workerDataset: spec('makeNoisy', 5) })],
    /its dataset has 5 samples but the DataLoader's dataset has 4/);
  assert.throws(() => [...new DataLoader(makeNoisy(4), { numWorkers: 1, workerDataset: spec('noSuchFactory') })],
    /has no function export 'noSuchFactory'/);
  assert.throws(() => [...new DataLoader(makeNoisy(4), { numWorkers: 1, workerDataset: spec('notADataset') })],
    /notADataset\(\.\.\.\) in .*worker-datasets\.ts did not return a map-style dataset/);
  assert.throws(() => [...new DataLoader(makeNoisy(4), { numWorkers: 1, workerDataset: { module: join(tmpdir(), 'no-such-module.ts'), export: 'x' } })],
    /DataLoader worker 0 .*no-such-module/);
  await assert.rejects(collect(new DataLoader([0, 1, 2, 3, 4, 5], { batchSize: 1, numWorkers: 2, workerDataset: spec('exitsDuringBatch', 6) }) as AsyncIterable<Pair>),
    /DataLoader worker 1 .*stopped unexpectedly/);
  assert.throws(() => new DataLoader(makeNoisy(4), { numWorkers: 1, workerInitFn: () => undefined, workerDataset: spec('makeNoisy', 4) }), /workerDataset\.init/);
  assert.throws(() => new DataLoader(makeNoisy(4), { numWorkers: 1, workerDataset: { module: HELPERS, export: 'makeNoisy', args: [() => 1] } }), /workerDataset\.args cannot be sent/);
  await noThreadsLeft();
});

test('break and an abandoned iterator stop the worker threads', async () => {
  const loader = new DataLoader(makeNoisy(40), { batchSize: 2, numWorkers: 2, workerDataset: spec('makeNoisy', 40) });
  for await (const b of loader as AsyncIterable<Pair>) { assert.equal(b[0].shape[0], 2); break; }
  for (const b of loader as Iterable<Pair>) { assert.equal(b[0].shape[0], 2); break; }
  await noThreadsLeft();
  // Two iterators of one loader at once, each with its own threads.
  const both = [...Array(2)].map(() => (loader as Iterable<Pair>)[Symbol.iterator]());
  assert.deepEqual(both.map((i) => (i.next().value as Pair)[1].toArray()), [[0, 1], [0, 1]]);
  both.forEach((i) => i.return!());
  await noThreadsLeft();
  const it = (loader as Iterable<Pair>)[Symbol.iterator]();
  it.next();
  assert.ok(liveWorkerThreads() > 0);
  it.return!();
  await noThreadsLeft();
});

test('persistentWorkers: one base seed, generators continuing across epochs (also after a break), as in PyTorch', async () => {
  const epochs = async (loader: torch.utils.data.DataLoader): Promise<number[][]> => {
    const out: number[][] = [];
    for await (const [x] of loader as AsyncIterable<Pair>) { out.push(x.flatten().toArray() as number[]); break; }
    for (let e = 0; e < 2; e++) for await (const [x] of loader as AsyncIterable<Pair>) out.push(x.flatten().toArray() as number[]);
    return out;
  };
  const opts = { batchSize: 2, shuffle: true, numWorkers: 2, prefetchFactor: 1, persistentWorkers: true };
  torch.manualSeed(8);
  const loader = new DataLoader(makeNoisy(9), { ...opts, workerDataset: spec('makeNoisy', 9) });
  const threaded = await epochs(loader);
  const after = torch.rand(1).item();
  torch.manualSeed(8);
  const inProcess = await epochs(new DataLoader(makeNoisy(9), opts));
  const { json } = runPython(`
class Noisy(torch.utils.data.Dataset):
    def __len__(self): return 9
    def __getitem__(self, i): return torch.rand(2) + i, i
torch.manual_seed(8)
loader = torch.utils.data.DataLoader(Noisy(), batch_size=2, shuffle=True, num_workers=2, prefetch_factor=1, persistent_workers=True)
out = []
for x, _ in loader:
    out.append(x.flatten().tolist())
    break
for e in range(2):
    for x, _ in loader: out.append(x.flatten().tolist())
OUT_J = {'batches': out, 'after': torch.rand(1).item()}
`);
  // float32 values, exact as JSON numbers on both sides
  assert.deepEqual(threaded, json.batches, 'threads vs PyTorch');
  assert.deepEqual(inProcess, json.batches, 'in-process vs PyTorch');
  assert.equal(after, json.after, 'the main generator after the epochs');
  assert.ok(liveWorkerThreads() > 0, 'persistent threads outlive the epoch');
  loader.shutdownWorkers();
  await noThreadsLeft();
  assert.throws(() => new DataLoader(makeNoisy(2), { persistentWorkers: true }), /persistentWorkers option needs numWorkers > 0/);
});
