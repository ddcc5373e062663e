// torch.blas: OpenBLAS's own thread pool (src/blas.ts). libtorch's matrix products run in it with one thread
// per core whatever torch.setNumThreads says, in PyTorch as in tstorch; torch.blas reads and sets its size.
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

test('OpenBLAS: its thread count as PyTorch sees it, set independently of torch.setNumThreads, results bit-equal', { skip: start.library === null && 'the BLAS here is not OpenBLAS' }, () => {
  assert.match(start.config!, /^OpenBLAS \d/);
  assert.ok(start.numThreads! >= 1);
  torch.manualSeed(0);
  const a = torch.randn([192, 320]);
  const b = torch.randn([320, 256]);
  const q = torch.randn([4, 96, 64]);
  const k = torch.randn([4, 64, 96]);
  // PyTorch in this process's environment, at 1 libtorch thread: OpenBLAS keeps its own count, the one tstorch reports.
  const pyBlas = Number(execFileSync(PYTHON, ['-c', OPENBLAS_THREADS_PY], { encoding: 'utf8' }).trim());
  assert.equal(start.numThreads, pyBlas, 'tstorch and PyTorch start OpenBLAS with the same thread count');
  // the helper runs PyTorch with OMP_NUM_THREADS=1, which OpenBLAS also reads: its products here use 1 thread
  const py = runPython(`
import ctypes
lib = next(l.split()[-1] for l in open('/proc/self/maps') if 'openblas' in l.split()[-1])
OUT_J = {'threads': torch.get_num_threads(), 'blas': ctypes.CDLL(lib).openblas_get_num_threads()}
OUT['mm'] = T['a'] @ T['b']
OUT['bmm'] = torch.bmm(T['q'], T['k'])
`, { tensors: { a, b, q, k } });
  const pj = py.json as { threads: number; blas: number };
  assert.equal(pj.threads, 1);
  assert.equal(pj.blas, 1);
  const before = torch.getNumThreads();
  try {
    torch.setNumThreads(1);
    assert.equal(torch.blas.getNumThreads(), start.numThreads, 'torch.setNumThreads leaves OpenBLAS alone, as in PyTorch');
    const mm = a.matmul(b);
    const bmm = torch.bmm(q, k);
    assert.ok(mm.equal(py.tensors.mm!), 'mm equals PyTorch (1 OpenBLAS thread) bit for bit');
    assert.ok(bmm.equal(py.tensors.bmm!), 'bmm equals PyTorch (1 OpenBLAS thread) bit for bit');
    torch.blas.setNumThreads(1);
    assert.equal(torch.blas.getNumThreads(), 1);
    assert.ok(a.matmul(b).equal(mm), 'mm at 1 OpenBLAS thread is bit-equal');
    assert.ok(torch.bmm(q, k).equal(bmm), 'bmm at 1 OpenBLAS thread is bit-equal');
    torch.blas.setNumThreads(start.numThreads!);
    assert.equal(torch.blas.getNumThreads(), start.numThreads);
  } finally {
    torch.setNumThreads(before);
    torch.blas.setNumThreads(start.numThreads!);
  }
  for (const bad of [0, -1, 1.5, Number.NaN]) assert.throws(() => torch.blas.setNumThreads(bad), /blas\.setNumThreads: n must be a positive integer/);
  assert.throws(() => torch.blas.setNumThreads(100000), /blas\.setNumThreads: 100000 threads is more than \d+/);
});
