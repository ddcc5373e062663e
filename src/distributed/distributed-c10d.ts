// torch.distributed's process groups and collectives (PyTorch 1.13's distributed_c10d.py), on libtorch's c10d.
// The store keys, prefixes, barriers and group numbering are Python's, call for call, so that tstorch and
// PyTorch processes are ranks of one group:
//   - the default group's store is PrefixStore("default_pg", rendezvous store); every group uses a
//     PrefixStore named after its group counter ("0" for the default group, then "1", "2"... per newGroup,
//     counted on every rank, members or not);
//   - after creating a group, every rank checks in with a store-based barrier on
//     "store_based_barrier_key:<counter>" and agrees on the group's sequence number;
//   - TORCH_DISTRIBUTED_DEBUG=DETAIL wraps each group in a ProcessGroupWrapper whose helper Gloo group lives
//     under "pg_wrapper:<group name>".
// Collectives block like Python's unless `asyncOp: true`, which returns a Work whose wait() is awaitable.
import { Tensor } from '../tensor.js';
import type { Handle } from '../native/binding.js';
import { dist, type WorkHandle } from './native.js';
import { ProcessGroup, NON_GROUP_MEMBER, type GroupArg } from './process-group.js';
import { ReduceOp } from './reduce-op.js';
import { rendezvous } from './rendezvous.js';
import { Store, PrefixStore, DEFAULT_TIMEOUT_MS, checkTimeout } from './store.js';
import { Work, DistributedError } from './work.js';
import { bindOwn, registerSignature, type PyRest } from '../args.js';

// PyTorch's argument binding (src/args.ts) for this module's functions: an extra positional argument or an
// unknown keyword is a TypeError naming it.
registerSignature(allGather, 'allGather', 'torch.distributed.all_gather', 'tensorList, tensor; group, asyncOp');
registerSignature(allGatherIntoTensor, 'allGatherIntoTensor', 'torch.distributed.all_gather_into_tensor', 'outputTensor, inputTensor; group, asyncOp');
registerSignature(allReduce, 'allReduce', 'torch.distributed.all_reduce', 'tensor; op, group, asyncOp');
registerSignature(allToAll, 'allToAll', 'torch.distributed.all_to_all', 'outputTensorList, inputTensorList; group, asyncOp');
registerSignature(allToAllSingle, 'allToAllSingle', 'torch.distributed.all_to_all_single', 'output, input; outputSplitSizes, inputSplitSizes, group, asyncOp');
registerSignature(barrier, 'barrier', 'torch.distributed.barrier', '; group, asyncOp');
registerSignature(broadcast, 'broadcast', 'torch.distributed.broadcast', 'tensor, src; group, asyncOp');
registerSignature(destroyProcessGroup, 'destroyProcessGroup', 'torch.distributed.destroy_process_group', 'group?');
registerSignature(gather, 'gather', 'torch.distributed.gather', 'tensor; gatherList, dst, group, asyncOp');
registerSignature(getBackend, 'getBackend', 'torch.distributed.get_backend', 'group?');
registerSignature(getDebugLevel, 'getDebugLevel', 'tstorch.distributed.getDebugLevel', '');
registerSignature(getDefaultStore, 'getDefaultStore', 'tstorch.distributed.getDefaultStore', '');
registerSignature(getGlobalRank, 'getGlobalRank', 'torch.distributed.get_global_rank', 'group, groupRank');
registerSignature(getGroupRank, 'getGroupRank', 'torch.distributed.get_group_rank', 'group, globalRank');
registerSignature(getInitMethod, 'getInitMethod', 'tstorch.distributed.getInitMethod', '');
registerSignature(getProcessGroupRanks, 'getProcessGroupRanks', 'torch.distributed.get_process_group_ranks', 'group');
registerSignature(getRank, 'getRank', 'torch.distributed.get_rank', 'group?');
registerSignature(getWorldSize, 'getWorldSize', 'torch.distributed.get_world_size', 'group?');
registerSignature(initProcessGroup, 'initProcessGroup', 'torch.distributed.init_process_group', '; backend, initMethod, timeout, worldSize, rank, store, groupName');
registerSignature(irecv, 'irecv', 'torch.distributed.irecv', 'tensor; src, group, tag');
registerSignature(isAvailable, 'isAvailable', 'torch.distributed.is_available', '');
registerSignature(isGlooAvailable, 'isGlooAvailable', 'torch.distributed.is_gloo_available', '');
registerSignature(isInitialized, 'isInitialized', 'torch.distributed.is_initialized', '');
registerSignature(isMpiAvailable, 'isMpiAvailable', 'torch.distributed.is_mpi_available', '');
registerSignature(isNcclAvailable, 'isNcclAvailable', 'torch.distributed.is_nccl_available', '');
registerSignature(isend, 'isend', 'torch.distributed.isend', 'tensor, dst; group, tag');
registerSignature(monitoredBarrier, 'monitoredBarrier', 'torch.distributed.monitored_barrier', '; group, timeout, waitAllRanks');
registerSignature(newGroup, 'newGroup', 'torch.distributed.new_group', 'ranks?; timeout, backend');
registerSignature(recv, 'recv', 'torch.distributed.recv', 'tensor; src, group, tag');
registerSignature(reduce, 'reduce', 'torch.distributed.reduce', 'tensor, dst; op, group, asyncOp');
registerSignature(reduceScatter, 'reduceScatter', 'torch.distributed.reduce_scatter', 'output, inputList; op, group, asyncOp');
registerSignature(scatter, 'scatter', 'torch.distributed.scatter', 'tensor; scatterList, src, group, asyncOp');
registerSignature(send, 'send', 'torch.distributed.send', 'tensor, dst; group, tag');

export { ProcessGroup, NON_GROUP_MEMBER } from './process-group.js';

/** Python's default_pg_timeout (30 minutes), in milliseconds. */
export const defaultPgTimeout = DEFAULT_TIMEOUT_MS;

