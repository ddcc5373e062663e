// The thread behind the synchronous image API: sharp only offers Promises, so a blocking caller posts a job
// here and sleeps on a shared flag (Atomics.wait) until the answer is on the port.
import { workerData, type MessagePort } from 'node:worker_threads';
import { runJob, type Job } from './sharp-ops.js';
import { ImageDecodeError } from './limits.js';

const flag = new Int32Array(workerData.flag as SharedArrayBuffer);
const port = workerData.port as MessagePort;

port.on('message', (job: Job) => {
  runJob(job).then(
    (result) => {
      // A large result moves to the caller instead of being cloned: sharp's buffers live outside V8's heap, and
      // posting one copies it slowly (1.7 s for 340 MB), so its bytes go into a plain ArrayBuffer first, which
      // transfers for free.
      const bytes = result instanceof Uint8Array ? result : result.data;
      if (bytes.byteLength < 1 << 16) {
        port.postMessage({ ok: true, result });
        return;
      }
      const own = new Uint8Array(bytes.byteLength);
      own.set(bytes);
      port.postMessage({ ok: true, result: result instanceof Uint8Array ? own : { ...result, data: own } }, [own.buffer]);
    },
    // the reason travels with the message, so that the caller rethrows the same class of error
    (e: unknown) => port.postMessage({ ok: false, error: e instanceof Error ? e.message : String(e), reason: e instanceof ImageDecodeError ? e.reason : undefined }),
  ).finally(() => {
    Atomics.store(flag, 0, 1);
    Atomics.notify(flag, 0);
  });
});
