// Synchronous access to sharp for code that cannot await (Dataset.get inside a DataLoader that expects
// samples in order, with the random draws of the transforms in PyTorch's order). One worker thread decodes;
// the caller blocks until it answers. The worker is unref'd, so it never keeps the process alive.
import { Worker, MessageChannel, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import type { Job, RawImage } from './sharp-ops.js';
import { BOOTSTRAP, threadEntry, type BootstrapData } from '../../worker-bootstrap.js';
import { imageError, type ImageErrorReason } from './limits.js';

interface SyncState { worker: Worker; port: MessagePort; flag: Int32Array; dead?: Error }
let state: SyncState | undefined;

const TIMEOUT_MS = 120_000;
const START_FAILED = 'image worker failed to start';

function start(): SyncState {
  if (state !== undefined && state.dead === undefined) return state;
  const { port1, port2 } = new MessageChannel();
  const sab = new SharedArrayBuffer(4);
  const { entry, tsx } = threadEntry(import.meta.url, 'sync-worker');
  // A worker that cannot load its module answers the first job with this (see worker-bootstrap.ts).
  const failure = { ok: false, error: START_FAILED };
  const worker = new Worker(BOOTSTRAP, {
    eval: true,
    workerData: { flag: sab, port: port2, entry, tsx, failure, failureField: 'error' } satisfies BootstrapData,
    transferList: [port2],
  });
  const s: SyncState = { worker, port: port1, flag: new Int32Array(sab) };
  worker.on('error', (e) => { s.dead = e; });
  worker.on('exit', (code) => { s.dead ??= new Error(`image worker exited with code ${code}`); });
  worker.unref();
  port1.unref();
  state = s;
  return s;
}

export function runSync(job: Job, transfer: ArrayBuffer[] = []): RawImage | Uint8Array {
  const s = start();
  Atomics.store(s.flag, 0, 0);
  s.port.postMessage(job, transfer);
  const r = Atomics.wait(s.flag, 0, 0, TIMEOUT_MS);
  const msg = receiveMessageOnPort(s.port)?.message as { ok: boolean; result?: RawImage | Uint8Array; error?: string; reason?: ImageErrorReason } | undefined;
  if (msg === undefined) {
    const why = s.dead?.message ?? (r === 'timed-out' ? `no answer in ${TIMEOUT_MS / 1000} s` : 'no answer');
    s.dead ??= new Error(why);
    void s.worker.terminate();
    throw new Error(`image worker failed: ${why}`);
  }
  if (!msg.ok) {
    if (msg.error?.startsWith(START_FAILED)) {
      s.dead = new Error(msg.error);
      void s.worker.terminate();
    }
    throw msg.reason !== undefined ? imageError(msg.reason, msg.error ?? '') : new Error(msg.error);
  }
  return msg.result!;
}
