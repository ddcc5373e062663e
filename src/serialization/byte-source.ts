// Random-access byte sources for the checkpoint readers: a file read by position (so a 500 MB checkpoint is
// never held in memory whole, let alone twice) or bytes already in memory. Every error names the source.
import { openSync, readSync, closeSync, fstatSync } from 'node:fs';
import { bindOwn, classArgs } from '../args.js';

export interface ByteSource {
  /** What errors call this source: the file path, or "<bytes>". */
  readonly name: string;
  readonly size: number;
  /** Exactly `length` bytes at `position`; a read past the end is an error naming the source. */
  read(position: number, length: number, what: string): Uint8Array;
  close(): void;
}

export class SerializationError extends Error {
  override name = 'SerializationError';
  constructor(message?: string, options?: ErrorOptions) {
    [message, options] = bindOwn(SerializationError, arguments) as [typeof message, typeof options];
    super(message, options);
  }
}
classArgs(SerializationError, 'tstorch.serialization.SerializationError', 'message?; *, cause'); // Error(message, { cause })

function truncated(name: string, position: number, length: number, size: number, what: string): SerializationError {
  return new SerializationError(
    `${name}: file is truncated or corrupt: ${what} needs bytes ${position}..${position + length} but the file has ${size} bytes`);
}

export class MemorySource implements ByteSource {
  readonly size: number;
  constructor(private readonly bytes: Uint8Array, readonly name = '<bytes>') {
    this.size = bytes.byteLength;
  }
  read(position: number, length: number, what: string): Uint8Array {
    if (position < 0 || position + length > this.size) throw truncated(this.name, position, length, this.size, what);
    return this.bytes.subarray(position, position + length);
  }
  close(): void {}
}

export class FileSource implements ByteSource {
  readonly size: number;
  private fd: number | null;
  constructor(readonly name: string) {
    this.fd = openSync(name, 'r');
    this.size = fstatSync(this.fd).size;
  }
  read(position: number, length: number, what: string): Uint8Array {
    if (this.fd === null) throw new SerializationError(`${this.name}: read after close`);
    if (position < 0 || position + length > this.size) throw truncated(this.name, position, length, this.size, what);
    const buf = Buffer.allocUnsafe(length);
    let done = 0;
    while (done < length) {
      const n = readSync(this.fd, buf, done, Math.min(length - done, 0x4000_0000), position + done);
      if (n === 0) throw truncated(this.name, position, length, position + done, what);
      done += n;
    }
    // a plain Uint8Array: Buffer's slice() would alias the allocation pool instead of copying
    return new Uint8Array(buf.buffer, buf.byteOffset, length);
  }
  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

/** A sequential cursor over a source, reading ahead in chunks (the pickle parser reads byte by byte). */
export class Cursor {
  private chunk: Uint8Array = new Uint8Array(0);
  private chunkStart = 0;
  pos: number;

  constructor(readonly source: ByteSource, start = 0, private readonly end = source.size) {
    this.pos = start;
  }

  private fill(n: number, what: string): void {
    if (this.pos + n > this.end) {
      throw new SerializationError(`${this.source.name}: file is truncated or corrupt: unexpected end of data at byte ${this.end} while reading ${what}`);
    }
    const len = Math.min(Math.max(n, 1 << 20), this.end - this.pos);
    this.chunk = this.source.read(this.pos, len, what);
    this.chunkStart = this.pos;
  }

  /** Bytes left before the end. */
  get remaining(): number { return this.end - this.pos; }

  bytes(n: number, what = 'pickle data'): Uint8Array {
    let off = this.pos - this.chunkStart;
    if (off < 0 || off + n > this.chunk.byteLength) {
      // large reads (raw bytes inside a pickle) go straight to the source rather than through the chunk
      if (n > 1 << 20) {
        if (this.pos + n > this.end) this.fill(n, what);
        const out = this.source.read(this.pos, n, what);
        this.pos += n;
        return out;
      }
      this.fill(n, what);
      off = 0;
    }
    this.pos += n;
    return this.chunk.subarray(off, off + n);
  }

  byte(what = 'pickle data'): number {
    const off = this.pos - this.chunkStart;
    if (off >= 0 && off < this.chunk.byteLength) {
      this.pos++;
      return this.chunk[off]!;
    }
    return this.bytes(1, what)[0]!;
  }

  /** Bytes up to and excluding the next '\n' (text opcodes of protocol 0). */
  line(what = 'pickle data'): Uint8Array {
    const parts: number[] = [];
    for (;;) {
      const b = this.byte(what);
      if (b === 0x0a) return Uint8Array.from(parts);
      parts.push(b);
      if (parts.length > 1 << 16) throw new SerializationError(`${this.source.name}: corrupt pickle: text line longer than 64 KiB`);
    }
  }
}
