// `npm install` runs this: find libtorch (installing Debian's libtorch-dev when we are root on Debian/Ubuntu
// and nothing else is found), then build the N-API addon with node-gyp. A rebuild is skipped when the
// sources and the chosen libtorch have not changed since the last build.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findLibtorch, NOT_FOUND_MESSAGE } from './find-libtorch.mjs';
import { nativeSources } from './native-sources.mjs';
import { CONTEXT_STAND_IN } from './distributed-flags.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const log = (msg) => process.stderr.write(`tstorch: ${msg}\n`);

function aptInstallLibtorch() {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot || !existsSync('/usr/bin/apt-get')) return false;
  log('no libtorch found; installing Debian\'s libtorch-dev with apt-get (about a minute)');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const run = (args) => spawnSync('apt-get', args, { stdio: 'inherit', env }).status === 0;
  return run(['update', '-qq']) && run(['install', '-y', '-qq', 'libtorch-dev']);
}

let lt = findLibtorch();
if (!lt && aptInstallLibtorch()) lt = findLibtorch();
if (!lt) {
  process.stderr.write(NOT_FOUND_MESSAGE + '\n');
  process.exit(1);
}
log(`building against libtorch from ${lt.source}: ${lt.root}${lt.cuda ? ' (CUDA)' : ''}`);

// libjpeg-turbo's headers give the addon its fast JPEG decoder (optional: sharp decodes everything without it).
// TSTORCH_LIBJPEG=0 builds without it.
function hasLibjpeg() {
  return existsSync('/usr/include/jpeglib.h') && spawnSync('sh', ['-c', 'echo "int main(){}" | cc -x c - -ljpeg -o /dev/null'], { stdio: 'ignore' }).status === 0;
}
function aptInstallLibjpeg() {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot || !existsSync('/usr/bin/apt-get')) return false;
  log('installing Debian\'s libjpeg62-turbo-dev for the fast JPEG decoder');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  return spawnSync('apt-get', ['install', '-y', '-qq', 'libjpeg62-turbo-dev'], { stdio: 'inherit', env }).status === 0;
}
if (process.env.TSTORCH_LIBJPEG === '0') lt.libjpeg = false;
else lt.libjpeg = hasLibjpeg() || (aptInstallLibjpeg() && hasLibjpeg());
if (!lt.libjpeg) log('building without libjpeg: JPEG files are decoded by sharp (slower; install libjpeg62-turbo-dev for the fast path)');

// --- Video (src/native/video.cc): FFmpeg's libraries, optional ---------------------------------------------
// With libavformat/libavcodec/libswscale/libswresample/libavutil headers (Debian's lib*-dev packages) the addon
// reads and writes video (vision.io.readVideo, writeVideo, VideoReader); without them it still builds and those
// functions throw an error saying what to install. Found with pkg-config; TSTORCH_FFMPEG=0 builds without them.
const FFMPEG_LIBS = ['libavformat', 'libavcodec', 'libswscale', 'libswresample', 'libavutil'];
function findFfmpeg() {
  const pc = (args) => spawnSync('pkg-config', [...args, ...FFMPEG_LIBS], { encoding: 'utf8' });
  const cflags = pc(['--cflags']);
  const libs = pc(['--libs']);
  if (cflags.status !== 0 || libs.status !== 0) return null;
  const split = (s) => s.trim().split(/\s+/).filter(Boolean);
  const found = { cflags: split(cflags.stdout), libs: split(libs.stdout) };
  // Headers and libraries must really be there: compile and link a one-liner against them.
  const probe = '#include <libavformat/avformat.h>\n#include <libswscale/swscale.h>\n#include <libswresample/swresample.h>\nint main(){return avformat_version() == 0;}';
  const ok = spawnSync('sh', ['-c', `cc -x c - ${found.cflags.join(' ')} ${found.libs.join(' ')} -o /dev/null`], { input: probe, stdio: ['pipe', 'ignore', 'ignore'] }).status === 0;
  return ok ? found : null;
}
lt.ffmpeg = process.env.TSTORCH_FFMPEG === '0' ? null : findFfmpeg();
if (!lt.ffmpeg) log('building without FFmpeg: video files cannot be read or written (install libavformat-dev libavcodec-dev libswscale-dev libswresample-dev libavutil-dev and pkg-config for video)');
// --- end of video -------------------------------------------------------------------------------------------
// torch.distributed (src/native/distributed.cc) wraps libtorch's c10d: TCPStore, ProcessGroupGloo, the DDP
// Reducer. ProcessGroupGloo.hpp needs Gloo's headers (Debian: libgloo-dev, at build time only: libtorch links
// libgloo itself) and USE_C10D_GLOO. reducer.hpp includes torch/csrc/distributed/autograd/context/context.h,
// which Debian's libtorch-dev does not ship: then src/native/compat supplies a stand-in (see that file).
// Without Gloo the addon builds without the distributed part and torch.distributed says why at run time.
// TSTORCH_DISTRIBUTED=0 builds without it.
function findHeader(rel) {
  return [...lt.includeDirs, '/usr/include'].map((d) => join(d, rel)).find((f) => existsSync(f)) ?? null;
}
function libtorchHasGloo() {
  const lib = join(lt.libDir, 'libtorch_cpu.so');
  return existsSync(lib) && spawnSync('grep', ['-q', '-a', 'ProcessGroupGloo', lib], { stdio: 'ignore' }).status === 0;
}
function aptInstallGloo() {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot || !existsSync('/usr/bin/apt-get')) return false;
  log('installing Debian\'s libgloo-dev (Gloo\'s headers) for torch.distributed');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  return spawnSync('apt-get', ['install', '-y', '-qq', 'libgloo-dev'], { stdio: 'inherit', env }).status === 0;
}
function distributedSupport() {
  if (process.env.TSTORCH_DISTRIBUTED === '0') return { gloo: false, contextStandIn: false, reason: 'built with TSTORCH_DISTRIBUTED=0' };
  if (!findHeader('torch/csrc/distributed/c10d/ProcessGroupGloo.hpp')) return { gloo: false, contextStandIn: false, reason: 'this libtorch ships no c10d headers' };
  if (!libtorchHasGloo()) return { gloo: false, contextStandIn: false, reason: 'this libtorch was built without Gloo' };
  if (!findHeader('gloo/config.h') && !(aptInstallGloo() && findHeader('gloo/config.h'))) {
    return { gloo: false, contextStandIn: false, reason: 'Gloo\'s headers are missing (install libgloo-dev and rebuild: npm run build:addon)' };
  }
  return { gloo: true, contextStandIn: !findHeader('torch/csrc/distributed/autograd/context/context.h'), reason: null };
}
lt.distributed = distributedSupport();
if (!lt.distributed.gloo) log(`building without torch.distributed: ${lt.distributed.reason}`);

