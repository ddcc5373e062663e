#!/usr/bin/python3
"""Decoding time of torchvision.io.read_video (PyAV backend), the PyTorch side of bench/video-decode.ts.
Prints one JSON object: {"file", "frames", "times_ms", "cpu_ms"} (each timed read_video of the whole file)."""
import argparse
import json
import time
import warnings

import torch
from torchvision.io import read_video

warnings.simplefilter('ignore')
p = argparse.ArgumentParser()
p.add_argument('--file', required=True)
p.add_argument('--iters', type=int, default=3)
p.add_argument('--threads', type=int, default=1)
a = p.parse_args()
torch.set_num_threads(a.threads)
read_video(a.file, pts_unit='sec')
times, cpu = [], []
for _ in range(a.iters):
    c0, t0 = time.process_time(), time.perf_counter()
    v, _, _ = read_video(a.file, pts_unit='sec')
    times.append((time.perf_counter() - t0) * 1000)
    cpu.append((time.process_time() - c0) * 1000)
print(json.dumps({'file': a.file, 'frames': v.shape[0], 'times_ms': times, 'cpu_ms': cpu}), flush=True)
