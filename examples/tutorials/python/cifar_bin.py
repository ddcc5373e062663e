# torchvision.datasets.CIFAR10 reads the python-pickle release of CIFAR-10; the machines these tutorials run on
# have the official *binary* release (cifar-10-batches-bin), which is what tstorch's CIFAR10 reads. This class is
# torchvision's CIFAR10 (same fields, same PIL images, same transform calls) over the binary files, so that the
# Python tutorials run unchanged but for the class name.
import os
import numpy as np
from PIL import Image
from torchvision.datasets import VisionDataset


class CIFAR10Bin(VisionDataset):
    def __init__(self, root, train=True, transform=None, target_transform=None, download=False):
        super().__init__(root, transform=transform, target_transform=target_transform)
        folder = os.path.join(root, 'cifar-10-batches-bin')
        if not os.path.isdir(folder):
            folder = root
        files = [f'data_batch_{i}.bin' for i in range(1, 6)] if train else ['test_batch.bin']
        raw = np.concatenate([np.fromfile(os.path.join(folder, f), dtype=np.uint8).reshape(-1, 3073) for f in files])
        self.targets = raw[:, 0].astype(np.int64).tolist()
        self.data = raw[:, 1:].reshape(-1, 3, 32, 32).transpose((0, 2, 3, 1))  # HWC, as torchvision's
        with open(os.path.join(folder, 'batches.meta.txt')) as f:
            self.classes = [line.strip() for line in f if line.strip()]

    def __getitem__(self, index):
        img, target = self.data[index], self.targets[index]
        img = Image.fromarray(img)
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def __len__(self):
        return len(self.data)
