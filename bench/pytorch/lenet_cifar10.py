# The chapter's LeNet recipe on CIFAR-10 in PyTorch: the reference that tstorch's `train lenet` is compared
# with (accuracy per epoch, and whole-epoch throughput with data loading and augmentation included).
#
#   /usr/bin/python3 bench/pytorch/lenet_cifar10.py --data DIR [--epochs 10] [--batch-size 8] [--threads N]
#       [--workers 0] [--max-steps N] [--seed 0] [--save model.pth] [--evaluate model.pth]
#
# The data set reads the official binary version (cifar-10-batches-bin) the way torchvision's CIFAR10 reads
# the pickled one: uint8 HWC arrays, turned into PIL images, then the chapter's transforms. Prints one JSON
# line per epoch.
import argparse, json, os, sys, time
import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lenet_net import Net  # noqa: E402
import torchvision.transforms as transforms
from PIL import Image


class CIFAR10Bin(torch.utils.data.Dataset):
    def __init__(self, root, train, transform):
        files = [f'data_batch_{i}.bin' for i in range(1, 6)] if train else ['test_batch.bin']
        raw = np.concatenate([np.fromfile(os.path.join(root, f), dtype=np.uint8).reshape(-1, 3073) for f in files])
        self.targets = raw[:, 0].astype(np.int64).tolist()
        self.data = raw[:, 1:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1).copy()
        self.transform = transform

    def __len__(self):
        return len(self.data)

    def __getitem__(self, i):
        img = Image.fromarray(self.data[i])
        return self.transform(img), self.targets[i]


def accuracy(net, loader):
    correct = total = 0
    net.eval()
    with torch.no_grad():
        for x, y in loader:
            correct += (net(x).argmax(1) == y).sum().item()
            total += y.size(0)
    net.train()
    return correct / total


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--data', required=True)
    p.add_argument('--epochs', type=int, default=10)
    p.add_argument('--batch-size', type=int, default=8)
    p.add_argument('--threads', type=int, default=0)
    p.add_argument('--workers', type=int, default=0)
    p.add_argument('--max-steps', type=int, default=0)
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--no-test', action='store_true')
    p.add_argument('--save')
    p.add_argument('--evaluate')
    a = p.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    norm = transforms.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))
    test_set = CIFAR10Bin(a.data, False, transforms.Compose([transforms.ToTensor(), norm]))
    test_loader = torch.utils.data.DataLoader(test_set, batch_size=64, shuffle=False, num_workers=a.workers)
    if a.evaluate:
        net = Net()
        net.load_state_dict(torch.load(a.evaluate))
        print(json.dumps({'evaluate': a.evaluate, 'test_acc': accuracy(net, test_loader)}))
        return
    train_set = CIFAR10Bin(a.data, True, transforms.Compose([
        transforms.RandomCrop(32, padding=4), transforms.RandomHorizontalFlip(), transforms.ToTensor(), norm]))
    train_loader = torch.utils.data.DataLoader(train_set, batch_size=a.batch_size, shuffle=True, num_workers=a.workers)
    net = Net()
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(net.parameters(), lr=0.001)
    for epoch in range(1, a.epochs + 1):
        t0 = time.perf_counter()
        seen = 0
        running = 0.0
        for i, (x, y) in enumerate(train_loader):
            if a.max_steps and i >= a.max_steps:
                break
            optimizer.zero_grad()
            loss = criterion(net(x), y)
            loss.backward()
            optimizer.step()
            running += loss.item()
            seen += y.size(0)
        dt = time.perf_counter() - t0
        row = {'epoch': epoch, 'train_img_per_s': seen / dt, 'seconds': dt, 'train_loss': running / max(1, i)}
        if not a.no_test:
            row['test_acc'] = accuracy(net, test_loader)
        print(json.dumps(row), flush=True)
    if a.save:
        torch.save(net.state_dict(), a.save)


if __name__ == '__main__':
    main()
