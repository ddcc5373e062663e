// `torch.distributed`: process groups and collectives on libtorch's c10d (Gloo), stores, rendezvous, and
// (in algorithms/) the Join context manager. DistributedDataParallel is nn.parallel.DistributedDataParallel,
// DistributedSampler is utils.data.DistributedSampler; the launcher is `tstorch run` (./run/).
export {
  initProcessGroup, destroyProcessGroup, isInitialized, isAvailable, isGlooAvailable, isNcclAvailable, isMpiAvailable,
  getRank, getWorldSize, getBackend, getGroupRank, getGlobalRank, getProcessGroupRanks, getDefaultStore, getInitMethod,
  newGroup, group, GroupMember, getDebugLevel, DebugLevel, defaultPgTimeout,
  allReduce, broadcast, reduce, allGather, allGatherIntoTensor, gather, scatter, reduceScatter, allToAllSingle, allToAll,
  barrier, monitoredBarrier, send, recv, isend, irecv,
  type InitProcessGroupOptions, type NewGroupOptions, type CollectiveOptions, type Backend,
} from './distributed-c10d.js';
export { broadcastObjectList, allGatherObject, gatherObject, type JsonValue } from './object-collectives.js';
export { ProcessGroup, NON_GROUP_MEMBER } from './process-group.js';
export { ReduceOp } from './reduce-op.js';
export { Work, DistributedError } from './work.js';
export { Store, TCPStore, FileStore, HashStore, PrefixStore, type TCPStoreOptions } from './store.js';
export { rendezvous, isTorchelasticLaunched } from './rendezvous.js';
export * as algorithms from './algorithms/index.js';
export { saveOnRank0, loadCheckpoint, gatherRngStates, restoreRngState } from './checkpoint.js';
