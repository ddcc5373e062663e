# A PyTorch rank of bench/allreduce.ts: the twin of bench/allreduce-worker.ts.
import json
import math
import sys
import time

import torch
import torch.distributed as dist

sizes = [float(s) for s in sys.argv[1].split(',')]
iters = int(sys.argv[2])
torch.set_num_threads(1)
dist.init_process_group('gloo')
out = {}
for mb in sizes:
    t = torch.ones(round(mb * 1e6 / 4))
    # About a second of warm-up calls, the same count on every rank and on both sides (bench/allreduce.ts)
    for _ in range(max(3, math.ceil(1250 / mb))):
        dist.all_reduce(t)
    times = []
    for _ in range(iters):
        dist.barrier()
        t0 = time.perf_counter()
        dist.all_reduce(t)
        times.append(time.perf_counter() - t0)
    out[sys.argv[1].split(',')[sizes.index(mb)]] = times
if dist.get_rank() == 0:
    print(json.dumps(out))
dist.destroy_process_group()
