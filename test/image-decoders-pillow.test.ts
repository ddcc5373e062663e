// The JavaScript BMP and PGM/PPM decoders against Pillow (what torchvision's ImageFolder uses), file by file:
// a few hundred generated files (every depth, palette, bit-field layout, RLE, header size, maxval, and broken
// ones). Where Pillow decodes a file, the pixels are the same; where Pillow refuses it, so does tstorch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as io from '../src/vision/io/index.js';
import { runPython } from './helpers/pytorch.js';
import { bmpVariants, netpbmVariants } from './helpers/hostile-images.js';

const dir = mkdtempSync(join(tmpdir(), 'tstorch-pillow-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

const HEAVY = process.env.TSTORCH_HEAVY_TESTS === '1';
// another seed explores other files: TSTORCH_FUZZ_SEED=7 node --import tsx --test ...
const SEED = Number(process.env.TSTORCH_FUZZ_SEED ?? 1);
const files: { name: string; bytes: Uint8Array }[] = [
  ...bmpVariants(SEED, HEAVY ? 3000 : 400).map((bytes, i) => ({ name: `v${i}.bmp`, bytes })),
  ...netpbmVariants(SEED + 1, HEAVY ? 1500 : 200).map((bytes, i) => ({ name: `v${i}.${bytes[1] === 0x32 || bytes[1] === 0x35 ? 'pgm' : 'ppm'}`, bytes })),
];
for (const f of files) writeFileSync(join(dir, f.name), f.bytes);

// Pillow: Image.open(...).convert('RGB'), as ImageFolder's pil_loader
const pil = runPython(`
from PIL import Image
import warnings
warnings.simplefilter('ignore')
res = {}
for name in J['names']:
    try:
        with open(os.path.join(J['dir'], name), 'rb') as f:  # torchvision's pil_loader: a file object
            im = Image.open(f)
            res[name] = {'mode': im.mode, 'rgb': im.convert('RGB').tobytes().hex(), 'size': list(im.size)}
    except Exception as e:
        res[name] = {'error': type(e).__name__ + ': ' + str(e)}
OUT_J = res
`, { json: { dir, names: files.map((f) => f.name) } }).json as Record<string, { rgb?: string; size?: number[]; error?: string; mode?: string }>;

test('BMP and PGM/PPM files decode to Pillow\'s pixels, and what Pillow refuses is refused', () => {
  const mismatches: string[] = [];
  let decoded = 0, refused = 0;
  for (const f of files) {
    const ref = pil[f.name]!;
    let ours: io.RGBImage | undefined;
    let err: Error | undefined;
    try {
      ours = io.decodeToImageSync(f.bytes, { name: f.name, mode: 'RGB' });
    } catch (e) {
      err = e as Error;
    }
    if (ref.error !== undefined) {
      refused++;
      if (err === undefined) mismatches.push(`${f.name}: Pillow refuses it (${ref.error}) but tstorch decodes it`);
      else if (!(err instanceof io.ImageDecodeError)) mismatches.push(`${f.name}: not an ImageDecodeError: ${err.name}: ${err.message}`);
      continue;
    }
    decoded++;
    if (err !== undefined) { mismatches.push(`${f.name}: Pillow decodes it (${ref.mode}) but tstorch says ${err.message}`); continue; }
    if (ours!.width !== ref.size![0] || ours!.height !== ref.size![1]) { mismatches.push(`${f.name}: size ${ours!.width}x${ours!.height}, Pillow ${ref.size}`); continue; }
    if (Buffer.from(ours!.data).toString('hex') !== ref.rgb) mismatches.push(`${f.name}: pixels differ from Pillow's (${ref.mode})`);
  }
  assert.deepEqual(mismatches, [], mismatches.slice(0, 20).join('\n'));
  // the generated files exercise both sides
  assert.ok(decoded > files.length / 4 && refused > files.length / 10, `${decoded} decoded, ${refused} refused`);
});
