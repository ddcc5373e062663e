// Finds the libtorch the addon builds against, in the order the README documents:
//   1. the LIBTORCH environment variable: an official (CPU or CUDA) libtorch folder, or a Python `torch`
//      package folder (both have include/ and lib/);
//   2. a Python `torch` that `python3 -c "import torch"` finds (when its folder ships include/ and lib/);
//   3. the system's libtorch (Debian's libtorch-dev: /usr/include/torch, /usr/lib/<arch>/libtorch.so).
// Used by build-addon.mjs (which may install libtorch-dev first) and by binding.gyp through libtorch-flags.mjs.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const MULTIARCH = { x64: 'x86_64-linux-gnu', arm64: 'aarch64-linux-gnu' }[process.arch] ?? 'x86_64-linux-gnu';

function fromFolder(root, source) {
  const include = join(root, 'include');
  const api = join(include, 'torch', 'csrc', 'api', 'include');
  const lib = join(root, 'lib');
  if (!existsSync(join(api, 'torch', 'torch.h')) || !existsSync(lib)) return null;
  const libs = readdirSync(lib);
  if (!libs.some((f) => /^libtorch_cpu\.(so|dylib)/.test(f))) return null;
  const cuda = libs.some((f) => /^libtorch_cuda\.(so|dylib)/.test(f));
  return { source, root, includeDirs: [include, api], libDir: lib, cuda, cxx11Abi: detectAbi(root) };
}

// Official pre-cxx11-ABI builds and pip wheels before PyTorch 2.x use the old std::string ABI; mixing the two
// fails at link or load time, so the addon is compiled with the same setting.
function detectAbi(root) {
  const cmake = join(root, 'share', 'cmake', 'Torch', 'TorchConfig.cmake');
  if (existsSync(cmake)) {
    const m = readFileSync(cmake, 'utf8').match(/_GLIBCXX_USE_CXX11_ABI=([01])/);
    if (m) return m[1] === '1';
  }
  return null;
}

function pythonTorch() {
  try {
    const out = execFileSync('python3', ['-c',
      'import os, torch; print(os.path.dirname(torch.__file__)); print(int(torch._C._GLIBCXX_USE_CXX11_ABI))'],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 60_000 });
    const [dir, abi] = out.trim().split('\n');
    const found = fromFolder(dir, 'python3 torch');
    if (found) found.cxx11Abi = abi === '1';
    return found;
  } catch {
    return null;
  }
}

function systemTorch() {
  const api = '/usr/include/torch/csrc/api/include';
  const libDir = `/usr/lib/${MULTIARCH}`;
  if (!existsSync(join(api, 'torch', 'torch.h')) || !existsSync(join(libDir, 'libtorch_cpu.so'))) return null;
  const cuda = existsSync(join(libDir, 'libtorch_cuda.so'));
  return { source: 'system (libtorch-dev)', root: '/usr', includeDirs: ['/usr/include', api], libDir, cuda, cxx11Abi: null };
}

export function findLibtorch() {
  const env = process.env.LIBTORCH;
  if (env) {
    const found = fromFolder(env, 'LIBTORCH');
    if (!found) {
      throw new Error(`LIBTORCH=${env} is not a libtorch folder: expected ${join(env, 'include/torch/csrc/api/include/torch/torch.h')} and ${join(env, 'lib/libtorch_cpu.so')}`);
    }
    return found;
  }
  return pythonTorch() ?? systemTorch();
}

export const NOT_FOUND_MESSAGE = `tstorch: no libtorch found. Give it one of three ways:
  1. LIBTORCH=/path/to/libtorch npm install   (an official CPU or CUDA libtorch, or a Python torch package folder)
  2. a Python torch that 'python3 -c "import torch"' finds
  3. sudo apt-get install libtorch-dev        (Debian 12 / Ubuntu: the system's libtorch)`;
