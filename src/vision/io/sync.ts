// Synchronous access to sharp for code that cannot await (Dataset.get inside a DataLoader that expects
// samples in order, with the random draws of the transforms in PyTorch's order). One worker thread decodes;
// the caller blocks until it answers. The worker is unref'd, so it never keeps the process alive.
import { Worker, MessageChannel, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import type { Job, RawImage } from './sharp-ops.js';

interface SyncState { worker: Worker; port: MessagePort; flag: Int32Array; dead?: Error }
let state: SyncState | undefined;

const TIMEOUT_MS = 120_000;
const START_FAILED = 'image worker failed to start';

const BOOTSTRAP = `
const { workerData } = require('node:worker_threads');
(async () => {
  try {
    if (workerData.tsx) (await import(workerData.tsx)).register();
    await import(workerData.entry);
  } catch (e) {
    workerData.port.postMessage({ ok: false, error: '${START_FAILED}: ' + (e && e.message) });
    const f = new Int32Array(workerData.flag);
    Atomics.store(f, 0, 1);
    Atomics.notify(f, 0);
  }
})();
`;

function start(): SyncState {
  if (state !== undefined && state.dead === undefined) return state;
  const { port1, port2 } = new MessageChannel();
  const sab = new SharedArrayBuffer(4);
  // Compiled (dist/) the worker is JavaScript; run from sources under tsx, it is TypeScript, and Node 20 does
  // not pass tsx's loader on to workers, so the bootstrap registers it. A bootstrap failure answers the first
  // job instead of leaving the caller asleep.
  const fromTs = import.meta.url.endsWith('.ts');
  const entry = new URL(`./sync-worker${fromTs ? '.ts' : '.js'}`, import.meta.url).href;
  let tsx: string | null = null;
  if (fromTs) {
    try {
      tsx = import.meta.resolve('tsx/esm/api');
    } catch {
      // Another TypeScript loader may be in use; the worker then reports what it could not load.
    }
  }
  const worker = new Worker(BOOTSTRAP, {
    eval: true,
    workerData: { flag: sab, port: port2, entry, tsx },
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
  const msg = receiveMessageOnPort(s.port)?.message as { ok: boolean; result?: RawImage | Uint8Array; error?: string } | undefined;
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
    throw new Error(msg.error);
  }
  return msg.result!;
}