const STORE_BASED_BARRIER_PREFIX = 'store_based_barrier_key';
const PG_WRAPPER_STORE_PREFIX = 'pg_wrapper';

export type Backend = 'gloo';

interface GroupRecord {
  backend: Backend;
  /** The store the group was made from (the default group's PrefixStore("default_pg", ...)). */
  store: Store;
  name: string;
  /** global rank -> group rank */
  ranks: Map<number, number>;
  timeoutMs: number;
  /** Gloo's listening address of each peer's connection to this rank ("127.0.0.1:38157" -> group rank). */
  peers: Map<string, number>;
}

let WORLD: ProcessGroup | null = null;
const groups = new Map<ProcessGroup, GroupRecord>();
let groupCount = 0;
let defaultInitMethod: string | null = null;

/** TORCH_DISTRIBUTED_DEBUG as c10d reads it: 0 OFF, 1 INFO, 2 DETAIL. */
export enum DebugLevel { OFF = 0, INFO = 1, DETAIL = 2 }
let debugLevel: DebugLevel | null = null;

/** The debug level from TORCH_DISTRIBUTED_DEBUG (read once, as `import torch.distributed` does). */
export function getDebugLevel(): DebugLevel {
  bindOwn(getDebugLevel, arguments);
  if (debugLevel === null) debugLevel = dist().distSetDebugLevelFromEnv() as DebugLevel;
  return debugLevel;
}

/** Python's `group.WORLD` / `GroupMember.WORLD`: the default group once initialized. */
export const group = {
  get WORLD(): ProcessGroup | null { return WORLD; },
};
export const GroupMember = {
  get WORLD(): ProcessGroup | null { return WORLD; },
  NON_GROUP_MEMBER,
};

export function isAvailable(): boolean {
  bindOwn(isAvailable, arguments);
  try {
    dist();
    return true;
  } catch {
    return false;
  }
}
export function isGlooAvailable(): boolean {
  bindOwn(isGlooAvailable, arguments);
  return isAvailable();
}
export function isNcclAvailable(): boolean {
  bindOwn(isNcclAvailable, arguments);
  return false;
}
export function isMpiAvailable(): boolean {
  bindOwn(isMpiAvailable, arguments);
  return false;
}
export function isInitialized(): boolean {
  bindOwn(isInitialized, arguments);
  return WORLD !== null;
}

function defaultGroup(): ProcessGroup {
  if (WORLD === null) throw new DistributedError('Default process group has not been initialized, please make sure to call initProcessGroup.');
  return WORLD;
}

function recordOf(pg: ProcessGroup): GroupRecord {
  const r = groups.get(pg);
  if (!r) throw new DistributedError(`${pg} is not a process group of this torch.distributed (was it destroyed?)`);
  return r;
}

/** The store of the default group (Python's _get_default_store). */
export function getDefaultStore(): Store {
  bindOwn(getDefaultStore, arguments);
  return recordOf(defaultGroup()).store;
}

export function getBackend(g?: GroupArg): Backend {
  [g] = bindOwn(getBackend, arguments) as Parameters<typeof getBackend>;
  const pg = g ?? defaultGroup();
  if (pg === NON_GROUP_MEMBER) throw new DistributedError('Invalid process group specified');
  return recordOf(pg as ProcessGroup).backend;
}

function notInGroup(g: GroupArg): boolean {
  if (g === undefined || g === null) return false;
  return g === NON_GROUP_MEMBER;
}

function warnNotInGroup(op: string): void {
  process.emitWarning(`Running ${op} on global rank ${getRank()} which does not belong to the given group.`);
}

/** Python's get_rank(group): this process's rank in `group` (the default group if none), -1 if not a member. */
export function getRank(g?: GroupArg): number {
  [g] = bindOwn(getRank, arguments) as Parameters<typeof getRank>;
  if (notInGroup(g)) return -1;
  const def = defaultGroup();
  if (g === undefined || g === null || g === def) return def.rank();
  return getGroupRank(g as ProcessGroup, def.rank());
}

/** Python's get_world_size(group), -1 if not a member. */
export function getWorldSize(g?: GroupArg): number {
  [g] = bindOwn(getWorldSize, arguments) as Parameters<typeof getWorldSize>;
  if (notInGroup(g)) return -1;
  return ((g as ProcessGroup | null | undefined) ?? defaultGroup()).size();
}

/** The rank in `g` of the process with global rank `globalRank`. */
export function getGroupRank(g: ProcessGroup, globalRank: number): number {
  [g, globalRank] = bindOwn(getGroupRank, arguments) as Parameters<typeof getGroupRank>;
  if (g === WORLD) return globalRank;
  const r = recordOf(g).ranks.get(globalRank);
  if (r === undefined) throw new DistributedError(`Global rank ${globalRank} is not part of group ${g}`);
  return r;
}

/** The global rank of the process with rank `groupRank` in `g`. */
export function getGlobalRank(g: ProcessGroup, groupRank: number): number {
  [g, groupRank] = bindOwn(getGlobalRank, arguments) as Parameters<typeof getGlobalRank>;
  if (g === WORLD) return groupRank;
  for (const [global, local] of recordOf(g).ranks) if (local === groupRank) return global;
  throw new DistributedError(`Group rank ${groupRank} is not part of group ${g}`);
}

/** The global ranks of `g`'s members, in group-rank order. */
export function getProcessGroupRanks(g: ProcessGroup): number[] {
  [g] = bindOwn(getProcessGroupRanks, arguments) as Parameters<typeof getProcessGroupRanks>;
  return [...recordOf(g).ranks.keys()].sort((a, b) => recordOf(g).ranks.get(a)! - recordOf(g).ranks.get(b)!);
}

