// The child process of the hostile-input tests: loads checkpoints or decodes images named in a JSON list, one by
// one, and prints one JSON line per file (its canonical hash or its error, and the milliseconds it took), then a
// last line with the process's peak resident memory. A crash, an abort or a hang shows in the parent as a signal,
// a missing line or a timeout; a file that balloons memory shows in the peak.
//
//   node --import tsx test/helpers/hostile-child.ts load|decode|mask list.json
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import * as torch from '../../src/index.js';
import * as io from '../../src/vision/io/index.js';
import { canon } from './load-oracle.js';

const [mode, listFile] = process.argv.slice(2);
const paths = JSON.parse(readFileSync(listFile!, 'utf8')) as string[];

function peakMiB(): number {
  return process.resourceUsage().maxRSS / 1024;
}

async function one(path: string): Promise<Record<string, unknown>> {
  const t0 = performance.now();
  try {
    if (mode === 'load') {
      const v = torch.load(path);
      const c = canon(v);
      return { path, ok: true, canon: c, ms: performance.now() - t0 };
    }
    const bytes = new Uint8Array(readFileSync(path));
    if (mode === 'mask') { // the PNG class-mask decoder (stored indices or grey levels, as Pillow's 'P'/'L')
      const m = io.decodePaletteImage(bytes, path);
      return { path, ok: true, canon: `${m.width}x${m.height}:${createHash('sha1').update(m.data).digest('hex')}`, ms: performance.now() - t0 };
    }
    // one decoded image at a time: the synchronous decoder's result is hashed and dropped before the async one
    const digest = (img: io.RGBImage): string => `${img.width}x${img.height}:${createHash('sha1').update(img.data).digest('hex')}`;
    const a = digest(io.decodeToImageSync(bytes, { name: path }));
    collect();
    let b: string | Error;
    try { b = digest(await io.decodeToImage(bytes, { name: path })); } catch (e) { b = e as Error; }
    if (b instanceof Error) return { path, ok: false, error: `sync decoded but async failed: ${b.message}`, errorName: 'Mismatch', ms: performance.now() - t0 };
    return { path, ok: true, size: a.split(':')[0], same: a === b, ms: performance.now() - t0 };
  } catch (e) {
    const err = e as Error;
    return { path, ok: false, errorName: err?.name, error: String(err?.message ?? err).slice(0, 300), ms: performance.now() - t0 };
  }
}

// With --expose-gc, garbage is collected between files, so that the peak measures one file's cost rather than
// when the collector happened to run.
function collect(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

process.removeAllListeners('warning'); // decompression-bomb warnings are expected here
for (const p of paths) {
  collect();
  const r = await one(p);
  r.rssMiB = peakMiB();
  process.stdout.write(JSON.stringify(r) + '\n');
}
process.stdout.write(JSON.stringify({ done: true, peakMiB: peakMiB() }) + '\n');
