// nn.parallel.DistributedDataParallel on c10d's own Reducer, replaying PyTorch 1.13's
// torch/nn/parallel/distributed.py call for call, so that its collectives line up with a PyTorch rank's:
//   construction: verify parameter shapes across ranks (an allgather and a broadcast), broadcast the module
//     state from rank 0 (broadcast_coalesced), bucket the parameters (compute_bucket_assignment_by_size,
//     reversed), build the Reducer and its Logger;
//   each forward: prepare_for_forward, (first forward after the first backward) rebuild_buckets' broadcasts,
//     the buffer broadcast, the module, prepare_for_backward;
//   backward: the Reducer's autograd hooks allreduce each bucket as soon as its gradients are ready, averaged
//     over the group, overlapping the rest of backward.
// noSync() accumulates gradients locally; join() trains on uneven inputs; state-dict keys carry the
// `module.` prefix, as in PyTorch.
import { Tensor } from '../../tensor.js';
import { tensor as makeTensor, zeros, ones } from '../../creation.js';
import { Module } from '../module.js';
import type { Parameter } from '../parameter.js';
import { isGradEnabled, noGrad } from '../../autograd/grad-mode.js';
import { dist, type ReducerHandle } from '../../distributed/native.js';
import {
  allReduce, getRank, getDebugLevel, DebugLevel, group as groupWorld,
} from '../../distributed/distributed-c10d.js';
import type { ProcessGroup } from '../../distributed/process-group.js';
import { ReduceOp } from '../../distributed/reduce-op.js';
import { Work, DistributedError } from '../../distributed/work.js';
import { Join, DISABLED_JOIN_CONFIG, type JoinConfig, type JoinHook, type Joinable } from '../../distributed/algorithms/join.js';
import { bindOwn, checkOptions, classArgs, type PyRest } from '../../args.js';

/** dist._DEFAULT_FIRST_BUCKET_BYTES: the first bucket's cap when parameters are bucketed by size. */
const DEFAULT_FIRST_BUCKET_BYTES = 1024 * 1024;
/** Python's sys.maxsize: one unbounded bucket (the native side saturates it to INT64_MAX). */
const SYS_MAXSIZE = 2 ** 63;
/** DDP's broadcast_bucket_size: module states are broadcast in 250 MiB pieces. */
const BROADCAST_BUCKET_SIZE = 250 * 1024 * 1024;

export interface DistributedDataParallelOptions {
  /** For GPU modules; a CPU module takes none (as in PyTorch). */
  deviceIds?: (number | string)[] | null;
  outputDevice?: number | string | null;
  /** Broadcast the buffers (BatchNorm's running statistics) from rank 0 before each forward. Default true. */
  broadcastBuffers?: boolean;
  /** Default: the default group. */
  processGroup?: ProcessGroup | null;
  /** Bucket size in MiB (default 25). */
  bucketCapMb?: number;
  /** Detect parameters that receive no gradient in an iteration (an extra allreduce per iteration). */
  findUnusedParameters?: boolean;
  /** Gradients become views into the communication buckets (saves a copy). */
  gradientAsBucketView?: boolean;
  /** The set of used parameters and the graph do not change between iterations. */
  staticGraph?: boolean;
}

const OPTION_KEYS = ['deviceIds', 'outputDevice', 'broadcastBuffers', 'processGroup', 'bucketCapMb', 'findUnusedParameters', 'gradientAsBucketView', 'staticGraph'];

type Nested = Tensor | Nested[] | { [k: string]: Nested } | unknown;

// Python's _tree_flatten / _find_tensors over tensors, arrays and plain objects.
function flattenTensors(out: Nested, acc: Tensor[] = []): Tensor[] {
  if (out instanceof Tensor) acc.push(out);
  else if (Array.isArray(out)) for (const x of out) flattenTensors(x, acc);
  else if (out !== null && typeof out === 'object' && Object.getPrototypeOf(out) === Object.prototype) {
    for (const x of Object.values(out as object)) flattenTensors(x, acc);
  }
  return acc;
}

function replaceTensors(out: Nested, next: () => Tensor): Nested {
  if (out instanceof Tensor) return next();
  if (Array.isArray(out)) return out.map((x) => replaceTensors(x, next));
  if (out !== null && typeof out === 'object' && Object.getPrototypeOf(out) === Object.prototype) {
    return Object.fromEntries(Object.entries(out as object).map(([k, x]) => [k, replaceTensors(x, next)]));
  }
  return out;
}

