import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../src/index.js';
import { runPython } from './helpers/pytorch.js';

const { DataLoader, TensorDataset, Subset, ConcatDataset, randomSplit, RandomSampler, SequentialSampler, SubsetRandomSampler,
  WeightedRandomSampler, BatchSampler, IterableDataset, Dataset, defaultCollate } = torch.utils.data;

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
const batchesOf = (loader: Iterable<torch.Tensor>): number[][] => [...loader].map((b) => b.toArray() as number[]);

/** A dataset whose samples draw from the default generator, as random transforms do. */
class NoisyDataset extends Dataset<torch.Tensor> {
  get length(): number { return 10; }
  get(i: number): torch.Tensor { return torch.rand(2).add(i); }
}

// Every random draw below is compared with the same calls in PyTorch: one Python run computes them all.
const ours: Record<string, unknown> = {};
const oursT: Record<string, torch.Tensor> = {};
{
  torch.manualSeed(7);
  const shuffled = new DataLoader(range(23), { batchSize: 5, shuffle: true });
  ours.shuffleEpoch1 = batchesOf(shuffled);
  ours.shuffleEpoch2 = batchesOf(shuffled);
  oursT.afterShuffle = torch.rand(3);

  torch.manualSeed(1);
  const seeded = new DataLoader(range(17), { batchSize: 4, shuffle: true, seed: 1234, dropLast: true });
  ours.seededEpoch1 = batchesOf(seeded);
  ours.seededEpoch2 = batchesOf(seeded);
  oursT.afterSeeded = torch.rand(3);

  torch.manualSeed(3);
  ours.replacement = [...new RandomSampler(range(10), { replacement: true, numSamples: 70 })];
  ours.numSamples = [...new RandomSampler(range(6), { numSamples: 15, seed: 5 })];
  ours.weighted = [...new WeightedRandomSampler([0.1, 0.9, 0.4, 0.7, 3.0, 0.6], 12)];
  ours.weightedNoRep = [...new WeightedRandomSampler([0.1, 0.9, 0.4, 0.7, 3.0, 0.6], 5, { replacement: false, seed: 9 })];
  ours.subsetRandom = [...new SubsetRandomSampler([10, 20, 30, 40, 50])];
  ours.split = randomSplit(range(10), [3, 7], { seed: 42 }).map((s) => s.indices);
  ours.splitFrac = randomSplit(range(30), [0.3, 0.3, 0.4], { seed: 42 }).map((s) => s.indices);
  ours.splitFracRemainder = randomSplit(range(11), [0.5, 0.5]).map((s) => s.indices);

  torch.manualSeed(11);
  const noisy2 = new DataLoader(new NoisyDataset(), { batchSize: 3, shuffle: true, numWorkers: 2 });
  oursT.workers2 = torch.cat([...noisy2]);
  oursT.afterWorkers = torch.rand(2);
  torch.manualSeed(11);
  oursT.workers0 = torch.cat([...new DataLoader(new NoisyDataset(), { batchSize: 3, shuffle: true })]);
}

const py = runPython(String.raw`
from torch.utils.data import DataLoader, RandomSampler, WeightedRandomSampler, SubsetRandomSampler, random_split, Dataset
def batches(loader): return [b.tolist() for b in loader]
R = {}
torch.manual_seed(7)
l = DataLoader(list(range(23)), batch_size=5, shuffle=True)
R['shuffleEpoch1'] = batches(l); R['shuffleEpoch2'] = batches(l)
OUT['afterShuffle'] = torch.rand(3)
torch.manual_seed(1)
l = DataLoader(list(range(17)), batch_size=4, shuffle=True, generator=torch.Generator().manual_seed(1234), drop_last=True)
R['seededEpoch1'] = batches(l); R['seededEpoch2'] = batches(l)
OUT['afterSeeded'] = torch.rand(3)
torch.manual_seed(3)
R['replacement'] = list(RandomSampler(range(10), replacement=True, num_samples=70))
R['numSamples'] = list(RandomSampler(range(6), num_samples=15, generator=torch.Generator().manual_seed(5)))
R['weighted'] = list(WeightedRandomSampler([0.1, 0.9, 0.4, 0.7, 3.0, 0.6], 12))
R['weightedNoRep'] = list(WeightedRandomSampler([0.1, 0.9, 0.4, 0.7, 3.0, 0.6], 5, replacement=False, generator=torch.Generator().manual_seed(9)))
R['subsetRandom'] = [int(i) for i in SubsetRandomSampler([10, 20, 30, 40, 50])]
R['split'] = [s.indices for s in random_split(range(10), [3, 7], generator=torch.Generator().manual_seed(42))]
R['splitFrac'] = [s.indices for s in random_split(range(30), [0.3, 0.3, 0.4], generator=torch.Generator().manual_seed(42))]
R['splitFracRemainder'] = [s.indices for s in random_split(range(11), [0.5, 0.5])]
class Noisy(Dataset):
    def __len__(self): return 10
    def __getitem__(self, i): return torch.rand(2) + i
torch.manual_seed(11)
OUT['workers2'] = torch.cat(list(DataLoader(Noisy(), batch_size=3, shuffle=True, num_workers=2)))
OUT['afterWorkers'] = torch.rand(2)
torch.manual_seed(11)
OUT['workers0'] = torch.cat(list(DataLoader(Noisy(), batch_size=3, shuffle=True)))
OUT_J = R
`);

