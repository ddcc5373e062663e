// A server's preprocessing thread: decodes uploaded images (libjpeg-turbo in the addon, else sharp) and applies
// the weights' preprocessing (resize, centre crop, to tensor, normalise: exactly what `tstorch predict` does), so
// that the main thread only moves bytes. One task at a time, in order: memory stays bounded by the tasks sent.
import { workerData } from 'node:worker_threads';
import { setNumThreads } from '../../config.js';
import { tidy } from '../../memory.js';
import { pack } from '../../data/pack.js';
import { decodeToImage } from '../io/decode.js';
import { inferenceTransform } from '../../train/predict.js';
import type { Tensor } from '../../tensor.js';
import type { Compose } from '../transforms/index.js';
import type { PreprocessReply, PreprocessStart, PreprocessTask } from './preprocess-protocol.js';

const start = workerData as PreprocessStart;
// The model's thread runs the forward passes with libtorch's threads; these small tensor ops need one.
setNumThreads(1);

const transforms = new Map<string, Compose>();
function transformFor(p: PreprocessTask['preprocess']): Compose {
  const key = JSON.stringify(p);
  let tf = transforms.get(key);
  if (tf === undefined) {
    tf = inferenceTransform(p);
    transforms.set(key, tf);
  }
  return tf;
}

async function run(task: PreprocessTask): Promise<void> {
  const t0 = performance.now();
  let reply: PreprocessReply;
  const transfer: ArrayBuffer[] = [];
  try {
    const img = await decodeToImage(new Uint8Array(task.bytes), { mode: 'RGB' });
    const tensor = tidy(() => pack(transformFor(task.preprocess).call(img) as Tensor, transfer));
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
