// torch.blas: OpenBLAS's own thread pool, which torch.setNumThreads does not bound.
//
// libtorch does its matrix products (mm, addmm, bmm: linear layers, attention, dilated convolutions' im2col
// GEMMs) in the BLAS that libblas.so.3 points to. Debian's libopenblas0-pthread keeps a pool of one thread per
// core of its own, beside libtorch's OpenMP threads: with torch.setNumThreads(1) a Swin-T pass still keeps two
// cores busy, in PyTorch as in tstorch (PyTorch 1.13's at::set_num_threads sets OpenMP's and MKL's counts only;
// `torch.set_num_threads(1)` leaves `openblas_get_num_threads()` at 2 on a 2-core machine). Python users pin it
// with OPENBLAS_NUM_THREADS before importing torch, or threadpoolctl; in a Node process the library is loaded
// before user code runs, so this module calls openblas_set_num_threads. The count can change a product's last
// bits: OpenBLAS chooses its kernels by it (a 200x80 by 80x952 product rounds differently at 1 and 2 threads on a
// Cooperlake core), so tstorch equals PyTorch bit for bit at equal counts (test/blas.test.ts).
import { availableParallelism } from 'node:os';
import { withArgs } from './args.js';
import { native } from './native/binding.js';

export interface BlasInfo {
  /** The loaded OpenBLAS library, or null when libtorch's BLAS in this process is not OpenBLAS. */
  library: string | null;
  /** openblas_get_config(): version, build options, the kernel chosen for this CPU and MAX_THREADS. */
  config: string | null;
  /** Threads OpenBLAS uses for one call now (the caller's included), or null without OpenBLAS. */
  numThreads: number | null;
}

interface BlasNative {
  blasInfo(): BlasInfo;
  blasSetNumThreads(n: number): void;
}
const nb = native as unknown as BlasNative;

/** What BLAS library libtorch's matrix products run in, and its thread count. */
export const info = withArgs('info', 'tstorch.blas.info', '', function info(): BlasInfo {
  return nb.blasInfo();
});

/** OpenBLAS's thread count (null when the BLAS is not OpenBLAS). */
export const getNumThreads = withArgs('getNumThreads', 'tstorch.blas.getNumThreads', '', function getNumThreads(): number | null {
  return nb.blasInfo().numThreads;
});

/**
 * Sets how many threads OpenBLAS uses for one matrix product (openblas_set_num_threads; OPENBLAS_NUM_THREADS in
 * Python). An error when the BLAS is not OpenBLAS, or for a count OpenBLAS would silently clamp (over its
 * MAX_THREADS) or that only oversubscribes the cores (over 4 per hardware thread, as torch.setNumThreads).
 * Call it between passes, not while another thread runs a matrix product.
 */
export const setNumThreads = withArgs('setNumThreads', 'tstorch.blas.setNumThreads', 'n', function setNumThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`blas.setNumThreads: n must be a positive integer, got ${n}`);
  const i = nb.blasInfo();
  if (i.numThreads === null) {
    throw new Error('blas.setNumThreads: the BLAS libtorch uses in this process is not OpenBLAS, so there is no OpenBLAS pool to size');
  }
  const maxBuilt = Number(/MAX_THREADS=(\d+)/.exec(i.config ?? '')?.[1] ?? Infinity);
  const max = Math.min(maxBuilt, 4 * Math.max(1, availableParallelism()));
  if (n > max) {
    throw new RangeError(`blas.setNumThreads: ${n} threads is more than ${max} (` +
      (max === maxBuilt ? `this OpenBLAS was built with MAX_THREADS=${maxBuilt})` : `4 per hardware thread, ${availableParallelism()} here)`));
  }
  nb.blasSetNumThreads(n);
});
