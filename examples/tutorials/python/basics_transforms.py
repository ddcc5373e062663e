# PyTorch's "Learn the Basics: Transforms" (beginner_source/basics/transforms_tutorial.py), as published, with
# these changes for the side-by-side run against examples/tutorials/basics-transforms.ts (marked "# side by
# side"): the data folder from the command line, and prints of a transformed sample.
import argparse
import torch
from torchvision import datasets
from torchvision.transforms import ToTensor, Lambda

parser = argparse.ArgumentParser()  # side by side
parser.add_argument('--data', default='data')
args = parser.parse_args()

ds = datasets.FashionMNIST(
    root=args.data,  # side by side
    train=True,
    download=True,
    transform=ToTensor(),
    target_transform=Lambda(lambda y: torch.zeros(10, dtype=torch.float).scatter_(0, torch.tensor(y), value=1))
)

img, target = ds[0]  # side by side
print(img.shape, img.dtype, f'{img.min().item():.4f} {img.max().item():.4f} {img.mean().item():.6f}')  # side by side
print(target)  # side by side