export class DistributedDataParallel extends Module implements Joinable {
  /** The wrapped model (state-dict keys `module.*`). */
  module: Module;
  declare readonly processGroup: ProcessGroup;
  declare readonly broadcastBuffers: boolean;
  declare readonly findUnusedParameters: boolean;
  declare readonly gradientAsBucketView: boolean;
  declare readonly bucketBytesCap: number;
  declare readonly device: string;
  declare staticGraph: boolean;
  /** Gradients are synchronised in backward; false inside noSync(). */
  declare requireBackwardGradSync: boolean;
  declare requireForwardParamSync: boolean;
  declare numIterations: number;
  declare joinConfig: JoinConfig;
  declare divideByInitialWorldSize: boolean;
  declare private reducer: ReducerHandle;
  declare private parametersToIgnore: Set<string>;
  declare private modulesBuffers: Tensor[];
  declare private hasRebuiltBuckets: boolean;

  constructor(module: Module, ...rest: PyRest<DistributedDataParallelOptions, ['deviceIds', 'outputDevice']>);
  constructor(...args: unknown[]) {
    const [module, opts = {}] = bindOwn(DistributedDataParallel, args) as [Module, DistributedDataParallelOptions?];
    super();
    for (const k of Object.keys(opts)) {
      if (!OPTION_KEYS.includes(k)) throw new TypeError(`DistributedDataParallel: unknown option '${k}'`);
    }
    const hidden = (name: string, value: unknown) => Object.defineProperty(this, name, { value, writable: true, enumerable: false, configurable: true });
    hidden('joinConfig', DISABLED_JOIN_CONFIG);
    if (!(module instanceof Module)) throw new TypeError('DistributedDataParallel: module must be an nn.Module');
    const params = module.parameters();
    if (!params.some((p) => p.requiresGrad)) {
      throw new Error("DistributedDataParallel is not needed when a module doesn't have any parameter that requires a gradient.");
    }
    if (opts.deviceIds && opts.deviceIds.length > 1) throw new RangeError('device_ids can only be None or contain a single element.');
    const devices = new Set(params.map((p) => String(p.device)));
    const deviceTypes = new Set([...devices].map((d) => d.split(':')[0]));
    if (deviceTypes.size !== 1) {
      throw new RangeError(`DistributedDataParallel's input module must be on the same type of devices, but input module parameters locate in ${[...deviceTypes].join(', ')}.`);
    }
    if ((opts.deviceIds && opts.deviceIds.length) || (opts.outputDevice !== undefined && opts.outputDevice !== null)) {
      // tstorch's libtorch is CPU-only: PyTorch's rule for CPU modules.
      throw new RangeError('DistributedDataParallel device_ids and output_device arguments only work with single-device/multiple-device GPU modules '
        + `or CPU modules, but got device_ids ${JSON.stringify(opts.deviceIds ?? null)}, output_device ${JSON.stringify(opts.outputDevice ?? null)}, `
        + `and module parameters {${[...devices].join(', ')}}.`);
    }
    const pg = opts.processGroup ?? groupWorld.WORLD;
    if (pg === null) throw new DistributedError('DistributedDataParallel: the default process group is not initialized (call torch.distributed.initProcessGroup first)');
    hidden('processGroup', pg);
    hidden('staticGraph', false);
    this.module = module;
    hidden('device', String(params[0]!.device));
    hidden('broadcastBuffers', opts.broadcastBuffers ?? true);
    hidden('findUnusedParameters', opts.findUnusedParameters ?? false);
    hidden('requireBackwardGradSync', true);
    hidden('requireForwardParamSync', true);
    hidden('gradientAsBucketView', opts.gradientAsBucketView ?? false);
    hidden('divideByInitialWorldSize', true);
    const ignore = (module as unknown as { _ddpParamsAndBuffersToIgnore?: string[] })._ddpParamsAndBuffersToIgnore ?? [];
    hidden('parametersToIgnore', new Set(ignore));
    const bucketCapMb = opts.bucketCapMb ?? 25;
    if (!(bucketCapMb > 0)) throw new RangeError(`DistributedDataParallel: bucketCapMb must be positive, got ${bucketCapMb}`);
    hidden('bucketBytesCap', Math.trunc(bucketCapMb * 1024 * 1024));

    const [parameters, expectSparse] = this.buildParamsForReducer();
    const d = dist();
    try {
      d.distVerifyParams(pg._h, parameters.map((p) => p._h));
    } catch (e) {
      throw new DistributedError(`DistributedDataParallel: verifying parameter shapes across ranks failed on rank ${pg.rank()}: ${(e as Error).message}`);
    }
    this.syncModuleStates(0);
    const names = this.buildDebugParamToNameMapping(parameters);
    this.ddpInitHelper(parameters, expectSparse, names, opts.staticGraph ?? false);
    hidden('hasRebuiltBuckets', false);
    if (opts.staticGraph) this.setStaticGraph();
  }

