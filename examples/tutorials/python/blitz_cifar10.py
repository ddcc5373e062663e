# PyTorch's 60-minute blitz, "Training a Classifier" (beginner_source/blitz/cifar10_tutorial.py), as published,
# with these changes for the side-by-side run against examples/tutorials/blitz-cifar10.ts (marked "# side by
# side"): a fixed seed; the data folder, output folder, print interval and a step limit from the command line;
# the binary release of CIFAR-10 (cifar_bin.CIFAR10Bin, see there); imshow writes a PNG (no matplotlib here).
import argparse
import torch
import torchvision
import torchvision.transforms as transforms
from cifar_bin import CIFAR10Bin  # side by side

parser = argparse.ArgumentParser()  # side by side
parser.add_argument('--data', default='./data')
parser.add_argument('--out', default='.')
parser.add_argument('--print-every', type=int, default=2000)
parser.add_argument('--max-steps', type=int, default=0)
args = parser.parse_args()
torch.manual_seed(0)  # side by side

transform = transforms.Compose(
    [transforms.ToTensor(),
     transforms.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))])

batch_size = 4

trainset = CIFAR10Bin(root=args.data, train=True,  # side by side
                      download=True, transform=transform)
trainloader = torch.utils.data.DataLoader(trainset, batch_size=batch_size,
                                          shuffle=True, num_workers=2)

testset = CIFAR10Bin(root=args.data, train=False,  # side by side
                     download=True, transform=transform)
testloader = torch.utils.data.DataLoader(testset, batch_size=batch_size,
                                         shuffle=False, num_workers=2)

classes = ('plane', 'car', 'bird', 'cat',
           'deer', 'dog', 'frog', 'horse', 'ship', 'truck')

# side by side: the tutorial shows images with matplotlib (plt.imshow, plt.show); here they are written as PNGs
# with torchvision.utils.save_image, as the TypeScript port does


# functions to show an image
def imshow(img, name):  # side by side: a file name
    img = img / 2 + 0.5     # unnormalize
    torchvision.utils.save_image(img, f'{args.out}/{name}')  # side by side: instead of plt.imshow, plt.show


# get some random training images
dataiter = iter(trainloader)
images, labels = next(dataiter)

# show images
imshow(torchvision.utils.make_grid(images), 'train.png')
# print labels
print(' '.join(f'{classes[labels[j]]:5s}' for j in range(batch_size)))

import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 5)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = torch.flatten(x, 1)  # flatten all dimensions except batch
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        x = self.fc3(x)
        return x


net = Net()

import torch.optim as optim

criterion = nn.CrossEntropyLoss()
optimizer = optim.SGD(net.parameters(), lr=0.001, momentum=0.9)

for epoch in range(2):  # loop over the dataset multiple times

    running_loss = 0.0
    for i, data in enumerate(trainloader, 0):
        if args.max_steps and i == args.max_steps:  # side by side
            break
        # get the inputs; data is a list of [inputs, labels]
        inputs, labels = data

        # zero the parameter gradients
        optimizer.zero_grad()

        # forward + backward + optimize
        outputs = net(inputs)
        loss = criterion(outputs, labels)
        loss.backward()
        optimizer.step()

        # print statistics
        running_loss += loss.item()
        if i % args.print_every == args.print_every - 1:    # print every 2000 mini-batches (side by side)
            print(f'[{epoch + 1}, {i + 1:5d}] loss: {running_loss / args.print_every:.3f}')
            running_loss = 0.0

print('Finished Training')

PATH = f'{args.out}/cifar_net.pth'  # side by side
torch.save(net.state_dict(), PATH)

dataiter = iter(testloader)
images, labels = next(dataiter)

# print images
imshow(torchvision.utils.make_grid(images), 'test.png')
print('GroundTruth: ', ' '.join(f'{classes[labels[j]]:5s}' for j in range(4)))

net = Net()
net.load_state_dict(torch.load(PATH))

outputs = net(images)

_, predicted = torch.max(outputs, 1)

print('Predicted: ', ' '.join(f'{classes[predicted[j]]:5s}'
                              for j in range(4)))

correct = 0
total = 0
# since we're not training, we don't need to calculate the gradients for our outputs
with torch.no_grad():
    for data in testloader:
        images, labels = data
        # calculate outputs by running images through the network
        outputs = net(images)
        # the class with the highest energy is what we choose as prediction
        _, predicted = torch.max(outputs.data, 1)
        total += labels.size(0)
        correct += (predicted == labels).sum().item()

print(f'Accuracy of the network on the 10000 test images: {100 * correct // total} %')

# prepare to count predictions for each class
correct_pred = {classname: 0 for classname in classes}
total_pred = {classname: 0 for classname in classes}

# again no gradients needed
with torch.no_grad():
    for data in testloader:
        images, labels = data
        outputs = net(images)
        _, predictions = torch.max(outputs, 1)
        # collect the correct predictions for each class
        for label, prediction in zip(labels, predictions):
            if label == prediction:
                correct_pred[classes[label]] += 1
            total_pred[classes[label]] += 1


# print accuracy for each class
for classname, correct_count in correct_pred.items():
    accuracy = 100 * float(correct_count) / total_pred[classname]
    print(f'Accuracy for class: {classname:5s} is {accuracy:.1f} %')
