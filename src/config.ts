// What libtorch is linked, and its threads: torch.config(), torch.setNumThreads().
import { availableParallelism } from 'node:os';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { withArgs } from './args.js';
import { native, addonPath } from './native/binding.js';
import { py } from './native/python-layer.js';

export interface TorchConfig {
  /** libtorch's version, e.g. "1.13.0". */
  version: string | null;
  /** Where the linked libtorch was found at build time, and how (LIBTORCH, python3 torch, system). */
  path: string | null;
  source: string | null;
  addon: string;
  cuda: boolean;
  cudaDeviceCount: number;
  /** The vectorised kernels libtorch uses on this CPU (DEFAULT, AVX2, AVX512). */
  cpuCapability: string | null;
  numThreads: number;
  numInteropThreads: number;
  /** BLAS as libtorch was built (often "generic": whatever libblas.so.3 points to). */
  blas: string | null;
  /** The BLAS library actually mapped into this process (Linux), e.g. .../openblas-pthread/libblas.so.3. */
  blasLibrary: string | null;
  mkldnn: boolean;
  /** JPEG photos are decoded by libjpeg-turbo in the addon (else by sharp). */
  libjpeg: boolean;
  openmp: boolean;
  /** libtorch's own build report (torch.__config__.show()). */
  showConfig: string;
  parallelInfo: string;
}

export function config(): TorchConfig {
  const b = native.buildInfo();
  let path: string | null = null;
  let source: string | null = null;
  const cfgFile = fileURLToPath(new URL('../.tstorch-build/libtorch.json', import.meta.url));
  if (existsSync(cfgFile)) {
    const c = JSON.parse(readFileSync(cfgFile, 'utf8')) as { root: string; source: string };
    path = c.root;
    source = c.source;
  }
  const cap = /CPU capability usage: (\S+)/.exec(b.showConfig);
  const blas = /BLAS_INFO=([^,\s]+)/.exec(b.showConfig);
  let blasLibrary: string | null = null;
  try {
    const maps = readFileSync('/proc/self/maps', 'utf8');
    const m = /(\/\S*(?:openblas|libblas|mkl_rt|libflexiblas)\S*)/.exec(maps);
    if (m) blasLibrary = m[1]!;
  } catch { /* not Linux */ }
  return {
    blasLibrary,
    version: b.version, path, source, addon: addonPath, cuda: b.cuda, cudaDeviceCount: b.cudaDeviceCount,
    cpuCapability: cap ? cap[1]! : null, numThreads: native.getNumThreads(), numInteropThreads: b.interopThreads,
    blas: blas ? blas[1]! : null, mkldnn: b.mkldnn, libjpeg: b.libjpeg, openmp: b.openmp, showConfig: b.showConfig, parallelInfo: b.parallelInfo,
  };
}

/**
 * The most intra-op threads setNumThreads accepts: 4 per hardware thread. PyTorch takes any positive number,
 * but beyond the cores OpenMP threads only contend for them (a LeNet step got 12-18x slower with 2 threads on a
 * loaded 2-core machine), and thousands of them exhaust memory (each reserves a stack) or hang the process.
 */
export function maxNumThreads(): number {
  return 4 * Math.max(1, availableParallelism());
}

/** Intra-op threads of libtorch (torch.set_num_threads). */
export const setNumThreads = withArgs('setNumThreads', 'torch.set_num_threads', 'n', setNumThreadsImpl);
function setNumThreadsImpl(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`setNumThreads: n must be a positive integer, got ${n}`);
  const max = maxNumThreads();
  if (n > max) {
    throw new RangeError(`setNumThreads: ${n} threads is more than 4 per hardware thread (${availableParallelism()} here, so at most ${max}): `
      + 'threads beyond the cores only contend for them, and thousands exhaust memory');
  }
  native.setNumThreads(n);
}
export const getNumThreads = withArgs('getNumThreads', 'torch.get_num_threads', '', (): number => native.getNumThreads());

export namespace cuda {
  export const isAvailable = withArgs('isAvailable', 'torch.cuda.is_available', '', (): boolean => native.buildInfo().cuda);
  export const deviceCount = withArgs('deviceCount', 'torch.cuda.device_count', '', (): number => native.buildInfo().cudaDeviceCount);
}

/**
 * The intra-op thread count PyTorch starts with, so that a default tstorch run and a default PyTorch run on the
 * same libtorch compute the same way: at::init_num_threads() reads OMP_NUM_THREADS / MKL_NUM_THREADS, else
 * takes the physical cores libtorch counts (1 on a 2-vCPU cloud machine). TSTORCH_NUM_THREADS overrides it for
 * tstorch alone. `tstorch train --threads 0` still times 1 thread against all cores and keeps the faster.
 */
function defaultThreads(): void {
  const fromEnv = process.env.TSTORCH_NUM_THREADS;
  if (fromEnv !== undefined && fromEnv !== '') {
    const n = Number(fromEnv);
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`TSTORCH_NUM_THREADS must be a positive integer, got '${fromEnv}'`);
    setNumThreadsImpl(n);
  } else {
    py.initNumThreads();
  }
}
defaultThreads();
