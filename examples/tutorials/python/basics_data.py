# PyTorch's "Learn the Basics: Datasets & DataLoaders" (beginner_source/basics/data_tutorial.py), as published,
# with these changes for the side-by-side run against examples/tutorials/basics-data.ts (marked "# side by
# side"): a fixed seed and the data/output folders from the command line; figures are written as PNG grids with
# torchvision.utils.save_image and their titles printed (no matplotlib here); the custom dataset reads its
# annotations with the csv module (no pandas here), and is used on a few images the script writes.
import argparse
import os
import csv
import torch
import torchvision
from torch.utils.data import Dataset
from torchvision import datasets
from torchvision.transforms import ToTensor

parser = argparse.ArgumentParser()  # side by side
parser.add_argument('--data', default='data')
parser.add_argument('--out', default='.')
args = parser.parse_args()
torch.manual_seed(0)  # side by side

training_data = datasets.FashionMNIST(
    root=args.data,  # side by side
    train=True,
    download=True,
    transform=ToTensor()
)

test_data = datasets.FashionMNIST(
    root=args.data,  # side by side
    train=False,
    download=True,
    transform=ToTensor()
)

labels_map = {
    0: "T-Shirt",
    1: "Trouser",
    2: "Pullover",
    3: "Dress",
    4: "Coat",
    5: "Sandal",
    6: "Shirt",
    7: "Sneaker",
    8: "Bag",
    9: "Ankle Boot",
}
figure = []  # side by side: the images of the figure
cols, rows = 3, 3
for i in range(1, cols * rows + 1):
    sample_idx = torch.randint(len(training_data), size=(1,)).item()
    img, label = training_data[sample_idx]
    figure.append(img)  # side by side: instead of figure.add_subplot and plt.imshow
    print(labels_map[label])  # side by side: instead of plt.title
torchvision.utils.save_image(figure, f'{args.out}/samples.png', nrow=cols)  # side by side: instead of plt.show()


class CustomImageDataset(Dataset):
    def __init__(self, annotations_file, img_dir, transform=None, target_transform=None):
        with open(annotations_file) as f:  # side by side: pd.read_csv(annotations_file)
            self.img_labels = list(csv.reader(f))
        self.img_dir = img_dir
        self.transform = transform
        self.target_transform = target_transform

    def __len__(self):
        return len(self.img_labels)

    def __getitem__(self, idx):
        img_path = os.path.join(self.img_dir, self.img_labels[idx][0])  # side by side: .iloc[idx, 0]
        image = torchvision.io.read_image(img_path)
        label = int(self.img_labels[idx][1])  # side by side: .iloc[idx, 1]
        if self.transform:
            image = self.transform(image)
        if self.target_transform:
            label = self.target_transform(label)
        return image, label


# side by side: a few images and an annotations file for CustomImageDataset
os.makedirs(f'{args.out}/images', exist_ok=True)
with open(f'{args.out}/annotations.csv', 'w') as f:
    for k in range(3):
        img, label = test_data[k]
        torchvision.io.write_png((img * 255).to(torch.uint8), f'{args.out}/images/img{k}.png')
        f.write(f'img{k}.png,{label}\n')
custom = CustomImageDataset(f'{args.out}/annotations.csv', f'{args.out}/images')
for k in range(len(custom)):
    image, label = custom[k]
    print(k, image.shape, image.dtype, label, image.sum().item())

from torch.utils.data import DataLoader

train_dataloader = DataLoader(training_data, batch_size=64, shuffle=True)
test_dataloader = DataLoader(test_data, batch_size=64, shuffle=True)

# Display image and label.
train_features, train_labels = next(iter(train_dataloader))
print(f"Feature batch shape: {train_features.size()}")
print(f"Labels batch shape: {train_labels.size()}")
img = train_features[0].squeeze()
label = train_labels[0]
torchvision.utils.save_image(img, f'{args.out}/first.png')  # side by side: instead of plt.imshow, plt.show
print(f"Label: {label}")