for (const key of Object.keys(ours)) {
  test(`matches PyTorch: ${key}`, () => {
    assert.deepEqual(ours[key], py.json[key]);
  });
}
for (const key of Object.keys(oursT)) {
  test(`matches PyTorch (tensor): ${key}`, () => {
    assert.ok(oursT[key]!.equal(py.tensors[key]!), `${key}: ${oursT[key]} vs ${py.tensors[key]}`);
  });
}

test('numWorkers changes neither the batches nor their order', async () => {
  const ds = new TensorDataset(torch.arange(0, 40).reshape(20, 2), torch.arange(20));
  const runs: number[][][] = [];
  for (const numWorkers of [0, 1, 3]) {
    const loader = new DataLoader(ds, { batchSize: 6, shuffle: true, seed: 99, numWorkers });
    const epoch: number[][] = [];
    for (const [x, y] of loader) epoch.push([...(x.toArray() as number[][]).flat(), ...(y.toArray() as number[])]);
    runs.push(epoch);
    const asyncEpoch: number[][] = [];
    const again = new DataLoader(ds, { batchSize: 6, shuffle: true, seed: 99, numWorkers });
    for await (const [x, y] of again) asyncEpoch.push([...(x.toArray() as number[][]).flat(), ...(y.toArray() as number[])]);
    assert.deepEqual(asyncEpoch, epoch);
  }
  assert.deepEqual(runs[1], runs[0]);
  assert.deepEqual(runs[2], runs[0]);
});

test('async datasets are prefetched and keep their order', async () => {
  let inFlight = 0;
  let maxInFlight = 0;
  const ds = {
    length: 12,
    async get(i: number): Promise<number> {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((r) => setTimeout(r, (12 - i) % 4));
      inFlight--;
      return i;
    },
  };
  const out: number[][] = [];
  for await (const b of new DataLoader(ds, { batchSize: 2, numWorkers: 2, prefetchFactor: 2 })) out.push(b.toArray() as number[]);
  assert.deepEqual(out, [[0, 1], [2, 3], [4, 5], [6, 7], [8, 9], [10, 11]]);
  assert.ok(maxInFlight > 2, `expected several batches in flight, saw ${maxInFlight} samples at most`);
  assert.throws(() => [...new DataLoader(ds, { batchSize: 2 })], /for await/);
});

test('batching, dropLast and length', () => {
  const x = torch.arange(0, 30).reshape(10, 3).float();
  const y = torch.arange(10);
  const ds = new TensorDataset(x, y);
  const loader = new DataLoader(ds, { batchSize: 4 });
  assert.equal(loader.length, 3);
  const batches = [...loader];
  assert.deepEqual(batches.map(([bx, by]) => [[...bx.shape], [...by.shape]]), [[[4, 3], [4]], [[4, 3], [4]], [[2, 3], [2]]]);
  assert.ok(torch.cat(batches.map((b) => b[0])).equal(x));
  const dropping = new DataLoader(ds, { batchSize: 4, dropLast: true });
  assert.equal(dropping.length, 2);
  assert.equal([...dropping].length, 2);
  const single = new DataLoader(ds, { batchSize: null });
  assert.equal(single.length, 10);
  const first = [...single][0]!;
  assert.deepEqual([...first[0].shape], [3]);
  const bs = new DataLoader(ds, { batchSampler: new BatchSampler(new SequentialSampler(ds), 3, true) });
  assert.equal(bs.length, 3);
  assert.deepEqual([...bs].map((b) => b[1].toArray()), [[0, 1, 2], [3, 4, 5], [6, 7, 8]]);
  assert.throws(() => new DataLoader(ds, { batchSize: 0 }), /batchSize/);
  assert.throws(() => new DataLoader(ds, { sampler: new SequentialSampler(ds), shuffle: true }), /mutually exclusive with shuffle/);
  assert.throws(() => new DataLoader(ds, { batchSampler: new BatchSampler(range(3), 2), batchSize: 4 }), /mutually exclusive/);
  assert.throws(() => new DataLoader(ds, { prefetchFactor: 2 }), /prefetchFactor/);
});

