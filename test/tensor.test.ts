// Tensor creation, math, shapes, indexing, conversion and printing, compared with PyTorch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../src/index.js';
import { runPython, assertClose } from './helpers/pytorch.js';

test('seeded random creation draws the same numbers as PyTorch', () => {
  torch.manualSeed(123);
  const a = torch.randn(3, 4);
  const b = torch.rand([2, 5]);
  const c = torch.randint(0, 10, [6]);
  const d = torch.randperm(7);
  const e = torch.empty(4, 3).uniform_(-2, 3);
  const f = torch.empty(5).normal_(1, 0.5);
  const { tensors } = runPython(`
torch.manual_seed(123)
OUT['a'] = torch.randn(3, 4)
OUT['b'] = torch.rand(2, 5)
OUT['c'] = torch.randint(0, 10, (6,))
OUT['d'] = torch.randperm(7)
OUT['e'] = torch.empty(4, 3).uniform_(-2, 3)
OUT['f'] = torch.empty(5).normal_(1, 0.5)
`);
  assert.ok(a.equal(tensors.a!), 'randn');
  assert.ok(b.equal(tensors.b!), 'rand');
  assert.ok(c.equal(tensors.c!), 'randint');
  assert.ok(d.equal(tensors.d!), 'randperm');
  assert.ok(e.equal(tensors.e!), 'uniform_');
  assert.ok(f.equal(tensors.f!), 'normal_');
});

test('creation functions and dtypes', () => {
  assert.deepEqual([...torch.zeros(2, 3).shape], [2, 3]);
  assert.deepEqual(torch.ones([4], { dtype: 'int32' }).toArray(), [1, 1, 1, 1]);
  assert.equal(torch.arange(5).dtype.name, 'int64');
  assert.equal(torch.arange(0, 1, 0.25).dtype.name, 'float32');
  assert.deepEqual(torch.arange(0, 1, 0.25).toArray(), [0, 0.25, 0.5, 0.75]);
  assert.deepEqual(torch.linspace(0, 1, 5).toArray(), [0, 0.25, 0.5, 0.75, 1]);
  assert.deepEqual(torch.eye(2).toArray(), [[1, 0], [0, 1]]);
  assert.equal(torch.full([2], 7).dtype.name, 'float32');
  assert.equal(torch.full([2], true).dtype.name, 'bool');
  assert.equal(torch.tensor([1, 2, 3]).dtype.name, 'float32');
  assert.equal(torch.tensor([1n, 2n]).dtype.name, 'int64');
  assert.equal(torch.tensor([true, false]).dtype.name, 'bool');
  assert.equal(torch.tensor(new Int32Array([1, 2])).dtype.name, 'int32');
  assert.deepEqual(torch.tensor(new Float32Array([1, 2, 3, 4]), { shape: [2, 2] }).toArray(), [[1, 2], [3, 4]]);
  assert.deepEqual(torch.tensor([[1, 2], [3, 4]], { dtype: 'float16' }).to('float32').toArray(), [[1, 2], [3, 4]]);
  assert.deepEqual(torch.tensor([1.5, -2], { dtype: 'bfloat16' }).float().toArray(), [1.5, -2]);
  for (const dt of ['float32', 'float64', 'float16', 'bfloat16', 'int64', 'int32', 'int16', 'int8', 'uint8', 'bool'] as const) {
    const t = torch.ones([2, 2], { dtype: dt });
    assert.equal(t.dtype.name, dt);
    assert.equal(t.dtype, torch.normalizeDtype(dt));
    assert.equal(t.to('float64').sum().item(), 4);
  }
  assert.throws(() => torch.tensor([[1, 2], [3]]), /expected sequence of length 2 at dim 1 \(got 1\) at \[1\]/);
  assert.throws(() => torch.zeros(2).to('float33' as never), /unknown dtype 'float33'/);
});

