// Helpers for state dicts, as torch.nn.modules.utils.consume_prefix_in_state_dict_if_present.

/**
 * Removes `prefix` from every key that starts with it, in place (e.g. 'module.' from checkpoints saved from
 * nn.DataParallel / DistributedDataParallel), keeping the order of the entries. Returns the same dict.
 */
export function consumePrefixInStateDict<T extends Record<string, unknown> | Map<string, unknown>>(stateDict: T, prefix: string): T {
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
