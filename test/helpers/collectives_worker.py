# One PyTorch rank of the collectives test: the twin of test/helpers/collectives-worker.ts (same calls, same
# inputs, same JSON of results in <out>/rank<r>.json), so that ranks of both kinds form one world.
import json
import os
import sys
from datetime import timedelta

import torch
import torch.distributed as dist

out = sys.argv[1]
R = {}


def lst(t):
    return [float(x) for x in t.tolist()]


def error_of(f):
    try:
        f()
    except Exception as e:
        return {'error': str(e)}
    return {'error': 'no error'}


dist.init_process_group('gloo', timeout=timedelta(seconds=60))
r, w = dist.get_rank(), dist.get_world_size()
R['rank'], R['world'], R['isInitialized'], R['backend'] = r, w, dist.is_initialized(), dist.get_backend()

t = torch.tensor([r + 1., 2. * (r + 1)])
dist.all_reduce(t)
R['allReduceSum'] = lst(t)
for op in ['PRODUCT', 'MIN', 'MAX']:
    t = torch.tensor([r + 2., -r])
    dist.all_reduce(t, op=getattr(dist.ReduceOp, op))
    R['allReduce' + op] = lst(t)
for op in ['BAND', 'BOR', 'BXOR']:
    t = torch.tensor([r + 1, 3 * r + 5], dtype=torch.int64)
    dist.all_reduce(t, op=getattr(dist.ReduceOp, op))
    R['allReduce' + op] = lst(t)
R['allReduceAVG'] = error_of(lambda: dist.all_reduce(torch.ones(2), op=dist.ReduceOp.AVG))

t = torch.tensor([7., 8., 9.]) if r == w - 1 else torch.zeros(3)
dist.broadcast(t, w - 1)
R['broadcast'] = lst(t)

t = torch.tensor([r + 1.])
dist.reduce(t, 1, op=dist.ReduceOp.SUM)
if r == 1:
    R['reduce'] = lst(t)

g = [torch.zeros(2) for _ in range(w)]
dist.all_gather(g, torch.tensor([float(r), r * 10.]))
R['allGather'] = [lst(x) for x in g]

R['allGatherIntoTensor'] = error_of(lambda: dist.all_gather_into_tensor(torch.zeros(2 * w), torch.tensor([float(r), -float(r)])))

gl = [torch.zeros(1) for _ in range(w)] if r == 0 else None
dist.gather(torch.tensor([r * 3.]), gather_list=gl, dst=0)
if r == 0:
    R['gather'] = [lst(x) for x in gl]

t = torch.zeros(1)
dist.scatter(t, scatter_list=[torch.tensor([i * 100. + 1]) for i in range(w)] if r == 0 else None, src=0)
R['scatter'] = lst(t)

R['reduceScatter'] = error_of(lambda: dist.reduce_scatter(torch.zeros(1), [torch.ones(1) for _ in range(w)]))

a2a = torch.zeros(w)
dist.all_to_all_single(a2a, torch.arange(w).float() + r * 10)
R['allToAllSingle'] = lst(a2a)

n = w * (w + 1) // 2
uneven = torch.zeros(w * (r + 1))
dist.all_to_all_single(uneven, torch.arange(n).float() + r * 100, output_split_sizes=[r + 1] * w, input_split_sizes=[j + 1 for j in range(w)])
R['allToAllSingleUneven'] = lst(uneven)

R['allToAll'] = error_of(lambda: dist.all_to_all([torch.zeros(1) for _ in range(w)], [torch.ones(1) for _ in range(w)]))

recvd = torch.zeros(1)
sw = dist.isend(torch.tensor([r * 1.5]), (r + 1) % w, tag=3)
frm = dist.recv(recvd, src=(r - 1 + w) % w, tag=3)
sw.wait()
R['ring'] = {'from': frm, 'value': lst(recvd)}

if r == 0:
    got = []
    for k in range(1, w):
        b = torch.zeros(1)
        src = dist.recv(b, tag=5)
        got.append([src, float(b.item())])
    R['recvAny'] = sorted(got)
else:
    dist.send(torch.tensor([r + 0.25]), 0, tag=5)

dist.barrier()
t = torch.tensor([float(r)])
work = dist.all_reduce(t, async_op=True)
R['asyncWait'] = work.wait()
R['asyncResult'] = lst(t)

pair = dist.new_group([0, w - 1])
if pair != dist.GroupMember.NON_GROUP_MEMBER:
    t = torch.tensor([r + 1.])
    dist.all_reduce(t, group=pair)
    R['pairGroup'] = {'rank': dist.get_rank(pair), 'size': dist.get_world_size(pair), 'sum': lst(t)}
else:
    R['pairGroup'] = {'rank': dist.get_rank(pair), 'size': dist.get_world_size(pair)}
allg = dist.new_group()
t = torch.tensor([42.]) if r == 1 else torch.zeros(1)
dist.broadcast(t, 1, group=allg)
R['allGroupBroadcast'] = lst(t)

objs = [{'a': 1, 'b': [1, 2, 'x']}, 'str', 3.5, None, True] if r == 0 else [None] * 5
dist.broadcast_object_list(objs, src=0)
R['broadcastObjectList'] = objs
everyone = [None] * w
dist.all_gather_object(everyone, {'rank': r, 'name': 'x' * (r + 1)})
R['allGatherObject'] = everyone
at_zero = [None] * w if r == 0 else None
dist.gather_object([r, f'rank {r}'], object_gather_list=at_zero, dst=0)
if r == 0:
    R['gatherObject'] = at_zero

dist.monitored_barrier(timeout=timedelta(seconds=60))
R['done'] = True
json.dump(R, open(os.path.join(out, f'rank{r}.json'), 'w'))
dist.destroy_process_group()
