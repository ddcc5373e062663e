# A PyTorch rank of a DistributedDataParallel job, the reference of the DDP parity tests and benchmarks
# (test/helpers/ddp-worker.ts is its tstorch twin: same data, same model, same steps). Run it as
#   RANK=.. WORLD_SIZE=.. MASTER_ADDR=.. MASTER_PORT=.. /usr/bin/python3 ddp_reference.py '<config JSON>'
# or under torchrun. Config: data (a cifar-10-batches-bin folder), out (a folder), steps, batch, lr,
# momentum, seed, model ('resnet18' | 'tiny'), findUnused, noSync (micro-batches per step, the first ones
# under no_sync), syncBn, staticGraph, gradientAsBucketView, bucketCapMb, threads, join (rank r takes join * r more steps, inside
# ddp.join()).
#
# SyncBatchNorm: PyTorch 1.13 runs it on CUDA only (SyncBatchNorm.forward refuses CPU input, DDP refuses
# SyncBatchNorm in CPU modules, and the five batch_norm_* kernels of torch/nn/modules/_functions.py have no
# CPU version). patch_sync_batchnorm_for_cpu() lifts the two checks and gives those five kernels CPU versions
# written with ATen's operators: the same operators, in the same order, as tstorch's (src/native/distributed.cc).
# Everything else (the autograd Function, its collectives, DDP) is PyTorch's own code.
import contextlib
import gc
import json
import os
import sys
import time

import numpy as np
import torch
import torch.distributed as dist
import torch.nn.functional as F
import torchvision


def _dims(x):
    return [0] + list(range(2, x.dim()))


def _shape(x):
    s = [1] * x.dim()
    s[1] = x.size(1)
    return s


def bn_stats(input, eps):
    var, mean = torch.var_mean(input, _dims(input), unbiased=False)
    return mean, (var + eps).sqrt().reciprocal()


def bn_gather_stats_with_counts(input, mean_all, invstd_all, running_mean, running_var, momentum, eps, counts):
    c = counts.view(-1, 1)
    total = counts.sum()
    mean = (mean_all * c).sum(0) / total
    var_all = invstd_all.square().reciprocal() - eps
    var = ((var_all + (mean_all - mean).square()) * c).sum(0) / total
    invstd = (var + eps).sqrt().reciprocal()
    if running_mean is not None:
        running_mean.copy_(running_mean * (1 - momentum) + mean * momentum)
    if running_var is not None:
        running_var.copy_(running_var * (1 - momentum) + (var * total / (total - 1)) * momentum)
    return mean, invstd


def bn_elemt(input, weight, bias, mean, invstd, eps):
    s = _shape(input)
    out = (input - mean.view(s)) * invstd.view(s)
    if weight is not None:
        out = out * weight.view(s)
    if bias is not None:
        out = out + bias.view(s)
    return out


def bn_backward_reduce(grad_out, input, mean, invstd, weight, input_g, weight_g, bias_g):
    d = _dims(input)
    sum_dy = grad_out.sum(d)
    sum_dy_xmu = (grad_out * (input - mean.view(_shape(input)))).sum(d)
    grad_weight = sum_dy_xmu * invstd if weight_g else None
    grad_bias = sum_dy if bias_g else None
    return sum_dy, sum_dy_xmu, grad_weight, grad_bias


def bn_backward_elemt(grad_out, input, mean, invstd, weight, sum_dy, sum_dy_xmu, count):
    s = _shape(input)
    total = count.sum()
    mean_dy = sum_dy / total
    mean_dy_xmu = sum_dy_xmu / total
    factor = invstd * weight if weight is not None else invstd
    return (grad_out - mean_dy.view(s) - (input - mean.view(s)) * (invstd * invstd * mean_dy_xmu).view(s)) * factor.view(s)


