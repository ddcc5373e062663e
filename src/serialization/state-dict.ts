import { bindOwn, registerSignature } from '../args.js';

// PyTorch's argument binding (src/args.ts) for this module's functions: an extra positional argument or an
// unknown keyword is a TypeError naming it.
registerSignature(consumePrefixInStateDict, 'consumePrefixInStateDict', 'torch.nn.modules.utils.consume_prefix_in_state_dict_if_present', 'stateDict:dict, prefix');
// Helpers for state dicts, as torch.nn.modules.utils.consume_prefix_in_state_dict_if_present, and their
// PyTorch metadata.

/** PyTorch's state-dict metadata (OrderedDict._metadata): per module prefix ('' for the root), its version. */
export type StateDictMetadata = Record<string, { version?: number } | undefined>;

/** The metadata a state dict carries (from Module.stateDict() or torch.load of a PyTorch file), if any. */
export function stateDictMetadata(sd: object): StateDictMetadata | undefined {
  return (sd as { _metadata?: StateDictMetadata })._metadata;
}

/**
 * Attaches `metadata` to `sd` as PyTorch's `_metadata` attribute: a non-enumerable property, so that it is never
 * taken for an entry, which torch.save writes back as PyTorch's pickler does. Returns `sd`.
 */
export function setStateDictMetadata<T extends object>(sd: T, metadata: StateDictMetadata | undefined): T {
  Object.defineProperty(sd, '_metadata', { value: metadata, enumerable: false, writable: true, configurable: true });
  return sd;
}

/**
 * Removes `prefix` from every key that starts with it, in place (e.g. 'module.' from checkpoints saved from
 * nn.DataParallel / DistributedDataParallel), keeping the order of the entries. Returns the same dict.
 */
export function consumePrefixInStateDict<T extends Record<string, unknown> | Map<string, unknown>>(stateDict: T, prefix: string): T {
  [stateDict, prefix] = bindOwn(consumePrefixInStateDict, arguments) as [typeof stateDict, typeof prefix];
  if (stateDict instanceof Map) {
    const entries = [...stateDict.entries()];
    stateDict.clear();
    for (const [k, v] of entries) stateDict.set(typeof k === 'string' && k.startsWith(prefix) ? k.slice(prefix.length) : k, v);
    return stateDict;
  }
  const o = stateDict as Record<string, unknown>;
  const entries = Object.entries(o);
  for (const [k] of entries) delete o[k];
  for (const [k, v] of entries) {
    const nk = k.startsWith(prefix) ? k.slice(prefix.length) : k;
    Object.defineProperty(o, nk, { value: v, enumerable: true, writable: true, configurable: true });
  }
  return stateDict;
}