test('math, broadcasting, reductions, shape ops and indexing agree with PyTorch', () => {
  torch.manualSeed(7);
  const x = torch.randn(3, 4, 5);
  const y = torch.randn(4, 1);
  const i = torch.tensor([2, 0, 1], { dtype: 'int64' });
  const m = x.gt(0);
  const ours: Record<string, torch.Tensor> = {
    add: x.add(y, { alpha: 2 }), sub: x.sub(1.5), mul: x.mul(y), div: x.div(y.abs().add(1)),
    pow: x.abs().pow(1.5), matmul: x.matmul(torch.ones(5, 2)), bmm: x.bmm(x.transpose(1, 2)),
    addmm: torch.ones(4, 2).addmm(x.select(0, 0), torch.ones(5, 2), { beta: 0.5, alpha: 2 }),
    sum: x.sum(), sum1: x.sum(1), sumk: x.sum([0, 2], true), mean: x.mean(-1), std: x.std(1), var: x.var(2, { keepdim: true }),
    max: x.max(), maxv: x.max(1).values, maxi: x.max(1).indices, amin: x.amin(2), argmax: x.argmax(2),
    norm: x.norm(), norm1: x.norm(1, 2), topkv: x.topk(2, -1).values, topki: x.topk(2, -1).indices,
    sortv: x.sort(1, true).values, clamp: x.clamp(-0.5, 0.5), exp: x.exp(), log: x.abs().log(), sqrt: x.abs().sqrt(),
    softmax: x.softmax(-1), logsm: x.logSoftmax(1),
    view: x.view(-1, 10), permute: x.permute(2, 0, 1).contiguous(), flat: x.flatten(1), unsq: x.unsqueeze(1),
    squeeze: y.squeeze(), expand: y.expand(3, 4, 7).contiguous(), cat: torch.cat([x, x], 1), stack: torch.stack([y, y]),
    narrow: x.narrow(2, 1, 3), isel: x.indexSelect(0, i), gather: x.gather(2, torch.zeros(3, 4, 2, { dtype: 'int64' })),
    where: torch.where(m, x, 0), masked: x.maskedFill(m, -1), split1: x.split(2, 2)[1]!, chunk2: x.chunk(2, 1)[1]!,
    idx1: x.index(1), idx2: x.index(':', '1:3', '::2'), idx3: x.index('...', -1), idx4: x.index(null, 0, ':', 2),
    idx5: x.index(i), idx6: x.index(m), idx7: x.index(':', torch.tensor([3, 0], { dtype: 'int64' })),
    idx8: x.index('-2:', ':', '1:-1'), eq: x.eq(y), cmp: x.ge(0.1).logicalAnd(x.lt(1)),
    cumsum: x.cumsum(1), flip: x.flip(0, 2),
  };
  const put = x.clone();
  put.indexPut_([':', 0], 5);
  put.indexPut_([m.logicalNot()], torch.tensor(9));
  ours.put = put;
  const inplace = x.clone().mul_(2).add_(y, { alpha: -1 }).clamp_(-1, 1).addcmul_(x, x, { value: 0.5 });
  ours.inplace = inplace;
  const code = `
x, y, i = T['x'], T['y'], T['i']
m = x > 0
OUT.update({
  'add': torch.add(x, y, alpha=2), 'sub': x - 1.5, 'mul': x * y, 'div': x / (y.abs() + 1),
  'pow': x.abs() ** 1.5, 'matmul': x @ torch.ones(5, 2), 'bmm': torch.bmm(x, x.transpose(1, 2)),
  'addmm': torch.addmm(torch.ones(4, 2), x[0], torch.ones(5, 2), beta=0.5, alpha=2),
  'sum': x.sum(), 'sum1': x.sum(1), 'sumk': x.sum((0, 2), keepdim=True), 'mean': x.mean(-1), 'std': x.std(1),
  'var': x.var(2, keepdim=True), 'max': x.max(), 'maxv': x.max(1).values, 'maxi': x.max(1).indices,
  'amin': x.amin(2), 'argmax': x.argmax(2), 'norm': x.norm(), 'norm1': x.norm(1, 2),
  'topkv': x.topk(2, -1).values, 'topki': x.topk(2, -1).indices, 'sortv': x.sort(1, True).values,
  'clamp': x.clamp(-0.5, 0.5), 'exp': x.exp(), 'log': x.abs().log(), 'sqrt': x.abs().sqrt(),
  'softmax': x.softmax(-1), 'logsm': x.log_softmax(1),
  'view': x.view(-1, 10), 'permute': x.permute(2, 0, 1).contiguous(), 'flat': x.flatten(1), 'unsq': x.unsqueeze(1),
  'squeeze': y.squeeze(), 'expand': y.expand(3, 4, 7).contiguous(), 'cat': torch.cat([x, x], 1), 'stack': torch.stack([y, y]),
  'narrow': x.narrow(2, 1, 3), 'isel': x.index_select(0, i), 'gather': x.gather(2, torch.zeros(3, 4, 2, dtype=torch.long)),
  'where': torch.where(m, x, torch.tensor(0.)), 'masked': x.masked_fill(m, -1), 'split1': x.split(2, 2)[1],
  'chunk2': x.chunk(2, 1)[1], 'idx1': x[1], 'idx2': x[:, 1:3, ::2], 'idx3': x[..., -1], 'idx4': x[None, 0, :, 2],
  'idx5': x[i], 'idx6': x[m], 'idx7': x[:, torch.tensor([3, 0])], 'idx8': x[-2:, :, 1:-1],
  'eq': x == y, 'cmp': (x >= 0.1) & (x < 1), 'cumsum': x.cumsum(1), 'flip': x.flip(0, 2),
})
put = x.clone()
put[:, 0] = 5
put[~m] = torch.tensor(9.)
OUT['put'] = put
OUT['inplace'] = x.clone().mul_(2).add_(y, alpha=-1).clamp_(-1, 1).addcmul_(x, x, value=0.5)
`;
  const { tensors } = runPython(code, { tensors: { x, y, i } });
  for (const [k, v] of Object.entries(ours)) {
    const ref = tensors[k];
    assert.ok(ref, `PyTorch produced ${k}`);
    assert.deepEqual(v.shape, ref.shape, `${k}: shape`);
    assert.equal(v.dtype, ref.dtype, `${k}: dtype`);
    if (v.dtype.name === 'bool' || v.dtype.name === 'int64') assert.ok(v.equal(ref), `${k}: values`);
    else assertClose(v, ref, { atol: 1e-6, rtol: 1e-5, what: k });
  }
});