def patch_sync_batchnorm_for_cpu():
    torch.batch_norm_stats = bn_stats
    torch.batch_norm_gather_stats_with_counts = bn_gather_stats_with_counts
    torch.batch_norm_elemt = bn_elemt
    torch.batch_norm_backward_reduce = bn_backward_reduce
    torch.batch_norm_backward_elemt = bn_backward_elemt
    # _functions.SyncBatchNorm asks whether a CUDA graph is being captured (no CUDA here: never).
    torch.cuda.is_current_stream_capturing = lambda: False
    torch.nn.parallel.DistributedDataParallel._passing_sync_batchnorm_handle = lambda self, module: None
    torch.nn.SyncBatchNorm.forward = _sync_batchnorm_forward


def _sync_batchnorm_forward(self, input):
    # PyTorch 1.13's SyncBatchNorm.forward without its first two lines (`if not input.is_cuda: raise`).
    self._check_input_dim(input)
    self._check_non_zero_input_channels(input)
    if self.momentum is None:
        exponential_average_factor = 0.0
    else:
        exponential_average_factor = self.momentum
    if self.training and self.track_running_stats:
        assert self.num_batches_tracked is not None
        self.num_batches_tracked.add_(1)
        if self.momentum is None:
            exponential_average_factor = 1.0 / self.num_batches_tracked.item()
        else:
            exponential_average_factor = self.momentum
    if self.training:
        bn_training = True
    else:
        bn_training = (self.running_mean is None) and (self.running_var is None)
    running_mean = self.running_mean if not self.training or self.track_running_stats else None
    running_var = self.running_var if not self.training or self.track_running_stats else None
    need_sync = (bn_training and self.training)
    if need_sync:
        process_group = torch.distributed.group.WORLD
        if self.process_group:
            process_group = self.process_group
        world_size = torch.distributed.get_world_size(process_group)
        need_sync = world_size > 1
    if not need_sync:
        return F.batch_norm(input, running_mean, running_var, self.weight, self.bias, bn_training, exponential_average_factor, self.eps)
    from torch.nn.modules._functions import SyncBatchNorm as sync_batch_norm
    return sync_batch_norm.apply(input, self.weight, self.bias, running_mean, running_var, self.eps, exponential_average_factor,
                                 process_group, world_size)


def load_cifar(folder):
    raw = np.fromfile(os.path.join(folder, 'data_batch_1.bin'), dtype=np.uint8).reshape(-1, 3073)
    labels = torch.from_numpy(raw[:, 0].astype(np.int64))
    images = torch.from_numpy(raw[:, 1:].copy()).view(-1, 3, 32, 32)
    return images, labels


