// No native error escapes as an abort: every function the addon exports, called in a child process with a tensor
// of every layout libtorch can make (and other hostile values), returns or throws a JavaScript error. A signal
// (SIGABRT from an uncaught C++ exception, SIGSEGV) fails the test and names the function being walked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { native } from '../src/native/binding.js';
import { runPython } from './helpers/pytorch.js';

const here = dirname(fileURLToPath(import.meta.url));

// With TSTORCH_HEAVY_TESTS=1 the walk also calls every unary and binary ATen operator (from PyTorch's schema list)
// with every layout.
function operatorList(): string | undefined {
  if (process.env.TSTORCH_HEAVY_TESTS !== '1') return undefined;
  const names = runPython(`
import re
names = set()
for s in torch._C._jit_get_all_schemas():
    m = re.match(r'(aten::[A-Za-z0-9_]+(?:\\.[A-Za-z0-9_]+)?)\\(Tensor(?:\\([a-z!]+\\))? self(?:, Tensor(?:\\([a-z!]+\\))? other)?\\) -> Tensor', str(s))
    if m: names.add(m.group(1))
OUT_J = sorted(names)
`).json as string[];
  assert.ok(names.length > 200, `${names.length} operators`);
  const file = join(mkdtempSync(join(tmpdir(), 'tstorch-walk-')), 'ops.txt');
  writeFileSync(file, names.join('\n'));
  return file;
}

test('every native export, with tensors of every layout and hostile arguments, throws JavaScript errors and never aborts', () => {
  const ops = operatorList();
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(here, 'helpers', 'native-walk-child.ts')],
    { encoding: 'utf8', timeout: ops ? 1_800_000 : 240_000, maxBuffer: 256 << 20, env: { ...process.env, TORCH_CPP_LOG_LEVEL: 'ERROR', ...(ops ? { TSTORCH_WALK_OPS: ops } : {}) } });
  const lines = (r.stdout ?? '').trim().split('\n');
  const last = lines.filter((l) => !l.startsWith('{')).at(-1);
  assert.equal(r.signal, null, `the child died with ${r.signal} while walking '${last}'; stderr: ${r.stderr?.slice(-1500)}`);
  assert.equal(r.status, 0, `the child failed while walking '${last}': ${r.stderr?.slice(-1500)}`);
  const summary = JSON.parse(lines.at(-1)!) as { done: boolean; calls: number; threw: number; exports: number };
  assert.equal(summary.done, true);
  // the walk covered every export, and most hostile calls were refused with an error
  assert.equal(summary.exports, Object.keys(native).length);
  for (const name of Object.keys(native)) assert.ok(lines.includes(`export ${name}`), `${name} was walked`);
  assert.ok(summary.calls > 10_000 && summary.threw > summary.calls / 2, JSON.stringify(summary));
});
