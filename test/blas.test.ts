// torch.blas: OpenBLAS's own thread pool (src/blas.ts). libtorch's matrix products run in it with one thread
// per core whatever torch.setNumThreads says, in PyTorch as in tstorch; torch.blas reads and sets its size. The
// count can change the rounding of a product (OpenBLAS picks its kernels by it), so equality with PyTorch holds at
// equal counts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../src/index.js';
import { execFileSync } from 'node:child_process';
import { runPython, PYTHON } from './helpers/pytorch.js';

// OpenBLAS's thread count in a PyTorch process with this process's environment, after torch.set_num_threads(1).
const OPENBLAS_THREADS_PY = `
import ctypes, torch
torch.set_num_threads(1)
lib = next(l.split()[-1] for l in open('/proc/self/maps') if 'openblas' in l.split()[-1])
print(ctypes.CDLL(lib).openblas_get_num_threads())
`;

const start = torch.blas.info();

test('without OpenBLAS, blas.setNumThreads says so', { skip: start.library !== null && 'OpenBLAS is loaded here' }, () => {
  assert.equal(start.numThreads, null);
  assert.throws(() => torch.blas.setNumThreads(1), /not OpenBLAS/);
});

test('OpenBLAS: its thread count as PyTorch sees it, set independently of torch.setNumThreads, results bit-equal to PyTorch at each count', { skip: start.library === null && 'the BLAS here is not OpenBLAS' }, () => {
  assert.match(start.config!, /^OpenBLAS \d/);
  assert.ok(start.numThreads! >= 1);
  torch.manualSeed(0);
  // [m, k, n] products; 200x80x952 (a 1x1 convolution's GEMM in MobileNet v3) and 512x512x49 round differently
  // at 1 and 2 OpenBLAS threads on a 2-core Cooperlake machine, 192x320x256 does not
  const shapes = [[192, 320, 256], [200, 80, 952], [512, 512, 49]];
  const pairs = shapes.map(([m, k, n]) => [torch.randn([m!, k!]), torch.randn([k!, n!])] as const);
  const q = torch.randn([4, 96, 64]);
  const k = torch.randn([4, 64, 96]);
  // PyTorch in this process's environment, at 1 libtorch thread: OpenBLAS keeps its own count, the one tstorch reports.
  const pyBlas = Number(execFileSync(PYTHON, ['-c', OPENBLAS_THREADS_PY], { encoding: 'utf8' }).trim());
  assert.equal(start.numThreads, pyBlas, 'tstorch and PyTorch start OpenBLAS with the same thread count');
  const tensors: Record<string, torch.Tensor> = { q, k };
  pairs.forEach(([a, b], i) => { tensors[`a${i}`] = a; tensors[`b${i}`] = b; });
  const before = torch.getNumThreads();
  try {
    torch.setNumThreads(1);
    assert.equal(torch.blas.getNumThreads(), start.numThreads, 'torch.setNumThreads leaves OpenBLAS alone, as in PyTorch');
    for (const count of [...new Set([start.numThreads!, 1])]) {
      torch.blas.setNumThreads(count);
      assert.equal(torch.blas.getNumThreads(), count);
      // the helper passes this process's OpenBLAS count on (OPENBLAS_NUM_THREADS)
      const py = runPython(`
import ctypes
lib = next(l.split()[-1] for l in open('/proc/self/maps') if 'openblas' in l.split()[-1])
OUT_J = {'threads': torch.get_num_threads(), 'blas': ctypes.CDLL(lib).openblas_get_num_threads()}
for i in range(${shapes.length}): OUT['mm%d' % i] = T['a%d' % i] @ T['b%d' % i]
OUT['bmm'] = torch.bmm(T['q'], T['k'])
`, { tensors });
      const pj = py.json as { threads: number; blas: number };
      assert.deepEqual(pj, { threads: 1, blas: count }, 'the oracle runs at this process\'s thread counts');
      pairs.forEach(([a, b], i) => assert.ok(a.matmul(b).equal(py.tensors[`mm${i}`]!), `mm ${shapes[i]!.join('x')} at ${count} OpenBLAS thread(s) equals PyTorch bit for bit`));
      assert.ok(torch.bmm(q, k).equal(py.tensors.bmm!), `bmm at ${count} OpenBLAS thread(s) equals PyTorch bit for bit`);
    }
  } finally {
    torch.setNumThreads(before);
    torch.blas.setNumThreads(start.numThreads!);
  }
  assert.equal(torch.blas.getNumThreads(), start.numThreads);
  for (const bad of [0, -1, 1.5, Number.NaN]) assert.throws(() => torch.blas.setNumThreads(bad), /blas\.setNumThreads: n must be a positive integer/);
  assert.throws(() => torch.blas.setNumThreads(100000), /blas\.setNumThreads: 100000 threads is more than \d+/);
});
