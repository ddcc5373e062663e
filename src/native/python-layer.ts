// Types of the native functions in python-layer.cc: autograd nodes, Tensor.data, tensors over JavaScript memory,
// torch.backends flags and PyTorch's default thread count.
import { native, type Handle } from './binding.js';

/** An opaque reference to a native torch::autograd::Node (keeps its part of the graph alive). */
export type NodeHandle = { readonly __nodeHandle: unique symbol };

export interface BackendFlags {
  cudaAvailable: boolean;
  cudnnAvailable: boolean;
  cudnnEnabled: boolean;
  cudnnBenchmark: boolean;
  cudnnDeterministic: boolean;
  cudnnAllowTF32: boolean;
  cublasAllowTF32: boolean;
  mkldnnAvailable: boolean;
  mkldnnEnabled: boolean;
  mpsAvailable: boolean;
  openmpAvailable: boolean;
  deterministicAlgorithms: boolean;
  deterministicAlgorithmsWarnOnly: boolean;
}
export type SettableFlag = 'cudnnEnabled' | 'cudnnBenchmark' | 'cudnnDeterministic' | 'cudnnAllowTF32' | 'cublasAllowTF32'
  | 'mkldnnEnabled' | 'deterministicAlgorithms' | 'flushDenormal';

export interface PythonLayer {
  gradFnNode(h: Handle): NodeHandle | null;
  nodeName(n: NodeHandle): string;
  nodeAddress(n: NodeHandle): string;
  nodeSame(a: NodeHandle, b: NodeHandle): boolean;
  nodeNextFunctions(n: NodeHandle): [NodeHandle | null, number][];
  nodeVariable(n: NodeHandle): Handle | null;
  variableData(h: Handle): Handle;
  fromArrayBuffer(buffer: ArrayBufferLike, byteOffset: number, shape: number[], dtypeCode: number): Handle;
  backendsGet(): BackendFlags;
  backendsSet(name: SettableFlag, value: boolean, warnOnly?: boolean): boolean | undefined;
  /** at::init_num_threads() on this thread; returns the resulting intra-op thread count. */
  initNumThreads(): number;
  hardwareConcurrency(): number;
}

export const py = native as unknown as PythonLayer;