  // Python's _build_params_for_reducer: the parameters that require grad, by named_modules x
  // named_parameters(recurse=False), without duplicates; and the buffers to broadcast.
  private buildParamsForReducer(): [Parameter[], boolean[]] {
    const memo = new Set<Parameter>();
    const params: Parameter[] = [];
    for (const [moduleName, m] of this.module.namedModules()) {
      for (const [paramName, p] of m.namedParameters('', false)) {
        if (!p.requiresGrad || this.parametersToIgnore.has(`${moduleName}.${paramName}`) || memo.has(p)) continue;
        memo.add(p);
        params.push(p);
      }
    }
    // tstorch has no sparse-gradient modules (nn.Embedding(sparse=True) in PyTorch).
    const expectSparse = params.map(() => false);
    this.assignModulesBuffers();
    return [params, expectSparse];
  }

  private assignModulesBuffers(): void {
    this.modulesBuffers = this.module.namedBuffers().filter(([n]) => !this.parametersToIgnore.has(n)).map(([, b]) => b);
  }

  // Python's _build_debug_param_to_name_mapping: index -> fully qualified name, when TORCH_DISTRIBUTED_DEBUG is set.
  private buildDebugParamToNameMapping(parameters: Parameter[]): string[] {
    if (getDebugLevel() === DebugLevel.OFF) return [];
    const index = new Map(parameters.map((p, i) => [p, i]));
    const names: string[] = [];
    for (const [moduleName, m] of this.module.namedModules()) {
      for (const [paramName, p] of m.namedParameters('', false)) {
        const fqn = `${moduleName}.${paramName}`;
        if (this.parametersToIgnore.has(fqn) || !p.requiresGrad) continue;
        const i = index.get(p);
        if (i === undefined) throw new Error(`Param with name ${fqn} found in module parameters, but not DDP parameters. This indicates a bug in DDP, please report an issue to PyTorch.`);
        names[i] = fqn;
      }
    }
    return names;
  }

  // Python's _sync_module_states: every parameter and buffer (detached) broadcast from `src`.
  private syncModuleStates(src: number): void {
    const states: Tensor[] = [];
    for (const [n, p] of this.module.namedParameters()) if (!this.parametersToIgnore.has(n)) states.push(p.detach());
    for (const [n, b] of this.module.namedBuffers()) if (!this.parametersToIgnore.has(n)) states.push(b.detach());
    try {
      if (states.length > 0) dist().distBroadcastCoalesced(this.processGroup._h, states.map((t) => t._h), BROADCAST_BUCKET_SIZE, src);
    } catch (e) {
      throw new DistributedError(`DistributedDataParallel: broadcasting the module state from rank ${src} failed on rank ${this.processGroup.rank()}: ${(e as Error).message}`);
    } finally {
      for (const t of states) t.dispose();
    }
  }