def tiny_model():
    # A model with an unused branch (head2 never runs): find_unused_parameters' case.
    class Tiny(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = torch.nn.Conv2d(3, 8, 3, padding=1)
            self.bn = torch.nn.BatchNorm2d(8)
            self.head = torch.nn.Linear(8, 10)
            self.head2 = torch.nn.Linear(8, 10)

        def forward(self, x):
            x = F.relu(self.bn(self.conv(x)))
            return self.head(F.adaptive_avg_pool2d(x, 1).flatten(1))
    return Tiny()


def main():
    cfg = json.loads(sys.argv[1])
    torch.set_num_threads(cfg.get('threads', 1))
    if cfg.get('syncBn'):
        patch_sync_batchnorm_for_cpu()
    dist.init_process_group('gloo')
    # PyTorch 1.13 can deadlock at exit (pytorch/pytorch#56297; seen in about 1 of 30 join() worlds on a loaded
    # machine, all-PyTorch ones included): when the last reference to the ProcessGroupGloo is DDP's Reducer's,
    # the group's destructor runs with the GIL held and joins the group's worker threads, while a worker that has
    # just finished a collective on a tensor Python created and already dropped (Join's zeros, _find_common_rank's
    # rank) needs the GIL to free it. The group's own Python binding releases the GIL in its destructor, so the
    # last reference is kept here: the job runs in train(), whose DDP, Reducer and autograd graphs are gone
    # (gc.collect() for any cycle) before the group is released. test/helpers/gloo_exit_deadlock.py reproduces
    # the deadlock deterministically, and shows this order avoiding it.
    group = dist.group.WORLD
    train(cfg)
    gc.collect()
    dist.destroy_process_group()
    del group


def train(cfg):
    rank, world = dist.get_rank(), dist.get_world_size()
    images, labels = load_cifar(cfg['data'])
    torch.manual_seed(cfg['seed'])
    model = torchvision.models.resnet18(num_classes=10) if cfg['model'] == 'resnet18' else tiny_model()
    if cfg.get('syncBn'):
        model = torch.nn.SyncBatchNorm.convert_sync_batchnorm(model)
    ddp = torch.nn.parallel.DistributedDataParallel(
        model, find_unused_parameters=cfg.get('findUnused', False), static_graph=cfg.get('staticGraph', False),
        bucket_cap_mb=cfg.get('bucketCapMb', 25), gradient_as_bucket_view=cfg.get('gradientAsBucketView', False))
    opt = torch.optim.SGD(ddp.parameters(), lr=cfg['lr'], momentum=cfg['momentum'])
    sampler = torch.utils.data.distributed.DistributedSampler(range(len(labels)), num_replicas=world, rank=rank, shuffle=True, seed=cfg['seed'])
    sampler.set_epoch(0)
    order = list(iter(sampler))
    micro = cfg.get('noSync', 1)
    b = cfg['batch']
    losses, times, cpu_times, phases = [], [], [], []  # phases: as ddp-worker.ts's
    pos = 0
    # join: uneven inputs, rank r takes join * r more steps than rank 0, inside DDP's join context.
    steps = cfg['steps'] + cfg.get('join', 0) * rank
    turns = cfg.get('turns')
    with (ddp.join() if cfg.get('join') else contextlib.nullcontext()):
        for step in range(steps):
            # bench/ddp-step.ts --paired: wait for this world's turn (ddp-worker.ts's `turns`)
            # (the bench removes the folder when a world fails: stop rather than poll forever)
            if turns:
                while not os.path.exists(os.path.join(turns['dir'], 'go-%s-%d' % (turns['world'], step))):
                    if not os.path.isdir(turns['dir']):
                        raise RuntimeError('ddp_reference: the turn folder %s is gone (the bench stopped) before step %d' % (turns['dir'], step))
                    time.sleep(turns['pollMs'] / 1000)
            t0, c0 = time.perf_counter(), time.process_time()
            opt.zero_grad()
            for k in range(micro):
                idx = torch.tensor(order[pos:pos + b])
                pos += b
                x = images[idx].float().div(255).sub(0.5).div(0.5)
                y = labels[idx]
                if k < micro - 1:
                    with ddp.no_sync():
                        loss = F.cross_entropy(ddp(x), y)
                        loss.backward()
                else:
                    tf = time.perf_counter()
                    loss = F.cross_entropy(ddp(x), y)
                    tb = time.perf_counter()
                    loss.backward()
                    forward, backward = tb - tf, time.perf_counter() - tb
            ts = time.perf_counter()
            opt.step()
            t1 = time.perf_counter()
            phases.append({'forward': forward, 'backward': backward, 'step': t1 - ts})
            times.append(t1 - t0)
            cpu_times.append(time.process_time() - c0)
            losses.append(loss.item())
            if turns:
                open(os.path.join(turns['dir'], 'done-%s-%d-%d' % (turns['world'], step, rank)), 'w').close()
    os.makedirs(cfg['out'], exist_ok=True)
    torch.save(ddp.state_dict(), os.path.join(cfg['out'], f'rank{rank}.pt'))
    with open(os.path.join(cfg['out'], f'rank{rank}.json'), 'w') as f:
        json.dump({'losses': losses, 'times': times, 'cpuTimes': cpu_times, 'phases': phases, 'rank': rank, 'world': world, 'kind': 'pytorch',
                   'logging': {k: v for k, v in ddp._get_ddp_logging_data().items() if k in ('bucket_sizes', 'num_buckets_reduced', 'has_rebuilt_buckets', 'rebuilt_bucket_sizes')}},
                  f)


if __name__ == '__main__':
    main()
