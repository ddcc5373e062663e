// PyTorch's "Learn the Basics: Automatic Differentiation with torch.autograd", ported statement by statement; the
// Python original is python/basics_autograd.py and test/tutorials.test.ts runs both and compares what they print.
// Statements that needed a form other than the mechanical port are marked "// not mechanical: why".
//
//   npx tsx examples/tutorials/basics-autograd.ts
import * as torch from 'tstorch';

const { format } = torch.builtins;

torch.manualSeed(0); // side by side

const x = torch.ones(5); // input tensor
const y = torch.zeros(3); // expected output
const w = torch.randn(5, 3, { requiresGrad: true });
const b = torch.randn(3, { requiresGrad: true });
let z = torch.matmul(x, w).add(b); // not mechanical: no + operator
const loss = torch.nn.functional.binaryCrossEntropyWithLogits(z, y);

console.log(`Gradient function for z = ${z.gradFn}`);
console.log(`Gradient function for loss = ${loss.gradFn}`);

loss.backward();
console.log(w.grad);
console.log(b.grad);

z = torch.matmul(x, w).add(b); // not mechanical: no + operator
console.log(format(z.requiresGrad)); // not mechanical: JavaScript prints true, Python True

{
  using _ = torch.noGrad(); // not mechanical: `with torch.no_grad():`
  z = torch.matmul(x, w).add(b); // not mechanical: no + operator
}
console.log(format(z.requiresGrad)); // not mechanical: JavaScript prints false, Python False

z = torch.matmul(x, w).add(b); // not mechanical: no + operator
const zDet = z.detach();
console.log(format(zDet.requiresGrad)); // not mechanical: JavaScript prints false, Python False

const inp = torch.eye(4, 5, { requiresGrad: true });
const out = inp.add(1).pow(2).t(); // not mechanical: no + operator
out.backward(torch.onesLike(out), { retainGraph: true });
console.log(`First call\n${inp.grad}`);
out.backward(torch.onesLike(out), { retainGraph: true });
console.log(`\nSecond call\n${inp.grad}`);
inp.grad!.zero_();
out.backward(torch.onesLike(out), { retainGraph: true });
console.log(`\nCall after zeroing gradients\n${inp.grad}`);
