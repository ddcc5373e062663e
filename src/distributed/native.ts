// The native side of torch.distributed (src/native/distributed.cc): libtorch's c10d stores, process groups,
// collectives and DDP's Reducer, typed here. `dist()` returns them, or throws an error that says why the
// addon has none (it was built without Gloo).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { native, type Handle } from '../native/binding.js';

export type StoreHandle = { readonly __storeHandle: unique symbol };
export type GroupHandle = { readonly __groupHandle: unique symbol };
export type WorkHandle = { readonly __workHandle: unique symbol };
export type ReducerHandle = { readonly __reducerHandle: unique symbol };

export interface DistInfo {
  available: boolean;
  gloo: boolean;
  /** Set once a Gloo transport thread has failed (see distributed.cc): every later wait fails with it. */
  transportFailure: string | null;
  /** Why the addon has no distributed part (when unavailable). */
  reason?: string;
}

export interface DistNative {
  distInfo(): DistInfo;
  distSetDebugLevelFromEnv(): number;

  distTcpStore(host: string, port: number, worldSize: number, isServer: boolean, timeoutMs: number, waitWorkers: boolean,
    multiTenant: boolean): Promise<StoreHandle>;
  distTcpStorePort(s: StoreHandle): number;
  distFileStore(path: string, numWorkers: number): StoreHandle;
  distHashStore(): StoreHandle;
  distPrefixStore(prefix: string, s: StoreHandle): StoreHandle;
  distStoreSet(s: StoreHandle, key: string, value: string | Uint8Array): void;
  distStoreGet(s: StoreHandle, key: string): Promise<Buffer>;
  distStoreAdd(s: StoreHandle, key: string, amount: number): number;
  distStoreCompareSet(s: StoreHandle, key: string, expected: string | Uint8Array, desired: string | Uint8Array): Buffer;
  distStoreCheck(s: StoreHandle, keys: string[]): boolean;
  distStoreWait(s: StoreHandle, keys: string[], timeoutMs?: number): Promise<void>;
  distStoreDelete(s: StoreHandle, key: string): boolean;
  distStoreNumKeys(s: StoreHandle): number;
  distStoreSetTimeout(s: StoreHandle, ms: number): void;
  distStoreTimeout(s: StoreHandle): number;

  distNewGloo(store: StoreHandle, rank: number, size: number, timeoutMs: number, interfaces: string[]): Promise<GroupHandle>;
  distNewWrapper(pg: GroupHandle, helper: GroupHandle): GroupHandle;
  distSetSequenceNumber(pg: GroupHandle): Promise<void>;
  distGroupInfo(pg: GroupHandle): { rank: number; size: number; backend: string };
  distGroupSequenceNumber(pg: GroupHandle): number;

  distAllReduce(pg: GroupHandle, tensors: Handle[], op: number): WorkHandle;
  distBroadcast(pg: GroupHandle, tensors: Handle[], root: number): WorkHandle;
  distReduce(pg: GroupHandle, tensors: Handle[], root: number, op: number): WorkHandle;
  distAllGather(pg: GroupHandle, outputs: Handle[][], inputs: Handle[]): WorkHandle;
  distAllGatherIntoTensor(pg: GroupHandle, output: Handle, input: Handle): WorkHandle;
  distGather(pg: GroupHandle, outputs: Handle[][], inputs: Handle[], root: number): WorkHandle;
  distScatter(pg: GroupHandle, outputs: Handle[], inputs: Handle[][], root: number): WorkHandle;
  distReduceScatter(pg: GroupHandle, outputs: Handle[], inputs: Handle[][], op: number): WorkHandle;
  distAllToAllSingle(pg: GroupHandle, output: Handle, input: Handle, outputSplits: number[], inputSplits: number[]): WorkHandle;
  distAllToAll(pg: GroupHandle, outputs: Handle[], inputs: Handle[]): WorkHandle;
  distBarrier(pg: GroupHandle): WorkHandle;
  distMonitoredBarrier(pg: GroupHandle, timeoutMs: number, waitAllRanks: boolean): void;
  distSend(pg: GroupHandle, tensors: Handle[], dst: number, tag: number): WorkHandle;
  distRecv(pg: GroupHandle, tensors: Handle[], src: number, tag: number): WorkHandle;
  distRecvAnysource(pg: GroupHandle, tensors: Handle[], tag: number): WorkHandle;
  distWorkWait(w: WorkHandle): boolean;
  distWorkWaitAsync(w: WorkHandle): Promise<boolean>;
  distWorkIsCompleted(w: WorkHandle): boolean;
  distWorkSourceRank(w: WorkHandle): number;
  distWorkResult(w: WorkHandle): Handle[];

