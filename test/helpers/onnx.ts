// Shared by the ONNX tests: export a zoo model with a dynamic batch axis, run it in ONNX Runtime at batch 1
// and 8 against tstorch, and check the files with ONNX's own checker (Debian's python3-onnx, full_check).
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import * as torch from '../../src/index.js';
import * as models from '../../src/vision/models/index.js';
import { PYTHON, assertClose } from './pytorch.js';

type Ort = NonNullable<Awaited<ReturnType<typeof torch.inference.loadOnnxRuntime>>>;

export interface SweepCase { name: string; size: number; opset?: number; log?: boolean }
export interface SweepResult { file: string; checked: boolean }

/** ONNX Runtime's outputs for each input on the model file at `path` (one session, 2 threads, all optimisations). */
export async function ortRunAll(ort: Ort, path: string, xs: torch.Tensor[]): Promise<torch.Tensor[]> {
  const session = await ort.InferenceSession.create(path, torch.inference.sessionOptions(2));
  try {
    const outs: torch.Tensor[] = [];
    for (const x of xs) {
      const bytes = x.contiguous().toBytes();
      const input = new ort.Tensor('float32', new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4), x.shape);
      const out = (await session.run({ [session.inputNames[0]!]: input }))[session.outputNames[0]!]!;
      outs.push(torch.fromBytes(out.data as Float32Array, out.dims as number[], 'float32'));
    }
    return outs;
  } finally {
    await session.release();
  }
}

export async function ortRun(ort: Ort, path: string, x: torch.Tensor): Promise<torch.Tensor> {
  return (await ortRunAll(ort, path, [x]))[0]!;
}

/** onnx.checker.check_model(path, full_check=True) on each file; throws with the checker's message. */
export function onnxCheck(files: string[]): void {
  const code = [
    'import sys, onnx, onnx.checker',
    'for f in sys.argv[1:]:',
    '    onnx.checker.check_model(f, full_check=True)',
  ].join('\n');
  try {
    execFileSync(PYTHON, ['-c', code, ...files], { stdio: 'pipe', timeout: 600_000 });
  } catch (e) {
    const err = e as { stderr?: Buffer; message: string };
    throw new Error(`onnx.checker failed: ${err.stderr?.toString() ?? err.message}`);
  }
}

const builders = models as unknown as Record<string, (o?: any) => torch.nn.Module>;

/**
 * Each case: seeded random weights, export at batch 1 with a dynamic batch axis, ONNX Runtime equal to tstorch
 * (1e-4) at batch 1 and 8, and the full check. oneAtATime checks and deletes each file before the next model
 * (the whole zoo would not fit on disk or in memory at once).
 */
export async function onnxSweep(cases: SweepCase[], dir: string, ort: Ort, o: { oneAtATime?: boolean } = {}): Promise<SweepResult[]> {
  const results: SweepResult[] = [];
  const pending: string[] = [];
  for (const [i, c] of cases.entries()) {
    const t0 = Date.now();
    const file = join(dir, `${c.name}-${c.opset ?? 'default'}.onnx`);
    torch.manualSeed(1000 + i);
    const m = builders[c.name]!().eval();
    const x1 = torch.randn(1, 3, c.size, c.size);
    const x8 = torch.randn(8, 3, c.size, c.size);
    torch.onnx.export(m, x1, file, {
      opsetVersion: c.opset, inputNames: ['input'], outputNames: ['output'],
      dynamicAxes: { input: { 0: 'batch' }, output: { 0: 'batch' } },
    });
    const got = await ortRunAll(ort, file, [x1, x8]);
    [x1, x8].forEach((x, k) => {
      const want = torch.inferenceMode(() => m.call(x)) as torch.Tensor;
      assertClose(got[k]!, want, { atol: 1e-4, rtol: 1e-4, what: `${c.name} (opset ${c.opset ?? torch.onnx.DEFAULT_OPSET}) at batch ${x.shape[0]}: ONNX Runtime vs tstorch` });
      got[k]!.dispose();
      want.dispose();
    });
    if (o.oneAtATime) {
      onnxCheck([file]);
      rmSync(file, { force: true });
      rmSync(`${file}.data`, { force: true });
      results.push({ file, checked: true });
    } else pending.push(file);
    if (c.log) console.log(`# ${c.name}: exported, ONNX Runtime = tstorch at batch 1 and 8${o.oneAtATime ? ', full check passed' : ''} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  }
  if (pending.length) {
    onnxCheck(pending);
    for (const f of pending) results.push({ file: f, checked: true });
  }
  return results;
}
