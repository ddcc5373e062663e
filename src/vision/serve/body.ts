// Reading a request body with a size limit: a Content-Length over the limit is refused before a byte is read,
// and a body that grows past it (chunked uploads) is refused as soon as it does, so no request holds more than
// `limit` bytes. A client that disconnects mid-upload rejects with ClientGoneError (nobody to answer).
import type { IncomingMessage } from 'node:http';
import { ServeError } from './errors.js';

export class ClientGoneError extends Error {}

function tooLarge(size: number | null, limit: number): ServeError {
  return new ServeError('body_too_large', `the body${size !== null ? ` (${size} bytes)` : ''} exceeds the limit of ${limit} bytes`, { Connection: 'close' });
}

/**
 * The request's body, or the body a framework has already read into `req.body` as bytes (express.raw()).
 * `beforeReading` runs once the declared length is known to fit (to answer `Expect: 100-continue`).
 */
export function readBody(req: IncomingMessage, limit: number, beforeReading?: () => void): Promise<Uint8Array> {
  const parsed = (req as { body?: unknown }).body;
  if (parsed instanceof Uint8Array) {
    return parsed.length > limit ? Promise.reject(tooLarge(parsed.length, limit)) : Promise.resolve(parsed);
  }
  const declared = req.headers['content-length'];
  if (declared !== undefined) {
    const n = Number(declared);
    if (!/^\d+$/.test(declared) || !Number.isSafeInteger(n)) return Promise.reject(new ServeError('bad_request', `bad Content-Length '${declared}'`));
    if (n > limit) return Promise.reject(tooLarge(n, limit));
  }
  beforeReading?.();
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (e: Error | null): void => {
      if (done) return;
      done = true;
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
      if (e !== null) {
        // Whatever the client still sends is read and dropped, so that the answer reaches it.
        req.resume();
        reject(e);
        return;
      }
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    };
    const onData = (c: Buffer): void => {
      size += c.length;
      if (size > limit) finish(tooLarge(null, limit));
      else chunks.push(c);
    };
    const onEnd = (): void => finish(null);
    const onError = (e: Error): void => finish(new ClientGoneError(`the client's upload failed: ${e.message}`));
    const onClose = (): void => finish(new ClientGoneError('the client disconnected during the upload'));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}
