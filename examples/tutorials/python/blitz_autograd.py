# PyTorch's 60-minute blitz, "A Gentle Introduction to torch.autograd" (beginner_source/blitz/autograd_tutorial.py),
# as published, with these changes for the side-by-side run against examples/tutorials/blitz-autograd.ts (marked
# "# side by side"): a fixed seed, and prints of the numbers the tutorial computes without printing them. The
# ImageNet weights come from $TORCH_HOME (the test writes a seeded checkpoint there: no network).
import torch
from torchvision.models import resnet18, ResNet18_Weights

torch.manual_seed(0)  # side by side

model = resnet18(weights=ResNet18_Weights.DEFAULT)
data = torch.rand(1, 3, 64, 64)
labels = torch.rand(1, 1000)

prediction = model(data)  # forward pass

loss = (prediction - labels).sum()
loss.backward()  # backward pass

optim = torch.optim.SGD(model.parameters(), lr=1e-2, momentum=0.9)

optim.step()  # gradient descent
print(f"loss: {loss.item():.6f}, fc.bias[:3]: {model.fc.bias[:3]}")  # side by side

a = torch.tensor([2., 3.], requires_grad=True)
b = torch.tensor([6., 4.], requires_grad=True)

Q = 3*a**3 - b**2

external_grad = torch.tensor([1., 1.])
Q.backward(gradient=external_grad)

# check if collected gradients are correct
print(9*a**2 == a.grad)
print(-2*b == b.grad)

x = torch.rand(5, 5)
y = torch.rand(5, 5)
z = torch.rand((5, 5), requires_grad=True)

a = x + y
print(f"Does `a` require gradients?: {a.requires_grad}")
b = x + z
print(f"Does `b` require gradients?: {b.requires_grad}")

from torch import nn, optim

model = resnet18(weights=ResNet18_Weights.DEFAULT)

# Freeze all the parameters in the network
for param in model.parameters():
    param.requires_grad = False

model.fc = nn.Linear(512, 10)

# Optimize only the classifier
optimizer = optim.SGD(model.parameters(), lr=1e-2, momentum=0.9)
print(f"trainable: {sum(p.numel() for p in model.parameters() if p.requires_grad)}")  # side by side
