# A PyTorch rank of bench/allreduce.ts: the twin of bench/allreduce-worker.ts (and of its --paired turns).
import json
import math
import os
import sys
import time

import torch
import torch.distributed as dist

sizes = [float(s) for s in sys.argv[1].split(',')]
iters = int(sys.argv[2])
turns = json.loads(sys.argv[3]) if len(sys.argv) > 3 else None


def in_turn(name, body):
    """Runs body in this world's turn `name` (at once without --paired)."""
    if turns is None:
        return body()
    while not os.path.exists(os.path.join(turns['dir'], 'go-%s-%s' % (turns['world'], name))):
        if not os.path.isdir(turns['dir']):
            raise RuntimeError('allreduce.py: the turn folder %s is gone (the bench stopped) before turn %s' % (turns['dir'], name))
        time.sleep(turns['pollMs'] / 1000)
    r = body()
    open(os.path.join(turns['dir'], 'done-%s-%s-%d' % (turns['world'], name, dist.get_rank())), 'w').close()
    return r


torch.set_num_threads(1)
dist.init_process_group('gloo')
out = {}
for label, mb in zip(sys.argv[1].split(','), sizes):
    t = torch.ones(round(mb * 1e6 / 4))

    def warm():
        # About a second of warm-up calls, the same count on every rank and on both sides (bench/allreduce.ts)
        for _ in range(max(3, math.ceil(1250 / mb))):
            dist.all_reduce(t)
    in_turn('%s-warm' % label, warm)
    times = []

    def timed():
        dist.barrier()
        t0 = time.perf_counter()
        dist.all_reduce(t)
        times.append(time.perf_counter() - t0)
    for i in range(iters):
        in_turn('%s-%d' % (label, i), timed)
    out[label] = times
if dist.get_rank() == 0:
    print(json.dumps(out))
dist.destroy_process_group()