function glooInterfaces(): string[] {
  // ProcessGroupGloo's Python constructor: the interfaces in GLOO_SOCKET_IFNAME (when longer than one
  // character), else the device for this host's name.
  const env = process.env.GLOO_SOCKET_IFNAME;
  return env && env.length > 1 ? env.split(',') : [];
}

function checkBackend(backend: string | undefined): Backend {
  const b = (backend ?? 'gloo').toLowerCase();
  if (b === 'gloo') return 'gloo';
  if (b === 'nccl' || b === 'ucc' || b === 'mpi') {
    throw new DistributedError(`backend '${b}' is not available: this libtorch is a CPU build with Gloo only (see BENCHMARKS.md, "Scaling on paper", for what NCCL needs)`);
  }
  throw new DistributedError(`Invalid backend: '${backend}' (tstorch has 'gloo')`);
}

// Python's _new_process_group_helper for Gloo.
async function newProcessGroupHelper(groupSize: number, groupRank: number, globalRanks: number[], backend: Backend,
  store: Store, groupName: string | undefined, timeoutMs: number): Promise<ProcessGroup | typeof NON_GROUP_MEMBER> {
  let name = groupName;
  if (!name) {
    name = String(groupCount);
    groupCount++;
  }
  for (const r of groups.values()) {
    if (r.name === name) throw new DistributedError('The specified group name has already been created, please use a different group name');
  }
  const isDefault = globalRanks.length === 0;
  if (!isDefault && !globalRanks.includes(defaultGroup().rank())) return NON_GROUP_MEMBER;
  const d = dist();
  const prefixStore = new PrefixStore(name, store);
  const ifaces = glooInterfaces();
  const what = isDefault ? 'the default process group' : `process group ${name}`;
  let h;
  try {
    h = await d.distNewGloo(prefixStore._h, groupRank, groupSize, timeoutMs, ifaces);
    if (getDebugLevel() === DebugLevel.DETAIL) {
      // _create_process_group_wrapper: a helper Gloo group checks every collective's kind and shapes first.
      const helper = await d.distNewGloo(new PrefixStore(`${PG_WRAPPER_STORE_PREFIX}:${name}`, store)._h, groupRank, groupSize, timeoutMs, ifaces);
      h = d.distNewWrapper(h, helper);
    }
  } catch (e) {
    const msg = (e as Error).message;
    // Gloo's rendezvous waits for every member's addresses under "<group>/<device>/<rank>".
    const hint = /time ?out/i.test(msg) ? ` (waiting for the other members' addresses at the store keys '${name}/0/<rank>': did every rank create the group?)` : '';
    throw new DistributedError(`Creating ${what} (rank ${groupRank} of ${groupSize}, Gloo) failed: ${msg}${hint}`);
  }
  const pg = new ProcessGroup(h, name);
  groups.set(pg, { backend, store, name, ranks: new Map(), timeoutMs, peers: await peerAddresses(prefixStore, groupRank, groupSize, ifaces.length || 1) });
  return pg;
}

// Gloo's full-mesh rendezvous stores, under "<device>/<rank>", the address of each of that rank's
// connections to the others (136 bytes each: a sockaddr_storage and a sequence number, in rank order without
// itself). Gloo's errors name a peer by that address; this map turns it into the peer's rank.
async function peerAddresses(store: Store, me: number, size: number, devices: number): Promise<Map<string, number>> {
  const peers = new Map<string, number>();
  const ADDRESS_BYTES = 136;
  try {
    for (let dev = 0; dev < devices; dev++) {
      for (let k = 0; k < size; k++) {
        if (k === me || !store.check([`${dev}/${k}`])) continue;
        const blob = await store.get(`${dev}/${k}`);
        const at = (me < k ? me : me - 1) * ADDRESS_BYTES;
        if (blob.length < at + ADDRESS_BYTES) continue;
        const family = blob.readUInt16LE(at);
        const port = blob.readUInt16BE(at + 2);
        let host: string;
        if (family === 2) host = [...blob.subarray(at + 4, at + 8)].join('.');
        else if (family === 10) host = Array.from({ length: 8 }, (_, i) => blob.readUInt16BE(at + 8 + 2 * i).toString(16)).join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
        else continue;
        peers.set(`${host}:${port}`, k);
      }
    }
  } catch {
    // Naming peers in error messages is a courtesy: a store that no longer answers is not an error here.
  }
  return peers;
}

