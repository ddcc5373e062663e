// torch.distributed.rendezvous: from an init method URL to (store, rank, world size), as PyTorch 1.13's
// rendezvous.py: env:// (RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT), tcp://host:port and file://path, with
// rank and world_size given as arguments or in the URL's query. Under torchrun (and `tstorch run`),
// TORCHELASTIC_USE_AGENT_STORE=True means the launcher already serves the TCPStore: every worker is a client,
// and the keys live under /worker/attempt_<TORCHELASTIC_RESTART_COUNT>.
import { Store, TCPStore, FileStore, PrefixStore, checkTimeout } from './store.js';
import { DistributedError } from './work.js';
import { bindOwn, registerSignature, type PyRest } from '../args.js';

// PyTorch's argument binding (src/args.ts) for this module's functions: an extra positional argument or an
// unknown keyword is a TypeError naming it.
// Python's rendezvous(url, rank=-1, world_size=-1, **kwargs): its handlers take one keyword, timeout (ms here)
registerSignature(rendezvous, 'rendezvous', 'torch.distributed.rendezvous', 'url, rank?, worldSize?, *, timeout');
registerSignature(isTorchelasticLaunched, 'isTorchelasticLaunched', 'torch.distributed.is_torchelastic_launched', '');

export interface Rendezvous {
  store: Store;
  rank: number;
  worldSize: number;
}

interface ParsedUrl {
  scheme: string;
  hostname: string | null;
  port: number | null;
  path: string;
  query: Map<string, string>;
}