  private ddpInitHelper(parameters: Parameter[], expectSparse: boolean[], names: string[], staticGraph: boolean): void {
    const d = dist();
    this.numIterations = 0;
    const limits = staticGraph || !this.findUnusedParameters ? [SYS_MAXSIZE] : [DEFAULT_FIRST_BUCKET_BYTES, this.bucketBytesCap];
    const [buckets, perBucketLimits] = d.distBucketAssignment(parameters.map((p) => p._h), limits, expectSparse);
    const reducer = d.distReducerNew(parameters.map((p) => p._h), [...buckets].reverse(), [...perBucketLimits].reverse(), this.processGroup._h,
      expectSparse, this.bucketBytesCap, this.findUnusedParameters, this.gradientAsBucketView, names, DEFAULT_FIRST_BUCKET_BYTES);
    Object.defineProperty(this, 'reducer', { value: reducer, writable: true, enumerable: false, configurable: true });
    const hasSyncBn = this.module.modules().some((m) => m._getName() === 'SyncBatchNorm');
    d.distLoggerConstruction(reducer, this.module._getName(), this.broadcastBuffers, hasSyncBn, staticGraph);
  }

  /** Python's _set_static_graph (or the staticGraph option). */
  setStaticGraph(): void {
    if (this.staticGraph) {
      process.emitWarning("You've set static_graph to be True, no need to set it again.");
      return;
    }
    this.staticGraph = true;
    dist().distReducerSetStaticGraph(this.reducer);
    if (this.findUnusedParameters) {
      process.emitWarning('You passed findUnusedParameters=true to DistributedDataParallel, `setStaticGraph` will detect unused parameters '
        + 'automatically, so you do not need to set findUnusedParameters=true, just be sure these unused parameters will not change '
        + 'during training loop while calling `setStaticGraph`.');
    }
  }

  override forward(...inputs: unknown[]): any {
    const d = dist();
    const grad = isGradEnabled();
    if (grad && this.requireBackwardGradSync) {
      d.distLoggerRuntimeStats(this.reducer);
      this.numIterations++;
      d.distReducerPrepareForForward(this.reducer);
    }
    const work = Join.notifyJoinContext(this);
    if (work) d.distReducerSetForwardPassWork(this.reducer, work._h, this.divideByInitialWorldSize);
    if (grad && d.distReducerRebuildBuckets(this.reducer)) this.hasRebuiltBuckets = true;
    if (this.checkSyncBufsPreFwd()) this.syncBuffers();
    if (this.joinConfig.enable) this.checkGlobalRequiresBackwardGradSync(false);

    let output = this.module.call(...inputs) as Nested;

    if (grad && this.requireBackwardGradSync) {
      this.requireForwardParamSync = true;
      const outs = this.findUnusedParameters && !this.staticGraph ? flattenTensors(output).map((t) => t._h) : [];
      d.distReducerPrepareForBackward(this.reducer, outs);
    } else {
      this.requireForwardParamSync = false;
    }

    if ((this.findUnusedParameters && !this.staticGraph) || (this.staticGraph && this.numIterations === 1)) {
      // _DDPSink: the outputs pass through a node whose backward queues the static graph's delayed allreduce.
      const flat = flattenTensors(output);
      const passed = d.distDdpSink(this.reducer, flat.map((t) => t._h), this.staticGraph, this.numIterations);
      let i = 0;
      output = replaceTensors(output, () => {
        const original = flat[i]!;
        const h = passed[i++]!;
        if (original.gradFn === null) {
          new Tensor(h).dispose();
          return original;
        }
        return new Tensor(h);
      });
    }
    return output;
  }

  /**
   * Python's no_sync(): gradients of backward passes inside `fn` accumulate locally; the first backward
   * after it synchronises them all. `fn` may be async.
   */
  noSync<T>(fn: () => T): T {
    const old = this.requireBackwardGradSync;
    this.requireBackwardGradSync = false;
    let out: T;
    try {
      out = fn();
    } catch (e) {
      this.requireBackwardGradSync = old;
      throw e;
    }
    if (out instanceof Promise) {
      return out.finally(() => { this.requireBackwardGradSync = old; }) as T;
    }
    this.requireBackwardGradSync = old;
    return out;
  }

  /**
   * Python's join(): a Join over this module for uneven inputs. Ranks that run out of data shadow the
   * others' collectives until all have joined; then the last joiner's model is broadcast.
   * Usage: `ddp.join().run(() => { for (const b of myBatches) step(b); })`.
   */
  join(opts: { divideByInitialWorldSize?: boolean; enable?: boolean; throwOnEarlyTermination?: boolean } = {}): Join {
    return new Join([this], {
      enable: opts.enable ?? true,
      throwOnEarlyTermination: opts.throwOnEarlyTermination ?? false,
      divideByInitialWorldSize: opts.divideByInitialWorldSize ?? true,
    });
  }

