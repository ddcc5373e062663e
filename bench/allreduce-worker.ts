// A rank of bench/allreduce.ts: joins the job (env://) and times allreduces (SUM, float32) of each size;
// rank 0 prints {"<MB>": [seconds per allreduce...]} as JSON. Its twin is bench/pytorch/allreduce.py.
import * as torch from '../src/index.js';

const [sizesArg, itersArg] = process.argv.slice(2);
const sizes = sizesArg!.split(',').map(Number);
const iters = Number(itersArg);
torch.setNumThreads(1);
await torch.distributed.initProcessGroup({ backend: 'gloo' });
const out: Record<string, number[]> = {};
for (const mb of sizes) {
  const t = torch.ones([Math.round((mb * 1e6) / 4)]);
  // About a second of warm-up calls, the same count on every rank and on both sides (bench/allreduce.ts)
  for (let i = 0; i < Math.max(3, Math.ceil(1250 / mb)); i++) torch.distributed.allReduce(t);
  const times: number[] = [];
  for (let i = 0; i < iters; i++) {
    torch.distributed.barrier();
    const t0 = performance.now();
    torch.distributed.allReduce(t);
    times.push((performance.now() - t0) / 1000);
  }
  out[String(mb)] = times;
  t.dispose();
}
if (torch.distributed.getRank() === 0) console.log(JSON.stringify(out));
torch.distributed.destroyProcessGroup();