// Python's urlparse, for the three schemes: scheme://netloc/path?query.
function parseUrl(url: string): ParsedUrl {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):(?:\/\/([^/?#]*))?([^?#]*)(?:\?([^#]*))?/.exec(url);
  if (!m) throw new DistributedError(`Error initializing torch.distributed: cannot parse init method '${url}'`);
  const netloc = m[2] ?? '';
  let hostname: string | null = null;
  let port: number | null = null;
  const host = netloc.replace(/^.*@/, '');
  const v6 = /^\[([^\]]*)\](?::(\d*))?$/.exec(host);
  if (v6) {
    hostname = v6[1]!.toLowerCase();
    if (v6[2]) port = Number(v6[2]);
  } else if (host !== '') {
    const i = host.lastIndexOf(':');
    hostname = (i >= 0 ? host.slice(0, i) : host).toLowerCase() || null;
    if (i >= 0 && host.slice(i + 1) !== '') port = Number(host.slice(i + 1));
  }
  if (port !== null && (!Number.isInteger(port) || port < 0 || port > 65535)) {
    throw new DistributedError(`Error initializing torch.distributed: port out of range in '${url}'`);
  }
  // Python's _query_to_dict: split on & and =, no unescaping.
  const query = new Map<string, string>();
  for (const pair of (m[4] ?? '').split('&').filter((p) => p !== '')) {
    const [k, v] = pair.split('=');
    query.set(k!, v ?? '');
  }
  return { scheme: m[1]!.toLowerCase(), hostname, port, path: m[3] ?? '', query };
}

function rendezvousError(scheme: string, msg: string): DistributedError {
  return new DistributedError(`Error initializing torch.distributed using ${scheme}:// rendezvous: ${msg}`);
}

function intParam(q: Map<string, string>, key: string, scheme: string): number {
  const v = Number(q.get(key));
  if (!Number.isInteger(v)) throw rendezvousError(scheme, `${key} parameter is not an integer: '${q.get(key)}'`);
  return v;
}

function envOrThrow(name: string): string {
  const v = process.env[name];
  if (!v) throw rendezvousError('env', `environment variable ${name} expected, but not set`);
  return v;
}

function envInt(name: string): number {
  const s = envOrThrow(name);
  const v = Number(s);
  if (!Number.isInteger(v)) throw rendezvousError('env', `environment variable ${name} is not an integer: '${s}'`);
  return v;
}

/** Whether this process was started by torchrun or `tstorch run` (Python's is_torchelastic_launched). */
export function isTorchelasticLaunched(): boolean {
  bindOwn(isTorchelasticLaunched, arguments);
  return process.env.TORCHELASTIC_RUN_ID !== undefined;
}

function useAgentStore(): boolean {
  return process.env.TORCHELASTIC_USE_AGENT_STORE === 'True';
}

/** Python's _create_c10d_store: the launcher's store (a client, under the attempt prefix) or rank 0's server. */
export async function createC10dStore(hostname: string, port: number, rank: number, worldSize: number, timeoutMs: number): Promise<Store> {
  if (!(port >= 0 && port < 65536)) throw new RangeError(`port must have value from 0 to 65535 but was ${port}.`);
  if (useAgentStore()) {
    const attempt = process.env.TORCHELASTIC_RESTART_COUNT;
    if (attempt === undefined) throw rendezvousError('env', 'TORCHELASTIC_USE_AGENT_STORE is set but TORCHELASTIC_RESTART_COUNT is not');
    const tcp = await TCPStore.create(hostname, port, { worldSize, isMaster: false, timeout: timeoutMs });
    return new PrefixStore(`/worker/attempt_${attempt}`, tcp);
  }
  return TCPStore.create(hostname, port, { worldSize, isMaster: rank === 0, timeout: timeoutMs, multiTenant: true });
}

/** rendezvous's parameters by name; timeout in milliseconds (Python's handlers take a timedelta). */
export interface RendezvousOptions { rank?: number; worldSize?: number; timeout?: number }

/**
 * Python's rendezvous(url, rank=-1, world_size=-1, *, timeout): resolves the init method to a store, this
 * process's rank and the world size. -1 means "from the URL or the environment".
 */
export async function rendezvous(url: string, ...rest: PyRest<RendezvousOptions, ['rank', 'worldSize']>): Promise<Rendezvous>;
export async function rendezvous(...args: unknown[]): Promise<Rendezvous> {
  // bound in the positional convention: the keyword-only timeout comes fourth
  const [url, rank = -1, worldSize = -1, timeoutMs = 30 * 60 * 1000] = bindOwn(rendezvous, args) as [string, number?, number?, number?];
  if (typeof url !== 'string') throw new TypeError(`rendezvous: url must be a string, got ${typeof url}`);
  if (!Number.isInteger(rank)) throw new TypeError(`rendezvous: rank must be an integer, got ${rank}`);
  if (!Number.isInteger(worldSize)) throw new TypeError(`rendezvous: worldSize must be an integer, got ${worldSize}`);
  checkTimeout(timeoutMs, 'rendezvous');
  const u = parseUrl(url);
  // _rendezvous_helper: node-specific arguments go into the query, which must not have them already.
  if (rank !== -1 || worldSize !== -1) {
    if (u.query.has('rank') || u.query.has('world_size')) {
      throw new DistributedError(`The url: ${url} has node-specific arguments(rank, world_size) already.`);
    }
    if (rank !== -1) u.query.set('rank', String(rank));
    if (worldSize !== -1) u.query.set('world_size', String(worldSize));
  }
  switch (u.scheme) {
    case 'env': {
      const r = u.query.has('rank') ? intParam(u.query, 'rank', 'env') : envInt('RANK');
      const w = u.query.has('world_size') ? intParam(u.query, 'world_size', 'env') : envInt('WORLD_SIZE');
      const addr = envOrThrow('MASTER_ADDR');
      const port = envInt('MASTER_PORT');
      return { store: await createC10dStore(addr, port, r, w, timeoutMs), rank: r, worldSize: w };
    }
    case 'tcp': {
      if (!u.port) throw rendezvousError('tcp', 'port number missing');
      if (!u.query.has('rank')) throw rendezvousError('tcp', 'rank parameter missing');
      if (!u.query.has('world_size')) throw rendezvousError('tcp', 'world size parameter missing');
      const r = intParam(u.query, 'rank', 'tcp');
      const w = intParam(u.query, 'world_size', 'tcp');
      return { store: await createC10dStore(u.hostname ?? '', u.port, r, w, timeoutMs), rank: r, worldSize: w };
    }
    case 'file': {
      if (!u.path) throw rendezvousError('file', 'path missing');
      if (!u.query.has('rank')) throw rendezvousError('file', 'rank parameter missing');
      if (!u.query.has('world_size')) throw rendezvousError('file', 'world size parameter missing');
      const r = intParam(u.query, 'rank', 'file');
      const w = intParam(u.query, 'world_size', 'file');
      return { store: new FileStore(u.path, w), rank: r, worldSize: w };
    }
    default:
      throw new DistributedError(`No rendezvous handler for ${u.scheme}://`);
  }
}
