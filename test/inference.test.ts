// torch.inference: every engine (eager, jit, onnxruntime) gives the eager model's outputs, at the example's
// batch size and another; 'auto' keeps one of the installed engines and says why; `tstorch predict --engine`
// gives the same top-k with each engine; bad engine names are refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as torch from '../src/index.js';
import * as models from '../src/vision/models/index.js';
import { assertClose } from './helpers/pytorch.js';
import { cli } from './helpers/cli.js';
import { createImage } from '../src/vision/io/image.js';
import { writePng } from '../src/vision/io/tensor-io.js';

const ort = await torch.inference.loadOnnxRuntime();

test('every installed engine computes the eager outputs, at the example batch size and another', async () => {
  torch.manualSeed(8);
  // ShuffleNet's channel shuffle reads the batch size: the jit engine traces each shape, ONNX keeps it dynamic.
  const m = models.shufflenet_v2_x0_5({ numClasses: 10 }).eval();
  const x1 = torch.randn(1, 3, 64, 64), x3 = torch.randn(3, 3, 64, 64);
  const want = [x1, x3].map((x) => torch.noGrad(() => m.call(x)) as torch.Tensor);
  const engines = await torch.inference.availableEngines();
  assert.deepEqual(engines, ort ? ['eager', 'jit', 'onnxruntime'] : ['eager', 'jit']);
  for (const name of engines) {
    const e = await torch.inference.compile(m, { engine: name, exampleInput: x1 });
    assert.equal(e.engine, name);
    assert.match(e.describe(), new RegExp(`^${name}`));
    for (const [i, x] of [x1, x3].entries()) {
      assertClose(await e.run(x), want[i]!, { atol: 1e-4, rtol: 1e-4, what: `${name} at batch ${x.shape[0]}` });
    }
    e.dispose();
  }
  const lines: string[] = [];
  const auto = await torch.inference.compile(m, { engine: 'auto', exampleInput: x1, calibrationRuns: 2, onProgress: (l) => lines.push(l) });
  assert.ok(engines.includes(auto.engine));
  for (const name of engines) assert.ok(lines.some((l) => l.startsWith(`engine ${name}: `)), `timed ${name}: ${lines.join('; ')}`);
  assert.match(lines.at(-1)!, new RegExp(`engine auto -> ${auto.engine}`));
  assertClose(await auto.run(x3), want[1]!, { atol: 1e-4, rtol: 1e-4, what: 'auto' });
  await assert.rejects(torch.inference.compile(m, { engine: 'tensorrt' as never, exampleInput: x1 }), /unknown engine 'tensorrt' \(eager, jit, onnxruntime, auto\)/);
  await assert.rejects(torch.inference.compile(m, { engine: 'jit' } as never), /exampleInput .* is required/);
});

test('an engine that cannot take the model is skipped by auto, with the reason', { skip: ort ? false : 'onnxruntime-node is not installed' }, async () => {
  const logcumsumexp = torch.op('aten::logcumsumexp');
  class Cumulative extends torch.nn.Module {
    override forward(x: torch.Tensor): torch.Tensor { return new torch.Tensor(logcumsumexp(x._h, 1)); }
  }
  const lines: string[] = [];
  const e = await torch.inference.compile(new Cumulative(), { engine: 'auto', exampleInput: torch.randn(2, 5), onProgress: (l) => lines.push(l) });
  assert.notEqual(e.engine, 'onnxruntime');
  assert.ok(lines.some((l) => /engine onnxruntime skipped: .*aten::logcumsumexp .*has no ONNX conversion/.test(l)), lines.join('; '));
});

test('tstorch predict --engine: the same top-k with every engine', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tstorch-engine-'));
  try {
    torch.manualSeed(9);
    const weights = join(dir, 'resnet18.pth');
    torch.save(models.resnet18().stateDict(), weights);
    mkdirSync(join(dir, 'imgs'));
    for (let i = 0; i < 3; i++) {
      const t = torch.rand([240, 250 + 10 * i, 3]).mul(255).to('uint8');
      writePng(createImage(250 + 10 * i, 240, 3, new Uint8Array(t.toBytes())), join(dir, 'imgs', `im${i}.png`));
    }
    const tops: Record<string, unknown> = {};
    for (const engine of ['eager', 'jit', ...(ort ? ['onnxruntime'] : []), 'auto']) {
      const r = await cli(['predict', 'resnet18', '--weights', weights, join(dir, 'imgs'), '--topk', '3', '--batch-size', '2', '--json', '--engine', engine]);
      assert.equal(r.code, 0, r.err);
      const j = JSON.parse(r.out) as { engine: string; predictions: { top: { index: number; probability: number }[] }[] };
      if (engine !== 'auto') assert.equal(j.engine, engine);
      else assert.match(r.err, /predict: engine auto -> (eager|jit|onnxruntime)/);
      tops[engine] = j.predictions.map((p) => p.top.map((t) => t.index));
      j.predictions.forEach((p) => p.top.forEach((t) => assert.ok(t.probability > 0 && t.probability <= 1)));
    }
    for (const [engine, top] of Object.entries(tops)) assert.deepEqual(top, tops.eager, `${engine} top-3`);
    const bad = await cli(['predict', 'resnet18', '--weights', weights, join(dir, 'imgs'), '--engine', 'fast']);
    assert.equal(bad.code, 1);
    assert.match(bad.err, /--engine must be one of eager, jit, onnxruntime, auto[;,] got 'fast'/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
