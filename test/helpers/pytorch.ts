// Runs PyTorch (Debian's python3-torch, the oracle) from a test and exchanges tensors with it.
//
//   const { tensors, json } = runPython(`OUT['y'] = torch.relu(T['x'])`, { tensors: { x } });
//
// In the Python code: `T` is a dict of the input tensors, `J` the input JSON value, `OUT` a dict to fill with
// output tensors and `OUT_J` (a variable) a JSON-able value to return. torch, torchvision (when installed),
// numpy, math are imported. Tensors travel as raw little-endian bytes with their shape and dtype.
//
// The oracle computes in this process's configuration: libtorch's intra-op thread count and OpenBLAS's own thread
// count are passed on. Both choose kernels: libtorch sends a single-thread 1x1 convolution to its GEMM path, and
// OpenBLAS's GEMMs round differently at 1 and 2 threads for some shapes (a 200x80 by 80x952 product on this
// machine's Cooperlake kernel), which reorders near-tied detection scores downstream.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tensor, fromBytes, getNumThreads, blas, type DType } from '../../src/index.js';

export const PYTHON = process.env.TSTORCH_PYTHON ?? '/usr/bin/python3';

const PRELUDE = String.raw`
import json, sys, os, math
import numpy as np
import torch
torch.set_num_threads(int(os.environ['TSTORCH_ORACLE_THREADS']))
try:
    import torchvision
except Exception:
    torchvision = None
_dir = sys.argv[1]
_meta = json.load(open(os.path.join(_dir, 'in.json')))
_np = {'float32': np.float32, 'float64': np.float64, 'int64': np.int64, 'int32': np.int32, 'int16': np.int16,
       'int8': np.int8, 'uint8': np.uint8, 'bool': np.bool_, 'float16': np.float16}
def _load(name, m):
    raw = open(os.path.join(_dir, 'in_' + name + '.bin'), 'rb').read()
    if m['dtype'] == 'bfloat16':
        t = torch.frombuffer(bytearray(raw), dtype=torch.int16).view(torch.bfloat16) if raw else torch.empty(0, dtype=torch.bfloat16)
        return t.reshape(m['shape']).clone()
    a = np.frombuffer(raw, dtype=_np[m['dtype']]).reshape(m['shape'])
    return torch.from_numpy(a.copy())
T = {k: _load(k, m) for k, m in _meta['tensors'].items()}
J = _meta['json']
OUT = {}
OUT_J = None
`;

const POSTLUDE = String.raw`
_out = {}
for k, t in OUT.items():
    t = t.detach().cpu().contiguous()
    name = str(t.dtype).replace('torch.', '')
    if t.dtype == torch.bfloat16:
        data = t.view(torch.int16).numpy().tobytes()
    else:
        data = t.numpy().tobytes()
    open(os.path.join(_dir, 'out_' + k + '.bin'), 'wb').write(data)
    _out[k] = {'shape': list(t.shape), 'dtype': name}
json.dump({'tensors': _out, 'json': OUT_J}, open(os.path.join(_dir, 'out.json'), 'w'))
`;

let checked = false;
export function requirePyTorch(): void {
  if (checked) return;
  if (!existsSync(PYTHON)) throw new Error(`PyTorch oracle missing: ${PYTHON} not found (apt-get install python3-torch python3-torchvision)`);
  execFileSync(PYTHON, ['-c', 'import torch'], { stdio: 'pipe' });
  checked = true;
}

export interface PythonResult {
  tensors: Record<string, Tensor>;
  json: any;
}

export function runPython(code: string, input: { tensors?: Record<string, Tensor>; json?: unknown } = {}, opts: { timeoutMs?: number } = {}): PythonResult {
  requirePyTorch();
  const dir = mkdtempSync(join(tmpdir(), 'tstorch-py-'));
  try {
    const meta: Record<string, { shape: number[]; dtype: string }> = {};
    for (const [k, t] of Object.entries(input.tensors ?? {})) {
      writeFileSync(join(dir, `in_${k}.bin`), t.detach().cpu().contiguous().toBytes());
      meta[k] = { shape: [...t.shape], dtype: t.dtype.name };
    }
    writeFileSync(join(dir, 'in.json'), JSON.stringify({ tensors: meta, json: input.json ?? null }));
    const script = PRELUDE + '\n' + code + '\n' + POSTLUDE;
    writeFileSync(join(dir, 'script.py'), script);
    const blasThreads = blas.getNumThreads();
    const env: NodeJS.ProcessEnv = { ...process.env, OMP_NUM_THREADS: '1', TSTORCH_ORACLE_THREADS: String(getNumThreads()) };
    // OPENBLAS_NUM_THREADS takes precedence over OMP_NUM_THREADS in OpenBLAS
    if (blasThreads !== null) env.OPENBLAS_NUM_THREADS = String(blasThreads);
    try {
      execFileSync(PYTHON, [join(dir, 'script.py'), dir], { stdio: 'pipe', timeout: opts.timeoutMs ?? 300_000, env });
    } catch (e) {
      const err = e as { stderr?: Buffer; message: string };
      throw new Error(`PyTorch script failed: ${err.stderr?.toString() ?? err.message}`);
    }
    const out = JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8')) as { tensors: Record<string, { shape: number[]; dtype: DType }>; json: unknown };
    const tensors: Record<string, Tensor> = {};
    for (const [k, m] of Object.entries(out.tensors)) {
      tensors[k] = fromBytes(readFileSync(join(dir, `out_${k}.bin`)), m.shape, m.dtype);
    }
    return { tensors, json: out.json };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Largest absolute difference, and the largest absolute value of `expected` (for relative tolerances). */
export function maxAbsDiff(actual: Tensor, expected: Tensor): number {
  if (actual.shape.join() !== expected.shape.join()) {
    throw new Error(`shape mismatch: [${actual.shape}] vs [${expected.shape}]`);
  }
  if (actual.numel() === 0) return 0;
  return actual.double().sub(expected.double()).abs().max().item();
}

export function assertClose(actual: Tensor, expected: Tensor, opts: { atol?: number; rtol?: number; what?: string } = {}): void {
  const atol = opts.atol ?? 1e-5;
  const rtol = opts.rtol ?? 1e-4;
  const diff = maxAbsDiff(actual, expected);
  const scale = expected.numel() === 0 ? 0 : expected.double().abs().max().item();
  if (!(diff <= atol + rtol * scale)) {
    throw new Error(`${opts.what ?? 'tensors'} differ: max |diff| ${diff} > atol ${atol} + rtol ${rtol} * ${scale}`);
  }
}
