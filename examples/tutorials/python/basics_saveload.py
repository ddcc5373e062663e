# PyTorch's "Learn the Basics: Save and Load the Model" (beginner_source/basics/saveloadrun_tutorial.py), as
# published, with these changes for the side-by-side run against examples/tutorials/basics-saveload.ts (marked
# "# side by side"): the architecture and output folder from the command line (CI uses a small one instead of
# VGG16's 528 MB), a fixed seed, and prints of what a notebook would show and of each model's output on one input.
# The ImageNet weights come from $TORCH_HOME (the test writes a seeded checkpoint there: no network).
import argparse
import os
import torch
import torchvision.models as models

parser = argparse.ArgumentParser()  # side by side
parser.add_argument('--arch', default='vgg16')
parser.add_argument('--out', default='.')
args = parser.parse_args()
torch.manual_seed(0)  # side by side
x = torch.rand(1, 3, 64, 64)  # side by side


def show(model):  # side by side
    print(f'{type(model).__name__}: output[0, :4] {model(x)[0, :4]}, argmax {model(x).argmax().item()}')


model = models.get_model(args.arch, weights='IMAGENET1K_V1')  # side by side: models.vgg16(weights='IMAGENET1K_V1')
torch.save(model.state_dict(), os.path.join(args.out, 'model_weights.pth'))  # side by side: 'model_weights.pth'

model = models.get_model(args.arch)  # side by side: models.vgg16(); we do not specify weights, i.e. create untrained model
print(model.load_state_dict(torch.load(os.path.join(args.out, 'model_weights.pth'))))  # side by side: print
print(model.eval())  # side by side: print
show(model)  # side by side

torch.save(model, os.path.join(args.out, 'model.pth'))  # side by side: 'model.pth'

model = torch.load(os.path.join(args.out, 'model.pth'))  # side by side: 'model.pth'
show(model)  # side by side
