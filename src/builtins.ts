// `torch.builtins`: the Python builtins PyTorch code leans on, for ports that read like the original:
// `for (const [i, data] of enumerate(trainloader))`, `for (const [x, y] of zip(a, b))`, `len(dataset)`,
// `format(loss, '>7f')`. (range is here, not at torch.range: PyTorch's torch.range is another function.)
export { len, format, enumerate, zip, range } from './python.js';
