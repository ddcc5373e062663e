"""The PyTorch side of bench/serve-forward.ts: images/s of `copies` threads side by side, each with its own copy
of the model at `threads` intra-op threads, running forward passes of `batch` random images for `seconds`.

  /usr/bin/python3 bench/pytorch/serve_forward.py ARCH BATCH THREADS COPIES SECONDS
"""
import sys
import threading
import time

import torch
import torchvision

arch, batch, threads, copies, seconds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
torch.manual_seed(0)
rates = [0.0] * copies
warm = threading.Barrier(copies)


def measure(i: int) -> None:
    torch.set_num_threads(threads)  # per thread, as the server's model threads do
    model = torchvision.models.get_model(arch, weights=None).eval()
    x = torch.randn(batch, 3, 224, 224)
    with torch.inference_mode():
        model(x)
        model(x)
        warm.wait()
        n, t0 = 0, time.perf_counter()
        while time.perf_counter() - t0 < seconds:
            model(x)
            n += batch
        rates[i] = n / (time.perf_counter() - t0)


ts = [threading.Thread(target=measure, args=(i,)) for i in range(copies)]
for t in ts:
    t.start()
for t in ts:
    t.join()
print(sum(rates))
