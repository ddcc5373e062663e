// `tstorch doctor`: which libtorch is linked and how it will run.
import * as torch from '../../index.js';
import { parseArgs, helpText, type OptionSpec } from '../args.js';
import { distributedStatus } from '../../distributed/native.js';

const spec = {
  json: { type: 'boolean', default: false, help: 'print the report as JSON' },
  full: { type: 'boolean', default: false, help: 'include libtorch\'s own build report' },
} satisfies Record<string, OptionSpec>;

export const help = helpText('doctor', '[--json] [--full]', spec);

export function run(argv: string[]): void {
  const a = parseArgs(argv, spec, 'doctor');
  const c = torch.config();
  if (a.json) {
    const { showConfig, parallelInfo, ...rest } = c;
    console.log(JSON.stringify(a.full ? c : rest, null, 2));
    void showConfig; void parallelInfo;
    return;
  }
  const rows: [string, string][] = [
    ['libtorch', `${c.version ?? 'unknown'} (${c.source ?? 'unknown source'}: ${c.path ?? '?'})`],
    ['CUDA', c.cuda ? `yes, ${c.cudaDeviceCount} device(s)` : 'no (CPU-only libtorch)'],
    ['CPU kernels', c.cpuCapability ?? 'unknown'],
    ['intra-op threads', String(c.numThreads)],
    ['inter-op threads', String(c.numInteropThreads)],
    ['BLAS', `${c.blas ?? 'unknown'}${c.blasLibrary ? ` (loaded: ${c.blasLibrary})` : ''}`],
    ['oneDNN (MKL-DNN)', c.mkldnn ? 'yes' : 'no'],
    ['OpenMP', c.openmp ? 'yes' : 'no'],
    ['JPEG decoder', c.libjpeg ? 'libjpeg-turbo in the addon (sharp for other formats)' : 'sharp (addon built without libjpeg-turbo)'],
    ['addon', c.addon],
    ['torch.distributed', distributedStatus()],
  ];
  for (const [k, v] of rows) console.log(`${k.padEnd(18)} ${v}`);
  if (a.full) console.log('\n' + c.showConfig);
}
