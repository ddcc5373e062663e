# A PyTorch worker for the launcher tests: joins the job's default group (env://) and prints the allreduce of
# rank + 1, as test/helpers/launch-worker.ts does.
import os
import torch
import torch.distributed as dist

dist.init_process_group('gloo')
t = torch.tensor([dist.get_rank() + 1.])
dist.all_reduce(t)
print(f'sum {int(t.item())} python', flush=True)
dist.barrier()
dist.destroy_process_group()