test('default collate of nested structures', () => {
  const batch = [
    { img: torch.ones(2, 2), label: 1, w: 0.5, name: 'a', flag: true, extra: [torch.zeros(1), 3], raw: Uint8Array.from([1, 2]) },
    { img: torch.zeros(2, 2), label: 2, w: 1, name: 'b', flag: false, extra: [torch.ones(1), 4], raw: Uint8Array.from([3, 4]) },
  ];
  const out = defaultCollate(batch);
  assert.deepEqual([...out.img.shape], [2, 2, 2]);
  assert.equal(out.label.dtype.name, 'int64');
  assert.deepEqual(out.label.toArray(), [1, 2]);
  assert.equal(out.w.dtype.name, 'float64');
  assert.deepEqual(out.w.toArray(), [0.5, 1]);
  assert.deepEqual(out.name, ['a', 'b']);
  assert.equal(out.flag.dtype.name, 'bool');
  assert.deepEqual(out.extra[0].toArray(), [[0], [1]]);
  assert.deepEqual(out.extra[1].toArray(), [3, 4]);
  assert.equal(out.raw.dtype.name, 'uint8');
  assert.deepEqual(out.raw.toArray(), [[1, 2], [3, 4]]);
  const m = defaultCollate([new Map([['k', 1]]), new Map([['k', 2]])]);
  assert.deepEqual(m.get('k').toArray(), [1, 2]);
  assert.throws(() => defaultCollate([[1, 2], [1]]), /equal size/);
  assert.throws(() => defaultCollate([new Date(), new Date()]), /found Date/);
});

test('TensorDataset, Subset, ConcatDataset', () => {
  const a = new TensorDataset(torch.arange(5), torch.arange(5).mul(10));
  assert.equal(a.length, 5);
  assert.deepEqual(a.get(-1).map((t) => t.item()), [4, 40]);
  assert.throws(() => a.get(5), /out of range/);
  assert.throws(() => new TensorDataset(torch.zeros(3), torch.zeros(4)), /size mismatch/);
  const s = new Subset(a, [4, 0]);
  assert.deepEqual(s.get(0)[1]!.item(), 40);
  const c = new ConcatDataset<unknown>([range(3), s, range(2)]);
  assert.equal(c.length, 7);
  assert.deepEqual([0, 2, 5, 6, -1].map((i) => { const v = c.get(i); return Array.isArray(v) ? v[0]!.item() : v; }), [0, 2, 0, 1, 1]);
  assert.throws(() => randomSplit(range(10), [3, 4]), /does not equal the length/);
});

test('iterable datasets are batched in stream order', () => {
  class Stream extends IterableDataset<number> {
    override readonly length = 7;
    *[Symbol.iterator](): Iterator<number> { for (let i = 0; i < 7; i++) yield i * i; }
  }
  const loader = new DataLoader(new Stream(), { batchSize: 3 });
  assert.equal(loader.length, 3);
  assert.deepEqual(batchesOf(loader), [[0, 1, 4], [9, 16, 25], [36]]);
  assert.deepEqual(batchesOf(new DataLoader(new Stream(), { batchSize: 3, dropLast: true })), [[0, 1, 4], [9, 16, 25]]);
  assert.throws(() => new DataLoader(new Stream(), { shuffle: true }), /IterableDataset/);
});

test('getWorkerInfo and workerInitFn: worker ids, seeds and init draws as in PyTorch', () => {
  const { getWorkerInfo } = torch.utils.data;
  assert.equal(getWorkerInfo(), null);
  const seen: string[] = [];
  const initDraw = new Map<number, number>();
  const ds = {
    length: 6,
    get(i: number): number[] {
      const w = getWorkerInfo()!;
      seen.push(`${i}:${w.id}/${w.numWorkers}`);
      return [i, Number(w.seed % 1000n), initDraw.get(w.id)!, torch.rand(1).item()];
    },
  };
  torch.manualSeed(21);
  const loader = new torch.utils.data.DataLoader(ds, { batchSize: 2, numWorkers: 2, workerInitFn: (id) => { initDraw.set(id, torch.rand(1).item()); } });
  const batches = [...loader].map((b) => (b as torch.Tensor[]).map((t) => t.toArray()));
  assert.equal(getWorkerInfo(), null);
  assert.deepEqual(seen, ['0:0/2', '1:0/2', '2:1/2', '3:1/2', '4:0/2', '5:0/2']);
  const py = runPython(String.raw`
from torch.utils.data import DataLoader, Dataset, get_worker_info
class DS(Dataset):
    init_draw = None
    def __len__(self): return 6
    def __getitem__(self, i):
        w = get_worker_info()
        return [i, w.seed % 1000, self.init_draw, torch.rand(1).item()]
def init(wid):
    get_worker_info().dataset.init_draw = torch.rand(1).item()
torch.manual_seed(21)
OUT_J = [[t.tolist() for t in b] for b in DataLoader(DS(), batch_size=2, num_workers=2, worker_init_fn=init)]
`);
  assert.deepEqual(batches, py.json);
});

test('for await without workers keeps the default generator\'s draws in the same order as for...of', async () => {
  const runSync = (): number[] => {
    torch.manualSeed(4);
    const out: number[] = [];
    for (const b of new DataLoader(new NoisyDataset(), { batchSize: 3 })) out.push(...(b.toArray() as number[][]).flat(), torch.rand(1).item());
    return out;
  };
  const runAsync = async (): Promise<number[]> => {
    torch.manualSeed(4);
    const out: number[] = [];
    for await (const b of new DataLoader(new NoisyDataset(), { batchSize: 3 })) out.push(...(b.toArray() as number[][]).flat(), torch.rand(1).item());
    return out;
  };
  assert.deepEqual(await runAsync(), runSync());
});
