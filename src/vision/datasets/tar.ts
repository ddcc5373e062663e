// A streaming reader of tar archives (ustar, GNU long names, pax headers), for the .tar.gz files datasets
// ship in: chunks go in as they are decompressed, files come out under a destination folder. Every file is
// written to a temporary name and renamed when complete, so an interrupted extraction leaves no half file.
import { closeSync, createReadStream, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname, isAbsolute, join, normalize, sep } from 'node:path';
import { createGunzip, gunzipSync } from 'node:zlib';

const BLOCK = 512;

function readString(b: Buffer, off: number, len: number): string {
  const end = b.indexOf(0, off);
  return b.toString('utf8', off, end < 0 || end > off + len ? off + len : end);
}

function readOctal(b: Buffer, off: number, len: number, what: string): number {
  if (b[off]! & 0x80) {
    // GNU base-256 for sizes of 8 GiB and more
    let v = 0;
    for (let i = off + 1; i < off + len; i++) v = v * 256 + b[i]!;
    return v;
  }
  const s = readString(b, off, len).trim();
  if (s === '') return 0;
  if (!/^[0-7]+$/.test(s)) throw new Error(`tar: bad ${what} field '${s}'`);
  return parseInt(s, 8);
}

function checksumOk(h: Buffer): boolean {
  const stored = readOctal(h, 148, 8, 'checksum');
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : h[i]!;
  return sum === stored;
}

function parsePax(data: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let pos = 0;
  while (pos < data.length) {
    const space = data.indexOf(0x20, pos);
    if (space < 0) break;
    const len = parseInt(data.toString('utf8', pos, space), 10);
    if (!(len > 0)) break;
    const rec = data.toString('utf8', space + 1, pos + len - 1);
    const eq = rec.indexOf('=');
    if (eq > 0) out[rec.slice(0, eq)] = rec.slice(eq + 1);
    pos += len;
  }
  return out;
}

export interface TarEntry { name: string; size: number; type: 'file' | 'directory' | 'other' }

/** Where an archive member goes under `dest`; refuses absolute paths and `..` that would escape it. */
function safeJoin(dest: string, name: string): string {
  const n = normalize(name);
  if (isAbsolute(n) || n === '..' || n.startsWith('..' + sep)) throw new Error(`tar: refusing to extract '${name}' outside the destination folder`);
  return join(dest, n);
}

export class TarExtractor {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private state: 'header' | 'data' | 'meta' | 'end' = 'header';
  private remaining = 0;
  private padding = 0;
  private fd = -1;
  private tmpPath = '';
  private finalPath = '';
  private meta: Buffer[] = [];
  private metaKind = '';
  private longName: string | null = null;
  private paxPath: string | null = null;
  private zeroBlocks = 0;
  readonly entries: TarEntry[] = [];

  constructor(private readonly dest: string, private readonly filter: (name: string) => boolean = () => true) {
    mkdirSync(dest, { recursive: true });
  }

