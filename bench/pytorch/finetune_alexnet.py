#!/usr/bin/python3
"""The chapter's AlexNet fine-tuning in PyTorch (the reference for tstorch's `finetune` and its parity script).

Same recipe as src/train/finetune-run.ts: ImageFolder train/val, RandomResizedCrop(224) + flip for training
(or Resize(256) + CenterCrop(224) with --no-augment), normalisation with the chapter's mean/std, alexnet with
the given weights, classifier[6] replaced by Linear(4096, classes), CrossEntropyLoss, SGD(lr, momentum),
train and val phases, the best validation weights kept. Prints one JSON object per line:
  {"kind": "step", "epoch", "step", "loss"}   after every training step
  {"kind": "epoch", "epoch", "train_loss", "train_acc", "val_loss", "val_acc", "val_correct", "train_img_s"}
  {"kind": "best", "val_acc", "epoch"}
With --throughput N it instead times N training steps (decode + augment + train step) and prints
  {"kind": "throughput", "images", "seconds", "img_s"}.
"""
import argparse
import copy
import json
import os
import sys
import time

import torch
import torch.nn as nn
import torchvision
from torchvision import datasets, transforms

p = argparse.ArgumentParser()
p.add_argument('--data', required=True)
p.add_argument('--model', default='alexnet')
p.add_argument('--weights', default='none', help="a state-dict file, or 'none'")
p.add_argument('--epochs', type=int, default=10)
p.add_argument('--lr', type=float, default=1e-4)
p.add_argument('--momentum', type=float, default=0.9)
p.add_argument('--batch-size', type=int, default=8)
p.add_argument('--workers', type=int, default=0)
p.add_argument('--threads', type=int, default=0)
p.add_argument('--seed', type=int, default=0)
p.add_argument('--max-steps', type=int, default=0)
p.add_argument('--no-augment', action='store_true')
p.add_argument('--no-shuffle', action='store_true')
p.add_argument('--no-dropout', action='store_true')
p.add_argument('--mean', default='0.490,0.449,0.411')
p.add_argument('--std', default='0.231,0.221,0.230')
p.add_argument('--throughput', type=int, default=0, help='time this many training steps and exit')
a = p.parse_args()


def emit(o):
    print(json.dumps(o), flush=True)


if a.threads > 0:
    torch.set_num_threads(a.threads)
torch.manual_seed(a.seed)
mean = [float(x) for x in a.mean.split(',')]
std = [float(x) for x in a.std.split(',')]
val_tf = transforms.Compose([transforms.Resize(256), transforms.CenterCrop(224), transforms.ToTensor(), transforms.Normalize(mean, std)])
train_tf = val_tf if a.no_augment else transforms.Compose([
    transforms.RandomResizedCrop(224), transforms.RandomHorizontalFlip(), transforms.ToTensor(), transforms.Normalize(mean, std)])
image_datasets = {'train': datasets.ImageFolder(os.path.join(a.data, 'train'), train_tf),
                  'val': datasets.ImageFolder(os.path.join(a.data, 'val'), val_tf)}
dataloaders = {'train': torch.utils.data.DataLoader(image_datasets['train'], batch_size=a.batch_size, shuffle=not a.no_shuffle, num_workers=a.workers),
               'val': torch.utils.data.DataLoader(image_datasets['val'], batch_size=a.batch_size, shuffle=False, num_workers=a.workers)}
class_names = image_datasets['train'].classes

model = torchvision.models.get_model(a.model, weights=None)
if a.weights != 'none':
    model.load_state_dict(torch.load(a.weights, map_location='cpu'))
if a.model.startswith('alexnet') or a.model.startswith('vgg'):
    model.classifier[6] = nn.Linear(model.classifier[6].in_features, len(class_names))
else:
    model.fc = nn.Linear(model.fc.in_features, len(class_names))
if a.no_dropout:
    for m in model.modules():
        if isinstance(m, nn.Dropout):
            m.p = 0.0
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=a.lr, momentum=a.momentum)

if a.throughput:
    model.train()
    n = 0
    it = iter(dataloaders['train'])
    inputs, labels = next(it)  # warm-up step (and the workers' start)
    optimizer.zero_grad(); criterion(model(inputs), labels).backward(); optimizer.step()
    t0 = time.perf_counter()
    for k in range(a.throughput):
        try:
            inputs, labels = next(it)
        except StopIteration:
            it = iter(dataloaders['train'])
            inputs, labels = next(it)
        optimizer.zero_grad()
        loss = criterion(model(inputs), labels)
        loss.backward()
        optimizer.step()
        n += inputs.size(0)
    dt = time.perf_counter() - t0
    emit({'kind': 'throughput', 'images': n, 'seconds': dt, 'img_s': n / dt, 'threads': torch.get_num_threads(), 'workers': a.workers})
    sys.exit(0)

best_wts = copy.deepcopy(model.state_dict())
best_acc = -1.0
best_epoch = 0
for epoch in range(1, a.epochs + 1):
    row = {'kind': 'epoch', 'epoch': epoch}
    for phase in ['train', 'val']:
        model.train() if phase == 'train' else model.eval()
        running_loss, running_corrects, seen, step = 0.0, 0, 0, 0
        t0 = time.perf_counter()
        for inputs, labels in dataloaders[phase]:
            if a.max_steps and step >= a.max_steps:
                break
            step += 1
            optimizer.zero_grad()
            with torch.set_grad_enabled(phase == 'train'):
                outputs = model(inputs)
                _, preds = torch.max(outputs, 1)
                loss = criterion(outputs, labels)
                if phase == 'train':
                    loss.backward()
                    optimizer.step()
                    emit({'kind': 'step', 'epoch': epoch, 'step': step, 'loss': loss.item()})
            running_loss += loss.item() * inputs.size(0)
            running_corrects += int(torch.sum(preds == labels.data))
            seen += inputs.size(0)
        secs = time.perf_counter() - t0
        row[f'{phase}_loss'] = running_loss / seen
        row[f'{phase}_acc'] = running_corrects / seen
        row[f'{phase}_correct'] = running_corrects
        row[f'{phase}_img_s'] = seen / secs
        row[f'{phase}_images'] = seen
        if phase == 'val' and row['val_acc'] > best_acc:
            best_acc = row['val_acc']
            best_epoch = epoch
            best_wts = copy.deepcopy(model.state_dict())
    emit(row)
model.load_state_dict(best_wts)
emit({'kind': 'best', 'val_acc': best_acc, 'epoch': best_epoch})
