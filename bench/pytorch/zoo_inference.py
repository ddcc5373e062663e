#!/usr/bin/python3
"""Inference throughput of torchvision models in eval mode under torch.inference_mode(), the PyTorch side of
bench/zoo-inference.ts. Prints one JSON object per (model, batch size):
  {"model", "batch", "size", "iters", "seconds", "img_s", "threads", "blas_threads", "times_ms"}
(times_ms: each timed forward pass, for medians; blas_threads: OpenBLAS's own thread count, which
torch.set_num_threads does not change)
Random weights (speed does not depend on the values) and a fixed random input of the weights' crop size.

`--serve`: stay up and read one JSON array of these arguments per stdin line, answering each with the result
lines and then {"done": true} (bench/python-peer.ts). Models are built once per process.
"""
import argparse
import json
import time

import torch
import torchvision

from peer import blas_threads, main

p = argparse.ArgumentParser()
p.add_argument('--models', default='resnet50,vgg13,densenet121,mobilenet_v2,googlenet,inception_v3')
p.add_argument('--batch-sizes', default='1,8')
p.add_argument('--iters', type=int, default=5)
p.add_argument('--warmup', type=int, default=2)
p.add_argument('--threads', type=int, default=0)

_models = {}


def run(a):
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    for name in a.models.split(','):
        size = 299 if name.startswith('inception') else 224
        kwargs = {'aux_logits': False, 'init_weights': False} if name in ('googlenet', 'inception_v3') else {}
        if name not in _models:
            torch.manual_seed(0)
            _models[name] = torchvision.models.get_model(name, weights=None, **kwargs).eval()
        model = _models[name]
        for bs in [int(b) for b in a.batch_sizes.split(',')]:
            x = torch.randn(bs, 3, size, size)
            with torch.inference_mode():
                for _ in range(a.warmup):
                    model(x)
                times = []
                for _ in range(a.iters):
                    t0 = time.perf_counter()
                    model(x)
                    times.append((time.perf_counter() - t0) * 1000)
                dt = sum(times) / 1000
            print(json.dumps({'model': name, 'batch': bs, 'size': size, 'iters': a.iters, 'seconds': dt,
                              'img_s': bs * a.iters / dt, 'threads': torch.get_num_threads(),
                              'blas_threads': blas_threads(), 'times_ms': times}), flush=True)


main(p, run)
