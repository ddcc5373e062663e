#!/usr/bin/python3
"""PyTorch side of bench/op-profile.ts: one inference pass of a model under torch.autograd.profiler, per-operator
totals (calls, cpu_time_total, self_cpu_time_total) as one JSON line, plus the wall time of unprofiled passes.
Detection models get the photo as a list of one [3, H, W] image (the model's transform resizes it), segmentation
models the weights' preset output, RAFT a random pair in [-1, 1] (as bench/pytorch/raft_inference.py), classifiers
a random [batch, 3, 224, 224]; random weights from seed 0, eval mode, torch.inference_mode()."""
import argparse
import json
import time

import torch
import torchvision
from PIL import Image
from torchvision.io import read_image, ImageReadMode
import torchvision.models.detection as D
from torchvision.models import segmentation as S
from torchvision.models import get_model_weights

p = argparse.ArgumentParser()
p.add_argument('--model', required=True)
p.add_argument('--kind', choices=['detection', 'segmentation', 'raft', 'classification'], required=True)
p.add_argument('--photo', required=True)
p.add_argument('--threads', type=int, default=1)
p.add_argument('--passes', type=int, default=2)
p.add_argument('--height', type=int, default=520)
p.add_argument('--width', type=int, default=960)
p.add_argument('--updates', type=int, default=12)
p.add_argument('--batch', type=int, default=1)
a = p.parse_args()
torch.set_num_threads(a.threads)
torch.manual_seed(0)
if a.kind == 'detection':
    m = getattr(D, a.model)(weights=None, weights_backbone=None).eval()
    x = [read_image(a.photo, ImageReadMode.RGB).float() / 255]
elif a.kind == 'raft':
    raft = getattr(torchvision.models.optical_flow, a.model)().eval()
    pair = (torch.rand(1, 3, a.height, a.width) * 2 - 1, torch.rand(1, 3, a.height, a.width) * 2 - 1)
    m, x = (lambda p: raft(*p, num_flow_updates=a.updates)), pair
elif a.kind == 'classification':
    m = torchvision.models.get_model(a.model).eval()
    x = torch.rand(a.batch, 3, 224, 224)
else:
    m = getattr(S, a.model)(weights_backbone=None, aux_loss=None).eval()
    x = get_model_weights(a.model).DEFAULT.transforms()(Image.open(a.photo).convert('RGB')).unsqueeze(0)
with torch.inference_mode():
    m(x)
    wall = []
    for _ in range(a.passes):
        t0 = time.perf_counter()
        m(x)
        wall.append((time.perf_counter() - t0) * 1000)
    with torch.autograd.profiler.profile() as prof:
        t0 = time.perf_counter()
        m(x)
        profiled = (time.perf_counter() - t0) * 1000
ops = [{'name': e.key, 'calls': e.count, 'totalMs': e.cpu_time_total / 1000, 'selfMs': e.self_cpu_time_total / 1000}
       for e in prof.key_averages()]
print(json.dumps({'wallMs': wall, 'profiledMs': profiled, 'ops': ops}))
