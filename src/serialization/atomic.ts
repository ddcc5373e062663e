// Atomic file replacement: write a temporary file in the destination's folder, fsync it, rename it over
// the destination. Readers see the old file or the complete new one, never a partial write, even if the
// process dies midway; a failed write removes its temporary file.
import { openSync, writeSync, fsyncSync, closeSync, renameSync, unlinkSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Sink } from './zip.js';
import { bindOwn, registerSignature } from '../args.js';

// PyTorch's argument binding (src/args.ts) for this module's functions: an extra positional argument or an
// unknown keyword is a TypeError naming it.
registerSignature(writeFileAtomic, 'writeFileAtomic', 'tstorch.serialization.writeFileAtomic', 'path, write');

export function writeFileAtomic(path: string, write: (sink: Sink) => void): void {
  [path, write] = bindOwn(writeFileAtomic, arguments) as Parameters<typeof writeFileAtomic>;
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  let fd: number;
  try {
    fd = openSync(tmp, 'wx', 0o644);
  } catch (e) {
    throw new Error(`cannot write ${path}: ${(e as Error).message}`);
  }
  let ok = false;
  try {
    write({
      write(b: Uint8Array): void {
        let done = 0;
        while (done < b.byteLength) done += writeSync(fd, b, done, b.byteLength - done);
      },
    });
    fsyncSync(fd);
    ok = true;
  } finally {
    closeSync(fd);
    if (!ok) {
      try { unlinkSync(tmp); } catch { /* already gone */ }
    }
  }
  try {
    renameSync(tmp, path);
  } catch (e) {
    try { unlinkSync(tmp); } catch { /* already gone */ }
    throw e;
  }
  // make the rename itself durable (the folder's entry); not possible on every platform, so best effort
  try {
    const dfd = openSync(dirname(path), 'r');
    try { fsyncSync(dfd); } finally { closeSync(dfd); }
  } catch { /* best effort */ }
}

/** Replaces a text file atomically (a report, a run's config or metrics): readers never see half of it. */
export function writeTextAtomic(path: string, text: string): void {
  const bytes = new TextEncoder().encode(text);
  writeFileAtomic(path, (sink) => sink.write(bytes));
}

/** A sink collecting bytes in memory. */
export class MemorySink implements Sink {
  private chunks: Uint8Array[] = [];
  private n = 0;
  write(b: Uint8Array): void {
    this.chunks.push(new Uint8Array(b));
    this.n += b.byteLength;
  }
  bytes(): Uint8Array {
    const out = new Uint8Array(this.n);
    let p = 0;
    for (const c of this.chunks) { out.set(c, p); p += c.byteLength; }
    return out;
  }
}