// Outside build/: node-gyp rebuild empties build/ before gyp reads the flags.
const cfgDir = join(root, '.tstorch-build');
mkdirSync(cfgDir, { recursive: true });
const cfgText = JSON.stringify(lt, null, 2);
const source = [...nativeSources({ headers: true }), 'binding.gyp', 'scripts/libtorch-flags.mjs',
  ...(lt.distributed.contextStandIn ? [CONTEXT_STAND_IN] : [])]
  .map((f) => `${f}\n${readFileSync(join(root, f), 'utf8')}`).join('\n');
const stamp = createHash('sha256').update(cfgText).update(source).update(process.version).digest('hex');
const stampFile = join(cfgDir, 'stamp.txt');
const addon = join(root, 'build', 'Release', 'tstorch.node');
if (existsSync(addon) && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp && !process.argv.includes('--force')) {
  log('addon is up to date');
  process.exit(0);
}
writeFileSync(join(cfgDir, 'libtorch.json'), cfgText);

// npm tells install scripts where its node-gyp is; otherwise use the one bundled with npm.
function nodeGyp() {
  if (process.env.npm_config_node_gyp && existsSync(process.env.npm_config_node_gyp)) return process.env.npm_config_node_gyp;
  const npmDir = dirname(dirname(execFileSync('node', ['-p', 'require.resolve("npm/package.json", {paths:[require("path").dirname(process.execPath)+"/../lib/node_modules"]})'], { encoding: 'utf8' }).trim()));
  return join(npmDir, 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
}

const env = { ...process.env };
// ccache makes rebuilds of the one heavy translation unit near-instant when nothing changed in it.
if (!env.CXX && spawnSync('ccache', ['--version'], { stdio: 'ignore' }).status === 0) env.CXX = 'ccache g++';
const args = ['rebuild', '-j', 'max'];
// Build against the headers of the running Node when they are installed beside it, so that node-gyp never
// needs to download them (there may be no network).
const prefix = dirname(dirname(process.execPath));
if (!env.npm_config_nodedir && existsSync(join(prefix, 'include', 'node', 'node_api.h'))) args.push(`--nodedir=${prefix}`);
const res = spawnSync(process.execPath, [nodeGyp(), ...args], { cwd: root, stdio: 'inherit', env });
if (res.status !== 0) {
  log('building the addon failed (see the compiler output above)');
  process.exit(res.status ?? 1);
}
writeFileSync(stampFile, stamp);
log('addon built: build/Release/tstorch.node');
