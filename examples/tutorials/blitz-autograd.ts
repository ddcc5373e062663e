// PyTorch's 60-minute blitz, "A Gentle Introduction to torch.autograd", ported statement by statement; the Python
// original is python/blitz_autograd.py and test/tutorials.test.ts runs both and compares what they print.
// Statements that needed a form other than the mechanical port are marked "// not mechanical: why".
// ResNet18_Weights.DEFAULT is read from $TORCH_HOME/hub/checkpoints (downloaded when missing, as in PyTorch).
//
//   npx tsx examples/tutorials/blitz-autograd.ts
import * as torch from 'tstorch';
import * as vision from 'tstorch/vision';

const { resnet18, ResNet18_Weights } = vision.models;

torch.manualSeed(0); // side by side

let model = resnet18({ weights: ResNet18_Weights.DEFAULT });
const data = torch.rand(1, 3, 64, 64);
const labels = torch.rand(1, 1000);

const prediction = model.call(data); // forward pass

const loss = prediction.sub(labels).sum(); // not mechanical: no - operator on tensors
loss.backward(); // backward pass

const optim = new torch.optim.SGD(model.parameters(), { lr: 1e-2, momentum: 0.9 });

optim.step(); // gradient descent
console.log(`loss: ${torch.format(loss.item(), '.6f')}, fc.bias[:3]: ${model.fc.bias!.index(':3')}`); // side by side

let a = torch.tensor([2., 3.], { requiresGrad: true });
let b = torch.tensor([6., 4.], { requiresGrad: true });

const Q = a.pow(3).mul(3).sub(b.pow(2)); // not mechanical: no ** * - operators

const externalGrad = torch.tensor([1., 1.]);
Q.backward({ gradient: externalGrad });

// check if collected gradients are correct
console.log(a.pow(2).mul(9).eq(a.grad!)); // not mechanical: no ** * == operators
console.log(b.mul(-2).eq(b.grad!)); // not mechanical: no * == operators

const x = torch.rand(5, 5);
const y = torch.rand(5, 5);
const z = torch.rand([5, 5], { requiresGrad: true });

a = x.add(y); // not mechanical: no + operator
console.log(`Does \`a\` require gradients?: ${torch.format(a.requiresGrad)}`); // not mechanical: JavaScript prints false, Python False
b = x.add(z); // not mechanical: no + operator
console.log(`Does \`b\` require gradients?: ${torch.format(b.requiresGrad)}`); // not mechanical: JavaScript prints true, Python True

const { nn, optim: optimNs } = torch; // not mechanical: the name optim is taken by a const (Python rebinds it)

model = resnet18({ weights: ResNet18_Weights.DEFAULT });

// Freeze all the parameters in the network
for (const param of model.parameters()) {
  param.requiresGrad = false;
}

model.fc = new nn.Linear(512, 10);

// Optimize only the classifier
const optimizer = new optimNs.SGD(model.parameters(), { lr: 1e-2, momentum: 0.9 });
console.log(`trainable: ${model.parameters().filter((p) => p.requiresGrad).reduce((s, p) => s + p.numel(), 0)}`); // side by side
