// torch.distributed's key-value stores: libtorch's own TCPStore, FileStore, HashStore and PrefixStore, so a
// store served by a tstorch process is one that PyTorch processes join (and the reverse). Timeouts are in
// milliseconds. Operations that wait for a key (get, wait) return Promises; the others are quick round trips.
import { dist, type StoreHandle } from './native.js';
import { bindOwn, classArgs } from '../args.js';

/** Python's default store and process-group timeout (torch.distributed.constants.default_pg_timeout): 30 minutes. */
export const DEFAULT_TIMEOUT_MS = 30 * 60 * 1000;

export abstract class Store {
  /** @internal */
  readonly _h: StoreHandle;
  protected constructor(h: StoreHandle) { this._h = h; }

  set(key: string, value: string | Uint8Array): void { dist().distStoreSet(this._h, key, value); }
  /** The value of `key`, waiting for it up to the store's timeout. */
  async get(key: string): Promise<Buffer> {
    try {
      return await dist().distStoreGet(this._h, key);
    } catch (e) {
      throw new Error(`Store.get('${key}') failed: ${(e as Error).message}`);
    }
  }
  /** Adds `amount` to the integer under `key` (0 if absent) and returns the new value. */
  add(key: string, amount: number): number { return dist().distStoreAdd(this._h, key, amount); }
  /** Sets `key` to `desired` if its value is `expected` (or it is absent and `expected` is empty); returns the value now. */
  compareSet(key: string, expected: string | Uint8Array, desired: string | Uint8Array): Buffer {
    return dist().distStoreCompareSet(this._h, key, expected, desired);
  }
  /** Whether every key is present (without waiting). */
  check(keys: string[]): boolean { return dist().distStoreCheck(this._h, keys); }
  /** Waits until every key is present, up to `timeoutMs` (default: the store's timeout). */
  async wait(keys: string[], timeoutMs?: number): Promise<void> {
    try {
      await dist().distStoreWait(this._h, keys, timeoutMs);
    } catch (e) {
      throw new Error(`Store.wait([${keys.map((k) => `'${k}'`).join(', ')}]) failed: ${(e as Error).message}`);
    }
  }
  deleteKey(key: string): boolean { return dist().distStoreDelete(this._h, key); }
  numKeys(): number { return dist().distStoreNumKeys(this._h); }
  /** The timeout of waiting operations, in milliseconds. */
  get timeout(): number { return dist().distStoreTimeout(this._h); }
  setTimeout(ms: number): void { dist().distStoreSetTimeout(this._h, checkTimeout(ms, 'Store.setTimeout')); }
}

export function checkTimeout(ms: number, what: string): number {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms <= 0) throw new RangeError(`${what}: timeout must be a positive number of milliseconds, got ${ms}`);
  return Math.round(ms);
}

export interface TCPStoreOptions {
  /** Python's world_size: the number of clients the server waits for (with waitForWorkers). */
  worldSize?: number | null;
  /** Python's is_master: this process runs the server. */
  isMaster?: boolean;
  /** Milliseconds (Python's timedelta; default 30 min as Python's default for stores made by init_process_group). */
  timeout?: number;
  waitForWorkers?: boolean;
  /** Several stores of this process may share one server (Python's multi_tenant). */
  multiTenant?: boolean;
}

/** c10d's TCPStore: a server on one process (isMaster), clients everywhere. */
export class TCPStore extends Store {
  readonly host: string;
  private constructor(h: StoreHandle, host: string) {
    super(h);
    this.host = host;
  }
  /**
   * Connects (and with `isMaster`, serves): Python's TCPStore(host, port, world_size, is_master, timeout,
   * wait_for_workers, multi_tenant). Port 0 on the master picks a free port (see `port`).
   */
  static async create(host: string, port: number, opts: TCPStoreOptions = {}): Promise<TCPStore> {
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`TCPStore: port must be an integer 0..65535, got ${port}`);
    const world = opts.worldSize ?? -1;
    if (!Number.isInteger(world) || world < -1) throw new RangeError(`TCPStore: worldSize must be a non-negative integer, got ${opts.worldSize}`);
    const timeout = checkTimeout(opts.timeout ?? 300_000, 'TCPStore');
    const d = dist();
    try {
      const h = await d.distTcpStore(host, port, world, opts.isMaster ?? false, timeout, opts.waitForWorkers ?? true, opts.multiTenant ?? false);
      return new TCPStore(h, host);
    } catch (e) {
      const role = opts.isMaster ? 'serve' : 'connect to';
      throw new Error(`TCPStore: could not ${role} ${host}:${port}: ${(e as Error).message}`);
    }
  }
  /** The port the server listens on. */
  get port(): number { return dist().distTcpStorePort(this._h); }
}

/** c10d's FileStore: a file on a shared file system; removed when the last of `numWorkers` stores closes. */
export class FileStore extends Store {
  readonly path: string;
  constructor(path: string, numWorkers = -1) {
    [path, numWorkers = -1] = bindOwn(FileStore, arguments) as ConstructorParameters<typeof FileStore>;
    if (typeof path !== 'string' || path === '') throw new TypeError('FileStore: path must be a non-empty string');
    super(dist().distFileStore(path, numWorkers));
    this.path = path;
  }
}
classArgs(FileStore, 'tstorch.distributed.FileStore', 'path, numWorkers?');

/** c10d's HashStore: in this process only (tests, single-process groups). */
export class HashStore extends Store {
  constructor() {
    bindOwn(HashStore, arguments);
    super(dist().distHashStore());
  }
}
classArgs(HashStore, 'tstorch.distributed.HashStore', '');

/** Every key of `store` under `prefix/` (c10d's PrefixStore): what separates groups sharing one store. */
export class PrefixStore extends Store {
  readonly prefix: string;
  readonly underlying: Store;
  constructor(prefix: string, underlying: Store) {
    [prefix, underlying] = bindOwn(PrefixStore, arguments) as ConstructorParameters<typeof PrefixStore>;
    super(dist().distPrefixStore(prefix, underlying._h));
    this.prefix = prefix;
    this.underlying = underlying;
  }
}
classArgs(PrefixStore, 'tstorch.distributed.PrefixStore', 'prefix, underlying');
