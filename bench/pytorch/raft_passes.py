#!/usr/bin/python3
"""PyTorch side of bench/raft-passes.ts: RAFT-small forward passes (520x960 pair, 12 updates, seed 0, eval,
inference mode), each pass's wall, user and system CPU time and minor page faults; under perf record --control,
sampling is switched on for the passes after the first (see bench/raft-passes.ts)."""
import os
import resource
import sys
import time

import torch
import torchvision

passes = int(sys.argv[1]) if len(sys.argv) > 1 else 4
torch.set_num_threads(1)
torch.manual_seed(0)
m = torchvision.models.optical_flow.raft_small().eval()
x1 = torch.rand(1, 3, 520, 960) * 2 - 1
x2 = torch.rand(1, 3, 520, 960) * 2 - 1


def perf_control(command):
    if os.environ.get('PERF_CTL'):
        with open(os.environ['PERF_CTL'], 'w') as f:
            f.write(command + '\n')


with torch.inference_mode():
    for i in range(passes):
        if i == 1:
            perf_control('enable')
        r0 = resource.getrusage(resource.RUSAGE_SELF)
        t0 = time.perf_counter()
        m(x1, x2, num_flow_updates=12)
        r1 = resource.getrusage(resource.RUSAGE_SELF)
        print(f'pass {i}: wall {(time.perf_counter() - t0) * 1000:.0f} ms, user {(r1.ru_utime - r0.ru_utime) * 1000:.0f} ms, '
              f'system {(r1.ru_stime - r0.ru_stime) * 1000:.0f} ms, page faults {r1.ru_minflt - r0.ru_minflt}', flush=True)
perf_control('disable')
