#!/usr/bin/python3
"""Inference time of a torchvision segmentation model on a photo, the PyTorch side of
bench/segmentation-inference.ts: the weights' SemanticSegmentation preset (shorter side resized to 520), eval
mode under torch.inference_mode(), random weights. Prints one JSON object per batch size:
  {"model", "batch", "shape", "threads", "blas_threads", "times_ms", "cpu_ms", "minflt"}

`--serve`: stay up and read one JSON array of these arguments per stdin line, answering each with the result
lines and then {"done": true} (bench/python-peer.ts). The model is built once per process.
"""
import argparse
import json
import resource
import time

import torch
from PIL import Image
from torchvision.models import segmentation as S
from torchvision.models import get_model_weights

from peer import blas_threads, main

p = argparse.ArgumentParser()
p.add_argument('--model', default='deeplabv3_resnet50')
p.add_argument('--photo', required=True)
p.add_argument('--batch-sizes', default='1')
p.add_argument('--iters', type=int, default=5)
p.add_argument('--warmup', type=int, default=1)
p.add_argument('--threads', type=int, default=0)
_models = {}


def run(a):
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    if a.model not in _models:
        torch.manual_seed(0)
        _models[a.model] = getattr(S, a.model)(weights_backbone=None, aux_loss=None).eval()
    model = _models[a.model]
    x1 = get_model_weights(a.model).DEFAULT.transforms()(Image.open(a.photo).convert('RGB')).unsqueeze(0)
    for bs in [int(b) for b in a.batch_sizes.split(',')]:
        x = x1.expand(bs, -1, -1, -1).contiguous()
        with torch.inference_mode():
            for _ in range(a.warmup):
                model(x)
            times, cpu_ms, minflt = [], [], []
            for _ in range(a.iters):
                t0 = time.perf_counter()
                r0 = resource.getrusage(resource.RUSAGE_SELF)
                model(x)['out']
                times.append((time.perf_counter() - t0) * 1000)
                r1 = resource.getrusage(resource.RUSAGE_SELF)
                cpu_ms.append((r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime) * 1000)
                minflt.append(r1.ru_minflt - r0.ru_minflt)
        print(json.dumps({'model': a.model, 'batch': bs, 'shape': list(x.shape), 'threads': torch.get_num_threads(),
                          'blas_threads': blas_threads(), 'times_ms': times, 'cpu_ms': cpu_ms, 'minflt': minflt}), flush=True)


main(p, run)
