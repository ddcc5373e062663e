// torch.backends: the switches PyTorch exposes as module properties (`torch.backends.cudnn.benchmark = True`),
// read from and written to libtorch's global context, so they change what libtorch does exactly as in Python.
// On a CPU-only libtorch the CUDA, cuDNN and MPS ones report unavailable; their flags still hold their values,
// as PyTorch's do.
import { withArgs } from './args.js';
import { py, type BackendFlags, type SettableFlag } from './native/python-layer.js';

const get = <K extends keyof BackendFlags>(k: K): BackendFlags[K] => py.backendsGet()[k];
function set(name: SettableFlag, what: string, v: unknown): void {
  if (typeof v !== 'boolean') throw new TypeError(`${what} must be a boolean, got ${typeof v}`);
  py.backendsSet(name, v);
}

/** torch.backends.cudnn */
export const cudnn = {
  /** Whether libtorch was built with cuDNN and it can be used. */
  isAvailable: withArgs('isAvailable', 'torch.backends.cudnn.is_available', '', (): boolean => get('cudnnAvailable')),
  /** cuDNN's version, or null without cuDNN. */
  version: withArgs('version', 'torch.backends.cudnn.version', '', (): number | null => null),
  /** Whether cuDNN may be used (torch.backends.cudnn.enabled). */
  get enabled(): boolean { return get('cudnnEnabled'); },
  set enabled(v: boolean) { set('cudnnEnabled', 'torch.backends.cudnn.enabled', v); },
  /** Whether cuDNN benchmarks convolution algorithms and keeps the fastest (torch.backends.cudnn.benchmark). */
  get benchmark(): boolean { return get('cudnnBenchmark'); },
  set benchmark(v: boolean) { set('cudnnBenchmark', 'torch.backends.cudnn.benchmark', v); },
  /** Whether cuDNN uses deterministic algorithms only (torch.backends.cudnn.deterministic). */
  get deterministic(): boolean { return get('cudnnDeterministic'); },
  set deterministic(v: boolean) { set('cudnnDeterministic', 'torch.backends.cudnn.deterministic', v); },
  /** Whether cuDNN convolutions may use TF32 on Ampere GPUs (torch.backends.cudnn.allow_tf32). */
  get allowTf32(): boolean { return get('cudnnAllowTF32'); },
  set allowTf32(v: boolean) { set('cudnnAllowTF32', 'torch.backends.cudnn.allow_tf32', v); },
};

/** torch.backends.cuda */
export const cuda = {
  /** Whether libtorch was built with CUDA (torch.backends.cuda.is_built()). */
  isBuilt: withArgs('isBuilt', 'torch.backends.cuda.is_built', '', (): boolean => get('cudaAvailable')),
  matmul: {
    /** torch.backends.cuda.matmul.allow_tf32 */
    get allowTf32(): boolean { return get('cublasAllowTF32'); },
    set allowTf32(v: boolean) { set('cublasAllowTF32', 'torch.backends.cuda.matmul.allow_tf32', v); },
  },
};

/** torch.backends.mkldnn (oneDNN, which libtorch's CPU convolutions use when enabled). */
export const mkldnn = {
  isAvailable: withArgs('isAvailable', 'torch.backends.mkldnn.is_available', '', (): boolean => get('mkldnnAvailable')),
  /** torch.backends.mkldnn.enabled: whether oneDNN kernels may be used. */
  get enabled(): boolean { return get('mkldnnEnabled'); },
  set enabled(v: boolean) { set('mkldnnEnabled', 'torch.backends.mkldnn.enabled', v); },
};

/** torch.backends.mps (Apple GPUs). */
export const mps = {
  isAvailable: withArgs('isAvailable', 'torch.backends.mps.is_available', '', (): boolean => get('mpsAvailable')),
  isBuilt: withArgs('isBuilt', 'torch.backends.mps.is_built', '', (): boolean => get('mpsAvailable')),
};

/** torch.backends.openmp */
export const openmp = {
  isAvailable: withArgs('isAvailable', 'torch.backends.openmp.is_available', '', (): boolean => get('openmpAvailable')),
};

/** torch.use_deterministic_algorithms(mode, { warnOnly }) */
export const useDeterministicAlgorithms = withArgs('useDeterministicAlgorithms', 'torch.use_deterministic_algorithms', 'mode; *, warnOnly', useDeterministic);
function useDeterministic(mode: boolean, opts: { warnOnly?: boolean } = {}): void {
  if (typeof mode !== 'boolean') throw new TypeError(`useDeterministicAlgorithms: mode must be a boolean, got ${typeof mode}`);
  for (const k of Object.keys(opts)) if (k !== 'warnOnly') throw new TypeError(`useDeterministicAlgorithms() got an unexpected keyword argument '${k}'`);
  py.backendsSet('deterministicAlgorithms', mode, opts.warnOnly ?? false);
}
/** torch.are_deterministic_algorithms_enabled() */
export const areDeterministicAlgorithmsEnabled = withArgs('areDeterministicAlgorithmsEnabled', 'torch.are_deterministic_algorithms_enabled', '', (): boolean => get('deterministicAlgorithms'));
/** torch.is_deterministic_algorithms_warn_only_enabled() */
export const isDeterministicAlgorithmsWarnOnlyEnabled = withArgs('isDeterministicAlgorithmsWarnOnlyEnabled', 'torch.is_deterministic_algorithms_warn_only_enabled', '', (): boolean => get('deterministicAlgorithmsWarnOnly'));
/** torch.set_flush_denormal(mode): whether denormal floats are flushed to zero on CPU; false if unsupported. */
export const setFlushDenormal = withArgs('setFlushDenormal', 'torch.set_flush_denormal', 'mode', setFlushDenormalImpl);
function setFlushDenormalImpl(mode: boolean): boolean {
  if (typeof mode !== 'boolean') throw new TypeError(`setFlushDenormal: mode must be a boolean, got ${typeof mode}`);
  return py.backendsSet('flushDenormal', mode) as boolean;
}
