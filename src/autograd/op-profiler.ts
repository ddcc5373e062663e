// Per-operator CPU time, from libtorch's RecordFunction hooks (src/native/profiler.cc): the numbers
// torch.autograd.profiler.profile().key_averages() gives in PyTorch (calls, cpu_time_total, self_cpu_time_total),
// so the same model run in tstorch and in PyTorch can be compared operator by operator (bench/op-profile.ts).
import { native } from '../native/binding.js';
import { bindOwn, registerSignature } from '../args.js';

/** One operator's totals over the profiled region. */
export interface OpTotals {
  /** The dispatcher's name, e.g. `aten::mkldnn_convolution`. */
  name: string;
  calls: number;
  /** Inclusive time: the operator and everything it called. */
  totalMs: number;
  /** Exclusive time: `totalMs` minus the operators it called. */
  selfMs: number;
}

interface ProfilerNative {
  profilerStart(): void;
  profilerStop(): OpTotals[];
}
const prof = native as unknown as ProfilerNative;

/**
 * Runs `fn` with every libtorch operator timed; returns its result and the per-operator totals, largest self
 * time first. One profiled region at a time (a nested call is an error); the hooks are removed even if `fn` throws.
 */
export function profileOps<T>(fn: () => T): { result: T; ops: OpTotals[] } {
  [fn] = bindOwn(profileOps, arguments) as [() => T];
  prof.profilerStart();
  let result: T;
  try {
    result = fn();
  } catch (e) {
    prof.profilerStop();
    throw e;
  }
  return { result, ops: prof.profilerStop() };
}
// tstorch's own (PyTorch's profiler is a context manager): an extra argument is a TypeError naming it.
registerSignature(profileOps, 'profileOps', 'tstorch.autograd.profileOps', 'fn');