test('printing matches PyTorch repr', () => {
  torch.manualSeed(3);
  const cases: Record<string, torch.Tensor> = {
    a: torch.randn(2, 3), b: torch.arange(12).reshape(3, 4), c: torch.tensor([1, 2.5, -3]), d: torch.zeros(2, 2, 2),
    e: torch.tensor([true, false]), f: torch.randn(3).mul(1e5), g: torch.randn(2000), h: torch.ones(3, { dtype: 'int32' }),
    i: torch.tensor([1, 2], { dtype: 'float64' }), j: torch.tensor([1e-6, 1]), k: torch.randn(40, 40),
    l: torch.zeros(0, 3), m: torch.tensor(3.5), n: torch.randn(2, 2, { requiresGrad: true }),
  };
  const { json } = runPython(`
torch.set_printoptions(profile='default')
OUT_J = {k: repr(v) for k, v in T.items()}
OUT_J['n'] = repr(T['n'].requires_grad_())
OUT_J['o'] = repr(T['n'] * 2)
`, { tensors: cases });
  cases.o = cases.n!.mul(2);
  for (const [k, t] of Object.entries(cases)) assert.equal(t.toString(), json[k], `repr of ${k}`);
});

test('conversions: item, toArray, dataSync, zero-copy buffers', () => {
  const t = torch.tensor([[1, 2], [3, 4]]);
  assert.equal(t.sum().item(), 10);
  assert.throws(() => t.item(), /4 elements, item\(\) needs exactly one/);
  assert.deepEqual(Array.from(t.dataSync() as Float32Array), [1, 2, 3, 4]);
  assert.deepEqual(t.long().toArray(), [[1, 2], [3, 4]]);
  assert.deepEqual(t.gt(2).toArray(), [[false, false], [true, true]]);
  const buf = t.toBuffer();
  new Float32Array(buf.buffer, buf.byteOffset, 4)[0] = 42;
  assert.equal(t.index(0, 0).item(), 42, 'toBuffer shares memory');
  t.dispose();
  assert.equal(new Float32Array(buf.buffer, buf.byteOffset, 4)[1], 2, 'the buffer keeps the memory alive after dispose');
  assert.throws(() => t.transpose(0, 1).toBuffer(), /disposed/);
  assert.throws(() => torch.ones(2, 3).t().toBuffer(), /contiguous/);
});

