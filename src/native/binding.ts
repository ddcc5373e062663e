// Loads the N-API addon (build/Release/tstorch.node) and types its surface. Everything native goes through
// this object; see src/native/addon.cc for what each function does.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** An opaque reference to a native at::Tensor. */
export type Handle = { readonly __tensorHandle: unique symbol };
/** An opaque reference to a native at::Generator (CPU). */
export type GeneratorHandle = { readonly __generatorHandle: unique symbol };

export interface BuildInfo {
  version: string | null;
  showConfig: string;
  parallelInfo: string;
  cuda: boolean;
  cudaDeviceCount: number;
  mkldnn: boolean;
  openmp: boolean;
  lapack: boolean;
  interopThreads: number;
  /** Built with libjpeg-turbo: plain JPEGs are decoded in the addon rather than by sharp. */
  libjpeg: boolean;
}

export interface Native {
  opHandle(name: string, overload: string): number;
  opSchema(id: number): string;
  call(id: number, ...args: unknown[]): any;
  fromBytes(view: ArrayBufferView, shape: number[], dtypeCode: number): Handle;
  toBytes(h: Handle): ArrayBuffer;
  viewBytes(h: Handle): ArrayBuffer;
  shape(h: Handle): number[];
  strides(h: Handle): number[];
  dim(h: Handle): number;
  numel(h: Handle): number;
  dtype(h: Handle): number;
  device(h: Handle): string;
  storageInfo(h: Handle): [key: string, nbytes: number, offset: number];
  dataPtr(h: Handle): number;
  /** The tensor's version counter (torch.Tensor._version). */
  tensorVersion(h: Handle): number;
  /** Whether libtorch would run this 2-d or 3-d convolution on oneDNN with plain tensors, grad and tracing off (src/nn/modules/conv-prepack.ts). */
  mkldnnConvEligible(input: Handle, weight: Handle, bias: Handle | null, stride: number[], padding: number[], dilation: number[], groups: number): boolean;
  isContiguous(h: Handle, memoryFormat?: number): boolean;
  dispose(h: Handle): void;
  isDisposed(h: Handle): boolean;
  /** While true, new tensors are not reported to V8 as external memory (a tidy scope will free them). */
  setDeferExternal(defer: boolean): void;
  /** Reports a tensor made while deferred, once it outlives its tidy scope. */
  reportExternal(h: Handle): void;
  same(a: Handle, b: Handle): boolean;
  /** Pillow's horizontal 8-bit resampling loop (coefficients from vision/transforms/pil-kernels.ts). */
  resampleHorizontal(src: Uint8Array, srcW: number, channels: number, y0: number, rows: number, outW: number,
    bounds: Int32Array, kk: Int32Array, ksize: number, out: Uint8Array): void;
  /** Pillow's vertical 8-bit resampling loop; image row r is row r - rowOffset of src. */
  resampleVertical(src: Uint8Array, rowLen: number, rowOffset: number, outH: number, bounds: Int32Array,
    kk: Int32Array, ksize: number, out: Uint8Array): void;
  /** libjpeg-turbo decode of a plain 3-component JPEG to RGB bytes; null when sharp must decode it. */
  /** maxPixels (default 2^28): a larger header is not decoded but answered with its size and `tooLarge`. */
  decodeJpeg(bytes: Uint8Array, maxPixels?: number): { width: number; height: number; channels: number; data: Uint8Array } | { width: number; height: number; tooLarge: true } | null;
  /** HWC bytes to a CHW tensor: float32 through per-channel tables (channels x 256), or uint8 when tables is null. */
  imageToCHW(src: Uint8Array, height: number, width: number, channels: number, tables: Float32Array | null): Handle;
  /** `out` = `src` mirrored left to right (HWC bytes). */
  flipImage(src: Uint8Array, height: number, width: number, channels: number, out: Uint8Array): void;
  memoryStats(): { liveTensors: number; liveBytes: number; reportedBytes: number };
  requiresGrad(h: Handle): boolean;
  setRequiresGrad(h: Handle, value: boolean): void;
  isLeaf(h: Handle): boolean;
  gradFn(h: Handle): string | null;
  grad(h: Handle): Handle | null;
  setGrad(h: Handle, g: Handle | null): void;
  /** Optimizer.zeroGrad's loop over parameters in one call: gradients set to undefined, or detached and zeroed in place. */
  zeroGrads(params: Handle[], setToNone: boolean): void;
  /**
   * SGD's update in one pass per parameter (src/native/fused_sgd.cc), bit for bit ATen's operators; bufs are the
   * momentum buffers (null when momentum is 0). Returns the indices it did not update (not plain contiguous
   * float32/float64 CPU tensors, or a CPU or libtorch where the kernel does not match ATen's operators).
   */
  sgdFusedStep(params: Handle[], grads: Handle[], bufs: Handle[] | null, lr: number, momentum: number,
    dampening: number, weightDecay: number, nesterov: boolean, maximize: boolean): number[];
  /** Whether sgdFusedStep updates parameters of this dtype here ('float32' or 'float64'). */
  sgdFusedUsable(dtype: string): boolean;
  backward(tensors: Handle[], grads: (Handle | null)[] | null, retainGraph: boolean | undefined, createGraph: boolean,
    inputs: Handle[] | null): void;
  autogradGrad(outputs: Handle[], inputs: Handle[], gradOutputs: (Handle | null)[] | null, retainGraph: boolean | undefined,
    createGraph: boolean, allowUnused: boolean): (Handle | null)[];
  setGradEnabled(enabled: boolean): boolean;
  isGradEnabled(): boolean;
  inferenceModeEnter(enabled: boolean): void;
  inferenceModeExit(): void;
  isInferenceModeEnabled(): boolean;
  isInference(h: Handle): boolean;
  manualSeed(seed: number | bigint): void;
  initialSeed(): bigint;
  getRngState(): Handle;
  setRngState(h: Handle): void;
  newGenerator(seed?: number | bigint): GeneratorHandle;
  generatorManualSeed(g: GeneratorHandle, seed: number | bigint): void;
  generatorInitialSeed(g: GeneratorHandle): bigint;
  generatorGetState(g: GeneratorHandle): Handle;
  generatorSetState(g: GeneratorHandle, state: Handle): void;
  /** Makes g the generator of this thread's random operators (null: libtorch's default generator again). */
  useGenerator(g: GeneratorHandle | null): void;
  setNumThreads(n: number): void;
  getNumThreads(): number;
  buildInfo(): BuildInfo;
}

export const addonPath = fileURLToPath(new URL('../../build/Release/tstorch.node', import.meta.url));


function load(): Native {
  if (!existsSync(addonPath)) {
    throw new Error(`tstorch: the native addon is not built (${addonPath} is missing). Run \`npm install\` or \`npm run build:addon\` in the tstorch package.`);
  }
  const require = createRequire(import.meta.url);
  return require(addonPath) as Native;
}

export const native: Native = load();
