#!/usr/bin/python3
"""PyTorch side of bench/detection-inference.ts: one model, seeded random weights (the same as tstorch's under the
same seed), eval-mode inference at batch 1 on a photo, or training steps at batch 2; prints one JSON line of times."""
import argparse
import json
import resource
import time

import torch
import torchvision
from torchvision.io import read_image, ImageReadMode
import torchvision.models.detection as D

p = argparse.ArgumentParser()
p.add_argument('--model', required=True)
p.add_argument('--mode', choices=['infer', 'train'], default='infer')
p.add_argument('--image', required=True)
p.add_argument('--iters', type=int, default=5)
p.add_argument('--warmup', type=int, default=1)
p.add_argument('--threads', type=int, default=1)
p.add_argument('--seed', type=int, default=0)
a = p.parse_args()
torch.set_num_threads(a.threads)
torch.manual_seed(a.seed)
m = getattr(D, a.model)(weights=None, weights_backbone=None)
img = read_image(a.image, ImageReadMode.RGB).float() / 255
times = []
cpu_ms = []
minflt = []


def usage():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return (r.ru_utime + r.ru_stime) * 1000, r.ru_minflt


if a.mode == 'infer':
    m.eval()
    for i in range(a.warmup + a.iters):
        t0 = time.perf_counter()
        c0, f0 = usage()
        with torch.inference_mode():
            out = m([img])
        if i >= a.warmup:
            times.append((time.perf_counter() - t0) * 1000)
            c1, f1 = usage()
            cpu_ms.append(c1 - c0)
            minflt.append(f1 - f0)
else:
    m.train()
    opt = torch.optim.SGD([q for q in m.parameters() if q.requires_grad], lr=0.001, momentum=0.9)
    h, w = img.shape[-2:]
    targets = [{'boxes': torch.tensor([[0.1 * w, 0.2 * h, 0.6 * w, 0.9 * h]]), 'labels': torch.tensor([1])}] * 2
    for i in range(a.warmup + a.iters):
        torch.manual_seed(a.seed + 1 + i)
        t0 = time.perf_counter()
        c0, f0 = usage()
        losses = m([img, img.flip(-1)], targets)
        opt.zero_grad()
        sum(losses.values()).backward()
        opt.step()
        if i >= a.warmup:
            times.append((time.perf_counter() - t0) * 1000)
            c1, f1 = usage()
            cpu_ms.append(c1 - c0)
            minflt.append(f1 - f0)
print(json.dumps({'model': a.model, 'mode': a.mode, 'times_ms': times, 'cpu_ms': cpu_ms, 'minflt': minflt}))
