#!/usr/bin/python3
"""The PyTorch side of bench/train-step.ts: one training step of a torchvision classifier (zero_grad, forward,
cross_entropy, backward, SGD with momentum) in one process. Prints `ready` once the model is built, waits for a line on
stdin, runs the steps, and prints one JSON line: the medians (ms) of the timed steps' forward, backward, optimizer step
and whole step, and the minor page faults per timed step.
"""
import argparse
import json
import resource
import statistics
import sys
import time

import torch
import torch.nn.functional as F
import torchvision

p = argparse.ArgumentParser()
p.add_argument('--model', default='resnet18')
p.add_argument('--batch', type=int, default=32)
p.add_argument('--size', type=int, default=32)
p.add_argument('--steps', type=int, default=60)
p.add_argument('--warmup', type=int, default=10)
p.add_argument('--threads', type=int, default=1)
a = p.parse_args()

torch.set_num_threads(a.threads)
torch.manual_seed(0)
m = torchvision.models.get_model(a.model, weights=None, num_classes=10).train()
opt = torch.optim.SGD(m.parameters(), lr=0.01, momentum=0.9)
x = torch.randn(a.batch, 3, a.size, a.size)
y = torch.randint(0, 10, (a.batch,))
print('ready', flush=True)
if not sys.stdin.readline():
    sys.exit(1)  # stdin closed before the go line: the bench has stopped
t = {'forward': [], 'backward': [], 'optimizer': [], 'whole': []}
faults = 0
for i in range(a.warmup + a.steps):
    f0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    t0 = time.perf_counter()
    opt.zero_grad(set_to_none=False)
    t1 = time.perf_counter()
    loss = F.cross_entropy(m(x), y)
    t2 = time.perf_counter()
    loss.backward()
    t3 = time.perf_counter()
    opt.step()
    t4 = time.perf_counter()
    del loss
    if i < a.warmup:
        continue
    faults += resource.getrusage(resource.RUSAGE_SELF).ru_minflt - f0
    t['forward'].append((t2 - t1) * 1000)
    t['backward'].append((t3 - t2) * 1000)
    t['optimizer'].append((t4 - t3) * 1000)
    t['whole'].append((t4 - t0) * 1000)
out = {k: statistics.median(v) for k, v in t.items()}
out['faultsPerStep'] = faults / a.steps
print(json.dumps(out), flush=True)
