// PyTorch's "Learn the Basics: Tensors", ported statement by statement; the Python original is
// python/basics_tensors.py and test/tutorials.test.ts runs both and compares what they print.
// Statements that needed a form other than the mechanical port are marked "// not mechanical: why".
//
//   npx tsx examples/tutorials/basics-tensors.ts
import * as torch from 'tstorch';

const { format } = torch.builtins;

torch.manualSeed(0); // side by side

const data = [[1, 2], [3, 4]];
const xData = torch.tensor(data, { dtype: torch.int64 }); // not mechanical: JavaScript numbers make float32; Python's ints make int64

const npArray = BigInt64Array.from(data.flat(), BigInt); // not mechanical: a TypedArray is numpy's place
const xNp = torch.fromTypedArray(npArray, [2, 2]);

const xOnes = torch.onesLike(xData); // retains the properties of xData
console.log(`Ones Tensor: \n ${xOnes} \n`);

const xRand = torch.randLike(xData, { dtype: torch.float }); // overrides the datatype of xData
console.log(`Random Tensor: \n ${xRand} \n`);

const shape = [2, 3];
const randTensor = torch.rand(shape);
const onesTensor = torch.ones(shape);
const zerosTensor = torch.zeros(shape);

console.log(`Random Tensor: \n ${randTensor} \n`);
console.log(`Ones Tensor: \n ${onesTensor} \n`);
console.log(`Zeros Tensor: \n ${zerosTensor}`);

let tensor = torch.rand(3, 4);

console.log(`Shape of tensor: ${tensor.shape}`);
console.log(`Datatype of tensor: ${tensor.dtype}`);
console.log(`Device tensor is stored on: ${tensor.device}`);

// We move our tensor to the GPU if available
if (torch.cuda.isAvailable()) {
  tensor = tensor.to('cuda');
}

tensor = torch.ones(4, 4);
console.log(`First row: ${tensor.index(0)}`); // not mechanical: tensor[0]
console.log(`First column: ${tensor.index(':', 0)}`); // not mechanical: tensor[:, 0]
console.log(`Last column: ${tensor.index('...', -1)}`); // not mechanical: tensor[..., -1]
tensor.indexPut_([':', 1], 0); // not mechanical: tensor[:, 1] = 0
console.log(tensor);

const t1 = torch.cat([tensor, tensor, tensor], { dim: 1 });
console.log(t1);

// This computes the matrix multiplication between two tensors. y1, y2, y3 will have the same value
const y1 = tensor.matmul(tensor.T); // not mechanical: no @ operator
const y2 = tensor.matmul(tensor.T);

const y3 = torch.randLike(y1);
y3.copy_(torch.matmul(tensor, tensor.T)); // not mechanical: no out= (the result is returned)


// This computes the element-wise product. z1, z2, z3 will have the same value
const z1 = tensor.mul(tensor); // not mechanical: no * operator
const z2 = tensor.mul(tensor);

const z3 = torch.randLike(tensor);
z3.copy_(torch.mul(tensor, tensor)); // not mechanical: no out= (the result is returned)

const agg = tensor.sum();
const aggItem = agg.item();
console.log(format(aggItem), "<class 'float'>"); // not mechanical: Python prints 12.0 and its type's name (item() gives a number)

console.log(`${tensor} \n`);
tensor.add_(5);
console.log(tensor);

// numpy prints whole floats as "2." between brackets, separated by spaces
const npStr = (a: ArrayLike<number>): string => `[${Array.from(a, (v) => (Number.isInteger(v) ? `${v}.` : String(v))).join(' ')}]`; // not mechanical: numpy's printing

let t = torch.ones(5);
console.log(`t: ${t}`);
let n = t.numpy() as Float32Array | Float64Array;
console.log(`n: ${npStr(n)}`); // not mechanical: numpy's printing

t.add_(1);
console.log(`t: ${t}`);
console.log(`n: ${npStr(n)}`); // not mechanical: numpy's printing

n = new Float64Array(5).fill(1); // not mechanical: np.ones(5) is a Float64Array
t = torch.fromTypedArray(n);

n.forEach((v, i) => { n[i] = v + 1; }); // not mechanical: np.add(n, 1, out=n)
console.log(`t: ${t}`);
console.log(`n: ${npStr(n)}`); // not mechanical: numpy's printing
console.log(format(y1.equal(y2)), format(y1.equal(y3)), format(z1.equal(z2)), format(z1.equal(z3))); // side by side
