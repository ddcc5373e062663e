# PyTorch side of bench/detection-single-stage.ts: torchvision's single-stage detectors with the weights the
# TypeScript side saved, on the same photos. Prints {"<case>": median ms, ...}.
import json, os, sys, time
import numpy as np
import torch
import torchvision.models.detection as D

folder, threads, iters = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
torch.set_num_threads(threads)
meta = json.load(open(os.path.join(folder, 'meta.json')))

def load(name, shape):
    return torch.from_numpy(np.fromfile(os.path.join(folder, name + '.bin'), dtype=np.float32).reshape(shape))

def timed(fn):
    fn()  # warm-up
    times = []
    for _ in range(iters):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return float(np.median(times))

photo = load('photo', meta['photo'])
out = {}
for case in meta['cases']:
    m = getattr(D, case['builder'])(weights=None, weights_backbone=None, **case['pyKwargs'])
    m.load_state_dict(torch.load(os.path.join(folder, case['builder'] + '.pth')))
    if case['kind'] == 'eval':
        m.eval()
        def step():
            with torch.no_grad():
                m([photo])
    else:
        m.train()
        targets = [{'boxes': torch.tensor([[50., 60., 200., 250.], [220., 40., 400., 300.]]), 'labels': torch.tensor([1, 5])}] * 2
        def step():
            m.zero_grad()
            losses = m([photo, photo], targets)
            sum(losses.values()).backward()
    out[case['name']] = timed(step)
print(json.dumps(out))
