// One uploaded image to a model's input, as `tstorch predict` makes it: decoded to RGB (libjpeg-turbo in the
// addon, else sharp), then the weights' preprocessing (resize, centre crop, to tensor, normalise). Shared by the
// preprocessing threads and the model thread's lone-request path, so that both give the same tensor.
import { tidy } from '../../memory.js';
import { decodeToImage } from '../io/decode.js';
import { inferenceTransform } from '../../train/predict.js';
import type { Tensor } from '../../tensor.js';
import type { Compose } from '../transforms/index.js';
import type { ClassificationTransformParams } from '../models/weights.js';

// One Compose per preprocessing: the models a server was started with, so the map stays small.
const transforms = new Map<string, Compose>();

function transformFor(p: ClassificationTransformParams): Compose {
  const key = JSON.stringify(p);
  let tf = transforms.get(key);
  if (tf === undefined) {
    tf = inferenceTransform(p);
    transforms.set(key, tf);
  }
  return tf;
}

/**
 * Decodes `bytes` and preprocesses the image; `finish` receives the CHW float tensor inside a tidy scope (what
 * it returns is kept, the rest is freed). Rejects with the decoder's error for a file it refuses.
 */
export async function preprocessUpload<T>(bytes: ArrayBuffer, p: ClassificationTransformParams, finish: (x: Tensor) => T): Promise<T> {
  const img = await decodeToImage(new Uint8Array(bytes), { mode: 'RGB' });
  const tf = transformFor(p);
  return tidy(() => finish(tf.call(img) as Tensor));
}
