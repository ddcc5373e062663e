// The PyTorch idioms a port reaches for (issue 9), each checked against what PyTorch does with the same code,
// and every case that used to give a silent wrong answer: it now works as in PyTorch or throws.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as torch from '../src/index.js';
import * as vision from '../src/vision/index.js';
import { runPython } from './helpers/pytorch.js';

const dir = mkdtempSync(join(tmpdir(), 'tstorch-idioms-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

// What PyTorch prints and computes for the same statements, in one Python call.
const py = runPython(`
import torch
x = torch.arange(12, dtype=torch.float32).reshape(3, 4)
a = torch.tensor(0.75)
b = torch.tensor(0.5)
loss = (x.clone().requires_grad_() * 2).sum()
mx = torch.max(x, 1)
OUT_J = {
  'size': str(x.shape), 'size_repr': repr(x.size()), 'dtype': str(x.dtype), 'dtype64': str(torch.float64),
  'device_str': str(x.device), 'device_repr': repr(x.device), 'device_cuda1': repr(torch.device('cuda', 1)),
  'fstring_a': f'{a}', 'fstring_int': f'{torch.tensor(3)}', 'fstring_bool': f'{torch.tensor(True)}',
  'fstring_vec': f'{torch.tensor([0.5])}', 'fstring_one': f'{torch.tensor(1.)}', 'gt': bool(a > b), 'sum': float(a + 1),
  'grad_fn': loss.grad_fn.name() if loss.grad_fn is not None else None,
  'max_repr_head': repr(mx).split('(')[0], 'type': x.type(), 'len': len(x),
  'std_unbiased_false': x.std(1, False).tolist(), 'std_keepdim': list(x.std(1, keepdim=True).shape),
  'rows': [r.tolist() for r in x],
  'unique': [t.tolist() for t in torch.unique(torch.tensor([3, 1, 3, 2]), return_inverse=True, return_counts=True)],
  'aminmax': [t.item() for t in torch.aminmax(x)], 'kth': torch.kthvalue(x, 2, 1).values.tolist(),
  'mode': torch.mode(torch.tensor([[1, 1, 2], [3, 3, 3]]), 1).values.tolist(),
  'cummin': torch.cummin(torch.tensor([3., 1., 2.]), 0).indices.tolist(),
  'threads': torch.get_num_threads(),
}
`);
const J = py.json as Record<string, any>;

test('0-d tensors convert as Python numbers: comparisons, arithmetic, f-strings; bigger tensors refuse', () => {
  const a = torch.tensor(0.75), b = torch.tensor(0.5);
  // `if (epochAcc > bestAcc)` with two scalar tensors was always false: objects compared as NaN
  assert.equal(a > b, J.gt);
  assert.equal((a as unknown as number) + 1, J.sum);
  assert.equal(`${a}`, J.fstring_a);
  assert.equal(`${torch.tensor(3n)}`, J.fstring_int);
  assert.equal(`${torch.tensor(true)}`, J.fstring_bool);
  assert.equal(`${torch.tensor([0.5])}`, J.fstring_vec);
  assert.equal(`${torch.tensor(1)}`, J.fstring_one);
  assert.equal(String(a), J.fstring_a);
  assert.equal(a.toString(), 'tensor(0.7500)');
  assert.equal(inspect(a), 'tensor(0.7500)');
  assert.throws(() => (torch.ones(2) as unknown as number) > 0, /Boolean value of Tensor with more than one value is ambiguous/);
  assert.throws(() => +torch.ones(0), /no values is ambiguous/);
  assert.equal(Math.max(torch.tensor(2) as unknown as number, 1), 2);
});

test('torch.Size, dtype and device objects print and compare as in PyTorch; names are still accepted', () => {
  const x = torch.arange(12, { dtype: 'float32' }).reshape(3, 4);
  assert.equal(String(x.shape), J.size);
  assert.equal(inspect(x.size()), J.size_repr);
  assert.ok(x.shape instanceof torch.Size && Array.isArray(x.shape));
  assert.equal(x.shape, x.reshape(3, 4).shape, 'equal shapes are one Size object, so === compares them');
  assert.ok(x.shape.equals([3, 4]));
  assert.deepEqual([...x.shape], [3, 4]);
  const [h, w] = x.shape;
  assert.deepEqual([h, w, x.shape.numel()], [3, 4, 12]);
  assert.throws(() => { (x.shape as unknown as number[])[0] = 9; }, TypeError);
  assert.equal(String(x.dtype), J.dtype);
  assert.equal(x.dtype, torch.float32);
  assert.equal(torch.float, torch.float32);
  assert.equal(String(torch.float64), J.dtype64);
  assert.equal(x.to('float64').dtype, torch.float64);
  assert.equal(x.to(torch.float64).dtype, torch.float64);
  assert.equal(x.to({ dtype: torch.int64 }).dtype, torch.int64);
  assert.equal(torch.zeros(2, { dtype: torch.int32 }).dtype, torch.int32);
  assert.ok(x.dtype.isFloatingPoint && !torch.int64.isFloatingPoint);
  assert.equal(String(x.device), J.device_str);
  assert.equal(inspect(x.device), J.device_repr);
  assert.equal(inspect(torch.device('cuda', 1)), J.device_cuda1);
  assert.equal(x.device, torch.device('cpu'));
  assert.equal(x.device.type, 'cpu');
  assert.equal(x.to(torch.device('cpu')).device, torch.device('cpu'));
  assert.equal(x.type(), J.type);
  assert.throws(() => torch.device('tpu'), /unknown device 'tpu'/);
});

test('named tuples: destructuring and .values/.indices for every multi-output function', () => {
  const x = torch.arange(12, { dtype: 'float32' }).reshape(3, 4);
  const [values, indices] = torch.max(x, 1);
  assert.deepEqual(values.toArray(), [3, 7, 11]);
  assert.ok(indices.equal(torch.max(x, 1).indices));
  assert.ok(inspect(torch.max(x, 1)).startsWith(`torch.return_types.${J.max_repr_head.split('.').pop()}(`));
  for (const r of [x.min(1), x.sort(1), x.topk(2), x.kthvalue(2, 1), x.mode(1), x.median(1), x.nanmedian(1), x.cummax(1), x.cummin(1)]) {
    const [v, i] = r;
    assert.equal(v, r.values);
    assert.equal(i, r.indices);
  }
  assert.deepEqual(x.kthvalue(2, 1).values.toArray(), J.kth);
  assert.deepEqual(torch.mode(torch.tensor([[1n, 1n, 2n], [3n, 3n, 3n]]), 1).values.toArray(), J.mode);
  assert.deepEqual(torch.cummin(torch.tensor([3, 1, 2]), 0).indices.toArray(), J.cummin);
  const [mn, mxv] = torch.aminmax(x);
  assert.deepEqual([mn.item(), mxv.item()], J.aminmax);
  assert.equal(torch.aminmax(x).max.item(), 11);
  const u = torch.unique(torch.tensor([3n, 1n, 3n, 2n]), true, true, true) as torch.Tensor[];
  assert.deepEqual(u.map((t) => t.toArray()), J.unique);
});

test('tensors iterate over their first dimension and have a length; len() works on tensors and data sets', () => {
  const x = torch.arange(12, { dtype: 'float32' }).reshape(3, 4);
  assert.equal(x.length, J.len);
  assert.equal(torch.len(x), J.len);
  assert.deepEqual([...x].map((r) => r.toArray()), J.rows);
  let n = 0;
  for (const row of x) n += row.numel();
  assert.equal(n, 12);
  assert.throws(() => [...torch.tensor(1)], /iteration over a 0-d tensor/);
  const ds = new torch.utils.data.TensorDataset(x, torch.arange(3));
  assert.equal(torch.len(ds), 3);
  assert.equal(ds.at(-1)[1]!.item(), 2);
  assert.deepEqual([...ds].map(([, y]) => y!.item()), [0, 1, 2]);
});

test('Tensor.data is a detached tensor sharing storage; numpy() and fromTypedArray share memory with JavaScript', () => {
  const w = torch.ones(3, { requiresGrad: true });
  const d = w.data;
  assert.ok(d instanceof torch.Tensor && !d.requiresGrad && d.gradFn === null);
  d.mul_(2);
  assert.deepEqual(w.detach().toArray(), [2, 2, 2], 'in-place on .data changes the parameter, as in PyTorch');
  w.data = torch.zeros(3);
  assert.ok(w.requiresGrad);
  assert.deepEqual(w.detach().toArray(), [0, 0, 0]);
  assert.throws(() => w.numpy(), /requires grad/);
  const t = torch.ones(4);
  const n = t.numpy() as Float32Array;
  t.add_(1);
  assert.deepEqual([...n], [2, 2, 2, 2], 'numpy() is a view: it sees add_');
  const buf = new Float64Array([1, 2, 3, 4]);
  const f = torch.fromTypedArray(buf, [2, 2]);
  buf[0] = 10;
  assert.equal(f.index(0, 0).item(), 10, 'from_numpy shares memory');
  f.mul_(2);
  assert.equal(buf[3], 8);
  assert.equal(f.dtype, torch.float64);
});

test('gradFn is an autograd node with name() and nextFunctions, printed as PyTorch', () => {
  const x = torch.arange(12, { dtype: 'float32' }).reshape(3, 4).requiresGrad_();
  const loss = x.mul(2).sum();
  const fn = loss.gradFn!;
  assert.equal(fn.name(), J.grad_fn);
  assert.match(String(fn), /^<SumBackward0 object at 0x[0-9a-f]+>$/);
  assert.equal(loss.gradFn, fn, 'the same node each time (Python\'s `is`)');
  const [mul] = fn.nextFunctions[0]!;
  assert.equal(mul!.name(), 'MulBackward0');
  const [acc] = mul!.nextFunctions[0]!;
  assert.equal(acc!.name(), 'torch::autograd::AccumulateGrad');
  assert.match(String(acc), /^<AccumulateGrad object at/);
  assert.ok(acc!.variable.equal(x));
  assert.equal(loss.toString(), 'tensor(132., grad_fn=<SumBackward0>)');
});

test('grad modes: setGradEnabled switches now and restores with using; noGrad wraps functions', () => {
  const x = torch.ones(2, { requiresGrad: true });
  {
    using _ = torch.setGradEnabled(false);
    assert.equal(x.mul(2).requiresGrad, false);
  }
  assert.ok(torch.isGradEnabled());
  {
    using _ = torch.noGrad();
    assert.ok(!torch.isGradEnabled());
  }
  const f = torch.noGrad.wrap((t: torch.Tensor) => t.mul(3));
  assert.equal(f(x).requiresGrad, false);
  assert.equal(torch.setGradEnabled(false, () => x.mul(2).requiresGrad), false);
  assert.ok(torch.isGradEnabled());
  const g = torch.setGradEnabled(false);
  g.exit();
  assert.ok(torch.isGradEnabled());
});

test('torch.backends reads and writes libtorch\'s global context', () => {
  assert.equal(torch.backends.mps.isAvailable(), false);
  assert.equal(torch.backends.cudnn.isAvailable(), torch.cuda.isAvailable());
  const before = torch.backends.mkldnn.enabled;
  torch.backends.mkldnn.enabled = false;
  assert.equal(torch.backends.mkldnn.enabled, false);
  torch.backends.mkldnn.enabled = before;
  torch.backends.cudnn.benchmark = true;
  assert.equal(torch.backends.cudnn.benchmark, true);
  torch.backends.cudnn.benchmark = false;
  torch.backends.cudnn.deterministic = true;
  assert.equal(torch.backends.cudnn.deterministic, true);
  torch.backends.cudnn.deterministic = false;
  assert.throws(() => { (torch.backends.cudnn as { benchmark: unknown }).benchmark = 1; }, /must be a boolean/);
  torch.useDeterministicAlgorithms(true);
  assert.ok(torch.areDeterministicAlgorithmsEnabled());
  torch.useDeterministicAlgorithms(false);
  assert.equal(torch.cuda.deviceCount(), torch.cuda.isAvailable() ? torch.cuda.deviceCount() : 0);
});

test('threads: the default is PyTorch\'s, and an absurd count is refused', () => {
  if (process.env.TSTORCH_NUM_THREADS === undefined && process.env.OMP_NUM_THREADS === undefined) {
    assert.equal(torch.getNumThreads(), J.threads);
  }
  assert.throws(() => torch.setNumThreads(5000), /5000 threads is more than 4 per hardware thread/);
  assert.throws(() => torch.setNumThreads(0), /positive integer/);
});

test('torch.tensor refuses what PyTorch refuses instead of converting it wrongly', () => {
  assert.throws(() => torch.tensor(['a'] as never), /invalid data type 'string'/);
  assert.throws(() => torch.tensor({} as never), /could not infer dtype of Object/);
  assert.throws(() => torch.tensor(undefined as never), /could not infer dtype of undefined/);
  assert.throws(() => torch.tensor(null as never), /could not infer dtype of null/);
  assert.throws(() => torch.tensor([1, [2]] as never), /expected a number at \[1\]/);
  assert.throws(() => torch.tensor([[1, 2], [3]]), /expected sequence of length 2 at dim 1 \(got 1\)/);
  assert.throws(() => torch.tensor([1, null] as never), /could not infer dtype of null at \[1\]/);
  assert.throws(() => torch.tensor([2n ** 70n]), /Overflow when unpacking long/);
  assert.throws(() => torch.tensor([2n ** 63n]), /Overflow/);
  assert.throws(() => torch.tensor([3e9], { dtype: 'int32' }), /cannot be converted to type int32 without overflow/);
  assert.throws(() => torch.tensor([NaN], { dtype: 'int64' }), /without overflow/);
  assert.deepEqual(torch.tensor([-(2n ** 63n)]).toArray(), [-(2 ** 63)]);
  assert.deepEqual(torch.tensor([-1], { dtype: 'uint8' }).toArray(), [255], 'PyTorch wraps -1 to 255 for uint8');
  assert.deepEqual(torch.tensor([1n, true]).toArray(), [1, 1]);
  assert.equal(torch.tensor([1n, true]).dtype, torch.int64);
  assert.equal(torch.tensor([1.5, true]).dtype, torch.float32);
  assert.ok(torch.tensor(torch.ones(2)).equal(torch.ones(2)));
});

test('CrossEntropyLoss with float class indices says they must be int64 and how to make them', () => {
  const logits = torch.randn(4, 3);
  const labels = torch.tensor([0, 2, 1, 1]); // JavaScript numbers: float32
  assert.throws(() => new torch.nn.CrossEntropyLoss().call(logits, labels), /class indices.*must be an int64 tensor.*\{ dtype: 'int64' \}.*target\.long\(\)/s);
  assert.throws(() => new torch.nn.NLLLoss().call(logits.logSoftmax(1), labels), /int64/);
  const ok = new torch.nn.CrossEntropyLoss().call(logits, labels.long());
  assert.equal(ok.ndim, 0);
});

test('torch.save of a module points to stateDict(); builders refuse pretrained and unknown options', () => {
  const net = new torch.nn.Linear(2, 2);
  assert.throws(() => torch.save(net, join(dir, 'net.pth')), /cannot save the module Linear itself.*torch\.save\(model\.stateDict\(\), path\)/s);
  assert.throws(() => vision.models.resnet18({ pretrained: true } as never), /weights: 'DEFAULT'/);
  assert.throws(() => vision.models.resnet18({ num_classes: 10 } as never), /did you mean 'numClasses'/);
  assert.throws(() => new torch.nn.Conv2d(3, 6, 5, { strid: 2 } as never), /unexpected keyword argument 'strid'/);
});

test('ImageFolder and the data sets take torchvision\'s positional arguments', () => {
  const data = process.env.TSTORCH_DATA ?? join(process.cwd(), '../shared/data');
  const root = join(data, 'hymenoptera_data', 'val');
  const t = new vision.transforms.Compose([new vision.transforms.Resize(8), new vision.transforms.CenterCrop(8), new vision.transforms.ToTensor()]);
  const a = new vision.datasets.ImageFolder(root, t);
  const b = new vision.datasets.ImageFolder({ root, transform: t });
  assert.equal(a.length, b.length);
  assert.deepEqual(a.classes, ['ants', 'bees']);
  const [x, y] = a.at(0);
  assert.deepEqual([...(x as torch.Tensor).shape], [3, 8, 8]);
  assert.equal(y, 0);
  assert.throws(() => new vision.datasets.ImageFolder(root, t, null, undefined, null, 5 as never), /takes at most 5 positional arguments/);
});
