// A server's preprocessing thread: decodes uploaded images (libjpeg-turbo in the addon, else sharp) and applies
// the weights' preprocessing (resize, centre crop, to tensor, normalise: exactly what `tstorch predict` does), so
// that the main thread only moves bytes. One task at a time, in order: memory stays bounded by the tasks sent.
import { workerData } from 'node:worker_threads';
import { setNumThreads } from '../../config.js';
import { pack } from '../../data/pack.js';
import { preprocessUpload } from './preprocess-image.js';
import type { PreprocessReply, PreprocessStart, PreprocessTask } from './preprocess-protocol.js';

const start = workerData as PreprocessStart;
// The model's thread runs the forward passes with libtorch's threads; these small tensor ops need one.
setNumThreads(1);

async function run(task: PreprocessTask): Promise<void> {
  const t0 = performance.now();
  let reply: PreprocessReply;
  const transfer: ArrayBuffer[] = [];
  try {
    const tensor = await preprocessUpload(task.bytes, task.preprocess, (x) => pack(x, transfer));
    reply = { id: task.id, ok: true, tensor, ms: performance.now() - t0 };
  } catch (e) {
    reply = { id: task.id, ok: false, message: e instanceof Error ? e.message : String(e) };
  }
  start.port.postMessage(reply, transfer);
}

let chain = Promise.resolve();
start.port.on('message', (m: PreprocessTask | { stop: true }) => {
  if ('stop' in m) {
    void chain.then(() => start.port.close());
    return;
  }
  chain = chain.then(() => run(m));
});
