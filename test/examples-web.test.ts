// examples/web in a real headless Chromium (Debian's chromium, driven by playwright-core): the page classifies
// an image with a model that tstorch exported, running in onnxruntime-web, and its top-5 equals tstorch's for
// the same file (tstorch predict's path: the weights' PIL preprocessing, the model in libtorch). One image is
// chosen in the file picker, one dropped on the page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, rmSync, copyFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as torch from '../src/index.js';
import * as models from '../src/vision/models/index.js';
import { createImage } from '../src/vision/io/image.js';
import { writePng } from '../src/vision/io/tensor-io.js';
import { loadZooModel } from '../src/train/pretrained.js';
import { predictFiles } from '../src/train/predict.js';
import { startServer } from '../examples/web/serve.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
// The flags that work on these machines: no sandbox as root, no GPU, and no background connections (the
// network is closed).
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const data = process.env.TSTORCH_DATA ?? join(root, '..', 'shared', 'data');

test('the web page classifies dropped and chosen images with the ONNX model; its top-5 equals tstorch\'s', { skip: existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed (apt-get install chromium)`, timeout: 300_000 }, async () => {
  const work = mkdtempSync(join(tmpdir(), 'tstorch-web-'));
  try {
    // A seeded ResNet18 (no pretrained weights offline; its random initialisation gives well-separated logits) saved as a state dict, exported by the example.
    torch.manualSeed(21);
    const weights = join(work, 'resnet18.pth');
    torch.save(models.resnet18().stateDict(), weights);
    const modelDir = join(work, 'model');
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'examples/web/export-model.ts'), '--model', 'resnet18',
      '--weights', weights, '--out', modelDir], { cwd: root, encoding: 'utf8', timeout: 300_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /wrote .*model\.onnx and model\.json \(resnet18/);

    // Images: a PNG (decoded identically everywhere) and a photo of the ants-and-bees set (a JPEG).
    mkdirSync(join(work, 'imgs'));
    const png = join(work, 'imgs', 'smooth.png');
    torch.manualSeed(5);
    const small = torch.rand([1, 3, 6, 6]);
    const t = torch.nn.functional.interpolate(small, { size: [233, 301], mode: 'bilinear', alignCorners: false }).squeeze(0)
      .mul(255).round().clamp(0, 255).permute([1, 2, 0]).contiguous().to('uint8');
    writePng(createImage(301, 233, 3, new Uint8Array(t.toBytes())), png);
    const jpeg = join(work, 'imgs', 'ant.jpg');
    copyFileSync(join(data, 'hymenoptera_data', 'val', 'ants', '10308379_1b6c72e180.jpg'), jpeg);

    const loaded = await loadZooModel('resnet18', weights);
    const expected = await predictFiles(loaded.model, [png, jpeg], loaded.preprocess, { topk: 5, classes: loaded.classes });

    const { chromium } = await import('playwright-core');
    const { server, url } = await startServer({ port: 0, modelDir });
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(url);
      await page.waitForSelector('body[data-ready="true"]', { timeout: 120_000 });
      assert.match(await page.textContent('#model') ?? '', /resnet18 .*exported by tstorch, opset 14/);
      const top5 = async (): Promise<{ index: number; probability: number; label: string }[]> => {
        await page.waitForSelector('body[data-done="true"]', { timeout: 60_000 });
        // Browser code as a string: this file is type-checked without the DOM's types.
        return page.evaluate(`[...document.querySelectorAll('#results li')].map((li) => ({
          index: Number(li.dataset.index), probability: Number(li.dataset.probability), label: li.textContent }))`);
      };
      // 1. the file picker
      await page.setInputFiles('#file', png);
      const fromPicker = await top5();
      // 2. a drop on the drop zone (a DragEvent carrying the file, as a person's drop does)
      const bytes = readFileSync(jpeg).toString('base64');
      await page.evaluate(`(() => {
        document.body.dataset.done = 'false';
        const raw = Uint8Array.from(atob('${bytes}'), (c) => c.charCodeAt(0));
        const dt = new DataTransfer();
        dt.items.add(new File([raw], 'ant.jpg', { type: 'image/jpeg' }));
        document.getElementById('drop').dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
      })()`);
      const fromDrop = await top5();
      await page.screenshot({ path: join(process.env.TSTORCH_WEB_SCREENSHOT_DIR ?? work, 'web-page.png'), fullPage: true });
      assert.deepEqual(errors, []);
      for (const [got, want, what] of [[fromPicker, expected[0]!, 'PNG via the picker'], [fromDrop, expected[1]!, 'JPEG dropped']] as const) {
        assert.deepEqual(got.map((g) => g.index), want.top.map((w) => w.index), `${what}: top-5 classes`);
        got.forEach((g, i) => {
          assert.ok(Math.abs(g.probability - want.top[i]!.probability) < 1e-3, `${what}: probability ${i}: ${g.probability} vs ${want.top[i]!.probability}`);
          assert.ok(g.label.startsWith(want.top[i]!.label), `${what}: label ${g.label} vs ${want.top[i]!.label}`);
        });
      }
    } finally {
      await browser.close();
      server.close();
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
