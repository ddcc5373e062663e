// Downloading dataset files: streamed to a temporary file with an md5 check and a progress bar, renamed into
// place only when complete and verified, so a failed or corrupt download never leaves a file behind.
// Datasets are built synchronously (as in torchvision), so `downloadSync` runs the same code in a child
// Node process and waits for it.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ProgressBar } from '../../utils/progress.js';
import { extractTar } from './tar.js';

export async function md5File(path: string): Promise<string> {
  const h = createHash('md5');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

export interface DownloadOptions {
  /** Expected md5 of the file; a mismatch deletes the download and throws. */
  md5?: string | null;
  /** A progress bar on stderr (default true). */
  progress?: boolean;
}

/** Downloads `url` to `dest` through a temporary file; throws (leaving nothing) on HTTP errors, short reads or a wrong md5. */
export async function downloadUrl(url: string, dest: string, opts: DownloadOptions = {}): Promise<void> {
  mkdirSync(dirname(dest), { recursive: true });
  const tmp = `${dest}.partial-${process.pid}-${Date.now()}`;
  try {
    let res: Response;
    try {
      res = await fetch(url, { redirect: 'follow' });
    } catch (e) {
      throw new Error(`downloading ${url}: ${(e as Error).message}${(e as { cause?: Error }).cause ? ` (${(e as { cause: Error }).cause.message})` : ''}`);
    }
    if (!res.ok || !res.body) throw new Error(`downloading ${url}: HTTP ${res.status} ${res.statusText}`);
    const total = Number(res.headers.get('content-length') ?? NaN);
    const bar = new ProgressBar({ total: Number.isFinite(total) ? total : undefined, desc: basename(dest), unit: 'B', unitScale: true, disable: opts.progress === false });
    const hash = createHash('md5');
    const out = createWriteStream(tmp);
    const failed = new Promise<never>((_, reject) => out.once('error', reject));
    failed.catch(() => undefined);
    let got = 0;
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        hash.update(chunk);
        got += chunk.length;
        bar.update(chunk.length);
        if (!out.write(chunk)) await Promise.race([new Promise<void>((r) => out.once('drain', () => r())), failed]);
      }
      await Promise.race([new Promise<void>((resolve) => out.end(() => resolve())), failed]);
    } finally {
      bar.close();
      out.destroy();
    }
    if (Number.isFinite(total) && got !== total) throw new Error(`downloading ${url}: the connection closed after ${got} of ${total} bytes`);
    const digest = hash.digest('hex');
    if (opts.md5 && digest !== opts.md5.toLowerCase()) {
      throw new Error(`downloading ${url}: md5 mismatch for ${basename(dest)} (expected ${opts.md5}, got ${digest}); the file was deleted`);
    }
    renameSync(tmp, dest);
  } finally {
    rmSync(tmp, { force: true });
  }
}

export interface ArchiveJob {
  /** Mirrors tried in order. */
  urls: string[];
  /** Folder that receives the archive and its contents. */
  root: string;
  filename: string;
  md5: string | null;
  progress?: boolean;
  /** Delete the archive after a successful extraction (torchvision keeps it). */
  removeArchive?: boolean;
}

/**
 * torchvision's download_and_extract_archive: reuses an archive already in `root` when its md5 matches,
 * otherwise downloads it (trying each mirror), then extracts it into `root`.
 */
export async function downloadAndExtractArchive(job: ArchiveJob): Promise<void> {
  const archive = join(job.root, job.filename);
  if (!(existsSync(archive) && (!job.md5 || (await md5File(archive)) === job.md5))) {
    await downloadFromMirrors(job.urls, archive, { md5: job.md5, progress: job.progress });
  }
  await extractTar(archive, job.root);
  if (job.removeArchive) rmSync(archive, { force: true });
}

export async function downloadFromMirrors(urls: readonly string[], dest: string, opts: DownloadOptions): Promise<void> {
  const errors: string[] = [];
  for (const url of urls) {
    try {
      await downloadUrl(url, dest, opts);
      return;
    } catch (e) {
      errors.push((e as Error).message);
      // a wrong md5 is a wrong file, not an unreachable mirror: stop
      if ((e as Error).message.includes('md5 mismatch')) break;
    }
  }
  throw new Error(errors.join('\n'));
}

export type DownloadJob = { kind: 'archive'; job: ArchiveJob } | { kind: 'files'; files: { urls: string[]; dest: string; md5: string | null }[]; progress?: boolean };

export async function runJob(j: DownloadJob): Promise<void> {
  if (j.kind === 'archive') return downloadAndExtractArchive(j.job);
  for (const f of j.files) {
    if (existsSync(f.dest) && (!f.md5 || (await md5File(f.dest)) === f.md5)) continue;
    await downloadFromMirrors(f.urls, f.dest, { md5: f.md5, progress: j.progress });
  }
}

/** Runs a download job to completion in a child Node process (the progress bar shares our stderr). */
export function downloadSync(j: DownloadJob): void {
  const self = fileURLToPath(import.meta.url);
  const worker = join(dirname(self), `download-worker${extname(self)}`);
  try {
    // loader flags (tsx for the .ts sources) carry over; a test runner's, debugger's or watcher's must not
    const execArgv = process.execArgv.filter((a) => !/^--(test|inspect|watch)/.test(a));
    execFileSync(process.execPath, [...execArgv, worker, JSON.stringify(j)], { stdio: ['ignore', 'pipe', 'inherit'] });
  } catch (e) {
    const msg = (e as { stdout?: Buffer }).stdout?.toString().trim();
    throw new Error(msg || `download failed: ${(e as Error).message}`);
  }
}
