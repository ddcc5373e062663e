// The addon's sources: every translation unit in src/native (a new one registers its own functions, see
// src/native/common.h) and the headers they share. binding.gyp compiles the .cc files; build-addon.mjs hashes
// all of them to decide whether a rebuild is needed.
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('../src/native/', import.meta.url));

/** Paths relative to the package root, sorted: the .cc files (or, with headers, the .h files too). */
export function nativeSources({ headers = false } = {}) {
  const keep = (f) => f.endsWith('.cc') || (headers && f.endsWith('.h'));
  return readdirSync(dir).filter(keep).sort().map((f) => `src/native/${f}`);
}
