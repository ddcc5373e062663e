// torch.hub's checkpoint cache and download: `$TORCH_HOME/hub/checkpoints` (default ~/.cache/torch, PyTorch's own
// cache, so files downloaded by Python are reused), the sha256 prefix in the file name checked as
// load_state_dict_from_url(check_hash=True) does, and a temporary file renamed into place so that an interrupted
// download never leaves a truncated checkpoint behind.
import { createHash } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, extname, join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { bindOwn, registerSignature } from '../../args.js';

// PyTorch's argument binding (src/args.ts) for this module's functions: an extra positional argument or an
// unknown keyword is a TypeError naming it.
registerSignature(cachedCheckpoint, 'cachedCheckpoint', 'tstorch.vision.models.cachedCheckpoint', 'url; *, progress, checkHash, modelDir, fileName');
registerSignature(checkpointsDir, 'checkpointsDir', 'tstorch.vision.models.checkpointsDir', '');
registerSignature(downloadUrlToFile, 'downloadUrlToFile', 'tstorch.vision.models.downloadUrlToFile', 'url, dst; *, progress, hashPrefix');
registerSignature(hashPrefix, 'hashPrefix', 'tstorch.vision.models.hashPrefix', 'fileName');

/** torch.hub.get_dir()/checkpoints: $TORCH_HOME/hub/checkpoints, TORCH_HOME defaulting to $XDG_CACHE_HOME/torch or ~/.cache/torch. */
export function checkpointsDir(): string {
  bindOwn(checkpointsDir, arguments);
  const torchHome = process.env.TORCH_HOME ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'torch');
  return join(torchHome, 'hub', 'checkpoints');
}

/** The sha256 prefix torch.hub reads from a file name ("resnet50-0676ba61.pth" -> "0676ba61"), or null. */
export function hashPrefix(fileName: string): string | null {
  [fileName] = bindOwn(hashPrefix, arguments) as Parameters<typeof hashPrefix>;
  const m = /-([a-f0-9]*)\./.exec(fileName);
  return m ? m[1]! : null;
}

export interface DownloadOptions {
  /** A progress bar on stderr (default true). */
  progress?: boolean;
  /** Check the sha256 prefix in the file name (default true). */
  checkHash?: boolean;
  /** Default checkpointsDir(). */
  modelDir?: string;
  /** Default the last part of the URL. */
  fileName?: string;
}

function offlineError(url: string, dest: string, cause: unknown): Error {
  return new Error(
    `could not download ${url}: ${(cause as Error)?.message ?? String(cause)}.\n` +
    `Without network access, download the file elsewhere and put it at ${dest} by hand.`,
    { cause },
  );
}

function humanBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return `${n.toFixed(i === 0 ? 0 : 1)}${units[i]}`;
}

/** torch.hub.download_url_to_file: streams url into dst through a temporary file, with an optional progress bar. */
export async function downloadUrlToFile(url: string, dst: string, opts: { progress?: boolean; hashPrefix?: string | null } = {}): Promise<void> {
  [url, dst, opts = {}] = bindOwn(downloadUrlToFile, arguments) as Parameters<typeof downloadUrlToFile>;
  mkdirSync(dirname(dst), { recursive: true });
  const tmp = `${dst}.${process.pid}.${Date.now()}.partial`;
  const progress = opts.progress ?? true;
  try {
    let res: Response;
    try {
      res = await fetch(url);
    } catch (e) {
      throw offlineError(url, dst, e);
    }
    if (!res.ok || !res.body) throw offlineError(url, dst, new Error(`HTTP ${res.status} ${res.statusText}`));
    const total = Number(res.headers.get('content-length') ?? 0);
    const hash = createHash('sha256');
    const out = createWriteStream(tmp);
    let done = 0;
    let lastDraw = 0;
    const draw = (final: boolean): void => {
      if (!progress) return;
      const now = Date.now();
      if (!final && now - lastDraw < 100) return;
      lastDraw = now;
      const frac = total > 0 ? done / total : 0;
      const bar = total > 0 ? '#'.repeat(Math.round(frac * 30)).padEnd(30, ' ') : '';
      const pct = total > 0 ? `${(frac * 100).toFixed(0).padStart(3)}% ` : '';
      process.stderr.write(`\r${basename(dst)}: ${pct}|${bar}| ${humanBytes(done)}${total ? '/' + humanBytes(total) : ''}${final ? '\n' : ''}`);
    };
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      hash.update(chunk);
      done += chunk.length;
      if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
      draw(false);
    }
    await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
    draw(true);
    if (total > 0 && done !== total) throw offlineError(url, dst, new Error(`connection closed after ${done} of ${total} bytes`));
    const prefix = opts.hashPrefix ?? null;
    if (prefix) {
      const digest = hash.digest('hex');
      if (!digest.startsWith(prefix)) throw new Error(`invalid hash value for ${url} (expected "${prefix}", got "${digest}")`);
    }
    renameSync(tmp, dst);
  } finally {
    rmSync(tmp, { force: true });
  }
}

/** The path of url's file in the cache, downloading it first when absent (asynchronously). */
export async function cachedCheckpoint(url: string, opts: DownloadOptions = {}): Promise<string> {
  [url, opts = {}] = bindOwn(cachedCheckpoint, arguments) as Parameters<typeof cachedCheckpoint>;
  const fileName = opts.fileName ?? basename(new URL(url).pathname);
  const dest = join(opts.modelDir ?? checkpointsDir(), fileName);
  if (existsSync(dest)) return dest;
  await downloadUrlToFile(url, dest, { progress: opts.progress, hashPrefix: (opts.checkHash ?? true) ? hashPrefix(fileName) : null });
  return dest;
}

/**
 * The same as cachedCheckpoint, blocking: model builders are synchronous (as in torchvision), so a missing file is
 * downloaded by a child Node process (weights-fetch) while this one waits.
 */
export function cachedCheckpointSync(url: string, opts: DownloadOptions = {}): string {
  const fileName = opts.fileName ?? basename(new URL(url).pathname);
  const dest = join(opts.modelDir ?? checkpointsDir(), fileName);
  if (existsSync(dest)) return dest;
  const self = fileURLToPath(import.meta.url);
  const worker = join(dirname(self), `weights-fetch${extname(self)}`);
  // Keep loader flags (tsx for the .ts sources) but not a test runner's or debugger's.
  const execArgv = process.execArgv.filter((a) => !/^--(test|inspect|watch)/.test(a));
  const args = [...execArgv, worker, JSON.stringify({ url, dest, progress: opts.progress ?? true, checkHash: opts.checkHash ?? true })];
  try {
    // The progress bar goes straight to our stderr; the worker reports an error on its stdout.
    execFileSync(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  } catch (e) {
    const msg = (e as { stdout?: Buffer }).stdout?.toString().trim();
    throw new Error(msg || `downloading ${url} to ${dest} failed`);
  }
  return dest;
}