/** Gloo's message with the peer's rank added where it names a peer's address. */
function explainPeer(pg: ProcessGroup, message: string): string {
  const peers = groups.get(pg)?.peers;
  const m = /\[([0-9a-f.:]+)\]:(\d+)/i.exec(message);
  if (!peers || !m) return message;
  const rank = peers.get(`${m[1]}:${m[2]}`);
  if (rank === undefined) return message;
  const global = pg === WORLD ? rank : [...(groups.get(pg)?.ranks ?? [])].find(([, g]) => g === rank)?.[0] ?? rank;
  return `${message} (the peer at ${m[1]}:${m[2]} is rank ${global})`;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

// Python's _store_based_barrier: every rank adds 1 to "store_based_barrier_key:<group count>", then polls
// the count until it reaches the world size.
async function storeBasedBarrier(rank: number, store: Store, timeoutMs: number): Promise<void> {
  const key = `${STORE_BASED_BARRIER_PREFIX}:${groupCount}`;
  store.add(key, 1);
  const worldSize = getWorldSize();
  let count = store.add(key, 0);
  const start = Date.now();
  while (count !== worldSize) {
    await sleep(10);
    count = store.add(key, 0);
    if (Date.now() - start > timeoutMs) {
      throw new DistributedError(`Timed out initializing process group in store based barrier on rank: ${rank}, for key: ${key} `
        + `(world_size=${worldSize}, worker_count=${count}, timeout=${timeoutMs / 1000}s)`);
    }
  }
}

export interface InitProcessGroupOptions {
  /** 'gloo' (the default; the only backend of a CPU libtorch). */
  backend?: string;
  /** 'env://' (default), 'tcp://host:port' or 'file:///path'; exclusive with `store`. */
  initMethod?: string;
  /** Milliseconds (default 30 minutes, Python's default_pg_timeout): collectives and the store. */
  timeout?: number;
  worldSize?: number;
  rank?: number;
  /** A store shared by all ranks (then `rank` and `worldSize` are required). */
  store?: Store;
  groupName?: string;
}

/**
 * Python's init_process_group: rendezvous (env://, tcp://, file:// or a store), the default group, a
 * store-based barrier and the group's sequence number. Resolves when every rank has joined.
 */
export async function initProcessGroup(...rest: PyRest<InitProcessGroupOptions, ['backend', 'initMethod', 'timeout', 'worldSize', 'rank', 'store', 'groupName']>): Promise<void>;
export async function initProcessGroup(...args: unknown[]): Promise<void> {
  const [opts = {}] = bindOwn(initProcessGroup, args) as [InitProcessGroupOptions?];
  for (const k of Object.keys(opts)) {
    if (!['backend', 'initMethod', 'timeout', 'worldSize', 'rank', 'store', 'groupName'].includes(k)) {
      throw new TypeError(`initProcessGroup: unknown option '${k}'`);
    }
  }
  if (WORLD !== null) throw new DistributedError('trying to initialize the default process group twice!');
  getDebugLevel(); // also: an addon without torch.distributed says so here, before any rendezvous
  const backend = checkBackend(opts.backend);
  const timeoutMs = checkTimeout(opts.timeout ?? DEFAULT_TIMEOUT_MS, 'initProcessGroup');
  let worldSize = opts.worldSize ?? -1;
  let rank = opts.rank ?? -1;
  let store = opts.store;
  let initMethod = opts.initMethod;
  if (store !== undefined && initMethod !== undefined) throw new DistributedError('Cannot specify both initMethod and store.');
  if (store !== undefined) {
    if (!(worldSize > 0)) throw new DistributedError('worldSize must be positive if using store');
    if (!(rank >= 0)) throw new DistributedError('rank must be non-negative if using store');
  } else {
    initMethod ??= 'env://';
    const rv = await rendezvous(initMethod, rank, worldSize, { timeout: timeoutMs });
    rank = rv.rank;
    worldSize = rv.worldSize;
    rv.store.setTimeout(timeoutMs);
    // A PrefixStore keeps other users of a multi-tenant store (RPC...) apart.
    store = new PrefixStore('default_pg', rv.store);
  }
  if (!Number.isInteger(rank) || rank < 0 || rank >= worldSize) {
    throw new DistributedError(`initProcessGroup: rank ${rank} is not in [0, ${worldSize}) (world size ${worldSize})`);
  }
  const pg = await newProcessGroupHelper(worldSize, rank, [], backend, store, opts.groupName, timeoutMs) as ProcessGroup;
  WORLD = pg;
  recordOf(pg).ranks = new Map(Array.from({ length: pg.size() }, (_, i) => [i, i]));
  defaultInitMethod = initMethod ?? null;
  try {
    await storeBasedBarrier(rank, store, timeoutMs);
    await dist().distSetSequenceNumber(pg._h);
  } catch (e) {
    destroyProcessGroup();
    throw e instanceof DistributedError ? e : new DistributedError(`initProcessGroup on rank ${rank}: ${(e as Error).message}`);
  }
}

/** The init method the default group was made with. */
export function getInitMethod(): string | null {
  bindOwn(getInitMethod, arguments);
  return defaultInitMethod;
}

/**
 * Python's destroy_process_group: without an argument (or with WORLD) every group, and the group counter
 * restarts at 0, so that a re-initialised job numbers its groups as the others do.
 */
export function destroyProcessGroup(g?: GroupArg): void {
  [g] = bindOwn(destroyProcessGroup, arguments) as Parameters<typeof destroyProcessGroup>;
  if (g === NON_GROUP_MEMBER) return;
  const pg = (g ?? WORLD) as ProcessGroup | null;
  if (pg === null || !groups.has(pg)) throw new DistributedError('Invalid process group specified');
  if (g === undefined || g === null || pg === WORLD) {
    WORLD = null;
    defaultInitMethod = null;
    groups.clear();
    groupCount = 0;
  } else {
    groups.delete(pg);
  }
}

export interface NewGroupOptions {
  /** Milliseconds (default 30 minutes). */
  timeout?: number;
  backend?: string;
}

/**
 * Python's new_group(ranks): every process of the default group must call it, in the same order, members
 * or not; returns NON_GROUP_MEMBER on the others.
 */
export async function newGroup(ranks?: number[] | null, ...rest: PyRest<NewGroupOptions, ['timeout', 'backend']>): Promise<ProcessGroup | typeof NON_GROUP_MEMBER>;
export async function newGroup(...args: unknown[]): Promise<ProcessGroup | typeof NON_GROUP_MEMBER> {
  const [ranks, opts = {}] = bindOwn(newGroup, args) as [(number[] | null)?, NewGroupOptions?];
  const def = defaultGroup();
  const rec = recordOf(def);
  const backend = opts.backend === undefined ? rec.backend : checkBackend(opts.backend);
  const timeoutMs = checkTimeout(opts.timeout ?? DEFAULT_TIMEOUT_MS, 'newGroup');
  const globalRank = def.rank();
  const globalWorldSize = def.size();
  let groupRanks: number[];
  let groupRank: number;
  if (ranks !== undefined && ranks !== null) {
    groupRanks = [...ranks].sort((a, b) => a - b);
    if (groupRanks.length > globalWorldSize) {
      throw new DistributedError("the new group's world size should be less or equal to the world size set by initProcessGroup");
    }
    for (const r of groupRanks) {
      if (!Number.isInteger(r) || r < 0 || r >= globalWorldSize) {
        throw new DistributedError("The new group's rank should be within the the world_size set by initProcessGroup");
      }
    }
    groupRank = groupRanks.indexOf(globalRank);
  } else {
    groupRanks = Array.from({ length: globalWorldSize }, (_, i) => i);
    groupRank = globalRank;
  }
  const pg = await newProcessGroupHelper(groupRanks.length, groupRank, groupRanks, backend, rec.store, undefined, timeoutMs);
  if (pg instanceof ProcessGroup) recordOf(pg).ranks = new Map(groupRanks.map((g, i) => [g, i]));
  await storeBasedBarrier(globalRank, rec.store, timeoutMs);
  if (pg instanceof ProcessGroup) await dist().distSetSequenceNumber(pg._h);
  return pg;
}

// ---------------------------------------------------------------------------------------------------------
// Collectives

export interface CollectiveOptions {
  group?: GroupArg;
  /** Return a Work instead of waiting (Python's async_op). */
  asyncOp?: boolean;
}

function checkTensor(t: unknown, what: string, param = 'tensor'): Tensor {
  if (!(t instanceof Tensor)) throw new TypeError(`${what}: invalid function argument. Expected parameter \`${param}\` to be of type Tensor.`);
  return t;
}

function checkTensorList(list: unknown, what: string, param: string): Tensor[] {
  if (!Array.isArray(list) || !list.every((t) => t instanceof Tensor)) {
    throw new TypeError(`${what}: invalid function argument. Expected parameter \`${param}\` to be of type Tensor[].`);
  }
  return list as Tensor[];
}

function checkSameDtype(what: string, ...tensors: Tensor[]): void {
  for (const t of tensors) {
    if (String(t.dtype) !== String(tensors[0]!.dtype)) {
      throw new TypeError(`${what}: tensors must all have the same type (got ${tensors.map((x) => String(x.dtype)).join(', ')})`);
    }
  }
}

function groupOf(g: GroupArg): ProcessGroup {
  return (g as ProcessGroup | null | undefined) ?? defaultGroup();
}

function describe(op: string, pg: ProcessGroup): string {
  return `${op} on process group ${pg.groupName} (rank ${pg.rank()} of ${pg.size()})`;
}

// Issues a collective and waits for it (or returns its Work when asyncOp). Errors name the collective.
function run(op: string, pg: ProcessGroup, asyncOp: boolean | undefined, keep: unknown, issue: () => WorkHandle, after?: () => void): Work | null {
  let h: WorkHandle;
  try {
    h = issue();
  } catch (e) {
    throw new DistributedError(`${describe(op, pg)} failed: ${explainPeer(pg, (e as Error).message)}`);
  }
  const work = new Work(h, describe(op, pg), keep, after, (msg) => explainPeer(pg, msg));
  if (asyncOp) return work;
  work.waitSync();
  return null;
}

const hs = (ts: Tensor[]): Handle[] => ts.map((t) => t._h);

/**
 * Python's all_reduce: `tensor` becomes the reduction over the group (SUM by default), in place. PyTorch's
 * positional order all_reduce(tensor, op, group, async_op), or an options object.
 */
export function allReduce(tensor: Tensor, op: ReduceOp | string, group?: CollectiveOptions['group'], asyncOp?: false): void;
export function allReduce(tensor: Tensor, op: ReduceOp | string, group: CollectiveOptions['group'] | undefined, asyncOp: true): Work | null;
export function allReduce(tensor: Tensor, opts?: CollectiveOptions & { op?: ReduceOp | string; asyncOp?: false }): void;
export function allReduce(tensor: Tensor, opts: CollectiveOptions & { op?: ReduceOp | string; asyncOp: true }): Work | null;
export function allReduce(tensor: Tensor, ..._rest: unknown[]): Work | null | void {
  let opts: CollectiveOptions & { op?: ReduceOp | string };
  [tensor, opts = {}] = bindOwn(allReduce, arguments) as [typeof tensor, typeof opts];
  checkTensor(tensor, 'allReduce');
  const op = ReduceOp.of(opts.op, 'allReduce');
  if (notInGroup(opts.group)) return warnNotInGroup('all_reduce');
  const pg = groupOf(opts.group);
  return run('allReduce', pg, opts.asyncOp, tensor, () => dist().distAllReduce(pg._h, [tensor._h], op.code));
}

/** Python's broadcast: `tensor` on every rank becomes `src`'s (a global rank). */
export function broadcast(tensor: Tensor, src: number, opts?: CollectiveOptions & { asyncOp?: false }): void;
export function broadcast(tensor: Tensor, src: number, opts: CollectiveOptions & { asyncOp: true }): Work | null;
/** PyTorch's positional order: broadcast(tensor, src, group, asyncOp). */
export function broadcast(tensor: Tensor, src: number, group?: GroupArg, asyncOp?: false): void;
export function broadcast(tensor: Tensor, src: number, group: GroupArg, asyncOp: true): Work | null;
export function broadcast(...args: unknown[]): Work | null | void {
  const [tensor, src, opts = {}] = bindOwn(broadcast, args) as [Tensor, number, CollectiveOptions?];
  checkTensor(tensor, 'broadcast');
  if (notInGroup(opts.group)) return warnNotInGroup('broadcast');
  const pg = groupOf(opts.group);
  const root = getGroupRank(pg, src);
  return run('broadcast', pg, opts.asyncOp, tensor, () => dist().distBroadcast(pg._h, [tensor._h], root));
}

/** Python's reduce: the reduction lands in `tensor` on `dst` (a global rank). */
export function reduce(tensor: Tensor, dst: number, opts?: CollectiveOptions & { op?: ReduceOp | string; asyncOp?: false }): void;
export function reduce(tensor: Tensor, dst: number, opts: CollectiveOptions & { op?: ReduceOp | string; asyncOp: true }): Work | null;
/** PyTorch's positional order: reduce(tensor, dst, op, group, asyncOp). */
export function reduce(tensor: Tensor, dst: number, op?: ReduceOp | string, group?: GroupArg, asyncOp?: false): void;
export function reduce(tensor: Tensor, dst: number, op: ReduceOp | string | undefined, group: GroupArg, asyncOp: true): Work | null;
export function reduce(...args: unknown[]): Work | null | void {
  const [tensor, dst, opts = {}] = bindOwn(reduce, args) as [Tensor, number, (CollectiveOptions & { op?: ReduceOp | string })?];
  checkTensor(tensor, 'reduce');
  const op = ReduceOp.of(opts.op, 'reduce');
  if (notInGroup(opts.group)) return warnNotInGroup('reduce');
  const pg = groupOf(opts.group);
  const root = getGroupRank(pg, dst);
  return run('reduce', pg, opts.asyncOp, tensor, () => dist().distReduce(pg._h, [tensor._h], root, op.code));
}

/** Python's all_gather: tensorList[i] receives rank i's `tensor`. */
export function allGather(tensorList: Tensor[], tensor: Tensor, opts?: CollectiveOptions & { asyncOp?: false }): void;
export function allGather(tensorList: Tensor[], tensor: Tensor, opts: CollectiveOptions & { asyncOp: true }): Work | null;
/** PyTorch's positional order: allGather(tensorList, tensor, group, asyncOp). */
export function allGather(tensorList: Tensor[], tensor: Tensor, group?: GroupArg, asyncOp?: false): void;
export function allGather(tensorList: Tensor[], tensor: Tensor, group: GroupArg, asyncOp: true): Work | null;
export function allGather(...args: unknown[]): Work | null | void {
  const [tensorList, tensor, opts = {}] = bindOwn(allGather, args) as [Tensor[], Tensor, CollectiveOptions?];
  checkTensorList(tensorList, 'allGather', 'tensor_list');
  checkTensor(tensor, 'allGather');
  checkSameDtype('allGather', ...tensorList, tensor);
  if (notInGroup(opts.group)) return warnNotInGroup('all_gather');
  const pg = groupOf(opts.group);
  return run('allGather', pg, opts.asyncOp, [tensorList, tensor], () => dist().distAllGather(pg._h, [hs(tensorList)], [tensor._h]));
}

/** Python's all_gather_into_tensor: `output` (world size x input) receives every rank's input. */
export function allGatherIntoTensor(output: Tensor, input: Tensor, opts?: CollectiveOptions & { asyncOp?: false }): void;
export function allGatherIntoTensor(output: Tensor, input: Tensor, opts: CollectiveOptions & { asyncOp: true }): Work | null;
/** PyTorch's positional order: allGatherIntoTensor(output, input, group, asyncOp). */
export function allGatherIntoTensor(output: Tensor, input: Tensor, group?: GroupArg, asyncOp?: false): void;
export function allGatherIntoTensor(output: Tensor, input: Tensor, group: GroupArg, asyncOp: true): Work | null;
export function allGatherIntoTensor(...args: unknown[]): Work | null | void {
  const [output, input, opts = {}] = bindOwn(allGatherIntoTensor, args) as [Tensor, Tensor, CollectiveOptions?];
  checkTensor(output, 'allGatherIntoTensor', 'output_tensor');
  checkTensor(input, 'allGatherIntoTensor', 'input_tensor');
  if (notInGroup(opts.group)) return warnNotInGroup('all_gather_into_tensor');
  const pg = groupOf(opts.group);
  return run('allGatherIntoTensor', pg, opts.asyncOp, [output, input], () => dist().distAllGatherIntoTensor(pg._h, output._h, input._h));
}

/** Python's gather: on `dst`, gatherList[i] receives rank i's `tensor`; other ranks pass no list. */
export function gather(tensor: Tensor, opts?: CollectiveOptions & { gatherList?: Tensor[] | null; dst?: number; asyncOp?: false }): void;
export function gather(tensor: Tensor, opts: CollectiveOptions & { gatherList?: Tensor[] | null; dst?: number; asyncOp: true }): Work | null;
/** PyTorch's positional order: gather(tensor, gatherList, dst, group, asyncOp). */
export function gather(tensor: Tensor, gatherList?: Tensor[] | null, dst?: number, group?: GroupArg, asyncOp?: false): void;
export function gather(tensor: Tensor, gatherList: Tensor[] | null | undefined, dst: number | undefined, group: GroupArg, asyncOp: true): Work | null;
export function gather(...args: unknown[]): Work | null | void {
  const [tensor, opts = {}] = bindOwn(gather, args) as [Tensor, (CollectiveOptions & { gatherList?: Tensor[] | null; dst?: number })?];
  checkTensor(tensor, 'gather');
  const gatherList = opts.gatherList ?? [];
  if (opts.gatherList) checkTensorList(opts.gatherList, 'gather', 'gather_list');
  checkSameDtype('gather', tensor, ...gatherList);
  if (notInGroup(opts.group)) return warnNotInGroup('gather');
  const dst = opts.dst ?? 0;
  // Python's _validate_output_list_for_rank (with the global rank, as 1.13 does).
  const myRank = getRank();
  if (dst === myRank) {
    if (!opts.gatherList) throw new DistributedError('Argument ``gather_list`` must be specified on destination rank.');
  } else if (opts.gatherList && opts.gatherList.length) {
    throw new DistributedError('Argument ``gather_list`` must NOT be specified on non-destination ranks.');
  }
  const pg = groupOf(opts.group);
  const root = getGroupRank(pg, dst);
  const outputs = dst === myRank ? [hs(gatherList)] : [];
  return run('gather', pg, opts.asyncOp, [tensor, gatherList], () => dist().distGather(pg._h, outputs, [tensor._h], root));
}

/** Python's scatter: rank i's `tensor` receives scatterList[i] of `src`; other ranks pass no list. */
export function scatter(tensor: Tensor, opts?: CollectiveOptions & { scatterList?: Tensor[] | null; src?: number; asyncOp?: false }): void;
export function scatter(tensor: Tensor, opts: CollectiveOptions & { scatterList?: Tensor[] | null; src?: number; asyncOp: true }): Work | null;
/** PyTorch's positional order: scatter(tensor, scatterList, src, group, asyncOp). */
export function scatter(tensor: Tensor, scatterList?: Tensor[] | null, src?: number, group?: GroupArg, asyncOp?: false): void;
export function scatter(tensor: Tensor, scatterList: Tensor[] | null | undefined, src: number | undefined, group: GroupArg, asyncOp: true): Work | null;
export function scatter(...args: unknown[]): Work | null | void {
  const [tensor, opts = {}] = bindOwn(scatter, args) as [Tensor, (CollectiveOptions & { scatterList?: Tensor[] | null; src?: number })?];
  checkTensor(tensor, 'scatter');
  const scatterList = opts.scatterList ?? [];
  if (opts.scatterList) checkTensorList(opts.scatterList, 'scatter', 'scatter_list');
  checkSameDtype('scatter', tensor, ...scatterList);
  if (notInGroup(opts.group)) return warnNotInGroup('scatter');
  const src = opts.src ?? 0;
  const myRank = getRank();
  let inputs: Handle[][];
  if (src === myRank) {
    if (!scatterList.length) throw new DistributedError('Argument ``scatter_list`` must be specified on source rank.');
    inputs = [hs(scatterList)];
  } else {
    if (scatterList.length) throw new DistributedError('Argument ``scatter_list`` must NOT be specified on non-source ranks.');
    inputs = [];
  }
  const pg = groupOf(opts.group);
  const root = getGroupRank(pg, src);
  return run('scatter', pg, opts.asyncOp, [tensor, scatterList], () => dist().distScatter(pg._h, [tensor._h], inputs, root));
}

/** Python's reduce_scatter: `output` on rank i receives the reduction of every rank's inputList[i]. */
export function reduceScatter(output: Tensor, inputList: Tensor[], opts?: CollectiveOptions & { op?: ReduceOp | string; asyncOp?: false }): void;
export function reduceScatter(output: Tensor, inputList: Tensor[], opts: CollectiveOptions & { op?: ReduceOp | string; asyncOp: true }): Work | null;
/** PyTorch's positional order: reduceScatter(output, inputList, op, group, asyncOp). */
export function reduceScatter(output: Tensor, inputList: Tensor[], op?: ReduceOp | string, group?: GroupArg, asyncOp?: false): void;
export function reduceScatter(output: Tensor, inputList: Tensor[], op: ReduceOp | string | undefined, group: GroupArg, asyncOp: true): Work | null;
export function reduceScatter(...args: unknown[]): Work | null | void {
  const [output, inputList, opts = {}] = bindOwn(reduceScatter, args) as [Tensor, Tensor[], (CollectiveOptions & { op?: ReduceOp | string })?];
  checkTensor(output, 'reduceScatter', 'output');
  checkTensorList(inputList, 'reduceScatter', 'input_list');
  checkSameDtype('reduceScatter', output, ...inputList);
  const op = ReduceOp.of(opts.op, 'reduceScatter');
  if (notInGroup(opts.group)) return warnNotInGroup('reduce_scatter');
  const pg = groupOf(opts.group);
  return run('reduceScatter', pg, opts.asyncOp, [output, inputList], () => dist().distReduceScatter(pg._h, [output._h], [hs(inputList)], op.code));
}

/** Python's all_to_all_single: splits `input` (by inputSplitSizes along dim 0) to the ranks, gathers into `output`. */
export function allToAllSingle(output: Tensor, input: Tensor, opts?: CollectiveOptions & { outputSplitSizes?: number[] | null; inputSplitSizes?: number[] | null; asyncOp?: false }): void;
export function allToAllSingle(output: Tensor, input: Tensor, opts: CollectiveOptions & { outputSplitSizes?: number[] | null; inputSplitSizes?: number[] | null; asyncOp: true }): Work | null;
/** PyTorch's positional order: allToAllSingle(output, input, outputSplitSizes, inputSplitSizes, group, asyncOp). */
export function allToAllSingle(output: Tensor, input: Tensor, outputSplitSizes?: number[] | null, inputSplitSizes?: number[] | null, group?: GroupArg, asyncOp?: false): void;
export function allToAllSingle(output: Tensor, input: Tensor, outputSplitSizes: number[] | null | undefined, inputSplitSizes: number[] | null | undefined, group: GroupArg, asyncOp: true): Work | null;
export function allToAllSingle(...args: unknown[]): Work | null | void {
  const [output, input, opts = {}] = bindOwn(allToAllSingle, args) as [Tensor, Tensor, (CollectiveOptions & { outputSplitSizes?: number[] | null; inputSplitSizes?: number[] | null })?];
  checkTensor(output, 'allToAllSingle', 'output');
  checkTensor(input, 'allToAllSingle', 'input');
  checkSameDtype('allToAllSingle', output, input);
  if (notInGroup(opts.group)) return warnNotInGroup('all_to_all_single');
  const pg = groupOf(opts.group);
  const outSplits = opts.outputSplitSizes ?? [];
  const inSplits = opts.inputSplitSizes ?? [];
  return run('allToAllSingle', pg, opts.asyncOp, [output, input], () => dist().distAllToAllSingle(pg._h, output._h, input._h, outSplits, inSplits));
}

/** Python's all_to_all: outputList[i] receives rank i's inputList[this rank]. (Gloo in 1.13 has no list form; use allToAllSingle.) */
export function allToAll(outputList: Tensor[], inputList: Tensor[], opts?: CollectiveOptions & { asyncOp?: false }): void;
export function allToAll(outputList: Tensor[], inputList: Tensor[], opts: CollectiveOptions & { asyncOp: true }): Work | null;
/** PyTorch's positional order: allToAll(outputList, inputList, group, asyncOp). */
export function allToAll(outputList: Tensor[], inputList: Tensor[], group?: GroupArg, asyncOp?: false): void;
export function allToAll(outputList: Tensor[], inputList: Tensor[], group: GroupArg, asyncOp: true): Work | null;
export function allToAll(...args: unknown[]): Work | null | void {
  const [outputList, inputList, opts = {}] = bindOwn(allToAll, args) as [Tensor[], Tensor[], CollectiveOptions?];
  checkTensorList(outputList, 'allToAll', 'output_tensor_list');
  checkTensorList(inputList, 'allToAll', 'input_tensor_list');
  checkSameDtype('allToAll', ...outputList, ...inputList);
  if (notInGroup(opts.group)) return warnNotInGroup('all_to_all');
  const pg = groupOf(opts.group);
  return run('allToAll', pg, opts.asyncOp, [outputList, inputList], () => dist().distAllToAll(pg._h, hs(outputList), hs(inputList)));
}

/** Python's barrier: returns when every rank of the group has entered it. */
export function barrier(opts?: CollectiveOptions & { asyncOp?: false }): void;
export function barrier(opts: CollectiveOptions & { asyncOp: true }): Work | null;
/** PyTorch's positional order: barrier(group, asyncOp). */
export function barrier(group?: GroupArg, asyncOp?: false): void;
export function barrier(group: GroupArg, asyncOp: true): Work | null;
export function barrier(...args: unknown[]): Work | null | void {
  const [opts = {}] = bindOwn(barrier, args) as [CollectiveOptions?];
  if (notInGroup(opts.group)) return warnNotInGroup('barrier');
  const pg = groupOf(opts.group);
  return run('barrier', pg, opts.asyncOp, null, () => dist().distBarrier(pg._h));
}

export interface MonitoredBarrierOptions { group?: GroupArg; timeout?: number; waitAllRanks?: boolean }
export interface SendOptions { group?: GroupArg; tag?: number }
export interface RecvOptions { src?: number | null; group?: GroupArg; tag?: number }

/** Python's monitored_barrier (Gloo): like barrier, but names the ranks that did not arrive within `timeout` ms. */
export function monitoredBarrier(...args: PyRest<MonitoredBarrierOptions, ['group', 'timeout', 'waitAllRanks']>): void;
export function monitoredBarrier(...args: unknown[]): void {
  const [opts = {}] = bindOwn(monitoredBarrier, args) as [MonitoredBarrierOptions?];
  if (notInGroup(opts.group)) return warnNotInGroup('monitored_barrier');
  const pg = groupOf(opts.group);
  if (getBackend(pg) !== 'gloo') throw new DistributedError('monitored_barrier is only implemented for GLOO backend.');
  const timeoutMs = checkTimeout(opts.timeout ?? DEFAULT_TIMEOUT_MS, 'monitoredBarrier');
  try {
    dist().distMonitoredBarrier(pg._h, timeoutMs, opts.waitAllRanks ?? false);
  } catch (e) {
    throw new DistributedError(`${describe('monitoredBarrier', pg)} failed: ${(e as Error).message}`);
  }
}

/** Python's isend: returns a Work; `dst` is a global rank. */
export function isend(tensor: Tensor, dst: number, ...rest: PyRest<SendOptions, ['group', 'tag']>): Work | null;
export function isend(...args: unknown[]): Work | null {
  const [tensor, dst, opts = {}] = bindOwn(isend, args) as [Tensor, number, SendOptions?];
  checkTensor(tensor, 'isend');
  if (notInGroup(opts.group)) {
    warnNotInGroup('isend');
    return null;
  }
  const pg = groupOf(opts.group);
  const peer = getGroupRank(pg, dst);
  return run(`send to rank ${dst}`, pg, true, tensor, () => dist().distSend(pg._h, [tensor._h], peer, opts.tag ?? 0));
}

/** Python's irecv: returns a Work; without `src`, receives from any rank (see Work.sourceRank()). */
export function irecv(tensor: Tensor, ...rest: PyRest<RecvOptions, ['src', 'group', 'tag']>): Work | null;
export function irecv(...args: unknown[]): Work | null {
  const [tensor, opts = {}] = bindOwn(irecv, args) as [Tensor, RecvOptions?];
  checkTensor(tensor, 'irecv');
  if (notInGroup(opts.group)) {
    warnNotInGroup('irecv');
    return null;
  }
  const pg = groupOf(opts.group);
  const tag = opts.tag ?? 0;
  if (opts.src === undefined || opts.src === null) {
    return run('recv from any rank', pg, true, tensor, () => dist().distRecvAnysource(pg._h, [tensor._h], tag));
  }
  const peer = getGroupRank(pg, opts.src);
  return run(`recv from rank ${opts.src}`, pg, true, tensor, () => dist().distRecv(pg._h, [tensor._h], peer, tag));
}

/** Python's send (blocking). */
export function send(tensor: Tensor, dst: number, ...rest: PyRest<SendOptions, ['group', 'tag']>): void;
export function send(...args: unknown[]): void {
  const [tensor, dst, opts = {}] = bindOwn(send, args) as [Tensor, number, SendOptions?];
  isend(tensor, dst, opts)?.waitSync();
}

/** Python's recv (blocking): returns the sender's global rank (-1 when not in the group). */
export function recv(tensor: Tensor, ...rest: PyRest<RecvOptions, ['src', 'group', 'tag']>): number;
export function recv(...args: unknown[]): number {
  const [tensor, opts = {}] = bindOwn(recv, args) as [Tensor, RecvOptions?];
  const work = irecv(tensor, opts);
  if (work === null) return -1;
  work.waitSync();
  if (opts.src === undefined || opts.src === null) {
    const pg = groupOf(opts.group);
    return getGlobalRank(pg, work.sourceRank());
  }
  return opts.src;
}