  private take(n: number): Buffer | null {
    if (this.pendingBytes < n) return null;
    const all = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending);
    const out = all.subarray(0, n);
    const rest = all.subarray(n);
    this.pending = rest.length > 0 ? [rest] : [];
    this.pendingBytes = rest.length;
    return out;
  }

  write(chunk: Buffer): void {
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    for (;;) {
      if (this.state === 'end') { this.pending = []; this.pendingBytes = 0; return; }
      if (this.state === 'header') {
        const h = this.take(BLOCK);
        if (h === null) return;
        this.header(h);
        continue;
      }
      // data or meta: pass through as much as is available
      if (this.remaining > 0) {
        if (this.pendingBytes === 0) return;
        const n = Math.min(this.remaining, this.pendingBytes);
        const piece = this.take(n)!;
        if (this.state === 'meta') this.meta.push(Buffer.from(piece));
        else if (this.fd >= 0) writeSync(this.fd, piece);
        this.remaining -= n;
        if (this.remaining > 0) return;
      }
      if (this.padding > 0) {
        if (this.take(this.padding) === null) return;
        this.padding = 0;
      }
      this.finishEntry();
      this.state = 'header';
    }
  }

  private header(h: Buffer): void {
    if (h.every((b) => b === 0)) {
      if (++this.zeroBlocks >= 2) this.state = 'end';
      return;
    }
    this.zeroBlocks = 0;
    if (!checksumOk(h)) throw new Error('tar: header checksum mismatch (the archive is corrupt or not a tar file)');
    const type = String.fromCharCode(h[156]!);
    const size = readOctal(h, 124, 12, 'size');
    let name = readString(h, 0, 100);
    if (h.toString('latin1', 257, 262) === 'ustar') {
      const prefix = readString(h, 345, 155);
      if (prefix) name = `${prefix}/${name}`;
    }
    if (this.longName !== null) { name = this.longName; this.longName = null; }
    if (this.paxPath !== null) { name = this.paxPath; this.paxPath = null; }
    this.remaining = size;
    this.padding = (BLOCK - (size % BLOCK)) % BLOCK;
    if (type === 'L' || type === 'x' || type === 'g') {
      this.state = 'meta';
      this.metaKind = type;
      this.meta = [];
      return;
    }
    this.state = 'data';
    if (type === '5') {
      this.entries.push({ name, size: 0, type: 'directory' });
      if (this.filter(name)) mkdirSync(safeJoin(this.dest, name), { recursive: true });
      return;
    }
    if (type === '0' || type === '\0' || type === '7') {
      this.entries.push({ name, size, type: 'file' });
      if (this.filter(name)) {
        this.finalPath = safeJoin(this.dest, name);
        this.tmpPath = `${this.finalPath}.partial-${process.pid}`;
        mkdirSync(dirname(this.finalPath), { recursive: true });
        this.fd = openSync(this.tmpPath, 'w');
      }
      return;
    }
    // links, devices and fifos are skipped: dataset archives hold regular files
    this.entries.push({ name, size, type: 'other' });
  }

  private finishEntry(): void {
    if (this.state === 'meta') {
      const data = Buffer.concat(this.meta);
      if (this.metaKind === 'L') this.longName = readString(data, 0, data.length);
      else if (this.metaKind === 'x') this.paxPath = parsePax(data).path ?? null;
      this.meta = [];
      return;
    }
    if (this.fd >= 0) {
      closeSync(this.fd);
      this.fd = -1;
      renameSync(this.tmpPath, this.finalPath);
    }
  }

  /** Checks the archive ended cleanly and removes a file left open by a truncated archive. */
  end(): void {
    if (this.fd >= 0) {
      closeSync(this.fd);
      this.fd = -1;
      rmSync(this.tmpPath, { force: true });
    }
    if (this.state === 'data' || this.state === 'meta' || this.pendingBytes > 0 && this.state !== 'end') {
      throw new Error('tar: unexpected end of archive (truncated download?)');
    }
  }

  /** Removes the temporary file of an extraction that failed midway. */
  abort(): void {
    if (this.fd >= 0) {
      try { closeSync(this.fd); } catch { /* already closed */ }
      this.fd = -1;
      rmSync(this.tmpPath, { force: true });
    }
  }
}

/** Extracts a .tar.gz (or .tgz, or plain .tar) file into `dest`, streaming; returns the members. */
export async function extractTar(archive: string, dest: string, opts: { gzip?: boolean; filter?: (name: string) => boolean } = {}): Promise<TarEntry[]> {
  const gzip = opts.gzip ?? /\.(tgz|gz)$/i.test(archive);
  const x = new TarExtractor(dest, opts.filter);
  try {
    const input = createReadStream(archive);
    const stream = gzip ? input.pipe(createGunzip()) : input;
    input.on('error', (e) => stream.destroy(e));
    for await (const chunk of stream as AsyncIterable<Buffer>) x.write(chunk);
    x.end();
  } catch (e) {
    x.abort();
    throw new Error(`extracting ${archive}: ${(e as Error).message}`);
  }
  return x.entries;
}

/** The same, all in memory and synchronous (small archives). */
export function extractTarSync(data: Buffer, dest: string, opts: { gzip?: boolean } = {}): TarEntry[] {
  const x = new TarExtractor(dest);
  try {
    x.write(opts.gzip ?? (data[0] === 0x1f && data[1] === 0x8b) ? gunzipSync(data) : data);
    x.end();
  } catch (e) {
    x.abort();
    throw e;
  }
  return x.entries;
}
