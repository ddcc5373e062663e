#!/usr/bin/python3
"""RAFT inference time in eval mode under torch.inference_mode(), the PyTorch side of bench/raft-inference.ts.
Prints one JSON object: {"model", "height", "width", "updates", "threads", "times_ms", "cpu_ms", "minflt"}. Random weights,
a fixed random pair of images in [-1, 1]."""
import argparse
import json
import resource
import time

import torch
import torchvision

p = argparse.ArgumentParser()
p.add_argument('--model', default='raft_small')
p.add_argument('--height', type=int, default=520)
p.add_argument('--width', type=int, default=960)
p.add_argument('--updates', type=int, default=12)
p.add_argument('--iters', type=int, default=2)
p.add_argument('--warmup', type=int, default=1)
p.add_argument('--threads', type=int, default=1)
a = p.parse_args()
torch.set_num_threads(a.threads)
torch.manual_seed(0)
model = getattr(torchvision.models.optical_flow, a.model)().eval()
x1 = torch.rand(1, 3, a.height, a.width) * 2 - 1
x2 = torch.rand(1, 3, a.height, a.width) * 2 - 1
with torch.inference_mode():
    for _ in range(a.warmup):
        model(x1, x2, num_flow_updates=a.updates)
    times, cpu, minflt = [], [], []
    for _ in range(a.iters):
        r0 = resource.getrusage(resource.RUSAGE_SELF)
        c0, t0 = time.process_time(), time.perf_counter()
        model(x1, x2, num_flow_updates=a.updates)
        times.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
        minflt.append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - r0.ru_minflt)
print(json.dumps({'model': a.model, 'height': a.height, 'width': a.width, 'updates': a.updates,
                  'threads': torch.get_num_threads(), 'times_ms': times, 'cpu_ms': cpu, 'minflt': minflt}), flush=True)
