# PyTorch side of bench/lenet-step.ts: the chapter's LeNet, one training step (zero_grad, forward,
# CrossEntropyLoss, backward, Adam step) on pre-made random batches. Prints {"steps_per_s": ...}.
import json, os, sys, time
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lenet_net import Net  # noqa: E402

threads, batch, steps, warmup = (int(a) for a in sys.argv[1:5])
torch.set_num_threads(threads)
torch.manual_seed(0)


net = Net()
opt = torch.optim.Adam(net.parameters(), lr=1e-3)
crit = nn.CrossEntropyLoss()
data = [(torch.randn(batch, 3, 32, 32), torch.randint(0, 10, (batch,))) for _ in range(16)]

def step(i):
    x, y = data[i % len(data)]
    opt.zero_grad()
    loss = crit(net(x), y)
    loss.backward()
    opt.step()
    return loss

for i in range(warmup):
    step(i)
t0 = time.perf_counter()
for i in range(steps):
    step(i)
dt = time.perf_counter() - t0
print(json.dumps({'steps_per_s': steps / dt}))
