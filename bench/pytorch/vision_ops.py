# PyTorch side of bench/vision-ops.ts: torchvision's compiled CPU kernels (nms, roi_align forward and backward) on
# the inputs the TypeScript side wrote (raw little-endian float32 files). Prints {"<case>": median ms, ...}.
import json, os, sys, time
import numpy as np
import torch
import torchvision

folder, threads, iters = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
torch.set_num_threads(threads)
meta = json.load(open(os.path.join(folder, 'meta.json')))

def load(name):
    m = meta[name]
    return torch.from_numpy(np.fromfile(os.path.join(folder, name + '.bin'), dtype=np.float32).reshape(m))

def timed(fn):
    fn()  # warm-up
    times = []
    for _ in range(iters):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return float(np.median(times))

out = {}
for case in meta['cases']:
    kind = case['kind']
    if kind == 'nms':
        boxes, scores = load(case['boxes']), load(case['scores'])
        out[case['name']] = timed(lambda: torchvision.ops.nms(boxes, scores, case['iou']))
    elif kind == 'roi_align':
        feat, rois = load(case['input']), load(case['rois'])
        args = (case['output'], case['scale'], case['sampling'], case['aligned'])
        out[case['name']] = timed(lambda: torchvision.ops.roi_align(feat, rois, *args))
    elif kind == 'roi_align_backward':
        feat, rois = load(case['input']), load(case['rois'])
        args = (case['output'], case['scale'], case['sampling'], case['aligned'])
        x = feat.clone().requires_grad_()
        y = torchvision.ops.roi_align(x, rois, *args)
        g = torch.ones_like(y)
        out[case['name']] = timed(lambda: torch.autograd.grad(y, x, g, retain_graph=True))
print(json.dumps(out))
