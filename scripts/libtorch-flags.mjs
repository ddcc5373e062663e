// Prints the compiler and linker flags for binding.gyp, from .tstorch-build/libtorch.json (written by build-addon.mjs).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { nativeSources } from './native-sources.mjs';
import { distributedFlags } from './distributed-flags.mjs';

const cfg = JSON.parse(readFileSync(fileURLToPath(new URL('../.tstorch-build/libtorch.json', import.meta.url)), 'utf8'));
const what = process.argv[2];
const out = [];
// Every translation unit in src/native: a new one needs no edit here (it registers its functions itself).
if (what === 'sources') out.push(...nativeSources());
if (what === 'include') out.push(...cfg.includeDirs);
if (what === 'defines' && cfg.cxx11Abi !== null) out.push(`_GLIBCXX_USE_CXX11_ABI=${cfg.cxx11Abi ? 1 : 0}`);
// libjpeg-turbo (Debian's libjpeg62-turbo-dev) gives the addon a PIL-speed JPEG decoder; without it sharp decodes.
if (what === 'defines' && cfg.libjpeg) out.push('TSTORCH_HAVE_LIBJPEG=1');
if (what === 'libs') {
  out.push(`-L${cfg.libDir}`, `-Wl,-rpath,${cfg.libDir}`);
  // --no-as-needed: libtorch_cuda registers CUDA kernels from static initialisers; nothing references it.
  if (cfg.cuda) out.push('-Wl,--no-as-needed', '-ltorch_cuda', '-lc10_cuda', '-Wl,--as-needed');
  out.push('-ltorch', '-ltorch_cpu', '-lc10');
  if (cfg.libjpeg) out.push('-ljpeg');
}
// --- Video: FFmpeg's libraries (src/native/video.cc), when build-addon.mjs found them (cfg.ffmpeg). ---
if (cfg.ffmpeg) {
  if (what === 'defines') out.push('TSTORCH_HAVE_FFMPEG=1');
  if (what === 'include') out.push(...cfg.ffmpeg.cflags.filter((f) => f.startsWith('-I')).map((f) => f.slice(2)));
  if (what === 'libs') out.push(...cfg.ffmpeg.libs);
}
// --- end of video ---
// torch.distributed: libtorch's c10d with Gloo (see distributed-flags.mjs); nothing when it is unavailable.
if (what === 'defines' || what === 'include') out.push(...distributedFlags(cfg, what));
process.stdout.write(out.join(' '));

