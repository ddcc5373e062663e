// The thread behind the synchronous image API: sharp only offers Promises, so a blocking caller posts a job
// here and sleeps on a shared flag (Atomics.wait) until the answer is on the port.
import { workerData, type MessagePort } from 'node:worker_threads';
import { runJob, type Job } from './sharp-ops.js';
import { ImageDecodeError } from './limits.js';

const flag = new Int32Array(workerData.flag as SharedArrayBuffer);
const port = workerData.port as MessagePort;

port.on('message', (job: Job) => {
  runJob(job).then(
    (result) => port.postMessage({ ok: true, result }),
    // the reason travels with the message, so that the caller rethrows the same class of error
    (e: unknown) => port.postMessage({ ok: false, error: e instanceof Error ? e.message : String(e), reason: e instanceof ImageDecodeError ? e.reason : undefined }),
  ).finally(() => {
    Atomics.store(flag, 0, 1);
    Atomics.notify(flag, 0);
  });
});
