#!/usr/bin/python3
"""One optimizer step over a torchvision model's parameters, the PyTorch side of bench/optimizer-step.ts. Prints one
JSON object per optimizer: {"optimizer", "model", "steps", "times_ms"} (each timed step).
The parameters get fixed random gradients once; each step is `opt.step()` alone (PyTorch 1.13's default
single-tensor loop: foreach is off unless asked for).

`--serve`: stay up and answer one JSON array of these arguments per stdin line (bench/python-peer.ts).
"""
import argparse
import json
import time

import torch
import torchvision

from peer import main

p = argparse.ArgumentParser()
p.add_argument('--model', default='resnet18')
p.add_argument('--optimizers', default='sgd,adam')
p.add_argument('--steps', type=int, default=30)
p.add_argument('--warmup', type=int, default=5)
p.add_argument('--threads', type=int, default=1)

_state = {}


def make(name, params):
    if name == 'sgd':
        return torch.optim.SGD(params, lr=0.01, momentum=0.9)
    if name == 'adam':
        return torch.optim.Adam(params, lr=1e-3)
    if name == 'adamw':
        return torch.optim.AdamW(params, lr=1e-3, weight_decay=0.01)
    raise SystemExit(f'unknown optimizer {name}')


def run(a):
    torch.set_num_threads(a.threads)
    for name in a.optimizers.split(','):
        key = (a.model, name)
        if key not in _state:
            torch.manual_seed(0)
            params = list(torchvision.models.get_model(a.model, weights=None).parameters())
            for q in params:
                q.grad = torch.randn_like(q)
            _state[key] = make(name, params)
        opt = _state[key]
        for _ in range(a.warmup):
            opt.step()
        times = []
        for _ in range(a.steps):
            t0 = time.perf_counter()
            opt.step()
            times.append((time.perf_counter() - t0) * 1000)
        print(json.dumps({'optimizer': name, 'model': a.model, 'steps': a.steps, 'times_ms': times}), flush=True)


main(p, run)
