// Finding libtorch at install time: LIBTORCH first (official/CUDA builds, Python torch folders), then a Python
// torch, then the system's libtorch-dev; a wrong LIBTORCH is an error that names it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// @ts-expect-error: a plain .mjs build script without type declarations
import { findLibtorch, NOT_FOUND_MESSAGE } from '../scripts/find-libtorch.mjs';

function fakeLibtorch(opts: { cuda?: boolean; abi?: 0 | 1 } = {}): string {
  const root = mkdtempSync(join(tmpdir(), 'fake-libtorch-'));
  const api = join(root, 'include/torch/csrc/api/include/torch');
  mkdirSync(api, { recursive: true });
  writeFileSync(join(api, 'torch.h'), '');
  mkdirSync(join(root, 'lib'));
  writeFileSync(join(root, 'lib/libtorch_cpu.so'), '');
  if (opts.cuda) writeFileSync(join(root, 'lib/libtorch_cuda.so'), '');
  if (opts.abi !== undefined) {
    mkdirSync(join(root, 'share/cmake/Torch'), { recursive: true });
    writeFileSync(join(root, 'share/cmake/Torch/TorchConfig.cmake'), `set(TORCH_CXX_FLAGS "-D_GLIBCXX_USE_CXX11_ABI=${opts.abi}")\n`);
  }
  return root;
}

function withEnv<T>(value: string | undefined, fn: () => T): T {
  const prev = process.env.LIBTORCH;
  if (value === undefined) delete process.env.LIBTORCH; else process.env.LIBTORCH = value;
  try { return fn(); } finally { if (prev === undefined) delete process.env.LIBTORCH; else process.env.LIBTORCH = prev; }
}

test('LIBTORCH names an official CPU or CUDA libtorch', () => {
  const cpu = fakeLibtorch({ abi: 0 });
  const found = withEnv(cpu, () => findLibtorch());
  assert.equal(found.source, 'LIBTORCH');
  assert.equal(found.cuda, false);
  assert.equal(found.cxx11Abi, false);
  assert.deepEqual(found.includeDirs, [join(cpu, 'include'), join(cpu, 'include/torch/csrc/api/include')]);
  const cuda = withEnv(fakeLibtorch({ cuda: true, abi: 1 }), () => findLibtorch());
  assert.equal(cuda.cuda, true);
  assert.equal(cuda.cxx11Abi, true);
});

test('a LIBTORCH that is not a libtorch folder is an error naming it', () => {
  const bad = mkdtempSync(join(tmpdir(), 'not-libtorch-'));
  assert.throws(() => withEnv(bad, () => findLibtorch()), new RegExp(`LIBTORCH=${bad} is not a libtorch folder`));
});

test('without LIBTORCH the system libtorch of this machine is found, and the not-found message names the three ways', () => {
  const found = withEnv(undefined, () => findLibtorch());
  assert.ok(found, 'a libtorch is installed here (libtorch-dev)');
  assert.match(found.source, /system|python3 torch/);
  assert.match(NOT_FOUND_MESSAGE, /LIBTORCH=/);
  assert.match(NOT_FOUND_MESSAGE, /python3 -c "import torch"/);
  assert.match(NOT_FOUND_MESSAGE, /apt-get install libtorch-dev/);
});

test('tstorch doctor reports the libtorch the addon links, as PyTorch reports itself', async () => {
  const { cli } = await import('./helpers/cli.js');
  const { runPython } = await import('./helpers/pytorch.js');
  const { native } = await import('../src/native/binding.js');
  const json = await cli(['doctor', '--json']);
  assert.equal(json.code, 0, json.err);
  const c = JSON.parse(json.out) as Record<string, unknown>;
  const py = runPython(`OUT_J = {'version': torch.__version__.split('+')[0], 'mkldnn': torch.backends.mkldnn.is_available()}`).json as { version: string; mkldnn: boolean };
  const release = (v: string): string => /^\d+\.\d+\.\d+/.exec(v)?.[0] ?? v; // Debian's Python says 1.13.0a0
  assert.equal(release(String(c.version)), release(py.version), 'the same libtorch release as python3-torch');
  assert.equal(c.mkldnn, py.mkldnn);
  assert.equal(c.libjpeg, native.buildInfo().libjpeg);
  assert.ok(Number(c.numThreads) >= 1);
  const text = await cli(['doctor']);
  assert.equal(text.code, 0);
  assert.match(text.out, /^libtorch\s+\S+/m);
  assert.match(text.out, /^JPEG decoder\s+(libjpeg-turbo|sharp)/m);
});

test('`npx tstorch` runs the compiled CLI, as the README does (the bin is executable after the build)', async () => {
  const { spawnSync } = await import('node:child_process');
  const { fileURLToPath } = await import('node:url');
  const repo = fileURLToPath(new URL('..', import.meta.url));
  const r = spawnSync('npx', ['--no-install', 'tstorch', 'doctor', '--json'], { cwd: repo, encoding: 'utf8' });
  assert.equal(r.status, 0, `npx tstorch doctor failed: ${r.stderr}`);
  assert.ok(typeof (JSON.parse(r.stdout) as { numThreads: unknown }).numThreads === 'number');
});