test('libtorch errors become JavaScript errors with libtorch\'s message', () => {
  assert.throws(() => torch.ones(2, 3).mm(torch.ones(2, 3)), /mat1 and mat2 shapes cannot be multiplied \(2x3 and 2x3\)/);
  assert.throws(() => torch.ones(2, 3).view(7), /shape '\[7\]' is invalid for input of size 6/);
  assert.throws(() => torch.ones(2).index(5), /index 5 is out of bounds for dimension 0 with size 2/);
  assert.throws(() => torch.ones(2).to('cuda'), /needs a libtorch built with CUDA|CUDA/);
  assert.throws(() => torch.ones(2).to('tpu'), /unknown dtype 'tpu'|unknown device/);
  assert.throws(() => torch.op('aten::conv2d')(torch.ones(1)._h, 'x'), /aten::conv2d: argument 'weight' \(Tensor\) expected a Tensor/);
  assert.throws(() => torch.op('aten::no_such_op')(), /operator aten::no_such_op is not in the linked libtorch/);
});

test('torch.config reports the linked libtorch and threads', () => {
  const c = torch.config();
  assert.match(c.version ?? '', /^\d+\.\d+/);
  assert.equal(typeof c.cuda, 'boolean');
  assert.ok(c.numThreads >= 1);
  assert.match(c.showConfig, /PyTorch built with/);
  const before = torch.getNumThreads();
  torch.setNumThreads(1);
  assert.equal(torch.getNumThreads(), 1);
  torch.setNumThreads(before);
  assert.throws(() => torch.setNumThreads(0), /positive integer/);
});

test('torch.Generator: a private stream equal to PyTorch\'s, leaving the default stream alone', () => {
  torch.manualSeed(9);
  const g = new torch.Generator(5);
  const a = g.run(() => torch.rand(3));
  const b = torch.rand(2);
  const c = g.run(() => [torch.randn(2), torch.randint(0, 100, [4]), torch.randperm(5), torch.empty(3).uniform_(), torch.empty(2).normal_()]);
  const { tensors } = runPython(`
torch.manual_seed(9)
g = torch.Generator().manual_seed(5)
OUT['a'] = torch.rand(3, generator=g)
OUT['b'] = torch.rand(2)
OUT['c0'] = torch.randn(2, generator=g)
OUT['c1'] = torch.randint(0, 100, (4,), generator=g)
OUT['c2'] = torch.randperm(5, generator=g)
OUT['c3'] = torch.empty(3).uniform_(generator=g)
OUT['c4'] = torch.empty(2).normal_(generator=g)
`);
  assert.ok(a.equal(tensors.a!));
  assert.ok(b.equal(tensors.b!), 'the default stream is not disturbed by the private one');
  c.forEach((t, i) => assert.ok(t.equal(tensors[`c${i}`]!), `draw ${i}`));
  assert.equal(g.initialSeed(), 5n);
  assert.throws(() => torch.op('aten::add.Tensor')(g._g, 1), /expected a Tensor/);
});