  joinHook(opts: Record<string, unknown>): JoinHook {
    // Python's hook ignores the keywords it does not know (Join passes every hook all of them); one that no hook
    // here takes would be dropped, so it is an error naming it
    checkOptions('DistributedDataParallel.joinHook', opts, ['divideByInitialWorldSize']);
    const divide = (opts.divideByInitialWorldSize as boolean | undefined) ?? true;
    dist().distLoggerUnevenInputJoin(this.reducer);
    this.divideByInitialWorldSize = divide;
    return {
      mainHook: () => this.joinMainHook(),
      postHook: (isLastJoiner: boolean) => this.syncFinalModel(isLastJoiner),
    };
  }

  get joinDevice(): string { return this.device; }
  get joinProcessGroup(): ProcessGroup { return this.processGroup; }

  // _DDPJoinHook.main_hook: the collectives of a forward and backward pass, on a rank without data.
  private joinMainHook(): void {
    const d = dist();
    d.distReducerRebuildBuckets(this.reducer);
    if (this.checkSyncBufsPreFwd()) {
      const authoritative = this.findCommonRank(getRank(this.processGroup), false);
      this.syncModuleBuffers(authoritative);
    }
    const work = this.checkGlobalRequiresBackwardGradSync(true);
    work.waitSync();
    const shouldSync = work.result()[0]!.item() !== 0;
    this.requireForwardParamSync = shouldSync;
    if (!shouldSync) return;
    d.distReducerMatchAllReduce(this.reducer);
    if (this.findUnusedParameters) d.distReducerMatchUnusedAllReduce(this.reducer, this.processGroup._h);
    d.distReducerPushAllRebuiltParams(this.reducer);
  }

  private checkGlobalRequiresBackwardGradSync(isJoinedRank: boolean): Work {
    const t = !isJoinedRank && this.requireBackwardGradSync ? ones([1]) : zeros([1]);
    return allReduce(t, { group: this.processGroup, asyncOp: true })!;
  }

  private syncFinalModel(isLastJoiner: boolean): void {
    const authoritative = this.findCommonRank(getRank(this.processGroup), isLastJoiner);
    this.syncModuleStates(authoritative);
  }

  private findCommonRank(inputRank: number, rankCond: boolean): number {
    const t = makeTensor([BigInt(rankCond ? inputRank : -1)], { dtype: 'int64' });
    allReduce(t, { op: ReduceOp.MAX, group: this.processGroup });
    const r = Number(t.item());
    if (r === -1) throw new Error('BUG! Expected rank_cond to be true for at least one process. This indicates a bug in PyTorch, please report an issue.');
    return r;
  }

  /** Whether the next forward broadcasts the buffers (Python's will_sync_module_buffers). */
  willSyncModuleBuffers(): boolean {
    return this.requireForwardParamSync && this.broadcastBuffers && this.modulesBuffers.length > 0;
  }

  private checkSyncBufsPreFwd(): boolean { return this.willSyncModuleBuffers(); }

  private syncBuffers(): void {
    noGrad(() => {
      const authoritative = this.joinConfig.enable ? this.findCommonRank(getRank(this.processGroup), true) : 0;
      this.assignModulesBuffers();
      this.syncModuleBuffers(authoritative);
    });
  }

  private syncModuleBuffers(authoritativeRank: number): void {
    // Buffers require no grad: broadcast_coalesced copies into them in place, as PyTorch passes them.
    dist().distBroadcastCoalesced(this.processGroup._h, this.modulesBuffers.map((b) => b._h), BROADCAST_BUCKET_SIZE, authoritativeRank);
  }

  /** DDP's logging data (Python's _get_ddp_logging_data): bucket sizes, iteration counts, settings. */
  getDdpLoggingData(): Record<string, string | number> {
    const data = dist().distLoggingData(this.reducer);
    return { ...data.strs, ...data.ints };
  }
}
// Python's order up to outputDevice; dim (always 0 here) breaks it, so the rest are keyword-only
classArgs(DistributedDataParallel, 'torch.nn.parallel.DistributedDataParallel', 'module; deviceIds, outputDevice, *, broadcastBuffers, processGroup, bucketCapMb, findUnusedParameters, gradientAsBucketView, staticGraph');
