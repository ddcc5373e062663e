#!/usr/bin/python3
"""Inference time of torchvision's video models in eval mode under torch.inference_mode(), the PyTorch side of
bench/video-inference.ts. Prints one JSON object per (model, batch size):
  {"model", "batch", "frames", "size", "threads", "times_ms", "cpu_ms"}
(times_ms: each timed forward pass's wall time, cpu_ms its process CPU time, for medians). Random weights and a
fixed random clip [N, 3, T, S, S].
"""
import argparse
import json
import time

import torch
import torchvision

p = argparse.ArgumentParser()
p.add_argument('--models', default='r3d_18')
p.add_argument('--batch-sizes', default='1')
p.add_argument('--frames', type=int, default=16)
p.add_argument('--size', type=int, default=112)
p.add_argument('--iters', type=int, default=5)
p.add_argument('--warmup', type=int, default=1)
p.add_argument('--threads', type=int, default=0)
a = p.parse_args()
if a.threads > 0:
    torch.set_num_threads(a.threads)
torch.manual_seed(0)
for name in a.models.split(','):
    model = getattr(torchvision.models.video, name)().eval()
    for bs in [int(b) for b in a.batch_sizes.split(',')]:
        x = torch.randn(bs, 3, a.frames, a.size, a.size)
        with torch.inference_mode():
            for _ in range(a.warmup):
                model(x)
            times, cpu = [], []
            for _ in range(a.iters):
                c0 = time.process_time()
                t0 = time.perf_counter()
                model(x)
                times.append((time.perf_counter() - t0) * 1000)
                cpu.append((time.process_time() - c0) * 1000)
        print(json.dumps({'model': name, 'batch': bs, 'frames': a.frames, 'size': a.size,
                          'threads': torch.get_num_threads(), 'times_ms': times, 'cpu_ms': cpu}), flush=True)
