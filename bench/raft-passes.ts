// RAFT-small forward passes (520x960 pair, 12 updates, seed 0, eval, inference mode, tidy), printing each pass's
// wall, user and system CPU time and minor page faults; the pair of bench/pytorch/raft_passes.py. Made to run
// under `perf record` with sampling switched on only for the timed passes (after one warm-up), so the two
// processes' CPU samples can be compared library by library (oneDNN's JIT kernels, libtorch, OpenBLAS, the
// kernel's page zeroing, the interpreter):
//
//   mkfifo /tmp/ctl.fifo
//   PERF_CTL=/tmp/ctl.fifo perf record -D -1 --control fifo:/tmp/ctl.fifo -F 999 -e cpu-clock -o ts.data \
//     node --import tsx bench/raft-passes.ts
//   PERF_CTL=/tmp/ctl.fifo perf record -D -1 --control fifo:/tmp/ctl.fifo -F 999 -e cpu-clock -o py.data \
//     /usr/bin/python3 bench/pytorch/raft_passes.py
//   perf report -i ts.data --no-children -n --sort dso --stdio
import { writeFileSync } from 'node:fs';
import * as torch from '../src/index.js';
import { getModel } from '../src/vision/models/index.js';

const passes = Number(process.argv[2] ?? 4);
torch.setNumThreads(1);
torch.manualSeed(0);
const model = getModel('raft_small', { weights: null }).eval();
const x1 = torch.rand([1, 3, 520, 960]).mul(2).sub(1);
const x2 = torch.rand([1, 3, 520, 960]).mul(2).sub(1);
/** perf's control fifo, when run under perf record --control */
const perfControl = (command: 'enable' | 'disable'): void => {
  if (process.env.PERF_CTL) writeFileSync(process.env.PERF_CTL, command + '\n');
};
for (let i = 0; i < passes; i++) {
  if (i === 1) perfControl('enable');
  const r0 = process.resourceUsage();
  const t0 = performance.now();
  torch.inferenceMode(() => torch.tidy(() => { model.call(x1, x2, 12); }));
  const r1 = process.resourceUsage();
  console.log(`pass ${i}: wall ${(performance.now() - t0).toFixed(0)} ms, user ${((r1.userCPUTime - r0.userCPUTime) / 1000).toFixed(0)} ms, ` +
    `system ${((r1.systemCPUTime - r0.systemCPUTime) / 1000).toFixed(0)} ms, page faults ${r1.minorPageFault - r0.minorPageFault}`);
}
perfControl('disable');
