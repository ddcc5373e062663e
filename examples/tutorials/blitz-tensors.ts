// PyTorch's 60-minute blitz, "Tensors" (tensor_tutorial.py), ported statement by statement; the Python original
// is python/blitz_tensors.py and test/tutorials.test.ts runs both and compares what they print.
// Statements that needed a form other than the mechanical port are marked "// not mechanical: why".
//
//   npx tsx examples/tutorials/blitz-tensors.ts
import * as torch from 'tstorch';

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
  console.log(`Device tensor is stored on: ${tensor.device}`);
}

tensor = torch.ones(4, 4);
tensor.indexPut_([':', 1], 0); // not mechanical: JavaScript has no tensor[:, 1] = 0
console.log(tensor);

const t1 = torch.cat([tensor, tensor, tensor], { dim: 1 });
console.log(t1);

// This computes the element-wise product
console.log(`tensor.mul(tensor) \n ${tensor.mul(tensor)} \n`);
// Alternative syntax:
console.log(`tensor * tensor \n ${tensor.mul(tensor)}`); // not mechanical: no * operator on tensors

console.log(`tensor.matmul(tensor.T) \n ${tensor.matmul(tensor.T)} \n`);
// Alternative syntax:
console.log(`tensor @ tensor.T \n ${tensor.matmul(tensor.T)}`); // not mechanical: no @ operator

console.log(tensor, '\n');
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