  distVerifyParams(pg: GroupHandle, params: Handle[]): void;
  distBroadcastCoalesced(pg: GroupHandle, tensors: Handle[], bufferSize: number, src: number): void;
  distBucketAssignment(tensors: Handle[], sizeLimits: number[], expectSparse: boolean[]): [number[][], number[]];
  distReducerNew(params: Handle[], buckets: number[][], perBucketSizeLimits: number[], pg: GroupHandle, expectSparse: boolean[],
    bucketBytesCap: number, findUnusedParameters: boolean, gradientAsBucketView: boolean, paramNames: string[],
    firstBucketBytesCap: number): ReducerHandle;
  distLoggerConstruction(r: ReducerHandle, moduleName: string, broadcastBuffers: boolean, hasSyncBn: boolean, staticGraph: boolean): void;
  distLoggerRuntimeStats(r: ReducerHandle): void;
  distLoggerUnevenInputJoin(r: ReducerHandle): void;
  distLoggingData(r: ReducerHandle): { strs: Record<string, string>; ints: Record<string, number> };
  distReducerPrepareForForward(r: ReducerHandle): void;
  distReducerPrepareForBackward(r: ReducerHandle, outputs: Handle[]): void;
  distReducerRebuildBuckets(r: ReducerHandle): boolean;
  distReducerSetStaticGraph(r: ReducerHandle): void;
  distReducerSetForwardPassWork(r: ReducerHandle, w: WorkHandle, useStaticWorldSize: boolean): void;
  distReducerMatchAllReduce(r: ReducerHandle): void;
  distReducerMatchUnusedAllReduce(r: ReducerHandle, pg: GroupHandle): void;
  distReducerPushAllRebuiltParams(r: ReducerHandle): void;
  distDdpSink(r: ReducerHandle, outputs: Handle[], staticGraph: boolean, numIterations: number): Handle[];
  distSyncBatchNorm(input: Handle, weight: Handle | null, bias: Handle | null, runningMean: Handle | null, runningVar: Handle | null,
    eps: number, momentum: number, pg: GroupHandle, worldSize: number): Handle;
}

const d = native as unknown as DistNative;

/** Why the addon has no distributed part, from the build's record (the build prints it too). */
function buildReason(): string {
  try {
    const cfg = JSON.parse(readFileSync(fileURLToPath(new URL('../../.tstorch-build/libtorch.json', import.meta.url)), 'utf8'));
    if (cfg?.distributed?.reason) return `: ${cfg.distributed.reason}`;
  } catch {
    // the build record is not shipped with every install
  }
  return '';
}

/** Whether this build has torch.distributed (libtorch's c10d with Gloo). */
export function distAvailable(): boolean {
  return typeof d.distInfo === 'function' && d.distInfo().available;
}

/** The native functions; throws when the addon was built without them. */
export function dist(): DistNative {
  if (!distAvailable()) {
    const native = typeof d.distInfo === 'function' ? d.distInfo().reason : undefined;
    const why = buildReason() || (native ? `: ${native}` : '');
    throw new Error(`torch.distributed is not available: tstorch's addon was built without libtorch's c10d/Gloo${why}. `
      + 'With Debian\'s libtorch-dev, install Gloo\'s headers (apt-get install libgloo-dev) and rebuild the addon: npm run build:addon');
  }
  return d;
}

/** One line for `tstorch doctor`: what torch.distributed runs on, or why it is missing. */
export function distributedStatus(): string {
  try {
    dist();
    return 'yes: Gloo through libtorch\'s c10d (TCPStore, ProcessGroupGloo, the DDP Reducer)';
  } catch (e) {
    return `no: ${(e as Error).message.replace(/^torch\.distributed is not available: /, '')}`;
  }
}
