# An all-PyTorch, deterministic reproduction of PyTorch 1.13's exit deadlock (pytorch/pytorch#56297) that hung the
# PyTorch rank of a DDP join() parity world (about 1 world in 30 on a loaded machine, all-PyTorch worlds too), and
# the teardown order test/helpers/ddp_reference.py uses to avoid it. Run by hand, two ranks:
#   for r in 0 1; do RANK=$r WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=29731 \
#     /usr/bin/python3 test/helpers/gloo_exit_deadlock.py MODE & done; wait
#   MODE=reducer-last: DDP's Reducer holds the last reference to the ProcessGroupGloo; freeing it runs the group's
#     destructor with the GIL held, which joins the Gloo worker threads; the worker that finishes rank 0's last
#     allreduce must take the GIL to free the tensor Python dropped: rank 0 hangs for ever, rank 1 exits 0.
#   MODE=group-last: the Reducer goes first; the group's own Python object holds the last reference, and its
#     binding releases the GIL around ~ProcessGroupGloo: both ranks exit 0.
import os
import sys
import time

import torch
import torch.distributed as dist

mode = sys.argv[1]
dist.init_process_group('gloo')
rank = dist.get_rank()
pg = dist.group.WORLD
ddp = torch.nn.parallel.DistributedDataParallel(torch.nn.Linear(2, 2))
ddp(torch.ones(1, 2)).sum().backward()
reducer = ddp.reducer
del ddp
dist.destroy_process_group()  # from here on only `pg` and the Reducer reference the group
if rank == 0:
    # A collective on a tensor Python drops at once: the Gloo worker holds its last reference and, when the
    # collective ends (rank 1 joins it a second later), must take the GIL to free it.
    t = torch.zeros(1)
    work = pg.allreduce([t])
    del t, work
else:
    time.sleep(1)
    pg.allreduce([torch.zeros(1)]).wait()
print(f'rank {rank}: tearing down ({mode})', flush=True)
if mode == 'reducer-last':
    del pg
    del reducer  # ~Reducer -> ~ProcessGroupGloo with the GIL held: joins the worker, which waits for the GIL
else:
    del reducer
    del pg       # the group's binding releases the GIL around ~ProcessGroupGloo
print(f'rank {rank}: done', flush=True)
