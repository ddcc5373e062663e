// The child process of the hostile-input tests: loads checkpoints or decodes images named in a JSON list, one by
// one, and prints one JSON line per file (its canonical hash or its error, and the milliseconds it took), then a
// last line with the process's peak resident memory. A crash, an abort or a hang shows in the parent as a signal,
// a missing line or a timeout; a file that balloons memory shows in the peak.
//
//   node --import tsx test/helpers/hostile-child.ts load|decode list.json
import { readFileSync } from 'node:fs';
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
    const a = io.decodeImageSync(bytes, { name: path });
    let b: io.RGBImage | Error;
    try { b = await io.decodeImage(bytes, { name: path }); } catch (e) { b = e as Error; }
    if (b instanceof Error) return { path, ok: false, error: `sync decoded but async failed: ${b.message}`, errorName: 'Mismatch', ms: performance.now() - t0 };
    const same = a.width === b.width && a.height === b.height && Buffer.compare(Buffer.from(a.data), Buffer.from(b.data)) === 0;
    return { path, ok: true, size: [a.width, a.height], same, ms: performance.now() - t0 };
  } catch (e) {
    const err = e as Error;
    return { path, ok: false, errorName: err?.name, error: String(err?.message ?? err).slice(0, 300), ms: performance.now() - t0 };
  }
}

process.removeAllListeners('warning'); // decompression-bomb warnings are expected here
for (const p of paths) {
  const r = await one(p);
  r.rssMiB = peakMiB();
  process.stdout.write(JSON.stringify(r) + '\n');
}
process.stdout.write(JSON.stringify({ done: true, peakMiB: peakMiB() }) + '\n');
